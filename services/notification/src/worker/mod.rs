//! Delivery workers: take due deliveries in batches, resolve the batch's
//! contacts (one `BatchGetContactInfo`) and preferences, render, send
//! concurrently with a bound per channel, and record each outcome with
//! retries and backoff.
//!
//! A worker claims a delivery by writing it (status SENDING, a claim that
//! lapses) with the version it read: with several workers or replicas only
//! one write succeeds. A worker that dies leaves its claim to lapse, and
//! another takes the delivery again; emails carry the delivery id as
//! Message-ID so a receiver can drop such a repeat.
//!
//! Stop means stop: the worker looks for it between batches and before each
//! delivery. What it claimed and did not attempt goes back to the queue
//! without counting an attempt, and so does an attempt that failed while HMS
//! was stopping: it failed because of the stop, not because of the delivery.
//!
//! Retries do not storm: each destination (the user service, the SMTP server,
//! the SMS provider) has a circuit breaker. After a run of failures it opens
//! for a pause that grows while the destination stays down; meanwhile its
//! deliveries wait without counting attempts, and one line is logged when
//! it goes down and one when it is back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hms_kit::client::OutboundChannel;
use hms_kit::crypto::Sealer;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::time::{duration_micros, now_micros};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::audit::TemplateAuditor;
use crate::channels::{Mailer, SmsProvider};
use crate::domain;
use crate::events::Hub;
use crate::push::PushSender;
use crate::store::{DeliveryDoc, Store, StoreError, Versioned};

mod breakers;
mod outcome;
mod prepare;
mod push;
use breakers::{Breakers, Destination};
use outcome::Outcome;
use prepare::{Message, Step};

/// Section `[notification.worker]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    pub batch_size: usize,
    #[serde(with = "hms_kit::config::millis", alias = "poll_interval_ms")]
    pub poll_interval: Duration,
    /// How long a claim holds before another worker may take the delivery.
    #[serde(with = "hms_kit::config::millis", alias = "claim_ms")]
    pub claim_timeout: Duration,
    pub max_attempts: i64,
    #[serde(with = "hms_kit::config::millis", alias = "base_backoff_ms")]
    pub base_backoff: Duration,
    #[serde(with = "hms_kit::config::millis", alias = "max_backoff_ms")]
    pub max_backoff: Duration,
    /// How often a delivery whose template is missing looks for it again.
    /// It waits rather than fails: an admin may restore the template.
    #[serde(with = "hms_kit::config::millis", alias = "template_wait_ms")]
    pub template_wait: Duration,
    /// At most this many deliveries in flight at once on each channel
    /// (email, SMS, in-app). A channel starts at one and widens as its
    /// destination answers; a failure narrows it to one again.
    pub concurrency: usize,
    /// Consecutive failures of a destination (the user service, the SMTP
    /// server, the SMS provider) after which its deliveries pause.
    pub breaker_failures: u32,
    /// The first pause; it doubles while the destination stays down.
    #[serde(with = "hms_kit::config::millis", alias = "breaker_pause_ms")]
    pub breaker_pause: Duration,
    #[serde(with = "hms_kit::config::millis", alias = "breaker_max_pause_ms")]
    pub breaker_max_pause: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 128,
            poll_interval: Duration::from_millis(250),
            claim_timeout: Duration::from_millis(60_000),
            max_attempts: 8,
            base_backoff: Duration::from_millis(2_000),
            max_backoff: Duration::from_millis(600_000),
            template_wait: Duration::from_millis(60_000),
            concurrency: 8,
            breaker_failures: 5,
            breaker_pause: Duration::from_millis(1_000),
            breaker_max_pause: Duration::from_millis(60_000),
        }
    }
}

/// The worker's stop signal, as it can be looked at and waited for.
#[derive(Clone)]
pub(crate) struct Stop(watch::Receiver<bool>);

