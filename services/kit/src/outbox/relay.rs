//! The relay: claims due events in batches, delivers them concurrently, and
//! records the outcome, until stopped.
//!
//! - **Claim.** One UPDATE leases up to `batch_size` due events to this relay
//!   (the lease condition is re-checked by the UPDATE itself, so with several
//!   relays on one database an event is held by one at a time); one SELECT
//!   reads them back.
//! - **Order per key.** Events with the same key (an appointment, an invoice)
//!   are delivered in the order they were written: an event is not claimed
//!   while an earlier one of its key waits for a retry or is held by another
//!   relay, and a claimed one whose earlier event is outside the batch (two
//!   relays racing on MySQL) is released unattempted. Within a batch, each
//!   key's events go one after the other, different keys together: the sink
//!   gets each round (the next event of every key) as one batch, which a
//!   receiver with a batch call answers in one call.
//! - **Record.** The delivered events are marked in one statement; failures
//!   one by one, with backoff; one log line per batch, not per event.
//! - **Stop.** Stop is looked at between batches and while one is in flight:
//!   the batch in hand is released without counting an attempt (an attempt
//!   cut short by shutdown is not the receiver's failure), and the relay ends.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sqlx::Row;

use super::{DeliveryError, OutboxEvent, Sink};
use crate::storage::{Backend, Db, retry_transient};
use crate::time::{duration_micros, now_micros};

/// The due events a claim takes, oldest first: none held by a lease, none
/// with an earlier event of its key waiting for a retry or held elsewhere.
/// (Bound: next attempt, lease, the two of the earlier event, limit.)
const DUE: &str = "WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= ? \
    AND (o.lease_until IS NULL OR o.lease_until < ?) \
    AND NOT EXISTS (SELECT 1 FROM hms_outbox e WHERE o.event_key <> '' AND e.event_key = o.event_key \
        AND e.id < o.id AND e.delivered_at IS NULL AND e.failed_at IS NULL \
        AND (e.next_attempt_at > ? OR e.lease_until >= ?)) \
    ORDER BY o.id LIMIT ?";

/// Re-checked by the UPDATE on the rows it locks: another relay may have
/// taken one since the batch was chosen. (Bound: the lease.)
const STILL_FREE: &str = "delivered_at IS NULL AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < ?)";

static CLAIM_SQLITE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE hms_outbox SET lease_owner = ?, lease_until = ? \
         WHERE id IN (SELECT o.id FROM hms_outbox o {DUE}) AND {STILL_FREE}"
    )
});

/// MariaDB runs `id IN (subquery)` of a single-table UPDATE once per row of
/// the table (1 s a claim with 26,000 pending); joined, the batch is found
/// first, through `hms_outbox_pending` so delivered history is not walked,
/// and its rows are updated by primary key.
static CLAIM_MYSQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE hms_outbox JOIN (SELECT o.id FROM hms_outbox o FORCE INDEX (hms_outbox_pending) {DUE}) AS due \
         ON hms_outbox.id = due.id SET lease_owner = ?, lease_until = ? WHERE {STILL_FREE}"
    )
});

/// The events a claim leased, read back by their lease (index `hms_outbox_lease`).
const CLAIMED_BATCH: &str = "SELECT id, topic, event_key, payload, attempts FROM hms_outbox WHERE lease_owner = ? AND lease_until = ? ORDER BY id";

#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub batch_size: i64,
    /// For a sink without a batch call: how many events of a round (each
    /// of another key) are delivered at once.
    pub concurrency: usize,
    /// How long a claim holds; a relay that dies releases its events after
    /// this. Short, because later events of the same keys wait for it.
    pub lease: Duration,
    pub poll_interval: Duration,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// After this many failed attempts an event is parked as failed.
    pub max_attempts: i64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 128,
            concurrency: 16,
            lease: Duration::from_secs(15),
            poll_interval: Duration::from_millis(500),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            max_attempts: 20,
        }
    }
}

/// Delivers due events until stopped.
pub struct Relay {
    db: Db,
    sink: Arc<dyn Sink>,
    config: RelayConfig,
    owner: String,
}

/// One claimed batch: the lease that marks its rows, and its events in order.
struct Batch {
    lease_until: i64,
    events: Vec<OutboxEvent>,
}

/// What became of each event of a batch.
#[derive(Default)]
struct Outcomes {
    delivered: Vec<String>,
    failed: Vec<(OutboxEvent, DeliveryError)>,
    /// Behind a failed event of their key: they wait for it, unattempted.
    held_back: Vec<String>,
}

impl Relay {
    pub fn new(db: Db, sink: Arc<dyn Sink>, config: RelayConfig) -> Self {
        Self { db, sink, config, owner: uuid::Uuid::now_v7().to_string() }
    }

