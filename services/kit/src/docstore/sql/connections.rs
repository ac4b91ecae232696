//! The SQLite connections behind the document store, and where statements
//! run: on the calling task's thread. A point read or a write here takes tens
//! of microseconds; handing each to a connection's own thread and back, as
//! sqlx's SQLite driver does, cost more than that in thread switches
//! (docs/benchmarks.md#pharmacy-dispensing).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex as AsyncMutex, Semaphore};
use tokio_util::task::AbortOnDropHandle;

use super::backend;
use crate::docstore::DocError;
use crate::storage::{CHECKPOINT_INTERVAL, WAL_PAGES_LIMIT};

/// Read connections of a file database, beside its one writer. Reads run on
/// the runtime's worker threads, so more than there are workers never wait.
const READERS: usize = 4;

/// Statements each connection keeps prepared (the services use a few dozen shapes).
const PREPARED_PER_CONNECTION: usize = 128;

pub(super) struct Connections {
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
    /// The connections of the database at `url`, and for a file database the
    /// task that checkpoints its log (it stops when dropped).
    pub(super) fn open(url: &str) -> Result<(Connections, Option<AbortOnDropHandle<()>>), DocError> {
        let location = Location::parse(url)?;
        let writer = Arc::new(AsyncMutex::new(location.open()?));
        if let Location::Memory = location {
            return Ok((Connections { writer, readers: None }, None));
        }
        let readers = (0..READERS).map(|_| location.open().map(Mutex::new)).collect::<Result<Vec<_>, _>>()?;
        let readers = Readers { connections: readers, free: Semaphore::new(READERS) };
        let checkpointer = AbortOnDropHandle::new(tokio::spawn(checkpoint(writer.clone(), location.open()?)));
        Ok((Connections { writer, readers: Some(readers) }, Some(checkpointer)))
    }

    pub(super) async fn read<T>(&self, read: impl FnOnce(&Connection) -> Result<T, DocError>) -> Result<T, DocError> {
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

    pub(super) async fn write<T>(
        &self,
        write: impl FnOnce(&mut Connection) -> Result<T, DocError>,
    ) -> Result<T, DocError> {
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
