//! Before a send: the batch's contacts (one `BatchGetContactInfo`) and
//! preferences resolved once, then each delivery's template rendered in the
//! recipient's language, with its sealed values opened for the message and
//! redacted in the log.

use std::collections::HashMap;

use hms_kit::proto::notification::{Channel, NotificationType, Preferences};
use hms_kit::proto::user::{BatchGetContactInfoRequest, ContactInfo};
use hms_kit::time::{duration_micros, now_micros};

use super::breakers::Destination;
use super::outcome::Outcome;
use super::{Stop, Worker};
use crate::domain::templates::{self, Rendered, Texts};
use crate::domain::{self, template_id};
use crate::store::{DeliveryDoc, PushKeys, StoreError, Versioned};

/// What a batch resolves once for all its deliveries.
pub(super) struct BatchContext {
    contacts: HashMap<String, ContactInfo>,
    /// Everyone's in the batch, or why they could not be read.
    preferences: Result<HashMap<String, Preferences>, String>,
    templates: HashMap<(NotificationType, Channel, String), Option<Texts>>,
}

/// A message ready to go out on its channel.
pub(super) struct Message {
    pub(super) channel: Channel,
    pub(super) to: String,
    pub(super) rendered: Rendered,
    /// Push only: the recipient's subscribed browsers.
    pub(super) push_targets: Vec<PushTarget>,
}

/// One subscribed browser, its keys opened.
pub(super) struct PushTarget {
    pub(super) id: String,
    pub(super) keys: PushKeys,
}

/// What preparing a delivery came to: a message to send, or its outcome.
pub(super) enum Step {
    Send(Message),
    Done(Outcome),
}

impl Worker {
    /// The batch's contacts and preferences, once each. None when the
    /// deliveries went back to the queue (stopping, or the user service down).
    pub(super) async fn resolve(
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
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        // Unread preferences make each delivery retry, not the batch fail.
        let preferences = self.store.preferences_of(&wanted).await.map_err(|e| e.to_string());
        Some(Ok(BatchContext { contacts: contacts.into_iter().collect(), preferences, templates: HashMap::new() }))
    }

    /// Everything up to the send: contact, preferences, template, rendering.
    pub(super) async fn prepare(&self, context: &mut BatchContext, id: &str, doc: &mut DeliveryDoc) -> Step {
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
        let preferences = match &context.preferences {
            Ok(all) => match all.get(&doc.recipient_id) {
                Some(preferences) => preferences,
                None => return Err(Outcome::Retry("preferences not read".into())),
            },
            Err(e) => return Err(Outcome::Retry(e.clone())),
        };
        if !domain::allowed(preferences, kind, channel) {
            let reason = if !domain::on_by_default(kind, channel) {
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
            Channel::InApp | Channel::Push => String::new(),
            Channel::Unspecified => return Err(Outcome::Failed("no channel".into())),
        };
        let push_targets =
            if channel == Channel::Push { self.push_targets(&doc.recipient_id).await? } else { Vec::new() };
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
        Ok(Message { channel, to, rendered, push_targets })
    }

    /// The recipient's subscribed browsers; none is a suppression, not an
    /// error: their preferences allow push, but no browser asked for it.
    async fn push_targets(&self, recipient: &str) -> Result<Vec<PushTarget>, Outcome> {
        if self.push.is_none() {
            return Err(Outcome::Suppressed("push is off on this server".into()));
        }
        let subscriptions =
            self.store.push_subscriptions_of(recipient).await.map_err(|e| Outcome::Retry(e.to_string()))?;
        let targets: Vec<PushTarget> = subscriptions
            .into_iter()
            .filter_map(|s| {
                let opened = self.sealer.open_text(&s.doc.sealed, &s.id).map_err(|e| e.to_string());
                match opened.and_then(|json| serde_json::from_str::<PushKeys>(&json).map_err(|e| e.to_string())) {
                    Ok(keys) => Some(PushTarget { id: s.id, keys }),
                    // Its key is gone: no retry brings it back; the browser
                    // subscribes again when the person next allows it.
                    Err(e) => {
                        tracing::warn!(subscription = %s.id, error = %e, "push subscription cannot be opened");
                        None
                    }
                }
            })
            .collect();
        if targets.is_empty() {
            return Err(Outcome::Suppressed("the recipient has no push subscription".into()));
        }
        Ok(targets)
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
