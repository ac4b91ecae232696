//! The outbox relay delivers every event exactly once to an idempotent
//! receiver, even with two relays racing on the same database, and retries
//! failed deliveries with backoff.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::outbox::{self, DeliveryError, OutboxEvent, Relay, RelayConfig, Sink};
use hms_kit::storage::{Db, Migrations};
use hms_kit::testing::{self, Relational};

static NO_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;

/// Records every delivery attempt; fails the first `fail_first` attempts of each event.
#[derive(Default)]
struct Receiver {
    attempts: Mutex<HashMap<String, usize>>,
    applied: Mutex<Vec<String>>,
    fail_first: usize,
}

#[async_trait]
impl Sink for Receiver {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(event.id.clone()).or_default();
            *n += 1;
            *n
        };
        // Give the other relay a chance to interleave.
        tokio::time::sleep(Duration::from_millis(1)).await;
        if attempt <= self.fail_first {
            return Err(DeliveryError::Retryable("receiver busy".into()));
        }
        let mut applied = self.applied.lock().unwrap();
        // Idempotent: the event id is the idempotency key.
        if !applied.contains(&event.id) {
            applied.push(event.id.clone());
        }
        Ok(())
    }
}

async fn db(kind: Relational) -> Option<(testing::TestDb, Db)> {
    let test_db = testing::database(kind).await?;
    let db = Db::connect(&test_db.url, &Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS }).await.unwrap();
    outbox::ensure_schema(&db).await.unwrap();
    Some((test_db, db))
}

async fn enqueue(db: &Db, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut tx = db.pool.begin().await.unwrap();
        ids.push(outbox::enqueue(&mut tx, "TEST_EVENT", &serde_json::json!({ "n": i })).await.unwrap());
        tx.commit().await.unwrap();
    }
    ids
}

fn fast() -> RelayConfig {
    RelayConfig {
        batch_size: 7,
        poll_interval: Duration::from_millis(5),
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..RelayConfig::default()
    }
}

async fn run_until_drained(db: &Db, relays: Vec<Relay>) {
    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let handles: Vec<_> = relays
        .into_iter()
        .map(|relay| {
            let mut stopped = stop.subscribe();
            tokio::spawn(relay.run(async move {
                let _ = stopped.recv().await;
            }))
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while outbox::pending_count(db).await.unwrap() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "outbox did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    for handle in handles {
        handle.await.unwrap();
    }
}

async fn two_relays_deliver_each_event_exactly_once(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    let ids = enqueue(&db, 150).await;
    let receiver = Arc::new(Receiver::default());
    let relays =
        vec![Relay::new(db.clone(), receiver.clone(), fast()), Relay::new(db.clone(), receiver.clone(), fast())];
    run_until_drained(&db, relays).await;

    let attempts = receiver.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), ids.len(), "every event was delivered");
    assert!(attempts.values().all(|n| *n == 1), "no event was delivered twice: {attempts:?}");
    let mut applied = receiver.applied.lock().unwrap().clone();
    applied.sort();
    assert_eq!(applied, ids, "each event applied once, none lost");
}

async fn failed_deliveries_are_retried(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    let ids = enqueue(&db, 5).await;
    let receiver = Arc::new(Receiver { fail_first: 2, ..Receiver::default() });
    run_until_drained(&db, vec![Relay::new(db.clone(), receiver.clone(), fast())]).await;
    let attempts = receiver.attempts.lock().unwrap().clone();
    assert!(ids.iter().all(|id| attempts.get(id) == Some(&3)), "two failures then success: {attempts:?}");
    assert_eq!(receiver.applied.lock().unwrap().len(), 5);
}

