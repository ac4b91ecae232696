//! Prescribe → verify → dispense, earliest expiry first, never below zero,
//! never from an expired batch; and the refusals on the way.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::pharmacy::*;
use tonic::Code;

async fn the_whole_path_takes_the_earliest_unexpired_batches_and_never_more_than_is_there(w: World) {
    let care = w.care("fefo").await;
    let (_, pharmacist) = w.staff("pharm.fefo", Role::Pharmacist).await;
    let amox = w.medication("AMOX500C").await;
    w.receive(&pharmacist, &amox.medication_id, "LATE", 400, 10).await;
    w.receive(&pharmacist, &amox.medication_id, "SOON", 30, 5).await;
    w.shelve_expired(&amox.medication_id, "OLD", 50).await;

    let rx = w.prescribe(&care, vec![item(&amox.medication_id, 21)], "").await.unwrap();
    assert_eq!(rx.status(), PrescriptionStatus::PendingVerification);
    // The EHR learns of it through the outbox.
    eventually("the EHR reference", || async { w.references(&care).await.len() == 1 }).await;

    // Not before a pharmacist verified it.
    let early = w.dispense(&pharmacist, &rx.prescription_id, vec![]).await;
    assert_eq!(reason(&assert_code(early, Code::FailedPrecondition)), "INVALID_TRANSITION");
    let rx = w.verify(&pharmacist, &rx).await;
    assert_eq!(rx.status(), PrescriptionStatus::Verified);

    let preview = w
        .rx()
        .await
        .preview_dispense(authed(PreviewDispenseRequest { prescription_id: rx.prescription_id.clone() }, &pharmacist))
        .await
        .unwrap()
        .into_inner();
    let lots: Vec<(&str, i32)> = preview.lines[0].picks.iter().map(|p| (p.lot.as_str(), p.quantity)).collect();
    assert_eq!(lots, [("SOON", 5), ("LATE", 10)]);

    // Asking more than is left on the prescription is refused.
    let item_id = rx.items[0].item_id.clone();
    let over = w
        .dispense(&pharmacist, &rx.prescription_id, vec![DispenseQuantity { item_id: item_id.clone(), quantity: 22 }])
        .await;
    assert_eq!(reason(&assert_code(over, Code::FailedPrecondition)), "OVER_DISPENSE");

    let first = w
        .dispense(&pharmacist, &rx.prescription_id, vec![DispenseQuantity { item_id: item_id.clone(), quantity: 7 }])
        .await
        .unwrap();
    let picks: Vec<(&str, i32)> =
        first.dispense.as_ref().unwrap().lines[0].picks.iter().map(|p| (p.lot.as_str(), p.quantity)).collect();
    assert_eq!(picks, [("SOON", 5), ("LATE", 2)]);
    assert_eq!(first.prescription.as_ref().unwrap().status(), PrescriptionStatus::DispensedPartial);

    // The rest: only 8 unexpired units are left; the expired 50 stay.
    let second = w.dispense(&pharmacist, &rx.prescription_id, vec![]).await.unwrap();
    assert_eq!(second.dispense.as_ref().unwrap().lines[0].quantity, 8);
    assert_eq!(second.prescription.as_ref().unwrap().items[0].dispensed_quantity, 15);
    let stock = w.stock(&pharmacist, &amox.medication_id).await;
    assert_eq!((stock.on_hand, stock.expired_quantity), (0, 50));
    assert!(w.raw_batches(&amox.medication_id).await.iter().all(|(_, _, q)| *q >= 0));

    // Only expired units on the shelf: refused, nothing taken.
    let none = w.dispense(&pharmacist, &rx.prescription_id, vec![]).await;
    let status = assert_code(none, Code::FailedPrecondition);
    assert_eq!(reason(&status), "OUT_OF_STOCK");
    assert!(status.message().contains("expired"), "{}", status.message());

    w.receive(&pharmacist, &amox.medication_id, "NEW", 200, 100).await;
    let last = w.dispense(&pharmacist, &rx.prescription_id, vec![]).await.unwrap();
    let done = last.prescription.unwrap();
    assert_eq!(done.status(), PrescriptionStatus::DispensedFull);
    assert_eq!(done.dispenses.len(), 3);
    let all = w.dispense(&pharmacist, &rx.prescription_id, vec![]).await;
    assert_eq!(reason(&assert_code(all, Code::FailedPrecondition)), "INVALID_TRANSITION");
    assert_eq!(w.stock(&pharmacist, &amox.medication_id).await.on_hand, 94);
    assert_eq!(w.references(&care).await.len(), 1, "the EHR heard of the prescription once");
}

