//! Outbox events of the user service. Each is written in the same transaction
//! as the change it announces and asks the notification service to send the
//! message named by its topic; its payload mirrors notification's `Send`
//! request (type, recipient, channels, data).
//!
//! The relay that delivers them is started where the notification service's
//! address is configured; until then they wait, durably, in `hms_outbox`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::UserRow;

pub const USER_REGISTERED: &str = "USER_REGISTERED";
pub const PASSWORD_RESET_REQUESTED: &str = "PASSWORD_RESET_REQUESTED";

#[derive(Debug, Serialize)]
pub struct NotificationRequest {
    pub notification_type: &'static str,
    pub recipient_id: String,
    pub channels: Vec<&'static str>,
    pub data: BTreeMap<&'static str, String>,
}

pub fn user_registered(user: &UserRow) -> NotificationRequest {
    NotificationRequest {
        notification_type: USER_REGISTERED,
        recipient_id: user.id.clone(),
        channels: vec!["EMAIL", "IN_APP"],
        data: BTreeMap::from([
            ("user_name", crate::domain::display_name(&user.first_name, &user.last_name, &user.username)),
            ("username", user.username.clone()),
        ]),
    }
}

/// The link carries the raw token; the database keeps only its digest.
pub fn password_reset_requested(
    user: &UserRow,
    reset_url: &str,
    token: &str,
    expires_minutes: u64,
) -> NotificationRequest {
    let separator = if reset_url.contains('?') { '&' } else { '?' };
    NotificationRequest {
        notification_type: PASSWORD_RESET_REQUESTED,
        recipient_id: user.id.clone(),
        channels: vec!["EMAIL"],
        data: BTreeMap::from([
            ("user_name", crate::domain::display_name(&user.first_name, &user.last_name, &user.username)),
            ("reset_link", format!("{reset_url}{separator}token={token}")),
            ("expires_in_minutes", expires_minutes.to_string()),
        ]),
    }
}
