//! MySQL connections kept for scripts (see [`super::Db::write_script`])
//! outside sqlx's pool. sqlx 0.8 pings every connection given back to its
//! pool, a round trip per use that no option turns off; a script ends its
//! transaction with COMMIT or ROLLBACK before its connection is kept again,
//! so that connection is known to be clean and needs no test. Only scripts
//! use these connections, so they run with autocommit off and a script's
//! first statement opens its transaction: no BEGIN either.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::PING_AFTER_IDLE;

pub(super) struct KeptConnections {
    /// Where connections come from, set up as the pool sets up its own.
    pool: AnyPool,
    limit: usize,
    /// Most recently used last: the busiest connections serve again first.
    idle: Mutex<Vec<(AnyConnection, Instant)>>,
    /// Bounds the connections kept here, in use or idle.
    permits: Semaphore,
}

/// A kept connection in use: [`Kept::keep`] gives it back; dropped (by an
/// error or a caller that gave up), it is closed.
pub(super) struct Kept<'a> {
    pub connection: AnyConnection,
    home: &'a KeptConnections,
    _permit: SemaphorePermit<'a>,
}

impl KeptConnections {
    pub(super) fn new(pool: AnyPool, limit: usize) -> Self {
        Self { pool, limit, idle: Mutex::new(Vec::new()), permits: Semaphore::new(limit) }
    }

    /// Connections idle here, in use, and the most there may be.
    pub(super) fn usage(&self) -> (usize, usize, usize) {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).len();
        (idle, self.limit - self.permits.available_permits(), self.limit)
    }

    pub(super) async fn take(&self) -> Result<Kept<'_>, sqlx::Error> {
        let permit = self.permits.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        while let Some((mut connection, since)) = self.pop_idle() {
            // As the pool does: after a while idle, the server may have
            // dropped it; one used a moment ago is trusted.
            if since.elapsed() <= PING_AFTER_IDLE || connection.ping().await.is_ok() {
                return Ok(Kept { connection, home: self, _permit: permit });
            }
        }
        // Detached, it no longer counts in the pool, which may open another.
        let mut connection = self.pool.acquire().await?.detach();
        // Only scripts use it, so each statement may open their transaction:
        // no BEGIN, one round trip fewer per script (see `run_script`).
        connection.execute("SET autocommit = 0").await?;
        Ok(Kept { connection, home: self, _permit: permit })
    }

    fn pop_idle(&self) -> Option<(AnyConnection, Instant)> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }
}

impl Kept<'_> {
    /// Ends the connection's transaction with COMMIT or ROLLBACK and keeps
    /// it; dropped (so closed) if that fails.
    pub(super) async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        self.connection.execute(if commit { "COMMIT" } else { "ROLLBACK" }).await?;
        self.keep();
        Ok(())
    }

    /// Keeps the connection for the next script; only for one whose last
    /// transaction ended.
    pub(super) fn keep(self) {
        let Kept { connection, home, _permit } = self;
        home.idle.lock().unwrap_or_else(PoisonError::into_inner).push((connection, Instant::now()));
    }
}
