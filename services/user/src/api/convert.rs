//! Conversions between the store's rows and the proto messages.

use hms_kit::auth::{PublicKey, role_from_name};
use hms_kit::proto::common::Role;
use hms_kit::proto::user::{AuthEvent, AuthEventKind, SigningKey, User};
use hms_kit::time::micros_to_timestamp;
use tonic::Status;

use crate::app::State;
use crate::domain;
use crate::store::{AuthEventRow, UserRow};

/// An account as a message, its profile opened.
pub fn user_to_proto(state: &State, row: &UserRow) -> Result<User, Status> {
    let role = role_from_name(&row.role).unwrap_or(Role::Unspecified);
    Ok(User {
        id: row.id.clone(),
        username: row.username.clone(),
        email: row.email.clone(),
        phone_number: row.phone_number.clone().unwrap_or_default(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        role: role.into(),
        is_active: row.is_active != 0,
        is_staff: domain::is_staff(role),
        date_joined: Some(micros_to_timestamp(row.date_joined)),
        profile_picture_url: row.profile_picture_url.clone(),
        preferred_language: row.preferred_language.clone(),
        profile: state.open_profile(row)?,
    })
}

/// The stored name of an event kind (`LOGIN_FAILED` for `AUTH_EVENT_KIND_LOGIN_FAILED`).
pub fn auth_event_kind_name(kind: AuthEventKind) -> String {
    kind.as_str_name().trim_start_matches("AUTH_EVENT_KIND_").to_owned()
}

pub fn auth_event_to_proto(e: AuthEventRow) -> AuthEvent {
    AuthEvent {
        kind: AuthEventKind::from_str_name(&format!("AUTH_EVENT_KIND_{}", e.kind)).unwrap_or_default().into(),
        id: e.id,
        user_id: e.user_id.unwrap_or_default(),
        actor_id: e.actor_id.unwrap_or_default(),
        client_address: e.client_address,
        success: e.success != 0,
        detail: e.detail,
        create_time: Some(micros_to_timestamp(e.created_at)),
    }
}

/// A published key as a JWK.
pub fn signing_key_to_proto(k: &PublicKey) -> SigningKey {
    SigningKey { kid: k.kid.clone(), kty: "OKP".into(), crv: "Ed25519".into(), x: k.x.clone(), alg: "EdDSA".into() }
}
