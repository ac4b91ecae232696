//! A critical value reaches the ordering doctor exactly once (one in-app
//! alert, one email), and the order's invoice and EHR reference exactly
//! once each, even when the laboratory is killed (SIGKILL) between the
//! write and the relay's delivery, and when the same events are delivered
//! again (a relay that died between delivering and recording). The
//! laboratory runs as its own process (`hms-laboratory`); the user service,
//! the EHR, billing and notification run in the test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{eventually, number};
use hms_kit::docstore::{DocumentStore, Stored};
use hms_kit::proto::billing::ListPatientInvoicesRequest;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::proto::laboratory::laboratory_service_client::LaboratoryServiceClient;
use hms_kit::proto::laboratory::*;
use hms_kit::proto::notification::NotificationType;
use hms_kit::testing::{Relational, TestServer, database};
use hms_testkit::process::{self, Peers, Process, free_port};
use hms_testkit::{Docs, authed};
use tonic::transport::Channel;

const GLUCOSE: &str = "14771-0";

/// Starts `hms-laboratory` on `port`, its relay polling every `poll_ms`.
async fn start_laboratory(
    store_url: &str,
    files_dir: &std::path::Path,
    key: &str,
    port: u16,
    peers: &Peers,
    poll_ms: u64,
) -> (Process, LaboratoryServiceClient<Channel>) {
    let mut env = peers.env("LABORATORY");
    env.extend([
        ("HMS_LABORATORY__SERVER__LISTEN".into(), format!("127.0.0.1:{port}")),
        ("HMS_LABORATORY__STORE_URL".into(), store_url.into()),
        ("HMS_LABORATORY__FILES_DIR".into(), files_dir.display().to_string()),
        ("HMS_LABORATORY__ENCRYPTION__KEYS__K1".into(), key.into()),
        ("HMS_LABORATORY__OUTBOX_POLL".into(), poll_ms.to_string()),
    ]);
    process::start(env!("CARGO_BIN_EXE_hms-laboratory"), env, port, LaboratoryServiceClient::connect).await
}

/// The order's document, straight from the store.
async fn stored(raw: &Arc<dyn DocumentStore>, order_id: &str) -> Stored {
    raw.get("lab_orders", order_id).await.unwrap().expect("the order is stored")
}

