//! Encounters, separate documents (never an array inside the record), with
//! their diagnoses, sealed treatment plans and vital signs; at most one per
//! appointment.

use hms_kit::docstore::{Order, Query};
use serde::{Deserialize, Serialize};

use super::{ENCOUNTERS, PageOf, Result, Sealed, Store, Versioned, eq, from_stored, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisDoc {
    pub id: String,
    pub icd10_code: String,
    pub description: String,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub id: String,
    /// `{description, follow_up_instructions}` as JSON, sealed.
    pub text: Sealed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalsDoc {
    pub id: String,
    pub recorded_by: String,
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heart_rate: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systolic_bp: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diastolic_bp: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_celsius: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_percent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_cm: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncounterDoc {
    pub patient_id: String,
    pub doctor_id: String,
    /// Absent for encounters not made from an appointment: the unique index
    /// on it only constrains documents that have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    pub encounter_at: i64,
    pub status: String,
    /// The narrative (`EncounterNotes` as JSON), sealed; absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Sealed>,
    pub diagnoses: Vec<DiagnosisDoc>,
    pub treatment_plans: Vec<PlanDoc>,
    pub vital_signs: Vec<VitalsDoc>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn encounter(&self, id: &str) -> Result<Option<Versioned<EncounterDoc>>> {
        self.docs.get(ENCOUNTERS, id).await?.map(from_stored).transpose()
    }

    pub async fn insert_encounter(&self, id: &str, doc: &EncounterDoc) -> Result<Versioned<EncounterDoc>> {
        from_stored(self.docs.insert(ENCOUNTERS, id, &to_value(doc)?).await?)
    }

    /// Writes `doc` if nobody else did since `version` (else `Conflict`).
    pub async fn save_encounter(&self, id: &str, doc: &EncounterDoc, version: i64) -> Result<Versioned<EncounterDoc>> {
        from_stored(self.docs.replace(ENCOUNTERS, id, &to_value(doc)?, version).await?)
    }

    pub async fn encounter_of_appointment(&self, appointment_id: &str) -> Result<Option<Versioned<EncounterDoc>>> {
        let query = Self::appointment_query(appointment_id);
        self.docs.find(ENCOUNTERS, &query).await?.items.into_iter().next().map(from_stored).transpose()
    }

    /// A page of the patient's encounters, newest first.
    pub async fn encounters(
        &self,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<EncounterDoc>> {
        let query = Self::encounters_query(patient_id, after, limit);
        let page = self.docs.find(ENCOUNTERS, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    // --- the queries above: `query_plans` holds each to an index ---

    pub(super) fn appointment_query(appointment_id: &str) -> Query {
        Query { filters: vec![eq("appointment_id", appointment_id)], sort: vec![], limit: 1, after: None }
    }

    pub(super) fn encounters_query(patient_id: &str, after: Option<String>, limit: usize) -> Query {
        Query {
            filters: vec![eq("patient_id", patient_id)],
            sort: vec![("encounter_at".into(), Order::Desc)],
            limit,
            after,
        }
    }
}
