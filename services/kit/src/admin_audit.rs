//! Admin actions as every service emits them to the admin audit log: a
//! payload a use case writes to its outbox with [`enqueue`] in the same
//! transaction as the action, and the sink its relay delivers it with (to the
//! admin service's `RecordAdminActions`, the event id being the action's id,
//! so a redelivery after a crash records nothing twice). Here in the kit
//! rather than in the admin service because services depend on the kit, never
//! on one another.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Principal, ServiceTokens};
use crate::client::{OutboundChannel, internal_channel};
use crate::outbox::{DeliveryError, OutboxEvent, Sink};
use crate::proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use crate::proto::admin::{AdminAction, RecordAdminActionsRequest};
use crate::time::micros_to_timestamp;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use tonic::Code;

/// The outbox topic of admin actions: route it to [`AdminActionSink`].
pub const ADMIN_ACTION_TOPIC: &str = "admin.action";

/// The most actions `RecordAdminActions` takes in one call.
pub const MAX_ACTIONS_PER_CALL: usize = 100;

/// One admin action, as a service writes it to its outbox.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AdminActionEvent {
    pub actor_id: String,
    pub actor_role: String,
    /// e.g. `user.role_changed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// When it was done, Unix microseconds.
    pub action_at: i64,
    pub client_address: String,
    /// Summaries of the target before and after (no clinical detail).
    pub before: String,
    pub after: String,
}

impl AdminActionEvent {
    /// An action `caller` does now from `client_address`; the target and
    /// summaries are set by the caller.
    pub fn by(caller: &Principal, client_address: &str, action: &str, target_type: &str, target_id: &str) -> Self {
        Self {
            actor_id: caller.subject.clone(),
            actor_role: crate::auth::role_name(caller.role).to_owned(),
            action: action.to_owned(),
            target_type: target_type.to_owned(),
            target_id: target_id.to_owned(),
            action_at: crate::time::now_micros(),
            // The log keeps at most 64 characters of an address.
            client_address: client_address.chars().take(64).collect(),
            before: String::new(),
            after: String::new(),
        }
    }

    /// With the summaries of the target before and after the action.
    pub fn change(mut self, before: impl Into<String>, after: impl Into<String>) -> Self {
        self.before = before.into();
        self.after = after.into();
        self
    }
}

/// Writes `action` to the outbox inside the caller's transaction (the one
/// that makes the change), so the log gets it exactly when the change commits.
/// The actions share one key, so the relay records them in the order they
/// were done.
pub async fn enqueue(conn: &mut AnyConnection, action: &AdminActionEvent) -> Result<String, sqlx::Error> {
    let event = crate::outbox::Event::new(ADMIN_ACTION_TOPIC, ADMIN_ACTION_TOPIC, action)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let ids = crate::outbox::enqueue_events(conn, &[event]).await?;
    ids.into_iter().next().ok_or_else(|| sqlx::Error::Protocol("one event enqueued, no id returned".into()))
}

/// Delivers admin-action events to the admin service.
pub struct AdminActionSink {
    client: InternalAdminServiceClient<OutboundChannel>,
}

impl AdminActionSink {
    pub fn new(admin_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        Ok(Self {
            client: InternalAdminServiceClient::new(internal_channel(admin_url, tokens, Duration::from_secs(5))?),
        })
    }
}

impl AdminActionSink {
    /// Records `actions`, each under its id: an id already in the log is not
    /// recorded again, so a caller that is unsure whether its last call
    /// arrived simply sends again.
    pub async fn record(
        &self,
        actions: impl IntoIterator<Item = (String, AdminActionEvent)>,
    ) -> Result<(), DeliveryError> {
        let actions: Vec<AdminAction> = actions
            .into_iter()
            .map(|(id, payload)| AdminAction {
                id,
                actor_id: payload.actor_id,
                actor_role: payload.actor_role,
                action: payload.action,
                target_type: payload.target_type,
                target_id: payload.target_id,
                action_time: Some(micros_to_timestamp(payload.action_at)),
                client_address: payload.client_address,
                before: payload.before,
                after: payload.after,
            })
            .collect();
        for chunk in actions.chunks(MAX_ACTIONS_PER_CALL) {
            let request = RecordAdminActionsRequest { actions: chunk.to_vec() };
            self.client.clone().record_admin_actions(request).await.map_err(|status| {
                let refused = [Code::InvalidArgument, Code::PermissionDenied];
                DeliveryError::from_status(&status, &refused, "the admin service refused the actions")
            })?;
        }
        Ok(())
    }
}

#[async_trait]
impl Sink for AdminActionSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let payload: AdminActionEvent = serde_json::from_slice(&event.payload)
            .map_err(|e| DeliveryError::Permanent(format!("not an admin action: {e}")))?;
        self.record([(event.id.clone(), payload)]).await
    }
}
