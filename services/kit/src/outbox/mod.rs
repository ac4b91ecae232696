//! Transactional outbox. A service writes its events with [`enqueue`] in the
//! same transaction as the change they announce; a [`Relay`] delivers them to
//! a [`Sink`] with retries and exponential backoff. Each event's id is its
//! idempotency key, so a receiver can drop the rare redelivery (a relay that
//! dies between delivering and recording it).
//!
//! Several replicas may run relays on one database: an event is claimed with a
//! conditional UPDATE that sets a lease, so only one relay holds it at a time.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use sqlx::AnyConnection;

use crate::storage::{Backend, Db, Statement, Value};
use crate::time::now_micros;

mod relay;
pub use relay::{Relay, RelayConfig};

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

impl OutboxEvent {
    /// The JSON payload as `T`; a payload that does not read never will, so
    /// the error is permanent.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, DeliveryError> {
        serde_json::from_slice(&self.payload)
            .map_err(|e| DeliveryError::Permanent(format!("unreadable event payload: {e}")))
    }
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

#[derive(Debug, Clone, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later (receiver down, timeout).
    #[error("retryable: {0}")]
    Retryable(String),
    /// Never going to succeed (receiver refused the event as invalid).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl DeliveryError {
    /// A receiver's failed call: permanent when its code is one of `refused`
    /// (the receiver refused the event as it is, so retrying cannot help),
    /// described as `refusal`; retryable otherwise.
    pub fn from_status(status: &tonic::Status, refused: &[tonic::Code], refusal: &str) -> Self {
        if refused.contains(&status.code()) {
            Self::Permanent(format!("{refusal}: {}", status.message()))
        } else {
            Self::Retryable(format!("{:?}: {}", status.code(), status.message()))
        }
    }
}

/// Where a relay delivers events.
#[async_trait]
pub trait Sink: Send + Sync + 'static {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError>;

    /// Delivers events of different keys, answering each in order. A
    /// receiver with a batch call overrides this to make one call; by
    /// default each is delivered on its own, at most `concurrency` at once.
    async fn deliver_batch(&self, events: &[&OutboxEvent], concurrency: usize) -> Vec<Result<(), DeliveryError>> {
        let limit = tokio::sync::Semaphore::new(concurrency.max(1));
        futures::future::join_all(events.iter().map(|event| async {
            // Never closed, so a permit always comes.
            let _permit = limit.acquire().await.ok();
            self.deliver(event).await
        }))
        .await
    }
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

impl TopicRouter {
    /// The index of the route `event` goes to.
    fn route_of(&self, event: &OutboxEvent) -> Option<usize> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, (prefix, _))| event.topic.starts_with(prefix.as_str()))
            .max_by_key(|(_, (prefix, _))| prefix.len())
            .map(|(i, _)| i)
    }
}

/// Parked as failed, visible in the table, rather than retried for a
/// receiver this deployment does not configure.
fn unrouted(event: &OutboxEvent) -> DeliveryError {
    DeliveryError::Permanent(format!("no receiver is configured for topic {}", event.topic))
}

#[async_trait]
impl Sink for TopicRouter {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        match self.route_of(event) {
            Some(i) => self.routes[i].1.deliver(event).await,
            None => Err(unrouted(event)),
        }
    }

    /// Each route's share of the batch goes to its sink as one batch, the
    /// routes concurrently.
    async fn deliver_batch(&self, events: &[&OutboxEvent], concurrency: usize) -> Vec<Result<(), DeliveryError>> {
        let mut shares: Vec<Vec<usize>> = vec![Vec::new(); self.routes.len()];
        let mut results: Vec<Option<Result<(), DeliveryError>>> = events.iter().map(|_| None).collect();
        for (at, event) in events.iter().enumerate() {
            match self.route_of(event) {
                Some(route) => shares[route].push(at),
                None => results[at] = Some(Err(unrouted(event))),
            }
        }
        let calls = shares.iter().enumerate().filter(|(_, share)| !share.is_empty()).map(|(route, share)| async move {
            let batch: Vec<&OutboxEvent> = share.iter().map(|&at| events[at]).collect();
            (share, self.routes[route].1.deliver_batch(&batch, concurrency).await)
        });
        for (share, answers) in futures::future::join_all(calls).await {
            for (&at, answer) in share.iter().zip(answers) {
                results[at] = Some(answer);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(DeliveryError::Retryable("the receiver gave no answer".into()))))
            .collect()
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
    // The relay finds an event's earlier ones by key, and its own batch by lease.
    ensure_index(db, "hms_outbox_key", "event_key, id").await?;
    ensure_index(db, "hms_outbox_lease", "lease_owner, lease_until").await?;
    // A claim reads the pending events in order without walking delivered history.
    ensure_index(db, "hms_outbox_pending", "delivered_at, failed_at, id").await?;
    Ok(())
}

/// Adds an index to a table created before it existed.
async fn ensure_index(db: &Db, name: &str, columns: &str) -> anyhow::Result<()> {
    match db.backend {
        Backend::Sqlite => {
            sqlx::query(&format!("CREATE INDEX IF NOT EXISTS {name} ON hms_outbox ({columns})"))
                .execute(&db.pool)
                .await?;
        }
        Backend::MySql => {
            let has_index: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() \
                 AND table_name = 'hms_outbox' AND index_name = ?",
            )
            .bind(name)
            .fetch_one(&db.pool)
            .await?;
            if has_index == 0
                && let Err(e) =
                    sqlx::query(&format!("CREATE INDEX {name} ON hms_outbox ({columns})")).execute(&db.pool).await
            {
                // Another replica starting at the same moment made it.
                if !e.to_string().contains("Duplicate key name") {
                    return Err(e.into());
                }
            }
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

/// Counts of events by state, for operators and tests.
pub async fn pending_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE delivered_at IS NULL AND failed_at IS NULL")
        .fetch_one(&db.pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn refusals_are_permanent_and_the_rest_retryable() {
        let refused = [tonic::Code::InvalidArgument];
        let permanent = DeliveryError::from_status(&tonic::Status::invalid_argument("bad"), &refused, "x refused it");
        assert_eq!(permanent.to_string(), "permanent: x refused it: bad");
        let retryable = DeliveryError::from_status(&tonic::Status::unavailable("down"), &refused, "x refused it");
        assert_eq!(retryable.to_string(), "retryable: Unavailable: down");
    }
}
