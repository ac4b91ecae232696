//! Billing's admin actions reach the admin audit log exactly once (issue 24):
//! each is written to the outbox in the change's transaction, so the ones
//! made while no relay runs (the service killed before relaying) are
//! delivered by the next start's relay, and a redelivery (a relay that died
//! after delivering, before marking) records nothing twice.

mod common;

use common::*;
use hms_kit::proto::admin::AuditLogEntry;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;
use hms_testkit::admin::AdminService;

async fn start_admin(h: &Harness) -> AdminService {
    AdminService::start(&h.auth).await
}

/// The entries billing reported, oldest first.
async fn billing_entries(h: &Harness, admin: &AdminService) -> Vec<AuditLogEntry> {
    admin.entries("billing", h.admin()).await
}

async fn undelivered(h: &Harness) -> i64 {
    hms_testkit::outbox::undelivered_admin_actions(&h.sql().await).await
}

/// Runs the relay of a fresh start of billing on `h`'s database, with the
/// admin service configured, until no admin action is left to deliver.
async fn relay_until_drained(h: &Harness, admin: &AdminService) {
    let config = hms_billing::BillingConfig { admin_url: Some(admin.url()), ..h.config.clone() };
    let built = hms_billing::build(&config, &h.auth).await.unwrap();
    let relay = built.relay.expect("a relay, the admin service being configured");
    hms_testkit::outbox::relay_until_drained(relay, &h.db.url).await;
}

fn manual(patient: &str, key: &str) -> CreateManualInvoiceRequest {
    CreateManualInvoiceRequest {
        patient_id: patient.into(),
        items: vec![InvoiceItemInput {
            r#type: ItemType::OtherService.into(),
            description: "Dressing".into(),
            quantity: 1,
            unit_price_minor: 100_000,
        }],
        idempotency_key: key.into(),
        ..Default::default()
    }
}

async fn admin_actions_are_logged_once_even_across_a_kill(kind: Relational) {
    // This harness runs no relay: the actions wait in the outbox as after a
    // kill between the change and the relay.
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("audit.patient").await;
    let mut billing = h.billing().await;

    let created = billing.create_manual_invoice(authed(manual(&patient, "audit-0001"), h.admin())).await.unwrap();
    let invoice = created.into_inner().invoice.unwrap();
    // A keyed retry finds the same invoice: no second action.
    billing.create_manual_invoice(authed(manual(&patient, "audit-0001"), h.admin())).await.unwrap();
    billing
        .apply_discount(authed(
            ApplyDiscountRequest { invoice_id: invoice.id.clone(), discount_minor: 10_000 },
            h.admin(),
        ))
        .await
        .unwrap();
    let payment = RecordPaymentRequest {
        invoice_id: invoice.id.clone(),
        idempotency_key: "audit-cash-0001".into(),
        amount: Some(vnd(20_000)),
        method: PaymentMethod::Cash.into(),
        reference: String::new(),
    };
    billing.record_payment(authed(payment.clone(), h.admin())).await.unwrap();
    // A replayed payment records nothing new.
    billing.record_payment(authed(payment, h.admin())).await.unwrap();
    // A refused change is no admin action.
    assert_code(
        billing
            .apply_discount(authed(
                ApplyDiscountRequest { invoice_id: invoice.id.clone(), discount_minor: 500_000 },
                h.admin(),
            ))
            .await,
        tonic::Code::InvalidArgument,
    );
    let cancelled = h.appointment_invoice("appt-audit-1", &patient, 50_000).await;
    billing
        .cancel_invoice(authed(
            CancelInvoiceRequest { invoice_id: cancelled.id.clone(), reason: "duplicate".into() },
            h.admin(),
        ))
        .await
        .unwrap();
    let written_off = h.appointment_invoice("appt-audit-2", &patient, 50_000).await;
    billing
        .write_off_invoice(authed(
            WriteOffInvoiceRequest { invoice_id: written_off.id.clone(), reason: "charity".into() },
            h.admin(),
        ))
        .await
        .unwrap();

    // A claim the hospital moves.
    let claimed = h.appointment_invoice("appt-audit-3", &patient, 150_000).await;
    let year = jiff::Span::new().days(365);
    let policy = billing
        .create_insurance_policy(authed(
            CreateInsurancePolicyRequest {
                patient_id: patient.clone(),
                policy: Some(InsurancePolicy {
                    provider_name: "Bao Viet Insurance".into(),
                    policy_number: "BV-AUDIT-1".into(),
                    member_id: "M-1".into(),
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
    let claim = billing
        .submit_claim(authed(
            SubmitClaimRequest {
                invoice_id: claimed.id.clone(),
                policy_id: policy.id.clone(),
                claim_amount: Some(vnd(100_000)),
                hospital_notes: String::new(),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .claim
        .unwrap();
    billing
        .update_claim_status(authed(
            UpdateClaimStatusRequest {
                claim_id: claim.id.clone(),
                status: ClaimStatus::Processing.into(),
                approved_amount_minor: 0,
                notes: "sent".into(),
            },
            h.admin(),
        ))
        .await
        .unwrap();

    let admin_service = start_admin(&h).await;
    assert!(billing_entries(&h, &admin_service).await.is_empty(), "nothing is delivered without a relay");
    assert_eq!(undelivered(&h).await, 6, "the actions wait in the outbox");

    relay_until_drained(&h, &admin_service).await;
    let entries = billing_entries(&h, &admin_service).await;
    let logged: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.target_id.as_str())).collect();
    assert_eq!(
        logged,
        [
            ("invoice.created", invoice.id.as_str()),
            ("invoice.discounted", invoice.id.as_str()),
            ("invoice.payment_recorded", invoice.id.as_str()),
            ("invoice.cancelled", cancelled.id.as_str()),
            ("invoice.written_off", written_off.id.as_str()),
            ("claim.status_changed", claim.id.as_str()),
        ]
    );
    for entry in &entries {
        assert_eq!(entry.actor_role, "ADMIN", "{entry:?}");
        assert!(!entry.actor_id.is_empty() && !entry.client_address.is_empty(), "{entry:?}");
    }
    assert_eq!(entries[1].before, "status PENDING_PATIENT, total 100000 VND, discount 0, paid 0", "{:?}", entries[1]);
    assert_eq!(entries[1].after, "discount 10000, total 90000 VND");
    assert_eq!(entries[3].after, "status CANCELLED, reason: duplicate");
    assert!(entries[5].before.starts_with("status SUBMITTED") && entries[5].after.starts_with("status PROCESSING"));

    // A relay that delivered but died before marking delivers again: the log
    // keeps one entry per action.
    let pool = h.sql().await;
    sqlx::query("UPDATE hms_outbox SET delivered_at = NULL WHERE topic = 'admin.action'").execute(&pool).await.unwrap();
    relay_until_drained(&h, &admin_service).await;
    let again = billing_entries(&h, &admin_service).await;
    assert_eq!(
        again.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()
    );
}

on_every_backend!(admin_actions_are_logged_once_even_across_a_kill);
