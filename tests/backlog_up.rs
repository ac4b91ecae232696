//! Stop means stop: `hms up` with 100,000 undelivered events in an outbox
//! exits within 3 s of SIGTERM, counts no attempt against any event, loses
//! none, and delivers the rest after the restart.

mod up;

use std::time::Duration;

use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row};

const ADMIN_PASSWORD: &str = "admin-password-for-tests";
const BACKLOG: i64 = 100_000;

struct Outbox {
    delivered: i64,
    pending: i64,
    failed: i64,
    /// Undelivered events with an attempt counted against them.
    retried: i64,
}

async fn outbox(data: &std::path::Path) -> Outbox {
    let options = SqliteConnectOptions::new().filename(data.join("user.db")).read_only(true);
    let mut db = sqlx::SqliteConnection::connect_with(&options).await.expect("open user.db");
    let row = sqlx::query(
        "SELECT COALESCE(SUM(delivered_at IS NOT NULL), 0), \
                COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL), 0), \
                COALESCE(SUM(failed_at IS NOT NULL), 0), \
                COALESCE(SUM(delivered_at IS NULL AND attempts > 0), 0) FROM hms_outbox",
    )
    .fetch_one(&mut db)
    .await
    .expect("count the outbox");
    Outbox { delivered: row.get(0), pending: row.get(1), failed: row.get(2), retried: row.get(3) }
}

/// Copies the one delivered registration event `BACKLOG` times as new,
/// undelivered events with keys of their own (a welcome email each).
async fn add_backlog(data: &std::path::Path) {
    let options = SqliteConnectOptions::new().filename(data.join("user.db"));
    let mut db = sqlx::SqliteConnection::connect_with(&options).await.expect("open user.db");
    let added = sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO hms_outbox (id, topic, event_key, payload, created_at, attempts, next_attempt_at) \
         SELECT printf('backlog-%06d', i), topic, printf('backlog-%06d', i), payload, created_at, 0, next_attempt_at \
         FROM n, (SELECT topic, payload, created_at, next_attempt_at FROM hms_outbox LIMIT 1)",
    )
    .bind(BACKLOG)
    .execute(&mut db)
    .await
    .expect("add the backlog");
    assert_eq!(i64::try_from(added.rows_affected()).unwrap(), BACKLOG);
}

async fn wait_for(data: &std::path::Path, what: &str, done: impl Fn(&Outbox) -> bool) -> Outbox {
    for _ in 0..600 {
        let now = outbox(data).await;
        if done(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_with_a_backlog_is_prompt_and_loses_nothing() {
    let data = tempfile::tempdir().unwrap();
    let (system, gateway) = up::start(data.path(), ADMIN_PASSWORD);
    let rest = up::Rest { http: reqwest::Client::new(), gateway };
    rest.login("admin", ADMIN_PASSWORD).await;
    let (status, body) = rest
        .post(
            "/api/v1/users/register",
            None,
            None,
            json!({"username": "an.nguyen", "password": "correct horse battery", "email": "an@example.com"}),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    wait_for(data.path(), "the welcome email's delivery", |o| o.delivered == 1).await;
    system.terminate();

    add_backlog(data.path()).await;
    let (system, _) = up::start(data.path(), ADMIN_PASSWORD);
    let busy = wait_for(data.path(), "progress on the backlog", |o| o.delivered > 100).await;
    assert!(busy.pending > 0, "the backlog is still being delivered when the stop comes");
    let stop = system.terminate();
    assert!(stop < Duration::from_secs(3), "hms up took {stop:?} to stop with a backlog");

    let stopped = outbox(data.path()).await;
    assert_eq!(stopped.delivered + stopped.pending, BACKLOG + 1, "nothing lost");
    assert_eq!(stopped.failed, 0);
    assert_eq!(stopped.retried, 0, "an attempt cut short by the stop is not counted");

    let (system, _) = up::start(data.path(), ADMIN_PASSWORD);
    let resumed = wait_for(data.path(), "delivery after the restart", |o| o.delivered > stopped.delivered + 100).await;
    assert_eq!(resumed.failed, 0);
    system.terminate();
}
