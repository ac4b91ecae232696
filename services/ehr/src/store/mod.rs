//! Every read and write of the EHR, on the document store (MongoDB in
//! production, SQLite embedded). Instants are Unix microseconds.
//!
//! Collections: one record per patient (keyed by the patient id), encounters
//! as separate documents (never an array inside the record), clinical
//! references, care relationships, break-glass grants and the audit chain.
//! Free text arrives here already sealed (see `app::Crypt`).

mod care;
mod encounters;
mod records;
mod references;

use std::sync::Arc;

use hms_kit::docstore::audit::{AuditChain, Entry};
use hms_kit::docstore::typed;
use hms_kit::docstore::{self, DocumentStore, IndexSpec, Order};
use serde::{Deserialize, Serialize};

pub use hms_kit::docstore::typed::{PageOf, Versioned};
pub(crate) use hms_kit::docstore::typed::{eq, from_stored, to_value};

pub use care::{CareDoc, GrantDoc, care_key};
pub use encounters::{DiagnosisDoc, EncounterDoc, PlanDoc, VitalsDoc};
pub use records::{AllergyDoc, ConditionDoc, ImmunizationDoc, RecordDoc};
pub use references::ReferenceDoc;

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
    /// The audit trail, a hash chain in `AUDIT`.
    audit: AuditChain,
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
        let audit = AuditChain::open(docs.clone(), AUDIT).await?;
        Ok(Self { docs, audit })
    }

    /// The indexes of every collection but `AUDIT`, whose indexes are the
    /// audit chain's own (`AuditChain::indexes`).
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
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }

    /// Appends `entry` to the audit chain; see `AuditChain::append`.
    pub async fn append_audit(&self, entry: Entry) -> Result<Entry> {
        self.audit.append(entry).await
    }

    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<Entry>> {
        self.audit.events(filter, after, limit).await
    }

    /// Recomputes the whole audit chain in order; the number of entries
    /// checked and the first broken one (sequence, problem), if any.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>)> {
        self.audit.verify().await
    }
}

#[cfg(test)]
mod query_plans;
