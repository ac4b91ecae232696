//! Relational storage: one sqlx `Any` pool over `sqlite://` (embedded) or
//! `mysql://` (production), with the service's migrations run at start-up.
//! Queries stay in the subset both dialects share; where they differ, the
//! service branches on [`Backend`] in its `store.rs`.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Transaction};
use tokio_util::task::AbortOnDropHandle;

mod error;
mod group_commit;
mod kept;
mod transient;

pub use error::StoreError;
pub use transient::{TRANSIENT_ATTEMPTS, Transient, retry_transient};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

/// A service's migrations, one directory per dialect.
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub mysql: &'static Migrator,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where transactions that write run; see [`Db::begin_write`].
    pub writer: AnyPool,
    /// SQLite's background checkpointer, stopped with the last clone.
    _checkpointer: Option<Arc<AbortOnDropHandle<()>>>,
    /// Where [`Db::write_script`] runs scripts.
    scripts: Scripts,
    /// Rung after a commit that wrote outbox events: wakes this process's
    /// relay at once instead of at its next poll.
    outbox_written: Arc<tokio::sync::Notify>,
}

#[derive(Clone)]
enum Scripts {
    /// SQLite's group-commit writer.
    GroupCommit(tokio::sync::mpsc::Sender<group_commit::Job>),
    /// MySQL's connections kept for scripts.
    Kept(Arc<kept::KeptConnections>),
}

