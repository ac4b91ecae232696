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

use hms_kit::docstore::typed;
use hms_kit::docstore::{self, DocumentStore, IndexSpec, Order};
use serde::{Deserialize, Serialize};

pub use hms_kit::docstore::typed::{PageOf, Versioned};
pub(crate) use hms_kit::docstore::typed::{eq, from_stored, to_value};

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

pub use typed::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

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
