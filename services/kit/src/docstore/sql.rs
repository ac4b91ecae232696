//! SQLite backend: one table `doc_<collection>(id, version, body JSON text)` per collection.
//!
//! Field paths are spliced into SQL as `json_extract(body, '$.path')` literals (after
//! validation) because SQLite only uses an expression index when the query repeats the
//! indexed expression verbatim; every value is bound as a parameter.
//!
//! Statements run on the calling task's thread. A point read or a write here
//! takes tens of microseconds; handing each to a connection's own thread and
//! back, as sqlx's SQLite driver does, cost more than that in thread switches
//! (docs/benchmarks.md#pharmacy-dispensing).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, TransactionBehavior, params_from_iter};
use serde_json::Value;
use tokio::sync::{Mutex as AsyncMutex, Semaphore};
use tokio_util::task::AbortOnDropHandle;

use super::{
    Cursor, DocError, DocumentStore, Filter, ID_INDEX, IndexSpec, Order, Page, Plan, Query, Read, Stored, Write,
    check_body, check_collection, check_filters, check_id, check_index, check_index_name, check_query, fetch_limit,
    make_page,
};
use crate::storage::{CHECKPOINT_INTERVAL, WAL_PAGES_LIMIT};

/// Read connections of a file database, beside its one writer. Reads run on
/// the runtime's worker threads, so more than there are workers never wait.
const READERS: usize = 4;

/// Statements each connection keeps prepared (the services use a few dozen shapes).
const PREPARED_PER_CONNECTION: usize = 128;

pub struct SqlStore {
    connections: Connections,
    /// Collections whose table is known to exist, to skip the DDL round trip.
    tables: Mutex<HashSet<String>>,
    /// Checkpoints a file database's write-ahead log in the background (as
    /// the relational store does, see `storage::checkpoint_wal`); stops with
    /// the store.
    _checkpointer: Option<AbortOnDropHandle<()>>,
}

struct Connections {
    /// Every write, and every statement of an in-memory database (whose data
    /// lives on its one connection). Writers queue here, in order, rather
    /// than in SQLite's busy handler, which would put the thread to sleep.
    writer: Arc<AsyncMutex<Connection>>,
    /// A file database's readers: in WAL mode they never wait for the writer.
    readers: Option<Readers>,
}

struct Readers {
    connections: Vec<Mutex<Connection>>,
    /// One permit per connection, so a holder always finds one unlocked.
    free: Semaphore,
}