impl Db {
    /// Connects, creating a SQLite file (and its directory) when missing, and
    /// runs the migrations.
    pub async fn connect(url: &str, migrations: &Migrations) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
            Backend::MySql
        } else {
            anyhow::bail!("unsupported database URL scheme (expected sqlite:// or mysql://)");
        };
        let (url, max_connections) = take_max_connections(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(&url)?,
            Backend::MySql => url.replacen("mariadb:", "mysql:", 1),
        };
        let options = AnyConnectOptions::from_str(&url)?.log_statements(tracing::log::LevelFilter::Trace);
        let pool_options = || {
            AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(5))
                // A MySQL connection that was idle for a while is pinged
                // before use, and replaced if the server dropped it; one that
                // served a query a moment ago is not (a ping on every acquire
                // was one more round trip per query). An embedded SQLite
                // connection cannot go away.
                .test_before_acquire(false)
                .before_acquire(move |conn, meta| {
                    Box::pin(async move {
                        if backend == Backend::MySql && meta.idle_for > PING_AFTER_IDLE {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Checkpoints run in the background (see
                        // `checkpoint_wal`), not inside whichever commit
                        // happens to cross the threshold. Savepoints'
                        // copies of pages (group commit) stay in memory
                        // instead of spilling to a file past 64 KiB.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;").await?;
                    } else {
                        conn.execute("SET time_zone = '+00:00'").await?;
                    }
                    Ok(())
                })
            })
        };
        let max_connections = max_connections.unwrap_or(if backend == Backend::Sqlite { 8 } else { 16 });
        let pool = pool_options()
            .max_connections(max_connections)
            .connect_with(options.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
        // SQLite has a single writer. Writers that collide inside SQLite wait
        // in its busy handler, which sleeps in steps of up to 100 ms; one
        // connection of their own makes them queue here instead, in order,
        // and never behind readers.
        let writer = match backend {
            Backend::Sqlite => pool_options()
                .max_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?,
            Backend::MySql => pool.clone(),
        };
        let migrator = match backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::MySql => migrations.mysql,
        };
        migrator.run(&pool).await?;
        let checkpointer = (backend == Backend::Sqlite)
            .then(|| Arc::new(AbortOnDropHandle::new(tokio::spawn(checkpoint_wal(pool.clone())))));
        let scripts = match backend {
            Backend::Sqlite => Scripts::GroupCommit(group_commit::start(writer.clone())),
            Backend::MySql => {
                Scripts::Kept(Arc::new(kept::KeptConnections::new(pool.clone(), max_connections as usize)))
            }
        };
        let outbox_written = Arc::new(tokio::sync::Notify::new());
        Ok(Self { pool, backend, writer, _checkpointer: checkpointer, scripts, outbox_written })
    }

    /// Tells the relay that a commit wrote outbox events. A relay that is
    /// busy finds them anyway; one that sleeps wakes (the permit is kept
    /// until it next waits, so a wake between its claim and its sleep is not
    /// lost).
    pub fn outbox_written(&self) {
        self.outbox_written.notify_one();
    }

    /// Resolves at the next [`Db::outbox_written`] (or at once, when one
    /// came while nobody waited).
    pub async fn outbox_wake(&self) {
        self.outbox_written.notified().await;
    }

    /// A transaction that will write: on SQLite, on the one writer connection.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        self.writer.begin().await
    }

    /// Runs `statements` in order as a transaction of their own and keeps it
    /// only if each affects the rows it expects (see
    /// [`Statement::expecting`]): `Ok(true)` when committed, `Ok(false)` when
    /// a count differed and nothing stayed. A failure says which statement
    /// failed. On SQLite, scripts that arrive while the writer is busy share
    /// its next commit (see `group_commit`); on MySQL they run on connections
    /// kept for them, which sqlx does not ping after each use (see `kept`).
    pub async fn write_script(&self, statements: Arc<[Statement<'static>]>) -> Result<bool, ScriptError> {
        let kept = match &self.scripts {
            Scripts::GroupCommit(writer) => return group_commit::submit(writer, statements).await,
            Scripts::Kept(kept) => kept,
        };
        let mut kept = kept.take().await.map_err(|error| ScriptError { at: None, error })?;
        let outcome = run_script(&mut kept.connection, &statements).await;
        match kept.end(matches!(outcome, Ok(true))).await {
            Ok(()) => outcome,
            // A failed statement's error says more than the rollback's.
            Err(error) => outcome.and(Err(ScriptError { at: None, error })),
        }
    }

    /// A MySQL connection kept for scripts, for work that must read between
    /// its statements: autocommit is off there, so the first statement opens
    /// a transaction, which [`KeptConnection::end`] ends. None on SQLite,
    /// whose writes go through [`Db::write_script`] or [`Db::begin_write`].
    pub async fn kept_connection(&self) -> Option<Result<KeptConnection<'_>, sqlx::Error>> {
        match &self.scripts {
            Scripts::Kept(kept) => Some(kept.take().await.map(KeptConnection)),
            Scripts::GroupCommit(_) => None,
        }
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::server::StoreProbe for Db {
    async fn ping(&self) -> anyhow::Result<()> {
        Db::ping(self).await
    }

    async fn stats(&self) -> crate::metrics::StoreStats {
        let size = i64::from(self.pool.size());
        let idle = i64::try_from(self.pool.num_idle()).unwrap_or(i64::MAX);
        // Connections kept for scripts are the service's too (see `kept`).
        let (kept_idle, kept_in_use, kept_max) = match &self.scripts {
            Scripts::Kept(kept) => kept.usage(),
            Scripts::GroupCommit(_) => (0, 0, 0),
        };
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let pool = crate::metrics::PoolStats {
            idle: idle + count(kept_idle),
            in_use: (size - idle).max(0) + count(kept_in_use),
            max: i64::from(self.pool.options().get_max_connections()) + count(kept_max),
        };
        // Services without an outbox have no table: no outbox figures then.
        let outbox = sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT COUNT(*), MIN(created_at) FROM hms_outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .ok()
        .map(|(backlog, oldest)| crate::metrics::OutboxStats {
            backlog,
            oldest_age_secs: oldest.map_or(0.0, |at| (crate::time::now_micros() - at).max(0) as f64 / 1e6),
        });
        crate::metrics::StoreStats { pool: Some(pool), outbox }
    }
}

/// A connection from [`Db::kept_connection`]; dropped without
/// [`KeptConnection::end`], it is closed, and its open transaction with it.
pub struct KeptConnection<'a>(kept::Kept<'a>);

impl KeptConnection<'_> {
    pub fn connection(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.0.connection
    }

    /// Commits (or rolls back) its transaction and keeps the connection for
    /// the next user; closes it if that fails.
    pub async fn end(self, commit: bool) -> Result<(), sqlx::Error> {
        self.0.end(commit).await
    }
}

/// A value bound to a [`Statement`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Blob(Cow<'a, [u8]>),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Value<'_> {
    fn from(text: String) -> Self {
        Value::Text(Cow::Owned(text))
    }
}

impl From<i64> for Value<'_> {
    fn from(int: i64) -> Self {
        Value::Int(int)
    }
}

impl Value<'_> {
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Text(text) => Value::Text(Cow::Owned(text.into_owned())),
            Value::Int(int) => Value::Int(int),
            Value::Blob(blob) => Value::Blob(Cow::Owned(blob.into_owned())),
        }
    }
}

