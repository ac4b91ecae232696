//! Messages a service sends through the notification service: the outbox
//! sink that turns each of its notice events into a `Send` (the event id
//! being the idempotency key, so a redelivery queues nothing twice), with
//! the display names of the people it names resolved at delivery, so that
//! the change that wrote the event never waits on the user service.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tonic::{Code, Status};

use crate::auth::ServiceTokens;
use crate::client::{OutboundChannel, internal_channel, internal_user_client};
use crate::error;
use crate::outbox::{DeliveryError, OutboxEvent, Sink};
use crate::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use crate::proto::notification::{Channel, NotificationType, SendBatchRequest, SendRequest, send_batch_result};
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

    /// The `Send` of `notification`, its names filled in from `names`.
    fn request(
        event: &OutboxEvent,
        notification: Notification,
        names: &HashMap<String, String>,
    ) -> Result<SendRequest, DeliveryError> {
        let kind = NotificationType::from_str_name(&format!("NOTIFICATION_TYPE_{}", notification.kind))
            .ok_or_else(|| DeliveryError::Permanent(format!("unknown type {}", notification.kind)))?;
        let mut data = notification.data;
        for (entry, id) in notification.display_names {
            data.insert(entry, names.get(&id).cloned().unwrap_or_default());
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

    /// The display names of everyone the notifications name, in one call.
    async fn display_names(&self, notifications: &[&Notification]) -> Result<HashMap<String, String>, DeliveryError> {
        let mut user_ids: Vec<String> =
            notifications.iter().flat_map(|n| n.display_names.iter().map(|(_, id)| id.clone())).collect();
        if user_ids.is_empty() {
            return Ok(HashMap::new());
        }
        user_ids.sort();
        user_ids.dedup();
        let users = self.users.as_ref().ok_or_else(|| {
            DeliveryError::Permanent("the event names people, and no user service resolves names".into())
        })?;
        let reply = users
            .clone()
            .batch_get_display_names(BatchGetDisplayNamesRequest { user_ids })
            .await
            .map_err(|s| DeliveryError::Retryable(format!("display names: {:?}: {}", s.code(), s.message())))?;
        Ok(reply.into_inner().display_names.into_iter().collect())
    }

    async fn send(&self, request: SendRequest) -> Result<(), DeliveryError> {
        self.notifications.clone().send(request).await.map(drop).map_err(|status| refused(&status))
    }
}

/// How the notification service's refusal of an event reads to the relay.
fn refused(status: &Status) -> DeliveryError {
    DeliveryError::from_status(status, &[Code::InvalidArgument], "notification refused the event")
}

/// The most requests one `SendBatch` carries (the service's limit).
const MAX_BATCH: usize = 256;

#[async_trait]
impl Sink for NotificationSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let notification = (self.read)(event)?;
        let names = self.display_names(&[&notification]).await?;
        self.send(Self::request(event, notification, &names)?).await
    }

    /// One `BatchGetDisplayNames` and one `SendBatch` for the lot (a
    /// notification service without `SendBatch`, during a rolling upgrade,
    /// gets one `Send` each).
    async fn deliver_batch(&self, events: &[&OutboxEvent], concurrency: usize) -> Vec<Result<(), DeliveryError>> {
        let read: Vec<Result<Notification, DeliveryError>> = events.iter().map(|event| (self.read)(event)).collect();
        let named: Vec<&Notification> = read.iter().filter_map(|r| r.as_ref().ok()).collect();
        let names = match self.display_names(&named).await {
            Ok(names) => names,
            Err(e) => return events.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut results: Vec<Result<(), DeliveryError>> = Vec::with_capacity(events.len());
        let mut requests = Vec::new();
        for (event, notification) in events.iter().zip(read) {
            match notification.and_then(|n| Self::request(event, n, &names)) {
                Ok(request) => {
                    requests.push((results.len(), request));
                    results.push(Ok(()));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        for chunk in requests.chunks(MAX_BATCH) {
            let batch = SendBatchRequest { requests: chunk.iter().map(|(_, r)| r.clone()).collect() };
            match self.notifications.clone().send_batch(batch).await {
                Ok(reply) => {
                    let mut answers = reply.into_inner().results.into_iter();
                    for (at, _) in chunk {
                        results[*at] = match answers.next().and_then(|a| a.result) {
                            Some(send_batch_result::Result::Sent(_)) => Ok(()),
                            Some(send_batch_result::Result::Error(status)) => {
                                Err(refused(&error::from_rpc_status(&status)))
                            }
                            None => Err(DeliveryError::Retryable("SendBatch gave no answer for the event".into())),
                        };
                    }
                }
                Err(status) if status.code() == Code::Unimplemented => {
                    let limit = tokio::sync::Semaphore::new(concurrency.max(1));
                    let answers = futures::future::join_all(chunk.iter().map(|(_, request)| async {
                        let _permit = limit.acquire().await.ok();
                        self.send(request.clone()).await
                    }))
                    .await;
                    for ((at, _), answer) in chunk.iter().zip(answers) {
                        results[*at] = answer;
                    }
                }
                Err(status) => {
                    for (at, _) in chunk {
                        results[*at] = Err(refused(&status));
                    }
                }
            }
        }
        results
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
        let request = NotificationSink::request(&event(), notification, &HashMap::new()).unwrap();
        assert_eq!(request.r#type, i32::from(NotificationType::InvoiceGenerated));
        assert_eq!(request.channel_preferences, [i32::from(Channel::Email), i32::from(Channel::InApp)]);
        assert_eq!((request.recipient_id.as_str(), request.idempotency_key.as_str()), ("p1", "e1"));
        assert_eq!(request.data["amount"], "5 VND");
    }

    #[tokio::test]
    async fn unknown_types_and_unresolvable_names_are_permanent() {
        let unknown = Notification { kind: "NOPE".into(), ..Notification::default() };
        assert!(matches!(
            NotificationSink::request(&event(), unknown, &HashMap::new()),
            Err(DeliveryError::Permanent(_))
        ));
        let named = Notification {
            kind: "INVOICE_GENERATED".into(),
            display_names: vec![("patient_name".into(), "p1".into())],
            ..Notification::default()
        };
        assert!(matches!(sink().display_names(&[&named]).await, Err(DeliveryError::Permanent(_))));
    }
}
