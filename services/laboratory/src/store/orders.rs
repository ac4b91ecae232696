//! Lab orders: one document each, with its items, their results and files,
//! and the events it announces; the accession counters and numbers.

use hms_kit::docstore::outbox::Outbox;
use hms_kit::docstore::{DocError, Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    ACCESSION_DAYS, ACCESSIONS, ORDERS, PageOf, ParameterDoc, Result, Store, StoreError, Versioned, eq, from_stored,
    to_value,
};

/// The patient as the ranges and the report need them, asked of the user
/// service when the order is placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientDoc {
    pub name: String,
    /// "M", "F" or "" (unknown).
    pub sex: String,
    /// ISO date, or "" when the patient has not given it.
    pub birth_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDoc {
    pub parameter_code: String,
    /// QUANTITATIVE: in the catalog's unit.
    pub value: Option<f64>,
    /// ORDINAL: the value on the scale.
    pub scale_value: String,
    /// What was entered, as entered ("97 mg/dL").
    pub entered: String,
    /// The range that applied, as printed, and its limits for drawing it.
    pub range: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_high: Option<f64>,
    /// N, L, H, LL, HH, A or "" (no range applied).
    pub flag: String,
    /// PRELIMINARY, FINAL, AMENDED or CORRECTED.
    pub status: String,
    pub entered_by: String,
    pub entered_at: i64,
    /// For a result changed after release: what it replaced, and why.
    #[serde(default)]
    pub previous: String,
    #[serde(default)]
    pub amend_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDoc {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDoc {
    pub id: String,
    pub test_id: String,
    pub test_code: String,
    pub test_name: String,
    pub sample_type: String,
    pub status: String,
    pub price: i64,
    pub currency: String,
    /// The catalog's terms when the order was placed: results are judged by
    /// them, whatever the catalog says later.
    pub parameters: Vec<ParameterDoc>,
    pub results: Vec<ResultDoc>,
    #[serde(default)]
    pub files: Vec<FileDoc>,
    #[serde(default)]
    pub cancel_reason: String,
    #[serde(default)]
    pub released_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDoc {
    pub patient_id: String,
    pub doctor_id: String,
    pub encounter_id: String,
    /// ROUTINE or URGENT.
    pub priority: String,
    pub notes: String,
    pub status: String,
    pub items: Vec<ItemDoc>,
    pub patient: PatientDoc,
    pub created_at: i64,
    #[serde(default)]
    pub accession: String,
    #[serde(default)]
    pub collected_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<i64>,
    /// Set when the collection's invoice was requested of billing.
    #[serde(default)]
    pub invoiced: bool,
    /// While the lab has work on it: 0 urgent, 1 routine (the worklist's
    /// order, then oldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_rank: Option<i64>,
    /// While results wait for review: the ordering doctor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_doctor: Option<String>,
    /// Counts the order's own changes: the version clients read and write
    /// against (the relay's deliveries move the document's version too).
    #[serde(default)]
    pub revision: i64,
    #[serde(flatten)]
    pub outbox: Outbox,
}

/// A day's accession counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DayDoc {
    last: i64,
}

impl Store {
    pub async fn order(&self, id: &str) -> Result<Option<Versioned<OrderDoc>>> {
        self.docs.get(ORDERS, id).await?.map(from_stored).transpose()
    }

    pub async fn insert_order(&self, id: &str, doc: &OrderDoc) -> Result<Versioned<OrderDoc>> {
        from_stored(self.docs.insert(ORDERS, id, &to_value(doc)?).await?)
    }

    /// Replaces the order if it is still at `version`, as its next revision.
    pub async fn save_order(&self, id: &str, doc: &OrderDoc, version: i64) -> Result<Versioned<OrderDoc>> {
        let next = OrderDoc { revision: doc.revision + 1, ..doc.clone() };
        from_stored(self.docs.replace(ORDERS, id, &to_value(&next)?, version).await?)
    }

    /// A patient's orders, newest first.
    pub async fn patient_orders(
        &self,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<OrderDoc>> {
        let query = Query {
            filters: vec![eq("patient_id", patient_id)],
            sort: vec![("created_at".into(), Order::Desc)],
            limit,
            after,
        };
        self.page(&query).await
    }

    /// A patient's orders placed at or after `since`, newest first, at most `limit`.
    pub async fn patient_orders_since(
        &self,
        patient_id: &str,
        since: i64,
        limit: usize,
    ) -> Result<Vec<Versioned<OrderDoc>>> {
        let query = Query {
            filters: vec![eq("patient_id", patient_id), ("created_at".to_owned(), Filter::Gte(json!(since)))],
            sort: vec![("created_at".into(), Order::Desc)],
            limit,
            after: None,
        };
        Ok(self.page(&query).await?.0)
    }

    /// The lab's worklist: urgent first, then oldest first.
    pub async fn worklist(&self, after: Option<String>, limit: usize) -> Result<PageOf<OrderDoc>> {
        let query = Query {
            filters: vec![("work_rank".to_owned(), Filter::Exists(true))],
            sort: vec![("work_rank".into(), Order::Asc), ("created_at".into(), Order::Asc)],
            limit,
            after,
        };
        self.page(&query).await
    }

    /// A doctor's orders with results waiting for review, oldest first.
    pub async fn to_review(&self, doctor_id: &str, after: Option<String>, limit: usize) -> Result<PageOf<OrderDoc>> {
        let query = Query {
            filters: vec![eq("review_doctor", doctor_id)],
            sort: vec![("created_at".into(), Order::Asc)],
            limit,
            after,
        };
        self.page(&query).await
    }

    async fn page(&self, query: &Query) -> Result<PageOf<OrderDoc>> {
        let page = self.docs.find(ORDERS, query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// The next sequence of `day` (`L261207`): the day's counter moves by
    /// one in a conditional write, and the number is then claimed in a
    /// collection keyed by it, so no two samples ever share one.
    pub async fn next_accession(&self, day: &str, order_id: &str, format: impl Fn(i64) -> String) -> Result<String> {
        for _ in 0..256 {
            let (last, version) = match self.docs.get(ACCESSION_DAYS, day).await? {
                Some(stored) => (from_stored::<DayDoc>(stored.clone())?.doc.last, Some(stored.version)),
                None => (0, None),
            };
            let next = DayDoc { last: last + 1 };
            let written = match version {
                Some(version) => self.docs.replace(ACCESSION_DAYS, day, &to_value(&next)?, version).await,
                None => self.docs.insert(ACCESSION_DAYS, day, &to_value(&next)?).await,
            };
            match written {
                Ok(_) => {
                    let number = format(next.last);
                    self.docs.insert(ACCESSIONS, &number, &json!({ "order_id": order_id })).await?;
                    return Ok(number);
                }
                Err(DocError::VersionConflict { .. } | DocError::AlreadyExists { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict)
    }
}
