//! Transient write failures (a deadlock, a lock wait timeout, a busy SQLite
//! database) and a bounded retry of the whole transaction after one.

use std::future::Future;
use std::time::Duration;

/// MariaDB/MySQL `ER_LOCK_DEADLOCK`: the server rolled the transaction back.
const MYSQL_DEADLOCK: u16 = 1213;
/// MariaDB/MySQL `ER_LOCK_WAIT_TIMEOUT`: the statement waited too long for a
/// lock (the transaction is dropped and rolled back before a rerun).
const MYSQL_LOCK_WAIT_TIMEOUT: u16 = 1205;

/// How many times a transaction is run before its transient error stands.
pub const TRANSIENT_ATTEMPTS: u32 = 6;

/// An error after which the same transaction, run again from its start, may
/// well succeed: it lost a lock conflict rather than met a real problem.
pub trait Transient {
    fn is_transient(&self) -> bool;
}

impl Transient for sqlx::Error {
    fn is_transient(&self) -> bool {
        let Some(e) = self.as_database_error() else { return false };
        if let Some(mysql) = e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return matches!(mysql.number(), MYSQL_DEADLOCK | MYSQL_LOCK_WAIT_TIMEOUT);
        }
        // SQLite: SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT, past the busy timeout.
        matches!(e.code().as_deref(), Some("5" | "517")) || e.message().contains("database is locked")
    }
}

/// Runs `attempt` (a whole transaction, which rolls back when dropped) until
/// it succeeds, fails for good, or has failed transiently
/// [`TRANSIENT_ATTEMPTS`] times; then its last error stands.
pub async fn retry_transient<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: Transient,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(e) if e.is_transient() && tries < TRANSIENT_ATTEMPTS => {
                tokio::time::sleep(pause(tries)).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

/// A pause that grows with the tries and is spread at random, so that the
/// transactions that collided do not meet again at the same moment.
fn pause(tries: u32) -> Duration {
    let spread = u64::from(uuid::Uuid::now_v7().as_bytes()[15]) % 8;
    Duration::from_millis(u64::from(tries) * 4 + spread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Fake(bool);

    impl Transient for Fake {
        fn is_transient(&self) -> bool {
            self.0
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_a_bounded_number_of_times() {
        let runs = AtomicU32::new(0);
        let always = retry_transient(|| async {
            runs.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Fake(true))
        })
        .await;
        assert!(always.is_err());
        assert_eq!(runs.swap(0, Ordering::SeqCst), TRANSIENT_ATTEMPTS);

        let second = retry_transient(|| async {
            match runs.fetch_add(1, Ordering::SeqCst) {
                0 => Err(Fake(true)),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(second.unwrap(), 1);

        runs.store(0, Ordering::SeqCst);
        let lasting = retry_transient(|| async {
            runs.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Fake(false))
        })
        .await;
        assert!(lasting.is_err());
        assert_eq!(runs.load(Ordering::SeqCst), 1, "a lasting error is not retried");
    }

    /// The errors MariaDB really answers: a deadlock between two transactions
    /// and a lock wait timeout are transient; a duplicate key is not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mariadb_deadlocks_and_lock_timeouts_are_transient() {
        use sqlx::Executor;
        let Some(db) = crate::testing::database(crate::testing::Relational::MySql).await else { return };
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        pool.execute("CREATE TABLE locks (id INT PRIMARY KEY, n INT) ENGINE = InnoDB").await.unwrap();
        pool.execute("INSERT INTO locks VALUES (1, 0), (2, 0)").await.unwrap();

        let duplicate = pool.execute("INSERT INTO locks VALUES (1, 0)").await.unwrap_err();
        assert!(!duplicate.is_transient(), "{duplicate:?}");

        // Each takes one row, then wants the other's: one of them is the deadlock victim.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let cross = |first: i32, second: i32| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                sqlx::query("UPDATE locks SET n = n + 1 WHERE id = ?").bind(first).execute(&mut *tx).await?;
                barrier.wait().await;
                sqlx::query("UPDATE locks SET n = n + 1 WHERE id = ?").bind(second).execute(&mut *tx).await?;
                tx.commit().await
            })
        };
        let (a, b) = (cross(1, 2), cross(2, 1));
        let errors: Vec<sqlx::Error> =
            [a.await.unwrap(), b.await.unwrap()].into_iter().filter_map(Result::err).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].is_transient(), "{:?}", errors[0]);

        let mut holder = pool.begin().await.unwrap();
        sqlx::query("UPDATE locks SET n = 0 WHERE id = 1").execute(&mut *holder).await.unwrap();
        let mut waiter = pool.acquire().await.unwrap();
        waiter.execute("SET SESSION innodb_lock_wait_timeout = 1").await.unwrap();
        let timeout = waiter.execute("UPDATE locks SET n = 5 WHERE id = 1").await.unwrap_err();
        assert!(timeout.is_transient(), "{timeout:?}");
        holder.rollback().await.unwrap();
    }

    /// Issue 22: two writes that deadlock on MariaDB both succeed when each
    /// runs through [`retry_transient`]: the victim is run again once the
    /// winner committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_mariadb_deadlock_run_through_the_retry_ends_in_two_commits() {
        use sqlx::Executor;
        let Some(db) = crate::testing::database(crate::testing::Relational::MySql).await else { return };
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        pool.execute("CREATE TABLE locks (id INT PRIMARY KEY, n INT) ENGINE = InnoDB").await.unwrap();
        pool.execute("INSERT INTO locks VALUES (1, 0), (2, 0)").await.unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let runs = std::sync::Arc::new(AtomicU32::new(0));
        let cross = |first: i32, second: i32| {
            let (pool, barrier, runs) = (pool.clone(), barrier.clone(), runs.clone());
            tokio::spawn(async move {
                let met = std::sync::atomic::AtomicBool::new(false);
                retry_transient(|| async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    let mut tx = pool.begin().await?;
                    sqlx::query("UPDATE locks SET n = n + 1 WHERE id = ?").bind(first).execute(&mut *tx).await?;
                    // Only the first run of each meets the other: a rerun must not wait for it.
                    if !met.swap(true, Ordering::SeqCst) {
                        barrier.wait().await;
                    }
                    sqlx::query("UPDATE locks SET n = n + 1 WHERE id = ?").bind(second).execute(&mut *tx).await?;
                    tx.commit().await
                })
                .await
            })
        };
        let (a, b) = (cross(1, 2), cross(2, 1));
        a.await.unwrap().unwrap();
        b.await.unwrap().unwrap();
        assert!(runs.load(Ordering::SeqCst) >= 3, "one of them was the deadlock victim and ran again");
        let counts: Vec<i64> =
            sqlx::query_scalar("SELECT CAST(n AS SIGNED) FROM locks ORDER BY id").fetch_all(&pool).await.unwrap();
        assert_eq!(counts, [2, 2]);
    }
}
