//! The notification service end to end: real user service, real SMTP, on
//! SQLite and on the MongoDB-wire server.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::*;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::*;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

const REGISTERED: NotificationType = NotificationType::UserRegistered;

fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

async fn email_arrives_rendered_in_the_recipients_language(w: World) {
    let (en, _) = w.patient("an.en", "en").await;
    let (vi, _) = w.patient("binh.vi", "vi").await;
    let queued = w.send(REGISTERED, &en, &[Channel::Email], &[("user_name", "An <3")], "k-en").await.unwrap();
    assert_eq!(queued.deliveries.len(), 1);
    assert_eq!(queued.deliveries[0].status(), DeliveryStatus::Queued, "Send returns at once");
    w.send(REGISTERED, &vi, &[Channel::Email], &[("user_name", "Bình")], "k-vi").await.unwrap();

    let mails = w.sink.wait_for(2).await;
    let by_to: HashMap<_, _> = mails.iter().map(|m| (m.to[0].clone(), m)).collect();
    let english = by_to["an.en@example.com"];
    assert_eq!(english.subject(), "Welcome to HMS, An <3");
    let (text, html) = english.bodies();
    assert!(text.contains("Hello An <3,"), "{text}");
    assert!(html.contains("Hello An &lt;3,"), "HTML is escaped: {html}");
    assert_eq!(by_to["binh.vi@example.com"].subject(), "Chào mừng Bình đến với HMS");

    let log = w.settled(&en, 1).await;
    assert_eq!(log[0].status(), DeliveryStatus::Sent);
    assert_eq!(log[0].recipient_contact, "an.en@example.com");
    assert_eq!((log[0].language.as_str(), log[0].attempts), ("en", 1));
    assert_eq!(english.message_id(), format!("<{}@hms>", log[0].id));
}

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

async fn a_failing_smtp_server_means_retries_then_failed_and_recovery_delivers(w: World) {
    let (user, _) = w.patient("hoa", "en").await;
    w.sink.set_mode(Mode::Refuse);
    w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Hoa")], "doomed").await.unwrap();
    let log = w.settled(&user, 1).await;
    assert_eq!(log[0].status(), DeliveryStatus::Failed);
    assert_eq!(log[0].attempts, 3, "max_attempts in the test config");
    assert!(log[0].error.contains("451") || log[0].error.to_lowercase().contains("try again"), "{}", log[0].error);
    assert_eq!(w.sink.refused(), 3);

    // The server is down for a while, then recovers: the queued mail goes out.
    let (user, _) = w.patient("khanh", "en").await;
    w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Khanh")], "patient").await.unwrap();
    while w.sink.refused() < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    w.sink.set_mode(Mode::Accept);
    let mails = w.sink.wait_for(1).await;
    assert_eq!(mails[0].to, ["khanh@example.com"]);
    let log = w.settled(&user, 1).await;
    assert_eq!(log[0].status(), DeliveryStatus::Sent);
    assert!(log[0].attempts >= 2);
}

async fn a_killed_service_delivers_everything_exactly_once_after_restart(mut w: World) {
    let (user, _) = w.patient("linh", "en").await;
    w.sink.set_mode(Mode::StallAfter(3));
    for i in 0..10 {
        w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Linh")], &format!("k{i}")).await.unwrap();
    }
    while !w.sink.is_stalled() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Killed with one message on the wire, unacknowledged, and six queued.
    w.kill();
    w.sink.set_mode(Mode::Accept);
    w.start().await;
    let mails = w.sink.wait_for(10).await;
    let log = w.settled(&user, 10).await;
    assert!(log.iter().all(|d| d.status() == DeliveryStatus::Sent), "{log:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails = if w.sink.mails().len() > mails.len() { w.sink.mails() } else { mails };
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (10, 10), "each notification exactly once");
}

async fn send_is_idempotent_on_the_callers_key(w: World) {
    let (user, _) = w.patient("minh", "en").await;
    let first = w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Minh")], "same").await.unwrap();
    let again = w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Minh")], "same").await.unwrap();
    assert_eq!(first.request_id, again.request_id);
    w.sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sink.mails().len(), 1);
    assert_eq!(w.deliveries(&user).await.len(), 1);
}