impl Stop {
    fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    async fn wait(&self) {
        let mut rx = self.0.clone();
        // An error means the sender is gone: nobody can stop us any more
        // than now, so treat it as stopped.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// Resolves `STOP_GRACE` after the stop: what is still in flight then
    /// is abandoned.
    async fn grace_over(&self) {
        self.wait().await;
        tokio::time::sleep(STOP_GRACE).await;
    }

    /// A signal that never fires: for a single pass outside `run`.
    #[cfg(test)]
    fn never() -> (watch::Sender<bool>, Self) {
        let (tx, rx) = watch::channel(false);
        (tx, Self(rx))
    }
}

pub struct Worker {
    pub(crate) store: Store,
    /// Opens the sealed (secret) data entries.
    pub(crate) sealer: Arc<Sealer>,
    pub(crate) users: InternalUserServiceClient<OutboundChannel>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) sms: Arc<dyn SmsProvider>,
    /// None when push is off on this server.
    pub(crate) push: Option<Arc<PushSender>>,
    pub(crate) hub: Arc<Hub>,
    pub(crate) config: WorkerConfig,
    /// Records template changes in the admin audit log, when it is configured.
    pub(crate) auditor: Option<TemplateAuditor>,
    pub(crate) breakers: Breakers,
}

/// How long sends in flight may go on once HMS is stopping, before they are
/// abandoned and their deliveries put back, uncounted (a receiver drops a
/// repeat by its Message-ID).
const STOP_GRACE: Duration = Duration::from_secs(1);

