//! Stock: one document per medication holding its batches, so that taking
//! from several batches is one conditional write that cannot go below zero;
//! and the log of receipts and adjustments.

use hms_kit::docstore::outbox::Outbox;
use hms_kit::docstore::{Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{MOVES, PageOf, PickDoc, Result, STOCK, Store, Versioned, eq, from_stored, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchDoc {
    pub id: String,
    pub lot: String,
    /// ISO date; the batch may not be dispensed on or after it.
    pub expiry: String,
    pub quantity: i64,
    pub unit_cost: i64,
    pub currency: String,
    pub received_at: i64,
}

/// A dispense's take from this medication: recorded in the same write as
/// the take, so a dispense finished again takes nothing twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalDoc {
    /// The dispense's id and the item's (`dispense:item`).
    pub dispense_id: String,
    /// Whose dispense: read to learn when it is recorded.
    #[serde(default)]
    pub prescription_id: String,
    pub picks: Vec<PickDoc>,
    /// When taken, or when its dispense was recorded.
    pub at: i64,
    /// Its dispense is recorded on the prescription: kept a while for a
    /// late second finisher to find, then dropped.
    #[serde(default)]
    pub finished: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockDoc {
    pub medication_id: String,
    pub medication_name: String,
    pub name_key: String,
    pub reorder_level: i64,
    pub batches: Vec<BatchDoc>,
    /// Units in batches unexpired at the last write.
    pub on_hand: i64,
    /// Below the reorder level at the last write.
    pub low: bool,
    /// The earliest expiry of a batch with units left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_expiry: Option<String>,
    #[serde(default)]
    pub journal: Vec<JournalDoc>,
    #[serde(flatten)]
    pub outbox: Outbox,
}

/// A receipt or an adjustment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveDoc {
    pub medication_id: String,
    pub batch_id: String,
    /// RECEIVE or the adjustment's reason.
    pub kind: String,
    pub delta: i64,
    pub note: String,
    pub by: String,
    pub at: i64,
}

impl Store {
    pub async fn stock(&self, medication_id: &str) -> Result<Option<Versioned<StockDoc>>> {
        self.docs.get(STOCK, medication_id).await?.map(from_stored).transpose()
    }

    pub async fn insert_stock(&self, doc: &StockDoc) -> Result<Versioned<StockDoc>> {
        from_stored(self.docs.insert(STOCK, &doc.medication_id, &to_value(doc)?).await?)
    }

    /// Replaces the stock if it is still at `version`.
    pub async fn save_stock(&self, doc: &StockDoc, version: i64) -> Result<Versioned<StockDoc>> {
        from_stored(self.docs.replace(STOCK, &doc.medication_id, &to_value(doc)?, version).await?)
    }

    pub async fn list_stock(&self, low_only: bool, after: Option<String>, limit: usize) -> Result<PageOf<StockDoc>> {
        let page = self.docs.find(STOCK, &Self::stock_query(low_only, after, limit)).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// Medications with a batch expiring before `cutoff` (ISO date), soonest first.
    pub async fn expiring(&self, cutoff: &str, limit: usize) -> Result<Vec<StockDoc>> {
        let query = Self::expiring_query(cutoff, limit);
        self.docs.find(STOCK, &query).await?.items.into_iter().map(|s| from_stored(s).map(|v| v.doc)).collect()
    }

    pub async fn insert_move(&self, id: &str, doc: &MoveDoc) -> Result<()> {
        self.docs.insert(MOVES, id, &to_value(doc)?).await?;
        Ok(())
    }

    // --- the queries above ---

    pub(super) fn stock_query(low_only: bool, after: Option<String>, limit: usize) -> Query {
        let filters = if low_only { vec![eq("low", true)] } else { vec![] };
        Query { filters, sort: vec![("name_key".into(), Order::Asc)], limit, after }
    }

    pub(super) fn expiring_query(cutoff: &str, limit: usize) -> Query {
        Query {
            filters: vec![("next_expiry".into(), Filter::Lt(json!(cutoff)))],
            sort: vec![("next_expiry".into(), Order::Asc)],
            limit,
            after: None,
        }
    }
}
