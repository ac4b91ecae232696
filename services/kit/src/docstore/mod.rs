//! A narrow document-store interface with a MongoDB backend and a SQLite backend.
//!
//! Both backends are held to the same contract (see `tests/docstore_contract.rs`).
//! The shared rules that make them behave alike live here: body validation, name
//! validation, query validation and the keyset cursor format.
//!
//! Semantics both backends agree on:
//! - filters and sort keys compare scalars; numbers compare numerically (integers and
//!   floats together), strings by UTF-8 bytes, `false < true`; a filter only matches
//!   values of the same type class as its operand (MongoDB's type bracketing);
//! - a missing field and an explicit `null` are the same for `Eq(null)`, `In([null])`
//!   and sorting (they sort first ascending, last descending); `Exists(true)` also
//!   matches explicit `null`;
//! - unique indexes only constrain documents in which every indexed field is present
//!   (MongoDB: partial index on `$exists`; SQLite: NULLs never collide);
//! - array fields are out of scope: MongoDB matches and sorts arrays element-wise, SQLite
//!   does not, so do not filter or sort on fields that hold arrays.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

pub mod audit;
pub mod mongo;
pub mod outbox;
pub mod sql;
pub mod typed;

pub use mongo::MongoStore;
pub use sql::SqlStore;

/// Index name reported by `DocError::AlreadyExists` when the document id is taken.
pub const ID_INDEX: &str = "_id_";

/// Page size used by `Query::default()`.
pub const DEFAULT_LIMIT: usize = 100;

/// Deepest body nesting accepted (MongoDB's own limit is 100 levels).
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: String,
    pub version: i64,
    /// JSON object without the id/version bookkeeping.
    pub body: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Eq(Value),
    In(Vec<Value>),
    Gt(Value),
    Gte(Value),
    Lt(Value),
    Lte(Value),
    Exists(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Dotted field paths ("a.b") with the condition they must all satisfy.
    pub filters: Vec<(String, Filter)>,
    /// Sort keys; the document id ascending is always appended as the tie-break.
    pub sort: Vec<(String, Order)>,
    /// Page size, at least 1.
    pub limit: usize,
    /// Opaque cursor from `Page::next` of the previous page of the same query.
    pub after: Option<String>,
}

impl Default for Query {
    fn default() -> Self {
        Query { filters: Vec::new(), sort: Vec::new(), limit: DEFAULT_LIMIT, after: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Stored>,
    /// Cursor for the next page; `None` when this page is the last one.
    pub next: Option<String>,
}

/// A read whose plan `DocumentStore::explain` reports: a `find` or a `count`.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    Find(Query),
    Count(Vec<(String, Filter)>),
}

impl Read {
    /// Whether a whole-index walk for this read must go to the end: it is
    /// filtered, and it is a count or its rows are `sorted_afterwards`.
    pub(crate) fn walks_to_the_end(&self, sorted_afterwards: bool) -> bool {
        match self {
            Read::Find(query) => !query.filters.is_empty() && sorted_afterwards,
            Read::Count(filters) => !filters.is_empty(),
        }
    }
}

/// How a backend would run a read, as its query planner reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Whether answering may read every document: a step reads the whole
    /// table (SQLite `SCAN table`, MongoDB `COLLSCAN`), or a filtered read
    /// walks a whole index testing the filters row by row when it cannot stop
    /// at the page size: for a count, or when the rows are sorted afterwards
    /// (SQLite `USE TEMP B-TREE FOR ORDER BY`, MongoDB `SORT`). A walk in
    /// sort order ends once the page is full (MongoDB's `notablescan` too
    /// allows it); a filter so selective that the walk would go far wants
    /// an index of its own, which is the service's call.
    pub full_scan: bool,
    /// The `IndexSpec` names of the indexes the plan reads (`_id_` for the id).
    pub indexes: Vec<String>,
    /// The backend's own account of the plan, for messages.
    pub detail: String,
}

/// One write of a [`DocumentStore::write_many`].
#[derive(Debug, Clone, Copy)]
pub enum Write<'a> {
    /// As `insert`: a new document at version 1.
    Insert { id: &'a str, body: &'a Value },
    /// As `replace`: only over the stored `expected_version`.
    Replace { id: &'a str, body: &'a Value, expected_version: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub name: String,
    pub fields: Vec<(String, Order)>,
    pub unique: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("document not found")]
    NotFound,
    #[error("a document with the same key already exists (index {index})")]
    AlreadyExists { index: String },
    #[error("version conflict: expected {expected}, found {actual}")]
    VersionConflict { expected: i64, actual: i64 },
    /// Rejected input: a bad body, but also a bad collection/field/index name, filter or cursor.
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    #[error("document store backend error: {0}")]
    Backend(String),
}

