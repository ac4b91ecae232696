//! Order → collect → enter → release, with flags computed from the
//! patient's ranges, a critical value told once, results hidden from the
//! patient until released, the invoice and the EHR reference through the
//! outbox, corrections kept as amendments, and the refusals on the way.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::laboratory::*;
use hms_kit::proto::notification::NotificationType;
use tonic::Code;

const GLUCOSE: &str = "14771-0";
const TSH: &str = "3016-3";

async fn the_whole_path_from_order_to_released_results(w: World) {
    let care = w.care("path").await;
    let (_, tech) = w.staff("tech.path", Role::LabTechnician).await;
    let glucose = w.test(GLUCOSE).await;
    let tsh = w.test(TSH).await;
    let order = w.order(&care, &[&glucose, &tsh], Priority::Urgent).await.unwrap();
    assert_eq!(order.status(), LabOrderStatus::Requested);
    assert_eq!(order.items.len(), 2);
    assert!(order.accession_number.is_empty());

    // On the lab's worklist, urgent first.
    let mut lab = w.lab().await;
    let pending = lab
        .list_pending_lab_orders(authed(ListPendingLabOrdersRequest::default(), &tech))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert!(pending.iter().any(|o| o.order_id == order.order_id));

    // Before collection the patient's age at collection is unknown: no ranges yet.
    assert!(w.get(&tech, &order.order_id).await.items.iter().all(|i| i.applied_ranges.is_empty()));

    // Values before a sample: refused.
    let early = w.enter(&tech, &order, 0, vec![number(GLUCOSE, 5.0, "mmol/L")], "").await;
    assert_eq!(reason(&assert_code(early, Code::FailedPrecondition)), "INVALID_TRANSITION");

    // Collection gives the accession number of today and invoices the order once.
    let collected = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    assert_eq!(collected.status(), LabOrderStatus::SampleCollected);
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let prefix = format!("L{:02}{:02}{:02}-", today.year() % 100, today.month(), today.day());
    assert!(collected.accession_number.starts_with(&prefix), "{}", collected.accession_number);
    assert!(collected.invoice_requested);
    eventually("the lab invoice", || async { w.invoices(&care).await.len() == 1 }).await;
    let invoice = &w.invoices(&care).await[0];
    assert_eq!(
        invoice.total.as_ref().unwrap().amount_minor,
        glucose.price.as_ref().unwrap().amount_minor + tsh.price.as_ref().unwrap().amount_minor
    );

    // Collecting again: nothing left to collect.
    let again = w.step(&tech, &collected, LabStep::CollectSample, "").await;
    assert_eq!(reason(&assert_code(again, Code::FailedPrecondition)), "INVALID_TRANSITION");
    // Read on its own after collection, each item carries the ranges for this
    // patient, by which a form shows the flag a value will get before it is sent.
    let terms = w.get(&tech, &order.order_id).await;
    let applied = terms.items[0].applied_ranges.iter().find(|r| r.parameter_code == GLUCOSE).unwrap();
    assert_eq!((applied.low, applied.high, applied.critical_low), (Some(3.9), Some(5.5), Some(2.6)));
    assert_eq!(applied.reference_range, "3.9–5.5");
    let processing = w.step(&tech, &collected, LabStep::StartProcessing, "").await.unwrap();
    assert_eq!(processing.status(), LabOrderStatus::Processing);

    // Glucose in mg/dL converts; 126 mg/dL is 7.0 mmol/L: high for an adult.
    let entered = w.enter(&tech, &processing, 0, vec![number(GLUCOSE, 126.0, "mg/dL")], "").await.unwrap();
    assert!(entered.critical_parameter_codes.is_empty());
    let order = entered.order.unwrap();
    let result = &order.items[0].results[0];
    assert_eq!(result.flag(), Flag::High);
    assert!((result.value.unwrap() - 6.99).abs() < 0.01, "{result:?}");
    assert_eq!(result.unit, "mmol/L");
    assert_eq!(result.entered, "126 mg/dL");
    assert_eq!(result.reference_range, "3.9–5.5");
    assert_eq!((result.range_low, result.range_high), (Some(3.9), Some(5.5)));
    assert_eq!(result.status(), ResultStatus::Preliminary);
    assert_eq!(order.items[0].status(), LabOrderStatus::ResultsPendingReview);
    // The other item still in the lab: the order follows its least advanced item.
    assert_eq!(order.status(), LabOrderStatus::Processing);

    // A TSH far below its range: no critical limit for TSH, so low only.
    let order = w.enter(&tech, &order, 1, vec![number(TSH, 0.1, "m[IU]/L")], "").await.unwrap().order.unwrap();
    assert_eq!(order.items[1].results[0].flag(), Flag::Low);
    assert_eq!(order.status(), LabOrderStatus::ResultsPendingReview);
    eventually("the doctor's review notices", || async {
        w.inbox(&care.doctor.1, NotificationType::LabResultReadyDoctor).await.len() == 2
    })
    .await;
    let to_review = lab
        .list_lab_orders_to_review(authed(ListLabOrdersToReviewRequest::default(), &care.doctor.1))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert_eq!(to_review.len(), 1);

    // The patient sees the order, and that its results are pending, nothing more.
    let seen = w.get(&care.patient.1, &order.order_id).await;
    assert!(seen.items.iter().all(|i| i.results.is_empty() && i.results_pending), "{seen:?}");

    // Only a doctor releases.
    let refused = w.release(&tech, &order).await;
    assert_code(refused, Code::PermissionDenied);
    let released = w.release(&care.doctor.1, &order).await.unwrap();
    assert_eq!(released.status(), LabOrderStatus::Completed);
    assert!(released.items.iter().all(|i| i.results.iter().all(|r| r.status() == ResultStatus::Final)));
    let seen = w.get(&care.patient.1, &order.order_id).await;
    assert_eq!(seen.items[0].results[0].flag(), Flag::High);
    assert!(!seen.items[0].results_pending);
    eventually("the patient's notice", || async {
        w.inbox(&care.patient.1, NotificationType::LabResultReadyPatient).await.len() == 1
    })
    .await;
    eventually("the EHR references", || async { w.references(&care).await.len() == 2 }).await;
    let references = w.references(&care).await;
    assert!(references.iter().all(|r| r.summary_status == "Abnormal"), "{references:?}");

    // The report: the values, units, ranges and flags, as a PDF.
    let report = lab
        .get_lab_report(authed(
            GetLabReportRequest { order_id: order.order_id.clone(), language: String::new() },
            &care.patient.1,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(report.data.starts_with(b"%PDF-"));
    assert_eq!(report.content_type, "application/pdf");
    // In Vietnamese on request; a language the report is not printed in is refused.
    let in_language = |language: &str| {
        authed(GetLabReportRequest { order_id: order.order_id.clone(), language: language.into() }, &care.patient.1)
    };
    let vietnamese = lab.get_lab_report(in_language("vi-VN")).await.unwrap().into_inner();
    assert!(vietnamese.data.starts_with(b"%PDF-") && vietnamese.data != report.data);
    let french = assert_code(lab.get_lab_report(in_language("fr")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&french), ["language"]);
    // Staff reading the order get the terms it was placed with; lists do not carry them.
    let one = w.get(&care.doctor.1, &order.order_id).await;
    assert_eq!(one.items[0].parameters[0].code, GLUCOSE);
    assert!(one.items[0].parameters[0].conversions.iter().any(|c| c.unit == "mg/dL"));
    assert_eq!(one.items[0].results[0].decimals, 1);
    assert!(w.get(&care.patient.1, &order.order_id).await.items[0].parameters.is_empty());

    // A correction after release needs a reason, keeps the earlier value and
    // tells the doctor and the patient.
    let bare = w.enter(&tech, &released, 0, vec![number(GLUCOSE, 5.2, "mmol/L")], "").await;
    assert_eq!(reason(&assert_code(bare, Code::FailedPrecondition)), "AMEND_REASON_REQUIRED");
    let amended = w
        .enter(&tech, &released, 0, vec![number(GLUCOSE, 5.2, "mmol/L")], "sample mislabelled, rerun")
        .await
        .unwrap()
        .order
        .unwrap();
    let result = &amended.items[0].results[0];
    assert_eq!((result.status(), result.flag()), (ResultStatus::Amended, Flag::Normal));
    assert_eq!(result.previous, "126 mg/dL");
    assert_eq!(result.amend_reason, "sample mislabelled, rerun");
    assert_eq!(amended.status(), LabOrderStatus::Completed);
    for token in [&care.doctor.1, &care.patient.1] {
        eventually("the amendment notices", || async {
            w.inbox(token, NotificationType::LabResultAmended).await.len() == 1
        })
        .await;
    }
    assert_eq!(w.invoices(&care).await.len(), 1, "one invoice per order");

    // The trend of glucose: the released value as amended, for the patient and their doctor.
    let trend = |token: &str| {
        let request = ListParameterTrendRequest {
            patient_id: care.patient.0.clone(),
            parameter_code: GLUCOSE.into(),
            since: None,
        };
        authed(request, token)
    };
    let mine = lab.list_parameter_trend(trend(&care.patient.1)).await.unwrap().into_inner();
    assert_eq!((mine.unit.as_str(), mine.decimals, mine.points.len()), ("mmol/L", 1, 1), "{mine:?}");
    assert_eq!((mine.points[0].value, mine.points[0].status()), (Some(5.2), ResultStatus::Amended));
    assert_eq!((mine.points[0].range_low, mine.points[0].range_high), (Some(3.9), Some(5.5)));
    lab.list_parameter_trend(trend(&care.doctor.1)).await.unwrap();
    let stranger = w.staff("doc.trend.stranger", Role::Doctor).await;
    assert_code(lab.list_parameter_trend(trend(&stranger.1)).await, Code::PermissionDenied);
}

async fn a_critical_value_tells_the_ordering_doctor_once(w: World) {
    let care = w.care_by_english_speaker("critical").await;
    let (_, tech) = w.staff("tech.critical", Role::LabTechnician).await;
    let glucose = w.test(GLUCOSE).await;
    let order = w.order(&care, &[&glucose], Priority::Routine).await.unwrap();
    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    // 30 mg/dL is 1.7 mmol/L: below the critical limit of 2.6.
    let entered = w.enter(&tech, &order, 0, vec![number(GLUCOSE, 30.0, "mg/dL")], "").await.unwrap();
    assert_eq!(entered.critical_parameter_codes, [GLUCOSE]);
    let order = entered.order.unwrap();
    assert_eq!(order.items[0].results[0].flag(), Flag::CriticalLow);
    eventually("the critical notice", || async {
        !w.inbox(&care.doctor.1, NotificationType::LabCriticalValue).await.is_empty()
    })
    .await;
    // The email went out too, and nothing twice however long the relay runs.
    let urgent = |mails: Vec<String>| mails.iter().filter(|m| m.contains("URGENT: critical lab value")).count();
    eventually("the critical email", || async { urgent(w.notification.mails()) == 1 }).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(w.inbox(&care.doctor.1, NotificationType::LabCriticalValue).await.len(), 1);
    assert_eq!(urgent(w.notification.mails()), 1);
    let other = w.release(&care.doctor.1, &order).await.unwrap();
    assert_eq!(other.status(), LabOrderStatus::Completed);
    assert_eq!(w.inbox(&care.doctor.1, NotificationType::LabCriticalValue).await.len(), 1);
}

async fn bad_values_and_strangers_are_refused_with_their_reasons(w: World) {
    let care = w.care("refused").await;
    let (_, tech) = w.staff("tech.refused", Role::LabTechnician).await;
    let glucose = w.test(GLUCOSE).await;
    let urine = w.test("24357-6").await;

    // No care relationship.
    let stranger = w.staff("doc.stranger", Role::Doctor).await;
    let other = Care { doctor: stranger.clone(), patient: care.patient.clone(), encounter: care.encounter.clone() };
    assert_eq!(
        reason(&assert_code(w.order(&other, &[&glucose], Priority::Routine).await, Code::PermissionDenied)),
        "NO_CARE_RELATIONSHIP"
    );
    // A test twice, none at all.
    let twice = assert_code(w.order(&care, &[&glucose, &glucose], Priority::Routine).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&twice), ["test_ids[1]"]);
    assert_code(w.order(&care, &[], Priority::Routine).await, Code::InvalidArgument);

    let order = w.order(&care, &[&glucose, &urine], Priority::Routine).await.unwrap();
    // The stranger may not see it; another patient neither.
    let mut lab = w.lab().await;
    let get = |token: &str| authed(GetLabOrderRequest { order_id: order.order_id.clone() }, token);
    assert_code(lab.get_lab_order(get(&stranger.1)).await, Code::PermissionDenied);
    let (_, someone) = w.patient("pat.someone", hms_kit::proto::user::Gender::Male, 30).await;
    assert_code(lab.get_lab_order(get(&someone)).await, Code::PermissionDenied);

    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    // A unit the catalog does not convert, a word for a number, a value off the scale.
    let wrong = w.enter(&tech, &order, 0, vec![number(GLUCOSE, 5.0, "g/L")], "").await;
    let status = assert_code(wrong, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["results[0].unit"]);
    assert!(hms_testkit::violations(&status)[0].1.contains("mmol/L"), "{status:?}");
    let word = w.enter(&tech, &order, 0, vec![scale(GLUCOSE, "high")], "").await;
    assert_eq!(violated_fields(&assert_code(word, Code::InvalidArgument)), ["results[0].value"]);
    let off = w.enter(&tech, &order, 1, vec![scale("20454-5", "5+")], "").await;
    assert_eq!(violated_fields(&assert_code(off, Code::InvalidArgument)), ["results[0].scale_value"]);
    let unknown = w.enter(&tech, &order, 1, vec![scale(GLUCOSE, "1+")], "").await;
    assert_eq!(violated_fields(&assert_code(unknown, Code::InvalidArgument)), ["results[0].parameter_code"]);
    // Nothing was kept of the refused entries.
    assert!(w.get(&tech, &order.order_id).await.items.iter().all(|i| i.results.is_empty()));

    // A dipstick value on its scale: judged N or A.
    let entered = w.enter(&tech, &order, 1, vec![scale("20454-5", "2+")], "").await.unwrap().order.unwrap();
    assert_eq!(entered.items[1].results[0].flag(), Flag::Abnormal);

    // A stale version is refused; so is a cancel without a reason, or by the patient.
    let stale = w.enter(&tech, &order, 0, vec![number(GLUCOSE, 5.0, "mmol/L")], "").await;
    assert_code(stale, Code::Aborted);
    let bare = w.step(&care.doctor.1, &entered, LabStep::Cancel, "").await;
    assert_eq!(violated_fields(&assert_code(bare, Code::InvalidArgument)), ["reason"]);
    let by_patient = w.step(&care.patient.1, &entered, LabStep::Cancel, "no").await;
    assert_code(by_patient, Code::PermissionDenied);
    // The ordering doctor cancels what has no results yet; the dipstick stays.
    let cancelled = w.step(&care.doctor.1, &entered, LabStep::Cancel, "ordered by mistake").await.unwrap();
    assert_eq!(cancelled.items[0].status(), LabOrderStatus::Cancelled);
    assert_eq!(cancelled.items[0].cancel_reason, "ordered by mistake");
    assert_eq!(cancelled.items[1].status(), LabOrderStatus::SampleCollected);
}

on_every_store!(
    the_whole_path_from_order_to_released_results,
    a_critical_value_tells_the_ordering_doctor_once,
    bad_values_and_strangers_are_refused_with_their_reasons,
);
