//! Every read and write of the EHR, on the document store (MongoDB in
//! production, SQLite embedded). Instants are Unix microseconds.
//!
//! Collections: one record per patient (keyed by the patient id), encounters
//! as separate documents (never an array inside the record), clinical
//! references, care relationships, break-glass grants and the audit chain.
//! Free text arrives here already sealed (see `app::Crypt`).

mod audit;
mod care;
mod encounters;
mod records;
mod references;

use std::sync::Arc;

use hms_kit::docstore::{self, DocError, DocumentStore, Filter, IndexSpec, Order};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use care::{CareDoc, GrantDoc, care_key};
pub use encounters::{DiagnosisDoc, EncounterDoc, PlanDoc, VitalsDoc};
pub use records::{AllergyDoc, ConditionDoc, ImmunizationDoc, RecordDoc};
pub use references::ReferenceDoc;

#[cfg(test)]
use crate::domain::audit::Entry;

pub const RECORDS: &str = "ehr_records";
pub const ENCOUNTERS: &str = "ehr_encounters";
pub const REFERENCES: &str = "ehr_references";
pub const CARE: &str = "ehr_care";
pub const GRANTS: &str = "ehr_break_glass";
pub const AUDIT: &str = "ehr_audit";

/// Free text sealed with the field encryption: key id and base64 ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub k: String,
    pub c: String,
}

/// A document with the version its next write must expect.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub id: String,
    pub version: i64,
    pub doc: T,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    #[error("not found")]
    NotFound,
    #[error("changed concurrently")]
    Conflict,
    #[error("bad query: {0}")]
    Invalid(String),
    #[error("store: {0}")]
    Backend(String),
}

impl From<DocError> for StoreError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::AlreadyExists { .. } => StoreError::AlreadyExists,
            DocError::NotFound => StoreError::NotFound,
            DocError::VersionConflict { .. } => StoreError::Conflict,
            DocError::InvalidDocument(m) => StoreError::Invalid(m),
            DocError::Backend(m) => StoreError::Backend(m),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn to_value<T: Serialize>(doc: &T) -> Result<Value> {
    serde_json::to_value(doc).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_stored<T: DeserializeOwned>(stored: docstore::Stored) -> Result<Versioned<T>> {
    let doc = serde_json::from_value(stored.body)
        .map_err(|e| StoreError::Backend(format!("stored document {}: {e}", stored.id)))?;
    Ok(Versioned { id: stored.id, version: stored.version, doc })
}

fn eq(field: &str, value: impl Into<Value>) -> (String, Filter) {
    (field.to_owned(), Filter::Eq(value.into()))
}

/// A page of documents and the cursor of the next one.
pub type PageOf<T> = (Vec<Versioned<T>>, Option<String>);

#[derive(Clone)]
pub struct Store {
    docs: Arc<dyn DocumentStore>,
    /// The last audit entry this process knows of (sequence, hash). Appends in
    /// one process take turns on this lock; other replicas are caught by the
    /// unique document key, after which the tail is read again.
    audit_tail: Arc<tokio::sync::Mutex<Option<(i64, String)>>>,
}

impl Store {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let docs = docstore::connect(url).await?;
        Self::with(docs).await
    }

    pub async fn with(docs: Arc<dyn DocumentStore>) -> anyhow::Result<Self> {
        // The audit's unique `by_seq` became `chain`: an entry's key is its
        // sequence number already, and MongoDB walks only a non-unique index
        // (ending in the `_id` tie-break) in a listing's order.
        docs.drop_index(AUDIT, "by_seq").await?;
        for (collection, spec) in Self::indexes() {
            docs.ensure_index(collection, &spec).await?;
        }
        Ok(Self { docs, audit_tail: Arc::default() })
    }

    fn indexes() -> Vec<(&'static str, IndexSpec)> {
        let index = |name: &str, fields: &[(&str, Order)], unique: bool| IndexSpec {
            name: name.to_owned(),
            fields: fields.iter().map(|(f, o)| ((*f).to_owned(), *o)).collect(),
            unique,
        };
        vec![
            (ENCOUNTERS, index("by_patient", &[("patient_id", Order::Asc), ("encounter_at", Order::Desc)], false)),
            (ENCOUNTERS, index("by_appointment", &[("appointment_id", Order::Asc)], true)),
            (REFERENCES, index("by_patient", &[("patient_id", Order::Asc), ("at", Order::Desc)], false)),
            (REFERENCES, index("by_encounter", &[("encounter_id", Order::Asc), ("at", Order::Desc)], false)),
            (
                GRANTS,
                index(
                    "active",
                    &[("doctor_id", Order::Asc), ("patient_id", Order::Asc), ("expires_at", Order::Desc)],
                    false,
                ),
            ),
            (GRANTS, index("review", &[("granted_at", Order::Desc)], false)),
            (
                CARE,
                index("live", &[("doctor_id", Order::Asc), ("patient_id", Order::Asc), ("until", Order::Desc)], false),
            ),
            (AUDIT, index("chain", &[("seq", Order::Desc)], false)),
            (AUDIT, index("by_patient", &[("patient_id", Order::Asc), ("seq", Order::Desc)], false)),
            (AUDIT, index("by_actor", &[("actor_id", Order::Asc), ("seq", Order::Desc)], false)),
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }
}

#[cfg(test)]
mod query_plans;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str) -> Entry {
        Entry {
            seq: 0,
            actor_id: actor.into(),
            actor_role: "DOCTOR".into(),
            action: "GetMedicalRecord".into(),
            patient_id: "p1".into(),
            resource: "record".into(),
            at: 1,
            client_address: "127.0.0.1".into(),
            outcome: "ALLOWED".into(),
            break_glass_reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Two replicas (two `Store`s on one database) appending at once still
    /// build one unbroken chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appenders_in_two_replicas_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ehr.db").display());
        let a = Store::open(&url).await.unwrap();
        let b = Store::open(&url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move { store.append_audit(entry(&format!("d{i}"))).await.unwrap().seq }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
        assert_eq!(a.verify_audit().await.unwrap(), (40, None));
    }
}
