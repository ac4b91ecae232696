//! Admin actions as other services emit them: a payload their use cases
//! write to their outbox in the same transaction as the action, and the
//! sink their relay delivers it with (to `RecordAdminActions`, the event id
//! being the action's id, so a redelivery after a crash records nothing
//! twice). The admin service itself emits no events: its own configuration
//! changes are chained into the log in the change's transaction.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, OutboundInterceptor, channel};
use hms_kit::outbox::{DeliveryError, OutboxEvent, Sink};
use hms_kit::proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use hms_kit::proto::admin::{AdminAction, RecordAdminActionsRequest};
use hms_kit::time::micros_to_timestamp;
use serde::{Deserialize, Serialize};
use tonic::Code;

/// The outbox topic of admin actions: route it to [`AdminActionSink`].
pub const ADMIN_ACTION_TOPIC: &str = "admin.action";

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

/// Delivers admin-action events to the admin service.
pub struct AdminActionSink {
    client: InternalAdminServiceClient<OutboundChannel>,
}

impl AdminActionSink {
    pub fn new(admin_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let interceptor = OutboundInterceptor::new(Some(tokens), Duration::from_secs(5));
        Ok(Self { client: InternalAdminServiceClient::new(interceptor.wrap(channel(admin_url)?)) })
    }
}

#[async_trait]
impl Sink for AdminActionSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let payload: AdminActionEvent = serde_json::from_slice(&event.payload)
            .map_err(|e| DeliveryError::Permanent(format!("not an admin action: {e}")))?;
        let action = AdminAction {
            id: event.id.clone(),
            actor_id: payload.actor_id,
            actor_role: payload.actor_role,
            action: payload.action,
            target_type: payload.target_type,
            target_id: payload.target_id,
            action_time: Some(micros_to_timestamp(payload.action_at)),
            client_address: payload.client_address,
            before: payload.before,
            after: payload.after,
        };
        let request = RecordAdminActionsRequest { actions: vec![action] };
        match self.client.clone().record_admin_actions(request).await {
            Ok(_) => Ok(()),
            // Refused as it is: retrying cannot help.
            Err(status) if matches!(status.code(), Code::InvalidArgument | Code::PermissionDenied) => {
                Err(DeliveryError::Permanent(status.message().to_owned()))
            }
            Err(status) => Err(DeliveryError::Retryable(format!("{:?}: {}", status.code(), status.message()))),
        }
    }
}
