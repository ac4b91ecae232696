//! Queueing a `Send`, or a batch of them: one delivery per channel that has
//! a template and that the recipient's preferences allow, idempotent on the
//! caller's key, secret data sealed to its delivery.

use std::collections::{BTreeMap, HashMap, HashSet};

use hms_kit::error::{self, FieldViolations, invalid_field};
use hms_kit::proto::notification::{Channel, NotificationType, Preferences};
use hms_kit::proto::user::BatchGetContactInfoRequest;
use hms_kit::time::now_micros;
use ring::digest::{SHA256, digest};
use tonic::Status;

use super::State;
use crate::domain::{self, channel_from_name, channel_name, type_name};
use crate::store::{DeliveryDoc, RequestDoc, Versioned};

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

/// A queued send: its request id and deliveries.
pub type Queued = (String, Vec<Versioned<DeliveryDoc>>);

/// What a batch of sends reads once: each type's template channels, the
/// recipients known to the user service, and their preferences.
struct Lookups {
    channels: HashMap<NotificationType, Vec<Channel>>,
    known: HashSet<String>,
    preferences: HashMap<String, Preferences>,
    /// The recipients with a subscribed browser, when push is on here and
    /// a type of the batch has a push template.
    push_subscribed: HashSet<String>,
}

impl State {
    /// Queues the deliveries of a `Send`: the request id and its deliveries.
    pub async fn send(&self, r: Outgoing) -> Result<Queued, Status> {
        self.send_batch(vec![r]).await.pop().unwrap_or_else(|| Err(Status::internal("no answer")))
    }

    /// Queues a batch of sends, answering each as `send` would: the types'
    /// templates, the recipients and their preferences are read once for the
    /// lot, and the requests, then the deliveries, are written together (one
    /// transaction each on SQLite), in the batch's order.
    pub async fn send_batch(&self, batch: Vec<Outgoing>) -> Vec<Result<Queued, Status>> {
        let lookups = match self.lookups(&batch).await {
            Ok(lookups) => lookups,
            Err(status) => return batch.iter().map(|_| Err(status.clone())).collect(),
        };
        let now = now_micros();
        let mut answers: Vec<Result<Queued, Status>> = Vec::with_capacity(batch.len());
        let mut planned = Vec::new();
        for (at, r) in batch.iter().enumerate() {
            match plan(r, &lookups, now) {
                Ok(request) => {
                    planned.push((at, r, request));
                    answers.push(Ok((String::new(), Vec::new())));
                }
                Err(status) => answers.push(Err(status)),
            }
        }
        let requests: Vec<(&str, &RequestDoc)> = planned.iter().map(|(_, _, (id, doc))| (id.as_str(), doc)).collect();
        let created = self.store.insert_requests(&requests).await;
        let mut queued = Vec::new();
        for ((at, r, (id, doc)), created) in planned.iter().zip(created) {
            let is_new = matches!(created, Ok(true));
            let channels = match created {
                Ok(true) => doc.channels.clone(),
                // A replay: the stored request decides the channels, not this one.
                Ok(false) => match self.store.request(id).await {
                    Ok(Some(stored)) => stored.channels,
                    Ok(None) => {
                        answers[*at] = Err(Status::unavailable("retry later"));
                        continue;
                    }
                    Err(e) => {
                        answers[*at] = Err(e.into());
                        continue;
                    }
                },
                Err(e) => {
                    answers[*at] = Err(e.into());
                    continue;
                }
            };
            match self.new_deliveries(r, id, &channels, now) {
                Ok(deliveries) => queued.push((*at, id, is_new, deliveries)),
                Err(status) => answers[*at] = Err(status),
            }
        }
        let all: Vec<(&str, &DeliveryDoc)> =
            queued.iter().flat_map(|(_, _, _, ds)| ds.iter().map(|d| (d.id.as_str(), &d.doc))).collect();
        // Inserting is idempotent, so a replay after a crash completes the set.
        if let Err(e) = self.store.ensure_deliveries(&all).await {
            let status: Status = e.into();
            for (at, ..) in &queued {
                answers[*at] = Err(status.clone());
            }
            return answers;
        }
        self.hub.work.notify_waiters();
        for (at, id, created, deliveries) in queued {
            // A new request answers with what it queued: a worker may already
            // be sending it, and a caller must not see that race. A replay
            // reports how far the stored deliveries have got.
            answers[at] = if created {
                Ok((id.clone(), deliveries))
            } else {
                self.store.deliveries_of_request(id).await.map(|stored| (id.clone(), stored)).map_err(Status::from)
            };
        }
        answers
    }

