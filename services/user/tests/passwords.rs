//! Passwords through the gRPC API, on every relational backend: reset by
//! emailed token, change by the owner.

mod common;

use common::*;
use hms_kit::proto::user::*;
use sqlx::Row;
use tonic::Code;

async fn password_reset_is_single_use_and_silent_about_unknown_emails(h: Harness) {
    h.register("minh").await;
    let mut users = h.users().await;
    users.request_password_reset(RequestPasswordResetRequest { email: "nobody@example.com".into() }).await.unwrap();
    users.request_password_reset(RequestPasswordResetRequest { email: "MINH@example.com".into() }).await.unwrap();

    // The token travels only in the outbox event for the notification
    // service, sealed with the service's key: the table never shows it.
    let sql = h.sql().await;
    let rows = sqlx::query("SELECT payload FROM hms_outbox WHERE topic = 'PASSWORD_RESET_REQUESTED'")
        .fetch_all(&sql)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the known email gets a reset");
    let payload: Vec<u8> = rows[0].try_get(0).unwrap();
    let text = String::from_utf8(payload.clone()).unwrap();
    assert!(!text.contains("token="), "the reset link is readable in the outbox: {text}");
    let event: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert!(event["data"].get("reset_link").is_none(), "{event}");
    let sealed: hms_kit::crypto::SealedText = serde_json::from_value(event["sealed"]["reset_link"].clone()).unwrap();
    let link = h.sealer().open_text(&sealed, event["recipient_id"].as_str().unwrap()).unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE token_hash = ?")
        .bind(&token)
        .fetch_one(&sql)
        .await
        .unwrap();
    assert_eq!(stored, 0, "the raw token is never stored");

    let old_session = h.access_token("minh", PASSWORD).await;
    let confirm = |password: &str| ConfirmPasswordResetRequest { token: token.clone(), new_password: password.into() };
    let status = assert_code(users.confirm_password_reset(confirm("minh")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["new_password"]);
    users.confirm_password_reset(confirm("a brand new secret")).await.unwrap();
    assert_code(h.login("minh", PASSWORD).await, Code::Unauthenticated);
    h.login("minh", "a brand new secret").await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &old_session)).await, Code::Unauthenticated);
    let status = assert_code(users.confirm_password_reset(confirm("yet another secret")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["token"]);
}

async fn password_change_keeps_this_session_only(h: Harness) {
    h.register("nam").await;
    let other = h.access_token("nam", PASSWORD).await;
    let this = h.access_token("nam", PASSWORD).await;
    let mut users = h.users().await;
    let change =
        |current: &str, new: &str| ChangePasswordRequest { current_password: current.into(), new_password: new.into() };
    let status = assert_code(
        users.change_password(authed(change("wrong!", "another secret"), &this)).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["current_password"]);
    users.change_password(authed(change(PASSWORD, "another secret"), &this)).await.unwrap();
    users.get_me(authed(GetMeRequest {}, &this)).await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &other)).await, Code::Unauthenticated);
    h.login("nam", "another secret").await.unwrap();
}

on_every_backend!(
    password_reset_is_single_use_and_silent_about_unknown_emails,
    password_change_keeps_this_session_only,
);
