//! The push channel's sends: one Web Push per subscribed browser of the
//! recipient. A browser whose push service answers 404 or 410 has
//! unsubscribed: its subscription is deleted, and the delivery counts it
//! as failed for good. A throttled or failing push service is tried again
//! with the worker's backoff, for the browsers that have not taken the
//! message yet (the delivery remembers those that have). A push service
//! that keeps failing is paused by its breaker (one per push service's
//! origin), so a dead one costs a few time-outs, not one per push, and
//! other vendors' browsers and the other channels go on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hms_kit::time::now_micros;

use super::breakers::Destination;
use super::outcome::Outcome;
use super::prepare::{Message, PushTarget};
use super::{Stop, Worker};
use crate::domain;
use crate::push::{PushError, PushSender, Target};
use crate::store::{DeliveryDoc, Versioned};

impl Worker {
    /// Pushes the message to each of the recipient's browsers that has not
    /// had it yet; the delivery's outcome over all of them.
    pub(super) async fn push(&self, delivery: &mut Versioned<DeliveryDoc>, message: Message, stop: &Stop) -> Outcome {
        let Some(sender) = &self.push else {
            return Outcome::Suppressed("push is off on this server".into());
        };
        let kind = domain::type_from_name(&delivery.doc.kind).unwrap_or_default();
        // What the service worker shows: a title, a line and a link into the
        // app; the template holds no clinical detail (`templates::check`).
        let payload = serde_json::json!({
            "title": message.rendered.subject,
            "body": message.rendered.text,
            "url": domain::push_link(kind),
        })
        .to_string();
        let urgency = domain::push_urgency(kind);
        let now = now_micros();
        let mut transient = None;
        // A push service that keeps failing is paused, like the email server:
        // its browsers wait without a request, so a dead one costs no time-outs.
        let (pending, paused): (Vec<&PushTarget>, Vec<&PushTarget>) = message
            .push_targets
            .iter()
            .filter(|t| !delivery.doc.pushed.contains(&t.id))
            .partition(|t| self.breakers.paused_until(Destination::push_service(&t.keys.endpoint), now).is_none());
        if !paused.is_empty() {
            transient = Some("the push service is paused after failing".to_owned());
        }
        let sends = pending.iter().map(|target| push_one(sender, target, payload.as_bytes(), urgency));
        let results = tokio::select! {
            results = futures::future::join_all(sends) => results,
            () = stop.grace_over() => return Outcome::Requeue(now_micros()),
        };
        let mut failures = Vec::new();
        for (target, result) in pending.into_iter().zip(results) {
            let service = Destination::push_service(&target.keys.endpoint);
            match &result {
                Err(PushError::Transient(error)) => {
                    self.breakers.failed(service, now_micros(), error);
                }
                _ => self.breakers.succeeded(service),
            }
            match result {
                Ok(()) => delivery.doc.pushed.push(target.id.clone()),
                Err(PushError::Gone(error)) => {
                    match self.store.delete_push_subscription(&target.id).await {
                        Ok(_) => tracing::info!(subscription = %target.id, "push subscription gone; deleted"),
                        Err(e) => {
                            tracing::warn!(subscription = %target.id, error = %e, "deleting a gone subscription failed")
                        }
                    }
                    failures.push(format!("{error} (subscription removed)"));
                }
                Err(PushError::Permanent(error)) => failures.push(error),
                Err(PushError::Transient(error)) => transient = Some(error),
            }
        }
        let reached = delivery.doc.pushed.len();
        let sent = || Outcome::Sent(format!("{reached} browser{}", if reached == 1 { "" } else { "s" }));
        match transient {
            Some(_) if stop.is_set() => Outcome::Requeue(now_micros()),
            // The last attempt: what reached a browser counts as sent.
            Some(_) if reached > 0 && delivery.doc.attempts >= self.config.max_attempts => sent(),
            Some(error) => Outcome::Retry(error),
            None if reached > 0 => sent(),
            None if failures.is_empty() => Outcome::Suppressed("the recipient has no push subscription".into()),
            None => Outcome::Failed(failures.join("; ")),
        }
    }
}

async fn push_one(sender: &PushSender, target: &PushTarget, payload: &[u8], urgency: &str) -> Result<(), PushError> {
    let decode = |text: &str| URL_SAFE_NO_PAD.decode(text.trim_end_matches('='));
    let (Ok(p256dh), Ok(auth)) = (decode(&target.keys.p256dh), decode(&target.keys.auth)) else {
        return Err(PushError::Permanent("the subscription's keys are not base64url".into()));
    };
    sender.send(&Target { endpoint: &target.keys.endpoint, p256dh: &p256dh, auth: &auth }, payload, urgency).await
}