    /// The deliveries of request `id` on `channels`, secrets sealed to each.
    fn new_deliveries(
        &self,
        r: &Outgoing,
        id: &str,
        channels: &[String],
        now: i64,
    ) -> Result<Vec<Versioned<DeliveryDoc>>, Status> {
        let (secrets, data): (BTreeMap<&String, &String>, BTreeMap<&String, &String>) =
            r.data.iter().partition(|(name, _)| domain::is_secret(name));
        let data: BTreeMap<String, String> = data.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut deliveries = Vec::with_capacity(channels.len());
        for channel in channels.iter().filter_map(|c| channel_from_name(c)) {
            let delivery_id = delivery_id(id, channel);
            let sealed = secrets
                .iter()
                .map(|(name, value)| Ok(((*name).clone(), self.sealer.seal_text(value, &delivery_id)?)))
                .collect::<anyhow::Result<_>>()
                .map_err(error::internal)?;
            let doc = DeliveryDoc {
                request_id: id.to_owned(),
                kind: type_name(r.kind).to_owned(),
                recipient_id: r.recipient_id.clone(),
                channel: channel_name(channel).to_owned(),
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
                pushed: Vec::new(),
            };
            deliveries.push(Versioned { id: delivery_id, version: 1, doc });
        }
        Ok(deliveries)
    }

    async fn lookups(&self, batch: &[Outgoing]) -> Result<Lookups, Status> {
        let mut channels = HashMap::new();
        for r in batch {
            if let std::collections::hash_map::Entry::Vacant(entry) = channels.entry(r.kind) {
                let names = self.store.template_channels(type_name(r.kind)).await?;
                entry.insert(names.iter().filter_map(|c| channel_from_name(c)).collect());
            }
        }
        let mut user_ids: Vec<String> = batch.iter().map(|r| r.recipient_id.clone()).collect();
        user_ids.sort();
        user_ids.dedup();
        let known = match self.users.clone().batch_get_contact_info(BatchGetContactInfoRequest { user_ids }).await {
            Ok(reply) => reply.into_inner().contacts.into_keys().collect::<HashSet<_>>(),
            Err(status) => {
                tracing::warn!(error = %status.message(), "user service unavailable for Send");
                return Err(Status::unavailable("cannot check the recipient right now, retry later"));
            }
        };
        let ids: Vec<&str> = known.iter().map(String::as_str).collect();
        let preferences = self.store.preferences_of(&ids).await?;
        let pushes = channels.values().any(|available: &Vec<Channel>| available.contains(&Channel::Push));
        let push_subscribed = if pushes && self.push_public_key.is_some() {
            let ids: Vec<&str> = batch
                .iter()
                .filter(|r| channels.get(&r.kind).is_some_and(|c| c.contains(&Channel::Push)))
                .filter(|r| known.contains(&r.recipient_id))
                .map(|r| r.recipient_id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            self.store.push_subscribed(&ids).await?
        } else {
            HashSet::new()
        };
        Ok(Lookups { channels, known, preferences, push_subscribed })
    }
}

/// One send of a batch checked against the lookups: its request id and the
/// request as it would be stored, with the channels it goes out on.
fn plan(r: &Outgoing, lookups: &Lookups, now: i64) -> Result<(String, RequestDoc), Status> {
    let kind = r.kind;
    let available = lookups.channels.get(&kind).map(Vec::as_slice).unwrap_or_default();
    let mut v = FieldViolations::new();
    for channel in &r.channels {
        if !available.contains(channel) {
            v.add("channel_preferences", format!("{} has no {} template", type_name(kind), channel_name(*channel)));
        }
    }
    v.require(!available.is_empty(), "type", "has no templates on any channel");
    v.into_result()?;
    if !lookups.known.contains(&r.recipient_id) {
        return Err(invalid_field("recipient_id", "is not a known user"));
    }
    // The recipient's choices add SMS and push; the worker
    // checks them again when it sends, so a later opt-out still holds.
    let preferences = lookups.preferences.get(&r.recipient_id).cloned().unwrap_or_default();
    let subscribed = lookups.push_subscribed.contains(&r.recipient_id);
    let channels = domain::send_channels(&preferences, kind, &r.channels, available, subscribed);
    let request = RequestDoc {
        caller: r.caller.clone(),
        idempotency_key: r.idempotency_key.clone(),
        kind: type_name(kind).to_owned(),
        recipient_id: r.recipient_id.clone(),
        channels: channels.iter().map(|c| channel_name(*c).to_owned()).collect(),
        created_at: now,
    };
    Ok((request_id(&r.caller, &r.idempotency_key), request))
}
