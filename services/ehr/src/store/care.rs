//! Care relationships (one document per basis: an appointment or an
//! encounter) and break-glass grants.

use hms_kit::docstore::{Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CARE, GRANTS, PageOf, Result, Store, Versioned, eq, from_stored, to_value};

/// One basis of a doctor's care relationship with a patient: an appointment
/// (one document per appointment, following it through its stages) or an
/// encounter the doctor wrote. The doctor has access while any of theirs
/// with the patient has `until` ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareDoc {
    pub doctor_id: String,
    pub patient_id: String,
    /// APPOINTMENT or ENCOUNTER: what the relationship rests on.
    pub source: String,
    /// The appointment's or encounter's id.
    pub source_id: String,
    /// For an appointment, the latest stage the EHR learned of it
    /// (`domain::care::Stage`); empty for an encounter.
    #[serde(default)]
    pub stage: String,
    /// Unix microseconds from which the basis no longer gives access
    /// (`domain::care::OPEN_ENDED` while its appointment is live).
    pub until: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantDoc {
    pub doctor_id: String,
    pub patient_id: String,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

/// The key of the care document resting on this appointment or encounter.
pub fn care_key(source: &str, source_id: &str) -> String {
    format!("{source}:{source_id}")
}

impl Store {
    pub async fn care(&self, key: &str) -> Result<Option<Versioned<CareDoc>>> {
        self.docs.get(CARE, key).await?.map(from_stored).transpose()
    }

    pub async fn insert_care(&self, key: &str, doc: &CareDoc) -> Result<Versioned<CareDoc>> {
        from_stored(self.docs.insert(CARE, key, &to_value(doc)?).await?)
    }

    /// Writes `doc` if nobody else did since `version` (else `Conflict`).
    pub async fn save_care(&self, key: &str, doc: &CareDoc, version: i64) -> Result<Versioned<CareDoc>> {
        from_stored(self.docs.replace(CARE, key, &to_value(doc)?, version).await?)
    }

    /// Whether any basis of the doctor's care for the patient still holds
    /// at `now`.
    pub async fn has_care(&self, doctor_id: &str, patient_id: &str, now: i64) -> Result<bool> {
        Ok(!self.docs.find(CARE, &Self::care_query(doctor_id, patient_id, now)).await?.items.is_empty())
    }

    pub async fn insert_grant(&self, id: &str, doc: &GrantDoc) -> Result<()> {
        self.docs.insert(GRANTS, id, &to_value(doc)?).await?;
        Ok(())
    }

    /// The doctor's latest grant on the patient still valid at `now`.
    pub async fn active_grant(&self, doctor_id: &str, patient_id: &str, now: i64) -> Result<Option<GrantDoc>> {
        let query = Self::active_grant_query(doctor_id, patient_id, now);
        self.docs
            .find(GRANTS, &query)
            .await?
            .items
            .into_iter()
            .next()
            .map(|s| from_stored(s).map(|v| v.doc))
            .transpose()
    }

    pub async fn grants(
        &self,
        doctor_id: Option<&str>,
        patient_id: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<GrantDoc>> {
        let query = Self::grants_query(doctor_id, patient_id, after, limit);
        let page = self.docs.find(GRANTS, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    // --- the queries above: `query_plans` holds each to an index ---

    pub(super) fn care_query(doctor_id: &str, patient_id: &str, now: i64) -> Query {
        Query {
            filters: vec![
                eq("doctor_id", doctor_id),
                eq("patient_id", patient_id),
                ("until".into(), Filter::Gt(json!(now))),
            ],
            sort: vec![],
            limit: 1,
            after: None,
        }
    }

    pub(super) fn active_grant_query(doctor_id: &str, patient_id: &str, now: i64) -> Query {
        Query {
            filters: vec![
                eq("doctor_id", doctor_id),
                eq("patient_id", patient_id),
                ("expires_at".into(), Filter::Gt(json!(now))),
            ],
            sort: vec![("expires_at".into(), Order::Desc)],
            limit: 1,
            after: None,
        }
    }

    pub(super) fn grants_query(
        doctor_id: Option<&str>,
        patient_id: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Query {
        let mut filters = Vec::new();
        for (field, value) in [("doctor_id", doctor_id), ("patient_id", patient_id)] {
            if let Some(value) = value {
                filters.push(eq(field, value));
            }
        }
        Query { filters, sort: vec![("granted_at".into(), Order::Desc)], limit, after }
    }
}