async fn permanent_failures_are_parked(kind: Relational) {
    struct Refuses;
    #[async_trait]
    impl Sink for Refuses {
        async fn deliver(&self, _: &OutboxEvent) -> Result<(), DeliveryError> {
            Err(DeliveryError::Permanent("invalid event".into()))
        }
    }
    let Some((_guard, db)) = db(kind).await else { return };
    enqueue(&db, 3).await;
    let relay = Relay::new(db.clone(), Arc::new(Refuses), fast());
    assert_eq!(relay.run_once().await.unwrap(), 3);
    assert_eq!(outbox::pending_count(&db).await.unwrap(), 0);
    assert_eq!(relay.run_once().await.unwrap(), 0, "parked events are not retried");
}

async fn a_batch_enqueued_together_is_delivered_in_full(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    let payloads = [serde_json::json!({ "n": 1 }), serde_json::json!({ "n": 2 })];
    let mut tx = db.pool.begin().await.unwrap();
    let ids = outbox::enqueue_many(&mut tx, [("FIRST", &payloads[0]), ("SECOND", &payloads[1])]).await.unwrap();
    tx.commit().await.unwrap();
    // Nothing enqueued, nothing written.
    let mut tx = db.pool.begin().await.unwrap();
    assert!(outbox::enqueue_many::<serde_json::Value>(&mut tx, []).await.unwrap().is_empty());
    tx.commit().await.unwrap();

    struct Topics(Mutex<Vec<(String, String, Vec<u8>)>>);
    #[async_trait]
    impl Sink for Topics {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
            self.0.lock().unwrap().push((event.id.clone(), event.topic.clone(), event.payload.clone()));
            Ok(())
        }
    }
    let topics = Arc::new(Topics(Mutex::new(Vec::new())));
    run_until_drained(&db, vec![Relay::new(db.clone(), topics.clone(), fast())]).await;
    let mut delivered = topics.0.lock().unwrap().clone();
    delivered.sort();
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered.iter().map(|d| d.0.clone()).collect::<Vec<_>>(), ids);
    assert_eq!((delivered[0].1.as_str(), delivered[0].2.as_slice()), ("FIRST", br#"{"n":1}"#.as_slice()));
    assert_eq!((delivered[1].1.as_str(), delivered[1].2.as_slice()), ("SECOND", br#"{"n":2}"#.as_slice()));
}

/// Events built by a service's `events.rs` reach the sink with their key, and
/// a table from before keys existed gains the column at start-up.
async fn keyed_events_keep_their_key_and_old_tables_gain_it(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    sqlx::query("DROP TABLE hms_outbox").execute(&db.pool).await.unwrap();
    sqlx::query(
        "CREATE TABLE hms_outbox (id VARCHAR(36) PRIMARY KEY, topic VARCHAR(100) NOT NULL, payload BLOB NOT NULL, \
         created_at BIGINT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, \
         lease_owner VARCHAR(64), lease_until BIGINT, delivered_at BIGINT, failed_at BIGINT, last_error TEXT)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    let old = outbox::enqueue(&mut tx, "OLD", &serde_json::json!({})).await;
    tx.rollback().await.unwrap();
    assert!(old.is_ok(), "unkeyed events still write to the old table: {old:?}");
    // Twice, as two replicas starting together would.
    outbox::ensure_schema(&db).await.unwrap();
    outbox::ensure_schema(&db).await.unwrap();

    let events = [
        outbox::Event::new("BOOKED", "appointment-1", &serde_json::json!({ "n": 1 })).unwrap(),
        outbox::Event::new("BOOKED", "appointment-2", &serde_json::json!({ "n": 2 })).unwrap(),
    ];
    let mut tx = db.pool.begin().await.unwrap();
    let ids = outbox::enqueue_events(&mut tx, &events).await.unwrap();
    assert!(outbox::enqueue_events(&mut tx, &[]).await.unwrap().is_empty());
    tx.commit().await.unwrap();

    struct Keys(Mutex<Vec<(String, String, Vec<u8>)>>);
    #[async_trait]
    impl Sink for Keys {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
            self.0.lock().unwrap().push((event.id.clone(), event.key.clone(), event.payload.clone()));
            Ok(())
        }
    }
    let keys = Arc::new(Keys(Mutex::new(Vec::new())));
    run_until_drained(&db, vec![Relay::new(db.clone(), keys.clone(), fast())]).await;
    let mut delivered = keys.0.lock().unwrap().clone();
    delivered.sort();
    assert_eq!(
        delivered,
        [
            (ids[0].clone(), "appointment-1".to_owned(), br#"{"n":1}"#.to_vec()),
            (ids[1].clone(), "appointment-2".to_owned(), br#"{"n":2}"#.to_vec()),
        ]
    );
}

/// Writes `per_key` events for each of `keys` keys, interleaved as
/// concurrent changes would write them; returns each key's ids in order.
async fn enqueue_keyed(db: &Db, keys: usize, per_key: usize) -> HashMap<String, Vec<String>> {
    let mut written: HashMap<String, Vec<String>> = HashMap::new();
    for step in 0..per_key {
        for k in 0..keys {
            let key = format!("appointment-{k}");
            let event = outbox::Event::new("STEP", key.clone(), &serde_json::json!({ "step": step })).unwrap();
            let mut tx = db.pool.begin().await.unwrap();
            let ids = outbox::enqueue_events(&mut tx, &[event]).await.unwrap();
            tx.commit().await.unwrap();
            written.entry(key).or_default().extend(ids);
        }
    }
    written
}

/// Applies events, refusing (retryably) the first attempt of every third
/// one, and remembers the order each key's events were applied in.
#[derive(Default)]
struct Ordered {
    attempts: Mutex<HashMap<String, usize>>,
    applied: Mutex<HashMap<String, Vec<String>>>,
}

#[async_trait]
impl Sink for Ordered {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(event.id.clone()).or_default();
            *n += 1;
            *n
        };
        tokio::time::sleep(Duration::from_millis(1)).await;
        let refuse = event.id.bytes().map(u32::from).sum::<u32>() % 3 == 0;
        if refuse && attempt == 1 {
            return Err(DeliveryError::Retryable("receiver busy".into()));
        }
        let mut applied = self.applied.lock().unwrap();
        let seen = applied.entry(event.key.clone()).or_default();
        if !seen.contains(&event.id) {
            seen.push(event.id.clone());
        }
        Ok(())
    }
}

/// Events of one key are applied in the order they were written, though
/// two relays deliver concurrently, in batches, and some deliveries fail
/// and are retried.
async fn events_of_one_key_are_delivered_in_order(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    let written = enqueue_keyed(&db, 12, 6).await;
    let receiver = Arc::new(Ordered::default());
    let config = RelayConfig { batch_size: 20, ..fast() };
    let relays = vec![
        Relay::new(db.clone(), receiver.clone(), config.clone()),
        Relay::new(db.clone(), receiver.clone(), config),
    ];
    run_until_drained(&db, relays).await;
    let applied = receiver.applied.lock().unwrap().clone();
    assert_eq!(applied, written, "each key's events applied once each, in the order written");
}

/// A receiver with a batch call gets each round as one call: never two
/// events of one key in a call, and still every key's events in order,
/// once, with refusals inside a batch retried.
async fn a_batch_receiver_gets_rounds_of_distinct_keys_in_order(kind: Relational) {
    #[derive(Default)]
    struct Batched {
        inner: Ordered,
        calls: Mutex<Vec<usize>>,
    }
    #[async_trait]
    impl Sink for Batched {
        async fn deliver(&self, _: &OutboxEvent) -> Result<(), DeliveryError> {
            Err(DeliveryError::Permanent("only batches expected".into()))
        }
        async fn deliver_batch(&self, events: &[&OutboxEvent], _: usize) -> Vec<Result<(), DeliveryError>> {
            let mut keys: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), events.len(), "one event of a key per call");
            self.calls.lock().unwrap().push(events.len());
            let mut answers = Vec::new();
            for event in events {
                answers.push(self.inner.deliver(event).await);
            }
            answers
        }
    }
    let Some((_guard, db)) = db(kind).await else { return };
    let written = enqueue_keyed(&db, 12, 6).await;
    let receiver = Arc::new(Batched::default());
    let config = RelayConfig { batch_size: 40, ..fast() };
    let relays = vec![
        Relay::new(db.clone(), receiver.clone(), config.clone()),
        Relay::new(db.clone(), receiver.clone(), config),
    ];
    run_until_drained(&db, relays).await;
    let applied = receiver.inner.applied.lock().unwrap().clone();
    assert_eq!(applied, written, "each key's events applied once each, in the order written");
    let calls = receiver.calls.lock().unwrap().clone();
    let attempts: usize = receiver.inner.attempts.lock().unwrap().values().sum();
    assert_eq!(calls.iter().sum::<usize>(), attempts, "every attempt came in a batch");
    assert!(calls.iter().any(|n| *n > 1), "rounds carry several keys: {calls:?}");
}

/// A relay asked to stop with a backlog ends at once: the batch in hand
/// goes back unattempted (no retry counted, nothing held), and the next
/// relay delivers everything exactly once.
async fn a_stop_with_a_backlog_ends_at_once_and_loses_nothing(kind: Relational) {
    struct Slow(Receiver);
    #[async_trait]
    impl Sink for Slow {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.0.deliver(event).await
        }
    }
    let Some((_guard, db)) = db(kind).await else { return };
    let ids = enqueue(&db, 400).await;
    let slow = Arc::new(Slow(Receiver::default()));
    let config = RelayConfig { batch_size: 64, concurrency: 4, ..fast() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(Relay::new(db.clone(), slow.clone(), config).run(async move {
        let _ = stopped.await;
    }));
    while slow.0.applied.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.send(()).unwrap();
    // A liveness bound, not a measurement: it ends mid-batch, not after the backlog.
    tokio::time::timeout(Duration::from_secs(3), running).await.expect("the relay stops mid-batch").unwrap();
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE lease_owner IS NOT NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(held, 0, "nothing stays leased to a stopped relay");
    let counted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE delivered_at IS NULL AND attempts > 0")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(counted, 0, "an attempt cut short by the stop is not counted");
    assert!(outbox::pending_count(&db).await.unwrap() > 0, "the stop came with a backlog");

    run_until_drained(&db, vec![Relay::new(db.clone(), slow.clone(), RelayConfig { batch_size: 64, ..fast() })]).await;
    let mut applied = slow.0.applied.lock().unwrap().clone();
    applied.sort();
    assert_eq!(applied, ids, "everything delivered after the restart, once");
}

/// A commit that wrote events wakes a sleeping relay: the event goes out
/// at once, not at the relay's next poll (an hour away here).
async fn a_commit_with_events_wakes_the_relay(kind: Relational) {
    let Some((_guard, db)) = db(kind).await else { return };
    let receiver = Arc::new(Receiver::default());
    let config = RelayConfig { poll_interval: Duration::from_secs(3600), ..fast() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(Relay::new(db.clone(), receiver.clone(), config).run(async move {
        let _ = stopped.await;
    }));
    for round in 0..3 {
        let ids = enqueue(&db, 1).await;
        db.outbox_written();
        // A liveness bound, not a measurement: without the wake it would take an hour.
        tokio::time::timeout(Duration::from_secs(10), async {
            while !receiver.applied.lock().unwrap().contains(&ids[0]) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("event of round {round} still waits for the relay's poll"));
    }
    stop.send(()).unwrap();
    running.await.unwrap();
}

macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Relational::Sqlite).await } )* }
        mod mysql { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Relational::MySql).await } )* }
    };
}

on_every_backend!(
    events_of_one_key_are_delivered_in_order,
    a_batch_receiver_gets_rounds_of_distinct_keys_in_order,
    a_stop_with_a_backlog_ends_at_once_and_loses_nothing,
    keyed_events_keep_their_key_and_old_tables_gain_it,
    two_relays_deliver_each_event_exactly_once,
    failed_deliveries_are_retried,
    permanent_failures_are_parked,
    a_batch_enqueued_together_is_delivered_in_full,
    a_commit_with_events_wakes_the_relay
);
