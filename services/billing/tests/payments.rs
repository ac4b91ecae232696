//! Card payments through the gRPC API, on every relational backend: one
//! charge per idempotency key, no overpayment, provider timeouts reconciled.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;
use tonic::Code;

async fn concurrent_payments_with_one_key_charge_once(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("pay.patient").await;
    // With no provider configured the web app takes test cards.
    let ask = authed(GetPaymentOptionsRequest { currency: String::new() }, &token);
    let options = h.billing().await.get_payment_options(ask).await.unwrap().into_inner();
    assert_eq!((options.provider(), options.stripe), (PaymentProviderKind::Test, None));
    let invoice = h.appointment_invoice("appt-pay", &patient, 150_000).await;
    let calls = (0..32).map(|_| h.pay(&token, &invoice.id, "pay-key-0001", 150_000, "tok_ok_4242"));
    let results = futures::future::join_all(calls).await;
    let payments: Vec<_> = results.into_iter().map(|r| r.expect("every replay answers").payment.unwrap()).collect();
    let ids: std::collections::BTreeSet<_> = payments.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(payments.iter().all(|p| p.status() == PaymentStatus::Success && p.card_last4 == "4242"));
    assert_eq!(h.provider.charges_made(), 1);
    let got = h.get(&token, &invoice.id).await.unwrap();
    let invoice = got.invoice.unwrap();
    assert_eq!(invoice.status(), InvoiceStatus::Paid);
    assert_eq!(invoice.paid_by_patient.unwrap().amount_minor, 150_000);
    assert_eq!(got.payments.len(), 1);

    // The same key with another request is refused, and charges nothing.
    let status =
        assert_code(h.pay(&token, &invoice.id, "pay-key-0001", 1_000, "tok_ok_4242").await, Code::AlreadyExists);
    assert_eq!(reason(&status), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(h.provider.charges_made(), 1);
    // Another patient's identical key is theirs alone.
    let (other, other_token) = h.patient("pay.other").await;
    let theirs = h.appointment_invoice("appt-pay-2", &other, 10_000).await;
    h.pay(&other_token, &theirs.id, "pay-key-0001", 10_000, "tok_ok_1111").await.unwrap();
    // The card number never reaches the store: only last4 and the provider id.
    let stored =
        h.count("SELECT COUNT(*) FROM payments WHERE card_last4 = '4242' AND transaction_id LIKE 'ch_%'").await;
    assert_eq!(stored, 1);
}

async fn overpayment_is_refused(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("over.patient").await;
    let invoice = h.appointment_invoice("appt-over", &patient, 100_000).await;
    let paid = h.pay(&token, &invoice.id, "over-key-01", 60_000, "tok_ok_4242").await.unwrap();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::PartiallyPaid);
    let status =
        assert_code(h.pay(&token, &invoice.id, "over-key-02", 50_000, "tok_ok_4242").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "OVERPAYMENT");
    assert_eq!(h.provider.charges_made(), 1, "a refused payment is never charged");

    // 32 concurrent cash payments of 10,000 on the other 40,000: exactly four land.
    let client = h.billing().await;
    let calls = (0..32).map(|i| {
        let mut client = client.clone();
        let request = authed(
            RecordPaymentRequest {
                invoice_id: invoice.id.clone(),
                idempotency_key: format!("cash-key-{i:04}"),
                amount: Some(vnd(10_000)),
                method: PaymentMethod::Cash.into(),
                reference: String::new(),
            },
            h.admin(),
        );
        async move { client.record_payment(request).await }
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 4, "{results:?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(reason(refused).as_str(), "OVERPAYMENT" | "INVOICE_NOT_PAYABLE"), "{refused:?}");
    }
    let invoice = h.get(h.admin(), &invoice.id).await.unwrap().invoice.unwrap();
    assert_eq!(invoice.status(), InvoiceStatus::Paid);
    assert_eq!(invoice.paid_by_patient.unwrap().amount_minor, 100_000);
    assert_eq!(invoice.balance.unwrap().amount_minor, 0);

    // Patients cannot record cash; admins cannot pick the card path here.
    let mut billing = h.billing().await;
    let request = RecordPaymentRequest {
        invoice_id: invoice.id.clone(),
        idempotency_key: "cash-key-patient".into(),
        amount: Some(vnd(1)),
        method: PaymentMethod::Cash.into(),
        reference: String::new(),
    };
    assert_code(billing.record_payment(authed(request.clone(), &token)).await, Code::PermissionDenied);
    let card =
        RecordPaymentRequest { method: PaymentMethod::CreditCard.into(), idempotency_key: "short".into(), ..request };
    let status = assert_code(billing.record_payment(authed(card, h.admin())).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["idempotency_key", "method"]);
}

async fn provider_timeouts_are_reconciled_without_a_second_charge(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("timeout.patient").await;
    let invoice = h.appointment_invoice("appt-timeout", &patient, 90_000).await;
    // The provider charges but its answer is lost: the lookup finds the charge.
    let paid = h.pay(&token, &invoice.id, "timeout-key-1", 90_000, "tok_timeout_0005").await.unwrap();
    assert_eq!(paid.payment.as_ref().unwrap().status(), PaymentStatus::Success);
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
    assert_eq!(h.provider.charges_made(), 1);
    // The client, not having seen the answer either, retries: same payment, no charge.
    let replay = h.pay(&token, &invoice.id, "timeout-key-1", 90_000, "tok_timeout_0005").await.unwrap();
    assert_eq!(replay.payment.unwrap().id, paid.payment.unwrap().id);
    assert_eq!(h.provider.charges_made(), 1);
    assert_eq!(h.provider.succeeded().iter().map(|c| c.amount_minor).sum::<i64>(), 90_000);

    // A payment left PENDING (the process died between charge and record) is
    // reconciled by the replay through the provider's record, not re-charged.
    let second = h.appointment_invoice("appt-timeout-2", &patient, 50_000).await;
    let pool = h.sql().await;
    sqlx::query(
        "INSERT INTO payments (id, invoice_id, patient_id, amount, method, status, idempotency_key, fingerprint, \
         transaction_id, card_last4, failure_reason, created_at, updated_at, provider) \
         VALUES ('crashed-payment', ?, ?, 50000, 'CREDIT_CARD', 'PENDING', ?, ?, '', '', '', 1, 1, 'test')",
    )
    .bind(&second.id)
    .bind(&patient)
    .bind(format!("{patient}:crash-key-01"))
    .bind(fingerprint_of(&second.id, 50_000, "tok_ok_7777"))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE invoices SET pending = 50000 WHERE id = ?").bind(&second.id).execute(&pool).await.unwrap();
    let _ = h
        .provider
        .charge(hms_billing::provider::ChargeRequest {
            idempotency_key: "crashed-payment",
            amount_minor: 50_000,
            currency: "VND",
            card_token: "tok_ok_7777",
        })
        .await
        .unwrap();
    assert_eq!(h.provider.charges_made(), 2);
    let reconciled = h.pay(&token, &second.id, "crash-key-01", 50_000, "tok_ok_7777").await.unwrap();
    assert_eq!(reconciled.payment.unwrap().id, "crashed-payment");
    let second = reconciled.invoice.unwrap();
    assert_eq!(second.status(), InvoiceStatus::Paid);
    assert_eq!(second.balance.unwrap().amount_minor, 0);
    assert_eq!(h.provider.charges_made(), 2);

    // A declined card leaves the invoice open; its replay is declined again.
    let third = h.appointment_invoice("appt-decline", &patient, 10_000).await;
    let status = assert_code(
        h.pay(&token, &third.id, "decline-key-1", 10_000, "tok_decline_0002").await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "PAYMENT_DECLINED");
    let status = assert_code(
        h.pay(&token, &third.id, "decline-key-1", 10_000, "tok_decline_0002").await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "PAYMENT_DECLINED");
    assert_eq!(h.provider.charges_made(), 3);
    let third = h.get(&token, &third.id).await.unwrap().invoice.unwrap();
    assert_eq!(third.status(), InvoiceStatus::PendingPatient);
    assert_eq!(third.balance.unwrap().amount_minor, 10_000);
    h.pay(&token, &third.id, "decline-key-2", 10_000, "tok_ok_4242").await.unwrap();
}

/// What the service stores as a card payment's fingerprint.
fn fingerprint_of(invoice: &str, amount: i64, token: &str) -> String {
    let parts = ["card", invoice, &amount.to_string(), token];
    let joined: String = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
    ring::digest::digest(&ring::digest::SHA256, joined.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

on_every_backend!(
    concurrent_payments_with_one_key_charge_once,
    overpayment_is_refused,
    provider_timeouts_are_reconciled_without_a_second_charge,
);
