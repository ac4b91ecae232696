//! MongoDB backend: each document is stored as `{_id: id, _v: version, ...body}`.

use async_trait::async_trait;
use bson::{Bson, Document, doc};
use futures::TryStreamExt;
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use serde_json::Value;

use super::{
    Cursor, DocError, DocumentStore, Filter, ID_INDEX, IndexSpec, Order, Page, Plan, Query, Read, Stored, check_body,
    check_collection, check_filters, check_id, check_index, check_index_name, check_query, fetch_limit, make_page,
};

const DEFAULT_DATABASE: &str = "hms";
const DUPLICATE_KEY: i32 = 11000;
const NAMESPACE_NOT_FOUND: i32 = 26;
const INDEX_NOT_FOUND: i32 = 27;
const INDEX_KEY_SPECS_CONFLICT: i32 = 86;

pub struct MongoStore {
    db: Database,
}

impl MongoStore {
    pub async fn connect(url: &str) -> Result<Self, DocError> {
        let options = ClientOptions::parse(url).await.map_err(backend)?;
        let name = options.default_database.clone().unwrap_or_else(|| DEFAULT_DATABASE.to_string());
        let client = Client::with_options(options).map_err(backend)?;
        Ok(MongoStore { db: client.database(&name) })
    }

    pub fn from_database(db: Database) -> Self {
        MongoStore { db }
    }

    pub fn database_name(&self) -> &str {
        self.db.name()
    }

    fn collection(&self, name: &str) -> Result<Collection<Document>, DocError> {
        check_collection(name)?;
        Ok(self.db.collection(name))
    }

    /// Whether the collection has a non-unique index `name` on exactly `keys`.
    async fn has_index(&self, coll: &Collection<Document>, name: &str, keys: &Document) -> Result<bool, DocError> {
        let indexes: Vec<IndexModel> =
            coll.list_indexes().await.map_err(from_mongo)?.try_collect().await.map_err(from_mongo)?;
        Ok(indexes.iter().any(|ix| {
            let options = ix.options.as_ref();
            options.and_then(|o| o.name.as_deref()) == Some(name)
                && !options.and_then(|o| o.unique).unwrap_or(false)
                && &ix.keys == keys
        }))
    }
}

#[async_trait]
impl DocumentStore for MongoStore {
    async fn ensure_index(&self, collection: &str, index: &IndexSpec) -> Result<(), DocError> {
        check_index(index)?;
        let coll = self.collection(collection)?;
        let mut keys = Document::new();
        let mut present = Document::new();
        for (path, order) in &index.fields {
            keys.insert(path, direction(*order));
            present.insert(path, doc! {"$exists": true});
        }
        let fields = keys.clone();
        let mut options = IndexOptions::builder().name(index.name.clone()).build();
        if index.unique {
            options.unique = Some(true);
            // MongoDB indexes a missing field as null, so without this two documents
            // lacking the field would collide; SQLite never lets NULLs collide.
            options.partial_filter_expression = Some(present);
        } else {
            // Every find sorts by `_id` last (the tie-break); an index ending in
            // it gives that order, so a listing sorted on the fields reads its
            // page off the index instead of sorting the whole collection.
            keys.insert("_id", 1);
        }
        let model = IndexModel::builder().keys(keys).options(options).build();
        match coll.create_index(model.clone()).await {
            Ok(_) => Ok(()),
            // Made by a version that did not add the tie-break: build it anew.
            Err(e) if command_code(&e) == Some(INDEX_KEY_SPECS_CONFLICT) && !index.unique => {
                if !self.has_index(&coll, &index.name, &fields).await? {
                    return Err(from_mongo(e));
                }
                coll.drop_index(&index.name).await.map_err(from_mongo)?;
                coll.create_index(model).await.map_err(from_mongo)?;
                Ok(())
            }
            Err(e) => Err(from_mongo(e)),
        }
    }

    async fn drop_index(&self, collection: &str, name: &str) -> Result<bool, DocError> {
        check_index_name(name)?;
        let coll = self.collection(collection)?;
        match coll.drop_index(name).await {
            Ok(()) => Ok(true),
            Err(e) if matches!(command_code(&e), Some(NAMESPACE_NOT_FOUND | INDEX_NOT_FOUND)) => Ok(false),
            Err(e) => Err(from_mongo(e)),
        }
    }

    async fn insert(&self, collection: &str, id: &str, body: &Value) -> Result<Stored, DocError> {
        let coll = self.collection(collection)?;
        check_id(id)?;
        coll.insert_one(to_document(id, 1, body)?).await.map_err(from_mongo)?;
        Ok(Stored { id: id.to_string(), version: 1, body: body.clone() })
    }

