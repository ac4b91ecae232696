//! The appointment link end to end: the real user, appointment and EHR
//! services; the appointment service's outbox relay calls the EHR's internal
//! API with its service token. Book → confirm: a PLANNED encounter and the
//! doctor's access; check-in and completion: IN_PROGRESS; cancellation and
//! no-show: the planned encounter cancelled and the care ended. Each test
//! runs with the EHR on SQLite and the appointments on SQLite, and with the
//! EHR on the MongoDB-wire server and the appointments on MariaDB.

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
use serde_json::json;
use tonic::Code;

/// The patient's encounters as `token` sees them (PERMISSION_DENIED for a
/// doctor until the link arrives).
async fn encounters(w: &World, patient: &str, token: &str) -> Result<Vec<Encounter>, tonic::Status> {
    let request = ListEncountersRequest { patient_id: patient.into(), page: None };
    w.ehr().await.list_encounters(authed(request, token)).await.map(|r| r.into_inner().encounters)
}

/// Waits until `token` sees the appointment's encounter in `status`.
async fn eventually(w: &World, patient: &str, token: &str, appointment: &str, status: EncounterStatus) -> Encounter {
    for _ in 0..200 {
        if let Ok(list) = encounters(w, patient, token).await
            && let Some(found) = list.iter().find(|e| e.appointment_id == appointment && e.status() == status)
        {
            return found.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {status:?} encounter of {appointment} arrived: {:?}", encounters(w, patient, token).await);
}

/// Waits until the audit trail holds `count` entries of `action` for the
/// patient (the sign that an event was handled).
async fn audited(w: &World, patient: &str, action: &str, count: usize) {
    for _ in 0..200 {
        if w.audit(patient).await.iter().filter(|e| e.action == action).count() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} {action} entries for {patient}");
}

async fn start_appointment_with(
    w: &World,
    db_url: &str,
    ehr_url: Option<String>,
) -> (TestServer, tokio::sync::watch::Sender<bool>) {
    let config = AppointmentConfig {
        database_url: db_url.to_owned(),
        ehr_url,
        outbox_poll: Duration::from_millis(50),
        ..AppointmentConfig::default()
    };
    let built = hms_appointment::build(&config, &w.auth).await.expect("build the appointment service").serving();
    let (stop, stopping) = hms_kit::server::Stopping::new();
    built.workers.start(stopping);
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

async fn confirmation_and_completion_reach_the_ehr(w: World, kind: Relational) {
    let Some(appointment_db) = testing::database(kind).await else { return };
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
    let planned = eventually(&w, &patient, &doctor_token, &id, EncounterStatus::Planned).await;
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
    let started = eventually(&w, &patient, &doctor_token, &id, EncounterStatus::InProgress).await;
    assert_eq!(started.encounter_id, planned.encounter_id);
    // Each link is audited last, after its encounter and care changed.
    audited(&w, &patient, "CareRetained", 1).await;
    audited(&w, &patient, "LinkAppointment", 3).await;

    // The links (confirmation, check-in, completion) were audited as the
    // appointment service's.
    let trail = w.audit(&patient).await;
    let links: Vec<_> = trail.iter().filter(|e| e.action == "LinkAppointment").collect();
    assert_eq!(links.len(), 3);
    assert!(links.iter().all(|e| e.actor_role == "SERVICE" && e.actor_id == "appointment"));
}

/// Without `ehr_url` the appointment service writes no `ehr.` events: nothing
/// waits in its outbox for a receiver that is not configured.
async fn no_ehr_events_without_an_ehr_url(w: World, kind: Relational) {
    use sqlx::Row;
    let Some(appointment_db) = testing::database(kind).await else { return };
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

/// The probe of issue #21: the patient cancels a confirmed appointment; its
/// planned encounter is cancelled and the doctor can no longer read or write
/// the record. A pending appointment never reached the EHR, so its
/// cancellation sends nothing there.
async fn cancellation_cancels_the_planned_encounter_and_ends_the_care(w: World, kind: Relational) {
    use sqlx::Row;
    let Some(appointment_db) = testing::database(kind).await else { return };
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
    let planned = eventually(&w, &patient, &doctor_token, &confirmed.id, EncounterStatus::Planned).await;
    assert_eq!(access(&w, &patient, &patient_token, &doctor_token).await, ALLOWED);
    appointments.cancel_appointment(authed(cancel(&confirmed.id), &patient_token)).await.unwrap();
    let cancelled = eventually(&w, &patient, &patient_token, &confirmed.id, EncounterStatus::Cancelled).await;
    assert_eq!(cancelled.encounter_id, planned.encounter_id);
    assert_eq!(access(&w, &patient, &patient_token, &doctor_token).await, DENIED);
    assert_code(encounters(&w, &patient, &doctor_token).await, Code::PermissionDenied);

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
    audited(&w, &patient, "LinkAppointment", 2).await;
    let trail = w.audit(&patient).await;
    assert_eq!(trail.iter().filter(|e| e.action == "LinkAppointment").count(), 2);
}

/// The doctor's access after each step of the patient's appointments, as the
/// appointment service announces them: confirmation gives it, a second live
/// appointment keeps it when the other is cancelled or missed, check-in starts
/// the encounter, completion keeps the care for the retention period, and
/// once that is over the care lapses.
async fn the_doctor_s_access_follows_each_step(w: World, kind: Relational) {
    let Some(appointment_db) = testing::database(kind).await else { return };
    let (appointment, _stop) = start_appointment_with(&w, &appointment_db.url, Some(w.ehr.url())).await;
    let (patient, patient_token) = w.patient("pat.steps").await;
    let (doctor, doctor_token) = w.staff("doc.steps", Role::Doctor).await;
    let (visit, start) = book(&w, &appointment, &doctor, &patient_token).await;
    let mut appointments = AppointmentServiceClient::connect(appointment.url()).await.unwrap();
    let confirm = |id: &str| authed(ConfirmAppointmentRequest { appointment_id: id.to_owned() }, &doctor_token);
    let access = || access(&w, &patient, &patient_token, &doctor_token);

    // Two confirmed appointments; the second is cancelled, the first holds.
    appointments.confirm_appointment(confirm(&visit.id)).await.unwrap();
    eventually(&w, &patient, &patient_token, &visit.id, EncounterStatus::Planned).await;
    assert_eq!(access().await, ALLOWED);
    let second = book_at(&appointment, &visit.service_id, &doctor, start + 3600, &patient_token).await;
    appointments.confirm_appointment(confirm(&second.id)).await.unwrap();
    eventually(&w, &patient, &patient_token, &second.id, EncounterStatus::Planned).await;
    let cancel = CancelAppointmentRequest { appointment_id: second.id.clone(), reason: "one visit is enough".into() };
    appointments.cancel_appointment(authed(cancel, &patient_token)).await.unwrap();
    eventually(&w, &patient, &patient_token, &second.id, EncounterStatus::Cancelled).await;
    assert_eq!(access().await, ALLOWED, "the first appointment is still confirmed");

    // Check-in starts the encounter.
    let check_in = CheckInAppointmentRequest { appointment_id: visit.id.clone() };
    appointments.check_in_appointment(authed(check_in, w.admin())).await.unwrap();
    eventually(&w, &patient, &patient_token, &visit.id, EncounterStatus::InProgress).await;
    assert_eq!(access().await, ALLOWED);

    // A third appointment, missed: its planned encounter is cancelled, the
    // checked-in visit still holds.
    let third = book_at(&appointment, &visit.service_id, &doctor, start + 7200, &patient_token).await;
    appointments.confirm_appointment(confirm(&third.id)).await.unwrap();
    eventually(&w, &patient, &patient_token, &third.id, EncounterStatus::Planned).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&appointment_db.url).await.unwrap();
    sqlx::query("UPDATE appointments SET start_at = start_at - 864000, end_at = end_at - 864000 WHERE id = ?")
        .bind(&third.id)
        .execute(&pool)
        .await
        .unwrap();
    appointments.mark_no_show(authed(MarkNoShowRequest { appointment_id: third.id.clone() }, w.admin())).await.unwrap();
    eventually(&w, &patient, &patient_token, &third.id, EncounterStatus::Cancelled).await;
    assert_eq!(access().await, ALLOWED, "the checked-in visit still holds");

    // Completion: the care stays for the retention period.
    let complete = CompleteAppointmentRequest { appointment_id: visit.id.clone(), doctor_notes: String::new() };
    appointments.complete_appointment(authed(complete, &doctor_token)).await.unwrap();
    audited(&w, &patient, "CareRetained", 1).await;
    assert_eq!(access().await, ALLOWED);
    let ended: Vec<_> = w.audit(&patient).await.into_iter().filter(|e| e.action == "CareEnded").collect();
    let resources: Vec<_> = ended.iter().map(|e| e.resource.clone()).collect();
    assert_eq!(resources.len(), 2, "{resources:?}");
    for id in [&second.id, &third.id] {
        assert!(resources.contains(&format!("care/{doctor}/appointment/{id}")), "{resources:?}");
    }

    // The period is over (its end moved to the past in the store): no access.
    let raw = w.raw_store().await;
    let key = format!("APPOINTMENT:{}", visit.id);
    let care = raw.get("ehr_care", &key).await.unwrap().unwrap();
    let mut body = care.body.clone();
    body["until"] = json!(hms_kit::time::now_micros() - 1);
    raw.replace("ehr_care", &key, &body, care.version).await.unwrap();
    assert_eq!(access().await, DENIED);
    assert!(w.verify().await.intact);
}

/// Runs each test with the EHR on SQLite and appointments on SQLite, and
/// with the EHR on the MongoDB-wire server and appointments on MariaDB.
macro_rules! on_both_stacks {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() {
                   if let Some(w) = super::common::World::new(super::common::Docs::Sqlite).await {
                       super::$name(w, super::Relational::Sqlite).await
                   }
               } )*
        }
        mod mongo_mariadb {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() {
                   if let Some(w) = super::common::World::new(super::common::Docs::Mongo).await {
                       super::$name(w, super::Relational::MySql).await
                   }
               } )*
        }
    };
}

on_both_stacks!(
    confirmation_and_completion_reach_the_ehr,
    no_ehr_events_without_an_ehr_url,
    cancellation_cancels_the_planned_encounter_and_ends_the_care,
    the_doctor_s_access_follows_each_step,
);