/// After a failed audit pass (the admin service unreachable), the next waits this long.
const AUDIT_BACKOFF: Duration = Duration::from_secs(5);

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        store: Store,
        sealer: Arc<Sealer>,
        users: InternalUserServiceClient<OutboundChannel>,
        mailer: Arc<dyn Mailer>,
        sms: Arc<dyn SmsProvider>,
        push: Option<Arc<PushSender>>,
        hub: Arc<Hub>,
        config: WorkerConfig,
        auditor: Option<TemplateAuditor>,
    ) -> Self {
        let breakers = Breakers::new(&config);
        Self { store, sealer, users, mailer, sms, push, hub, config, auditor, breakers }
    }

    /// Delivers, and records template changes, until `stop` resolves; then
    /// puts back what it holds and returns.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let (stopping, signal) = watch::channel(false);
        let work = self.work(Stop(signal));
        tokio::pin!(work, stop);
        tokio::select! {
            () = &mut work => return,
            () = &mut stop => {}
        }
        let _ = stopping.send(true);
        work.await;
    }

    async fn work(&self, stop: Stop) {
        let mut next_audit = tokio::time::Instant::now();
        let mut audit_failing = false;
        while !stop.is_set() {
            if let Some(auditor) = &self.auditor
                && tokio::time::Instant::now() >= next_audit
            {
                match auditor.run_once().await {
                    Ok(_) if audit_failing => {
                        tracing::info!("template changes reach the admin audit log again");
                        audit_failing = false;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        // One line when it starts failing, not one per pass.
                        if !audit_failing {
                            tracing::warn!(error = %e, "template changes wait for the admin audit log");
                        }
                        audit_failing = true;
                        next_audit = tokio::time::Instant::now() + AUDIT_BACKOFF;
                    }
                }
            }
            if stop.is_set() {
                return;
            }
            let handled = match self.run_batch(&stop).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery pass failed");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    () = stop.wait() => return,
                    () = self.hub.work.notified() => {}
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                }
            }
        }
    }

    /// Handles one batch of due deliveries; returns how many it took.
    async fn run_batch(&self, stop: &Stop) -> Result<usize, StoreError> {
        // Every delivery needs its recipient's contact: while the user
        // service is paused, nothing is taken.
        if self.breakers.is_paused(Destination::Users, now_micros()).is_some() {
            return Ok(0);
        }
        let due = self.store.due(now_micros(), self.config.batch_size.max(1)).await?;
        if stop.is_set() {
            return Ok(0);
        }
        let mut wanted = Vec::with_capacity(due.len());
        for delivery in due {
            // A paused channel's deliveries wait for it without being claimed.
            let paused = domain::channel_from_name(&delivery.doc.channel)
                .and_then(Destination::of)
                .and_then(|d| self.breakers.is_paused(d, now_micros()));
            match paused {
                Some(until) => self.postpone(delivery, until).await,
                None => wanted.push(delivery),
            }
        }
        let claimed = self.claim_all(wanted).await;
        let taken = claimed.len();
        if taken == 0 {
            return Ok(0);
        }
        if stop.is_set() {
            self.requeue_all(claimed, now_micros()).await;
            return Ok(taken);
        }
        let Some(context) = self.resolve(&claimed, stop).await else {
            return Ok(taken);
        };
        let context = context?;

        // Prepared in order (templates are read once per batch). What needs
        // no send (in-app notices, refusals) is recorded at once, in one
        // write; the rest is sent concurrently, a bounded number at a time on
        // each channel.
        let mut done = Vec::new();
        let mut by_channel: BTreeMap<String, Vec<(Versioned<DeliveryDoc>, Message)>> = BTreeMap::new();
        let mut context = context;
        for mut delivery in claimed {
            match self.prepare(&mut context, &delivery.id, &mut delivery.doc).await {
                Step::Done(outcome) => done.push((delivery, outcome)),
                Step::Send(message) => {
                    by_channel.entry(delivery.doc.channel.clone()).or_default().push((delivery, message))
                }
            }
        }
        if !done.is_empty() {
            self.record_all(done).await;
        }
        let lanes = by_channel.into_iter().map(|(channel, lane)| self.run_lane(channel, lane, stop));
        futures::future::join_all(lanes).await;
        Ok(taken)
    }

    /// One channel's sends of a batch, in waves as wide as its destination's
    /// breaker allows (at most `concurrency`), each wave sent once the one
    /// before is back; the outcomes are recorded together at the end, in one
    /// write (a send whose outcome a crash loses is made again when its claim
    /// lapses, and its receiver drops the repeat by Message-ID).
    async fn run_lane(&self, channel: String, lane: Vec<(Versioned<DeliveryDoc>, Message)>, stop: &Stop) {
        let bound = self.config.concurrency.max(1);
        let destination = domain::channel_from_name(&channel).and_then(Destination::of);
        let mut outcomes = Vec::with_capacity(lane.len());
        let mut rest = lane.into_iter().peekable();
        while rest.peek().is_some() {
            let width = destination.map_or(bound, |d| self.breakers.width(d, bound));
            let wave = rest.by_ref().take(width).map(|(delivery, message)| self.deliver(delivery, message, stop));
            outcomes.extend(futures::future::join_all(wave).await);
        }
        self.record_all(outcomes).await;
    }

    /// Sends a prepared delivery, unless HMS is stopping: its outcome.
    async fn deliver(
        &self,
        mut delivery: Versioned<DeliveryDoc>,
        message: Message,
        stop: &Stop,
    ) -> (Versioned<DeliveryDoc>, Outcome) {
        let outcome = if stop.is_set() {
            Outcome::Requeue(now_micros())
        } else if message.channel == hms_kit::proto::notification::Channel::Push {
            self.push(&mut delivery, message, stop).await
        } else {
            self.send(&delivery.id, message, stop).await
        };
        (delivery, outcome)
    }

    /// Claims due deliveries in one write: each is written SENDING, with a
    /// claim that lapses, over the version read; where another worker wrote
    /// first, it has the delivery.
    async fn claim_all(&self, mut due: Vec<Versioned<DeliveryDoc>>) -> Vec<Versioned<DeliveryDoc>> {
        let lapses = now_micros() + duration_micros(self.config.claim_timeout);
        for delivery in &mut due {
            delivery.doc.status = "SENDING".into();
            delivery.doc.attempts += 1;
            delivery.doc.next_attempt_at = lapses;
        }
        let refs: Vec<&Versioned<DeliveryDoc>> = due.iter().collect();
        let saved = self.store.save_deliveries(&refs).await;
        due.into_iter()
            .zip(saved)
            .filter_map(|(delivery, saved)| match saved {
                Ok(version) => Some(Versioned { version, ..delivery }),
                Err(StoreError::Conflict) => None,
                Err(e) => {
                    tracing::warn!(delivery = %delivery.id, error = %e, "claiming a delivery failed");
                    None
                }
            })
            .collect()
    }

    /// Moves a due, unclaimed delivery to `until`, when its destination may
    /// be tried again; another worker's claim wins.
    async fn postpone(&self, mut delivery: Versioned<DeliveryDoc>, until: i64) {
        delivery.doc.status = "QUEUED".into();
        delivery.doc.next_attempt_at = until;
        match self.store.save_delivery(&delivery.id, &delivery.doc, delivery.version).await {
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(e) => tracing::warn!(delivery = %delivery.id, error = %e, "postponing a delivery failed"),
        }
    }

    /// Puts claimed deliveries back, due at `at`, with no attempt counted.
    async fn requeue_all(&self, claimed: Vec<Versioned<DeliveryDoc>>, at: i64) {
        self.record_all(claimed.into_iter().map(|delivery| (delivery, Outcome::Requeue(at))).collect()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_signal_is_seen_and_awaited() {
        let (tx, stop) = Stop::never();
        assert!(!stop.is_set());
        tx.send(true).unwrap();
        assert!(stop.is_set());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(stop.wait());
    }
}
