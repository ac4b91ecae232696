//! The outbox of a document service. A document store has no transaction
//! spanning two documents, so an event travels inside the document whose
//! change it announces: it is written by the same conditional replace, and
//! cannot exist without the change nor the change without it. A
//! [`DocRelay`] finds documents with due events through the `outbox_due`
//! index, leases them (a conditional replace, so one replica at a time),
//! delivers their events in order to a [`Sink`] and removes what was
//! delivered. Each event's id is its idempotency key.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{DocError, DocumentStore, Filter, IndexSpec, Order, Query, Write};
use crate::outbox::{DeliveryError, Event, OutboxEvent, RelayConfig, Sink};
use crate::time::{duration_micros, now_micros};

/// The index every collection that carries events declares.
pub fn due_index() -> IndexSpec {
    IndexSpec { name: "outbox_due".into(), fields: vec![("outbox_due".into(), Order::Asc)], unique: false }
}

/// An event waiting in its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEvent {
    pub id: String,
    pub topic: String,
    pub key: String,
    /// The event's JSON.
    pub payload: Value,
    #[serde(default)]
    pub attempts: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The outbox fields of a document: flatten it into the document's type
/// (`#[serde(flatten)] outbox: Outbox`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<PendingEvent>,
    /// When a relay should next look at the document's events (Unix
    /// microseconds); absent when none wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_due: Option<i64>,
    /// Events a receiver refused for good, kept for operators to see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox_failed: Vec<PendingEvent>,
}

impl Outbox {
    /// Adds `event` to go out as soon as the document is written.
    pub fn push(&mut self, event: Event) -> Result<(), serde_json::Error> {
        self.outbox.push(PendingEvent {
            id: crate::ids::new_id(),
            topic: event.topic,
            key: event.key,
            payload: serde_json::from_slice(&event.payload)?,
            attempts: 0,
            last_error: None,
        });
        self.outbox_due = Some(now_micros());
        Ok(())
    }
}

/// Delivers the events of some collections' documents until stopped.
pub struct DocRelay {
    docs: Arc<dyn DocumentStore>,
    collections: Vec<&'static str>,
    sink: Arc<dyn Sink>,
    config: RelayConfig,
}

/// How long a relay that found some documents due, but not a full batch,
/// waits before its next round.
const GATHER: Duration = Duration::from_millis(10);

/// Attempts at writing a document's outcome back over concurrent writes.
const RECORD_ATTEMPTS: usize = 16;

/// What became of a document's events: those delivered, and the one that
/// failed, if any.
type Delivery = (Vec<String>, Option<(String, DeliveryError)>);

impl DocRelay {
    pub fn new(
        docs: Arc<dyn DocumentStore>,
        collections: Vec<&'static str>,
        sink: Arc<dyn Sink>,
        config: RelayConfig,
    ) -> Self {
        Self { docs, collections, sink, config }
    }

    /// Runs until `stop` resolves; a failing store is logged and retried.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut failing = false;
        loop {
            let handled = tokio::select! {
                biased;
                () = &mut stop => return,
                handled = self.run_once() => handled,
            };
            match handled {
                Ok(n) => {
                    if failing {
                        tracing::info!("the document outbox relay reads its store again");
                        failing = false;
                    }
                    if n >= usize::try_from(self.config.batch_size).unwrap_or(usize::MAX) {
                        continue;
                    }
                    if n > 0 {
                        // More are likely on the way: a moment's wait lets
                        // them share the next round's two writes.
                        tokio::select! {
                            () = &mut stop => return,
                            () = tokio::time::sleep(GATHER.min(self.config.poll_interval)) => {}
                        }
                        continue;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "the document outbox relay cannot read its store");
                    }
                    failing = true;
                }
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
    }

    /// One round over every collection; returns how many documents were
    /// handled.
    pub async fn run_once(&self) -> Result<usize, DocError> {
        let mut handled = 0;
        for collection in &self.collections {
            let now = now_micros();
            let query = Query {
                filters: vec![("outbox_due".into(), Filter::Lte(now.into()))],
                sort: vec![("outbox_due".into(), Order::Asc)],
                limit: usize::try_from(self.config.batch_size).unwrap_or(64).max(1),
                after: None,
            };
            let due = self.docs.find(collection, &query).await?;
            handled += self.handle(collection, due.items).await?;
        }
        Ok(handled)
    }

