//! Insurance policies and claims through the gRPC API, on every relational
//! backend: a claim's lifecycle from submission to payout.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

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

on_every_backend!(claims_follow_their_lifecycle,);