#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    async fn ensure_index(&self, collection: &str, index: &IndexSpec) -> Result<(), DocError>;
    /// Drops an index `ensure_index` made; false when there is none. Retires
    /// an index whose definition a new version changes (under a new name).
    async fn drop_index(&self, collection: &str, name: &str) -> Result<bool, DocError>;
    /// Stores a new document at version 1.
    async fn insert(&self, collection: &str, id: &str, body: &Value) -> Result<Stored, DocError>;
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Stored>, DocError>;
    /// The documents of `ids` that exist, in no particular order: one round
    /// trip where the backend allows, instead of one `get` per id.
    async fn get_many(&self, collection: &str, ids: &[&str]) -> Result<Vec<Stored>, DocError> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.extend(self.get(collection, id).await?);
        }
        Ok(found)
    }
    /// Sorted by `query.sort`, then id ascending; keyset paging via `query.after`.
    async fn find(&self, collection: &str, query: &Query) -> Result<Page, DocError>;
    async fn count(&self, collection: &str, filters: &[(String, Filter)]) -> Result<u64, DocError>;
    /// Optimistic concurrency: succeeds only if the stored version is `expected_version`.
    async fn replace(
        &self,
        collection: &str,
        id: &str,
        body: &Value,
        expected_version: i64,
    ) -> Result<Stored, DocError>;
    async fn delete(&self, collection: &str, id: &str) -> Result<bool, DocError>;
    /// Several inserts and replaces in one collection, each answered as on
    /// its own (one failing fails none of the others), in order. Not atomic:
    /// it saves round trips and, where the backend allows, commits the lot
    /// at once (SQLite: one transaction, so one writer turn and one WAL
    /// append instead of one per document).
    async fn write_many(&self, collection: &str, writes: &[Write<'_>]) -> Vec<Result<Stored, DocError>> {
        let mut results = Vec::with_capacity(writes.len());
        for write in writes {
            results.push(match *write {
                Write::Insert { id, body } => self.insert(collection, id, body).await,
                Write::Replace { id, body, expected_version } => {
                    self.replace(collection, id, body, expected_version).await
                }
            });
        }
        results
    }
    /// New documents (id, body) inserted in order, stopping at the first
    /// that fails: the results of those tried, all `Ok` but perhaps the
    /// last. For a sequence that must not have holes (a hash chain): no
    /// document after a failed one is stored. One transaction on SQLite, one
    /// ordered `insertMany` on MongoDB.
    async fn insert_in_order(&self, collection: &str, docs: &[(&str, &Value)]) -> Vec<Result<Stored, DocError>> {
        let mut results = Vec::with_capacity(docs.len());
        for (id, body) in docs {
            let result = self.insert(collection, id, body).await;
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        results
    }
    async fn ping(&self) -> Result<(), DocError>;
    /// The backend's plan for `read`, without running it; lets tests hold
    /// every query a service issues to an index.
    async fn explain(&self, collection: &str, read: &Read) -> Result<Plan, DocError>;
}

/// Opens a store from a URL: `mongodb://...` (database from the URI path, default "hms"),
/// `sqlite://path?mode=rwc` or `sqlite::memory:`.
pub async fn connect(url: &str) -> Result<Arc<dyn DocumentStore>, DocError> {
    if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") {
        Ok(Arc::new(MongoStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqlStore::connect(url).await?))
    } else {
        // The URL itself may carry credentials, so it is not echoed back.
        Err(DocError::Backend("unsupported document store URL (expected mongodb:// or sqlite:)".into()))
    }
}

// ---- validation shared by both backends ----

fn is_identifier(s: &str, first: impl Fn(char) -> bool, rest: impl Fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(first) && chars.all(rest)
}

/// Collection names become part of SQL table names, hence the narrow alphabet.
pub(crate) fn check_collection(name: &str) -> Result<(), DocError> {
    let ok = name.len() <= 64
        && is_identifier(
            name,
            |c| c.is_ascii_lowercase(),
            |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_',
        );
    if ok {
        Ok(())
    } else {
        Err(DocError::InvalidDocument(format!(
            "invalid collection name {name:?} (expected [a-z][a-z0-9_]*, at most 64 chars)"
        )))
    }
}

