//! Card payments through Stripe, against `localstripe` (a local server
//! speaking Stripe's API), on every relational backend: a PaymentMethod from
//! Stripe.js charged at once, a 3-D Secure step by the payer, settling by
//! replay, by webhook and by reconciliation, declines, forged and replayed
//! webhooks, concurrent replays, abandoned attempts, and a partial refund.

mod common;

use std::time::Duration;

use common::*;
use hms_billing::provider::stripe::sign_webhook;
use hms_kit::proto::billing::payer_action::Action;
use hms_kit::proto::billing::*;
use hms_kit::testing::{Relational, authed};
use hms_testkit::stripe::{self, LocalStripe};
use serde_json::Value;
use tonic::Code;

const VISA: &str = "4242424242424242";
/// Stripe's test card whose charge is declined.
const DECLINED: &str = "4000000000000341";
/// Stripe's test card that asks for 3-D Secure.
const THREE_D_SECURE: &str = "4000002760003184";

async fn start(kind: Relational) -> Option<(Harness, LocalStripe)> {
    let stripe = LocalStripe::start().await?;
    let api_base = stripe.url.clone();
    let h = Harness::start_configured(kind, |config| {
        config.payment_provider = "stripe".into();
        config.stripe.api_base = api_base;
        config.stripe.secret_key = Some(stripe::SECRET_KEY.into());
        config.stripe.publishable_key = stripe::PUBLISHABLE_KEY.into();
        config.stripe.webhook_secret = Some(stripe::WEBHOOK_SECRET.into());
        config.reconcile_grace = Duration::ZERO;
    })
    .await?;
    Some((h, stripe))
}

/// The client secret of a PENDING payment's Stripe confirmation.
fn client_secret(answer: &PayInvoiceResponse) -> String {
    assert_eq!(answer.payment.as_ref().unwrap().status(), PaymentStatus::Pending);
    match answer.payer_action.as_ref().and_then(|a| a.action.as_ref()) {
        Some(Action::Stripe(confirmation)) => {
            assert_eq!(confirmation.publishable_key, stripe::PUBLISHABLE_KEY);
            confirmation.client_secret.clone()
        }
        other => panic!("expected a Stripe confirmation, got {other:?}"),
    }
}

fn intent_of(secret: &str) -> &str {
    secret.split("_secret_").next().unwrap()
}

