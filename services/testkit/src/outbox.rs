//! Waiting for a relational service's outbox to deliver.

use std::time::{Duration, Instant};

use hms_kit::outbox::Relay;

/// Admin actions in the outbox neither delivered nor given up.
pub async fn undelivered_admin_actions(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM hms_outbox WHERE topic = 'admin.action' AND delivered_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Runs `relay` (a fresh start's, on the database at `database_url`) until
/// no admin action is left to deliver, then stops it; fails after 15 s.
pub async fn relay_until_drained(relay: Relay, database_url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let running = tokio::spawn(relay.run(std::future::pending()));
    let started = Instant::now();
    while undelivered_admin_actions(&pool).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(15), "the admin actions were never delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.abort();
}
