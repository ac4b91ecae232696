//! Who may reach which billing call and invoice, on every relational
//! backend.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

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

on_every_backend!(access_matrix,);
