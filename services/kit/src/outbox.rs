//! Transactional outbox. A service writes its events with [`enqueue`] in the
//! same transaction as the change they announce; a [`Relay`] delivers them to
//! a [`Sink`] with retries and exponential backoff. Each event's id is its
//! idempotency key, so a receiver can drop the rare redelivery (a relay that
//! dies between delivering and recording it).
//!
//! Several replicas may run relays on one database: an event is claimed with a
//! conditional UPDATE that sets a lease, so only one relay holds it at a time.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::storage::{Backend, Db, Statement, Value};
use crate::time::{duration_micros, now_micros};

/// An event as stored and delivered.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    /// UUIDv7; the idempotency key.
    pub id: String,
    pub topic: String,
    /// What the event is about; empty for events written without one.
    pub key: String,
    /// JSON.
    pub payload: Vec<u8>,
    pub attempts: i64,
}

/// An event as a store receives it, to write with the change it announces.
/// The service's `events.rs` builds it; the store only writes it, so the
/// store never needs to know the service's event shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub topic: String,
    /// What the event is about (an appointment, an invoice, a user).
    pub key: String,
    /// JSON.
    pub payload: Vec<u8>,
}

impl Event {
    pub fn new(topic: impl Into<String>, key: impl Into<String>, payload: &impl Serialize) -> serde_json::Result<Self> {
        Ok(Self { topic: topic.into(), key: key.into(), payload: serde_json::to_vec(payload)? })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later (receiver down, timeout).
    #[error("retryable: {0}")]
    Retryable(String),
    /// Never going to succeed (receiver refused the event as invalid).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Where a relay delivers events.
#[async_trait]
pub trait Sink: Send + Sync + 'static {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError>;
}

/// One relay, several receivers: each event goes to the route with the
/// longest topic prefix it starts with (an empty prefix takes the rest).
#[derive(Default)]
pub struct TopicRouter {
    routes: Vec<(String, Arc<dyn Sink>)>,
}

impl TopicRouter {
    pub fn route(mut self, prefix: &str, sink: Arc<dyn Sink>) -> Self {
        self.routes.push((prefix.to_owned(), sink));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[async_trait]
impl Sink for TopicRouter {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let route = self
            .routes
            .iter()
            .filter(|(prefix, _)| event.topic.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len());
        match route {
            Some((_, sink)) => sink.deliver(event).await,
            // Parked as failed, visible in the table, rather than retried for a
            // receiver this deployment does not configure.
            None => Err(DeliveryError::Permanent(format!("no receiver is configured for topic {}", event.topic))),
        }
    }
}

/// Creates the outbox table when missing. Called by [`Relay`] users and by
/// services before their first `enqueue`.
pub async fn ensure_schema(db: &Db) -> anyhow::Result<()> {
    let statements: &[&str] = match db.backend {
        Backend::Sqlite => &[
            "CREATE TABLE IF NOT EXISTS hms_outbox (
                id TEXT PRIMARY KEY, topic TEXT NOT NULL, event_key TEXT NOT NULL DEFAULT '', payload BLOB NOT NULL,
                created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER,
                delivered_at INTEGER, failed_at INTEGER, last_error TEXT)",
            "CREATE INDEX IF NOT EXISTS hms_outbox_due ON hms_outbox (delivered_at, failed_at, next_attempt_at)",
        ],
        Backend::MySql => &["CREATE TABLE IF NOT EXISTS hms_outbox (
                id VARCHAR(36) PRIMARY KEY, topic VARCHAR(100) NOT NULL, event_key VARCHAR(64) NOT NULL DEFAULT '',
                payload LONGBLOB NOT NULL,
                created_at BIGINT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL, lease_owner VARCHAR(64), lease_until BIGINT,
                delivered_at BIGINT, failed_at BIGINT, last_error TEXT,
                INDEX hms_outbox_due (delivered_at, failed_at, next_attempt_at)
            ) ENGINE=InnoDB"],
    };
    for statement in statements {
        sqlx::query(statement).execute(&db.pool).await?;
    }
    // Tables created before events had keys gain the column; a replica
    // starting at the same moment may add it first.
    if !has_event_key(db).await? {
        let column = match db.backend {
            Backend::Sqlite => "ALTER TABLE hms_outbox ADD COLUMN event_key TEXT NOT NULL DEFAULT ''",
            Backend::MySql => "ALTER TABLE hms_outbox ADD COLUMN event_key VARCHAR(64) NOT NULL DEFAULT '' AFTER topic",
        };
        if let Err(e) = sqlx::query(column).execute(&db.pool).await
            && !has_event_key(db).await?
        {
            return Err(e.into());
        }
    }
    Ok(())
}

async fn has_event_key(db: &Db) -> Result<bool, sqlx::Error> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM pragma_table_info('hms_outbox') WHERE name = 'event_key'",
        Backend::MySql => {
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() \
             AND table_name = 'hms_outbox' AND column_name = 'event_key'"
        }
    };
    let count: i64 = sqlx::query_scalar(sql).fetch_one(&db.pool).await?;
    Ok(count > 0)
}

