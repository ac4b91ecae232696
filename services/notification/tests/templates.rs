//! Templates: managed by admins, built-in ones reset but never deleted, and
//! a delivery whose template is gone waits for it; on SQLite and on the
//! MongoDB-wire server.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::*;
use tonic::Code;
use tonic_types::StatusExt;

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
    w.kill().await;
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

on_every_store!(
    templates_are_managed_and_missing_data_fails_visibly,
    built_in_templates_can_be_reset_but_not_deleted,
    a_delivery_whose_template_is_gone_waits_for_it,
);