impl Connections {
    async fn read<T>(&self, read: impl FnOnce(&Connection) -> Result<T, DocError>) -> Result<T, DocError> {
        let Some(readers) = &self.readers else {
            return read(&*self.writer.lock().await);
        };
        let _permit = readers.free.acquire().await.map_err(backend)?;
        for connection in &readers.connections {
            match connection.try_lock() {
                Ok(connection) => return read(&connection),
                Err(TryLockError::Poisoned(poisoned)) => return read(&poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        Err(DocError::Backend("no idle SQLite reader".into()))
    }

    async fn write<T>(&self, write: impl FnOnce(&mut Connection) -> Result<T, DocError>) -> Result<T, DocError> {
        write(&mut *self.writer.lock().await)
    }
}

/// Where a `sqlite:` URL points.
enum Location {
    Memory,
    File(PathBuf, OpenFlags),
}

impl Location {
    fn parse(url: &str) -> Result<Self, DocError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Ok(Location::Memory);
        }
        // A file database is created (with its directory) when missing, as the relational store does.
        let url = crate::storage::prepare_sqlite_url(url).map_err(backend)?;
        let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        for parameter in query.split('&').filter(|p| !p.is_empty()) {
            flags |= match parameter {
                "mode=ro" => OpenFlags::SQLITE_OPEN_READ_ONLY,
                "mode=rw" => OpenFlags::SQLITE_OPEN_READ_WRITE,
                "mode=rwc" => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
                other => return Err(DocError::Backend(format!("unknown SQLite URL parameter {other}"))),
            };
        }
        Ok(Location::File(PathBuf::from(path), flags))
    }

    fn open(&self) -> Result<Connection, DocError> {
        let connection = match self {
            Location::Memory => Connection::open_in_memory(),
            Location::File(path, flags) => Connection::open_with_flags(path, *flags),
        }
        .map_err(backend)?;
        connection.busy_timeout(Duration::from_secs(10)).map_err(backend)?;
        connection.set_prepared_statement_cache_capacity(PREPARED_PER_CONNECTION);
        if let Location::File(..) = self {
            // WAL with NORMAL is SQLite's recommended pairing: a commit no
            // longer waits for fsync (a crashed process loses nothing; a power
            // cut may lose the last commits, never consistency), which is the
            // durability MongoDB's default write concern gives too. No commit
            // copies the log back into the database (see `checkpoint`).
            connection
                .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")
                .map_err(backend)?;
        }
        Ok(connection)
    }
}

impl SqlStore {
    pub async fn connect(url: &str) -> Result<Self, DocError> {
        let location = Location::parse(url)?;
        let writer = Arc::new(AsyncMutex::new(location.open()?));
        if let Location::Memory = location {
            let connections = Connections { writer, readers: None };
            return Ok(SqlStore { connections, tables: Mutex::new(HashSet::new()), _checkpointer: None });
        }
        let readers = (0..READERS).map(|_| location.open().map(Mutex::new)).collect::<Result<Vec<_>, _>>()?;
        let readers = Readers { connections: readers, free: Semaphore::new(READERS) };
        let checkpointer = AbortOnDropHandle::new(tokio::spawn(checkpoint(writer.clone(), location.open()?)));
        Ok(SqlStore {
            connections: Connections { writer, readers: Some(readers) },
            tables: Mutex::new(HashSet::new()),
            _checkpointer: Some(checkpointer),
        })
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

/// Copies the write-ahead log into the database file every
/// `CHECKPOINT_INTERVAL`, on a connection of its own and off the runtime's
/// threads (it reads and fsyncs). Passive checkpoints run beside the writer;
/// past `WAL_PAGES_LIMIT` a restarting one, with writers held back, starts
/// the log over (see `storage::checkpoint_wal`).
async fn checkpoint(writer: Arc<AsyncMutex<Connection>>, connection: Connection) {
    let connection = Arc::new(Mutex::new(connection));
    let run = |mode: &'static str| {
        let connection = connection.clone();
        tokio::task::spawn_blocking(move || {
            let connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            connection.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| row.get::<_, i64>(1))
        })
    };
    loop {
        tokio::time::sleep(CHECKPOINT_INTERVAL).await;
        let result = match run("PASSIVE").await {
            Ok(Ok(log_pages)) if log_pages > WAL_PAGES_LIMIT => {
                let _writers_wait = writer.lock().await;
                run("RESTART").await
            }
            other => other,
        };
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries"),
            Err(e) => tracing::warn!(error = %e, "SQLite checkpoint stopped; the next one retries"),
        }
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
        let table = self.table(collection).await?;
        self.connections.write(|c| write_one(c, &table, Write::Insert { id, body })).await
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
        let table = self.table(collection).await?;
        self.connections.write(|c| write_one(c, &table, Write::Replace { id, body, expected_version })).await
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

fn find_sql(table: &str, query: &Query, cursor: Option<&Cursor>) -> Sql {
    let mut sql = Sql::new(&format!("SELECT id, version, body FROM {table} WHERE "));
    push_filters(&mut sql, &query.filters);
    if let Some(cursor) = cursor {
        sql.push(" AND ");
        push_after(&mut sql, &query.sort, cursor);
    }
    sql.push(" ORDER BY ");
    for (path, order) in &query.sort {
        sql.push(&format!("{} {}, ", extract(path), direction(*order)));
    }
    sql.push("id ASC LIMIT ").bind(Arg::Int(fetch_limit(query)));
    sql
}

fn count_sql(table: &str, filters: &[(String, Filter)]) -> Sql {
    let mut sql = Sql::new(&format!("SELECT COUNT(*) FROM {table} WHERE "));
    push_filters(&mut sql, filters);
    sql
}

/// Reads `EXPLAIN QUERY PLAN` steps: "SEARCH t USING INDEX i (...)" reads a
/// range of index `i`, "SCAN t USING INDEX i" all of it (in its order), and
/// "SCAN t" alone the whole table.
fn plan_of(table: &str, steps: Vec<String>, read: &Read) -> Plan {
    let scan = format!("SCAN {table}");
    let steps: Vec<String> = steps.iter().map(|step| step.trim().to_string()).collect();
    let walk = steps.iter().any(|step| step.strip_prefix(&scan).is_some_and(|rest| rest.starts_with(' ')));
    let sorted_afterwards = steps.iter().any(|step| step == "USE TEMP B-TREE FOR ORDER BY");
    let full_scan = steps.contains(&scan) || (walk && read.walks_to_the_end(sorted_afterwards));
    let mut indexes = Vec::new();
    for step in &steps {
        let Some((_, rest)) = step.split_once(" INDEX ") else {
            continue;
        };
        let name = rest.split_whitespace().next().unwrap_or_default().trim_matches('"');
        let name = match name.strip_prefix(table).and_then(|n| n.strip_prefix('.')) {
            Some(spec) => spec.to_string(),
            // SQLite's own index behind `id TEXT PRIMARY KEY`.
            None if name.starts_with("sqlite_autoindex_") => ID_INDEX.to_string(),
            None => name.to_string(),
        };
        if !indexes.contains(&name) {
            indexes.push(name);
        }
    }
    Plan { full_scan, indexes, detail: steps.join("; ") }
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

fn direction(order: Order) -> &'static str {
    match order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    }
}

fn extract(path: &str) -> String {
    format!("json_extract(body, '$.{path}')")
}

fn json_type(path: &str) -> String {
    format!("json_type(body, '$.{path}')")
}

/// A bound parameter; JSON booleans become 0/1 because that is what `json_extract` yields.
enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(v) => ToSqlOutput::from(*v),
            Arg::Real(v) => ToSqlOutput::from(*v),
            Arg::Text(v) => ToSqlOutput::from(v.as_str()),
        })
    }
}

