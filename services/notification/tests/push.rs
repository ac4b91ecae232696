//! Web Push end to end: browsers subscribe through the API, reminders and
//! results reach a push service (served by the test) encrypted for each
//! browser and signed with the server's VAPID key; gone subscriptions are
//! dropped, failing push services retried; subscriptions are their owner's
//! own and unreadable at rest; on SQLite and on the MongoDB-wire server.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::push::{Browser, PushService, verify_vapid};
use common::*;
use hms_kit::proto::notification::*;
use hms_testkit::status::{assert_code, violated_fields_sorted};
use tonic::Code;

const INVOICE_DATA: [(&str, &str); 3] =
    [("invoice_number", "INV-1"), ("amount", "500,000 VND"), ("due_date", "2026-12-31")];

/// The channels the appointment service names for its notices.
const APPOINTMENT_CHANNELS: [Channel; 2] = [Channel::Email, Channel::InApp];

async fn settings(w: &World, token: &str) -> GetPushSettingsResponse {
    w.notifications().await.get_push_settings(authed(GetPushSettingsRequest {}, token)).await.unwrap().into_inner()
}

async fn subscribe(w: &World, token: &str, browser: &Browser, label: &str) -> Result<String, tonic::Status> {
    let request = RegisterPushSubscriptionRequest {
        endpoint: browser.endpoint.clone(),
        p256dh: browser.p256dh(),
        auth: browser.auth(),
        device_label: label.into(),
    };
    let reply = w.notifications().await.register_push_subscription(authed(request, token)).await?;
    Ok(reply.into_inner().subscription_id)
}

async fn subscriptions(w: &World, token: &str) -> Vec<PushSubscription> {
    let request = authed(ListPushSubscriptionsRequest {}, token);
    w.notifications().await.list_push_subscriptions(request).await.unwrap().into_inner().subscriptions
}

fn by_channel(deliveries: &[Delivery], channel: Channel) -> Option<&Delivery> {
    deliveries.iter().find(|d| d.channel() == channel)
}

