//! Notification preferences, on SQLite and on the MongoDB-wire server.

mod common;

use std::collections::HashMap;

use common::*;
use hms_kit::proto::notification::*;

async fn preferences_suppress_a_channel(w: World) {
    let (user, token) = w.patient("giang", "en").await;
    let rule =
        PreferenceRule { r#type: NotificationType::Unspecified.into(), channel: Channel::Email.into(), enabled: false };
    let preferences = Preferences { rules: vec![rule], language: String::new() };
    let mut client = w.notifications().await;
    client
        .update_preferences(authed(UpdatePreferencesRequest { preferences: Some(preferences.clone()) }, &token))
        .await
        .unwrap();
    let stored = client.get_preferences(authed(GetPreferencesRequest {}, &token)).await.unwrap().into_inner();
    assert_eq!(stored.preferences.unwrap(), preferences);

    w.send(REGISTERED, &user, &[Channel::Email, Channel::InApp], &[("user_name", "Giang")], "k").await.unwrap();
    let log = w.settled(&user, 2).await;
    let status: HashMap<_, _> = log.iter().map(|d| (d.channel(), d.status())).collect();
    assert_eq!(status[&Channel::Email], DeliveryStatus::Suppressed);
    assert_eq!(status[&Channel::InApp], DeliveryStatus::Delivered);
    assert!(w.sink.mails().is_empty());

    // A security email is sent whatever the preferences.
    w.send(
        NotificationType::PasswordResetRequested,
        &user,
        &[Channel::Email],
        &[("user_name", "Giang"), ("reset_link", "https://hms/reset?token=x"), ("expires_in_minutes", "30")],
        "reset",
    )
    .await
    .unwrap();
    assert_eq!(w.sink.wait_for(1).await[0].subject(), "Reset your HMS password");
}

on_every_store!(preferences_suppress_a_channel,);
