//! MongoDB backend: each document is stored as `{_id: id, _v: version, ...body}`.

use async_trait::async_trait;
use bson::{Bson, Document, doc};
use futures::TryStreamExt;
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use serde_json::Value;

use super::{
    Cursor, DocError, DocumentStore, Filter, ID_INDEX, IndexSpec, Order, Page, Query, Stored, check_body,
    check_collection, check_filters, check_id, check_index, check_query, fetch_limit, make_page,
};

const DEFAULT_DATABASE: &str = "hms";
const DUPLICATE_KEY: i32 = 11000;

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
        let mut options = IndexOptions::builder().name(index.name.clone()).build();
        if index.unique {
            options.unique = Some(true);
            // MongoDB indexes a missing field as null, so without this two documents
            // lacking the field would collide; SQLite never lets NULLs collide.
            options.partial_filter_expression = Some(present);
        }
        let model = IndexModel::builder().keys(keys).options(options).build();
        coll.create_index(model).await.map_err(from_mongo)?;
        Ok(())
    }

    async fn insert(&self, collection: &str, id: &str, body: &Value) -> Result<Stored, DocError> {
        let coll = self.collection(collection)?;
        check_id(id)?;
        coll.insert_one(to_document(id, 1, body)?).await.map_err(from_mongo)?;
        Ok(Stored { id: id.to_string(), version: 1, body: body.clone() })
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Stored>, DocError> {
        let coll = self.collection(collection)?;
        coll.find_one(doc! {"_id": id}).await.map_err(from_mongo)?.map(from_document).transpose()
    }

    async fn find(&self, collection: &str, query: &Query) -> Result<Page, DocError> {
        let coll = self.collection(collection)?;
        let cursor = check_query(query)?;
        let mut clauses = filter_clauses(&query.filters)?;
        if let Some(cursor) = &cursor {
            clauses.push(after_clause(&query.sort, cursor)?);
        }
        let mut sort = Document::new();
        for (path, order) in &query.sort {
            sort.insert(path, direction(*order));
        }
        sort.insert("_id", 1);
        let docs: Vec<Document> = coll
            .find(and(clauses))
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
        coll.count_documents(and(filter_clauses(filters)?)).await.map_err(from_mongo)
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

fn and(clauses: Vec<Document>) -> Document {
    if clauses.is_empty() {
        Document::new()
    } else {
        // `$and` keeps several conditions on one path apart (a map would merge them).
        doc! {"$and": clauses}
    }
}

fn filter_clauses(filters: &[(String, Filter)]) -> Result<Vec<Document>, DocError> {
    filters
        .iter()
        .map(|(path, filter)| {
            let condition = match filter {
                Filter::Eq(v) => doc! {"$eq": to_bson(v)?},
                Filter::In(vs) => {
                    let values = vs.iter().map(to_bson).collect::<Result<Vec<_>, _>>()?;
                    doc! {"$in": values}
                }
                Filter::Gt(v) => doc! {"$gt": to_bson(v)?},
                Filter::Gte(v) => doc! {"$gte": to_bson(v)?},
                Filter::Lt(v) => doc! {"$lt": to_bson(v)?},
                Filter::Lte(v) => doc! {"$lte": to_bson(v)?},
                Filter::Exists(b) => doc! {"$exists": *b},
            };
            Ok(doc! {path.as_str(): condition})
        })
        .collect()
}

/// Keyset condition "sorts strictly after the cursor": for some key i, keys before i are
/// equal and key i is beyond; or all keys are equal and the id is greater. Null/missing
/// values sort first ascending and last descending.
fn after_clause(sort: &[(String, Order)], cursor: &Cursor) -> Result<Document, DocError> {
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
    Ok(doc! {"$or": branches})
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
}