async fn reminders_reach_every_browser_encrypted_and_signed(w: World) {
    let push = PushService::start().await;
    let (patient, token) = w.patient("push.patient", "en").await;
    let key = settings(&w, &token).await;
    assert!(key.enabled);
    let public_key = URL_SAFE_NO_PAD.decode(&key.vapid_public_key).unwrap();
    assert_eq!((public_key.len(), public_key[0]), (65, 4), "an uncompressed P-256 point, base64url");

    let (laptop, phone) = (Browser::new(&push, "laptop", 11), Browser::new(&push, "phone", 12));
    subscribe(&w, &token, &laptop, "Firefox on the laptop").await.unwrap();
    subscribe(&w, &token, &phone, "Chrome on the phone").await.unwrap();

    let queued = w.send(REMINDER, &patient, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r1").await.unwrap();
    let channels: Vec<_> = queued.deliveries.iter().map(|d| d.channel()).collect();
    assert_eq!(channels, [Channel::Email, Channel::InApp, Channel::Push], "push added for a subscribed patient");
    let log = w.settled(&patient, 3).await;
    let pushed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!((pushed.status(), pushed.recipient_contact.as_str()), (DeliveryStatus::Sent, "2 browsers"));
    assert_eq!(pushed.subject, "Upcoming appointment");

    for browser in [&laptop, &phone] {
        let received = push.accepted(&browser.name);
        assert_eq!(received.len(), 1, "one push per browser");
        let message = &received[0];
        assert_eq!(message.headers["content-encoding"], "aes128gcm");
        assert_eq!(message.headers["content-type"], "application/octet-stream");
        assert_eq!(message.headers["ttl"], "86400");
        assert_eq!(message.headers["urgency"], "high", "a reminder may wake the phone");
        let claims = verify_vapid(&message.headers["authorization"], &key.vapid_public_key, &push.origin());
        assert_eq!(claims["sub"], "mailto:ops@clinic.example");
        let payload = browser.payload(message);
        assert_eq!(
            payload,
            serde_json::json!({
                "title": "Upcoming appointment",
                "body": "You have an appointment on 2026-12-07 at 09:30.",
                "url": "/appointments",
            })
        );
        // Only the browser can read it, and it names nobody.
        let clear = String::from_utf8_lossy(&message.body);
        assert!(!clear.contains("appointment") && !clear.contains("2026"), "the body is encrypted");
        let text = payload.to_string();
        assert!(!text.contains("Lan Nguyen") && !text.contains("Room 3") && !text.contains("Test Patient"));
    }
    let sender_key = |name: &str| push.accepted(name)[0].body[21..86].to_vec();
    assert_ne!(sender_key("laptop"), sender_key("phone"), "a fresh ECDH key for each message");

    // In Vietnamese for a Vietnamese patient; lab results lead to the lab results page.
    let (vi, vi_token) = w.patient("push.vi", "vi").await;
    let tablet = Browser::new(&push, "tablet", 13);
    subscribe(&w, &vi_token, &tablet, "").await.unwrap();
    let results = NotificationType::LabResultReadyPatient;
    w.send(results, &vi, &APPOINTMENT_CHANNELS, &[("patient_name", "Bình")], "lab-1").await.unwrap();
    let log = w.settled(&vi, 3).await;
    assert_eq!(by_channel(&log, Channel::Push).unwrap().status(), DeliveryStatus::Sent);
    let message = &push.accepted("tablet")[0];
    assert_eq!(message.headers["urgency"], "normal");
    assert_eq!(
        tablet.payload(message),
        serde_json::json!({
            "title": "Đã có kết quả xét nghiệm",
            "body": "Kết quả xét nghiệm của bạn đã có trong HMS.",
            "url": "/lab-results",
        })
    );

    // Someone without a subscribed browser: no push is queued, and nothing fails.
    let (unsubscribed, _) = w.patient("push.none", "en").await;
    let queued = w.send(REMINDER, &unsubscribed, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r2").await.unwrap();
    assert_eq!(queued.deliveries.len(), 2, "{queued:?}");
    // Named by a caller all the same: suppressed, not failed.
    w.send(REMINDER, &unsubscribed, &[Channel::Push], &REMINDER_DATA, "r3").await.unwrap();
    let log = w.settled(&unsubscribed, 3).await;
    let suppressed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!(suppressed.status(), DeliveryStatus::Suppressed, "{suppressed:?}");
    assert!(suppressed.error.contains("no push subscription"), "{suppressed:?}");
    assert_eq!(push.received().len(), 3, "nothing more reached the push service");
}

async fn gone_subscriptions_are_dropped_and_failing_push_services_retried(w: World) {
    let push = PushService::start().await;
    let (patient, token) = w.patient("push.gone", "en").await;
    let (old, current) = (Browser::new(&push, "old-laptop", 21), Browser::new(&push, "current", 22));
    subscribe(&w, &token, &old, "old laptop").await.unwrap();
    let kept = subscribe(&w, &token, &current, "current phone").await.unwrap();
    // The old browser unsubscribed (410); the other's push service is down once.
    push.script("old-laptop", &[410]);
    push.script("current", &[503]);

    w.send(REMINDER, &patient, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r1").await.unwrap();
    let log = w.settled(&patient, 3).await;
    let pushed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!((pushed.status(), pushed.attempts), (DeliveryStatus::Sent, 2), "{pushed:?}");
    assert_eq!(pushed.recipient_contact, "1 browser");
    assert_eq!(push.received().iter().filter(|p| p.subscription == "old-laptop").count(), 1, "never tried again");
    assert_eq!(push.received().iter().filter(|p| p.subscription == "current").count(), 2, "503, then 201");
    let left = subscriptions(&w, &token).await;
    assert_eq!(left.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [kept.as_str()], "the gone one is dropped");

    // A patient whose only browser is gone: the push fails for good, at once.
    let (alone, token) = w.patient("push.alone", "en").await;
    let gone = Browser::new(&push, "gone", 23);
    subscribe(&w, &token, &gone, "").await.unwrap();
    push.script("gone", &[404]);
    w.send(REMINDER, &alone, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r2").await.unwrap();
    let log = w.settled(&alone, 3).await;
    let failed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!((failed.status(), failed.attempts), (DeliveryStatus::Failed, 1), "{failed:?}");
    assert!(failed.error.contains("HTTP 404") && failed.error.contains("removed"), "{failed:?}");
    assert!(!failed.error.contains("/push/gone"), "errors name the host, never the endpoint: {failed:?}");
    assert!(subscriptions(&w, &token).await.is_empty());

    // A refusal (413, 400) is final for that browser, and the subscription stays.
    let (refused, token) = w.patient("push.refused", "en").await;
    let picky = Browser::new(&push, "picky", 24);
    subscribe(&w, &token, &picky, "").await.unwrap();
    push.script("picky", &[413]);
    w.send(REMINDER, &refused, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r3").await.unwrap();
    let log = w.settled(&refused, 3).await;
    let failed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!((failed.status(), failed.attempts), (DeliveryStatus::Failed, 1), "{failed:?}");
    assert_eq!(subscriptions(&w, &token).await.len(), 1);

    // Throttled on every attempt (429): retried up to the limit, then failed.
    let (throttled, token) = w.patient("push.throttled", "en").await;
    let busy = Browser::new(&push, "busy", 25);
    subscribe(&w, &token, &busy, "").await.unwrap();
    push.script("busy", &[429, 429, 429]);
    w.send(REMINDER, &throttled, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r4").await.unwrap();
    let log = w.settled(&throttled, 3).await;
    let failed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!((failed.status(), failed.attempts), (DeliveryStatus::Failed, 3), "{failed:?}");
    assert!(failed.error.contains("HTTP 429"), "{failed:?}");
}

/// A push service that takes connections and never answers: each request
/// it was sent, counted.
async fn dead_push_service() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut buffer = [0_u8; 4096];
                while let Ok(n) = stream.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    if buffer[..n].starts_with(b"POST ") {
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    (origin, requests)
}

async fn a_dead_push_service_is_paused_and_email_goes_on(w: World) {
    use std::sync::atomic::Ordering;
    let (origin, requests) = dead_push_service().await;
    let alive = PushService::start().await;
    let mut patients = Vec::new();
    for i in 0..6 {
        let (patient, token) = w.patient(&format!("push.dead{i}"), "en").await;
        let mut browser = Browser::new(&alive, &format!("dead{i}"), 40 + i);
        browser.endpoint = format!("{origin}/push/dead{i}");
        subscribe(&w, &token, &browser, "").await.unwrap();
        patients.push(patient);
    }
    // One patient also has a browser of another vendor, which works.
    let (mixed, token) = w.patient("push.mixed", "en").await;
    let mut dead_one = Browser::new(&alive, "mixed-dead", 50);
    dead_one.endpoint = format!("{origin}/push/mixed-dead");
    subscribe(&w, &token, &dead_one, "").await.unwrap();
    subscribe(&w, &token, &Browser::new(&alive, "mixed-alive", 51), "").await.unwrap();
    patients.push(mixed.clone());

    for (i, patient) in patients.iter().enumerate() {
        w.send(REMINDER, patient, &APPOINTMENT_CHANNELS, &REMINDER_DATA, &format!("dead-{i}")).await.unwrap();
    }
    for patient in &patients {
        let log = w.settled(patient, 3).await;
        assert_eq!(by_channel(&log, Channel::Email).unwrap().status(), DeliveryStatus::Sent, "{log:?}");
    }
    assert_eq!(w.sink.wait_for(patients.len()).await.len(), patients.len(), "every email went out");
    // Three attempts of seven pushes would be 21 requests; once the dead
    // service has failed `breaker_failures` times it is paused and its
    // browsers wait without a request (a probe now and then).
    let sent = requests.load(Ordering::SeqCst);
    assert!(sent <= 7 + 3, "the dead push service was sent {sent} requests");
    let log = w.deliveries(&patients[0]).await;
    let push = by_channel(&log, Channel::Push).unwrap();
    assert_eq!(push.status(), DeliveryStatus::Failed, "{push:?}");
    // The other vendor's browser is not held back by the dead one.
    assert_eq!(alive.accepted("mixed-alive").len(), 1);
}

async fn subscriptions_are_their_owners_own(w: World) {
    let push = PushService::start().await;
    let (_, alice) = w.patient("push.alice", "en").await;
    let (_, bob) = w.patient("push.bob", "en").await;
    let browser = Browser::new(&push, "shared-pc", 31);
    let id = subscribe(&w, &alice, &browser, "Library PC").await.unwrap();

    let listed = subscriptions(&w, &alice).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id.as_str(), listed[0].device_label.as_str()), (id.as_str(), "Library PC"));
    assert_eq!(listed[0].endpoint_host, "127.0.0.1", "the host only");
    assert!(listed[0].create_time.is_some());
    assert!(subscriptions(&w, &bob).await.is_empty(), "Bob sees only his own");

    let request = DeletePushSubscriptionRequest { subscription_id: id.clone() };
    assert_code(w.notifications().await.delete_push_subscription(authed(request, &bob)).await, Code::NotFound);
    assert_eq!(subscriptions(&w, &alice).await.len(), 1, "still Alice's");

    // The same browser subscribing again refreshes its subscription.
    assert_eq!(subscribe(&w, &alice, &browser, "Library PC, 2nd floor").await.unwrap(), id);
    let listed = subscriptions(&w, &alice).await;
    assert_eq!((listed.len(), listed[0].device_label.as_str()), (1, "Library PC, 2nd floor"));
    // Bob signs in on it: the browser is his now, and Alice's pushes stop there.
    assert_eq!(subscribe(&w, &bob, &browser, "").await.unwrap(), id);
    assert!(subscriptions(&w, &alice).await.is_empty());
    assert_eq!(subscriptions(&w, &bob).await.len(), 1);

    let request = DeletePushSubscriptionRequest { subscription_id: id.clone() };
    assert_code(w.notifications().await.delete_push_subscription(authed(request, &alice)).await, Code::NotFound);
    let request = DeletePushSubscriptionRequest { subscription_id: id.clone() };
    w.notifications().await.delete_push_subscription(authed(request, &bob)).await.unwrap();
    assert!(subscriptions(&w, &bob).await.is_empty());
    let request = DeletePushSubscriptionRequest { subscription_id: id };
    assert_code(w.notifications().await.delete_push_subscription(authed(request, &bob)).await, Code::NotFound);

    // Signed-in users only.
    let anonymous = w.notifications().await.list_push_subscriptions(ListPushSubscriptionsRequest {}).await;
    assert_code(anonymous, Code::Unauthenticated);
}

async fn bad_subscriptions_are_refused_field_by_field(w: World) {
    let push = PushService::start().await;
    let (_, token) = w.patient("push.bad", "en").await;
    let browser = Browser::new(&push, "b", 41);
    let register = |endpoint: &str, p256dh: &str, auth: &str| RegisterPushSubscriptionRequest {
        endpoint: endpoint.into(),
        p256dh: p256dh.into(),
        auth: auth.into(),
        device_label: String::new(),
    };
    let refused = |request| async {
        let status = w.notifications().await.register_push_subscription(authed(request, &token)).await;
        violated_fields_sorted(&assert_code(status, Code::InvalidArgument))
    };
    let short_key = URL_SAFE_NO_PAD.encode([4_u8; 64]);
    let off_curve = URL_SAFE_NO_PAD.encode([4_u8; 65]);
    let short_auth = URL_SAFE_NO_PAD.encode([1_u8; 15]);
    assert_eq!(
        refused(register("http://push.example.com/x", &short_key, &short_auth)).await,
        ["auth", "endpoint", "p256dh"]
    );
    assert_eq!(refused(register("", "", "")).await, ["auth", "endpoint", "p256dh"]);
    assert_eq!(refused(register(&browser.endpoint, &off_curve, &browser.auth())).await, ["p256dh"]);
    assert_eq!(refused(register("ftp://push.example.com/x", &browser.p256dh(), &browser.auth())).await, ["endpoint"]);
    assert_eq!(refused(register(&browser.endpoint, "not base64!", "%%")).await, ["auth", "p256dh"]);
    let long_label = RegisterPushSubscriptionRequest {
        device_label: "x".repeat(101),
        ..register(&browser.endpoint, &browser.p256dh(), &browser.auth())
    };
    assert_eq!(refused(long_label).await, ["device_label"]);
    // https anywhere, http on a loopback host only.
    let fine = register("https://push.example.com/x", &browser.p256dh(), &browser.auth());
    w.notifications().await.register_push_subscription(authed(fine, &token)).await.unwrap();
    assert!(subscriptions(&w, &token).await.iter().any(|s| s.endpoint_host == "push.example.com"));
    subscribe(&w, &token, &browser, "").await.unwrap();
}

async fn push_turned_off_for_a_type_is_not_sent(w: World) {
    let push = PushService::start().await;
    let (patient, token) = w.patient("push.off", "en").await;
    let browser = Browser::new(&push, "muted", 51);
    subscribe(&w, &token, &browser, "").await.unwrap();
    let rule = |kind: NotificationType, enabled| PreferenceRule {
        r#type: kind.into(),
        channel: Channel::Push.into(),
        enabled,
    };
    let invoice = NotificationType::InvoiceGenerated;
    let preferences = Preferences { rules: vec![rule(REMINDER, false), rule(invoice, true)], language: String::new() };
    let request = UpdatePreferencesRequest { preferences: Some(preferences) };
    w.notifications().await.update_preferences(authed(request, &token)).await.unwrap();

    // Turned off: not queued when the caller leaves it to the preferences,
    // suppressed when a caller names push.
    let queued = w.send(REMINDER, &patient, &APPOINTMENT_CHANNELS, &REMINDER_DATA, "r1").await.unwrap();
    assert_eq!(queued.deliveries.len(), 2, "{queued:?}");
    w.send(REMINDER, &patient, &[Channel::Push], &REMINDER_DATA, "r2").await.unwrap();
    let log = w.settled(&patient, 3).await;
    let suppressed = by_channel(&log, Channel::Push).unwrap();
    assert_eq!(suppressed.status(), DeliveryStatus::Suppressed, "{suppressed:?}");
    assert!(suppressed.error.contains("opted out"), "{suppressed:?}");
    assert!(push.received().is_empty());

    // Turned on for a type that is off by default: pushed, once it has a
    // push template (an admin's).
    let admin = w.admin_token().await;
    for language in ["en", "vi"] {
        let template = Template {
            r#type: invoice.into(),
            channel: Channel::Push.into(),
            language: language.into(),
            subject: "New invoice".into(),
            body_text: "An invoice is waiting in HMS.".into(),
            ..Default::default()
        };
        let request = CreateTemplateRequest { template: Some(template) };
        w.notifications().await.create_template(authed(request, &admin)).await.unwrap();
    }
    let queued = w.send(invoice, &patient, &[Channel::InApp], &INVOICE_DATA, "i1").await;
    let channels: Vec<_> = queued.unwrap().deliveries.iter().map(|d| d.channel()).collect();
    assert_eq!(channels, [Channel::InApp, Channel::Push]);
    let log = w.settled(&patient, 5).await;
    let sent: Vec<_> =
        log.iter().filter(|d| d.channel() == Channel::Push && d.status() == DeliveryStatus::Sent).collect();
    assert_eq!(sent.len(), 1, "{log:?}");
    let payload = browser.payload(&push.accepted("muted")[0]);
    assert_eq!((payload["title"].as_str(), payload["url"].as_str()), (Some("New invoice"), Some("/invoices")));
}

async fn nothing_of_a_subscription_is_readable_at_rest(w: World) {
    let push = PushService::start().await;
    let (_, token) = w.patient("push.rest", "en").await;
    let browser = Browser::new(&push, "secret-endpoint-token", 61);
    subscribe(&w, &token, &browser, "My laptop").await.unwrap();
    let documents = w.raw_documents("notification_push_subscriptions").await;
    assert_eq!(documents.len(), 1);
    for secret in [browser.endpoint.as_str(), "secret-endpoint-token", &browser.p256dh(), &browser.auth()] {
        assert!(!documents[0].contains(secret), "{secret} readable at rest: {}", documents[0]);
        for file in w.store_files() {
            let bytes = std::fs::read(&file).unwrap();
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} in {}", file.display());
        }
    }
    assert!(documents[0].contains("\"sealed\"") && documents[0].contains("My laptop"), "{}", documents[0]);
}

on_every_store!(
    reminders_reach_every_browser_encrypted_and_signed,
    gone_subscriptions_are_dropped_and_failing_push_services_retried,
    a_dead_push_service_is_paused_and_email_goes_on,
    subscriptions_are_their_owners_own,
    bad_subscriptions_are_refused_field_by_field,
    push_turned_off_for_a_type_is_not_sent,
    nothing_of_a_subscription_is_readable_at_rest,
);