    /// Runs until `stop` resolves; a failing store is logged and retried.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut store_failing = false;
        loop {
            let claimed = tokio::select! {
                biased;
                () = &mut stop => return,
                claimed = self.claim() => claimed,
            };
            let handled = match claimed {
                Ok(batch) if batch.events.is_empty() => 0,
                Ok(batch) => {
                    let count = batch.events.len();
                    let done = tokio::select! {
                        biased;
                        () = &mut stop => {
                            self.release_all(&batch).await;
                            return;
                        }
                        done = self.deliver_and_record(&batch) => done,
                    };
                    match done {
                        Ok(()) => count,
                        Err(e) => {
                            tracing::warn!(error = %e, "recording outbox deliveries failed");
                            0
                        }
                    }
                }
                Err(e) => {
                    if !store_failing {
                        tracing::warn!(error = %e, "the outbox relay cannot read its store");
                    }
                    store_failing = true;
                    0
                }
            };
            if handled > 0 && store_failing {
                tracing::info!("the outbox relay reads its store again");
                store_failing = false;
            }
            if handled == 0 {
                tokio::select! {
                    () = &mut stop => return,
                    () = self.db.outbox_wake() => {}
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                }
            }
        }
    }

    /// Claims and delivers one batch; returns how many events were handled.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let batch = self.claim().await?;
        self.deliver_and_record(&batch).await?;
        Ok(batch.events.len())
    }

    async fn claim(&self) -> anyhow::Result<Batch> {
        let now = now_micros();
        let lease_until = now + duration_micros(self.config.lease);
        let claimed = match self.db.backend {
            Backend::Sqlite => {
                sqlx::query(&CLAIM_SQLITE)
                    .bind(&self.owner)
                    .bind(lease_until)
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .bind(self.config.batch_size)
                    .bind(now)
                    .execute(&self.db.writer)
                    .await?
            }
            Backend::MySql => {
                sqlx::query(&CLAIM_MYSQL)
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .bind(self.config.batch_size)
                    .bind(&self.owner)
                    .bind(lease_until)
                    .bind(now)
                    .execute(&self.db.writer)
                    .await?
            }
        };
        if claimed.rows_affected() == 0 {
            return Ok(Batch { lease_until, events: Vec::new() });
        }
        // Two relays racing on MySQL may each take events of one key: keep
        // only those with no earlier pending event outside this batch.
        let behind: Vec<String> = sqlx::query_scalar(
            "SELECT o.id FROM hms_outbox o WHERE o.lease_owner = ? AND o.lease_until = ? AND o.event_key <> '' \
             AND EXISTS (SELECT 1 FROM hms_outbox e WHERE e.event_key = o.event_key AND e.id < o.id \
                 AND e.delivered_at IS NULL AND e.failed_at IS NULL \
                 AND (e.lease_owner IS NULL OR e.lease_owner <> ? OR e.lease_until <> ?))",
        )
        .bind(&self.owner)
        .bind(lease_until)
        .bind(&self.owner)
        .bind(lease_until)
        .fetch_all(&self.db.pool)
        .await?;
        self.release(&behind).await?;
        let rows = sqlx::query(CLAIMED_BATCH).bind(&self.owner).bind(lease_until).fetch_all(&self.db.pool).await?;
        let events = rows
            .into_iter()
            .map(|row| {
                Ok(OutboxEvent {
                    id: row.try_get(0)?,
                    topic: row.try_get(1)?,
                    key: row.try_get(2)?,
                    payload: row.try_get(3)?,
                    attempts: row.try_get(4)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Batch { lease_until, events })
    }

    /// Delivers each key's events in order, different keys together: in
    /// rounds, each round the next event of every key whose events so far
    /// were delivered, handed to the sink as one batch.
    async fn deliver(&self, batch: &Batch) -> Outcomes {
        let mut by_key: BTreeMap<&str, VecDeque<&OutboxEvent>> = BTreeMap::new();
        let mut unkeyed = Vec::new();
        for event in &batch.events {
            match event.key.as_str() {
                "" => unkeyed.push(VecDeque::from([event])),
                key => by_key.entry(key).or_default().push_back(event),
            }
        }
        let mut queues: Vec<VecDeque<&OutboxEvent>> = by_key.into_values().chain(unkeyed).collect();
        let mut outcomes = Outcomes::default();
        loop {
            let round: Vec<&OutboxEvent> = queues.iter().filter_map(|queue| queue.front().copied()).collect();
            if round.is_empty() {
                return outcomes;
            }
            let mut answers = self.sink.deliver_batch(&round, self.config.concurrency).await.into_iter();
            for queue in queues.iter_mut().filter(|queue| !queue.is_empty()) {
                let answer = answers.next().unwrap_or_else(|| Err(DeliveryError::Retryable("no answer".into())));
                let Some(event) = queue.pop_front() else { continue };
                match answer {
                    Ok(()) => outcomes.delivered.push(event.id.clone()),
                    Err(error) => {
                        outcomes.failed.push((event.clone(), error));
                        outcomes.held_back.extend(queue.drain(..).map(|e| e.id.clone()));
                    }
                }
            }
        }
    }

    async fn deliver_and_record(&self, batch: &Batch) -> anyhow::Result<()> {
        if batch.events.is_empty() {
            return Ok(());
        }
        let outcomes = self.deliver(batch).await;
        let now = now_micros();
        if !outcomes.delivered.is_empty() {
            let sql = format!(
                "UPDATE hms_outbox SET delivered_at = ?, attempts = attempts + 1, lease_owner = NULL, \
                 lease_until = NULL WHERE lease_owner = ? AND id IN ({})",
                vec!["?"; outcomes.delivered.len()].join(", ")
            );
            // A deadlock with another relay's claim must not leave delivered
            // events leased, to be delivered again when the lease lapses.
            retry_transient(|| {
                let mut query = sqlx::query(&sql).bind(now).bind(self.owner.clone());
                for id in &outcomes.delivered {
                    query = query.bind(id.clone());
                }
                query.execute(&self.db.writer)
            })
            .await?;
        }
        if let Some((first, error)) = outcomes.failed.first() {
            tracing::warn!(
                failed = outcomes.failed.len(),
                delivered = outcomes.delivered.len(),
                first_event = %first.id,
                topic = %first.topic,
                error = %error,
                "outbox deliveries failed; they will be retried"
            );
        }
        for (event, error) in &outcomes.failed {
            let attempts = event.attempts + 1;
            let permanent = matches!(error, DeliveryError::Permanent(_)) || attempts >= self.config.max_attempts;
            if permanent {
                tracing::error!(event = %event.id, topic = %event.topic, attempts, error = %error, "outbox event parked as failed");
            }
            let next = now + duration_micros(backoff(&self.config, attempts));
            retry_transient(|| {
                sqlx::query(
                    "UPDATE hms_outbox SET attempts = attempts + 1, next_attempt_at = ?, failed_at = ?, \
                     last_error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                )
                .bind(next)
                .bind(permanent.then_some(now))
                .bind(error.to_string())
                .bind(&event.id)
                .bind(&self.owner)
                .execute(&self.db.writer)
            })
            .await?;
        }
        self.release(&outcomes.held_back).await?;
        Ok(())
    }

    /// Gives events back unattempted.
    async fn release(&self, ids: &[String]) -> Result<(), sqlx::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE hms_outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND id IN ({})",
            vec!["?"; ids.len()].join(", ")
        );
        retry_transient(|| {
            let mut query = sqlx::query(&sql).bind(self.owner.clone());
            for id in ids {
                query = query.bind(id.clone());
            }
            query.execute(&self.db.writer)
        })
        .await?;
        Ok(())
    }

    /// On stop: what this batch still holds goes back unattempted (events
    /// already recorded as delivered are not held any more).
    async fn release_all(&self, batch: &Batch) {
        let released = sqlx::query(
            "UPDATE hms_outbox SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner = ? AND lease_until = ? AND delivered_at IS NULL",
        )
        .bind(&self.owner)
        .bind(batch.lease_until)
        .execute(&self.db.writer)
        .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "releasing the outbox batch at stop failed; its lease lapses instead");
        }
    }
}

