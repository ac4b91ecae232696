//! References to prescriptions and lab results held by other services, one
//! per source id.

use hms_kit::docstore::{DocError, Order, Query};
use serde::{Deserialize, Serialize};

use super::{REFERENCES, Result, Store, StoreError, eq, from_stored, to_value};

/// A prescription or lab result held by another service, referenced here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceDoc {
    /// PRESCRIPTION or LAB_RESULT.
    pub kind: String,
    pub source_id: String,
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter_id: Option<String>,
    /// Issue time of a prescription, result time of a lab result.
    pub at: i64,
    /// Medications summary, or the test name.
    pub title: String,
    /// Normal/Abnormal for a lab result.
    pub status: String,
    pub created_at: i64,
}

impl Store {
    /// Stores a reference unless one with this id exists; the stored one and
    /// whether it was created now.
    pub async fn ensure_reference(&self, id: &str, doc: &ReferenceDoc) -> Result<(ReferenceDoc, bool)> {
        match self.docs.insert(REFERENCES, id, &to_value(doc)?).await {
            Ok(_) => Ok((doc.clone(), true)),
            Err(DocError::AlreadyExists { .. }) => {
                let stored = self.docs.get(REFERENCES, id).await?.ok_or(StoreError::Conflict)?;
                Ok((from_stored::<ReferenceDoc>(stored)?.doc, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// References of a patient (or of one encounter), newest first.
    pub async fn references(&self, field: &str, value: &str, limit: usize) -> Result<Vec<ReferenceDoc>> {
        let query = Self::references_query(field, value, limit);
        self.docs.find(REFERENCES, &query).await?.items.into_iter().map(|s| from_stored(s).map(|v| v.doc)).collect()
    }

    // --- the query above: `query_plans` holds it to an index ---

    pub(super) fn references_query(field: &str, value: &str, limit: usize) -> Query {
        Query { filters: vec![eq(field, value)], sort: vec![("at".into(), Order::Desc)], limit, after: None }
    }
}
