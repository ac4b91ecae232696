//! Queueing a `Send`: one delivery per channel that has a template and that
//! the recipient's preferences allow, idempotent on the caller's key, secret
//! data sealed to its delivery.

use std::collections::BTreeMap;

use hms_kit::error::{self, FieldViolations, invalid_field};
use hms_kit::proto::notification::{Channel, NotificationType};
use hms_kit::proto::user::GetContactInfoRequest;
use hms_kit::time::now_micros;
use ring::digest::{SHA256, digest};
use tonic::{Code, Status};

use super::State;
use crate::domain::{self, channel_from_name, channel_name, type_name};
use crate::store::{DeliveryDoc, RequestDoc, Versioned, preferences_to_proto};

/// A validated `Send` from `caller`.
pub struct Outgoing {
    pub caller: String,
    pub kind: NotificationType,
    pub recipient_id: String,
    pub idempotency_key: String,
    pub data: BTreeMap<String, String>,
    /// The channels asked for, each once, in order.
    pub channels: Vec<Channel>,
}

/// A deterministic request id: the same caller and key always give the same id.
fn request_id(caller: &str, key: &str) -> String {
    let hash = digest(&SHA256, format!("{caller}\n{key}").as_bytes());
    hash.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn delivery_id(request_id: &str, channel: Channel) -> String {
    format!("{request_id}-{}", channel_name(channel).to_lowercase())
}

impl State {
    /// Queues the deliveries of a `Send`: the request id and its deliveries.
    pub async fn send(&self, r: Outgoing) -> Result<(String, Vec<Versioned<DeliveryDoc>>), Status> {
        let s = self;
        let Outgoing { caller, kind, channels, .. } = r;
        let available: Vec<Channel> =
            s.store.template_channels(type_name(kind)).await?.iter().filter_map(|c| channel_from_name(c)).collect();
        let mut v = FieldViolations::new();
        for channel in &channels {
            if !available.contains(channel) {
                v.add("channel_preferences", format!("{} has no {} template", type_name(kind), channel_name(*channel)));
            }
        }
        v.require(!available.is_empty(), "type", "has no templates on any channel");
        v.into_result()?;

        match s.users.clone().get_contact_info(GetContactInfoRequest { user_id: r.recipient_id.clone() }).await {
            Ok(_) => {}
            Err(status) if status.code() == Code::NotFound => {
                return Err(invalid_field("recipient_id", "is not a known user"));
            }
            Err(status) => {
                tracing::warn!(error = %status.message(), "user service unavailable for Send");
                return Err(Status::unavailable("cannot check the recipient right now, retry later"));
            }
        }

        // The recipient's choices add the opt-in channels (SMS); the worker
        // checks them again when it sends, so a later opt-out still holds.
        let preferences = s.store.preferences(&r.recipient_id).await?;
        let preferences = preferences.map(|p| preferences_to_proto(&p.doc)).unwrap_or_default();
        let channels = domain::send_channels(&preferences, kind, &channels, &available);

        let id = request_id(&caller, &r.idempotency_key);
        let now = now_micros();
        let created = s
            .store
            .insert_request(
                &id,
                &RequestDoc {
                    caller,
                    idempotency_key: r.idempotency_key.clone(),
                    kind: type_name(kind).to_owned(),
                    recipient_id: r.recipient_id.clone(),
                    channels: channels.iter().map(|c| channel_name(*c).to_owned()).collect(),
                    created_at: now,
                },
            )
            .await?;
        // On a replay, the stored request decides the channels, not this one.
        let channels = if created {
            channels
        } else {
            let stored = s.store.request(&id).await?.ok_or_else(|| Status::unavailable("retry later"))?;
            stored.channels.iter().filter_map(|c| channel_from_name(c)).collect()
        };
        let (secrets, data): (BTreeMap<String, String>, BTreeMap<String, String>) =
            r.data.into_iter().partition(|(name, _)| domain::is_secret(name));
        let mut written = Vec::with_capacity(channels.len());
        for channel in &channels {
            let delivery_id = delivery_id(&id, *channel);
            let sealed = secrets
                .iter()
                .map(|(name, value)| Ok((name.clone(), s.sealer.seal_text(value, &delivery_id)?)))
                .collect::<anyhow::Result<_>>()
                .map_err(error::internal)?;
            // Inserting is idempotent, so a replay after a crash completes the set.
            let doc = DeliveryDoc {
                request_id: id.clone(),
                kind: type_name(kind).to_owned(),
                recipient_id: r.recipient_id.clone(),
                channel: channel_name(*channel).to_owned(),
                status: "QUEUED".into(),
                data: data.clone(),
                sealed,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                language: String::new(),
                subject: String::new(),
                body: String::new(),
                recipient_contact: String::new(),
                error: String::new(),
                sent_at: None,
                read_at: None,
            };
            let delivery = Versioned { id: delivery_id, version: 1, doc };
            s.store.ensure_delivery(&delivery.id, &delivery.doc).await?;
            written.push(delivery);
        }
        s.hub.work.notify_waiters();
        // A new request answers with what it queued: a worker may already be
        // sending it, and a caller must not see that race. A replay reports
        // how far the stored deliveries have got.
        let deliveries = if created { written } else { s.store.deliveries_of_request(&id).await? };
        Ok((id, deliveries))
    }
}
