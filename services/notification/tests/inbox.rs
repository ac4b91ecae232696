//! The in-app inbox and its live stream, on SQLite and on the MongoDB-wire
//! server.

mod common;

use std::time::Duration;

use common::*;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::*;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

async fn in_app_notifications_stream_live_and_fill_the_inbox(w: World) {
    let (user, token) = w.patient("chi", "en").await;
    let mut stream = w.notifications().await.subscribe(authed(SubscribeRequest {}, &token)).await.unwrap().into_inner();
    let started = std::time::Instant::now();
    w.send(REGISTERED, &user, &[Channel::InApp], &[("user_name", "Chi")], "k1").await.unwrap();
    let pushed =
        tokio::time::timeout(Duration::from_secs(1), stream.next()).await.expect("within a second").unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    let pushed = pushed.notification.unwrap();
    assert_eq!(
        (pushed.subject.as_str(), pushed.body.as_str()),
        ("Welcome to HMS", "Hello Chi, your account is ready.")
    );

    let mut client = w.notifications().await;
    let unread = client.get_unread_count(authed(GetUnreadCountRequest {}, &token)).await.unwrap().into_inner().unread;
    assert_eq!(unread, 1);
    let list =
        client.list_notifications(authed(ListNotificationsRequest::default(), &token)).await.unwrap().into_inner();
    assert_eq!(list.notifications.len(), 1);

    // Someone else can neither see nor mark it.
    let (_, other) = w.patient("dung", "en").await;
    let marked = client
        .mark_read(authed(MarkReadRequest { notification_ids: vec![pushed.id.clone()], all: false }, &other))
        .await
        .unwrap()
        .into_inner()
        .marked;
    assert_eq!(marked, 0);
    let theirs = client.list_notifications(authed(ListNotificationsRequest::default(), &other)).await.unwrap();
    assert!(theirs.into_inner().notifications.is_empty());

    let marked =
        client.mark_read(authed(MarkReadRequest { notification_ids: vec![], all: true }, &token)).await.unwrap();
    assert_eq!(marked.into_inner().marked, 1);
    let unread = client.get_unread_count(authed(GetUnreadCountRequest {}, &token)).await.unwrap().into_inner().unread;
    assert_eq!(unread, 0);
}

/// The access layer checks a stream's token once, when it opens: a live
/// subscription must still end within 2 s of its session's revocation.
async fn a_revoked_session_ends_its_live_subscription(w: World) {
    use hms_kit::proto::user::LogoutRequest;
    use hms_kit::proto::user::user_service_client::UserServiceClient;

    let (_, token) = w.patient("lan", "en").await;
    let mut stream = w.notifications().await.subscribe(authed(SubscribeRequest {}, &token)).await.unwrap().into_inner();
    let mut users = UserServiceClient::connect(w.user.url()).await.unwrap();
    users.logout(authed(LogoutRequest {}, &token)).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("ended within 2 s");
    let status = ended.expect("an error, not the end of the stream").unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    let reason = status.get_error_details().error_info().map(|info| info.reason.clone());
    assert_eq!(reason.as_deref(), Some("TOKEN_REVOKED"));
}

async fn a_subscriber_on_another_replica_receives_it_too(w: World) {
    // This replica runs no worker: the delivery is made by the other one.
    let (replica, _) = w.replica(false).await;
    let (user, token) = w.patient("son", "en").await;
    let channel = tonic::transport::Channel::from_shared(replica.url()).unwrap().connect().await.unwrap();
    let mut client = NotificationServiceClient::new(channel);
    let mut stream = client.subscribe(authed(SubscribeRequest {}, &token)).await.unwrap().into_inner();
    w.send(REGISTERED, &user, &[Channel::InApp], &[("user_name", "Son")], "k").await.unwrap();
    let pushed = tokio::time::timeout(Duration::from_secs(1), stream.next()).await.expect("within a second");
    assert_eq!(pushed.unwrap().unwrap().notification.unwrap().recipient_id, user);
}

on_every_store!(
    in_app_notifications_stream_live_and_fill_the_inbox,
    a_revoked_session_ends_its_live_subscription,
    a_subscriber_on_another_replica_receives_it_too,
);
