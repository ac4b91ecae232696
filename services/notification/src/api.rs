//! The gRPC API: authorise, validate, convert, call the domain and the store.

use std::collections::{BTreeMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::policy::status_of;
use hms_kit::auth::{TokenVerifier, client_address, principal};
use hms_kit::client::OutboundChannel;
use hms_kit::crypto::Sealer;
use hms_kit::error::{self, FieldViolations, invalid_field, refusal};
use hms_kit::paging;
use hms_kit::proto::common::PageResponse;
use hms_kit::proto::notification::internal_notification_service_server::InternalNotificationService;
use hms_kit::proto::notification::notification_service_server::NotificationService;
use hms_kit::proto::notification::*;
use hms_kit::proto::user::GetContactInfoRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::time::{micros_to_timestamp, now_micros};
use ring::digest::{SHA256, digest};
use tonic::{Code, Request, Response, Status};

use crate::domain::templates::{self, Texts};
use crate::domain::{
    self, channel_from_name, channel_name, status_from_name, status_name, template_id, type_from_name, type_name,
};
use crate::events::Hub;
use crate::store::{
    DeliveryDoc, DeliveryFilter, PreferencesDoc, RequestDoc, RuleDoc, Store, StoreError, TemplateDoc, Versioned,
    preferences_to_proto,
};

type Reply<T> = Result<Response<T>, Status>;

pub struct State {
    pub store: Store,
    /// Seals the secret data entries of queued deliveries.
    pub sealer: Arc<Sealer>,
    pub users: InternalUserServiceClient<OutboundChannel>,
    pub hub: Arc<Hub>,
    /// How often a live subscription re-reads the store.
    pub subscribe_poll: Duration,
    /// Ends a live subscription once its session is revoked.
    pub verifier: Arc<TokenVerifier>,
}

pub struct NotificationApi(pub Arc<State>);
pub struct InternalApi(pub Arc<State>);

const MAX_DATA_ENTRIES: usize = 50;
const MAX_DATA_VALUE: usize = 2000;

fn timestamp(micros: Option<i64>) -> Option<prost_types::Timestamp> {
    micros.map(micros_to_timestamp)
}

fn delivery_to_proto(v: &Versioned<DeliveryDoc>) -> Delivery {
    let d = &v.doc;
    Delivery {
        id: v.id.clone(),
        request_id: d.request_id.clone(),
        r#type: type_from_name(&d.kind).unwrap_or_default().into(),
        recipient_id: d.recipient_id.clone(),
        channel: channel_from_name(&d.channel).unwrap_or_default().into(),
        status: status_from_name(&d.status).into(),
        language: d.language.clone(),
        subject: d.subject.clone(),
        body: d.body.clone(),
        recipient_contact: d.recipient_contact.clone(),
        attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
        error: d.error.clone(),
        create_time: timestamp(Some(d.created_at)),
        sent_time: timestamp(d.sent_at),
        read_time: timestamp(d.read_at),
    }
}

fn template_to_proto(v: &Versioned<TemplateDoc>) -> Template {
    let t = &v.doc;
    Template {
        id: v.id.clone(),
        r#type: type_from_name(&t.kind).unwrap_or_default().into(),
        channel: channel_from_name(&t.channel).unwrap_or_default().into(),
        language: t.language.clone(),
        subject: t.subject.clone(),
        body_text: t.body_text.clone(),
        body_html: t.body_html.clone(),
        version: v.version,
        built_in: templates::shipped_by_id(&v.id).is_some(),
    }
}

/// A deterministic request id: the same caller and key always give the same id.
fn request_id(caller: &str, key: &str) -> String {
    let hash = digest(&SHA256, format!("{caller}\n{key}").as_bytes());
    hash.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn delivery_id(request_id: &str, channel: Channel) -> String {
    format!("{request_id}-{}", channel_name(channel).to_lowercase())
}

fn check_texts(v: &mut FieldViolations, channel: Channel, texts: &Texts) {
    for (field, problem) in templates::check(channel, texts) {
        v.add(format!("template.{field}"), problem);
    }
}

#[tonic::async_trait]
impl InternalNotificationService for InternalApi {
    async fn get_notification_stats(
        &self,
        _request: Request<GetNotificationStatsRequest>,
    ) -> Reply<GetNotificationStatsResponse> {
        const DAY_MICROS: i64 = 86_400_000_000;
        let now = now_micros();
        let store = &self.0.store;
        let (day, week) =
            tokio::try_join!(store.failed_since(now - DAY_MICROS), store.failed_since(now - 7 * DAY_MICROS))?;
        Ok(Response::new(GetNotificationStatsResponse {
            stats: Some(NotificationStats {
                failed_last_day: i64::try_from(day).unwrap_or(i64::MAX),
                failed_last_week: i64::try_from(week).unwrap_or(i64::MAX),
            }),
        }))
    }

    async fn send(&self, request: Request<SendRequest>) -> Reply<SendResponse> {
        let s = &self.0;
        let caller = principal(&request)?.subject.clone();
        let r = request.into_inner();
        let kind = NotificationType::try_from(r.r#type).unwrap_or_default();
        let mut v = FieldViolations::new();
        v.require(kind != NotificationType::Unspecified, "type", "must be a known notification type");
        v.require(!r.recipient_id.is_empty(), "recipient_id", "is required");
        v.require(
            (1..=200).contains(&r.idempotency_key.len()),
            "idempotency_key",
            "is required, at most 200 characters",
        );
        v.require(r.data.len() <= MAX_DATA_ENTRIES, "data", "at most 50 entries");
        if r.data.iter().any(|(k, val)| k.len() > 100 || val.len() > MAX_DATA_VALUE) {
            v.add("data", "keys of at most 100 and values of at most 2000 characters");
        }
        let mut channels = Vec::new();
        for (i, value) in r.channel_preferences.iter().enumerate() {
            match Channel::try_from(*value) {
                Ok(c) if c != Channel::Unspecified => {
                    if !channels.contains(&c) {
                        channels.push(c);
                    }
                }
                _ => v.add(format!("channel_preferences[{i}]"), "must be EMAIL, SMS or IN_APP"),
            }
        }
        v.into_result()?;

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
        let deliveries = deliveries.iter().map(delivery_to_proto).collect();
        Ok(Response::new(SendResponse { request_id: id, deliveries }))
    }
}

type SubscribeStream = Pin<Box<dyn Stream<Item = Result<SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl NotificationService for NotificationApi {
    type SubscribeStream = SubscribeStream;

    async fn list_notifications(&self, request: Request<ListNotificationsRequest>) -> Reply<ListNotificationsResponse> {
        let user = principal(&request)?.subject.clone();
        let r = request.into_inner();
        let filters = (&user, r.unread_only);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.store.inbox(&user, r.unread_only, page.after, page.size).await?;
        let next_page_token = next.map(|c| paging::token(&c, &filters)).unwrap_or_default();
        Ok(Response::new(ListNotificationsResponse {
            notifications: items.iter().map(delivery_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn get_unread_count(&self, request: Request<GetUnreadCountRequest>) -> Reply<GetUnreadCountResponse> {
        let user = &principal(&request)?.subject;
        let unread = self.0.store.unread_count(user).await?;
        Ok(Response::new(GetUnreadCountResponse { unread: i64::try_from(unread).unwrap_or(i64::MAX) }))
    }

    async fn mark_read(&self, request: Request<MarkReadRequest>) -> Reply<MarkReadResponse> {
        let s = &self.0;
        let user = principal(&request)?.subject.clone();
        let r = request.into_inner();
        if r.notification_ids.len() > paging::MAX_PAGE_SIZE {
            return Err(invalid_field("notification_ids", "at most 500 per call"));
        }
        // Exactly one of the two: some ids, or everything.
        if r.all != r.notification_ids.is_empty() {
            return Err(invalid_field("notification_ids", "give either ids or all = true"));
        }
        let mut targets = Vec::new();
        if r.all {
            let mut after = None;
            loop {
                let (items, next) = s.store.inbox(&user, true, after, paging::MAX_PAGE_SIZE).await?;
                targets.extend(items);
                match next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        } else {
            for id in r.notification_ids.iter().collect::<HashSet<_>>() {
                // Someone else's notification is treated as absent.
                if let Some(d) = s.store.delivery(id).await?
                    && d.doc.recipient_id == user
                    && d.doc.channel == "IN_APP"
                {
                    targets.push(d);
                }
            }
        }
        let now = now_micros();
        let mut marked = 0;
        for mut target in targets {
            if target.doc.read_at.is_some() {
                continue;
            }
            target.doc.read_at = Some(now);
            match s.store.save_delivery(&target.id, &target.doc, target.version).await {
                Ok(_) => marked += 1,
                // Changed meanwhile (read on another device): fine either way.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Response::new(MarkReadResponse { marked }))
    }

    async fn subscribe(&self, request: Request<SubscribeRequest>) -> Reply<Self::SubscribeStream> {
        let caller = principal(&request)?.clone();
        let user = caller.subject.clone();
        let state = self.0.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(32);
        tokio::spawn(async move {
            // Only notifications delivered from now on; the inbox has the rest.
            let mut since = now_micros();
            let mut seen_at_since: HashSet<String> = HashSet::new();
            loop {
                // The access layer checked the token when the stream opened only.
                if let Err(e) = state.verifier.check_still_valid(&caller) {
                    let _ = tx.send(Err(status_of(&e))).await;
                    return;
                }
                match state.store.inbox_since(&user, since).await {
                    Ok(items) => {
                        for item in items {
                            let sent = item.doc.sent_at.unwrap_or(since);
                            if sent == since && !seen_at_since.insert(item.id.clone()) {
                                continue;
                            }
                            if sent > since {
                                since = sent;
                                seen_at_since = HashSet::from([item.id.clone()]);
                            }
                            let message = SubscribeResponse { notification: Some(delivery_to_proto(&item)) };
                            if tx.send(Ok(message)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "subscription poll failed"),
                }
                tokio::select! {
                    () = tx.closed() => return,
                    () = state.hub.inbox.notified() => {}
                    () = tokio::time::sleep(state.subscribe_poll) => {}
                }
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }

    async fn get_preferences(&self, request: Request<GetPreferencesRequest>) -> Reply<GetPreferencesResponse> {
        let user = &principal(&request)?.subject;
        let found = self.0.store.preferences(user).await?;
        let preferences = found.map(|p| preferences_to_proto(&p.doc)).unwrap_or_default();
        Ok(Response::new(GetPreferencesResponse { preferences: Some(preferences) }))
    }

    async fn update_preferences(&self, request: Request<UpdatePreferencesRequest>) -> Reply<UpdatePreferencesResponse> {
        let user = principal(&request)?.subject.clone();
        let preferences = request.into_inner().preferences.unwrap_or_default();
        let mut v = FieldViolations::new();
        v.require(preferences.rules.len() <= 100, "preferences.rules", "at most 100 rules");
        let mut keys = HashSet::new();
        let mut rules = Vec::new();
        for (i, rule) in preferences.rules.iter().enumerate() {
            let channel = rule.channel();
            if channel == Channel::Unspecified {
                v.add(format!("preferences.rules[{i}].channel"), "is required");
                continue;
            }
            if !keys.insert((rule.r#type, rule.channel)) {
                v.add(format!("preferences.rules[{i}]"), "repeats an earlier rule for the same type and channel");
            }
            let kind = rule.r#type();
            rules.push(RuleDoc {
                kind: if kind == NotificationType::Unspecified { String::new() } else { type_name(kind).to_owned() },
                channel: channel_name(channel).to_owned(),
                enabled: rule.enabled,
            });
        }
        if !preferences.language.is_empty() && !domain::LANGUAGES.contains(&preferences.language.as_str()) {
            v.add("preferences.language", "must be \"vi\" or \"en\"");
        }
        v.into_result()?;
        let doc = PreferencesDoc { rules, language: preferences.language };
        self.0.store.save_preferences(&user, &doc).await?;
        Ok(Response::new(UpdatePreferencesResponse { preferences: Some(preferences_to_proto(&doc)) }))
    }

    async fn list_templates(&self, request: Request<ListTemplatesRequest>) -> Reply<ListTemplatesResponse> {
        let r = request.into_inner();
        let kind = (r.r#type() != NotificationType::Unspecified).then(|| type_name(r.r#type()));
        let channel = (r.channel() != Channel::Unspecified).then(|| channel_name(r.channel()));
        let language = (!r.language.is_empty()).then_some(r.language.as_str());
        let filters = (kind, channel, language);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.store.list_templates(kind, channel, language, page.after, page.size).await?;
        Ok(Response::new(ListTemplatesResponse {
            templates: items.iter().map(template_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|c| paging::token(&c, &filters)).unwrap_or_default() }),
        }))
    }

    async fn get_template(&self, request: Request<GetTemplateRequest>) -> Reply<GetTemplateResponse> {
        let id = request.into_inner().template_id;
        if id.is_empty() {
            return Err(invalid_field("template_id", "is required"));
        }
        let found = self.0.store.template(&id).await?.ok_or_else(|| Status::not_found("no template with this id"))?;
        Ok(Response::new(GetTemplateResponse { template: Some(template_to_proto(&found)) }))
    }

    async fn create_template(&self, request: Request<CreateTemplateRequest>) -> Reply<CreateTemplateResponse> {
        let by = admin_action(&request, "notification.template_created");
        let t = request.into_inner().template.unwrap_or_default();
        let (kind, channel) = (t.r#type(), t.channel());
        let mut v = FieldViolations::new();
        v.require(kind != NotificationType::Unspecified, "template.type", "is required");
        v.require(channel != Channel::Unspecified, "template.channel", "is required");
        v.require(domain::LANGUAGES.contains(&t.language.as_str()), "template.language", "must be \"vi\" or \"en\"");
        let texts = Texts { subject: t.subject, body_text: t.body_text, body_html: t.body_html };
        check_texts(&mut v, channel, &texts);
        v.into_result()?;
        let id = template_id(kind, channel, &t.language);
        let doc = TemplateDoc {
            kind: type_name(kind).to_owned(),
            channel: channel_name(channel).to_owned(),
            language: t.language,
            subject: texts.subject,
            body_text: texts.body_text,
            body_html: texts.body_html,
            ..TemplateDoc::default()
        };
        let action = by(&id).change("", template_summary(&doc));
        let created = self.0.store.create_template(&id, doc.with_action(action)).await.map_err(|e| match e {
            StoreError::AlreadyExists => Status::already_exists(format!("template {id} exists; update it instead")),
            other => other.into(),
        })?;
        self.0.hub.work.notify_waiters();
        Ok(Response::new(CreateTemplateResponse { template: Some(template_to_proto(&created)) }))
    }

    async fn update_template(&self, request: Request<UpdateTemplateRequest>) -> Reply<UpdateTemplateResponse> {
        let by = admin_action(&request, "notification.template_updated");
        let t = request.into_inner().template.unwrap_or_default();
        if t.id.is_empty() {
            return Err(invalid_field("template.id", "is required"));
        }
        let existing =
            self.0.store.template(&t.id).await?.ok_or_else(|| Status::not_found("no template with this id"))?;
        let channel = channel_from_name(&existing.doc.channel).unwrap_or_default();
        let texts = Texts { subject: t.subject, body_text: t.body_text, body_html: t.body_html };
        let mut v = FieldViolations::new();
        check_texts(&mut v, channel, &texts);
        v.require(t.version > 0, "template.version", "is required (the version you read)");
        v.into_result()?;
        // The write is built from the version read, so it must be the caller's.
        if t.version != existing.version {
            return Err(StoreError::Conflict.into());
        }
        let before = template_summary(&existing.doc);
        let doc = TemplateDoc {
            subject: texts.subject,
            body_text: texts.body_text,
            body_html: texts.body_html,
            ..existing.doc
        };
        let action = by(&t.id).change(before, template_summary(&doc));
        let updated = self.0.store.replace_template(&t.id, &doc.with_action(action), existing.version).await?;
        self.0.hub.work.notify_waiters();
        Ok(Response::new(UpdateTemplateResponse { template: Some(template_to_proto(&updated)) }))
    }

    async fn delete_template(&self, request: Request<DeleteTemplateRequest>) -> Reply<DeleteTemplateResponse> {
        let by = admin_action(&request, "notification.template_deleted");
        let id = request.into_inner().template_id;
        if id.is_empty() {
            return Err(invalid_field("template_id", "is required"));
        }
        // Queued and future notifications of its type depend on it.
        if templates::shipped_by_id(&id).is_some() {
            return Err(refusal(
                Code::FailedPrecondition,
                "BUILT_IN_TEMPLATE",
                "a built-in template cannot be deleted; edit it, or reset it to the shipped text",
            ));
        }
        let Some(existing) = self.0.store.template(&id).await? else {
            return Err(Status::not_found("no template with this id"));
        };
        let action = by(&id).change(template_summary(&existing.doc), "");
        if !self.0.store.delete_template(&id, action).await? {
            return Err(Status::not_found("no template with this id"));
        }
        self.0.hub.work.notify_waiters();
        Ok(Response::new(DeleteTemplateResponse {}))
    }

    async fn reset_template(&self, request: Request<ResetTemplateRequest>) -> Reply<ResetTemplateResponse> {
        let by = admin_action(&request, "notification.template_reset");
        let id = request.into_inner().template_id;
        if id.is_empty() {
            return Err(invalid_field("template_id", "is required"));
        }
        let shipped =
            templates::shipped_by_id(&id).ok_or_else(|| Status::not_found("no built-in template with this id"))?;
        let store = &self.0.store;
        // Read, then write at the version read: an admin's edit in between
        // makes us read again rather than lose the reset.
        for _ in 0..5 {
            let result = match store.template(&id).await? {
                Some(existing) => {
                    let before = template_summary(&existing.doc);
                    let doc = TemplateDoc {
                        subject: shipped.subject.clone(),
                        body_text: shipped.body_text.clone(),
                        body_html: shipped.body_html.clone(),
                        ..existing.doc
                    };
                    let action = by(&id).change(before, template_summary(&doc));
                    store.replace_template(&id, &doc.with_action(action), existing.version).await
                }
                None => {
                    let doc = shipped_doc(&id, shipped);
                    let action = by(&id).change("", template_summary(&doc));
                    store.create_template(&id, doc.with_action(action)).await
                }
            };
            match result {
                Ok(template) => {
                    self.0.hub.work.notify_waiters();
                    return Ok(Response::new(ResetTemplateResponse { template: Some(template_to_proto(&template)) }));
                }
                Err(StoreError::Conflict | StoreError::AlreadyExists | StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    async fn list_deliveries(&self, request: Request<ListDeliveriesRequest>) -> Reply<ListDeliveriesResponse> {
        let r = request.into_inner();
        let micros =
            |t: &Option<prost_types::Timestamp>| t.as_ref().map(|t| t.seconds * 1_000_000 + i64::from(t.nanos) / 1000);
        let filter = DeliveryFilter {
            recipient_id: (!r.recipient_id.is_empty()).then(|| r.recipient_id.clone()),
            kind: (r.r#type() != NotificationType::Unspecified).then(|| type_name(r.r#type()).to_owned()),
            channel: (r.channel() != Channel::Unspecified).then(|| channel_name(r.channel()).to_owned()),
            status: (r.status() != DeliveryStatus::Unspecified).then(|| status_name(r.status()).to_owned()),
            created_from: micros(&r.start_time),
            created_before: micros(&r.end_time),
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.store.list_deliveries(&filter, page.after, page.size).await?;
        Ok(Response::new(ListDeliveriesResponse {
            deliveries: items.iter().map(delivery_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|c| paging::token(&c, &filter)).unwrap_or_default() }),
        }))
    }
}

/// A shipped template's document; `id` is `TYPE.CHANNEL.language`.
fn shipped_doc(id: &str, texts: &Texts) -> TemplateDoc {
    let mut parts = id.splitn(3, '.');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    TemplateDoc {
        kind: next(),
        channel: next(),
        language: next(),
        subject: texts.subject.clone(),
        body_text: texts.body_text.clone(),
        body_html: texts.body_html.clone(),
        ..TemplateDoc::default()
    }
}

/// An admin's action on the template with the given id, for the admin audit
/// log; the summaries are set by the caller.
fn admin_action<T>(request: &Request<T>, action: &'static str) -> impl Fn(&str) -> AdminActionEvent + use<T> {
    let address = client_address(request);
    let caller = principal(request).ok().cloned();
    move |id| match &caller {
        Some(caller) => AdminActionEvent::by(caller, &address, action, "notification_template", id),
        // The policy layer lets only authenticated admins in; kept total all the same.
        None => AdminActionEvent { action: action.to_owned(), target_id: id.to_owned(), ..Default::default() },
    }
}

/// What the log keeps of a template: its texts, the long ones cut short.
fn template_summary(t: &TemplateDoc) -> String {
    let cut = |text: &str| -> String {
        let mut short: String = text.chars().take(120).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        short
    };
    format!(
        "{} {} {}: subject {:?}, text {:?}, html {} characters",
        t.kind,
        t.channel,
        t.language,
        cut(&t.subject),
        cut(&t.body_text),
        t.body_html.chars().count()
    )
}

/// Writes the shipped templates that are not in the store yet (a store from
/// before they could not be deleted may lack some). An admin's edits are kept.
pub async fn seed_templates(store: &Store) -> anyhow::Result<()> {
    for (kind, channel, language, texts) in templates::shipped().map_err(|e| anyhow::anyhow!(e))? {
        let id = template_id(kind, channel, language);
        match store.insert_template(&id, &shipped_doc(&id, &texts)).await {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(anyhow::anyhow!("seeding templates: {e}")),
        }
    }
    Ok(())
}