impl From<Vec<u8>> for Value<'_> {
    fn from(blob: Vec<u8>) -> Self {
        Value::Blob(Cow::Owned(blob))
    }
}

/// A statement with its arguments, built before it runs so that several can
/// reach the database together (see [`execute_script`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement<'a> {
    pub sql: String,
    pub args: Vec<Value<'a>>,
    /// The rows it must affect for [`Db::write_script`] to keep its script;
    /// `None` takes any count (an INSERT of VALUES inserts them all or fails).
    pub expected_rows: Option<u64>,
}

impl<'a> Statement<'a> {
    /// `sql` with one placeholder per argument, in order.
    pub fn new(sql: String, args: Vec<Value<'a>>) -> Self {
        Self { sql, args, expected_rows: None }
    }

    /// The statement, whose script [`Db::write_script`] keeps only if it
    /// affects exactly `rows` rows.
    pub fn expecting(self, rows: u64) -> Self {
        Self { expected_rows: Some(rows), ..self }
    }

    fn affected_as_expected(&self, rows: u64) -> bool {
        self.expected_rows.is_none_or(|expected| expected == rows)
    }

    pub fn into_owned(self) -> Statement<'static> {
        Statement {
            sql: self.sql,
            args: self.args.into_iter().map(Value::into_owned).collect(),
            expected_rows: self.expected_rows,
        }
    }

    pub async fn execute(&self, conn: &mut sqlx::AnyConnection) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        Self::query(&self.sql, &self.args).execute(conn).await
    }

    pub async fn fetch_all(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        Self::query(&self.sql, &self.args).fetch_all(conn).await
    }

    fn query<'q, 'v: 'q>(
        sql: &'q str,
        args: impl IntoIterator<Item = &'q Value<'v>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(sql);
        for arg in args {
            query = match arg {
                Value::Text(text) => query.bind(text.as_ref()),
                Value::Int(int) => query.bind(*int),
                Value::Blob(blob) => query.bind(blob.as_ref()),
            };
        }
        query
    }
}

