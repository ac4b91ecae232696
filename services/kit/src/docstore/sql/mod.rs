//! SQLite backend: one table `doc_<collection>(id, version, body JSON text)` per collection.
//!
//! Field paths are spliced into SQL as `json_extract(body, '$.path')` literals (after
//! validation) because SQLite only uses an expression index when the query repeats the
//! indexed expression verbatim; every value is bound as a parameter.
//!
//! `connections` holds the connections and runs statements; `query` builds
//! the SQL of reads.

mod connections;
mod query;

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params_from_iter};
use serde_json::Value;
use tokio_util::task::AbortOnDropHandle;

use self::connections::Connections;
use self::query::{Sql, count_sql, direction, extract, find_sql, plan_of};
use super::{
    DocError, DocumentStore, Filter, ID_INDEX, IndexSpec, Page, Plan, Query, Read, Stored, Write, check_body,
    check_collection, check_filters, check_id, check_index, check_index_name, check_query, make_page,
};

pub struct SqlStore {
    connections: Connections,
    /// Collections whose table is known to exist, to skip the DDL round trip.
    tables: Mutex<HashSet<String>>,
    /// Checkpoints a file database's write-ahead log in the background (as
    /// the relational store does, see `storage::checkpoint_wal`); stops with
    /// the store.
    _checkpointer: Option<AbortOnDropHandle<()>>,
}

impl SqlStore {
    pub async fn connect(url: &str) -> Result<Self, DocError> {
        let (connections, checkpointer) = Connections::open(url)?;
        Ok(SqlStore { connections, tables: Mutex::new(HashSet::new()), _checkpointer: checkpointer })
    }

    /// One insert or replace, its own transaction.
    async fn write(&self, collection: &str, write: Write<'_>) -> Result<Stored, DocError> {
        let table = self.table(collection).await?;
        self.connections.write(|c| write_one(c, &table, write)).await
    }

    /// Writes in one transaction. A failed statement (a duplicate id, a
    /// moved-on version) fails only itself: SQLite undoes the statement,
    /// not the transaction; with `stop_at_failure` nothing after it is tried.
    async fn write_at_once(
        &self,
        collection: &str,
        writes: &[Write<'_>],
        stop_at_failure: bool,
    ) -> Result<Vec<Result<Stored, DocError>>, DocError> {
        let table = self.table(collection).await?;
        self.connections
            .write(|connection| {
                let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
                let mut results = Vec::with_capacity(writes.len());
                for write in writes {
                    let result = write_one(&tx, &table, *write);
                    let stop = stop_at_failure && result.is_err();
                    results.push(result);
                    if stop {
                        break;
                    }
                }
                tx.commit().map_err(backend)?;
                Ok(results)
            })
            .await
    }

    /// Validates the collection name and creates its table on first use.
    async fn table(&self, collection: &str) -> Result<String, DocError> {
        check_collection(collection)?;
        let table = format!("doc_{collection}");
        if self.known(collection) {
            return Ok(table);
        }
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL)"
        );
        self.connections.write(|c| c.execute(&ddl, []).map_err(|e| from_sqlite(e, &table))).await?;
        if let Ok(mut tables) = self.tables.lock() {
            tables.insert(collection.to_string());
        }
        Ok(table)
    }

    fn known(&self, collection: &str) -> bool {
        self.tables.lock().map(|t| t.contains(collection)).unwrap_or(false)
    }
}

#[async_trait]
impl DocumentStore for SqlStore {
    async fn ensure_index(&self, collection: &str, index: &IndexSpec) -> Result<(), DocError> {
        check_index(index)?;
        let table = self.table(collection).await?;
        // SQLite index names are database-wide; the table prefix scopes them like MongoDB's.
        let name = format!("{table}.{}", index.name);
        let columns = index
            .fields
            .iter()
            .map(|(path, order)| format!("{} {}", extract(path), direction(*order)))
            .collect::<Vec<_>>()
            .join(", ");
        let unique = if index.unique { "UNIQUE " } else { "" };
        let ddl = format!("CREATE {unique}INDEX \"{name}\" ON {table} ({columns})");
        // Compare with the stored definition rather than using IF NOT EXISTS, so that
        // asking for a different index under an existing name is an error, as in MongoDB.
        let conflict = || DocError::Backend(format!("index {} already exists with a different definition", index.name));
        self.connections
            .write(|c| {
                match index_sql(c, &name)? {
                    Some(existing) if existing == ddl => return Ok(()),
                    Some(_) => return Err(conflict()),
                    None => {}
                }
                if let Err(e) = c.execute(&ddl, []) {
                    // Another process may have created the same index first.
                    return match index_sql(c, &name)? {
                        Some(existing) if existing == ddl => Ok(()),
                        Some(_) => Err(conflict()),
                        None => Err(from_sqlite(e, &table)),
                    };
                }
                Ok(())
            })
            .await
    }