async fn allergies_interactions_and_care_are_checked_and_findings_can_be_overridden(w: World) {
    let care = w.care("screen").await;
    w.allergies(&care, &["Penicillins"]).await;
    let amox = w.medication("AMOX500C").await;
    let refused = w.prescribe(&care, vec![item(&amox.medication_id, 10)], "").await;
    let status = assert_code(refused, Code::FailedPrecondition);
    assert_eq!(reason(&status), "PRESCRIPTION_FINDINGS");
    let findings = findings_of(&status);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!((findings[0].kind(), findings[0].severity()), (FindingKind::Allergy, Severity::Contraindicated));
    assert_eq!(findings[0].other, "Penicillins");

    // An interaction with an active prescription.
    let warfarin = w.medication("WARF2T").await;
    let ibuprofen = w.medication("IBU400T").await;
    let first = w.prescribe(&care, vec![item(&warfarin.medication_id, 30)], "").await.unwrap();
    let refused = w.prescribe(&care, vec![item(&ibuprofen.medication_id, 10)], "").await;
    assert_eq!(reason(&assert_code(refused, Code::FailedPrecondition)), "PRESCRIPTION_FINDINGS");

    // Overridden with a reason: recorded.
    let overridden = w
        .prescribe(&care, vec![item(&ibuprofen.medication_id, 10)], "short course, INR monitored weekly")
        .await
        .unwrap();
    assert_eq!(overridden.overridden_findings.len(), 1);
    let finding = &overridden.overridden_findings[0];
    assert_eq!(finding.kind(), FindingKind::Interaction);
    assert_eq!(finding.other_prescription_id, first.prescription_id);
    assert!(!finding.source.is_empty());
    assert_eq!(overridden.override_reason, "short course, INR monitored weekly");

    // No care relationship: refused, whatever the reason.
    let stranger = w.staff("doc.stranger", Role::Doctor).await;
    let other = Care { doctor: stranger, ..care };
    let refused = w.prescribe(&other, vec![item(&ibuprofen.medication_id, 10)], "").await;
    assert_eq!(reason(&assert_code(refused, Code::PermissionDenied)), "NO_CARE_RELATIONSHIP");
}

async fn patients_see_their_own_prescriptions_only(w: World) {
    let care = w.care("own").await;
    let para = w.medication("PARA500T").await;
    let rx = w.prescribe(&care, vec![item(&para.medication_id, 10)], "").await.unwrap();
    let mut client = w.rx().await;
    let get = || GetPrescriptionRequest { prescription_id: rx.prescription_id.clone() };
    client.get_prescription(authed(get(), &care.patient.1)).await.unwrap();
    let (_, other) = w.patient("pat.other").await;
    let denied = client.get_prescription(authed(get(), &other)).await;
    assert_eq!(reason(&assert_code(denied, Code::PermissionDenied)), "NOT_YOUR_PATIENT");
    let list = ListPatientPrescriptionsRequest { patient_id: care.patient.0.clone(), page: None };
    let own = client.list_patient_prescriptions(authed(list.clone(), &care.patient.1)).await.unwrap().into_inner();
    assert_eq!(own.prescriptions.len(), 1);
    assert_code(client.list_patient_prescriptions(authed(list, &other)).await, Code::PermissionDenied);
}

/// The PrescriptionFindings detail of a refusal.
fn findings_of(status: &tonic::Status) -> Vec<Finding> {
    use prost::Message;
    let rpc = hms_kit::proto::google::rpc::Status::decode(status.details()).unwrap();
    let any = rpc.details.iter().find(|d| d.type_url.ends_with("hms.pharmacy.v1.PrescriptionFindings")).unwrap();
    PrescriptionFindings::decode(any.value.as_slice()).unwrap().findings
}

on_every_store!(
    the_whole_path_takes_the_earliest_unexpired_batches_and_never_more_than_is_there,
    allergies_interactions_and_care_are_checked_and_findings_can_be_overridden,
    patients_see_their_own_prescriptions_only,
);