/// Field paths are spliced into SQL (`json_extract(body, '$.a.b')`) so that expression
/// indexes can match, which is why every segment must be a plain identifier. Paths into
/// the reserved `_` namespace would reach MongoDB's bookkeeping fields.
pub(crate) fn check_path(path: &str) -> Result<(), DocError> {
    let segment_ok =
        |s: &str| is_identifier(s, |c| c.is_ascii_alphabetic() || c == '_', |c| c.is_ascii_alphanumeric() || c == '_');
    let ok = path.len() <= 256 && !path.starts_with('_') && path.split('.').all(segment_ok);
    if ok {
        Ok(())
    } else {
        Err(DocError::InvalidDocument(format!(
            "invalid field path {path:?} (expected dot-separated [A-Za-z_][A-Za-z0-9_]* segments, not starting with '_')"
        )))
    }
}

pub(crate) fn check_index_name(name: &str) -> Result<(), DocError> {
    let name_ok =
        name.len() <= 64 && is_identifier(name, |c| c.is_ascii_alphabetic(), |c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(DocError::InvalidDocument(format!(
            "invalid index name {name:?} (expected [A-Za-z][A-Za-z0-9_]*, at most 64 chars)"
        )));
    }
    Ok(())
}

pub(crate) fn check_index(index: &IndexSpec) -> Result<(), DocError> {
    check_index_name(&index.name)?;
    if index.fields.is_empty() {
        return Err(DocError::InvalidDocument(format!("index {} has no fields", index.name)));
    }
    for (path, _) in &index.fields {
        check_path(path)?;
    }
    Ok(())
}

pub(crate) fn check_id(id: &str) -> Result<(), DocError> {
    if id.is_empty() || id.len() > 512 || id.contains('\0') {
        return Err(DocError::InvalidDocument("document id must be 1..=512 bytes without NUL".into()));
    }
    Ok(())
}

/// Returns the body as an object after checking the rules both backends need:
/// reserved top-level `_` keys, keys MongoDB cannot address (`.`, leading `$`),
/// integers that do not fit in i64 (BSON has no u64), and excessive nesting.
pub(crate) fn check_body(body: &Value) -> Result<&Map<String, Value>, DocError> {
    let Value::Object(map) = body else {
        return Err(DocError::InvalidDocument("body must be a JSON object".into()));
    };
    if let Some(key) = map.keys().find(|k| k.starts_with('_')) {
        return Err(DocError::InvalidDocument(format!("top-level key {key:?} is reserved (keys starting with '_')")));
    }
    check_value(body, 0)?;
    Ok(map)
}

fn check_value(value: &Value, depth: usize) -> Result<(), DocError> {
    if depth > MAX_DEPTH {
        return Err(DocError::InvalidDocument(format!("body nested deeper than {MAX_DEPTH} levels")));
    }
    match value {
        Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            Err(DocError::InvalidDocument(format!("integer {n} does not fit in a signed 64-bit integer")))
        }
        Value::Object(map) => {
            for (key, v) in map {
                if key.is_empty() || key.contains('.') || key.starts_with('$') || key.contains('\0') {
                    return Err(DocError::InvalidDocument(format!(
                        "invalid key {key:?} (must be non-empty, without '.', NUL or a leading '$')"
                    )));
                }
                check_value(v, depth + 1)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_value(v, depth + 1)),
        _ => Ok(()),
    }
}

/// Filter operands must be scalars; range operands must also be non-null, since
/// "greater than null" has no meaning both backends agree on.
fn check_operand(path: &str, value: &Value, allow_null: bool) -> Result<(), DocError> {
    match value {
        Value::Null if allow_null => Ok(()),
        Value::Bool(_) | Value::String(_) => Ok(()),
        Value::Number(n) if n.as_i64().is_some() || !n.is_u64() => Ok(()),
        _ => Err(DocError::InvalidDocument(format!(
            "filter on {path:?}: operand must be a {}scalar (i64/f64/string/bool), got {value}",
            if allow_null { "" } else { "non-null " }
        ))),
    }
}

pub(crate) fn check_filters(filters: &[(String, Filter)]) -> Result<(), DocError> {
    for (path, filter) in filters {
        check_path(path)?;
        match filter {
            Filter::Eq(v) => check_operand(path, v, true)?,
            Filter::In(vs) => vs.iter().try_for_each(|v| check_operand(path, v, true))?,
            Filter::Gt(v) | Filter::Gte(v) | Filter::Lt(v) | Filter::Lte(v) => check_operand(path, v, false)?,
            Filter::Exists(_) => {}
        }
    }
    Ok(())
}

