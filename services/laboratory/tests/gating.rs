//! Release gating: until the doctor releases an item's results, its patient
//! gets nothing of them by any route (the order, its results, the list, the
//! trend, the report, the result files) nor through their live notification
//! stream, while the doctor has already been alerted of a critical value.
//! After release, all of it arrives, the stream's notice included.

mod common;

use std::time::Duration;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::laboratory::*;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{NotificationType, SubscribeRequest};
use tonic::Code;

const GLUCOSE: &str = "14771-0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn a_patient_gets_nothing_before_release_by_any_route_or_stream(w: World) {
    let care = w.care("gating").await;
    let (_, tech) = w.staff("tech.gating", Role::LabTechnician).await;
    let glucose = w.test(GLUCOSE).await;

    // The patient listens from before the order is placed.
    let mut notifications = NotificationServiceClient::connect(w.notification.url()).await.unwrap();
    let mut stream = notifications.subscribe(authed(SubscribeRequest {}, &care.patient.1)).await.unwrap().into_inner();

    let order = w.order(&care, &[&glucose], Priority::Urgent).await.unwrap();
    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    // 30 mg/dL: critically low; the doctor is alerted at once.
    let entered = w.enter(&tech, &order, 0, vec![number(GLUCOSE, 30.0, "mg/dL")], "").await.unwrap();
    assert_eq!(entered.critical_parameter_codes, [GLUCOSE]);
    let order = entered.order.unwrap();
    let mut lab = w.lab().await;
    let item = &order.items[0];
    let file = lab
        .attach_result_file(authed(
            AttachResultFileRequest {
                order_id: order.order_id.clone(),
                item_id: item.item_id.clone(),
                file_name: "analyser.pdf".into(),
                content: PDF.to_vec(),
            },
            &tech,
        ))
        .await
        .unwrap()
        .into_inner()
        .file
        .unwrap();
    eventually("the doctor's critical alert", || async {
        w.inbox(&care.doctor.1, NotificationType::LabCriticalValue).await.len() == 1
    })
    .await;

    let patient = &care.patient.1;
    let id = || order.order_id.clone();
    let hidden = |o: &LabOrder| {
        o.items
            .iter()
            .all(|i| i.results_pending && i.results.is_empty() && i.files.is_empty() && i.parameters.is_empty())
    };
    let one = lab.get_lab_order(authed(GetLabOrderRequest { order_id: id() }, patient)).await.unwrap().into_inner();
    assert!(hidden(&one.order.unwrap()));
    let results =
        lab.get_lab_order_results(authed(GetLabOrderResultsRequest { order_id: id() }, patient)).await.unwrap();
    assert!(hidden(&results.into_inner().order.unwrap()));
    let listed = lab
        .list_patient_lab_results(authed(
            ListPatientLabResultsRequest { patient_id: care.patient.0.clone(), ..Default::default() },
            patient,
        ))
        .await
        .unwrap()
        .into_inner()
        .orders;
    assert_eq!(listed.len(), 1);
    assert!(hidden(&listed[0]));
    let trend = || {
        let request = ListParameterTrendRequest {
            patient_id: care.patient.0.clone(),
            parameter_code: GLUCOSE.into(),
            since: None,
        };
        authed(request, patient)
    };
    assert!(lab.list_parameter_trend(trend()).await.unwrap().into_inner().points.is_empty());
    let report =
        lab.get_lab_report(authed(GetLabReportRequest { order_id: id(), language: String::new() }, patient)).await;
    assert_eq!(reason(&assert_code(report, Code::FailedPrecondition)), "NOTHING_RELEASED");
    let get_file = || {
        let request =
            GetResultFileRequest { order_id: id(), item_id: item.item_id.clone(), file_id: file.file_id.clone() };
        authed(request, patient)
    };
    assert_eq!(
        reason(&assert_code(lab.get_result_file(get_file()).await, Code::FailedPrecondition)),
        "RESULTS_PENDING"
    );
    // Nothing on the patient's stream while the doctor has been alerted.
    let quiet = tokio::time::timeout(Duration::from_millis(800), stream.message()).await;
    assert!(quiet.is_err(), "the patient was told before release: {quiet:?}");
    assert!(hms_testkit::notification::inbox(&w.notification.url(), patient).await.is_empty());

    // Released: every route shows the value, and the stream brings the notice.
    let current = w.get(&care.doctor.1, &order.order_id).await;
    w.release(&care.doctor.1, &current).await.unwrap();
    let told = tokio::time::timeout(Duration::from_secs(30), stream.message()).await.expect("a notice in time");
    let delivery = told.unwrap().expect("the stream is open").notification.unwrap();
    assert_eq!(delivery.r#type(), NotificationType::LabResultReadyPatient);
    let seen = w.get(patient, &order.order_id).await;
    assert_eq!(seen.items[0].results[0].flag(), Flag::CriticalLow);
    assert_eq!(lab.list_parameter_trend(trend()).await.unwrap().into_inner().points.len(), 1);
    let report = lab
        .get_lab_report(authed(GetLabReportRequest { order_id: id(), language: String::new() }, patient))
        .await
        .unwrap();
    assert!(report.into_inner().data.starts_with(b"%PDF-"));
    assert_eq!(lab.get_result_file(get_file()).await.unwrap().into_inner().content, PDF);
}

on_every_store!(a_patient_gets_nothing_before_release_by_any_route_or_stream);
