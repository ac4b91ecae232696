//! The use cases of the notification service: queueing a `Send`, the inbox
//! and its live stream, preferences, browsers' push subscriptions, the
//! templates (each admin change waiting in its template for the admin audit
//! log) and the delivery log. They answer in gRPC statuses and hand back
//! store documents.

mod deliveries;
mod inbox;
mod preferences;
mod push;
mod sending;
mod templates;

use std::sync::Arc;
use std::time::Duration;

use hms_kit::auth::TokenVerifier;
use hms_kit::client::OutboundChannel;
use hms_kit::crypto::Sealer;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;

use crate::events::Hub;
use crate::store::Store;

pub use inbox::ToMark;
pub use push::NewPushSubscription;
pub use sending::Outgoing;
pub use templates::{NewTemplate, seed_templates};

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
    /// The VAPID public key browsers subscribe with; None when push is off.
    pub push_public_key: Option<String>,
}
