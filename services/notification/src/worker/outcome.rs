//! After preparing: the send on its channel, through the destination's
//! breaker, and the outcome written back to the delivery log.

use hms_kit::proto::notification::Channel;
use hms_kit::time::{duration_micros, now_micros};

use super::breakers::Destination;
use super::prepare::Message;
use super::{Stop, Worker};
use crate::channels::{Email, SendError};
use crate::domain::{self, templates};
use crate::store::{DeliveryDoc, Versioned};

pub(super) enum Outcome {
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

impl Worker {
    /// Sends on the channel, through its breaker. A failure while HMS is
    /// stopping is the stop's, not the delivery's: no attempt is counted.
    pub(super) async fn send(&self, id: &str, message: Message, stop: &Stop) -> Outcome {
        let Some(destination) = Destination::of(message.channel) else {
            return Outcome::Failed("no channel".into());
        };
        if let Some(until) = self.breakers.paused_until(destination, now_micros()) {
            return Outcome::Requeue(until);
        }
        let Message { channel, to, rendered, .. } = message;
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

    /// Records the outcomes of deliveries (a wave, or a batch put back) in
    /// one write (one transaction on SQLite).
    pub(super) async fn record_all(&self, outcomes: Vec<(Versioned<DeliveryDoc>, Outcome)>) {
        let settled: Vec<Versioned<DeliveryDoc>> = outcomes
            .into_iter()
            .map(|(mut delivery, outcome)| {
                self.settle(&mut delivery, outcome);
                delivery
            })
            .collect();
        let refs: Vec<&Versioned<DeliveryDoc>> = settled.iter().collect();
        let mut saved_in_app = false;
        for (delivery, saved) in settled.iter().zip(self.store.save_deliveries(&refs).await) {
            match saved {
                Ok(_) => saved_in_app |= delivery.doc.status == "DELIVERED",
                // Our claim lapsed and another worker took over; it records the outcome.
                Err(e) => tracing::warn!(delivery = %delivery.id, error = %e, "recording a delivery outcome failed"),
            }
        }
        // DELIVERED is the in-app channel's final state: an inbox changed.
        if saved_in_app {
            self.hub.inbox.notify_waiters();
        }
    }

    /// The delivery as `outcome` leaves it.
    fn settle(&self, delivery: &mut Versioned<DeliveryDoc>, outcome: Outcome) {
        let doc = &mut delivery.doc;
        let now = now_micros();
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
    }
}