async fn the_web_app_learns_stripe_and_only_its_public_half(kind: Relational) {
    let Some((h, _stripe)) = start(kind).await else { return };
    let (_, token) = h.patient("stripe.options").await;
    let mut billing = h.billing().await;
    let ask = |currency: &str| authed(GetPaymentOptionsRequest { currency: currency.into() }, &token);
    let options = billing.get_payment_options(ask("VND")).await.unwrap().into_inner();
    assert_eq!(options.provider(), PaymentProviderKind::Stripe);
    let public = options.stripe.unwrap();
    assert_eq!(public.publishable_key, stripe::PUBLISHABLE_KEY);
    assert_eq!(public.js_url, "https://js.stripe.com/v3/");
    let everything = format!("{public:?}");
    assert!(!everything.contains(stripe::SECRET_KEY) && !everything.contains(stripe::WEBHOOK_SECRET));
    let status = assert_code(billing.get_payment_options(ask("dong")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["currency"]);
}

async fn a_card_payment_settles_at_once_and_is_refunded_in_part(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.patient").await;
    let invoice = h.appointment_invoice("appt-stripe", &patient, 150_000).await;
    // Stripe takes a PaymentMethod from Stripe.js, nothing else.
    for bad in ["", "tok_ok_4242", "pm_1/../x"] {
        let status =
            assert_code(h.pay(&token, &invoice.id, "stripe-key-01", 150_000, bad).await, Code::InvalidArgument);
        assert_eq!(violated_fields(&status), ["card_token"], "{bad:?}");
    }
    let card = stripe.payment_method(VISA).await;
    let paid = h.pay(&token, &invoice.id, "stripe-key-01", 150_000, &card).await.unwrap();
    let payment = paid.payment.unwrap();
    assert_eq!(payment.status(), PaymentStatus::Success);
    assert!(paid.payer_action.is_none());
    assert_eq!((payment.provider.as_str(), payment.card_brand.as_str()), ("stripe", "visa"));
    assert_eq!(payment.card_last4, "4242");
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
    let intent = stripe.intent(&payment.transaction_id).await;
    assert_eq!(intent["amount"], 150_000, "VND has no minor unit: the amount as it is");
    assert_eq!(intent["currency"], "vnd");
    assert_eq!(intent["metadata"]["hms_payment_id"], payment.id.as_str());
    // The same request again: the same payment, no second intent.
    let again = h.pay(&token, &invoice.id, "stripe-key-01", 150_000, &card).await.unwrap();
    assert_eq!(again.payment.unwrap().id, payment.id);
    assert_eq!(stripe.intents().await.len(), 1);
    // Nothing of the card but its brand and last four digits is kept.
    assert_eq!(h.count("SELECT COUNT(*) FROM payments WHERE card_last4 = '4242' AND card_brand = 'visa'").await, 1);

    // Billing staff refund part of it through Stripe.
    let refund = RefundPaymentRequest {
        payment_id: payment.id.clone(),
        idempotency_key: "stripe-refund-01".into(),
        amount: Some(vnd(50_000)),
        reason: "One test not done".into(),
    };
    let mut billing = h.billing().await;
    let refunded = billing.refund_payment(authed(refund.clone(), h.admin())).await.unwrap().into_inner();
    let made = refunded.refund.unwrap();
    assert_eq!(made.status(), RefundStatus::Succeeded);
    assert_eq!(refunded.invoice.unwrap().balance.unwrap().amount_minor, 50_000);
    billing.refund_payment(authed(refund, h.admin())).await.unwrap();
    let at_stripe = stripe.refunds_of(&payment.transaction_id).await;
    assert_eq!(at_stripe.len(), 1, "one refund at Stripe: {at_stripe:?}");
    assert_eq!(at_stripe[0]["amount"], 50_000);
    assert_eq!(at_stripe[0]["id"], made.provider_refund_id.as_str());
}

async fn a_three_d_secure_payment_waits_for_the_payer(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.3ds").await;
    let invoice = h.appointment_invoice("appt-3ds", &patient, 150_000).await;
    let card = stripe.payment_method(THREE_D_SECURE).await;
    let started = h.pay(&token, &invoice.id, "secure-key-01", 150_000, &card).await.unwrap();
    let secret = client_secret(&started);
    // The amount is held while the payer is at it: no second payment of it.
    assert_eq!(started.invoice.as_ref().unwrap().balance.as_ref().unwrap().amount_minor, 0);
    let (code, authenticated) = stripe.authenticate(&secret, true).await;
    assert_eq!((code, authenticated["status"].as_str()), (200, Some("succeeded")), "{authenticated}");
    let settled = h.pay(&token, &invoice.id, "secure-key-01", 150_000, &card).await.unwrap();
    assert_eq!(settled.payment.unwrap().status(), PaymentStatus::Success);
    assert!(settled.payer_action.is_none());
    assert_eq!(settled.invoice.unwrap().status(), InvoiceStatus::Paid);
    // The client secret is handed over, never kept.
    let kept = h.count(&format!("SELECT COUNT(*) FROM payments WHERE transaction_id = '{secret}'")).await;
    assert_eq!(kept, 0);
}

async fn a_declined_card_fails_the_payment_and_frees_the_amount(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.declined").await;
    let invoice = h.appointment_invoice("appt-declined", &patient, 80_000).await;
    let declined = stripe.payment_method(DECLINED).await;
    let status =
        assert_code(h.pay(&token, &invoice.id, "declined-key-1", 80_000, &declined).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "PAYMENT_DECLINED");
    let status =
        assert_code(h.pay(&token, &invoice.id, "declined-key-1", 80_000, &declined).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "PAYMENT_DECLINED", "the replay answers the same");
    let invoice = h.get(&token, &invoice.id).await.unwrap().invoice.unwrap();
    assert_eq!(invoice.balance.unwrap().amount_minor, 80_000);
    // A new attempt with another card goes through.
    let card = stripe.payment_method(VISA).await;
    let paid = h.pay(&token, &invoice.id, "declined-key-2", 80_000, &card).await.unwrap();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
}

async fn concurrent_replays_make_one_intent_and_one_charge(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.replays").await;
    let invoice = h.appointment_invoice("appt-replays", &patient, 120_000).await;
    let card = stripe.payment_method(THREE_D_SECURE).await;
    let calls = (0..32).map(|_| h.pay(&token, &invoice.id, "replay-key-01", 120_000, &card));
    let answers: Vec<_> = futures::future::join_all(calls).await.into_iter().map(|r| r.unwrap()).collect();
    let secrets: std::collections::BTreeSet<_> = answers.iter().map(client_secret).collect();
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(stripe.intents().await.len(), 1, "one intent for one payment");
    let secret = secrets.into_iter().next().unwrap();
    let (code, authenticated) = stripe.authenticate(&secret, true).await;
    assert_eq!((code, authenticated["status"].as_str()), (200, Some("succeeded")), "after the 3-D Secure step");
    let calls = (0..32).map(|_| h.pay(&token, &invoice.id, "replay-key-01", 120_000, &card));
    for answer in futures::future::join_all(calls).await {
        assert_eq!(answer.unwrap().payment.unwrap().status(), PaymentStatus::Success);
    }
    let invoice = h.get(&token, &invoice.id).await.unwrap().invoice.unwrap();
    assert_eq!(invoice.paid_by_patient.unwrap().amount_minor, 120_000, "credited once");
}

/// A payment left waiting for the payer's 3-D Secure step; its client secret.
async fn waiting_for_the_payer(
    h: &Harness,
    stripe: &LocalStripe,
    token: &str,
    invoice: &str,
    key: &str,
    amount: i64,
) -> String {
    let card = stripe.payment_method(THREE_D_SECURE).await;
    client_secret(&h.pay(token, invoice, key, amount, &card).await.unwrap())
}

/// A signed event about the intent as localstripe holds it now.
async fn signed_event(stripe: &LocalStripe, event_id: &str, intent_id: &str, secret: &str) -> (String, Vec<u8>) {
    let intent: Value = stripe.intent(intent_id).await;
    let kind =
        if intent["status"] == "succeeded" { "payment_intent.succeeded" } else { "payment_intent.payment_failed" };
    let body = stripe::event(event_id, kind, &intent);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    (sign_webhook(secret, now, &body), body)
}

async fn webhooks_are_verified_and_applied_once(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.webhook").await;
    let invoice = h.appointment_invoice("appt-webhook", &patient, 90_000).await;
    let secret = waiting_for_the_payer(&h, &stripe, &token, &invoice.id, "webhook-key-1", 90_000).await;
    stripe.authenticate(&secret, true).await;
    let mut webhooks = h.webhooks().await;
    let receive = |signature: String, payload: Vec<u8>| ReceiveStripeEventRequest { signature, payload };

    // Forged: signed with another secret, or the body changed after signing.
    let (forged, body) = signed_event(&stripe, "evt_forged", intent_of(&secret), "whsec_not_ours").await;
    let status = webhooks.receive_stripe_event(receive(forged, body)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let (signature, body) = signed_event(&stripe, "evt_tampered", intent_of(&secret), stripe::WEBHOOK_SECRET).await;
    let tampered = String::from_utf8(body).unwrap().replace("90000", "9000").into_bytes();
    let status = webhooks.receive_stripe_event(receive(signature, tampered)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let pending = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(pending.payments[0].status(), PaymentStatus::Pending, "nothing changed");

    // Genuine: applied once; its replays change nothing.
    let (signature, body) = signed_event(&stripe, "evt_paid", intent_of(&secret), stripe::WEBHOOK_SECRET).await;
    let first = webhooks.receive_stripe_event(receive(signature.clone(), body.clone())).await.unwrap();
    assert_eq!(first.into_inner().outcome, "APPLIED");
    let replays = (0..8).map(|_| {
        let mut webhooks = webhooks.clone();
        let request = receive(signature.clone(), body.clone());
        async move { webhooks.receive_stripe_event(request).await.unwrap().into_inner().outcome }
    });
    for outcome in futures::future::join_all(replays).await {
        assert_eq!(outcome, "DUPLICATE");
    }
    let paid = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(paid.invoice.unwrap().paid_by_patient.unwrap().amount_minor, 90_000, "one credit");
    assert_eq!(paid.payments[0].status(), PaymentStatus::Success);
    // Another event about the same, settled payment credits nothing more.
    let (signature, body) = signed_event(&stripe, "evt_paid_again", intent_of(&secret), stripe::WEBHOOK_SECRET).await;
    let again = webhooks.receive_stripe_event(receive(signature, body)).await.unwrap();
    assert_eq!(again.into_inner().outcome, "IGNORED");
    let paid = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(paid.invoice.unwrap().paid_by_patient.unwrap().amount_minor, 90_000);
}

async fn a_missed_webhook_is_settled_by_reconciliation(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.lost").await;
    let invoice = h.appointment_invoice("appt-lost", &patient, 70_000).await;
    let secret = waiting_for_the_payer(&h, &stripe, &token, &invoice.id, "lost-key-001", 70_000).await;
    // The payer passes 3-D Secure and closes the tab; no webhook comes.
    stripe.authenticate(&secret, true).await;
    let pass = h.reconcile.run_once().await.unwrap();
    assert_eq!(pass.settled, 1, "{pass:?}");
    let paid = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
    assert_eq!(h.reconcile.run_once().await.unwrap(), Default::default(), "nothing left to do");
}

async fn abandoned_attempts_are_cancelled_and_free_their_amount(kind: Relational) {
    let Some((h, stripe)) = start(kind).await else { return };
    let (patient, token) = h.patient("stripe.abandon").await;
    let invoice = h.appointment_invoice("appt-abandon", &patient, 60_000).await;
    // A first attempt, left; a second (a new key) supersedes it.
    let first = waiting_for_the_payer(&h, &stripe, &token, &invoice.id, "abandon-key-1", 60_000).await;
    let second = waiting_for_the_payer(&h, &stripe, &token, &invoice.id, "abandon-key-2", 60_000).await;
    assert_eq!(stripe.intent(intent_of(&first)).await["status"], "canceled");
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.payments[0].status(), PaymentStatus::Failed);
    // The second is left too; past the patience the worker gives it up.
    let worker = hms_billing::ReconcileWorker {
        state: h.reconcile.state.clone(),
        poll_interval: Duration::from_secs(60),
        grace: Duration::ZERO,
        patience: Duration::ZERO,
    };
    let pass = worker.run_once().await.unwrap();
    assert_eq!(pass.abandoned, 1, "{pass:?}");
    assert_eq!(stripe.intent(intent_of(&second)).await["status"], "canceled");
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.invoice.unwrap().balance.unwrap().amount_minor, 60_000, "the amount is free again");
}

on_every_backend!(
    the_web_app_learns_stripe_and_only_its_public_half,
    a_card_payment_settles_at_once_and_is_refunded_in_part,
    a_three_d_secure_payment_waits_for_the_payer,
    a_declined_card_fails_the_payment_and_frees_the_amount,
    concurrent_replays_make_one_intent_and_one_charge,
    webhooks_are_verified_and_applied_once,
    a_missed_webhook_is_settled_by_reconciliation,
    abandoned_attempts_are_cancelled_and_free_their_amount,
);
