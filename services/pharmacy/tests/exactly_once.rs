//! The events of a dispense reach the EHR, billing and the notification
//! service exactly once, even when the pharmacy is killed (SIGKILL) between
//! the dispense and the relay's delivery, and when the same events are
//! delivered again (a relay that died between delivering and recording).
//! The pharmacy runs as its own process (`hms-pharmacy`); the user service,
//! the EHR, billing and notification run in the test.

mod common;

use std::time::Duration;

use common::{Care, date_in, eventually, item};
use hms_kit::proto::billing::ListPatientInvoicesRequest;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::proto::notification::NotificationType;
use hms_kit::proto::pharmacy::pharmacy_service_client::PharmacyServiceClient;
use hms_kit::proto::pharmacy::*;
use hms_kit::testing::{Relational, TestServer, database};
use hms_testkit::process::{self, Peers, Process, free_port};
use hms_testkit::{Docs, authed};
use tonic::transport::Channel;

/// Starts `hms-pharmacy` on `port`, its relay polling every `poll_ms`.
async fn start_pharmacy(
    store_url: &str,
    port: u16,
    peers: &Peers,
    poll_ms: u64,
) -> (Process, PharmacyServiceClient<Channel>) {
    let mut env = peers.env("PHARMACY");
    env.extend([
        ("HMS_PHARMACY__SERVER__LISTEN".into(), format!("127.0.0.1:{port}")),
        ("HMS_PHARMACY__STORE_URL".into(), store_url.into()),
        ("HMS_PHARMACY__OUTBOX_POLL".into(), poll_ms.to_string()),
    ]);
    process::start(env!("CARGO_BIN_EXE_hms-pharmacy"), env, port, PharmacyServiceClient::connect).await
}