    async fn insert_in_order(&self, collection: &str, docs: &[(&str, &Value)]) -> Vec<Result<Stored, DocError>> {
        let coll = match self.collection(collection) {
            Ok(coll) => coll,
            Err(e) => return vec![Err(e)],
        };
        // Up to the first invalid document; it answers for itself after the others.
        let mut documents = Vec::with_capacity(docs.len());
        let mut invalid = None;
        for (id, body) in docs {
            match to_document(id, 1, body) {
                Ok(document) => documents.push(document),
                Err(e) => {
                    invalid = Some(e);
                    break;
                }
            }
        }
        let stored = |n: usize| -> Vec<Result<Stored, DocError>> {
            docs[..n]
                .iter()
                .map(|(id, body)| Ok(Stored { id: (*id).to_owned(), version: 1, body: (*body).clone() }))
                .collect()
        };
        if documents.is_empty() {
            return invalid.map(|e| vec![Err(e)]).unwrap_or_default();
        }
        let tried = documents.len();
        match coll.insert_many(documents).ordered(true).await {
            Ok(_) => {
                let mut results = stored(tried);
                results.extend(invalid.map(Err));
                results
            }
            Err(e) => {
                // Ordered: the documents before the first failed one are stored, none after it.
                let first_failed = match e.kind.as_ref() {
                    ErrorKind::InsertMany(many) if many.write_concern_error.is_none() => {
                        many.write_errors.as_ref().and_then(|errors| errors.iter().min_by_key(|w| w.index))
                    }
                    _ => None,
                };
                match first_failed {
                    Some(failed) if failed.index < tried => {
                        let mut results = stored(failed.index);
                        results.push(Err(if failed.code == DUPLICATE_KEY {
                            DocError::AlreadyExists { index: duplicate_index_name(&failed.message) }
                        } else {
                            DocError::Backend(failed.message.clone())
                        }));
                        results
                    }
                    _ => vec![Err(backend(e))],
                }
            }
        }
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Stored>, DocError> {
        let coll = self.collection(collection)?;
        coll.find_one(doc! {"_id": id}).await.map_err(from_mongo)?.map(from_document).transpose()
    }

    async fn get_many(&self, collection: &str, ids: &[&str]) -> Result<Vec<Stored>, DocError> {
        let coll = self.collection(collection)?;
        let docs: Vec<Document> =
            coll.find(doc! {"_id": {"$in": ids}}).await.map_err(from_mongo)?.try_collect().await.map_err(from_mongo)?;
        docs.into_iter().map(from_document).collect()
    }

    async fn find(&self, collection: &str, query: &Query) -> Result<Page, DocError> {
        let coll = self.collection(collection)?;
        let (filter, sort) = find_parts(query)?;
        let docs: Vec<Document> = coll
            .find(filter)
            .sort(sort)
            .limit(fetch_limit(query))
            .await
            .map_err(from_mongo)?
            .try_collect()
            .await
            .map_err(from_mongo)?;
        let items = docs.into_iter().map(from_document).collect::<Result<_, _>>()?;
        Ok(make_page(items, query))
    }

    async fn count(&self, collection: &str, filters: &[(String, Filter)]) -> Result<u64, DocError> {
        let coll = self.collection(collection)?;
        check_filters(filters)?;
        coll.count_documents(filter_document(filters)?).await.map_err(from_mongo)
    }

    async fn replace(
        &self,
        collection: &str,
        id: &str,
        body: &Value,
        expected_version: i64,
    ) -> Result<Stored, DocError> {
        let coll = self.collection(collection)?;
        let version = expected_version
            .checked_add(1)
            .ok_or_else(|| DocError::InvalidDocument("expected_version out of range".into()))?;
        let replacement = to_document(id, version, body)?;
        let result =
            coll.replace_one(doc! {"_id": id, "_v": expected_version}, replacement).await.map_err(from_mongo)?;
        if result.matched_count == 0 {
            // The conditional write missed; find out whether the document is gone or moved on.
            let current = coll.find_one(doc! {"_id": id}).projection(doc! {"_v": 1}).await.map_err(from_mongo)?;
            return Err(match current {
                None => DocError::NotFound,
                Some(doc) => DocError::VersionConflict { expected: expected_version, actual: read_version(&doc)? },
            });
        }
        Ok(Stored { id: id.to_string(), version, body: body.clone() })
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool, DocError> {
        let coll = self.collection(collection)?;
        let result = coll.delete_one(doc! {"_id": id}).await.map_err(from_mongo)?;
        Ok(result.deleted_count > 0)
    }

    async fn ping(&self) -> Result<(), DocError> {
        self.db.run_command(doc! {"ping": 1}).await.map_err(from_mongo)?;
        Ok(())
    }

    async fn explain(&self, collection: &str, read: &Read) -> Result<Plan, DocError> {
        let coll = self.collection(collection)?;
        // The commands `find` and `count` send, as the driver words them.
        let command = match read {
            Read::Find(query) => {
                let (filter, sort) = find_parts(query)?;
                doc! {"find": coll.name(), "filter": filter, "sort": sort, "limit": fetch_limit(query)}
            }
            Read::Count(filters) => {
                check_filters(filters)?;
                let pipeline =
                    [doc! {"$match": filter_document(filters)?}, doc! {"$group": {"_id": 1, "n": {"$sum": 1}}}];
                doc! {"aggregate": coll.name(), "pipeline": pipeline.to_vec(), "cursor": {}}
            }
        };
        let explained =
            self.db.run_command(doc! {"explain": command, "verbosity": "queryPlanner"}).await.map_err(from_mongo)?;
        Ok(plan_of(&explained, read))
    }
}

/// The filter and sort a `find` sends.
fn find_parts(query: &Query) -> Result<(Document, Document), DocError> {
    let cursor = check_query(query)?;
    let mut filter = filter_document(&query.filters)?;
    if let Some(cursor) = &cursor {
        filter.insert("$or", after_branches(&query.sort, cursor)?);
    }
    let mut sort = Document::new();
    for (path, order) in &query.sort {
        sort.insert(path, direction(*order));
    }
    sort.insert("_id", 1);
    Ok((filter, sort))
}

/// Reads the winning plan(s) of an `explain` answer (a `find`'s, or the ones
/// nested in an aggregation's stages): a `COLLSCAN` stage reads the whole
/// collection, an `IXSCAN`-like stage names its index, and one whose bounds
/// are all `[MinKey, MaxKey]` walks all of it (see `Plan::full_scan`).
fn plan_of(explained: &Document, read: &Read) -> Plan {
    fn winning<'a>(document: &'a Document, found: &mut Vec<&'a Document>) {
        for (key, value) in document {
            match value {
                Bson::Document(inner) if key == "winningPlan" => found.push(inner),
                Bson::Document(inner) => winning(inner, found),
                Bson::Array(items) => items.iter().filter_map(Bson::as_document).for_each(|d| winning(d, found)),
                _ => {}
            }
        }
    }
    fn unbounded(bounds: &Document) -> bool {
        let whole = |b: &Bson| matches!(b, Bson::String(s) if s == "[MinKey, MaxKey]" || s == "[MaxKey, MinKey]");
        bounds.values().all(|field| matches!(field, Bson::Array(ranges) if ranges.len() == 1 && whole(&ranges[0])))
    }
    #[derive(Default)]
    struct Seen {
        collscan: bool,
        whole_index: bool,
        sort: bool,
        indexes: Vec<String>,
    }
    fn stages(plan: &Document, seen: &mut Seen) {
        for (key, value) in plan {
            match (key.as_str(), value) {
                ("stage", Bson::String(stage)) if stage == "COLLSCAN" => seen.collscan = true,
                ("stage", Bson::String(stage)) if stage == "SORT" => seen.sort = true,
                ("indexBounds", Bson::Document(bounds)) if unbounded(bounds) => seen.whole_index = true,
                ("indexName", Bson::String(name)) if !seen.indexes.contains(name) => seen.indexes.push(name.clone()),
                (_, Bson::Document(inner)) => stages(inner, seen),
                (_, Bson::Array(items)) => items.iter().filter_map(Bson::as_document).for_each(|d| stages(d, seen)),
                _ => {}
            }
        }
    }
    let mut plans = Vec::new();
    winning(explained, &mut plans);
    let mut seen = Seen::default();
    for plan in &plans {
        stages(plan, &mut seen);
    }
    let full_scan = seen.collscan || (seen.whole_index && read.walks_to_the_end(seen.sort));
    let detail = plans.iter().map(|p| Bson::Document((*p).clone()).into_relaxed_extjson().to_string());
    Plan { full_scan, indexes: seen.indexes, detail: detail.collect::<Vec<_>>().join("; ") }
}

fn direction(order: Order) -> i32 {
    match order {
        Order::Asc => 1,
        Order::Desc => -1,
    }
}

fn backend(e: impl std::fmt::Display) -> DocError {
    DocError::Backend(e.to_string())
}

fn command_code(e: &mongodb::error::Error) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

fn from_mongo(e: mongodb::error::Error) -> DocError {
    let message = match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == DUPLICATE_KEY => Some(&w.message),
        // Building a unique index over existing duplicates fails this way.
        ErrorKind::Command(c) if c.code == DUPLICATE_KEY => Some(&c.message),
        _ => None,
    };
    match message {
        Some(message) => DocError::AlreadyExists { index: duplicate_index_name(message) },
        None => backend(e),
    }
}

