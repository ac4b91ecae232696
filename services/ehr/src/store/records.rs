//! The patient's medical record: one document per patient, keyed by the
//! patient id, its history summary sealed.

use hms_kit::docstore::DocError;
use serde::{Deserialize, Serialize};

use super::{RECORDS, Result, Sealed, Store, StoreError, Versioned, from_stored, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllergyDoc {
    pub substance: String,
    pub reaction: String,
    pub criticality: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionDoc {
    pub description: String,
    pub icd10_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImmunizationDoc {
    pub vaccine: String,
    /// ISO date, `2024-03-01`.
    pub date: String,
    pub dose_number: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDoc {
    pub blood_type: String,
    pub allergies: Vec<AllergyDoc>,
    pub chronic_conditions: Vec<ConditionDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Sealed>,
    pub immunizations: Vec<ImmunizationDoc>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RecordDoc {
    pub fn empty(now: i64) -> Self {
        Self {
            blood_type: String::new(),
            allergies: Vec::new(),
            chronic_conditions: Vec::new(),
            history: None,
            immunizations: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

impl Store {
    pub async fn record(&self, patient_id: &str) -> Result<Option<Versioned<RecordDoc>>> {
        self.docs.get(RECORDS, patient_id).await?.map(from_stored).transpose()
    }

    /// The patient's record, created empty when missing; true if created now.
    pub async fn ensure_record(&self, patient_id: &str, now: i64) -> Result<(Versioned<RecordDoc>, bool)> {
        match self.docs.insert(RECORDS, patient_id, &to_value(&RecordDoc::empty(now))?).await {
            Ok(stored) => Ok((from_stored(stored)?, true)),
            Err(DocError::AlreadyExists { .. }) => {
                let existing = self.record(patient_id).await?.ok_or(StoreError::Conflict)?;
                Ok((existing, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn save_record(&self, patient_id: &str, doc: &RecordDoc, version: i64) -> Result<Versioned<RecordDoc>> {
        from_stored(self.docs.replace(RECORDS, patient_id, &to_value(doc)?, version).await?)
    }
}
