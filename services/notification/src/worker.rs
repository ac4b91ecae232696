//! Delivery workers: take due deliveries, resolve contact and preferences,
//! render, send, and record the outcome with retries and backoff.
//!
//! A worker claims a delivery by writing it (status SENDING, a claim that
//! lapses) with the version it read: with several workers or replicas only
//! one write succeeds. A worker that dies leaves its claim to lapse, and
//! another takes the delivery again; emails carry the delivery id as
//! Message-ID so a receiver can drop such a repeat.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::client::OutboundChannel;
use hms_kit::crypto::Sealer;
use hms_kit::proto::notification::{Channel, NotificationType};
use hms_kit::proto::user::GetContactInfoRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::time::{duration_micros, now_micros};
use serde::{Deserialize, Serialize};

use crate::audit::TemplateAuditor;
use crate::channels::{Email, Mailer, SendError, SmsProvider};
use crate::domain::templates::{self, Texts};
use crate::domain::{self, template_id};
use crate::events::Hub;
use crate::store::{DeliveryDoc, Store, StoreError, Versioned, preferences_to_proto};

/// Section `[notification.worker]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    pub batch_size: usize,
    pub poll_interval_ms: u64,
    /// How long a claim holds before another worker may take the delivery.
    pub claim_ms: u64,
    pub max_attempts: i64,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// How often a delivery whose template is missing looks for it again.
    /// It waits rather than fails: an admin may restore the template.
    pub template_wait_ms: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 16,
            poll_interval_ms: 250,
            claim_ms: 60_000,
            max_attempts: 8,
            base_backoff_ms: 2_000,
            max_backoff_ms: 600_000,
            template_wait_ms: 60_000,
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
    Failed(String),
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
}

/// After a failed audit pass (the admin service unreachable), the next waits this long.
const AUDIT_BACKOFF: Duration = Duration::from_secs(5);

impl Worker {
    /// Delivers, and records template changes, until `stop` resolves.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut next_audit = tokio::time::Instant::now();
        let mut audit_failing = false;
        loop {
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
            let handled = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery pass failed");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    () = &mut stop => return,
                    () = self.hub.work.notified() => {}
                    () = tokio::time::sleep(Duration::from_millis(self.config.poll_interval_ms)) => {}
                }
            }
        }
    }

    /// Handles one batch of due deliveries; returns how many it took.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let due = self.store.due(now_micros(), self.config.batch_size).await?;
        let mut taken = 0;
        for delivery in due {
            if let Some(claimed) = self.claim(delivery).await {
                taken += 1;
                self.process(claimed).await;
            }
        }
        Ok(taken)
    }

    async fn claim(&self, mut delivery: Versioned<DeliveryDoc>) -> Option<Versioned<DeliveryDoc>> {
        let doc = &mut delivery.doc;
        doc.status = "SENDING".into();
        doc.attempts += 1;
        doc.next_attempt_at = now_micros() + duration_micros(Duration::from_millis(self.config.claim_ms));
        match self.store.save_delivery(&delivery.id, &delivery.doc, delivery.version).await {
            Ok(version) => Some(Versioned { version, ..delivery }),
            Err(StoreError::Conflict) => None,
            Err(e) => {
                tracing::warn!(delivery = %delivery.id, error = %e, "claiming a delivery failed");
                None
            }
        }
    }

    async fn process(&self, mut delivery: Versioned<DeliveryDoc>) {
        let outcome = self.attempt(&delivery.id, &mut delivery.doc).await;
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
                doc.next_attempt_at = now + duration_micros(Duration::from_millis(self.config.template_wait_ms));
                doc.error = reason;
            }
            Outcome::Retry(error) if doc.attempts < self.config.max_attempts => {
                let attempt = u32::try_from(doc.attempts).unwrap_or(u32::MAX);
                let delay = domain::retry_delay(
                    Duration::from_millis(self.config.base_backoff_ms),
                    Duration::from_millis(self.config.max_backoff_ms),
                    attempt,
                );
                tracing::warn!(delivery = %delivery.id, attempt, error = %error, "delivery failed; will retry");
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

    async fn attempt(&self, id: &str, doc: &mut DeliveryDoc) -> Outcome {
        let (Some(kind), Some(channel)) = (domain::type_from_name(&doc.kind), domain::channel_from_name(&doc.channel))
        else {
            return Outcome::Failed(format!("unknown type or channel {}/{}", doc.kind, doc.channel));
        };
        let contact = match self
            .users
            .clone()
            .get_contact_info(GetContactInfoRequest { user_id: doc.recipient_id.clone() })
            .await
        {
            Ok(reply) => reply.into_inner(),
            Err(status) if status.code() == tonic::Code::NotFound => {
                return Outcome::Failed("the recipient no longer exists".into());
            }
            Err(status) => return Outcome::Retry(format!("user service: {}", status.message())),
        };
        if !contact.is_active && !domain::always_sent(kind, channel) {
            return Outcome::Suppressed("the recipient's account is deactivated".into());
        }
        let preferences = match self.store.preferences(&doc.recipient_id).await {
            Ok(found) => found.map(|p| preferences_to_proto(&p.doc)).unwrap_or_default(),
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        if !domain::allowed(&preferences, kind, channel) {
            let reason = if domain::opt_in(channel) {
                "the recipient has not turned this channel on"
            } else {
                "the recipient opted out of this channel"
            };
            return Outcome::Suppressed(reason.into());
        }
        let language = domain::language(&preferences, &contact.preferred_language).to_owned();
        let texts = match self.template(kind, channel, &language).await {
            Ok(Some(texts)) => texts,
            Ok(None) => {
                return Outcome::Wait(format!("waiting for template {}", template_id(kind, channel, &language)));
            }
            Err(e) => return Outcome::Retry(e.to_string()),
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
                Err(e) => return Outcome::Failed(format!("sealed {name} cannot be opened: {e}")),
            }
        }
        let template_failure = |e| Outcome::Failed(format!("template {}: {e}", template_id(kind, channel, &language)));
        let rendered = match templates::render(&texts, &data) {
            Ok(rendered) => rendered,
            Err(e) => return template_failure(e),
        };
        // The log keeps what was sent, minus the secrets.
        if redacted.is_empty() {
            doc.subject.clone_from(&rendered.subject);
            doc.body.clone_from(&rendered.text);
        } else {
            data.extend(redacted);
            match templates::render(&texts, &data) {
                Ok(logged) => (doc.subject, doc.body) = (logged.subject, logged.text),
                Err(e) => return template_failure(e),
            }
        }
        doc.language = language;

        let result = match channel {
            Channel::Email if contact.email.is_empty() => {
                return Outcome::Failed("the recipient has no email address".into());
            }
            Channel::Email => {
                let html = rendered.html.clone().unwrap_or_else(|| templates::text_to_html(&rendered.text));
                let email =
                    Email { to: &contact.email, subject: &rendered.subject, text: &rendered.text, html: &html, id };
                self.mailer.send(&email).await.map(|()| contact.email.clone())
            }
            Channel::Sms if contact.phone_number.is_empty() => {
                return Outcome::Failed("the recipient has no phone number".into());
            }
            Channel::Sms => {
                self.sms.send(&contact.phone_number, &rendered.text).await.map(|_| contact.phone_number.clone())
            }
            Channel::InApp => return Outcome::Delivered,
            Channel::Unspecified => return Outcome::Failed("no channel".into()),
        };
        match result {
            Ok(contact) => Outcome::Sent(contact),
            Err(SendError::Transient(e)) => Outcome::Retry(e),
            Err(SendError::Permanent(e)) => Outcome::Failed(e),
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