async fn a_killed_laboratory_delivers_every_event_once_after_restart(docs: Docs) {
    let Some(ehr_store) = docs.store("ehr.db") else { return };
    let Some(store) = docs.store("laboratory.db") else { return };
    let files = tempfile::tempdir().unwrap();
    let (user, _user_db, mut auth) = hms_testkit::start_user().await;
    auth.user_service_url = user.url();
    let ehr_config = hms_ehr::EhrConfig {
        store_url: ehr_store.url.clone(),
        encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
        ..hms_ehr::EhrConfig::default()
    };
    let built = hms_ehr::build(&ehr_config, &auth).await.unwrap();
    let ehr = TestServer::start(built.service, built.verifier).await;
    let billing_db = database(Relational::Sqlite).await.unwrap();
    let billing_config = hms_billing::BillingConfig {
        database_url: billing_db.url.clone(),
        encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
        ..hms_billing::BillingConfig::default()
    };
    let built = hms_billing::build(&billing_config, &auth).await.unwrap();
    let billing = TestServer::start(built.service, built.verifier).await;
    let notification = hms_testkit::notification::Notification::start(&auth, None).await;
    let peers = Peers { user: user.url(), ehr: ehr.url(), billing: billing.url(), notification: notification.url() };
    let key = hms_kit::crypto::random_secret(32).unwrap();

    let admin = hms_testkit::admin_token(&user.url()).await;
    let patient = hms_testkit::patient(&user.url(), "pat.lab.once").await;
    let request = hms_kit::proto::user::CreateUserRequest {
        preferred_language: "en".into(),
        ..hms_testkit::users::staff_request("doc.lab.once", Role::Doctor)
    };
    let doctor = hms_testkit::users::create_user(&user.url(), &admin, request).await;
    let (_, tech) = hms_testkit::staff(&user.url(), &admin, "tech.lab.once", Role::LabTechnician).await;
    let link = LinkAppointmentRequest {
        patient_id: patient.0.clone(),
        appointment_id: "appt-lab-once".into(),
        doctor_id: doctor.0.clone(),
        appointment_time: Some(hms_kit::time::micros_to_timestamp(hms_kit::time::now_micros())),
        stage: AppointmentStage::Confirmed.into(),
    };
    let mut internal = InternalEhrServiceClient::connect(ehr.url()).await.unwrap();
    let linked = internal.link_appointment(authed(link, &hms_testkit::service_token("appointment"))).await.unwrap();
    let encounter = linked.into_inner().encounter_id;
    let mut ehr_client = EhrServiceClient::connect(ehr.url()).await.unwrap();
    let record = CreateMedicalRecordRequest { patient_id: patient.0.clone() };
    ehr_client.create_medical_record(authed(record, &doctor.1)).await.unwrap();

    // First life: the relay would only look again in an hour.
    let port = free_port();
    let (first, mut lab) = start_laboratory(&store.url, files.path(), &key, port, &peers, 3_600_000).await;
    let catalog = ListLabTestsRequest {
        query: GLUCOSE.into(),
        include_inactive: false,
        page: Some(PageRequest { page_size: 10, page_token: String::new() }),
    };
    let found = lab.list_lab_tests(authed(catalog, &admin)).await.unwrap().into_inner().tests;
    let glucose = found.iter().find(|t| t.code == GLUCOSE).expect("glucose in the starter catalog");
    let request = CreateLabOrderRequest {
        patient_id: patient.0.clone(),
        encounter_id: encounter,
        priority: Priority::Urgent.into(),
        notes: String::new(),
        test_ids: vec![glucose.test_id.clone()],
    };
    let order = lab.create_lab_order(authed(request, &doctor.1)).await.unwrap().into_inner().order.unwrap();
    let collect = UpdateLabOrderStatusRequest {
        order_id: order.order_id.clone(),
        step: LabStep::CollectSample.into(),
        reason: String::new(),
        version: order.version,
    };
    let order = lab.update_lab_order_status(authed(collect, &tech)).await.unwrap().into_inner().order.unwrap();
    let enter = EnterLabResultsRequest {
        order_id: order.order_id.clone(),
        item_id: order.items[0].item_id.clone(),
        results: vec![number(GLUCOSE, 30.0, "mg/dL")],
        amend_reason: String::new(),
        version: order.version,
    };
    let entered = lab.enter_lab_results(authed(enter, &tech)).await.unwrap().into_inner();
    assert_eq!(entered.critical_parameter_codes, [GLUCOSE]);
    let order = entered.order.unwrap();
    // Every event waits in the order's document; the process dies without a word.
    drop(first);
    let raw = hms_kit::docstore::connect(&store.url).await.unwrap();
    let waiting = stored(&raw, &order.order_id).await.body["outbox"].clone();
    assert_eq!(waiting.as_array().map(Vec::len), Some(3), "invoice, critical, to review: {waiting}");

    // Second life: everything goes out.
    let (second, _) = start_laboratory(&store.url, files.path(), &key, port, &peers, 50).await;
    let critical =
        hms_testkit::notification::arrived(&notification.url(), &doctor.1, NotificationType::LabCriticalValue, 1).await;
    assert_eq!(critical.len(), 1);
    let urgent = || notification.mails().iter().filter(|m| m.contains("URGENT: critical lab value")).count();
    eventually("the critical email", || async { urgent() == 1 }).await;
    let billing_client = BillingServiceClient::connect(billing.url()).await.unwrap();
    let invoices = || {
        let request = ListPatientInvoicesRequest { patient_id: patient.0.clone(), ..Default::default() };
        let mut client = billing_client.clone();
        let token = patient.1.clone();
        async move { client.list_patient_invoices(authed(request, &token)).await.unwrap().into_inner().invoices }
    };
    eventually("the invoice", || async { invoices().await.len() == 1 }).await;
    eventually("the outbox drained", || async { stored(&raw, &order.order_id).await.body.get("outbox").is_none() })
        .await;
    drop(second);

    // Third life, its relay paused again: the release queues the EHR
    // reference and the patient's notice, and the process dies.
    let (third, mut lab) = start_laboratory(&store.url, files.path(), &key, port, &peers, 3_600_000).await;
    let release = ReleaseLabResultsRequest {
        order_id: order.order_id.clone(),
        item_ids: vec![],
        version: stored(&raw, &order.order_id).await.body["revision"].as_i64().unwrap(),
    };
    lab.release_lab_results(authed(release, &doctor.1)).await.unwrap();
    drop(third);
    let released = stored(&raw, &order.order_id).await.body["outbox"].clone();
    assert_eq!(released.as_array().map(Vec::len), Some(2), "reference, patient notice: {released}");

    // Fourth life: the release's events go out.
    let (_fourth, _) = start_laboratory(&store.url, files.path(), &key, port, &peers, 50).await;
    let references = || {
        let mut client = ehr_client.clone();
        let request = GetMedicalRecordRequest { patient_id: patient.0.clone() };
        let token = doctor.1.clone();
        async move { client.get_medical_record(authed(request, &token)).await.map(|r| r.into_inner()) }
    };
    eventually("the EHR reference", || async { references().await.is_ok_and(|r| r.lab_result_references.len() == 1) })
        .await;
    hms_testkit::notification::arrived(&notification.url(), &patient.1, NotificationType::LabResultReadyPatient, 1)
        .await;
    eventually("the outbox drained", || async { stored(&raw, &order.order_id).await.body.get("outbox").is_none() })
        .await;

    // Every event of the order once more, as from a relay that died after
    // delivering and before recording it: nobody hears twice.
    let mut every = waiting.as_array().cloned().unwrap_or_default();
    every.extend(released.as_array().cloned().unwrap_or_default());
    let again = stored(&raw, &order.order_id).await;
    let mut body = again.body;
    body["outbox"] = serde_json::Value::Array(every);
    body["outbox_due"] = serde_json::json!(hms_kit::time::now_micros());
    raw.replace("lab_orders", &order.order_id, &body, again.version).await.unwrap();
    eventually("the replay drained", || async { stored(&raw, &order.order_id).await.body.get("outbox").is_none() })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let count = |token: &str, kind: NotificationType| {
        let url = notification.url();
        let token = token.to_owned();
        async move { hms_testkit::notification::inbox(&url, &token).await.iter().filter(|d| d.r#type() == kind).count() }
    };
    assert_eq!(count(&doctor.1, NotificationType::LabCriticalValue).await, 1, "one critical alert");
    assert_eq!(urgent(), 1, "one critical email");
    assert_eq!(count(&doctor.1, NotificationType::LabResultReadyDoctor).await, 1, "one review notice");
    assert_eq!(count(&patient.1, NotificationType::LabResultReadyPatient).await, 1, "one release notice");
    assert_eq!(invoices().await.len(), 1, "one invoice");
    assert_eq!(references().await.unwrap().lab_result_references.len(), 1, "one EHR reference");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_killed_laboratory_delivers_every_event_once_after_restart() {
    a_killed_laboratory_delivers_every_event_once_after_restart(Docs::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_a_killed_laboratory_delivers_every_event_once_after_restart() {
    a_killed_laboratory_delivers_every_event_once_after_restart(Docs::Mongo).await;
}