/// Runs `statements` in order on a kept MySQL `connection` (see
/// [`Db::write_script`]), where autocommit is off, so the first statement
/// opens their transaction; stops at the first that fails or affects other
/// rows than it expects (`Ok(false)`). The caller ends the transaction.
async fn run_script(connection: &mut sqlx::AnyConnection, statements: &[Statement<'_>]) -> Result<bool, ScriptError> {
    for (at, statement) in statements.iter().enumerate() {
        match statement.execute(connection).await {
            Ok(done) if statement.affected_as_expected(done.rows_affected()) => {}
            Ok(_) => return Ok(false),
            Err(error) => return Err(ScriptError { at: Some(at), error }),
        }
    }
    Ok(true)
}

/// SQLite: `head` (statements without arguments) and `statements` as one
/// multi-statement query, one trip to the connection's thread. Returns the
/// rows each finished statement affected, counted one by one (SQLite repeats
/// the last change count for statements that change nothing, so a total would
/// be wrong), and the error that stopped the rest; their number tells which
/// statement failed.
pub(super) async fn run_in_one_trip(
    conn: &mut sqlx::AnyConnection,
    head: Option<&str>,
    statements: &[Statement<'_>],
) -> (Vec<u64>, Option<sqlx::Error>) {
    let sql = head.into_iter().chain(statements.iter().map(|s| s.sql.as_str())).collect::<Vec<_>>().join(";\n");
    let mut results = conn.fetch_many(Statement::query(&sql, statements.iter().flat_map(|s| &s.args)));
    let mut rows = Vec::with_capacity(statements.len() + 2);
    loop {
        match results.try_next().await {
            Ok(Some(sqlx::Either::Left(done))) => rows.push(done.rows_affected()),
            Ok(Some(sqlx::Either::Right(_))) => {}
            Ok(None) => return (rows, None),
            Err(error) => return (rows, Some(error)),
        }
    }
}

/// Why a script stopped; nothing it wrote stands once the caller's
/// transaction rolls back.
#[derive(Debug)]
pub struct ScriptError {
    /// The statement that failed; None when the transaction around the
    /// statements did (BEGIN, COMMIT, a lost connection).
    pub at: Option<usize>,
    pub error: sqlx::Error,
}

/// Runs `statements` in order inside the caller's transaction and returns
/// the rows they affected in all.
///
/// On SQLite they go as one multi-statement query: one trip to the
/// connection's thread instead of one per statement, which matters most for
/// SQLite's single writer, held across every trip. A MySQL prepared statement
/// holds one statement, so there they run one by one.
pub async fn execute_script(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    statements: &[Statement<'_>],
) -> Result<u64, ScriptError> {
    match backend {
        Backend::Sqlite => match run_in_one_trip(conn, None, statements).await {
            (rows, None) => Ok(rows.iter().sum()),
            (rows, Some(error)) => Err(ScriptError { at: Some(rows.len()), error }),
        },
        Backend::MySql => {
            let mut rows = 0;
            for (at, s) in statements.iter().enumerate() {
                let done = s.execute(conn).await;
                rows += done.map_err(|error| ScriptError { at: Some(at), error })?.rows_affected();
            }
            Ok(rows)
        }
    }
}

/// How long a pooled MySQL connection may sit idle before it is pinged on
/// its next use (HikariCP skips its check for 500 ms in the same way).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How often SQLite's write-ahead log is copied back into the database.
pub(crate) const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(500);

/// A log this long (in 4 KiB pages) is checkpointed even if writers must wait.
pub(crate) const WAL_PAGES_LIMIT: i64 = 8192;

/// Copies SQLite's write-ahead log into the database file every `interval`.
///
/// SQLite would otherwise checkpoint inside the commit that crosses its
/// threshold, and that commit (with every writer queued behind it) would wait
/// for the copy and two fsyncs: about 12 ms every few dozen bookings. A
/// passive checkpoint on a reader connection runs beside the writer instead.
/// Passive checkpoints never block, so under unbroken writing the log could
/// outgrow its last restart point; past [`WAL_PAGES_LIMIT`] a restarting
/// checkpoint, which briefly holds writers back, starts it over.
pub(crate) async fn checkpoint_wal<DB>(pool: sqlx::Pool<DB>)
where
    DB: sqlx::Database,
    for<'c> &'c sqlx::Pool<DB>: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    (i64, i64, i64): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    loop {
        tokio::time::sleep(CHECKPOINT_INTERVAL).await;
        let passive = sqlx::query_as::<DB, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await;
        let result = match passive {
            Ok((_, log_pages, _)) if log_pages > WAL_PAGES_LIMIT => {
                sqlx::query_as::<DB, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)").fetch_one(&pool).await
            }
            other => other,
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
        }
    }
}

/// Adds `mode=rwc` and, for a file database SQLite may create, creates its
/// directory (0700) and the file itself (0600) before SQLite opens it:
/// SQLite creates files 0644 less the umask, but gives its -wal and -shm
/// files the database file's mode. Files an older version left wider are
/// narrowed.
pub(crate) fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    if path != ":memory:" && !path.is_empty() && query.contains("mode=rwc") {
        let file = std::path::Path::new(path);
        if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            crate::files::create_private_dir_all(dir)?;
        }
        crate::files::ensure_private_file(file)?;
        for log in ["-wal", "-shm"] {
            let mut name = file.as_os_str().to_owned();
            name.push(log);
            crate::files::restrict_to_owner(std::path::Path::new(&name))?;
        }
    }
    Ok(format!("sqlite://{path}?{query}"))
}

/// Takes `max_connections=N` out of a database URL's query: the size of the
/// service's pool (of readers, on SQLite, beside its one writer), which sqlx
/// does not know (its SQLite driver refuses unknown parameters). A small
/// database server serves more with fewer connections (on the 2-core
/// development machine 6–8 did 7 % more bookings than 16), and every replica
/// of every service holds a pool of its own.
fn take_max_connections(url: &str) -> anyhow::Result<(String, Option<u32>)> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_owned(), None)) };
    let mut max_connections = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.strip_prefix("max_connections=") {
            Some(n) => {
                let n: u32 = n.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                    anyhow::anyhow!("max_connections in the database URL must be a number from 1 to 1000")
                })?;
                max_connections = Some(n);
            }
            None => rest.push(pair),
        }
    }
    let url = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
    Ok((url, max_connections))
}

/// Positional placeholders: `?` on both dialects, kept in one place should a
/// third need `$1`.
pub fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Waits until the database file at `path` holds `bytes`: the log was
/// checkpointed into it (by the background task, when commits do not).
#[cfg(test)]
pub(crate) async fn wait_for_checkpoint(path: &std::path::Path, bytes: u64) {
    let file_size = || std::fs::metadata(path).unwrap().len();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while file_size() < bytes {
        assert!(std::time::Instant::now() < deadline, "no checkpoint in 10 s: the file has {} bytes", file_size());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests;