async fn a_killed_pharmacy_delivers_every_event_once_after_restart(docs: Docs) {
    let Some(ehr_store) = docs.store("ehr.db") else { return };
    let Some(store) = docs.store("pharmacy.db") else { return };
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

    let admin = hms_testkit::admin_token(&user.url()).await;
    let patient = hms_testkit::patient(&user.url(), "pat.once").await;
    let doctor = hms_testkit::staff(&user.url(), &admin, "doc.once", Role::Doctor).await;
    let (_, pharmacist) = hms_testkit::staff(&user.url(), &admin, "pharm.once", Role::Pharmacist).await;
    let (_, colleague) = hms_testkit::staff(&user.url(), &admin, "pharm.once2", Role::Pharmacist).await;
    let link = LinkAppointmentRequest {
        patient_id: patient.0.clone(),
        appointment_id: "appt-once".into(),
        doctor_id: doctor.0.clone(),
        appointment_time: Some(hms_kit::time::micros_to_timestamp(hms_kit::time::now_micros())),
        stage: AppointmentStage::Confirmed.into(),
    };
    let mut internal = InternalEhrServiceClient::connect(ehr.url()).await.unwrap();
    let linked = internal.link_appointment(authed(link, &hms_testkit::service_token("appointment"))).await.unwrap();
    let care = Care { patient, doctor, encounter: linked.into_inner().encounter_id };

    // First life: the relay would only look again in an hour.
    let port = free_port();
    let (first, mut rx) = start_pharmacy(&store.url, port, &peers, 3_600_000).await;
    let catalog = ListMedicationsRequest { query: "amoxicillin".into(), ..Default::default() };
    let found = rx.list_medications(authed(catalog, &admin)).await.unwrap().into_inner().medications;
    let amox = found.iter().find(|m| m.code == "AMOX500C").unwrap().clone();
    let receive = UpdateStockRequest {
        medication_id: amox.medication_id.clone(),
        change: Some(update_stock_request::Change::Receive(ReceiveBatch {
            lot: "L1".into(),
            expiry_date: Some(date_in(300)),
            quantity: amox.reorder_level + 10,
            unit_cost: None,
        })),
    };
    rx.update_stock(authed(receive, &pharmacist)).await.unwrap();
    let request = CreatePrescriptionRequest {
        patient_id: care.patient.0.clone(),
        encounter_id: care.encounter.clone(),
        items: vec![item(&amox.medication_id, 21)],
        ..Default::default()
    };
    let written =
        rx.create_prescription(authed(request, &care.doctor.1)).await.unwrap().into_inner().prescription.unwrap();
    let verify = VerifyPrescriptionRequest {
        prescription_id: written.prescription_id.clone(),
        approve: true,
        reason: String::new(),
        version: written.version,
    };
    rx.verify_prescription(authed(verify, &pharmacist)).await.unwrap();
    let dispense = DispensePrescriptionRequest { prescription_id: written.prescription_id.clone(), items: vec![] };
    let done = rx.dispense_prescription(authed(dispense, &pharmacist)).await.unwrap().into_inner();
    assert_eq!(done.prescription.unwrap().status(), PrescriptionStatus::DispensedFull);
    // Every event waits in the documents; the process dies without a word.
    drop(first);
    let raw = hms_kit::docstore::connect(&store.url).await.unwrap();
    let waiting = raw.get("pharmacy_prescriptions", &written.prescription_id).await.unwrap().unwrap();
    let events = waiting.body["outbox"].clone();
    assert_eq!(events.as_array().map(Vec::len), Some(3), "reference, invoice, ready: {events}");

    // Second life: everything goes out.
    let (_second, _) = start_pharmacy(&store.url, port, &peers, 50).await;
    let billing_client = BillingServiceClient::connect(billing.url()).await.unwrap();
    let invoices = |client: &BillingServiceClient<Channel>| {
        let request = ListPatientInvoicesRequest { patient_id: care.patient.0.clone(), ..Default::default() };
        let mut client = client.clone();
        let token = care.patient.1.clone();
        async move { client.list_patient_invoices(authed(request, &token)).await.unwrap().into_inner().invoices }
    };
    eventually("the invoice", || async { invoices(&billing_client).await.len() == 1 }).await;
    let ready = hms_testkit::notification::arrived(
        &notification.url(),
        &care.patient.1,
        NotificationType::PrescriptionReadyForPickup,
        1,
    )
    .await;
    assert_eq!(ready.len(), 1);
    for token in [&pharmacist, &colleague] {
        hms_testkit::notification::arrived(&notification.url(), token, NotificationType::PharmacyStockLow, 1).await;
    }
    let references = || async {
        let request = GetMedicalRecordRequest { patient_id: care.patient.0.clone() };
        let mut client = hms_kit::proto::ehr::ehr_service_client::EhrServiceClient::connect(ehr.url()).await.unwrap();
        client
            .get_medical_record(authed(request, &care.doctor.1))
            .await
            .map(|r| r.into_inner().prescription_references.len())
    };
    eventually("the EHR reference", || async { references().await.is_ok_and(|n| n == 1) }).await;
    eventually("the outbox drained", || async {
        let rx = raw.get("pharmacy_prescriptions", &written.prescription_id).await.unwrap().unwrap();
        rx.body.get("outbox").is_none()
    })
    .await;

    // The same events once more, as from a relay that died after delivering
    // and before recording it: nobody hears twice.
    let stored = raw.get("pharmacy_prescriptions", &written.prescription_id).await.unwrap().unwrap();
    let mut body = stored.body;
    body["outbox"] = events;
    body["outbox_due"] = serde_json::json!(hms_kit::time::now_micros());
    raw.replace("pharmacy_prescriptions", &written.prescription_id, &body, stored.version).await.unwrap();
    eventually("the replay drained", || async {
        let rx = raw.get("pharmacy_prescriptions", &written.prescription_id).await.unwrap().unwrap();
        rx.body.get("outbox").is_none()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(invoices(&billing_client).await.len(), 1, "one invoice");
    let inbox = hms_testkit::notification::inbox(&notification.url(), &care.patient.1).await;
    let ready = inbox.iter().filter(|d| d.r#type() == NotificationType::PrescriptionReadyForPickup).count();
    assert_eq!(ready, 1, "one ready-for-pickup notice");
    assert_eq!(references().await.unwrap(), 1, "one EHR reference");
    for token in [&pharmacist, &colleague] {
        let inbox = hms_testkit::notification::inbox(&notification.url(), token).await;
        let low = inbox.iter().filter(|d| d.r#type() == NotificationType::PharmacyStockLow).count();
        assert_eq!(low, 1, "one low-stock alert per crossing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_killed_pharmacy_delivers_every_event_once_after_restart() {
    a_killed_pharmacy_delivers_every_event_once_after_restart(Docs::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongo_a_killed_pharmacy_delivers_every_event_once_after_restart() {
    a_killed_pharmacy_delivers_every_event_once_after_restart(Docs::Mongo).await;
}