/// The server names the violated index only inside the message
/// ("E11000 duplicate key error collection: db.c index: name dup key: ...").
fn duplicate_index_name(message: &str) -> String {
    let name = message.split_once(" index: ").and_then(|(_, rest)| rest.split_whitespace().next()).unwrap_or("unknown");
    if name == "_id_" { ID_INDEX.to_string() } else { name.to_string() }
}

fn to_bson(value: &Value) -> Result<Bson, DocError> {
    bson::to_bson(value).map_err(|e| DocError::InvalidDocument(e.to_string()))
}

fn to_document(id: &str, version: i64, body: &Value) -> Result<Document, DocError> {
    check_id(id)?;
    let fields = check_body(body)?;
    let mut document = doc! {"_id": id, "_v": version};
    for (key, value) in fields {
        document.insert(key, to_bson(value)?);
    }
    Ok(document)
}

fn read_version(document: &Document) -> Result<i64, DocError> {
    match document.get("_v") {
        Some(Bson::Int64(v)) => Ok(*v),
        Some(Bson::Int32(v)) => Ok(i64::from(*v)),
        _ => Err(DocError::Backend("stored document has no integer _v".into())),
    }
}

fn from_document(mut document: Document) -> Result<Stored, DocError> {
    let version = read_version(&document)?;
    let id = match document.remove("_id") {
        Some(Bson::String(id)) => id,
        _ => {
            return Err(DocError::Backend("stored document has no string _id".into()));
        }
    };
    document.remove("_v");
    // Relaxed extended JSON keeps int32/int64 as plain JSON integers.
    let body = Bson::Document(document).into_relaxed_extjson();
    Ok(Stored { id, version, body })
}