    /// Leases the documents (those another writer changed meanwhile are
    /// left to the next round), delivers their events and records what
    /// became of them; how many were leased. The leases go in one write and
    /// the outcomes in another, so a busy collection costs the store two
    /// writes per round rather than two per document.
    async fn handle(&self, collection: &str, due: Vec<super::Stored>) -> Result<usize, DocError> {
        let lease_until = now_micros() + duration_micros(self.config.lease);
        let mut leased = Vec::with_capacity(due.len());
        let mut bodies = Vec::with_capacity(due.len());
        for stored in due {
            let mut body = stored.body;
            let mut outbox: Outbox = outbox_of(&body)?;
            outbox.outbox_due = Some(lease_until);
            set_outbox(&mut body, &outbox)?;
            bodies.push(body);
            leased.push((stored.id, stored.version, outbox));
        }
        let writes: Vec<Write<'_>> = leased
            .iter()
            .zip(&bodies)
            .map(|((id, version, _), body)| Write::Replace { id, body, expected_version: *version })
            .collect();
        let mut taken = Vec::with_capacity(leased.len());
        for (result, (id, _, outbox)) in self.docs.write_many(collection, &writes).await.into_iter().zip(&leased) {
            match result {
                Ok(_) => taken.push((id.as_str(), outbox)),
                Err(DocError::VersionConflict { .. } | DocError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let limit = tokio::sync::Semaphore::new(self.config.concurrency.max(1));
        let deliveries = taken.iter().map(|(id, outbox)| async {
            let _permit = limit.acquire().await.ok();
            (*id, self.deliver(outbox).await)
        });
        let outcomes = futures::future::join_all(deliveries).await;
        self.record(collection, outcomes).await?;
        Ok(taken.len())
    }

    /// Delivers a document's events in order; a failed event holds back the
    /// later ones. The delivered events, and the failure if one stopped it.
    async fn deliver(&self, outbox: &Outbox) -> Delivery {
        let mut delivered = Vec::new();
        for pending in &outbox.outbox {
            let event = OutboxEvent {
                id: pending.id.clone(),
                topic: pending.topic.clone(),
                key: pending.key.clone(),
                payload: serde_json::to_vec(&pending.payload).unwrap_or_default(),
                attempts: pending.attempts,
            };
            if let Err(e) = self.sink.deliver(&event).await {
                return (delivered, Some((pending.id.clone(), e)));
            }
            delivered.push(pending.id.clone());
        }
        (delivered, None)
    }

    /// Writes each document's outcome back, over any change made since the
    /// lease: the delivered events leave, a failed one counts its attempt.
    async fn record(&self, collection: &str, mut outcomes: Vec<(&str, Delivery)>) -> Result<(), DocError> {
        for _ in 0..RECORD_ATTEMPTS {
            if outcomes.is_empty() {
                return Ok(());
            }
            let ids: Vec<&str> = outcomes.iter().map(|(id, _)| *id).collect();
            let mut current: std::collections::HashMap<String, super::Stored> =
                self.docs.get_many(collection, &ids).await?.into_iter().map(|c| (c.id.clone(), c)).collect();
            // Documents deleted since the lease have nothing left to record.
            let mut pending = Vec::with_capacity(outcomes.len());
            for outcome in outcomes {
                let Some(stored) = current.remove(outcome.0) else { continue };
                let (delivered, failed) = &outcome.1;
                let body = self.outcome(stored.body, delivered, failed.as_ref())?;
                pending.push((outcome, stored.version, body));
            }
            let writes: Vec<Write<'_>> = pending
                .iter()
                .map(|((id, _), version, body)| Write::Replace { id, body, expected_version: *version })
                .collect();
            let results = self.docs.write_many(collection, &writes).await;
            let mut again = Vec::new();
            for (result, (outcome, _, _)) in results.into_iter().zip(pending) {
                match result {
                    Ok(_) | Err(DocError::NotFound) => {}
                    Err(DocError::VersionConflict { .. }) => again.push(outcome),
                    Err(e) => return Err(e),
                }
            }
            outcomes = again;
        }
        // The lease runs out and the events go again: receivers are idempotent.
        for (id, _) in outcomes {
            tracing::warn!(collection, id, "could not record outbox deliveries over concurrent writes");
        }
        Ok(())
    }

    fn outcome(
        &self,
        mut body: Value,
        delivered: &[String],
        failed: Option<&(String, DeliveryError)>,
    ) -> Result<Value, DocError> {
        let mut outbox = outbox_of(&body)?;
        outbox.outbox.retain(|e| !delivered.contains(&e.id));
        if let Some((id, error)) = failed
            && let Some(at) = outbox.outbox.iter().position(|e| &e.id == id)
        {
            let event = &mut outbox.outbox[at];
            event.attempts += 1;
            event.last_error = Some(error.to_string());
            let parked = matches!(error, DeliveryError::Permanent(_)) || event.attempts >= self.config.max_attempts;
            if parked {
                tracing::error!(topic = %event.topic, event = %event.id, %error, "outbox event parked as failed");
                let event = outbox.outbox.remove(at);
                outbox.outbox_failed.push(event);
            } else {
                tracing::warn!(topic = %event.topic, event = %event.id, attempts = event.attempts, %error, "outbox delivery failed");
            }
        }
        let now = now_micros();
        outbox.outbox_due = match outbox.outbox.first() {
            None => None,
            // Added since the lease: due at once.
            Some(first) if first.attempts == 0 => Some(now),
            Some(first) => Some(now + duration_micros(self.backoff(first.attempts))),
        };
        set_outbox(&mut body, &outbox)?;
        Ok(body)
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        self.config.base_backoff.saturating_mul(2u32.saturating_pow(exponent)).min(self.config.max_backoff)
    }
}

fn outbox_of(body: &Value) -> Result<Outbox, DocError> {
    Outbox::deserialize(body).map_err(|e| DocError::InvalidDocument(format!("unreadable outbox: {e}")))
}

/// Replaces the outbox fields of `body` with `outbox`'s.
fn set_outbox(body: &mut Value, outbox: &Outbox) -> Result<(), DocError> {
    let Value::Object(map) = body else { return Err(DocError::InvalidDocument("body must be a JSON object".into())) };
    for key in ["outbox", "outbox_due", "outbox_failed"] {
        map.remove(key);
    }
    let Ok(Value::Object(fields)) = serde_json::to_value(outbox) else {
        return Err(DocError::InvalidDocument("outbox does not serialize".into()));
    };
    map.extend(fields);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use serde_json::json;

    use super::*;
    use crate::docstore::SqlStore;

    /// Records what it is given; refuses topics starting with "bad" for
    /// good and, while `down`, everything else for now.
    #[derive(Default)]
    struct Receiver {
        got: Mutex<Vec<String>>,
        down: Mutex<bool>,
    }

    #[async_trait]
    impl Sink for Receiver {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
            if event.topic.starts_with("bad") {
                return Err(DeliveryError::Permanent("refused".into()));
            }
            if *self.down.lock().unwrap() {
                return Err(DeliveryError::Retryable("down".into()));
            }
            self.got.lock().unwrap().push(event.topic.clone());
            Ok(())
        }
    }

    fn config() -> RelayConfig {
        RelayConfig { base_backoff: Duration::ZERO, ..RelayConfig::default() }
    }

    async fn document(docs: &Arc<dyn DocumentStore>, topics: &[&str]) {
        let mut outbox = Outbox::default();
        for topic in topics {
            outbox.push(Event::new(*topic, "k", &json!({"n": 1})).unwrap()).unwrap();
        }
        let mut body = json!({"name": "kept"});
        set_outbox(&mut body, &outbox).unwrap();
        docs.insert("things", "t1", &body).await.unwrap();
    }

    #[tokio::test]
    async fn events_go_in_order_once_and_the_document_keeps_the_rest() {
        let docs: Arc<dyn DocumentStore> = Arc::new(SqlStore::connect("sqlite::memory:").await.unwrap());
        docs.ensure_index("things", &due_index()).await.unwrap();
        document(&docs, &["a", "b", "c"]).await;
        let receiver = Arc::new(Receiver::default());
        let relay = DocRelay::new(docs.clone(), vec!["things"], receiver.clone(), config());
        assert_eq!(relay.run_once().await.unwrap(), 1);
        assert_eq!(relay.run_once().await.unwrap(), 0, "nothing is due any more");
        assert_eq!(*receiver.got.lock().unwrap(), ["a", "b", "c"]);
        let stored = docs.get("things", "t1").await.unwrap().unwrap();
        assert_eq!(stored.body, json!({"name": "kept"}), "the outbox fields leave with the events");
    }

    #[tokio::test]
    async fn a_failure_holds_back_the_later_events_and_a_refusal_is_parked() {
        let docs: Arc<dyn DocumentStore> = Arc::new(SqlStore::connect("sqlite::memory:").await.unwrap());
        docs.ensure_index("things", &due_index()).await.unwrap();
        document(&docs, &["a", "bad", "c"]).await;
        let receiver = Arc::new(Receiver::default());
        *receiver.down.lock().unwrap() = true;
        let relay = DocRelay::new(docs.clone(), vec!["things"], receiver.clone(), config());
        relay.run_once().await.unwrap();
        let stored = docs.get("things", "t1").await.unwrap().unwrap();
        let outbox = outbox_of(&stored.body).unwrap();
        assert_eq!((outbox.outbox.len(), outbox.outbox[0].attempts), (3, 1), "nothing delivered, the first counted");
        *receiver.down.lock().unwrap() = false;
        relay.run_once().await.unwrap();
        relay.run_once().await.unwrap();
        assert_eq!(*receiver.got.lock().unwrap(), ["a", "c"]);
        let outbox = outbox_of(&docs.get("things", "t1").await.unwrap().unwrap().body).unwrap();
        assert!(outbox.outbox.is_empty() && outbox.outbox_due.is_none());
        assert_eq!(outbox.outbox_failed.len(), 1, "the refused event is kept for operators");
        assert_eq!(outbox.outbox_failed[0].topic, "bad");
    }
}