    async fn drop_index(&self, collection: &str, name: &str) -> Result<bool, DocError> {
        check_index_name(name)?;
        let table = self.table(collection).await?;
        let name = format!("{table}.{name}");
        self.connections
            .write(|c| {
                if index_sql(c, &name)?.is_none() {
                    return Ok(false);
                }
                c.execute(&format!("DROP INDEX IF EXISTS \"{name}\""), []).map_err(backend)?;
                Ok(true)
            })
            .await
    }

    async fn insert(&self, collection: &str, id: &str, body: &Value) -> Result<Stored, DocError> {
        self.write(collection, Write::Insert { id, body }).await
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Stored>, DocError> {
        let table = self.table(collection).await?;
        self.connections
            .read(|c| {
                let mut statement = c
                    .prepare_cached(&format!("SELECT id, version, body FROM {table} WHERE id = ?"))
                    .map_err(backend)?;
                statement.query_row([id], row).optional().map_err(backend)?.map(from_row).transpose()
            })
            .await
    }

    async fn get_many(&self, collection: &str, ids: &[&str]) -> Result<Vec<Stored>, DocError> {
        let table = self.table(collection).await?;
        self.connections
            .read(|c| {
                let mut found = Vec::with_capacity(ids.len());
                // Well under SQLite's limit on bound parameters.
                for chunk in ids.chunks(500) {
                    let marks = crate::storage::placeholders(chunk.len());
                    let sql = format!("SELECT id, version, body FROM {table} WHERE id IN ({marks})");
                    let mut statement = c.prepare_cached(&sql).map_err(backend)?;
                    for found_row in statement.query_map(params_from_iter(chunk), row).map_err(backend)? {
                        found.push(from_row(found_row.map_err(backend)?)?);
                    }
                }
                Ok(found)
            })
            .await
    }

    async fn find(&self, collection: &str, query: &Query) -> Result<Page, DocError> {
        let cursor = check_query(query)?;
        let table = self.table(collection).await?;
        let sql = find_sql(&table, query, cursor.as_ref());
        let items = self.connections.read(|c| rows(c, &sql)).await?;
        Ok(make_page(items, query))
    }

    async fn count(&self, collection: &str, filters: &[(String, Filter)]) -> Result<u64, DocError> {
        check_filters(filters)?;
        let table = self.table(collection).await?;
        let sql = count_sql(&table, filters);
        let n: i64 = self
            .connections
            .read(|c| {
                let mut statement = c.prepare_cached(&sql.text).map_err(backend)?;
                statement.query_row(params_from_iter(&sql.args), |row| row.get(0)).map_err(backend)
            })
            .await?;
        u64::try_from(n).map_err(backend)
    }

    async fn replace(
        &self,
        collection: &str,
        id: &str,
        body: &Value,
        expected_version: i64,
    ) -> Result<Stored, DocError> {
        self.write(collection, Write::Replace { id, body, expected_version }).await
    }

    async fn write_many(&self, collection: &str, writes: &[Write<'_>]) -> Vec<Result<Stored, DocError>> {
        match self.write_at_once(collection, writes, false).await {
            Ok(results) => results,
            // The transaction itself failed (begin or commit): nothing of it holds.
            Err(e) => {
                let message = e.to_string();
                writes.iter().map(|_| Err(DocError::Backend(message.clone()))).collect()
            }
        }
    }

    async fn insert_in_order(&self, collection: &str, docs: &[(&str, &Value)]) -> Vec<Result<Stored, DocError>> {
        if let [(id, body)] = docs {
            // One statement is its own transaction.
            return vec![self.insert(collection, id, body).await];
        }
        let inserts: Vec<Write<'_>> = docs.iter().map(|&(id, body)| Write::Insert { id, body }).collect();
        match self.write_at_once(collection, &inserts, true).await {
            Ok(results) => results,
            // Nothing of a failed transaction holds; the first document answers for it.
            Err(e) => vec![Err(e)],
        }
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool, DocError> {
        let table = self.table(collection).await?;
        let deleted = self
            .connections
            .write(|c| {
                let mut statement = c.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?")).map_err(backend)?;
                statement.execute([id]).map_err(backend)
            })
            .await?;
        Ok(deleted > 0)
    }

    async fn ping(&self) -> Result<(), DocError> {
        self.connections.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend)).await
    }

    async fn explain(&self, collection: &str, read: &Read) -> Result<Plan, DocError> {
        let table = self.table(collection).await?;
        let sql = match read {
            Read::Find(query) => find_sql(&table, query, check_query(query)?.as_ref()),
            Read::Count(filters) => {
                check_filters(filters)?;
                count_sql(&table, filters)
            }
        };
        let text = format!("EXPLAIN QUERY PLAN {}", sql.text);
        let steps: Vec<String> = self
            .connections
            .read(|c| {
                let mut statement = c.prepare(&text).map_err(backend)?;
                let steps = statement.query_map(params_from_iter(&sql.args), |row| row.get(3)).map_err(backend)?;
                steps.collect::<Result<_, _>>().map_err(backend)
            })
            .await?;
        Ok(plan_of(&table, steps, read))
    }
}

fn index_sql(connection: &Connection, name: &str) -> Result<Option<String>, DocError> {
    connection
        .query_row("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [name], |row| row.get(0))
        .optional()
        .map_err(backend)
}

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn rows(connection: &Connection, sql: &Sql) -> Result<Vec<Stored>, DocError> {
    let mut statement = connection.prepare_cached(&sql.text).map_err(backend)?;
    let found = statement.query_map(params_from_iter(&sql.args), row).map_err(backend)?;
    found.map(|found_row| from_row(found_row.map_err(backend)?)).collect()
}

fn backend(e: impl std::fmt::Display) -> DocError {
    DocError::Backend(e.to_string())
}

/// Maps unique violations to `AlreadyExists`. SQLite reports the primary key as
/// "UNIQUE constraint failed: doc_c.id" and expression indexes as
/// "UNIQUE constraint failed: index 'doc_c.name'".
fn from_sqlite(e: rusqlite::Error, table: &str) -> DocError {
    let rusqlite::Error::SqliteFailure(failure, Some(message)) = &e else {
        return backend(e);
    };
    let unique = [rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE, rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY];
    if !unique.contains(&failure.extended_code) {
        return backend(e);
    }
    let index = message
        .split_once("index '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(name, _)| name.strip_prefix(table).unwrap_or(name))
        .map(|name| name.trim_start_matches('.').to_string())
        .unwrap_or_else(|| ID_INDEX.to_string());
    DocError::AlreadyExists { index }
}

fn from_row((id, version, body): (String, i64, String)) -> Result<Stored, DocError> {
    let body = serde_json::from_str(&body).map_err(backend)?;
    Ok(Stored { id, version, body })
}

/// One write, alone or in a `write_many` transaction.
fn write_one(connection: &Connection, table: &str, write: Write<'_>) -> Result<Stored, DocError> {
    match write {
        Write::Insert { id, body } => {
            check_id(id)?;
            check_body(body)?;
            let mut statement = connection
                .prepare_cached(&format!("INSERT INTO {table} (id, version, body) VALUES (?, 1, ?)"))
                .map_err(backend)?;
            statement.execute((id, body.to_string())).map_err(|e| from_sqlite(e, table))?;
            Ok(Stored { id: id.to_owned(), version: 1, body: body.clone() })
        }
        Write::Replace { id, body, expected_version } => {
            check_id(id)?;
            check_body(body)?;
            let version = expected_version
                .checked_add(1)
                .ok_or_else(|| DocError::InvalidDocument("expected_version out of range".into()))?;
            let mut statement = connection
                .prepare_cached(&format!("UPDATE {table} SET version = ?, body = ? WHERE id = ? AND version = ?"))
                .map_err(backend)?;
            let done = statement
                .execute((version, body.to_string(), id, expected_version))
                .map_err(|e| from_sqlite(e, table))?;
            if done == 1 {
                return Ok(Stored { id: id.to_owned(), version, body: body.clone() });
            }
            let actual: Option<i64> = connection
                .prepare_cached(&format!("SELECT version FROM {table} WHERE id = ?"))
                .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
                .map_err(backend)?;
            Err(match actual {
                None => DocError::NotFound,
                Some(actual) => DocError::VersionConflict { expected: expected_version, actual },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docstore::Order;
    use serde_json::json;

    /// Writes never checkpoint; the background task moves the log into the
    /// database file instead (as in the relational store).
    #[tokio::test]
    async fn the_log_reaches_the_database_file_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.db");
        let store = SqlStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        let filler = json!({ "text": "x".repeat(65_536) });
        for i in 0..64 {
            store.insert("filler", &format!("doc-{i}"), &filler).await.unwrap();
        }
        let pages: i64 = store
            .connections
            .write(|c| c.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0)).map_err(backend))
            .await
            .unwrap();
        assert_eq!(pages, 0, "commits would checkpoint");
        crate::storage::wait_for_checkpoint(&path, 4 << 20).await;
        #[cfg(unix)]
        for file in ["docs.db", "docs.db-wal", "docs.db-shm"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{file} is its owner's only");
        }
    }

    /// The point of splicing paths as literals: the planner must pick the expression index.
    #[tokio::test]
    async fn filters_and_sort_use_expression_index() {
        let store = SqlStore::connect("sqlite::memory:").await.unwrap();
        let spec = IndexSpec { name: "by_hr".into(), fields: vec![("vitals.hr".into(), Order::Asc)], unique: false };
        store.ensure_index("plan", &spec).await.unwrap();
        let query = Query {
            filters: vec![("vitals.hr".into(), Filter::Gt(json!(60)))],
            sort: vec![("vitals.hr".into(), Order::Asc)],
            ..Query::default()
        };
        let plan = store.explain("plan", &Read::Find(query)).await.unwrap();
        assert!(plan.detail.contains("SEARCH doc_plan USING INDEX doc_plan.by_hr"), "{plan:?}");
        assert_eq!((plan.full_scan, plan.indexes), (false, vec!["by_hr".to_string()]));
    }
}
