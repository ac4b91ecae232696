//! The appointment link end to end: the real user, appointment and EHR
//! services; the appointment service's outbox relay calls the EHR's internal
//! API with its service token. Book → confirm: a PLANNED encounter and the
//! doctor's access; complete: IN_PROGRESS.

mod common;

use std::time::Duration;

use common::*;
use hms_appointment::AppointmentConfig;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::ehr::*;
use hms_kit::proto::google::r#type::TimeOfDay;
use hms_kit::testing::{self, Relational, TestServer};
use tonic::Code;

/// The doctor's view of the patient's encounters (PERMISSION_DENIED until
/// the link arrives).
async fn encounters(w: &World, patient: &str, doctor: &str) -> Result<Vec<Encounter>, tonic::Status> {
    let request = ListEncountersRequest { patient_id: patient.into(), page: None };
    w.ehr().await.list_encounters(authed(request, doctor)).await.map(|r| r.into_inner().encounters)
}

/// Waits until the doctor sees one encounter of the patient in `status`.
async fn eventually(w: &World, patient: &str, doctor: &str, status: EncounterStatus) -> Encounter {
    for _ in 0..200 {
        if let Ok(list) = encounters(w, patient, doctor).await
            && let [only] = list.as_slice()
            && only.status() == status
        {
            return only.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {status:?} encounter arrived: {:?}", encounters(w, patient, doctor).await);
}

async fn start_appointment_with(
    w: &World,
    db_url: &str,
    ehr_url: Option<String>,
) -> (TestServer, tokio::sync::watch::Sender<bool>) {
    let config = AppointmentConfig {
        database_url: db_url.to_owned(),
        ehr_url,
        outbox_poll_ms: 50,
        ..AppointmentConfig::default()
    };
    let built = hms_appointment::build(&config, &w.auth).await.expect("build the appointment service");
    let (stop, stopping) = hms_kit::server::Stopping::new();
    hms_appointment::spawn_workers(built.reminders, built.relay, stopping);
    (TestServer::start(built.service, built.verifier).await, stop)
}

/// A service and the doctor's every-day schedule; books tomorrow 09:00 for
/// the patient. Returns the appointment and its start (Unix seconds).
async fn book(w: &World, appointment: &TestServer, doctor: &str, patient_token: &str) -> (Appointment, i64) {
    let mut schedules = ScheduleServiceClient::connect(appointment.url()).await.unwrap();
    let service = schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest {
                code: "GP".into(),
                service: Some(MedicalServiceInput {
                    name: "General check-up".into(),
                    kind: ServiceKind::GeneralCheckup.into(),
                    duration_minutes: 30,
                    price: Some(Money { amount_minor: 150_000, currency: "VND".into() }),
                    active: true,
                    ..Default::default()
                }),
            },
            w.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    let blocks = (1..=7)
        .map(|day| WeeklyBlock {
            day_of_week: day,
            start_time: Some(TimeOfDay { hours: 8, ..Default::default() }),
            end_time: Some(TimeOfDay { hours: 17, ..Default::default() }),
            ..Default::default()
        })
        .collect();
    schedules
        .set_doctor_schedule(authed(
            SetDoctorScheduleRequest {
                doctor_id: doctor.to_owned(),
                specialty: "General".into(),
                location: "Room 1".into(),
                blocks,
            },
            w.admin(),
        ))
        .await
        .unwrap();

    // Tomorrow 09:00 in the clinic's zone.
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let tomorrow = jiff::Timestamp::now().to_zoned(zone.clone()).date().tomorrow().unwrap();
    let start = tomorrow.at(9, 0, 0, 0).to_zoned(zone).unwrap().timestamp().as_second();
    (book_at(appointment, &service.id, doctor, start, patient_token).await, start)
}

/// Books `service` with `doctor` at `start` (Unix seconds) for the patient.
async fn book_at(
    appointment: &TestServer,
    service: &str,
    doctor: &str,
    start: i64,
    patient_token: &str,
) -> Appointment {
    let mut appointments = AppointmentServiceClient::connect(appointment.url()).await.unwrap();
    let request = BookAppointmentRequest {
        service_id: service.to_owned(),
        doctor_id: doctor.to_owned(),
        start_time: Some(prost_types::Timestamp { seconds: start, nanos: 0 }),
        reason: "check-up".into(),
        patient_id: String::new(),
    };
    appointments.book_appointment(authed(request, patient_token)).await.unwrap().into_inner().appointment.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn confirmation_and_completion_reach_the_ehr() {
    let w = World::new(Docs::Sqlite).await.unwrap();
    let appointment_db = testing::database(Relational::Sqlite).await.unwrap();
    let (appointment, _stop) = start_appointment_with(&w, &appointment_db.url, Some(w.ehr.url())).await;
    let (patient, patient_token) = w.patient("pat.link").await;
    let (doctor, doctor_token) = w.staff("doc.link", Role::Doctor).await;
    let (booked, start) = book(&w, &appointment, &doctor, &patient_token).await;
    let mut appointments = AppointmentServiceClient::connect(appointment.url()).await.unwrap();

    // Booked but not confirmed: the EHR knows nothing, the doctor has no access.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let denied = encounters(&w, &patient, &doctor_token).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let id = booked.id.clone();
    appointments
        .confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: id.clone() }, &doctor_token))
        .await
        .unwrap();
    let planned = eventually(&w, &patient, &doctor_token, EncounterStatus::Planned).await;
    assert_eq!(planned.appointment_id, id);
    assert_eq!(planned.doctor_id, doctor);
    assert_eq!(planned.encounter_time.unwrap().seconds, start);
    // The doctor now has access to the record too.
    w.ehr()
        .await
        .get_medical_record(authed(GetMedicalRecordRequest { patient_id: patient.clone() }, &doctor_token))
        .await
        .unwrap();

    appointments
        .check_in_appointment(authed(CheckInAppointmentRequest { appointment_id: id.clone() }, w.admin()))
        .await
        .unwrap();
    appointments
        .complete_appointment(authed(
            CompleteAppointmentRequest { appointment_id: id.clone(), doctor_notes: String::new() },
            &doctor_token,
        ))
        .await
        .unwrap();
    let started = eventually(&w, &patient, &doctor_token, EncounterStatus::InProgress).await;
    assert_eq!(started.encounter_id, planned.encounter_id);

    // The links were audited as the appointment service's.
    let trail = w.audit(&patient).await;
    let links: Vec<_> = trail.iter().filter(|e| e.action == "LinkAppointment").collect();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|e| e.actor_role == "SERVICE" && e.actor_id == "appointment"));
}

