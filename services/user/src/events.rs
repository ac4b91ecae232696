//! Outbox events of the user service. Each is written in the same transaction
//! as the change it announces and asks the notification service to send the
//! message named by its topic; its payload mirrors notification's `Send`
//! request (type, recipient, channels, data).
//!
//! A secret in the data (the reset link with its token) is sealed with the
//! user service's key: the outbox keeps the payload after delivery, and the
//! store must not hold the token readable. The relay opens it on the way out.
//!
//! A relay delivers them when `user.notification_url` is set (as `hms up`
//! does); until then they wait, durably, in `hms_outbox`. The outbox event id
//! is the idempotency key of `Send`, so a redelivery queues nothing twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use hms_kit::auth::ServiceTokens;
use hms_kit::crypto::{SealedText, Sealer};
use hms_kit::notify::{Notification, NotificationSink};
use hms_kit::outbox::{DeliveryError, Event};
use serde::{Deserialize, Serialize};

use crate::store::UserRow;

pub const USER_REGISTERED: &str = "USER_REGISTERED";
pub const PASSWORD_RESET_REQUESTED: &str = "PASSWORD_RESET_REQUESTED";

#[derive(Debug, Serialize)]
pub struct NotificationRequest {
    pub notification_type: &'static str,
    pub recipient_id: String,
    pub channels: Vec<&'static str>,
    pub data: BTreeMap<&'static str, String>,
    /// Data entries sealed with the service's key, bound to the recipient.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sealed: BTreeMap<&'static str, SealedText>,
}

/// The stored form of [`NotificationRequest`], as the relay reads it back.
#[derive(Debug, Deserialize)]
struct StoredRequest {
    notification_type: String,
    recipient_id: String,
    channels: Vec<String>,
    data: BTreeMap<String, String>,
    #[serde(default)]
    sealed: BTreeMap<String, SealedText>,
}

/// Delivers outbox events to the notification service's `Send`, opening
/// their sealed entries with `sealer`.
pub fn notification_sink(url: &str, tokens: Arc<ServiceTokens>, sealer: Sealer) -> anyhow::Result<NotificationSink> {
    NotificationSink::new(url, tokens, move |event| {
        let mut stored: StoredRequest = event.read()?;
        for (name, sealed) in std::mem::take(&mut stored.sealed) {
            // A key that is gone stays gone: retrying cannot help.
            let value = sealer
                .open_text(&sealed, &stored.recipient_id)
                .map_err(|e| DeliveryError::Permanent(format!("sealed {name} cannot be opened: {e}")))?;
            stored.data.insert(name, value);
        }
        Ok(Notification {
            kind: stored.notification_type,
            recipient_id: stored.recipient_id,
            channels: stored.channels,
            data: stored.data,
            display_names: Vec::new(),
        })
    })
}

/// The welcome message of a new account, keyed by the user's id.
pub fn user_registered(user: &UserRow) -> serde_json::Result<Event> {
    let request = NotificationRequest {
        notification_type: USER_REGISTERED,
        recipient_id: user.id.clone(),
        channels: vec!["EMAIL", "IN_APP"],
        data: BTreeMap::from([
            ("user_name", crate::domain::display_name(&user.first_name, &user.last_name, &user.username)),
            ("username", user.username.clone()),
        ]),
        sealed: BTreeMap::new(),
    };
    Event::new(USER_REGISTERED, &user.id, &request)
}

/// The reset link of an account, keyed by the user's id. The link carries
/// the raw token, so it travels sealed; the reset table keeps only the
/// token's digest.
pub fn password_reset_requested(
    user: &UserRow,
    reset_url: &str,
    token: &str,
    expires_minutes: u64,
    sealer: &Sealer,
) -> anyhow::Result<Event> {
    let separator = if reset_url.contains('?') { '&' } else { '?' };
    let link = sealer.seal_text(&format!("{reset_url}{separator}token={token}"), &user.id)?;
    let request = NotificationRequest {
        notification_type: PASSWORD_RESET_REQUESTED,
        recipient_id: user.id.clone(),
        channels: vec!["EMAIL"],
        data: BTreeMap::from([
            ("user_name", crate::domain::display_name(&user.first_name, &user.last_name, &user.username)),
            ("expires_in_minutes", expires_minutes.to_string()),
        ]),
        sealed: BTreeMap::from([("reset_link", link)]),
    };
    Ok(Event::new(PASSWORD_RESET_REQUESTED, &user.id, &request)?)
}
