//! The billing service through its gRPC API, on every relational backend.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::testing::Relational;
use tonic::Code;

async fn an_invoice_for_each_source(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("sources.patient").await;
    let mut internal = h.internal().await;

    let created = internal
        .create_invoice_for_appointment(authed(appointment_request("appt-1", &patient, 150_000), h.service()))
        .await
        .unwrap()
        .into_inner();
    assert!(created.created);
    let invoice = created.invoice.unwrap();
    assert!(invoice.invoice_number.starts_with("INV-"), "{}", invoice.invoice_number);
    assert_eq!(invoice.status(), InvoiceStatus::PendingPatient);
    assert_eq!(invoice.source_type(), SourceType::Appointment);
    assert_eq!(invoice.total.as_ref().unwrap().amount_minor, 150_000);
    assert_eq!(invoice.items[0].r#type(), ItemType::Consultation);
    assert_eq!(invoice.items[0].description, "General check-up");
    let due = invoice.due_date.unwrap();
    assert_eq!(due, day(today().checked_add(jiff::Span::new().days(30)).unwrap()));

    // The same appointment again: the same invoice, not a second one.
    let again = internal
        .create_invoice_for_appointment(authed(appointment_request("appt-1", &patient, 150_000), h.service()))
        .await
        .unwrap()
        .into_inner();
    assert!(!again.created);
    assert_eq!(again.invoice.unwrap().id, invoice.id);
    // …and never for another patient.
    let status = assert_code(
        internal
            .create_invoice_for_appointment(authed(appointment_request("appt-1", "someone-else", 1), h.service()))
            .await,
        Code::AlreadyExists,
    );
    assert_eq!(reason(&status), "SOURCE_ALREADY_INVOICED");

    // A dispense: line totals and the subtotal are computed here.
    let medication = internal
        .create_invoice_for_medication(authed(
            CreateInvoiceForMedicationRequest {
                dispense_id: "disp-1".into(),
                patient_id: patient.clone(),
                items: vec![
                    MedicationLine {
                        medication_name: "Amoxicillin 500mg".into(),
                        quantity: 20,
                        unit_price: Some(vnd(2_500)),
                    },
                    MedicationLine {
                        medication_name: "Paracetamol".into(),
                        quantity: 10,
                        unit_price: Some(vnd(1_000)),
                    },
                ],
            },
            h.service(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(medication.items[0].total.as_ref().unwrap().amount_minor, 50_000);
    assert_eq!(medication.subtotal.as_ref().unwrap().amount_minor, 60_000);
    assert_eq!(medication.total.as_ref().unwrap().amount_minor, 60_000);
    assert_eq!(medication.source_type(), SourceType::Dispense);

    let lab = internal
        .create_invoice_for_lab_order(authed(
            CreateInvoiceForLabOrderRequest {
                lab_order_id: "lab-1".into(),
                patient_id: patient.clone(),
                items: vec![
                    LabTestLine { test_name: "CBC".into(), price: Some(vnd(120_000)) },
                    LabTestLine { test_name: "HbA1c".into(), price: Some(vnd(180_000)) },
                ],
            },
            h.service(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(lab.total.as_ref().unwrap().amount_minor, 300_000);
    assert_eq!(lab.items.len(), 2);
    assert_ne!(lab.invoice_number, medication.invoice_number);

    // Bad input names every field; mixed currencies are refused.
    let status = assert_code(
        internal
            .create_invoice_for_medication(authed(
                CreateInvoiceForMedicationRequest {
                    dispense_id: String::new(),
                    patient_id: "p 1".into(),
                    items: vec![
                        MedicationLine { medication_name: String::new(), quantity: 0, unit_price: Some(vnd(-1)) },
                        MedicationLine {
                            medication_name: "x".into(),
                            quantity: 1,
                            unit_price: Some(hms_kit::proto::common::Money { amount_minor: 1, currency: "USD".into() }),
                        },
                    ],
                },
                h.service(),
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(
        violated_fields(&status),
        [
            "dispense_id",
            "items[0].name",
            "items[0].price.amount_minor",
            "items[0].quantity",
            "items[1].price.currency",
            "patient_id"
        ]
    );
    let status = assert_code(
        internal.create_invoice_for_appointment(authed(appointment_request("appt-2", &patient, -5), h.service())).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["price.amount_minor"]);

    // Internal calls are for services only.
    assert_code(
        internal.create_invoice_for_appointment(authed(appointment_request("appt-3", &patient, 1), &token)).await,
        Code::PermissionDenied,
    );

    // The patient lists all three, newest first, and pages through them.
    let mut billing = h.billing().await;
    let list = billing
        .list_patient_invoices(authed(
            ListPatientInvoicesRequest {
                patient_id: patient.clone(),
                page: Some(PageRequest { page_size: 2, page_token: String::new() }),
                statuses: vec![],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        list.invoices.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [lab.id.as_str(), medication.id.as_str()]
    );
    let rest = billing
        .list_patient_invoices(authed(
            ListPatientInvoicesRequest {
                patient_id: patient.clone(),
                page: Some(PageRequest { page_size: 2, page_token: list.page.unwrap().next_page_token }),
                statuses: vec![],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.invoices.len(), 1);
    assert_eq!(rest.invoices[0].id, invoice.id);
    assert!(rest.page.unwrap().next_page_token.is_empty());
}

async fn concurrent_creates_for_one_appointment_give_one_invoice(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, _) = h.patient("race.patient").await;
    let client = h.internal().await;
    let calls = (0..32).map(|_| {
        let mut client = client.clone();
        let request = authed(appointment_request("appt-race", &patient, 200_000), h.service());
        async move { client.create_invoice_for_appointment(request).await.map(|r| r.into_inner()) }
    });
    let results = futures::future::join_all(calls).await;
    let results: Vec<_> = results.into_iter().map(|r| r.expect("every call answers with the invoice")).collect();
    let ids: std::collections::BTreeSet<_> = results.iter().map(|r| r.invoice.as_ref().unwrap().id.clone()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(results.iter().filter(|r| r.created).count(), 1);
    assert_eq!(h.count("SELECT COUNT(*) FROM invoices WHERE source_id = 'appt-race'").await, 1);
    // One INVOICE_GENERATED notice, not 32.
    assert_eq!(h.count("SELECT COUNT(*) FROM hms_outbox").await, 1);
}

async fn concurrent_payments_with_one_key_charge_once(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("pay.patient").await;
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
         transaction_id, card_last4, failure_reason, created_at, updated_at) \
         VALUES ('crashed-payment', ?, ?, 50000, 'CREDIT_CARD', 'PENDING', ?, ?, '', '', '', 1, 1)",
    )
    .bind(&second.id)
    .bind(&patient)
    .bind(format!("{patient}:crash-key-01"))
    .bind(fingerprint_of(&second.id, 50_000, "tok_ok_7777"))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE invoices SET pending = 50000 WHERE id = ?").bind(&second.id).execute(&pool).await.unwrap();
    use hms_billing::provider::PaymentProvider as _;
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

async fn claims_follow_their_lifecycle(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("claims.patient").await;
    let (_, insurer) = h.staff("baoviet.agent", Role::InsuranceProvider, Some("Bao Viet Insurance")).await;
    let (_, other_insurer) = h.staff("other.agent", Role::InsuranceProvider, Some("Other Co")).await;
    let (_, no_company) = h.staff("nocompany.agent", Role::InsuranceProvider, None).await;
    let invoice = h.appointment_invoice("appt-claim", &patient, 150_000).await;
    let mut billing = h.billing().await;

    let policy_request = |number: &str, from: jiff::civil::Date, to: jiff::civil::Date| CreateInsurancePolicyRequest {
        patient_id: patient.clone(),
        policy: Some(InsurancePolicy {
            provider_name: " bao viet  insurance".into(),
            policy_number: number.into(),
            member_id: "M-1".into(),
            valid_from: Some(day(from)),
            valid_to: Some(day(to)),
            ..Default::default()
        }),
    };
    let year = jiff::Span::new().days(365);
    let policy = billing
        .create_insurance_policy(authed(
            policy_request("BV-2026-998877", today().checked_sub(year).unwrap(), today().checked_add(year).unwrap()),
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .policy
        .unwrap();
    assert_eq!(policy.policy_number, "BV-2026-998877");
    // Sealed at rest: the number is nowhere in the table.
    let pool = h.sql().await;
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT policy_number_sealed FROM insurance_policies").fetch_one(&pool).await.unwrap();
    assert!(!sealed.windows(6).any(|w| w == b"998877"));
    // A policy that expired before the invoice cannot carry a claim.
    let expired = billing
        .create_insurance_policy(authed(
            policy_request("BV-OLD", jiff::civil::date(2020, 1, 1), jiff::civil::date(2020, 12, 31)),
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .policy
        .unwrap();
    let submit = |policy_id: &str, amount: i64| SubmitClaimRequest {
        invoice_id: invoice.id.clone(),
        policy_id: policy_id.into(),
        claim_amount: Some(vnd(amount)),
        hospital_notes: "consultation".into(),
    };
    let status =
        assert_code(billing.submit_claim(authed(submit(&expired.id, 100_000), &token)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "POLICY_NOT_VALID");
    let status =
        assert_code(billing.submit_claim(authed(submit(&policy.id, 150_001), &token)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "CLAIM_EXCEEDS_BALANCE");
    let claim =
        billing.submit_claim(authed(submit(&policy.id, 100_000), &token)).await.unwrap().into_inner().claim.unwrap();
    assert_eq!(claim.status(), ClaimStatus::Submitted);
    assert!(claim.claim_number.starts_with("CLM-"));

    // Only its company sees and processes it.
    let mut insurers = h.insurer().await;
    let pending =
        insurers.list_pending_claims(authed(ListPendingClaimsRequest::default(), &insurer)).await.unwrap().into_inner();
    assert_eq!(pending.claims.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [claim.id.as_str()]);
    assert_eq!(pending.claims[0].policy_number, "BV-2026-998877");
    assert_eq!(pending.claims[0].invoice_number, invoice.invoice_number);
    // Claims carry invoice data: the insurer's look is in the invoice's trail.
    let seen =
        "SELECT COUNT(*) FROM invoice_access_log WHERE actor_role = 'INSURANCE_PROVIDER' AND action = 'CLAIM_LIST'";
    assert_eq!(h.count(seen).await, 1);
    let others =
        insurers.list_pending_claims(authed(ListPendingClaimsRequest::default(), &other_insurer)).await.unwrap();
    assert!(others.into_inner().claims.is_empty());
    let status = assert_code(
        insurers.list_pending_claims(authed(ListPendingClaimsRequest::default(), &no_company)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "NO_COMPANY");
    let process = |status: ClaimStatus, amount: i64| ProcessClaimRequest {
        claim_id: claim.id.clone(),
        status: status.into(),
        approved_amount_minor: amount,
        notes: "reviewed".into(),
    };
    assert_code(
        insurers.process_claim(authed(process(ClaimStatus::Processing, 0), &other_insurer)).await,
        Code::NotFound,
    );

    // Refused moves: straight to approval, or to closing by the insurer.
    let status = assert_code(
        insurers.process_claim(authed(process(ClaimStatus::Approved, 0), &insurer)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "CLAIM_TRANSITION_REFUSED");
    let status = assert_code(
        insurers.process_claim(authed(process(ClaimStatus::Closed, 0), &insurer)).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["status"]);

    for step in [ClaimStatus::Processing, ClaimStatus::AwaitingDocuments, ClaimStatus::Processing] {
        let moved =
            insurers.process_claim(authed(process(step, 0), &insurer)).await.unwrap().into_inner().claim.unwrap();
        assert_eq!(moved.status(), step);
    }
    let status = assert_code(
        insurers.process_claim(authed(process(ClaimStatus::PartiallyApproved, 100_000), &insurer)).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["approved_amount_minor"]);

    // 32 concurrent decisions: exactly one lands.
    let calls = (0..32).map(|_| {
        let mut client = insurers.clone();
        let request = authed(process(ClaimStatus::PartiallyApproved, 80_000), &insurer);
        async move { client.process_claim(request).await }
    });
    let results = futures::future::join_all(calls).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let approved = results.into_iter().find_map(Result::ok).unwrap().into_inner().claim.unwrap();
    assert_eq!(approved.approved_amount.unwrap().amount_minor, 80_000);
    assert_eq!(approved.rejected_amount.unwrap().amount_minor, 20_000);
    assert!(
        insurers
            .list_pending_claims(authed(ListPendingClaimsRequest::default(), &insurer))
            .await
            .unwrap()
            .into_inner()
            .claims
            .is_empty()
    );

    // The payout credits the invoice.
    let paid =
        insurers.process_claim(authed(process(ClaimStatus::PaidByInsurer, 0), &insurer)).await.unwrap().into_inner();
    assert_eq!(paid.claim.unwrap().status(), ClaimStatus::PaidByInsurer);
    let got = h.get(&token, &invoice.id).await.unwrap();
    let after = got.invoice.unwrap();
    assert_eq!(after.paid_by_insurance.as_ref().unwrap().amount_minor, 80_000);
    assert_eq!(after.status(), InvoiceStatus::PartiallyPaid);
    assert_eq!(got.payments.iter().map(|p| p.method()).collect::<Vec<_>>(), [PaymentMethod::InsurancePayout]);
    let status = assert_code(
        insurers.process_claim(authed(process(ClaimStatus::PaidByInsurer, 0), &insurer)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "CLAIM_TRANSITION_REFUSED");

    // The hospital closes it; nothing moves a closed claim.
    let close = |status: ClaimStatus| UpdateClaimStatusRequest {
        claim_id: claim.id.clone(),
        status: status.into(),
        approved_amount_minor: 0,
        notes: "settled".into(),
    };
    assert_code(billing.update_claim_status(authed(close(ClaimStatus::Closed), &token)).await, Code::PermissionDenied);
    let closed = billing.update_claim_status(authed(close(ClaimStatus::Closed), h.admin())).await.unwrap().into_inner();
    assert_eq!(closed.claim.unwrap().status(), ClaimStatus::Closed);
    let status = assert_code(
        billing.update_claim_status(authed(close(ClaimStatus::Processing), h.admin())).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "CLAIM_TRANSITION_REFUSED");
    let all = billing.list_claims(authed(ListClaimsRequest::default(), h.admin())).await.unwrap().into_inner();
    assert_eq!(all.claims.len(), 1);
    assert_eq!(all.claims[0].hospital_notes, "settled");
    assert_eq!(all.claims[0].insurer_notes, "reviewed");

    // A rejected claim goes to CLOSED only.
    let claim2 =
        billing.submit_claim(authed(submit(&policy.id, 10_000), &token)).await.unwrap().into_inner().claim.unwrap();
    for step in [ClaimStatus::Processing, ClaimStatus::Rejected] {
        insurers
            .process_claim(authed(
                ProcessClaimRequest { claim_id: claim2.id.clone(), status: step.into(), ..Default::default() },
                &insurer,
            ))
            .await
            .unwrap();
    }
    let status = assert_code(
        insurers
            .process_claim(authed(
                ProcessClaimRequest {
                    claim_id: claim2.id.clone(),
                    status: ClaimStatus::PaidByInsurer.into(),
                    ..Default::default()
                },
                &insurer,
            ))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "CLAIM_TRANSITION_REFUSED");

    // A deactivated policy takes no new claims.
    billing
        .deactivate_insurance_policy(authed(
            DeactivateInsurancePolicyRequest { patient_id: patient.clone(), policy_id: policy.id.clone() },
            &token,
        ))
        .await
        .unwrap();
    let status =
        assert_code(billing.submit_claim(authed(submit(&policy.id, 1_000), &token)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "POLICY_NOT_VALID");
}

async fn the_overdue_job_marks_unpaid_invoices_past_due(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("overdue.patient").await;
    let unpaid = h.appointment_invoice("appt-unpaid", &patient, 100_000).await;
    let partial = h.appointment_invoice("appt-partial", &patient, 100_000).await;
    let paid = h.appointment_invoice("appt-paid", &patient, 100_000).await;
    h.pay(&token, &partial.id, "overdue-key-1", 40_000, "tok_ok_4242").await.unwrap();
    h.pay(&token, &paid.id, "overdue-key-2", 100_000, "tok_ok_4242").await.unwrap();

    // Due in 30 days: not overdue on its due date.
    let due = today().checked_add(jiff::Span::new().days(30)).unwrap();
    assert_eq!(h.overdue.run_once(due).await.unwrap(), 0);
    // The day after, two replicas' passes at once mark each invoice once.
    let after = due.checked_add(jiff::Span::new().days(1)).unwrap();
    let (a, b) = tokio::join!(h.overdue.run_once(after), h.overdue.run_once(after));
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(h.overdue.run_once(after).await.unwrap(), 0);
    let status = |id: String| {
        let h = &h;
        let token = token.clone();
        async move { h.get(&token, &id).await.unwrap().invoice.unwrap().status() }
    };
    assert_eq!(status(unpaid.id.clone()).await, InvoiceStatus::Overdue);
    assert_eq!(status(partial.id.clone()).await, InvoiceStatus::Overdue);
    assert_eq!(status(paid.id.clone()).await, InvoiceStatus::Paid);
    // An overdue invoice still takes its payment.
    let settled = h.pay(&token, &unpaid.id, "overdue-key-3", 100_000, "tok_ok_4242").await.unwrap();
    assert_eq!(settled.invoice.unwrap().status(), InvoiceStatus::Paid);
}

/// A manual invoice created with an idempotency key exists once, however
/// many concurrent retries carry the key; the key with another invoice is
/// refused.
async fn concurrent_manual_invoices_with_one_key_give_one_invoice(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("keyed.patient").await;
    let request = |price: i64| CreateManualInvoiceRequest {
        patient_id: patient.clone(),
        items: vec![InvoiceItemInput {
            r#type: ItemType::OtherService.into(),
            description: "Dressing".into(),
            quantity: 1,
            unit_price_minor: price,
        }],
        idempotency_key: "manual-invoice-0001".into(),
        ..Default::default()
    };
    let mut calls = Vec::new();
    for _ in 0..8 {
        let mut billing = h.billing().await;
        let request = authed(request(120_000), h.admin());
        calls.push(tokio::spawn(async move { billing.create_manual_invoice(request).await }));
    }
    let mut ids = Vec::new();
    for call in calls {
        ids.push(call.await.unwrap().unwrap().into_inner().invoice.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one invoice for one key: {ids:?}");

    let mut billing = h.billing().await;
    let status =
        assert_code(billing.create_manual_invoice(authed(request(99_000), h.admin())).await, Code::AlreadyExists);
    assert_eq!(
        tonic_types::StatusExt::get_error_details(&status).error_info().unwrap().reason,
        "IDEMPOTENCY_KEY_REUSED"
    );
    let mut bad = request(1);
    bad.idempotency_key = "short".into();
    let status = assert_code(billing.create_manual_invoice(authed(bad, h.admin())).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["idempotency_key"]);

    let list = billing
        .list_patient_invoices(authed(ListPatientInvoicesRequest { patient_id: patient, ..Default::default() }, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.invoices.len(), 1);
}

async fn admins_manage_invoices(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("admin.patient").await;
    let mut billing = h.billing().await;
    let item = |description: &str, quantity: i64, price: i64| InvoiceItemInput {
        r#type: ItemType::OtherService.into(),
        description: description.into(),
        quantity,
        unit_price_minor: price,
    };
    let manual = billing
        .create_manual_invoice(authed(
            CreateManualInvoiceRequest {
                patient_id: patient.clone(),
                items: vec![item("Bandage", 3, 20_000), item("Room", 1, 500_000)],
                currency: String::new(),
                discount_minor: 60_000,
                due_in_days: 7,
                ..Default::default()
            },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(manual.subtotal.as_ref().unwrap().amount_minor, 560_000);
    assert_eq!(manual.total.as_ref().unwrap().amount_minor, 500_000);
    assert_eq!(manual.source_type(), SourceType::Manual);
    let bad = CreateManualInvoiceRequest {
        patient_id: patient.clone(),
        items: vec![item("", 0, 1)],
        currency: "dong".into(),
        discount_minor: -1,
        due_in_days: 400,
        ..Default::default()
    };
    let status = assert_code(billing.create_manual_invoice(authed(bad, h.admin())).await, Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["currency", "discount_minor", "due_in_days", "items[0].description", "items[0].quantity"]
    );

    // Discount: recomputed, never below what was paid.
    h.pay(&token, &manual.id, "admin-key-01", 300_000, "tok_ok_4242").await.unwrap();
    let discounted = billing
        .apply_discount(authed(
            ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 100_000 },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(discounted.total.unwrap().amount_minor, 460_000);
    assert_eq!(discounted.balance.unwrap().amount_minor, 160_000);
    let status = assert_code(
        billing
            .apply_discount(authed(
                ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 300_000 },
                h.admin(),
            ))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "DISCOUNT_BELOW_PAID");
    // A discount that settles the balance pays the invoice.
    let settled = billing
        .apply_discount(authed(
            ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 260_000 },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(settled.status(), InvoiceStatus::Paid);

    // Cancel needs nothing paid; write-off takes the rest; both need a reason.
    let a = h.appointment_invoice("appt-cancel", &patient, 10_000).await;
    let b = h.appointment_invoice("appt-writeoff", &patient, 10_000).await;
    let status = assert_code(
        billing
            .cancel_invoice(authed(CancelInvoiceRequest { invoice_id: a.id.clone(), reason: " ".into() }, h.admin()))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["reason"]);
    let cancelled = billing
        .cancel_invoice(authed(
            CancelInvoiceRequest { invoice_id: a.id.clone(), reason: "duplicate".into() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(cancelled.status(), InvoiceStatus::Cancelled);
    assert_eq!(cancelled.status_reason, "duplicate");
    let status =
        assert_code(h.pay(&token, &a.id, "admin-key-02", 1_000, "tok_ok_4242").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "INVOICE_NOT_PAYABLE");
    h.pay(&token, &b.id, "admin-key-03", 4_000, "tok_ok_4242").await.unwrap();
    let status = assert_code(
        billing
            .cancel_invoice(authed(CancelInvoiceRequest { invoice_id: b.id.clone(), reason: "x".into() }, h.admin()))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "INVOICE_NOT_CANCELLABLE");
    let written = billing
        .write_off_invoice(authed(
            WriteOffInvoiceRequest { invoice_id: b.id.clone(), reason: "hardship".into() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(written.status(), InvoiceStatus::WrittenOff);

    // Search: by status, patient, source type and number prefix.
    let search = |request: SearchInvoicesRequest| {
        let mut billing = billing.clone();
        let admin = h.admin().to_owned();
        async move { billing.search_invoices(authed(request, &admin)).await.unwrap().into_inner().invoices }
    };
    let all = search(SearchInvoicesRequest { patient_id: patient.clone(), ..Default::default() }).await;
    assert_eq!(all.len(), 3);
    let cancelled_only =
        search(SearchInvoicesRequest { statuses: vec![InvoiceStatus::Cancelled.into()], ..Default::default() }).await;
    assert_eq!(cancelled_only.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [a.id.as_str()]);
    let manual_only =
        search(SearchInvoicesRequest { source_type: SourceType::Manual.into(), ..Default::default() }).await;
    assert_eq!(manual_only.len(), 1);
    let by_number =
        search(SearchInvoicesRequest { number_prefix: manual.invoice_number.clone(), ..Default::default() }).await;
    assert_eq!(by_number.len(), 1);
    let status = assert_code(
        billing
            .search_invoices(authed(
                SearchInvoicesRequest { number_prefix: "inv%".into(), ..Default::default() },
                h.admin(),
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["number_prefix"]);
}

async fn access_matrix(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (ann, ann_token) = h.patient("ann.patient").await;
    let (_, bob_token) = h.patient("bob.patient").await;
    let (_, doctor) = h.staff("dr.who", Role::Doctor, None).await;
    let (_, insurer) = h.staff("ins.agent", Role::InsuranceProvider, Some("Bao Viet")).await;
    let invoice = h.appointment_invoice("appt-access", &ann, 50_000).await;
    let mut billing = h.billing().await;
    let list =
        |token: &str| authed(ListPatientInvoicesRequest { patient_id: ann.clone(), ..Default::default() }, token);

    // Ann and admins see Ann's invoices.
    assert_eq!(billing.list_patient_invoices(list(&ann_token)).await.unwrap().into_inner().invoices.len(), 1);
    assert_eq!(billing.list_patient_invoices(list(h.admin())).await.unwrap().into_inner().invoices.len(), 1);
    h.get(&ann_token, &invoice.id).await.unwrap();
    h.get(h.admin(), &invoice.id).await.unwrap();
    // Bob does not; nor do other roles.
    assert_code(billing.list_patient_invoices(list(&bob_token)).await, Code::PermissionDenied);
    assert_code(h.get(&bob_token, &invoice.id).await, Code::NotFound);
    assert_code(h.pay(&bob_token, &invoice.id, "bob-key-0001", 1_000, "tok_ok_4242").await, Code::NotFound);
    for token in [&doctor, &insurer] {
        assert_code(billing.list_patient_invoices(list(token)).await, Code::PermissionDenied);
        assert_code(h.get(token, &invoice.id).await, Code::PermissionDenied);
    }
    assert_code(h.get("not-a-token", &invoice.id).await, Code::Unauthenticated);
    // Admin-only and insurer-only methods.
    assert_code(
        billing.search_invoices(authed(SearchInvoicesRequest::default(), &ann_token)).await,
        Code::PermissionDenied,
    );
    assert_code(billing.list_claims(authed(ListClaimsRequest::default(), &insurer)).await, Code::PermissionDenied);
    assert_code(
        billing
            .apply_discount(authed(
                ApplyDiscountRequest { invoice_id: invoice.id.clone(), discount_minor: 1 },
                &ann_token,
            ))
            .await,
        Code::PermissionDenied,
    );
    let mut insurers = h.insurer().await;
    assert_code(
        insurers.list_pending_claims(authed(ListPendingClaimsRequest::default(), &ann_token)).await,
        Code::PermissionDenied,
    );
    assert_code(
        insurers.list_pending_claims(authed(ListPendingClaimsRequest::default(), h.admin())).await,
        Code::PermissionDenied,
    );
    // Admins pay no patient's card; only the patient does.
    assert_code(h.pay(h.admin(), &invoice.id, "admin-key-0001", 1_000, "tok_ok_4242").await, Code::PermissionDenied);
    // Policies: own only.
    let policies = |token: &str| authed(ListInsurancePoliciesRequest { patient_id: ann.clone() }, token);
    billing.list_insurance_policies(policies(&ann_token)).await.unwrap();
    billing.list_insurance_policies(policies(h.admin())).await.unwrap();
    assert_code(billing.list_insurance_policies(policies(&bob_token)).await, Code::PermissionDenied);
    assert_code(billing.list_insurance_policies(policies(&insurer)).await, Code::PermissionDenied);

    // Every access to the invoice is in its trail, by whom and how.
    let pool = h.sql().await;
    let trail: Vec<(String, String)> =
        sqlx::query_as("SELECT actor_role, action FROM invoice_access_log WHERE invoice_id = ? ORDER BY id")
            .bind(&invoice.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    let trail: Vec<(&str, &str)> = trail.iter().map(|(r, a)| (r.as_str(), a.as_str())).collect();
    assert_eq!(trail, [("PATIENT", "LIST"), ("ADMIN", "LIST"), ("PATIENT", "VIEW"), ("ADMIN", "VIEW")]);
}

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

on_every_backend!(
    an_invoice_for_each_source,
    concurrent_creates_for_one_appointment_give_one_invoice,
    concurrent_payments_with_one_key_charge_once,
    overpayment_is_refused,
    provider_timeouts_are_reconciled_without_a_second_charge,
    claims_follow_their_lifecycle,
    the_overdue_job_marks_unpaid_invoices_past_due,
    admins_manage_invoices,
    concurrent_manual_invoices_with_one_key_give_one_invoice,
    access_matrix,
    patients_are_notified,
);