/// Without `ehr_url` the appointment service writes no `ehr.` events: nothing
/// waits in its outbox for a receiver that is not configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_ehr_events_without_an_ehr_url() {
    use sqlx::Row;
    let w = World::new(Docs::Sqlite).await.unwrap();
    let appointment_db = testing::database(Relational::Sqlite).await.unwrap();
    let (appointment, _stop) = start_appointment_with(&w, &appointment_db.url, None).await;
    let (_, patient_token) = w.patient("pat.nolink").await;
    let (doctor, doctor_token) = w.staff("doc.nolink", Role::Doctor).await;
    let (booked, _) = book(&w, &appointment, &doctor, &patient_token).await;
    let mut appointments = AppointmentServiceClient::connect(appointment.url()).await.unwrap();
    appointments
        .confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: booked.id.clone() }, &doctor_token))
        .await
        .unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&appointment_db.url).await.unwrap();
    let count = |pattern: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT COUNT(*) AS n FROM hms_outbox WHERE topic LIKE ?")
                .bind(pattern)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        }
    };
    assert_eq!(count("ehr.%").await, 0);
    assert!(count("APPOINTMENT_%").await > 0, "the notices are still written");
}

/// Cancelling a confirmed appointment cancels its planned encounter. A
/// pending appointment never reached the EHR, so its cancellation sends
/// nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancellation_cancels_the_planned_encounter() {
    use sqlx::Row;
    let w = World::new(Docs::Sqlite).await.unwrap();
    let appointment_db = testing::database(Relational::Sqlite).await.unwrap();
    let (appointment, _stop) = start_appointment_with(&w, &appointment_db.url, Some(w.ehr.url())).await;
    let (patient, patient_token) = w.patient("pat.cancel").await;
    let (doctor, doctor_token) = w.staff("doc.cancel", Role::Doctor).await;
    let (confirmed, start) = book(&w, &appointment, &doctor, &patient_token).await;
    let mut appointments = AppointmentServiceClient::connect(appointment.url()).await.unwrap();
    let cancel = |id: &str| CancelAppointmentRequest { appointment_id: id.to_owned(), reason: "doctor ill".into() };

    let pending = book_at(&appointment, &confirmed.service_id, &doctor, start + 3600, &patient_token).await;
    appointments.cancel_appointment(authed(cancel(&pending.id), &doctor_token)).await.unwrap();

    appointments
        .confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: confirmed.id.clone() }, &doctor_token))
        .await
        .unwrap();
    let planned = eventually(&w, &patient, &doctor_token, EncounterStatus::Planned).await;
    appointments.cancel_appointment(authed(cancel(&confirmed.id), &doctor_token)).await.unwrap();
    let cancelled = eventually(&w, &patient, &doctor_token, EncounterStatus::Cancelled).await;
    assert_eq!(cancelled.encounter_id, planned.encounter_id);
    assert_eq!(cancelled.appointment_id, confirmed.id);

    // Two events reached the EHR (confirmation, cancellation); the pending
    // appointment's cancellation wrote none.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&appointment_db.url).await.unwrap();
    let events: i64 = sqlx::query("SELECT COUNT(*) AS n FROM hms_outbox WHERE topic LIKE 'ehr.%'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(events, 2);
    let trail = w.audit(&patient).await;
    assert_eq!(trail.iter().filter(|e| e.action == "LinkAppointment").count(), 2);
}