/// Writes an event inside the caller's transaction; returns its id.
pub async fn enqueue(conn: &mut AnyConnection, topic: &str, payload: &impl Serialize) -> Result<String, sqlx::Error> {
    let ids = enqueue_many(conn, [(topic, payload)]).await?;
    ids.into_iter().next().ok_or_else(|| sqlx::Error::Protocol("one event enqueued, no id returned".into()))
}

/// Writes several events inside the caller's transaction in one statement;
/// returns their ids.
pub async fn enqueue_many<'a, P: Serialize + 'a>(
    conn: &mut AnyConnection,
    events: impl IntoIterator<Item = (&'a str, &'a P)>,
) -> Result<Vec<String>, sqlx::Error> {
    let Some(insert) = insert_events(events)? else { return Ok(Vec::new()) };
    insert.statement.execute(conn).await?;
    Ok(insert.ids)
}

/// Writes `events` inside the caller's transaction in one statement; returns
/// their ids.
pub async fn enqueue_events(conn: &mut AnyConnection, events: &[Event]) -> Result<Vec<String>, sqlx::Error> {
    let Some(insert) = insert_event_rows(events) else { return Ok(Vec::new()) };
    insert.statement.execute(conn).await?;
    Ok(insert.ids)
}

/// The statement that writes `events`, for a caller that runs it with others
/// (see [`crate::storage::execute_script`]); none when there are none.
pub fn insert_event_rows<'a>(events: &[Event]) -> Option<EventInsert<'a>> {
    if events.is_empty() {
        return None;
    }
    let now = now_micros();
    let mut ids = Vec::with_capacity(events.len());
    let mut args = Vec::with_capacity(events.len() * 6);
    for event in events {
        let id = uuid::Uuid::now_v7().to_string();
        args.extend([
            Value::from(id.clone()),
            event.topic.clone().into(),
            event.key.clone().into(),
            event.payload.clone().into(),
            now.into(),
            now.into(),
        ]);
        ids.push(id);
    }
    let sql = format!(
        "INSERT INTO hms_outbox (id, topic, event_key, payload, created_at, next_attempt_at) VALUES {}",
        vec!["(?, ?, ?, ?, ?, ?)"; ids.len()].join(", ")
    );
    Some(EventInsert { ids, statement: Statement::new(sql, args) })
}

/// Events ready to be written by one statement, for a caller that runs it
/// with others (see [`crate::storage::execute_script`]); it inserts one row
/// per id.
#[derive(Debug, Clone)]
pub struct EventInsert<'a> {
    pub ids: Vec<String>,
    pub statement: Statement<'a>,
}

/// The statement that writes `events`; none when there are none.
pub fn insert_events<'a, P: Serialize + 'a>(
    events: impl IntoIterator<Item = (&'a str, &'a P)>,
) -> Result<Option<EventInsert<'a>>, sqlx::Error> {
    let now = now_micros();
    let mut ids = Vec::new();
    let mut args = Vec::new();
    for (topic, payload) in events {
        let payload = serde_json::to_vec(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let id = uuid::Uuid::now_v7().to_string();
        args.extend([Value::from(id.clone()), topic.into(), payload.into(), now.into(), now.into()]);
        ids.push(id);
    }
    if ids.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "INSERT INTO hms_outbox (id, topic, payload, created_at, next_attempt_at) VALUES {}",
        vec!["(?, ?, ?, ?, ?)"; ids.len()].join(", ")
    );
    Ok(Some(EventInsert { ids, statement: Statement::new(sql, args) }))
}

#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub batch_size: i64,
    /// How long a claim holds; a relay that dies releases its events after this.
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
            batch_size: 32,
            lease: Duration::from_secs(60),
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

impl Relay {
    pub fn new(db: Db, sink: Arc<dyn Sink>, config: RelayConfig) -> Self {
        Self { db, sink, config, owner: uuid::Uuid::now_v7().to_string() }
    }