/// The filters as one flat document `{path: condition, ...}`: the form in
/// which every MongoDB planner matches conditions to indexes (SecantusDB's
/// does not look inside `$and`). An equality is written as the bare value,
/// the same for the scalars filters allow; a repeated operator on one path
/// goes to `$and`, since a document holds a key once.
fn filter_document(filters: &[(String, Filter)]) -> Result<Document, DocError> {
    let mut by_path: Vec<(&str, Document)> = Vec::new();
    let mut repeated = Vec::new();
    for (path, filter) in filters {
        let (op, operand) = match filter {
            Filter::Eq(v) => ("$eq", to_bson(v)?),
            Filter::In(vs) => ("$in", Bson::Array(vs.iter().map(to_bson).collect::<Result<_, _>>()?)),
            Filter::Gt(v) => ("$gt", to_bson(v)?),
            Filter::Gte(v) => ("$gte", to_bson(v)?),
            Filter::Lt(v) => ("$lt", to_bson(v)?),
            Filter::Lte(v) => ("$lte", to_bson(v)?),
            Filter::Exists(b) => ("$exists", Bson::Boolean(*b)),
        };
        match by_path.iter_mut().find(|(p, _)| p == path) {
            Some((_, ops)) if !ops.contains_key(op) => {
                ops.insert(op, operand);
            }
            Some(_) => repeated.push(doc! {path.as_str(): {op: operand}}),
            None => by_path.push((path, doc! {op: operand})),
        }
    }
    let mut document = Document::new();
    for (path, ops) in by_path {
        let condition = match ops.get("$eq") {
            Some(value) if ops.len() == 1 => value.clone(),
            _ => Bson::Document(ops),
        };
        document.insert(path, condition);
    }
    if !repeated.is_empty() {
        document.insert("$and", repeated);
    }
    Ok(document)
}

