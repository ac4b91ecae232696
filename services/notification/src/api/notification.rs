//! `NotificationService`: someone's inbox, its live stream, their
//! preferences and their browsers' push subscriptions; for admins the
//! templates and the delivery log.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use hms_kit::auth::principal;
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::paging;
use hms_kit::proto::common::PageResponse;
use hms_kit::proto::notification::notification_service_server::NotificationService;
use hms_kit::proto::notification::*;
use tonic::{Request, Response, Status};

use super::convert::{
    check_texts, delivery_filter, delivery_to_proto, preferences_from_proto, push_subscription_from_proto,
    push_subscription_to_proto, template_to_proto,
};
use super::{NotificationApi, Reply, admin_action};
use crate::app::{NewTemplate, ToMark};
use crate::domain::templates::Texts;
use crate::domain::{self, channel_from_name, channel_name, type_name};
use crate::store::preferences_to_proto;

type SubscribeStream = Pin<Box<dyn Stream<Item = Result<SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl NotificationService for NotificationApi {
    type SubscribeStream = SubscribeStream;

    async fn list_notifications(&self, request: Request<ListNotificationsRequest>) -> Reply<ListNotificationsResponse> {
        let user = principal(&request)?.subject.clone();
        let r = request.into_inner();
        let filters = (&user, r.unread_only);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.inbox(&user, r.unread_only, page.after, page.size).await?;
        let next_page_token = next.map(|c| paging::token(&c, &filters)).unwrap_or_default();
        Ok(Response::new(ListNotificationsResponse {
            notifications: items.iter().map(delivery_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn get_unread_count(&self, request: Request<GetUnreadCountRequest>) -> Reply<GetUnreadCountResponse> {
        let user = &principal(&request)?.subject;
        let unread = self.0.unread_count(user).await?;
        Ok(Response::new(GetUnreadCountResponse { unread: i64::try_from(unread).unwrap_or(i64::MAX) }))
    }

    async fn mark_read(&self, request: Request<MarkReadRequest>) -> Reply<MarkReadResponse> {
        let user = principal(&request)?.subject.clone();
        let r = request.into_inner();
        if r.notification_ids.len() > paging::MAX_PAGE_SIZE {
            return Err(invalid_field("notification_ids", "at most 500 per call"));
        }
        // Exactly one of the two: some ids, or everything.
        if r.all != r.notification_ids.is_empty() {
            return Err(invalid_field("notification_ids", "give either ids or all = true"));
        }
        let which = if r.all { ToMark::All } else { ToMark::Ids(r.notification_ids) };
        let marked = self.0.mark_read(&user, which).await?;
        Ok(Response::new(MarkReadResponse { marked }))
    }

    async fn subscribe(&self, request: Request<SubscribeRequest>) -> Reply<Self::SubscribeStream> {
        let caller = principal(&request)?.clone();
        let rx = self.0.subscribe(caller);
        let stream = tokio_stream::wrappers::ReceiverStream::new(rx)
            .map(|item| item.map(|d| SubscribeResponse { notification: Some(delivery_to_proto(&d)) }));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_preferences(&self, request: Request<GetPreferencesRequest>) -> Reply<GetPreferencesResponse> {
        let user = &principal(&request)?.subject;
        let found = self.0.preferences(user).await?;
        let preferences = found.map(|p| preferences_to_proto(&p.doc)).unwrap_or_default();
        Ok(Response::new(GetPreferencesResponse { preferences: Some(preferences) }))
    }

    async fn update_preferences(&self, request: Request<UpdatePreferencesRequest>) -> Reply<UpdatePreferencesResponse> {
        let user = principal(&request)?.subject.clone();
        let preferences = request.into_inner().preferences.unwrap_or_default();
        let doc = preferences_from_proto(&preferences)?;
        self.0.save_preferences(&user, &doc).await?;
        Ok(Response::new(UpdatePreferencesResponse { preferences: Some(preferences_to_proto(&doc)) }))
    }

    async fn get_push_settings(&self, _request: Request<GetPushSettingsRequest>) -> Reply<GetPushSettingsResponse> {
        let key = self.0.push_public_key.clone();
        Ok(Response::new(GetPushSettingsResponse { enabled: key.is_some(), vapid_public_key: key.unwrap_or_default() }))
    }

    async fn register_push_subscription(
        &self,
        request: Request<RegisterPushSubscriptionRequest>,
    ) -> Reply<RegisterPushSubscriptionResponse> {
        let user = principal(&request)?.subject.clone();
        let new = push_subscription_from_proto(request.into_inner())?;
        let subscription_id = self.0.register_push(&user, new).await?;
        Ok(Response::new(RegisterPushSubscriptionResponse { subscription_id }))
    }

    async fn list_push_subscriptions(
        &self,
        request: Request<ListPushSubscriptionsRequest>,
    ) -> Reply<ListPushSubscriptionsResponse> {
        let user = &principal(&request)?.subject;
        let found = self.0.push_subscriptions(user).await?;
        let subscriptions = found.into_iter().map(|(s, host)| push_subscription_to_proto(&s, host)).collect();
        Ok(Response::new(ListPushSubscriptionsResponse { subscriptions }))
    }

    async fn delete_push_subscription(
        &self,
        request: Request<DeletePushSubscriptionRequest>,
    ) -> Reply<DeletePushSubscriptionResponse> {
        let user = principal(&request)?.subject.clone();
        let id = request.into_inner().subscription_id;
        if id.is_empty() || id.len() > 64 {
            return Err(invalid_field("subscription_id", "is required (an id from ListPushSubscriptions)"));
        }
        self.0.delete_push(&user, &id).await?;
        Ok(Response::new(DeletePushSubscriptionResponse {}))
    }

    async fn list_templates(&self, request: Request<ListTemplatesRequest>) -> Reply<ListTemplatesResponse> {
        let r = request.into_inner();
        let kind = (r.r#type() != NotificationType::Unspecified).then(|| type_name(r.r#type()));
        let channel = (r.channel() != Channel::Unspecified).then(|| channel_name(r.channel()));
        let language = (!r.language.is_empty()).then_some(r.language.as_str());
        let filters = (kind, channel, language);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.templates(kind, channel, language, page.after, page.size).await?;
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
        let found = self.0.template(&id).await?;
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
        let created = self.0.create_template(&by, NewTemplate { kind, channel, language: t.language, texts }).await?;
        Ok(Response::new(CreateTemplateResponse { template: Some(template_to_proto(&created)) }))
    }

    async fn update_template(&self, request: Request<UpdateTemplateRequest>) -> Reply<UpdateTemplateResponse> {
        let by = admin_action(&request, "notification.template_updated");
        let t = request.into_inner().template.unwrap_or_default();
        if t.id.is_empty() {
            return Err(invalid_field("template.id", "is required"));
        }
        let existing = self.0.template(&t.id).await?;
        let channel = channel_from_name(&existing.doc.channel).unwrap_or_default();
        let texts = Texts { subject: t.subject, body_text: t.body_text, body_html: t.body_html };
        let mut v = FieldViolations::new();
        check_texts(&mut v, channel, &texts);
        v.require(t.version > 0, "template.version", "is required (the version you read)");
        v.into_result()?;
        let updated = self.0.update_template(&by, existing, texts, t.version).await?;
        Ok(Response::new(UpdateTemplateResponse { template: Some(template_to_proto(&updated)) }))
    }

    async fn delete_template(&self, request: Request<DeleteTemplateRequest>) -> Reply<DeleteTemplateResponse> {
        let by = admin_action(&request, "notification.template_deleted");
        let id = request.into_inner().template_id;
        if id.is_empty() {
            return Err(invalid_field("template_id", "is required"));
        }
        self.0.delete_template(&by, &id).await?;
        Ok(Response::new(DeleteTemplateResponse {}))
    }

    async fn reset_template(&self, request: Request<ResetTemplateRequest>) -> Reply<ResetTemplateResponse> {
        let by = admin_action(&request, "notification.template_reset");
        let id = request.into_inner().template_id;
        if id.is_empty() {
            return Err(invalid_field("template_id", "is required"));
        }
        let template = self.0.reset_template(&by, &id).await?;
        Ok(Response::new(ResetTemplateResponse { template: Some(template_to_proto(&template)) }))
    }

    async fn list_deliveries(&self, request: Request<ListDeliveriesRequest>) -> Reply<ListDeliveriesResponse> {
        let r = request.into_inner();
        let filter = delivery_filter(&r);
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.deliveries(&filter, page.after, page.size).await?;
        Ok(Response::new(ListDeliveriesResponse {
            deliveries: items.iter().map(delivery_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|c| paging::token(&c, &filter)).unwrap_or_default() }),
        }))
    }
}
