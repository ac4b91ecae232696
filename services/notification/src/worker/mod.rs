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

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use hms_kit::client::OutboundChannel;
use hms_kit::crypto::Sealer;
use hms_kit::proto::notification::{Channel, NotificationType, Preferences};
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::proto::user::{BatchGetContactInfoRequest, ContactInfo};
use hms_kit::time::{duration_micros, now_micros};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::audit::TemplateAuditor;
use crate::channels::{Email, Mailer, SendError, SmsProvider};
use crate::domain::templates::{self, Rendered, Texts};
use crate::domain::{self, template_id};
use crate::events::Hub;
use crate::store::{DeliveryDoc, Store, StoreError, Versioned, preferences_to_proto};

mod breakers;
use breakers::{Breakers, Destination};

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
            batch_size: 16,
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

enum Outcome {
    Sent(String),
    Delivered,
    Suppressed(String),
    Retry(String),
    /// Not an attempt: something it needs (its template) is missing for now.
    Wait(String),
    /// Not an attempt: back to the queue, due at this instant (HMS is
    /// stopping, or the destination is paused).
    Requeue(i64),
    Failed(String),
}

/// A message ready to go out on its channel.
struct Message {
    channel: Channel,
    to: String,
    rendered: Rendered,
}

/// What preparing a delivery came to: a message to send, or its outcome.
enum Step {
    Send(Message),
    Done(Outcome),
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

/// What a batch resolves once for all its deliveries.
#[derive(Default)]
struct BatchContext {
    contacts: HashMap<String, ContactInfo>,
    preferences: HashMap<String, Result<Preferences, String>>,
    templates: HashMap<(NotificationType, Channel, String), Option<Texts>>,
}

pub struct Worker {
    pub(crate) store: Store,
    /// Opens the sealed (secret) data entries.
    pub(crate) sealer: Arc<Sealer>,
    pub(crate) users: InternalUserServiceClient<OutboundChannel>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) sms: Arc<dyn SmsProvider>,
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
        hub: Arc<Hub>,
        config: WorkerConfig,
        auditor: Option<TemplateAuditor>,
    ) -> Self {
        let breakers = Breakers::new(&config);
        Self { store, sealer, users, mailer, sms, hub, config, auditor, breakers }
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
        let mut claimed = Vec::with_capacity(due.len());
        for delivery in due {
            if stop.is_set() {
                break;
            }
            // A paused channel's deliveries wait for it without being claimed.
            let paused = domain::channel_from_name(&delivery.doc.channel)
                .and_then(Destination::of)
                .and_then(|d| self.breakers.is_paused(d, now_micros()));
            if let Some(until) = paused {
                self.postpone(delivery, until).await;
                continue;
            }
            if let Some(delivery) = self.claim(delivery).await {
                claimed.push(delivery);
            }
        }
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

        // Prepared in order (templates are read once per batch), then sent
        // concurrently, a bounded number at a time on each channel.
        let mut by_channel: BTreeMap<String, Vec<(Versioned<DeliveryDoc>, Step)>> = BTreeMap::new();
        let mut context = context;
        for mut delivery in claimed {
            let step = self.prepare(&mut context, &delivery.id, &mut delivery.doc).await;
            by_channel.entry(delivery.doc.channel.clone()).or_default().push((delivery, step));
        }
        let lanes = by_channel.into_iter().map(|(channel, lane)| self.run_lane(channel, lane, stop));
        futures::future::join_all(lanes).await;
        Ok(taken)
    }

    /// One channel's deliveries of a batch, in waves as wide as its
    /// destination's breaker allows (at most `concurrency`): each wave is
    /// sent and recorded before the next starts.
    async fn run_lane(&self, channel: String, lane: Vec<(Versioned<DeliveryDoc>, Step)>, stop: &Stop) {
        let bound = self.config.concurrency.max(1);
        let destination = domain::channel_from_name(&channel).and_then(Destination::of);
        let mut rest = lane.into_iter().peekable();
        while rest.peek().is_some() {
            let width = destination.map_or(bound, |d| self.breakers.width(d, bound));
            let wave = rest.by_ref().take(width).map(|(delivery, step)| self.deliver(delivery, step, stop));
            futures::future::join_all(wave).await;
        }
    }

    /// Sends a prepared delivery, unless HMS is stopping, and records the outcome.
    async fn deliver(&self, delivery: Versioned<DeliveryDoc>, step: Step, stop: &Stop) {
        let outcome = match step {
            Step::Done(outcome) => outcome,
            Step::Send(_) if stop.is_set() => Outcome::Requeue(now_micros()),
            Step::Send(message) => self.send(&delivery.id, message, stop).await,
        };
        self.record(delivery, outcome).await;
    }

    /// The batch's contacts and preferences, once each. None when the
    /// deliveries went back to the queue (stopping, or the user service down).
    async fn resolve(
        &self,
        claimed: &[Versioned<DeliveryDoc>],
        stop: &Stop,
    ) -> Option<Result<BatchContext, StoreError>> {
        let mut ids: Vec<String> = claimed.iter().map(|d| d.doc.recipient_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let now = now_micros();
        if let Some(until) = self.breakers.paused_until(Destination::Users, now) {
            self.requeue_all(claimed.to_vec(), until).await;
            return None;
        }
        let mut users = self.users.clone();
        let request = BatchGetContactInfoRequest { user_ids: ids.clone() };
        let answer = tokio::select! {
            answer = users.batch_get_contact_info(request) => answer,
            () = stop.grace_over() => Err(tonic::Status::cancelled("HMS is stopping")),
        };
        let contacts = match answer {
            Ok(reply) => {
                self.breakers.succeeded(Destination::Users);
                reply.into_inner().contacts
            }
            Err(_) if stop.is_set() => {
                self.requeue_all(claimed.to_vec(), now_micros()).await;
                return None;
            }
            Err(status) => {
                let now = now_micros();
                let error = format!("user service: {}", status.message());
                self.breakers.failed(Destination::Users, now, &error);
                let retry = self.config.base_backoff;
                let at = self.breakers.paused_until(Destination::Users, now).unwrap_or(now + duration_micros(retry));
                tracing::debug!(error, deliveries = claimed.len(), "contacts not read; the batch waits");
                self.requeue_all(claimed.to_vec(), at).await;
                return None;
            }
        };
        if stop.is_set() {
            self.requeue_all(claimed.to_vec(), now_micros()).await;
            return None;
        }
        let mut context = BatchContext { contacts: contacts.into_iter().collect(), ..BatchContext::default() };
        for id in ids {
            let preferences = match self.store.preferences(&id).await {
                Ok(found) => Ok(found.map(|p| preferences_to_proto(&p.doc)).unwrap_or_default()),
                Err(e) => Err(e.to_string()),
            };
            context.preferences.insert(id, preferences);
        }
        Some(Ok(context))
    }

    async fn claim(&self, mut delivery: Versioned<DeliveryDoc>) -> Option<Versioned<DeliveryDoc>> {
        let doc = &mut delivery.doc;
        doc.status = "SENDING".into();
        doc.attempts += 1;
        doc.next_attempt_at = now_micros() + duration_micros(self.config.claim_timeout);
        match self.store.save_delivery(&delivery.id, &delivery.doc, delivery.version).await {
            Ok(version) => Some(Versioned { version, ..delivery }),
            Err(StoreError::Conflict) => None,
            Err(e) => {
                tracing::warn!(delivery = %delivery.id, error = %e, "claiming a delivery failed");
                None
            }
        }
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
        let writes = claimed.into_iter().map(|delivery| self.record(delivery, Outcome::Requeue(at)));
        futures::future::join_all(writes).await;
    }

    async fn record(&self, mut delivery: Versioned<DeliveryDoc>, outcome: Outcome) {
        let doc = &mut delivery.doc;
        let now = now_micros();
        let mut delivered_in_app = false;
        match outcome {
            Outcome::Sent(contact) => {
                doc.status = "SENT".into();
                doc.recipient_contact = contact;
                doc.sent_at = Some(now);
                doc.error.clear();
            }
            Outcome::Delivered => {
                doc.status = "DELIVERED".into();
                doc.sent_at = Some(now);
                doc.error.clear();
                delivered_in_app = true;
            }
            Outcome::Suppressed(reason) => {
                doc.status = "SUPPRESSED".into();
                doc.error = reason;
            }
            Outcome::Wait(reason) => {
                tracing::warn!(delivery = %delivery.id, reason = %reason, "delivery waits");
                doc.status = "QUEUED".into();
                doc.attempts -= 1;
                doc.next_attempt_at = now + duration_micros(self.config.template_wait);
                doc.error = reason;
            }
            Outcome::Requeue(at) => {
                doc.status = "QUEUED".into();
                doc.attempts -= 1;
                doc.next_attempt_at = at;
            }
            Outcome::Retry(error) if doc.attempts < self.config.max_attempts => {
                let attempt = u32::try_from(doc.attempts).unwrap_or(u32::MAX);
                let delay = domain::retry_delay(self.config.base_backoff, self.config.max_backoff, attempt);
                // The destination's breaker logs its state changes; one line
                // per delivery would flood the log while it is down.
                tracing::debug!(delivery = %delivery.id, attempt, error = %error, "delivery failed; will retry");
                doc.status = "QUEUED".into();
                doc.next_attempt_at = now + duration_micros(delay);
                doc.error = error;
            }
            Outcome::Retry(error) | Outcome::Failed(error) => {
                tracing::error!(delivery = %delivery.id, kind = %doc.kind, channel = %doc.channel, error = %error, "delivery FAILED");
                doc.status = "FAILED".into();
                doc.error = error;
            }
        }
        if doc.status != "QUEUED" {
            // Final: the secrets have done their work and are kept no longer.
            doc.sealed.clear();
        }
        match self.store.save_delivery(&delivery.id, &delivery.doc, delivery.version).await {
            Ok(_) if delivered_in_app => self.hub.inbox.notify_waiters(),
            Ok(_) => {}
            // Our claim lapsed and another worker took over; it records the outcome.
            Err(e) => tracing::warn!(delivery = %delivery.id, error = %e, "recording a delivery outcome failed"),
        }
    }

    /// Everything up to the send: contact, preferences, template, rendering.
    async fn prepare(&self, context: &mut BatchContext, id: &str, doc: &mut DeliveryDoc) -> Step {
        match self.prepare_message(context, id, doc).await {
            Ok(message) => Step::Send(message),
            Err(outcome) => Step::Done(outcome),
        }
    }

    async fn prepare_message(
        &self,
        context: &mut BatchContext,
        id: &str,
        doc: &mut DeliveryDoc,
    ) -> Result<Message, Outcome> {
        let (Some(kind), Some(channel)) = (domain::type_from_name(&doc.kind), domain::channel_from_name(&doc.channel))
        else {
            return Err(Outcome::Failed(format!("unknown type or channel {}/{}", doc.kind, doc.channel)));
        };
        let Some(contact) = context.contacts.get(&doc.recipient_id) else {
            return Err(Outcome::Failed("the recipient no longer exists".into()));
        };
        if !contact.is_active && !domain::always_sent(kind, channel) {
            return Err(Outcome::Suppressed("the recipient's account is deactivated".into()));
        }
        let preferences = match context.preferences.get(&doc.recipient_id) {
            Some(Ok(preferences)) => preferences,
            Some(Err(e)) => return Err(Outcome::Retry(e.clone())),
            None => return Err(Outcome::Retry("preferences not read".into())),
        };
        if !domain::allowed(preferences, kind, channel) {
            let reason = if domain::opt_in(channel) {
                "the recipient has not turned this channel on"
            } else {
                "the recipient opted out of this channel"
            };
            return Err(Outcome::Suppressed(reason.into()));
        }
        let language = domain::language(preferences, &contact.preferred_language).to_owned();
        let to = match channel {
            Channel::Email if contact.email.is_empty() => {
                return Err(Outcome::Failed("the recipient has no email address".into()));
            }
            Channel::Email => contact.email.clone(),
            Channel::Sms if contact.phone_number.is_empty() => {
                return Err(Outcome::Failed("the recipient has no phone number".into()));
            }
            Channel::Sms => contact.phone_number.clone(),
            Channel::InApp => String::new(),
            Channel::Unspecified => return Err(Outcome::Failed("no channel".into())),
        };
        let key = (kind, channel, language.clone());
        let texts = match context.templates.get(&key) {
            Some(texts) => texts.clone(),
            None => {
                let texts = self.template(kind, channel, &language).await.map_err(|e| Outcome::Retry(e.to_string()))?;
                context.templates.insert(key, texts.clone());
                texts
            }
        };
        let Some(texts) = texts else {
            return Err(Outcome::Wait(format!("waiting for template {}", template_id(kind, channel, &language))));
        };
        let mut data = doc.data.clone();
        let mut redacted = Vec::new();
        for (name, sealed) in &doc.sealed {
            match self.sealer.open_text(sealed, id) {
                Ok(value) => {
                    redacted.push((name.clone(), domain::redacted(&value)));
                    data.insert(name.clone(), value);
                }
                // Its key is gone: no retry brings it back.
                Err(e) => return Err(Outcome::Failed(format!("sealed {name} cannot be opened: {e}"))),
            }
        }
        let template_failure = |e| Outcome::Failed(format!("template {}: {e}", template_id(kind, channel, &language)));
        let rendered = templates::render(&texts, &data).map_err(template_failure)?;
        // The log keeps what was sent, minus the secrets.
        if redacted.is_empty() {
            doc.subject.clone_from(&rendered.subject);
            doc.body.clone_from(&rendered.text);
        } else {
            data.extend(redacted);
            let logged = templates::render(&texts, &data).map_err(template_failure)?;
            (doc.subject, doc.body) = (logged.subject, logged.text);
        }
        doc.language = language;
        if channel == Channel::InApp {
            return Err(Outcome::Delivered);
        }
        Ok(Message { channel, to, rendered })
    }

    /// Sends on the channel, through its breaker. A failure while HMS is
    /// stopping is the stop's, not the delivery's: no attempt is counted.
    async fn send(&self, id: &str, message: Message, stop: &Stop) -> Outcome {
        let Some(destination) = Destination::of(message.channel) else {
            return Outcome::Failed("no channel".into());
        };
        if let Some(until) = self.breakers.paused_until(destination, now_micros()) {
            return Outcome::Requeue(until);
        }
        let Message { channel, to, rendered } = message;
        let sending = async {
            match channel {
                Channel::Email => {
                    let html = rendered.html.clone().unwrap_or_else(|| templates::text_to_html(&rendered.text));
                    let email = Email { to: &to, subject: &rendered.subject, text: &rendered.text, html: &html, id };
                    self.mailer.send(&email).await.map(|()| to.clone())
                }
                _ => self.sms.send(&to, &rendered.text).await.map(|_| to.clone()),
            }
        };
        let result = tokio::select! {
            result = sending => result,
            () = stop.grace_over() => return Outcome::Requeue(now_micros()),
        };
        match result {
            Ok(contact) => {
                self.breakers.succeeded(destination);
                Outcome::Sent(contact)
            }
            Err(SendError::Transient(_)) if stop.is_set() => Outcome::Requeue(now_micros()),
            Err(SendError::Transient(e)) => {
                self.breakers.failed(destination, now_micros(), &e);
                Outcome::Retry(e)
            }
            // The destination answered: it is up, the message is at fault.
            Err(SendError::Permanent(e)) => {
                self.breakers.succeeded(destination);
                Outcome::Failed(e)
            }
        }
    }

    /// The template in `language`, else in the other shipped language.
    async fn template(
        &self,
        kind: NotificationType,
        channel: Channel,
        language: &str,
    ) -> Result<Option<Texts>, StoreError> {
        for candidate in std::iter::once(language).chain(domain::LANGUAGES.into_iter().filter(|l| *l != language)) {
            if let Some(t) = self.store.template(&template_id(kind, channel, candidate)).await? {
                return Ok(Some(Texts {
                    subject: t.doc.subject,
                    body_text: t.doc.body_text,
                    body_html: t.doc.body_html,
                }));
            }
        }
        Ok(None)
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
