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

    // Every attempt is in the audit chain, the override with its reason.
    let mut client = w.rx().await;
    let request = ListAuditEventsRequest { patient_id: other.patient.0.clone(), ..Default::default() };
    let events = client.list_audit_events(authed(request, w.admin())).await.unwrap().into_inner().events;
    let trail: Vec<(&str, AuditOutcome, &str)> =
        events.iter().rev().map(|e| (e.action.as_str(), e.outcome(), e.reason.as_str())).collect();
    assert_eq!(
        trail,
        [
            ("CreatePrescription", AuditOutcome::Failed, ""),
            ("CreatePrescription", AuditOutcome::Allowed, ""),
            ("CreatePrescription", AuditOutcome::Failed, ""),
            ("CreatePrescription", AuditOutcome::Allowed, "short course, INR monitored weekly"),
            ("CreatePrescription", AuditOutcome::Denied, ""),
        ]
    );
    let verified = client.verify_audit_chain(authed(VerifyAuditChainRequest {}, w.admin())).await.unwrap().into_inner();
    assert!(verified.intact && verified.checked >= 5, "{verified:?}");
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

/// A take's record on the stock stays until a later take of the medication
/// finds its dispense recorded (once eight are open); no dispense spends a
/// write of its own on it, and the records stay few.
async fn later_takes_forget_the_takes_of_recorded_dispenses(w: World) {
    let care = w.care("journal").await;
    let (_, pharmacist) = w.staff("pharm.journal", Role::Pharmacist).await;
    let para = w.medication("PARA500T").await;
    w.receive(&pharmacist, &para.medication_id, "J1", 200, 100).await;
    let docs = w.raw_store().await;
    let journal = || async {
        let stock = docs.get("pharmacy_stock", &para.medication_id).await.unwrap().unwrap();
        let entries = stock.body["journal"].as_array().cloned().unwrap_or_default();
        let finished = entries.iter().filter(|j| j["finished"].as_bool().unwrap_or(false)).count();
        (finished, entries.len() - finished)
    };
    for n in 1..=30 {
        let rx = w.prescribe(&care, vec![item(&para.medication_id, 2)], "").await.unwrap();
        let rx = w.verify(&pharmacist, &rx).await;
        w.dispense(&pharmacist, &rx.prescription_id, vec![]).await.unwrap();
        let (finished, open) = journal().await;
        assert!(open <= 8 && finished <= 8, "after {n}: {finished} finished and {open} open takes kept");
        if n == 9 {
            assert_eq!((finished, open), (8, 1), "the ninth take marked the eight before it");
        }
    }
    assert_eq!(w.stock(&pharmacist, &para.medication_id).await.on_hand, 40);
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
    later_takes_forget_the_takes_of_recorded_dispenses,
);

mod transitions {
    use super::*;

    async fn rejects_cancellations_and_the_queue(w: World) {
        let care = w.care("moves").await;
        let (_, pharmacist) = w.staff("pharm.moves", Role::Pharmacist).await;
        let para = w.medication("PARA500T").await;
        let mut client = w.rx().await;

        // Rejected by the pharmacist, with a reason: cancelled, out of the queue.
        let rx = w.prescribe(&care, vec![item(&para.medication_id, 10)], "").await.unwrap();
        let reject = |version, reason: &str| VerifyPrescriptionRequest {
            prescription_id: rx.prescription_id.clone(),
            approve: false,
            reason: reason.into(),
            version,
        };
        let no_reason = client.verify_prescription(authed(reject(rx.version, ""), &pharmacist)).await;
        assert_eq!(violated_fields(&assert_code(no_reason, Code::InvalidArgument)), ["reason"]);
        let stale = client.verify_prescription(authed(reject(rx.version + 5, "dose unclear"), &pharmacist)).await;
        assert_eq!(reason(&assert_code(stale, Code::Aborted)), "CONCURRENT_UPDATE");
        let rejected = client
            .verify_prescription(authed(reject(rx.version, "dose unclear"), &pharmacist))
            .await
            .unwrap()
            .into_inner()
            .prescription
            .unwrap();
        assert_eq!(
            (rejected.status(), rejected.cancel_reason.as_str()),
            (PrescriptionStatus::Cancelled, "dose unclear")
        );

        // Cancelled by the doctor who wrote it; not by another doctor; not after a dispense.
        let second = w.prescribe(&care, vec![item(&para.medication_id, 10)], "").await.unwrap();
        let cancel =
            |id: &str| CancelPrescriptionRequest { prescription_id: id.into(), reason: "changed my mind".into() };
        let (_, stranger) = w.staff("doc.moves2", Role::Doctor).await;
        let refused = client.cancel_prescription(authed(cancel(&second.prescription_id), &stranger)).await;
        assert_eq!(reason(&assert_code(refused, Code::PermissionDenied)), "NOT_YOUR_PRESCRIPTION");
        let cancelled =
            client.cancel_prescription(authed(cancel(&second.prescription_id), &care.doctor.1)).await.unwrap();
        assert_eq!(cancelled.into_inner().prescription.unwrap().status(), PrescriptionStatus::Cancelled);

        let third = w.prescribe(&care, vec![item(&para.medication_id, 10)], "").await.unwrap();
        let fourth = w.prescribe(&care, vec![item(&para.medication_id, 4)], "").await.unwrap();
        let queue = |status: PrescriptionStatus| ListPendingPrescriptionsRequest { status: status.into(), page: None };
        let waiting = client
            .list_pending_prescriptions(authed(queue(PrescriptionStatus::Unspecified), &pharmacist))
            .await
            .unwrap()
            .into_inner()
            .prescriptions;
        let ids: Vec<&str> = waiting.iter().map(|p| p.prescription_id.as_str()).collect();
        assert_eq!(
            ids,
            [third.prescription_id.as_str(), fourth.prescription_id.as_str()],
            "oldest first, cancelled gone"
        );
        let third = w.verify(&pharmacist, &third).await;
        let verified = client
            .list_pending_prescriptions(authed(queue(PrescriptionStatus::Verified), &pharmacist))
            .await
            .unwrap()
            .into_inner()
            .prescriptions;
        assert_eq!(verified.len(), 1);
        let not_waiting =
            client.list_pending_prescriptions(authed(queue(PrescriptionStatus::Cancelled), &pharmacist)).await;
        assert_eq!(violated_fields(&assert_code(not_waiting, Code::InvalidArgument)), ["status"]);
        w.receive(&pharmacist, &para.medication_id, "P1", 100, 50).await;
        w.dispense(&pharmacist, &third.prescription_id, vec![]).await.unwrap();
        let late = client.cancel_prescription(authed(cancel(&third.prescription_id), &care.doctor.1)).await;
        assert_eq!(reason(&assert_code(late, Code::FailedPrecondition)), "INVALID_TRANSITION");
        // A dispensed prescription leaves the queue.
        let waiting = client
            .list_pending_prescriptions(authed(queue(PrescriptionStatus::Unspecified), &pharmacist))
            .await
            .unwrap()
            .into_inner()
            .prescriptions;
        assert_eq!(waiting.len(), 1);
    }