/// SQL text with its positional arguments, built in step.
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.text.push('?');
        self.args.push(arg);
        self
    }
}

/// Conditions joined with AND; an empty list is "true".
///
/// Every condition keeps `json_extract(body, '$.path')` as a top-level term of
/// the AND, compared with `=`, `IN` or a range, so that SQLite can search an
/// expression index on it; the type guards ride along as further AND terms,
/// which the planner checks on the rows the index yields. An OR anywhere in
/// that chain would make SQLite scan the table (`IN` over OR-ed equalities).
fn push_filters(sql: &mut Sql, filters: &[(String, Filter)]) {
    if filters.is_empty() {
        sql.push("1");
    }
    for (i, (path, filter)) in filters.iter().enumerate() {
        if i > 0 {
            sql.push(" AND ");
        }
        match filter {
            Filter::Eq(v) => push_compare(sql, path, "=", v),
            Filter::In(vs) => push_in(sql, path, vs),
            Filter::Gt(v) => push_compare(sql, path, ">", v),
            Filter::Gte(v) => push_compare(sql, path, ">=", v),
            Filter::Lt(v) => push_compare(sql, path, "<", v),
            Filter::Lte(v) => push_compare(sql, path, "<=", v),
            // json_type distinguishes an explicit null ('null') from a missing field (NULL).
            Filter::Exists(true) => {
                sql.push(&format!("{} IS NOT NULL", json_type(path)));
            }
            Filter::Exists(false) => {
                sql.push(&format!("{} IS NULL", json_type(path)));
            }
        }
    }
}

/// The JSON types a scalar operand matches (MongoDB's type brackets) and its
/// bound form; `None` for null, which matches null and missing values instead.
fn bracket(value: &Value) -> Option<(&'static str, Arg)> {
    match value {
        Value::Bool(b) => Some(("'true', 'false'", Arg::Int(i64::from(*b)))),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(("'integer', 'real'", Arg::Int(i))),
            None => Some(("'integer', 'real'", Arg::Real(n.as_f64().unwrap_or(f64::NAN)))),
        },
        Value::String(s) => Some(("'text'", Arg::Text(s.clone()))),
        // Null, and arrays/objects (rejected by validation).
        _ => None,
    }
}

