//! The patient's notifications of invoices, payments and claims, delivered
//! through the outbox to the real notification service, on every relational
//! backend.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;

async fn patients_are_notified(kind: Relational) {
    use hms_kit::proto::notification::NotificationType;
    let Some(h) = Harness::start_full(kind, true).await else { return };
    let (patient, token) = h.patient("notify.patient").await;
    let invoice = h.appointment_invoice("appt-notify", &patient, 150_000).await;
    let generated = h.arrived(&token, NotificationType::InvoiceGenerated, 1).await;
    assert!(generated[0].body.contains(&invoice.invoice_number), "{:?}", generated[0]);
    assert!(generated[0].body.contains("150,000 VND"), "{:?}", generated[0]);
    h.pay(&token, &invoice.id, "notify-key-1", 150_000, "tok_ok_4242").await.unwrap();
    h.arrived(&token, NotificationType::PaymentSuccessful, 1).await;
    let mut billing = h.billing().await;
    let year = jiff::Span::new().days(365);
    let policy = billing
        .create_insurance_policy(authed(
            CreateInsurancePolicyRequest {
                patient_id: patient.clone(),
                policy: Some(InsurancePolicy {
                    provider_name: "Bao Viet".into(),
                    policy_number: "BV-1".into(),
                    valid_from: Some(day(today().checked_sub(year).unwrap())),
                    valid_to: Some(day(today().checked_add(year).unwrap())),
                    ..Default::default()
                }),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .policy
        .unwrap();
    let second = h.appointment_invoice("appt-notify-2", &patient, 10_000).await;
    billing
        .submit_claim(authed(
            SubmitClaimRequest {
                invoice_id: second.id,
                policy_id: policy.id,
                claim_amount: Some(vnd(10_000)),
                hospital_notes: String::new(),
            },
            &token,
        ))
        .await
        .unwrap();
    h.arrived(&token, NotificationType::InsuranceClaimStatusUpdated, 1).await;
}

on_every_backend!(patients_are_notified,);
