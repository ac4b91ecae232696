//! The admins' catalog and schedule changes reach the admin audit log
//! exactly once (issue 24): each is written to the outbox in the change's
//! transaction, so the ones made while no relay runs (the service killed
//! before relaying) are delivered by the next start's relay, and a
//! redelivery (a relay that died after delivering, before marking) records
//! nothing twice. A doctor's change of their own schedule is no admin action.

mod common;

use common::*;
use hms_kit::proto::admin::AuditLogEntry;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use hms_testkit::admin::AdminService;

async fn start_admin(h: &Harness) -> AdminService {
    AdminService::start(&h.auth).await
}

/// The entries the appointment service reported, oldest first.
async fn appointment_entries(h: &Harness, admin: &AdminService) -> Vec<AuditLogEntry> {
    admin.entries("appointment", h.admin()).await
}

async fn undelivered(h: &Harness) -> i64 {
    hms_testkit::outbox::undelivered_admin_actions(&h.sql().await).await
}

/// Runs the relay of a fresh start of the service on `h`'s database, with
/// the admin service configured, until no admin action is left to deliver.
async fn relay_until_drained(h: &Harness, admin: &AdminService) {
    let config = hms_appointment::AppointmentConfig { admin_url: Some(admin.url()), ..h.config.clone() };
    let built = hms_appointment::build(&config, &h.auth).await.unwrap();
    let relay = built.relay.expect("a relay, the admin service being configured");
    hms_testkit::outbox::relay_until_drained(relay, &h.db.url).await;
}

async fn admin_changes_are_logged_once_even_across_a_kill(kind: Relational) {
    // This harness runs no relay: the actions wait in the outbox as after a
    // kill between the change and the relay.
    let Some(h) = Harness::start(kind).await else { return };
    let mut schedules = h.schedules().await;
    let kept = h.service("AUDIT-1", 30, &[]).await;
    schedules
        .update_medical_service(authed(
            UpdateMedicalServiceRequest {
                service_id: kept.id.clone(),
                service: Some(service_input("AUDIT-1", 45, &[])),
            },
            h.admin(),
        ))
        .await
        .unwrap();
    let dropped = h.service("AUDIT-2", 30, &[]).await;
    schedules
        .delete_medical_service(authed(DeleteMedicalServiceRequest { service_id: dropped.id.clone() }, h.admin()))
        .await
        .unwrap();
    let (doctor, doctor_token) = h.staff("dr.audit", Role::Doctor).await;
    h.every_day(&doctor, "General", "Room 101").await;
    // The doctor's own change is not an admin action.
    schedules
        .set_doctor_schedule(authed(
            SetDoctorScheduleRequest {
                doctor_id: doctor.clone(),
                specialty: "General".into(),
                location: "Room 102".into(),
                blocks: Vec::new(),
            },
            &doctor_token,
        ))
        .await
        .unwrap();
    let exception = schedules
        .add_schedule_exception(authed(
            AddScheduleExceptionRequest {
                doctor_id: doctor.clone(),
                exception: Some(ScheduleException {
                    kind: ExceptionKind::Unavailable.into(),
                    start_date: Some(day(clinic_date(3))),
                    end_date: Some(day(clinic_date(4))),
                    note: "conference".into(),
                    ..Default::default()
                }),
            },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .exception
        .unwrap();
    schedules
        .delete_schedule_exception(authed(
            DeleteScheduleExceptionRequest { doctor_id: doctor.clone(), exception_id: exception.id.clone() },
            h.admin(),
        ))
        .await
        .unwrap();
    // Deleting it again changes nothing: no action.
    let again = schedules
        .delete_schedule_exception(authed(
            DeleteScheduleExceptionRequest { doctor_id: doctor.clone(), exception_id: exception.id.clone() },
            h.admin(),
        ))
        .await;
    assert_eq!(again.unwrap_err().code(), tonic::Code::NotFound);

    let admin_service = start_admin(&h).await;
    assert!(appointment_entries(&h, &admin_service).await.is_empty(), "nothing is delivered without a relay");
    assert_eq!(undelivered(&h).await, 7, "the actions wait in the outbox");

    relay_until_drained(&h, &admin_service).await;
    let entries = appointment_entries(&h, &admin_service).await;
    let logged: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.target_id.as_str())).collect();
    assert_eq!(
        logged,
        [
            ("catalog.service_created", kept.id.as_str()),
            ("catalog.service_updated", kept.id.as_str()),
            ("catalog.service_created", dropped.id.as_str()),
            ("catalog.service_deleted", dropped.id.as_str()),
            ("schedule.set", doctor.as_str()),
            ("schedule.exception_added", doctor.as_str()),
            ("schedule.exception_deleted", doctor.as_str()),
        ]
    );
    for entry in &entries {
        assert_eq!(entry.actor_role, "ADMIN", "{entry:?}");
        assert!(!entry.actor_id.is_empty() && !entry.client_address.is_empty(), "{entry:?}");
    }
    assert!(entries[1].before.contains("30 min") && entries[1].after.contains("45 min"), "{:?}", entries[1]);
    assert_eq!(entries[4].after, "specialty \"General\", location \"Room 101\", 7 weekly blocks");

    // A relay that delivered but died before marking delivers again: the log
    // keeps one entry per action.
    sqlx::query("UPDATE hms_outbox SET delivered_at = NULL WHERE topic = 'admin.action'")
        .execute(&h.sql().await)
        .await
        .unwrap();
    relay_until_drained(&h, &admin_service).await;
    let again = appointment_entries(&h, &admin_service).await;
    assert_eq!(
        again.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()
    );
}

on_every_backend!(admin_changes_are_logged_once_even_across_a_kill);