async fn bad_input_is_refused_with_field_violations(w: World) {
    let (user, token) = w.patient("nam", "en").await;
    let status = w.send(NotificationType::Unspecified, &user, &[], &[], "k").await.unwrap_err();
    assert_eq!((status.code(), fields(&status)), (Code::InvalidArgument, vec!["type".to_owned()]));
    let status = w.send(REGISTERED, "no-such-user", &[], &[], "k").await.unwrap_err();
    assert_eq!((status.code(), fields(&status)), (Code::InvalidArgument, vec!["recipient_id".to_owned()]));
    let status = w.send(REGISTERED, &user, &[], &[], "").await.unwrap_err();
    assert_eq!(fields(&status), ["idempotency_key"]);
    let status = w.send(REGISTERED, &user, &[Channel::Sms], &[], "k").await.unwrap_err();
    assert_eq!(fields(&status), ["channel_preferences"], "no SMS template for USER_REGISTERED");

    // Send is for services only; template admin for admins only.
    let request = SendRequest {
        r#type: REGISTERED.into(),
        recipient_id: user.clone(),
        idempotency_key: "x".into(),
        ..Default::default()
    };
    let status = w.internal().await.send(authed(request, &token)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut client = w.notifications().await;
    let create = |subject: &str, text: &str, channel: Channel, language: &str| CreateTemplateRequest {
        template: Some(Template {
            r#type: NotificationType::FeedbackRequested.into(),
            channel: channel.into(),
            language: language.into(),
            subject: subject.into(),
            body_text: text.into(),
            ..Default::default()
        }),
    };
    let status = client.create_template(authed(create("Hi", "Hello", Channel::Sms, "vi"), &token)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let admin = w.admin_token().await;
    let status =
        client.create_template(authed(create("Hi {{ name", "Hello", Channel::Sms, "vi"), &admin)).await.unwrap_err();
    assert_eq!((status.code(), fields(&status)), (Code::InvalidArgument, vec!["template.subject".to_owned()]));
    let status = client
        .create_template(authed(create("", "Your diagnosis: {{ diagnosis }}", Channel::Sms, "vi"), &admin))
        .await
        .unwrap_err();
    assert_eq!(fields(&status), ["template.body_text"], "no clinical detail over SMS");
    let status = client.create_template(authed(create("", "x", Channel::Sms, "fr"), &admin)).await.unwrap_err();
    assert_eq!(fields(&status), ["template.language"]);
    let status = client.create_template(authed(create("s", "x", Channel::Email, "vi"), &admin)).await.unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "shipped templates exist");
}

async fn templates_are_managed_and_missing_data_fails_visibly(w: World) {
    let admin = w.admin_token().await;
    let mut client = w.notifications().await;
    let created = client
        .create_template(authed(
            CreateTemplateRequest {
                template: Some(Template {
                    r#type: NotificationType::FeedbackRequested.into(),
                    channel: Channel::Sms.into(),
                    language: "en".into(),
                    body_text: "HMS: rate your visit with {{ doctor_name }}: {{ feedback_link }}".into(),
                    ..Default::default()
                }),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    assert_eq!(created.id, "FEEDBACK_REQUESTED.SMS.en");
    let mut edited = created.clone();
    edited.body_text = "HMS: how was {{ doctor_name }}? {{ feedback_link }}".into();
    let updated =
        client.update_template(authed(UpdateTemplateRequest { template: Some(edited.clone()) }, &admin)).await.unwrap();
    assert_eq!(updated.into_inner().template.unwrap().version, created.version + 1);
    let stale =
        client.update_template(authed(UpdateTemplateRequest { template: Some(edited) }, &admin)).await.unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "stale version");

    // SMS goes through the provider; data missing for a placeholder fails the delivery.
    let (user, token) = w.patient("oanh", "en").await;
    w.turn_on_sms(&token).await;
    let data = [
        ("patient_name", "Oanh"),
        ("doctor_name", "Dr Lan"),
        ("appointment_date", "2026-12-01"),
        ("feedback_link", "https://hms/f"),
    ];
    w.send(NotificationType::FeedbackRequested, &user, &[Channel::Sms, Channel::Email], &data, "ok").await.unwrap();
    w.send(NotificationType::FeedbackRequested, &user, &[Channel::Email], &[("patient_name", "Oanh")], "missing")
        .await
        .unwrap();
    // The second request named email only; the recipient's SMS choice adds SMS.
    let log = w.settled(&user, 4).await;
    let sent = log.iter().find(|d| d.channel() == Channel::Sms && d.status() == DeliveryStatus::Sent);
    let sms = sent.unwrap_or_else(|| panic!("no SMS sent: {log:?}"));
    assert_eq!(sms.body, "HMS: how was Dr Lan? https://hms/f");
    assert!(sms.recipient_contact.starts_with("+84"));
    let failed: Vec<_> = log.iter().filter(|d| d.status() == DeliveryStatus::Failed).collect();
    let failed_channels: HashSet<_> = failed.iter().map(|d| d.channel()).collect();
    assert_eq!(failed_channels, HashSet::from([Channel::Email, Channel::Sms]), "{failed:?}");
    assert!(failed.iter().all(|d| d.error.contains("undefined")), "{failed:?}");
    assert_eq!(w.sink.wait_for(1).await.len(), 1, "only the complete email was sent");

    let list = client
        .list_deliveries(authed(
            ListDeliveriesRequest {
                recipient_id: user.clone(),
                status: DeliveryStatus::Failed.into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.deliveries.len(), 2);

    client.delete_template(authed(DeleteTemplateRequest { template_id: created.id.clone() }, &admin)).await.unwrap();
    let gone = client.get_template(authed(GetTemplateRequest { template_id: created.id }, &admin)).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

/// #21, defect 7: built-in templates are edited and reset, never deleted.
async fn built_in_templates_can_be_reset_but_not_deleted(w: World) {
    let admin = w.admin_token().await;
    let mut client = w.notifications().await;
    let id = "PASSWORD_RESET_REQUESTED.EMAIL.en".to_owned();
    let get = |client: &mut NotificationServiceClient<_>| {
        let request = authed(GetTemplateRequest { template_id: id.clone() }, &admin);
        let mut client = client.clone();
        async move { client.get_template(request).await.unwrap().into_inner().template.unwrap() }
    };
    let shipped = get(&mut client).await;
    assert!(shipped.built_in);

    let status =
        client.delete_template(authed(DeleteTemplateRequest { template_id: id.clone() }, &admin)).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.get_error_details().error_info().unwrap().reason, "BUILT_IN_TEMPLATE");

    let mut edited = shipped.clone();
    edited.subject = "Your HMS password".into();
    client.update_template(authed(UpdateTemplateRequest { template: Some(edited) }, &admin)).await.unwrap();
    assert_eq!(get(&mut client).await.subject, "Your HMS password");
    let reset = client
        .reset_template(authed(ResetTemplateRequest { template_id: id.clone() }, &admin))
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    assert_eq!(
        (reset.subject.as_str(), reset.body_text.as_str()),
        (shipped.subject.as_str(), shipped.body_text.as_str())
    );
    assert!(reset.version > shipped.version + 1, "the reset is a new version");

    // Only a built-in template has a shipped text to go back to.
    let custom = client
        .create_template(authed(
            CreateTemplateRequest {
                template: Some(Template {
                    r#type: NotificationType::FeedbackRequested.into(),
                    channel: Channel::Sms.into(),
                    language: "vi".into(),
                    body_text: "HMS: {{ feedback_link }}".into(),
                    ..Default::default()
                }),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    assert!(!custom.built_in);
    let status = client
        .reset_template(authed(ResetTemplateRequest { template_id: custom.id.clone() }, &admin))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    client.delete_template(authed(DeleteTemplateRequest { template_id: custom.id }, &admin)).await.unwrap();
}

/// #21, defect 7: a notification whose template was deleted waits for it,
/// however long, and goes out once it is back.
async fn a_delivery_whose_template_is_gone_waits_for_it(mut w: World) {
    let admin = w.admin_token().await;
    let (user, token) = w.patient("sang", "en").await;
    w.turn_on_sms(&token).await;
    // An API replica without workers queues while nothing delivers.
    w.kill();
    let (api, _) = w.replica(false).await;
    let channel = tonic::transport::Channel::from_shared(api.url()).unwrap().connect().await.unwrap();
    let mut client = NotificationServiceClient::new(channel.clone());
    let template = |language: &str| Template {
        r#type: NotificationType::FeedbackRequested.into(),
        channel: Channel::Sms.into(),
        language: language.into(),
        body_text: "HMS: how was your visit? {{ feedback_link }}".into(),
        ..Default::default()
    };
    let create = CreateTemplateRequest { template: Some(template("en")) };
    let created = client.create_template(authed(create, &admin)).await.unwrap().into_inner().template.unwrap();
    let request = SendRequest {
        r#type: NotificationType::FeedbackRequested.into(),
        recipient_id: user.clone(),
        channel_preferences: vec![Channel::Sms.into()],
        data: [("feedback_link".to_owned(), "https://hms/f".to_owned())].into(),
        idempotency_key: "waits".into(),
    };
    let mut internal = InternalNotificationServiceClient::new(channel);
    internal.send(authed(request, &w.service_token())).await.unwrap();
    client.delete_template(authed(DeleteTemplateRequest { template_id: created.id }, &admin)).await.unwrap();

    // Workers back: many times the whole retry budget (3 attempts, backoff
    // ≤ 200 ms) passes, and the delivery still waits.
    w.start().await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // A worker looks again every 100 ms, and while it looks the delivery is
    // claimed (SENDING, one attempt held); between looks it is QUEUED again.
    let mut seen_queued = false;
    for _ in 0..50 {
        let waiting = w.deliveries(&user).await.into_iter().find(|d| d.channel() == Channel::Sms).unwrap();
        assert!(matches!(waiting.status(), DeliveryStatus::Queued | DeliveryStatus::Sending), "{waiting:?}");
        assert!(waiting.error.contains("waiting for template FEEDBACK_REQUESTED.SMS"), "{}", waiting.error);
        assert!(waiting.attempts <= 1, "waiting spends no attempts: {waiting:?}");
        if waiting.status() == DeliveryStatus::Queued {
            seen_queued = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen_queued, "the waiting delivery goes back to the queue between looks");

    let create = CreateTemplateRequest { template: Some(template("en")) };
    w.notifications().await.create_template(authed(create, &admin)).await.unwrap();
    let log = w.settled(&user, 1).await;
    let sms = log.iter().find(|d| d.channel() == Channel::Sms).unwrap();
    assert_eq!((sms.status(), sms.body.as_str()), (DeliveryStatus::Sent, "HMS: how was your visit? https://hms/f"));
}

async fn two_replicas_deliver_each_notification_once(w: World) {
    let (_replica, _worker) = w.replica(true).await;
    let (user, _) = w.patient("phuong", "en").await;
    for i in 0..12 {
        w.send(REGISTERED, &user, &[Channel::Email], &[("user_name", "Phuong")], &format!("r{i}")).await.unwrap();
    }
    w.settled(&user, 12).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails = w.sink.mails();
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (12, 12));
}

async fn the_password_reset_email_arrives_with_a_working_link(mut w: World) {
    use hms_kit::proto::user::{ConfirmPasswordResetRequest, RequestPasswordResetRequest};
    let (quang, _) = w.patient("quang", "en").await;
    w.start_user_relay();
    let mut users = w.users().await;
    users.request_password_reset(RequestPasswordResetRequest { email: "quang@example.com".into() }).await.unwrap();

    let reset = loop {
        let mails = w.sink.wait_for(1).await;
        if let Some(mail) = mails.into_iter().find(|m| m.subject() == "Reset your HMS password") {
            break mail;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(reset.to, ["quang@example.com"]);
    let (text, _) = reset.bodies();
    let link = text.lines().find(|l| l.contains("token=")).expect("a reset link").trim();
    let token = link.split("token=").nth(1).unwrap();

    // Once sent, the store keeps no readable link: the delivery log shows
    // it redacted and the sealed copy is gone (#21, defect 2).
    let log = w.settled(&quang, 3).await;
    let reset_log = log.iter().find(|d| d.r#type() == NotificationType::PasswordResetRequested).unwrap();
    assert!(reset_log.body.contains("/reset-password?[redacted]"), "{}", reset_log.body);
    for document in w.raw_documents("notification_deliveries").await {
        assert!(!document.contains(token), "a readable token in the store: {document}");
        assert!(!document.contains("\"sealed\""), "a final delivery keeps its sealed data: {document}");
    }
    for file in w.store_files() {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "the token is in {}", file.display());
    }
    users
        .confirm_password_reset(ConfirmPasswordResetRequest {
            token: token.into(),
            new_password: "a fresh new secret".into(),
        })
        .await
        .unwrap();
    w.token("quang", "a fresh new secret").await;
    // The welcome email of the registration went out through the same path.
    assert!(w.sink.wait_for(2).await.iter().any(|m| m.subject() == "Welcome to HMS, Test quang"));
}

on_every_store!(
    the_password_reset_email_arrives_with_a_working_link,
    built_in_templates_can_be_reset_but_not_deleted,
    a_delivery_whose_template_is_gone_waits_for_it,
    email_arrives_rendered_in_the_recipients_language,
    in_app_notifications_stream_live_and_fill_the_inbox,
    a_revoked_session_ends_its_live_subscription,
    a_subscriber_on_another_replica_receives_it_too,
    preferences_suppress_a_channel,
    a_failing_smtp_server_means_retries_then_failed_and_recovery_delivers,
    a_killed_service_delivers_everything_exactly_once_after_restart,
    send_is_idempotent_on_the_callers_key,
    bad_input_is_refused_with_field_violations,
    templates_are_managed_and_missing_data_fails_visibly,
    two_replicas_deliver_each_notification_once,
);
