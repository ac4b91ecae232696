//! Prescriptions: one document each, with its items, its dispenses, the
//! dispense under way (if any) and the events it announces.

use hms_kit::docstore::outbox::Outbox;
use hms_kit::docstore::{Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{PRESCRIPTIONS, PageOf, Result, Store, Versioned, eq, from_stored, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDoc {
    pub id: String,
    pub medication_id: String,
    pub medication_name: String,
    /// Kept for screening later prescriptions against this one.
    pub generic_name: String,
    pub classes: Vec<String>,
    pub ingredients: Vec<String>,
    pub dosage: String,
    pub frequency: String,
    pub duration_days: i64,
    pub quantity: i64,
    pub dispensed: i64,
    pub instructions: String,
    /// At prescribing; a dispense charges the catalog's price of its day.
    pub unit_price: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingDoc {
    pub kind: String,
    pub medication_id: String,
    pub medication_name: String,
    pub other: String,
    pub other_prescription_id: String,
    pub severity: String,
    pub description: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickDoc {
    pub batch_id: String,
    pub lot: String,
    pub expiry: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDoc {
    pub item_id: String,
    pub medication_id: String,
    pub medication_name: String,
    pub requested: i64,
    pub quantity: i64,
    pub picks: Vec<PickDoc>,
    pub unit_price: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispenseDoc {
    pub id: String,
    pub by: String,
    pub at: i64,
    pub lines: Vec<LineDoc>,
}

/// What a dispense under way asks of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDoc {
    pub item_id: String,
    pub medication_id: String,
    pub requested: i64,
}

/// A dispense under way: recorded before any stock is taken, so that a
/// dispense interrupted midway is finished by whoever finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub id: String,
    pub by: String,
    pub at: i64,
    pub requests: Vec<RequestDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrescriptionDoc {
    pub patient_id: String,
    pub doctor_id: String,
    pub encounter_id: String,
    pub status: String,
    pub items: Vec<ItemDoc>,
    pub notes: String,
    pub created_at: i64,
    /// Until when it counts as active for interaction screening.
    pub active_until: i64,
    #[serde(default)]
    pub overridden: Vec<FindingDoc>,
    #[serde(default)]
    pub override_reason: String,
    #[serde(default)]
    pub verified_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<i64>,
    #[serde(default)]
    pub dispenses: Vec<DispenseDoc>,
    #[serde(default)]
    pub cancel_reason: String,
    /// The creation time while the pharmacy has work on it: its place in
    /// the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensing: Option<InFlight>,
    /// When the dispense under way began, for finding interrupted ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensing_since: Option<i64>,
    /// Counts the prescription's own changes: the version clients read and
    /// write against. The document's version also moves when the relay
    /// delivers its events, which is none of the client's concern.
    #[serde(default)]
    pub revision: i64,
    #[serde(flatten)]
    pub outbox: Outbox,
}

impl Store {
    pub async fn prescription(&self, id: &str) -> Result<Option<Versioned<PrescriptionDoc>>> {
        self.docs.get(PRESCRIPTIONS, id).await?.map(from_stored).transpose()
    }

    /// The prescriptions of `ids` that exist, in no particular order.
    pub async fn prescriptions(&self, ids: &[&str]) -> Result<Vec<Versioned<PrescriptionDoc>>> {
        self.docs.get_many(PRESCRIPTIONS, ids).await?.into_iter().map(from_stored).collect()
    }

    pub async fn insert_prescription(&self, id: &str, doc: &PrescriptionDoc) -> Result<Versioned<PrescriptionDoc>> {
        from_stored(self.docs.insert(PRESCRIPTIONS, id, &to_value(doc)?).await?)
    }

    /// Replaces the prescription if it is still at `version`, as its next
    /// revision.
    pub async fn save_prescription(
        &self,
        id: &str,
        doc: &PrescriptionDoc,
        version: i64,
    ) -> Result<Versioned<PrescriptionDoc>> {
        let next = PrescriptionDoc { revision: doc.revision + 1, ..doc.clone() };
        from_stored(self.docs.replace(PRESCRIPTIONS, id, &to_value(&next)?, version).await?)
    }

    /// A patient's prescriptions, newest first.
    pub async fn patient_prescriptions(
        &self,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<PrescriptionDoc>> {
        let page = self.docs.find(PRESCRIPTIONS, &Self::patient_query(patient_id, after, limit)).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// The pharmacy's queue, oldest first, optionally of one status.
    pub async fn queue(
        &self,
        status: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<PrescriptionDoc>> {
        let page = self.docs.find(PRESCRIPTIONS, &Self::queue_query(status, after, limit)).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// Prescriptions whose dispense began before `before` and never finished.
    pub async fn interrupted_dispenses(&self, before: i64, limit: usize) -> Result<Vec<Versioned<PrescriptionDoc>>> {
        let query = Query {
            filters: vec![("dispensing_since".into(), Filter::Lt(json!(before)))],
            sort: vec![("dispensing_since".into(), Order::Asc)],
            limit,
            after: None,
        };
        self.docs.find(PRESCRIPTIONS, &query).await?.items.into_iter().map(from_stored).collect()
    }

    // --- the queries above ---

    pub(super) fn patient_query(patient_id: &str, after: Option<String>, limit: usize) -> Query {
        Query {
            filters: vec![eq("patient_id", patient_id)],
            sort: vec![("created_at".into(), Order::Desc)],
            limit,
            after,
        }
    }

    pub(super) fn queue_query(status: Option<&str>, after: Option<String>, limit: usize) -> Query {
        let mut filters = vec![("queue".to_owned(), Filter::Exists(true))];
        if let Some(status) = status {
            filters.insert(0, eq("status", status));
        }
        Query { filters, sort: vec![("queue".into(), Order::Asc)], limit, after }
    }
}
