//! Refunds by billing staff, on every relational backend: partial and full,
//! once per idempotency key, never beyond the payment under concurrency, the
//! invoice's paid amount and balance following, and each one audited.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;
use tonic::Code;

fn request(payment: &str, key: &str, amount: i64, reason: &str) -> RefundPaymentRequest {
    RefundPaymentRequest {
        payment_id: payment.into(),
        idempotency_key: key.into(),
        amount: Some(vnd(amount)),
        reason: reason.into(),
    }
}

async fn refunds_lower_the_paid_amount_once_per_key(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("refund.patient").await;
    let invoice = h.appointment_invoice("appt-refund", &patient, 150_000).await;
    let paid = h.pay(&token, &invoice.id, "refund-pay-01", 150_000, "tok_ok_4242").await.unwrap();
    let payment = paid.payment.unwrap();
    let audited_before = hms_testkit::outbox::undelivered_admin_actions(&h.sql().await).await;
    let mut billing = h.billing().await;

    // A patient cannot refund, even their own payment.
    let status = billing.refund_payment(authed(request(&payment.id, "refund-key-01", 50_000, "x"), &token)).await;
    assert_eq!(status.unwrap_err().code(), Code::PermissionDenied);
    // Bad input: every field named.
    let status = billing.refund_payment(authed(request("", "short", 0, ""), h.admin())).await.unwrap_err();
    assert_eq!(
        hms_testkit::violated_fields_sorted(&status),
        ["amount.amount_minor", "idempotency_key", "payment_id", "reason"]
    );

    let partial = request(&payment.id, "refund-key-01", 50_000, "Service shortened");
    let first = billing.refund_payment(authed(partial.clone(), h.admin())).await.unwrap().into_inner();
    let refund = first.refund.unwrap();
    assert_eq!(refund.status(), RefundStatus::Succeeded);
    assert_eq!(refund.provider_refund_id, format!("re_{}", refund.id));
    let invoice_now = first.invoice.unwrap();
    assert_eq!(invoice_now.status(), InvoiceStatus::PartiallyPaid);
    assert_eq!(invoice_now.paid_by_patient.unwrap().amount_minor, 100_000);
    assert_eq!(invoice_now.balance.unwrap().amount_minor, 50_000);
    assert_eq!(first.payment.unwrap().refunded.unwrap().amount_minor, 50_000);
    // The same request again: the same refund, nothing more refunded.
    let again = billing.refund_payment(authed(partial, h.admin())).await.unwrap().into_inner();
    assert_eq!(again.refund.unwrap().id, refund.id);
    assert_eq!(again.invoice.unwrap().paid_by_patient.unwrap().amount_minor, 100_000);
    // The same key for another refund is refused.
    let status = billing
        .refund_payment(authed(request(&payment.id, "refund-key-01", 10_000, "Other"), h.admin()))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "IDEMPOTENCY_KEY_REUSED");
    // The refund is in the payment history and the audit log (once).
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.refunds.len(), 1);
    assert_eq!(got.refunds[0].reason, "Service shortened");
    let audited = hms_testkit::outbox::undelivered_admin_actions(&h.sql().await).await;
    assert_eq!(audited - audited_before, 1);

    // More than what is left is refused; the rest refunds the payment in full.
    let status = billing
        .refund_payment(authed(request(&payment.id, "refund-key-02", 100_001, "Too much"), h.admin()))
        .await
        .unwrap_err();
    assert_eq!(reason(&status), "REFUND_EXCEEDS_PAYMENT");
    let rest = billing
        .refund_payment(authed(request(&payment.id, "refund-key-03", 100_000, "Appointment cancelled"), h.admin()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.payment.unwrap().status(), PaymentStatus::Refunded);
    let invoice_now = rest.invoice.unwrap();
    assert_eq!(invoice_now.status(), InvoiceStatus::PendingPatient);
    assert_eq!(invoice_now.balance.unwrap().amount_minor, 150_000);
}

async fn concurrent_refunds_never_exceed_the_payment(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("refund.race").await;
    let invoice = h.appointment_invoice("appt-refund-race", &patient, 100_000).await;
    let paid = h.pay(&token, &invoice.id, "race-pay-0001", 100_000, "tok_ok_4242").await.unwrap();
    let payment = paid.payment.unwrap();
    let billing = h.billing().await;
    let calls = (0..32).map(|i| {
        let mut billing = billing.clone();
        let request = authed(request(&payment.id, &format!("race-refund-{i:02}"), 20_000, "Goodwill"), h.admin());
        async move { billing.refund_payment(request).await }
    });
    let answers = futures::future::join_all(calls).await;
    let done = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(done, 5, "100,000 holds five refunds of 20,000");
    for refused in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert_eq!(reason(refused), "REFUND_EXCEEDS_PAYMENT");
    }
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.payments[0].status(), PaymentStatus::Refunded);
    assert_eq!(got.invoice.unwrap().paid_by_patient.unwrap().amount_minor, 0);
    assert_eq!(got.refunds.len(), 5);
}

async fn a_cash_payment_is_refunded_as_paid_back(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("refund.cash").await;
    let invoice = h.appointment_invoice("appt-refund-cash", &patient, 40_000).await;
    let mut billing = h.billing().await;
    let cash = RecordPaymentRequest {
        invoice_id: invoice.id.clone(),
        idempotency_key: "cash-pay-0001".into(),
        amount: Some(vnd(40_000)),
        method: PaymentMethod::Cash.into(),
        reference: String::new(),
    };
    let payment = billing.record_payment(authed(cash, h.admin())).await.unwrap().into_inner().payment.unwrap();
    let refunded = billing
        .refund_payment(authed(request(&payment.id, "cash-refund-01", 40_000, "Paid twice at the desk"), h.admin()))
        .await
        .unwrap()
        .into_inner();
    let refund = refunded.refund.unwrap();
    assert_eq!((refund.status(), refund.provider_refund_id.as_str()), (RefundStatus::Succeeded, ""));
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.invoice.unwrap().balance.unwrap().amount_minor, 40_000);
}

on_every_backend!(
    refunds_lower_the_paid_amount_once_per_key,
    concurrent_refunds_never_exceed_the_payment,
    a_cash_payment_is_refunded_as_paid_back,
);