    async fn bad_input_is_refused_field_by_field(w: World) {
        let care = w.care("bad").await;
        let (_, pharmacist) = w.staff("pharm.bad", Role::Pharmacist).await;
        let para = w.medication("PARA500T").await;
        let bad = PrescriptionItemInput {
            duration_days: 0,
            quantity: -1,
            dosage: String::new(),
            ..item(&para.medication_id, 1)
        };
        let refused = w.prescribe(&care, vec![bad, item("no such id!", 1)], "").await;
        let mut fields = violated_fields(&assert_code(refused, Code::InvalidArgument));
        fields.sort();
        assert_eq!(
            fields,
            ["items[0].dosage", "items[0].duration_days", "items[0].quantity", "items[1].medication_id"]
        );
        let unknown = w.prescribe(&care, vec![item("01a2-unknown", 1)], "").await;
        assert_eq!(violated_fields(&assert_code(unknown, Code::InvalidArgument)), ["items[0].medication_id"]);
        let empty = w.prescribe(&care, vec![], "").await;
        assert_eq!(violated_fields(&assert_code(empty, Code::InvalidArgument)), ["items"]);
        let elsewhere = Care { encounter: "not-this-patients".into(), ..w.care("bad2").await };
        let refused = w.prescribe(&elsewhere, vec![item(&para.medication_id, 1)], "").await;
        assert_eq!(reason(&assert_code(refused, Code::FailedPrecondition)), "ENCOUNTER_NOT_FOUND");

        let rx = w.prescribe(&care, vec![item(&para.medication_id, 5)], "").await.unwrap();
        let rx = w.verify(&pharmacist, &rx).await;
        let wrong = w
            .dispense(&pharmacist, &rx.prescription_id, vec![DispenseQuantity { item_id: "nope".into(), quantity: 0 }])
            .await;
        let mut fields = violated_fields(&assert_code(wrong, Code::InvalidArgument));
        fields.sort();
        assert_eq!(fields, ["items[0].quantity"]);
        let wrong = w
            .dispense(&pharmacist, &rx.prescription_id, vec![DispenseQuantity { item_id: "nope".into(), quantity: 1 }])
            .await;
        assert_eq!(violated_fields(&assert_code(wrong, Code::InvalidArgument)), ["items[0].item_id"]);
        let receive = UpdateStockRequest {
            medication_id: para.medication_id.clone(),
            change: Some(update_stock_request::Change::Receive(ReceiveBatch {
                lot: String::new(),
                expiry_date: Some(date_in(-1)),
                quantity: 0,
                unit_cost: None,
            })),
        };
        let refused = w.rx().await.update_stock(authed(receive, &pharmacist)).await;
        let mut fields = violated_fields(&assert_code(refused, Code::InvalidArgument));
        fields.sort();
        assert_eq!(fields, ["receive.lot", "receive.quantity"]);
        let expired = UpdateStockRequest {
            medication_id: para.medication_id.clone(),
            change: Some(update_stock_request::Change::Receive(ReceiveBatch {
                lot: "OLD".into(),
                expiry_date: Some(date_in(0)),
                quantity: 5,
                unit_cost: None,
            })),
        };
        let refused = w.rx().await.update_stock(authed(expired, &pharmacist)).await;
        assert_eq!(reason(&assert_code(refused, Code::FailedPrecondition)), "BATCH_EXPIRED");
        let stock = w.receive(&pharmacist, &para.medication_id, "GOOD", 90, 5).await;
        let batch = stock.batches[0].batch_id.clone();
        let adjust = |delta| UpdateStockRequest {
            medication_id: para.medication_id.clone(),
            change: Some(update_stock_request::Change::Adjust(StockAdjustment {
                batch_id: batch.clone(),
                delta,
                reason: AdjustmentReason::Damage.into(),
                note: "dropped".into(),
            })),
        };
        let below = w.rx().await.update_stock(authed(adjust(-6), &pharmacist)).await;
        assert_eq!(reason(&assert_code(below, Code::FailedPrecondition)), "INSUFFICIENT_STOCK");
        let after =
            w.rx().await.update_stock(authed(adjust(-2), &pharmacist)).await.unwrap().into_inner().stock.unwrap();
        assert_eq!(after.on_hand, 3);
    }

    crate::on_every_store!(rejects_cancellations_and_the_queue, bad_input_is_refused_field_by_field);
}
