//! Every read and write of the laboratory, on the document store (MongoDB in
//! production, SQLite embedded). Instants are Unix microseconds, money in the
//! currency's minor unit.
//!
//! Collections: the test catalog (each test with its parameters, ranges,
//! conversions and scale inside it), orders (their items, results and files,
//! and the events they announce inside them), one accession counter per
//! collection day, the accession numbers given (one document each, keyed by
//! the number, so no number is ever given twice) and the audit chain.

mod catalog;
mod orders;

use std::sync::Arc;

use hms_kit::docstore::audit::AuditChain;
use hms_kit::docstore::outbox::due_index;
use hms_kit::docstore::{self, DocumentStore, IndexSpec, Order};

pub use hms_kit::docstore::typed::{PageOf, StoreError, Versioned};
pub(crate) use hms_kit::docstore::typed::{eq, from_stored, to_value};

pub use catalog::{ConversionDoc, ParameterDoc, RangeDoc, TestDoc};
pub use orders::{FileDoc, ItemDoc, OrderDoc, PatientDoc, ResultDoc};

pub const TESTS: &str = "lab_tests";
pub const ORDERS: &str = "lab_orders";
pub const ACCESSION_DAYS: &str = "lab_accession_days";
pub const ACCESSIONS: &str = "lab_accessions";
pub const AUDIT: &str = "lab_audit";

/// The collections whose documents carry outbox events.
pub const WITH_EVENTS: [&str; 2] = [ORDERS, TESTS];

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct Store {
    docs: Arc<dyn DocumentStore>,
    pub audit: AuditChain,
}

impl Store {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        Self::with(docstore::connect(url).await?).await
    }

    pub async fn with(docs: Arc<dyn DocumentStore>) -> anyhow::Result<Self> {
        for (collection, spec) in Self::indexes() {
            docs.ensure_index(collection, &spec).await?;
        }
        let audit = AuditChain::open(docs.clone(), AUDIT).await?;
        Ok(Self { docs, audit })
    }

    /// The documents themselves, for the outbox relay.
    pub fn docs(&self) -> Arc<dyn DocumentStore> {
        self.docs.clone()
    }

    fn indexes() -> Vec<(&'static str, IndexSpec)> {
        let index = |name: &str, fields: &[(&str, Order)], unique: bool| IndexSpec {
            name: name.to_owned(),
            fields: fields.iter().map(|(f, o)| ((*f).to_owned(), *o)).collect(),
            unique,
        };
        vec![
            (TESTS, index("by_code", &[("code", Order::Asc)], true)),
            (TESTS, index("by_name", &[("name_key", Order::Asc)], false)),
            (ORDERS, index("by_patient", &[("patient_id", Order::Asc), ("created_at", Order::Desc)], false)),
            (ORDERS, index("worklist", &[("work_rank", Order::Asc), ("created_at", Order::Asc)], false)),
            (ORDERS, index("to_review", &[("review_doctor", Order::Asc), ("created_at", Order::Asc)], false)),
            (ORDERS, due_index()),
            (TESTS, due_index()),
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }
}