/// Keyset condition "sorts strictly after the cursor": for some key i, keys before i are
/// equal and key i is beyond; or all keys are equal and the id is greater. Null/missing
/// values sort first ascending and last descending.
fn after_branches(sort: &[(String, Order)], cursor: &Cursor) -> Result<Vec<Document>, DocError> {
    let mut branches = Vec::new();
    let mut equal_prefix: Vec<Document> = Vec::new();
    for ((path, order), value) in sort.iter().zip(&cursor.values) {
        let path = path.as_str();
        let bson = to_bson(value)?;
        let beyond = match (order, value.is_null()) {
            (Order::Asc, true) => Some(doc! {path: {"$ne": Bson::Null}}),
            (Order::Asc, false) => Some(doc! {path: {"$gt": bson.clone()}}),
            (Order::Desc, false) => Some(doc! {"$or": [{path: {"$lt": bson.clone()}}, {path: Bson::Null}]}),
            (Order::Desc, true) => None,
        };
        if let Some(beyond) = beyond {
            let mut branch = equal_prefix.clone();
            branch.push(beyond);
            branches.push(doc! {"$and": branch});
        }
        equal_prefix.push(doc! {path: {"$eq": bson}});
    }
    equal_prefix.push(doc! {"_id": {"$gt": cursor.id.as_str()}});
    branches.push(doc! {"$and": equal_prefix});
    Ok(branches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_name_from_message() {
        assert_eq!(
            duplicate_index_name("E11000 duplicate key error collection: hms.c index: by_mrn dup key: { mrn: 1 }"),
            "by_mrn"
        );
        assert_eq!(
            duplicate_index_name("E11000 duplicate key error collection: hms.c index: _id_ dup key: { _id: \"a\" }"),
            ID_INDEX
        );
        assert_eq!(duplicate_index_name("E11000"), "unknown");
    }

    #[tokio::test]
    async fn database_name_comes_from_uri_path() {
        // Creating a client does not contact the server, so no server is needed here.
        let named = MongoStore::connect("mongodb://127.0.0.1:1/clinic").await.unwrap();
        assert_eq!(named.database_name(), "clinic");
        let default = MongoStore::connect("mongodb://127.0.0.1:1").await.unwrap();
        assert_eq!(default.database_name(), DEFAULT_DATABASE);
        assert!(MongoStore::connect("mongodb://").await.is_err());
    }

    #[test]
    fn integers_round_trip() {
        let body = serde_json::json!({"n": 5, "big": i64::MAX, "neg": -3, "f": 1.5, "z": 0.0, "o": {"a": [1, "x", null, true]}});
        let stored = from_document(to_document("x", 3, &body).unwrap()).unwrap();
        assert_eq!(stored.body, body);
        assert_eq!(stored.version, 3);
        assert_eq!(stored.id, "x");
    }

    /// The shapes a real mongod answers `explain` with (SecantusDB leaves out
    /// `indexBounds`, and never nests an aggregation's plan under `stages`).
    #[test]
    fn plans_read_from_mongod_explain_answers() {
        let ixscan = |bounds: Document| {
            doc! {"stage": "FETCH", "inputStage": {"stage": "IXSCAN", "indexName": "due", "indexBounds": bounds}}
        };
        let bounded = ixscan(doc! {"status": ["[\"QUEUED\", \"QUEUED\"]"], "at": ["[MinKey, MaxKey]"]});
        let whole = ixscan(doc! {"created_at": ["[MaxKey, MinKey]"]});
        let find =
            |plan: Document| doc! {"queryPlanner": {"winningPlan": plan, "rejectedPlans": [{"stage": "COLLSCAN"}]}};

        let filtered = Read::Find(Query {
            filters: vec![("kind".into(), Filter::Eq("WELCOME".into()))],
            sort: vec![("created_at".into(), Order::Desc)],
            ..Query::default()
        });
        let count = Read::Count(vec![("kind".into(), Filter::Eq("WELCOME".into()))]);
        let plan = plan_of(&find(bounded.clone()), &filtered);
        assert_eq!((plan.full_scan, plan.indexes), (false, vec!["due".to_string()]));
        // A whole index walked in sort order stops with the page; sorted
        // afterwards, or counted, it is read to the end.
        assert!(!plan_of(&find(whole.clone()), &filtered).full_scan);
        assert!(plan_of(&find(doc! {"stage": "SORT", "inputStage": whole.clone()}), &filtered).full_scan);
        assert!(plan_of(&find(whole.clone()), &count).full_scan);
        assert!(!plan_of(&find(whole), &Read::Count(vec![])).full_scan);
        assert!(plan_of(&find(doc! {"stage": "SORT", "inputStage": {"stage": "COLLSCAN"}}), &filtered).full_scan);
        // Slot-based plans (7.0+) keep the stage tree under `queryPlan`.
        let sbe =
            doc! {"queryPlanner": {"winningPlan": {"queryPlan": bounded.clone(), "slotBasedPlan": {"stages": "..."}}}};
        assert_eq!(plan_of(&sbe, &filtered).indexes, ["due"]);
        // An aggregation whose $match did not become the whole plan.
        let aggregate = doc! {"stages": [{"$cursor": find(bounded)}, {"$group": {"_id": 1}}]};
        let plan = plan_of(&aggregate, &count);
        assert_eq!((plan.full_scan, plan.indexes), (false, vec!["due".to_string()]));
    }
}
