//! Every read and write of the pharmacy, on the document store (MongoDB in
//! production, SQLite embedded). Instants are Unix microseconds, dates ISO
//! strings (`2027-03-31`), money in the currency's minor unit.
//!
//! Collections: the catalog (with its search terms), prescriptions (their
//! items, dispenses and the events they announce inside them), stock (one
//! document per medication, its batches inside it, so that a dispense takes
//! from several batches in one conditional write), stock moves and the
//! audit chain.

mod catalog;
mod prescriptions;
mod stock;

use std::sync::Arc;

use hms_kit::docstore::audit::AuditChain;
use hms_kit::docstore::outbox::due_index;
use hms_kit::docstore::{self, DocumentStore, IndexSpec, Order};

pub use hms_kit::docstore::typed::{PageOf, StoreError, Versioned};
pub(crate) use hms_kit::docstore::typed::{eq, from_stored, to_value};

pub use catalog::MedicationDoc;
pub use prescriptions::{DispenseDoc, FindingDoc, InFlight, ItemDoc, LineDoc, PickDoc, PrescriptionDoc, RequestDoc};
pub use stock::{BatchDoc, JournalDoc, MoveDoc, StockDoc};

pub const MEDICATIONS: &str = "pharmacy_medications";
pub const TERMS: &str = "pharmacy_terms";
pub const PRESCRIPTIONS: &str = "pharmacy_prescriptions";
pub const STOCK: &str = "pharmacy_stock";
pub const MOVES: &str = "pharmacy_stock_moves";
pub const AUDIT: &str = "pharmacy_audit";

/// The collections whose documents carry outbox events.
pub const WITH_EVENTS: [&str; 3] = [PRESCRIPTIONS, STOCK, MEDICATIONS];

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
            (MEDICATIONS, index("by_code", &[("code", Order::Asc)], true)),
            (MEDICATIONS, index("by_name", &[("name_key", Order::Asc)], false)),
            (MEDICATIONS, index("active_by_name", &[("active", Order::Asc), ("name_key", Order::Asc)], false)),
            (MEDICATIONS, due_index()),
            (TERMS, index("by_term", &[("term", Order::Asc)], false)),
            (TERMS, index("active_by_term", &[("active", Order::Asc), ("term", Order::Asc)], false)),
            (TERMS, index("by_medication", &[("medication_id", Order::Asc)], false)),
            (PRESCRIPTIONS, index("by_patient", &[("patient_id", Order::Asc), ("created_at", Order::Desc)], false)),
            (PRESCRIPTIONS, index("queue", &[("queue", Order::Asc)], false)),
            (PRESCRIPTIONS, index("queue_by_status", &[("status", Order::Asc), ("queue", Order::Asc)], false)),
            (PRESCRIPTIONS, index("dispensing", &[("dispensing_since", Order::Asc)], false)),
            (PRESCRIPTIONS, due_index()),
            (STOCK, index("by_name", &[("name_key", Order::Asc)], false)),
            (STOCK, index("low_by_name", &[("low", Order::Asc), ("name_key", Order::Asc)], false)),
            (STOCK, index("by_next_expiry", &[("next_expiry", Order::Asc)], false)),
            (STOCK, due_index()),
            (MOVES, index("by_medication", &[("medication_id", Order::Asc), ("at", Order::Desc)], false)),
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }
}