/// Validates the query and decodes its cursor (one value per sort key, then the id).
pub(crate) fn check_query(query: &Query) -> Result<Option<Cursor>, DocError> {
    check_filters(&query.filters)?;
    if query.limit == 0 {
        return Err(DocError::InvalidDocument("limit must be at least 1".into()));
    }
    for (i, (path, _)) in query.sort.iter().enumerate() {
        check_path(path)?;
        if query.sort[..i].iter().any(|(p, _)| p == path) {
            return Err(DocError::InvalidDocument(format!("sort key {path:?} appears twice")));
        }
    }
    query.after.as_deref().map(|c| Cursor::decode(c, query.sort.len())).transpose()
}

// ---- keyset cursor ----

/// Position of the last item of a page: its sort-key values and its id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    pub values: Vec<Value>,
    pub id: String,
}

impl Cursor {
    fn encode(&self) -> String {
        let mut parts = self.values.clone();
        parts.push(Value::String(self.id.clone()));
        URL_SAFE_NO_PAD.encode(Value::Array(parts).to_string())
    }

    fn decode(cursor: &str, sort_keys: usize) -> Result<Cursor, DocError> {
        let bad = || DocError::InvalidDocument("malformed or foreign page cursor".into());
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let Ok(Value::Array(mut parts)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(bad());
        };
        if parts.len() != sort_keys + 1 {
            return Err(bad());
        }
        let Some(Value::String(id)) = parts.pop() else {
            return Err(bad());
        };
        // Sort keys holding objects/arrays cannot be resumed from on both backends.
        if !parts.iter().all(|v| check_operand("cursor", v, true).is_ok()) {
            return Err(DocError::InvalidDocument("cannot page past a sort key holding an object or array".into()));
        }
        Ok(Cursor { values: parts, id })
    }
}

/// Looks up a dotted path in a JSON body; missing reads as null, as in both backends.
pub(crate) fn lookup<'a>(body: &'a Value, path: &str) -> &'a Value {
    path.split('.').try_fold(body, |v, key| v.get(key)).unwrap_or(&Value::Null)
}

/// Backends fetch `limit + 1` rows; the extra row only tells whether a next page exists.
pub(crate) fn make_page(mut items: Vec<Stored>, query: &Query) -> Page {
    if items.len() <= query.limit {
        return Page { items, next: None };
    }
    items.truncate(query.limit);
    let next = items.last().map(|last| {
        Cursor {
            values: query.sort.iter().map(|(path, _)| lookup(&last.body, path).clone()).collect(),
            id: last.id.clone(),
        }
        .encode()
    });
    Page { items, next }
}

/// Asks the backend for one row more than the page size.
pub(crate) fn fetch_limit(query: &Query) -> i64 {
    i64::try_from(query.limit.saturating_add(1)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert!(check_collection("patients_2").is_ok());
        for bad in ["", "Patients", "1a", "a-b", "a b", "a;drop", "_a"] {
            assert!(check_collection(bad).is_err(), "{bad}");
        }
        assert!(check_path("a.b_c.D1").is_ok());
        for bad in ["", "_id", "a..b", "a.", ".a", "a.0", "a'b", "a b", "$a", "a.$b"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies() {
        assert!(check_body(&json!({"a": {"_x": 1, "b": [1, 2]}})).is_ok());
        for bad in [
            json!([1]),
            json!("x"),
            json!(null),
            json!({"_id": 1}),
            json!({"a": {"b.c": 1}}),
            json!({"a": {"$gt": 1}}),
            json!({"": 1}),
            json!({"a": u64::MAX}),
        ] {
            assert!(matches!(check_body(&bad), Err(DocError::InvalidDocument(_))), "{bad}");
        }
        let mut deep = json!(1);
        for _ in 0..200 {
            deep = json!({ "a": deep });
        }
        assert!(check_body(&deep).is_err());
    }

    #[test]
    fn cursor_round_trip() {
        let c = Cursor { values: vec![json!(1.5), json!(null), json!("x")], id: "id-1".into() };
        assert_eq!(Cursor::decode(&c.encode(), 3).unwrap(), c);
        assert!(Cursor::decode(&c.encode(), 2).is_err());
        assert!(Cursor::decode("not base64!", 0).is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("[1]"), 0).is_err());
    }

    #[test]
    fn lookup_paths() {
        let body = json!({"a": {"b": 2}, "c": null});
        assert_eq!(lookup(&body, "a.b"), &json!(2));
        assert_eq!(lookup(&body, "a.x"), &Value::Null);
        assert_eq!(lookup(&body, "c.d"), &Value::Null);
    }

    #[tokio::test]
    async fn connect_rejects_unknown_scheme() {
        assert!(matches!(
            connect("postgres://u:secret@h/db").await,
            Err(DocError::Backend(m)) if !m.contains("secret")
        ));
    }
}
