//! The test catalog: one document per test, its parameters inside it (the
//! catalog is small, a few hundred tests at most, so a search reads it whole).

use hms_kit::docstore::Query;
use hms_kit::docstore::outbox::Outbox;
use serde::{Deserialize, Serialize};

use super::{PageOf, Result, Store, TESTS, Versioned, from_stored, to_value};
use hms_kit::docstore::Order;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeDoc {
    /// "M", "F" or "" (either).
    pub sex: String,
    pub age_min_days: i64,
    pub age_max_days: i64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub critical_low: Option<f64>,
    pub critical_high: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionDoc {
    pub unit: String,
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterDoc {
    pub code: String,
    pub name: String,
    /// QUANTITATIVE or ORDINAL.
    pub kind: String,
    pub unit: String,
    pub decimals: i64,
    pub ranges: Vec<RangeDoc>,
    pub conversions: Vec<ConversionDoc>,
    /// ORDINAL: the scale in increasing order, and its normal values.
    pub scale: Vec<String>,
    pub normal: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestDoc {
    pub code: String,
    pub name: String,
    /// The name in lower case: the catalog's order.
    pub name_key: String,
    pub sample_type: String,
    pub turnaround_hours: i64,
    pub price: i64,
    pub currency: String,
    pub parameters: Vec<ParameterDoc>,
    pub active: bool,
    /// Set by the first order placed with it: such a test is never deleted,
    /// only deactivated.
    #[serde(default)]
    pub in_use: bool,
    /// A deleted test stays as a tombstone (its code freed), so that the
    /// admin log's event in it is delivered and an order racing the delete
    /// finds it gone: the delete and the order's `in_use` mark are
    /// conditional writes of this one document.
    #[serde(default)]
    pub deleted: bool,
    pub created_at: i64,
    /// Counts the entry's own changes: the version admins write against.
    #[serde(default)]
    pub revision: i64,
    #[serde(flatten)]
    pub outbox: Outbox,
}

/// The most tests the catalog holds: a search reads them all.
pub const MAX_TESTS: usize = 1000;

impl Store {
    pub async fn test(&self, id: &str) -> Result<Option<Versioned<TestDoc>>> {
        self.docs.get(TESTS, id).await?.map(from_stored).transpose()
    }

    /// The whole catalog in name order, deleted tests left out.
    pub async fn all_tests(&self) -> Result<Vec<Versioned<TestDoc>>> {
        let query = Query { sort: vec![("name_key".into(), Order::Asc)], limit: MAX_TESTS, ..Query::default() };
        let all: Vec<Versioned<TestDoc>> =
            self.docs.find(TESTS, &query).await?.items.into_iter().map(from_stored).collect::<Result<_>>()?;
        Ok(all.into_iter().filter(|t| !t.doc.deleted).collect())
    }

    pub async fn any_test(&self) -> Result<bool> {
        let query = Query { limit: 1, ..Query::default() };
        Ok(!self.docs.find(TESTS, &query).await?.items.is_empty())
    }

    /// Inserts a test; `AlreadyExists` when its code is taken.
    pub async fn insert_test(&self, id: &str, doc: &TestDoc) -> Result<Versioned<TestDoc>> {
        from_stored(self.docs.insert(TESTS, id, &to_value(doc)?).await?)
    }

    /// Replaces the test if it is still at `version`, as its next revision
    /// (`AlreadyExists` when a new code is taken).
    pub async fn save_test(&self, id: &str, doc: &TestDoc, version: i64) -> Result<Versioned<TestDoc>> {
        let next = TestDoc { revision: doc.revision + 1, ..doc.clone() };
        from_stored(self.docs.replace(TESTS, id, &to_value(&next)?, version).await?)
    }

    /// Marks a test in use, if it is still at the version read; not a
    /// revision of the admin's, whose version stays.
    pub async fn mark_test_in_use(&self, test: &Versioned<TestDoc>) -> Result<Versioned<TestDoc>> {
        let marked = TestDoc { in_use: true, ..test.doc.clone() };
        from_stored(self.docs.replace(TESTS, &test.id, &to_value(&marked)?, test.version).await?)
    }

    /// A page of `items`, the whole catalog filtered in memory.
    pub fn page_of_tests(items: Vec<Versioned<TestDoc>>, after: Option<String>, limit: usize) -> PageOf<TestDoc> {
        let start = after.and_then(|a| items.iter().position(|t| t.id == a).map(|i| i + 1)).unwrap_or(0);
        let rest: Vec<_> = items.into_iter().skip(start).collect();
        let next = (rest.len() > limit).then(|| rest[limit - 1].id.clone());
        (rest.into_iter().take(limit).collect(), next)
    }
}