/// Exponential backoff with ±25% jitter, capped.
fn backoff(config: &RelayConfig, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let base = config.base_backoff.saturating_mul(2_u32.saturating_pow(exp)).min(config.max_backoff);
    let jitter = 0.75 + (uuid::Uuid::now_v7().as_u128() % 1000) as f64 / 2000.0;
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let config = RelayConfig {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            ..Default::default()
        };
        let first = backoff(&config, 1);
        assert!(first >= Duration::from_millis(750) && first <= Duration::from_millis(1250), "{first:?}");
        let fourth = backoff(&config, 4);
        assert!(fourth >= Duration::from_secs(6) && fourth <= Duration::from_secs(10), "{fourth:?}");
        assert!(backoff(&config, 40) <= Duration::from_secs(75));
    }

    /// Without its index, reading a batch back scanned every event ever sent.
    #[tokio::test]
    async fn a_claimed_batch_is_read_back_through_its_index() {
        use sqlx::Connection;
        static NO_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;
        let test_db = crate::testing::database(crate::testing::Relational::Sqlite).await.unwrap();
        let migrations = crate::storage::Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS };
        let db = Db::connect(&test_db.url, &migrations).await.unwrap();
        super::super::ensure_schema(&db).await.unwrap();
        // A connection opened after the schema exists (pooled ones opened
        // before it were seen to plan without the new index).
        let mut fresh = sqlx::SqliteConnection::connect(&test_db.url).await.unwrap();
        let plan = sqlx::query(&format!("EXPLAIN QUERY PLAN {CLAIMED_BATCH}"))
            .bind("relay")
            .bind(1_i64)
            .fetch_all(&mut fresh)
            .await
            .unwrap();
        let steps: Vec<String> = plan.iter().map(|row| row.try_get::<String, _>(3).unwrap()).collect();
        assert!(steps.iter().any(|step| step.contains("INDEX hms_outbox_lease")), "{steps:?}");
    }
}