/// `path <op> value`, true only when the stored value is of the operand's type class,
/// mirroring MongoDB's type bracketing (SQLite would otherwise rank every string above
/// every number, and read booleans as the integers 0/1). A null operand (only reachable
/// through `=`) matches null and missing values.
fn push_compare(sql: &mut Sql, path: &str, op: &str, value: &Value) {
    match (value, bracket(value)) {
        (Value::Null, _) => {
            sql.push(&format!("{} IS NULL", extract(path)));
        }
        (_, Some((types, arg))) => {
            sql.push(&format!("({} {op} ", extract(path)))
                .bind(arg)
                .push(&format!(" AND {} IN ({types}))", json_type(path)));
        }
        // Rejected by validation; matching nothing is the safe reading.
        (_, None) => {
            sql.push("0");
        }
    }
}

/// `path IN (values)`: one `IN` list per type class, so that the common case
/// (all operands of one type) is a single indexable `IN`.
fn push_in(sql: &mut Sql, path: &str, values: &[Value]) {
    let mut classes: Vec<(&'static str, Vec<Arg>)> = Vec::new();
    let mut null = false;
    for value in values {
        match bracket(value) {
            Some((types, arg)) => match classes.iter_mut().find(|(t, _)| *t == types) {
                Some((_, args)) => args.push(arg),
                None => classes.push((types, vec![arg])),
            },
            None => null |= value.is_null(),
        }
    }
    let branches = classes.len() + usize::from(null);
    if branches == 0 {
        sql.push("0");
        return;
    }
    if branches > 1 {
        sql.push("(");
    }
    for (i, (types, args)) in classes.into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(&format!("({} IN (", extract(path)));
        for (j, arg) in args.into_iter().enumerate() {
            if j > 0 {
                sql.push(", ");
            }
            sql.bind(arg);
        }
        sql.push(&format!(") AND {} IN ({types}))", json_type(path)));
    }
    if null {
        if branches > 1 {
            sql.push(" OR ");
        }
        sql.push(&format!("{} IS NULL", extract(path)));
    }
    if branches > 1 {
        sql.push(")");
    }
}

/// Keyset condition "sorts strictly after the cursor" (see the MongoDB twin): NULL sorts
/// first ascending and last descending, in SQLite as in MongoDB.
fn push_after(sql: &mut Sql, sort: &[(String, Order)], cursor: &Cursor) {
    sql.push("(");
    for (i, ((path, order), value)) in sort.iter().zip(&cursor.values).enumerate() {
        if *order == Order::Desc && value.is_null() {
            continue; // nothing sorts after null descending
        }
        push_equal_prefix(sql, sort, cursor, i);
        match order {
            Order::Asc if value.is_null() => {
                sql.push(&format!("{} IS NOT NULL", extract(path)));
            }
            Order::Asc => push_compare(sql, path, ">", value),
            Order::Desc => {
                sql.push("(");
                push_compare(sql, path, "<", value);
                sql.push(&format!(" OR {} IS NULL)", extract(path)));
            }
        }
        sql.push(") OR ");
    }
    push_equal_prefix(sql, sort, cursor, sort.len());
    sql.push("id > ").bind(Arg::Text(cursor.id.clone())).push("))");
}

/// Opens a branch "(k0 = v0 AND ... AND k(n-1) = v(n-1) AND " for the first `n` sort keys.
fn push_equal_prefix(sql: &mut Sql, sort: &[(String, Order)], cursor: &Cursor, n: usize) {
    sql.push("(");
    for ((path, _), value) in sort.iter().zip(&cursor.values).take(n) {
        push_compare(sql, path, "=", value);
        sql.push(" AND ");
    }
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
    use serde_json::json;

    #[test]
    fn keyset_sql_shape() {
        let mut sql = Sql::new("");
        let sort = vec![("a".to_string(), Order::Asc), ("b".to_string(), Order::Desc)];
        let cursor = Cursor { values: vec![json!(1), json!(null)], id: "x".into() };
        push_after(&mut sql, &sort, &cursor);
        assert_eq!(
            sql.text,
            "(((json_extract(body, '$.a') > ? AND json_type(body, '$.a') IN ('integer', 'real'))) OR \
             ((json_extract(body, '$.a') = ? AND json_type(body, '$.a') IN ('integer', 'real')) AND \
             json_extract(body, '$.b') IS NULL AND id > ?))"
        );
        assert_eq!(sql.args.len(), 3);
    }

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
