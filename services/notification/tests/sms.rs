//! SMS end to end: reminders reach a real HTTP provider (Twilio's Messages
//! API, served by the test) for the recipients who turned SMS on, and the
//! provider's errors are retried or final as they should be; on SQLite and
//! on the MongoDB-wire server.

mod common;

use std::time::Duration;

use common::*;
use hms_kit::proto::notification::*;

/// The channels the appointment service names for its notices.
const APPOINTMENT_CHANNELS: [Channel; 2] = [Channel::Email, Channel::InApp];

fn rule(kind: NotificationType, channel: Channel, enabled: bool) -> PreferenceRule {
    PreferenceRule { r#type: kind.into(), channel: channel.into(), enabled }
}

async fn prefer(w: &World, token: &str, rules: Vec<PreferenceRule>) {
    let preferences = Preferences { rules, language: String::new() };
    let request = UpdatePreferencesRequest { preferences: Some(preferences) };
    w.notifications().await.update_preferences(authed(request, token)).await.unwrap();
}

fn by_channel(deliveries: &[Delivery], channel: Channel) -> Option<&Delivery> {
    deliveries.iter().find(|d| d.channel() == channel)
}

async fn a_reminder_is_texted_to_the_patients_who_turned_sms_on(w: World) {
    let (reminders_only, token) = w.patient("sms.reminders", "en").await;
    prefer(&w, &token, vec![rule(REMINDER, Channel::Sms, true)]).await;
    let (everything, token) = w.patient("sms.everything", "vi").await;
    prefer(&w, &token, vec![rule(NotificationType::Unspecified, Channel::Sms, true)]).await;
    let (but_reminders, token) = w.patient("sms.but.reminders", "en").await;
    prefer(
        &w,
        &token,
        vec![rule(NotificationType::Unspecified, Channel::Sms, true), rule(REMINDER, Channel::Sms, false)],
    )
    .await;
    let (silent, _) = w.patient("sms.silent", "en").await;

    let queued = w.send(REMINDER, &reminders_only, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r1").await.unwrap();
    let channels: Vec<_> = queued.deliveries.iter().map(|d| d.channel()).collect();
    assert_eq!(channels, [Channel::Email, Channel::InApp, Channel::Sms], "SMS added by the preference");
    w.send(REMINDER, &everything, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r2").await.unwrap();
    let queued = w.send(REMINDER, &but_reminders, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r3").await.unwrap();
    assert_eq!(queued.deliveries.len(), 2, "the reminder rule wins over the rule for all types");
    let queued = w.send(REMINDER, &silent, &[], &REMINDER_DATA, "r4").await.unwrap();
    assert_eq!(queued.deliveries.len(), 2, "no channels named: email and in-app, not SMS");

    let english = w.settled(&reminders_only, 3).await;
    let vietnamese = w.settled(&everything, 3).await;
    for (recipient, count) in [(&but_reminders, 2), (&silent, 2)] {
        let log = w.settled(recipient, count).await;
        assert!(by_channel(&log, Channel::Sms).is_none(), "{log:?}");
        assert_eq!(by_channel(&log, Channel::Email).unwrap().status(), DeliveryStatus::Sent);
    }

    let texts = w.sms.accepted();
    assert_eq!(texts.len(), 2, "{texts:?}");
    let english_sms = by_channel(&english, Channel::Sms).unwrap();
    assert_eq!(english_sms.status(), DeliveryStatus::Sent);
    assert!(english_sms.recipient_contact.starts_with("+8490"), "{english_sms:?}");
    let sent = texts.iter().find(|t| t.form["To"] == english_sms.recipient_contact).expect("texted");
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/2010-04-01/Accounts/ACtest/Messages.json"));
    // Basic base64("ACtest:sms-test-token").
    assert_eq!(sent.authorization, "Basic QUN0ZXN0OnNtcy10ZXN0LXRva2Vu");
    assert_eq!(sent.content_type, "application/x-www-form-urlencoded");
    assert_eq!(sent.form["From"], SMS_FROM);
    assert_eq!(sent.form["Body"], "HMS reminder: Lan Nguyen, 2026-12-07 09:30, Room 3.");
    assert_eq!(english_sms.body, sent.form["Body"], "the delivery log keeps what was sent");

    let vietnamese_sms = by_channel(&vietnamese, Channel::Sms).unwrap();
    let sent = texts.iter().find(|t| t.form["To"] == vietnamese_sms.recipient_contact).expect("texted");
    assert_eq!(sent.form["Body"], "HMS nhắc lịch: BS Lan Nguyen, 2026-12-07 09:30, Room 3.");

    // A caller naming SMS for someone who never turned it on: queued, then
    // suppressed by the worker, never sent.
    let queued = w.send(REMINDER, &silent, &[Channel::Sms], &REMINDER_DATA, "r5").await.unwrap();
    assert_eq!(queued.deliveries.len(), 1);
    let log = w.settled(&silent, 3).await;
    let suppressed = log.iter().find(|d| d.channel() == Channel::Sms).unwrap();
    assert_eq!(suppressed.status(), DeliveryStatus::Suppressed);
    assert!(suppressed.error.contains("not turned this channel on"), "{suppressed:?}");
    assert_eq!(w.sms.received().len(), 2, "nothing more reached the provider");
}

async fn provider_errors_are_retried_when_transient_and_final_when_not(w: World) {
    let (user, token) = w.patient("sms.errors", "en").await;
    prefer(&w, &token, vec![rule(NotificationType::Unspecified, Channel::Sms, true)]).await;

    // A 503, then throttling: both retried, and the third attempt goes out.
    w.sms.script(&[Answer::Status(503), Answer::Status(429)]);
    w.send(REMINDER, &user, &[Channel::InApp], &REMINDER_DATA, "transient").await.unwrap();
    let log = w.settled(&user, 2).await;
    let sms = by_channel(&log, Channel::Sms).unwrap();
    assert_eq!((sms.status(), sms.attempts), (DeliveryStatus::Sent, 3), "{sms:?}");
    assert_eq!(w.sms.received().len(), 3);
    assert_eq!(w.sms.accepted().len(), 1);

    // A provider that does not answer in time: retried too.
    w.sms.script(&[Answer::Stall(Duration::from_secs(3))]);
    let (user, token) = w.patient("sms.slow", "en").await;
    prefer(&w, &token, vec![rule(REMINDER, Channel::Sms, true)]).await;
    w.send(REMINDER, &user, &[Channel::InApp], &REMINDER_DATA, "slow").await.unwrap();
    let log = w.settled(&user, 2).await;
    let sms = by_channel(&log, Channel::Sms).unwrap();
    assert_eq!((sms.status(), sms.attempts), (DeliveryStatus::Sent, 2), "{sms:?}");

    // A refusal (400: a bad number) is final at once, and its message, which
    // quotes the number, keeps none of it.
    w.sms.script(&[Answer::Status(400)]);
    let (user, token) = w.patient("sms.refused", "en").await;
    prefer(&w, &token, vec![rule(REMINDER, Channel::Sms, true)]).await;
    w.send(REMINDER, &user, &[Channel::InApp], &REMINDER_DATA, "refused").await.unwrap();
    let log = w.settled(&user, 2).await;
    let sms = by_channel(&log, Channel::Sms).unwrap();
    assert_eq!((sms.status(), sms.attempts), (DeliveryStatus::Failed, 1), "{sms:?}");
    assert!(sms.error.contains("HTTP 400") && sms.error.contains("code 21211"), "{sms:?}");
    let number = &sms.recipient_contact;
    assert!(number.is_empty() || !sms.error.contains(number.as_str()), "{sms:?}");
    assert!(!sms.error.contains("+8490"), "no phone number in the error: {sms:?}");

    // Wrong credentials (401) are a client error too: failed, not retried.
    w.sms.script(&[Answer::Status(401)]);
    let (user, token) = w.patient("sms.unauthorised", "en").await;
    prefer(&w, &token, vec![rule(REMINDER, Channel::Sms, true)]).await;
    w.send(REMINDER, &user, &[Channel::InApp], &REMINDER_DATA, "unauthorised").await.unwrap();
    let log = w.settled(&user, 2).await;
    let sms = by_channel(&log, Channel::Sms).unwrap();
    assert_eq!((sms.status(), sms.attempts), (DeliveryStatus::Failed, 1), "{sms:?}");
}

on_every_store!(
    a_reminder_is_texted_to_the_patients_who_turned_sms_on,
    provider_errors_are_retried_when_transient_and_final_when_not,
);
