//! Messages a service sends through the notification service: the outbox
//! sink that turns each of its notice events into a `Send` (the event id
//! being the idempotency key, so a redelivery queues nothing twice), with
//! the display names of the people it names resolved at delivery, so that
//! the change that wrote the event never waits on the user service.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tonic::Code;

use crate::auth::ServiceTokens;
use crate::client::{OutboundChannel, internal_channel, internal_user_client};
use crate::outbox::{DeliveryError, OutboxEvent, Sink};
use crate::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use crate::proto::notification::{Channel, NotificationType, SendRequest};
use crate::proto::user::BatchGetDisplayNamesRequest;
use crate::proto::user::internal_user_service_client::InternalUserServiceClient;

/// One message to one person, as a service's event describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    /// The notification type without its prefix (`INVOICE_GENERATED`).
    pub kind: String,
    pub recipient_id: String,
    /// Channel names without their prefix (`EMAIL`, `IN_APP`); a name no
    /// channel has is left out.
    pub channels: Vec<String>,
    pub data: BTreeMap<String, String>,
    /// Data entries filled at delivery with a user's display name: the entry
    /// (`patient_name`) and the user's id.
    pub display_names: Vec<(String, String)>,
}

/// A service's notice payload, as its events carry it.
pub trait Notice: serde::de::DeserializeOwned {
    fn into_notification(self) -> Notification;
}

type Read = dyn Fn(&OutboxEvent) -> Result<Notification, DeliveryError> + Send + Sync;

/// Delivers a service's notice events to the notification service's `Send`.
pub struct NotificationSink {
    notifications: InternalNotificationServiceClient<OutboundChannel>,
    users: Option<InternalUserServiceClient<OutboundChannel>>,
    tokens: Arc<ServiceTokens>,
    read: Box<Read>,
}

impl NotificationSink {
    /// A sink to the notification service at `url` that reads each event
    /// with `read` (the service's own payload shape).
    pub fn new(
        url: &str,
        tokens: Arc<ServiceTokens>,
        read: impl Fn(&OutboxEvent) -> Result<Notification, DeliveryError> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let channel = internal_channel(url, tokens.clone(), Duration::from_secs(10))?;
        Ok(Self {
            notifications: InternalNotificationServiceClient::new(channel),
            users: None,
            tokens,
            read: Box::new(read),
        })
    }

    /// A sink that reads each event as an `N`.
    pub fn of<N: Notice>(url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        Self::new(url, tokens, |event| Ok(event.read::<N>()?.into_notification()))
    }

    /// Resolves display names with the user service at `user_url`.
    pub fn with_display_names(mut self, user_url: &str) -> anyhow::Result<Self> {
        self.users = Some(internal_user_client(user_url, self.tokens.clone(), Duration::from_secs(5))?);
        Ok(self)
    }

    /// The `Send` of `notification`, its names filled in.
    async fn request(&self, event: &OutboxEvent, notification: Notification) -> Result<SendRequest, DeliveryError> {
        let kind = NotificationType::from_str_name(&format!("NOTIFICATION_TYPE_{}", notification.kind))
            .ok_or_else(|| DeliveryError::Permanent(format!("unknown type {}", notification.kind)))?;
        let mut data = notification.data;
        if !notification.display_names.is_empty() {
            let users = self.users.as_ref().ok_or_else(|| {
                DeliveryError::Permanent("the event names people, and no user service resolves names".into())
            })?;
            let user_ids = notification.display_names.iter().map(|(_, id)| id.clone()).collect();
            let names = users
                .clone()
                .batch_get_display_names(BatchGetDisplayNamesRequest { user_ids })
                .await
                .map_err(|s| DeliveryError::Retryable(format!("display names: {:?}: {}", s.code(), s.message())))?
                .into_inner()
                .display_names;
            for (entry, id) in notification.display_names {
                data.insert(entry, names.get(&id).cloned().unwrap_or_default());
            }
        }
        Ok(SendRequest {
            r#type: kind.into(),
            recipient_id: notification.recipient_id,
            channel_preferences: notification
                .channels
                .iter()
                .filter_map(|c| Channel::from_str_name(&format!("CHANNEL_{c}")))
                .map(i32::from)
                .collect(),
            data: data.into_iter().collect(),
            idempotency_key: event.id.clone(),
        })
    }
}

#[async_trait]
impl Sink for NotificationSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let notification = (self.read)(event)?;
        let request = self.request(event, notification).await?;
        self.notifications.clone().send(request).await.map(drop).map_err(|status| {
            DeliveryError::from_status(&status, &[Code::InvalidArgument], "notification refused the event")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> NotificationSink {
        let tokens = Arc::new(ServiceTokens::new("test", &secrecy::SecretString::from("secret")));
        NotificationSink::new("http://127.0.0.1:1", tokens, |_| Ok(Notification::default())).unwrap()
    }

    fn event() -> OutboxEvent {
        OutboxEvent { id: "e1".into(), topic: "t".into(), key: String::new(), payload: vec![], attempts: 0 }
    }

    #[tokio::test]
    async fn notifications_become_send_requests_keyed_by_the_event() {
        let notification = Notification {
            kind: "INVOICE_GENERATED".into(),
            recipient_id: "p1".into(),
            channels: vec!["EMAIL".into(), "PIGEON".into(), "IN_APP".into()],
            data: BTreeMap::from([("amount".into(), "5 VND".into())]),
            display_names: Vec::new(),
        };
        let request = sink().request(&event(), notification).await.unwrap();
        assert_eq!(request.r#type, i32::from(NotificationType::InvoiceGenerated));
        assert_eq!(request.channel_preferences, [i32::from(Channel::Email), i32::from(Channel::InApp)]);
        assert_eq!((request.recipient_id.as_str(), request.idempotency_key.as_str()), ("p1", "e1"));
        assert_eq!(request.data["amount"], "5 VND");
    }

    #[tokio::test]
    async fn unknown_types_and_unresolvable_names_are_permanent() {
        let unknown = Notification { kind: "NOPE".into(), ..Notification::default() };
        assert!(matches!(sink().request(&event(), unknown).await, Err(DeliveryError::Permanent(_))));
        let named = Notification {
            kind: "INVOICE_GENERATED".into(),
            display_names: vec![("patient_name".into(), "p1".into())],
            ..Notification::default()
        };
        assert!(matches!(sink().request(&event(), named).await, Err(DeliveryError::Permanent(_))));
    }
}