    /// Runs until `stop` resolves; a failing store is logged and retried.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let idle = match self.run_once().await {
                Ok(n) => n == 0,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox relay pass failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = &mut stop => return,
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                }
            }
        }
    }

    /// Claims and delivers one batch; returns how many events were handled.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let events = self.claim().await?;
        for event in &events {
            let outcome = self.sink.deliver(event).await;
            self.record(event, outcome).await?;
        }
        Ok(events.len())
    }

    async fn claim(&self) -> anyhow::Result<Vec<OutboxEvent>> {
        let now = now_micros();
        let candidates: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM hms_outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? \
             AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?",
        )
        .bind(now)
        .bind(now)
        .bind(self.config.batch_size)
        .fetch_all(&self.db.pool)
        .await?;
        let lease_until = now + duration_micros(self.config.lease);
        let mut claimed = Vec::with_capacity(candidates.len());
        for id in candidates {
            // Only one relay's UPDATE can match: the lease condition is re-checked atomically.
            let done = sqlx::query(
                "UPDATE hms_outbox SET lease_owner = ?, lease_until = ? WHERE id = ? AND delivered_at IS NULL \
                 AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < ?)",
            )
            .bind(&self.owner)
            .bind(lease_until)
            .bind(&id)
            .bind(now)
            .execute(&self.db.writer)
            .await?;
            if done.rows_affected() == 1 {
                let row = sqlx::query("SELECT topic, event_key, payload, attempts FROM hms_outbox WHERE id = ?")
                    .bind(&id)
                    .fetch_one(&self.db.pool)
                    .await?;
                claimed.push(OutboxEvent {
                    id,
                    topic: row.try_get(0)?,
                    key: row.try_get(1)?,
                    payload: row.try_get(2)?,
                    attempts: row.try_get(3)?,
                });
            }
        }
        Ok(claimed)
    }

    async fn record(&self, event: &OutboxEvent, outcome: Result<(), DeliveryError>) -> anyhow::Result<()> {
        let now = now_micros();
        let query = match outcome {
            Ok(()) => sqlx::query(
                "UPDATE hms_outbox SET delivered_at = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
                 WHERE id = ? AND lease_owner = ?",
            )
            .bind(now),
            Err(error) => {
                let attempts = event.attempts + 1;
                let permanent = matches!(error, DeliveryError::Permanent(_)) || attempts >= self.config.max_attempts;
                tracing::warn!(event = %event.id, topic = %event.topic, attempts, permanent, error = %error, "outbox delivery failed");
                let next = now + duration_micros(backoff(&self.config, attempts));
                sqlx::query(
                    "UPDATE hms_outbox SET attempts = attempts + 1, next_attempt_at = ?, failed_at = ?, last_error = ?, \
                     lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                )
                .bind(next)
                .bind(permanent.then_some(now))
                .bind(error.to_string())
            }
        };
        query.bind(&event.id).bind(&self.owner).execute(&self.db.writer).await?;
        Ok(())
    }
}

/// Exponential backoff with ±25% jitter, capped.
fn backoff(config: &RelayConfig, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let base = config.base_backoff.saturating_mul(2_u32.saturating_pow(exp)).min(config.max_backoff);
    let jitter = 0.75 + (uuid::Uuid::now_v7().as_u128() % 1000) as f64 / 2000.0;
    base.mul_f64(jitter)
}

/// Counts of events by state, for operators and tests.
pub async fn pending_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE delivered_at IS NULL AND failed_at IS NULL")
        .fetch_one(&db.pool)
        .await
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

    struct Named(&'static str, std::sync::Mutex<Vec<String>>);

    #[async_trait]
    impl Sink for Named {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
            self.1.lock().unwrap().push(format!("{}:{}", self.0, event.topic));
            Ok(())
        }
    }

    fn event(topic: &str) -> OutboxEvent {
        OutboxEvent { id: "1".into(), topic: topic.into(), key: String::new(), payload: vec![], attempts: 0 }
    }

    #[tokio::test]
    async fn topics_go_to_the_longest_matching_route() {
        let ehr = Arc::new(Named("ehr", Default::default()));
        let rest = Arc::new(Named("rest", Default::default()));
        let router = TopicRouter::default().route("", rest.clone()).route("ehr.", ehr.clone());
        router.deliver(&event("ehr.link")).await.unwrap();
        router.deliver(&event("APPOINTMENT_CONFIRMED")).await.unwrap();
        assert_eq!(*ehr.1.lock().unwrap(), ["ehr:ehr.link"]);
        assert_eq!(*rest.1.lock().unwrap(), ["rest:APPOINTMENT_CONFIRMED"]);

        let only_ehr = TopicRouter::default().route("ehr.", ehr);
        assert!(matches!(only_ehr.deliver(&event("billing.x")).await, Err(DeliveryError::Permanent(_))));
    }
}
