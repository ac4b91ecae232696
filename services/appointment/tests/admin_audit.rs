//! The admins' catalog and schedule changes reach the admin audit log
//! exactly once (issue 24): each is written to the outbox in the change's
//! transaction, so the ones made while no relay runs (the service killed
//! before relaying) are delivered by the next start's relay, and a
//! redelivery (a relay that died after delivering, before marking) records
//! nothing twice. A doctor's change of their own schedule is no admin action.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hms_kit::proto::admin::admin_service_client::AdminServiceClient;
use hms_kit::proto::admin::{AuditLogEntry, ListAuditLogsRequest};
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::{self, Relational, TestDb, TestServer};

struct AdminService {
    server: TestServer,
    _db: TestDb,
}

async fn start_admin(h: &Harness) -> AdminService {
    let db = testing::database(Relational::Sqlite).await.expect("a SQLite database");
    let config = hms_admin::AdminConfig { database_url: db.url.clone(), ..hms_admin::AdminConfig::default() };
    let built = hms_admin::build(&config, &h.auth).await.expect("build the admin service");
    AdminService { server: TestServer::start(built.service, built.verifier).await, _db: db }
}

/// The entries the appointment service reported, oldest first.
async fn appointment_entries(h: &Harness, admin: &AdminService) -> Vec<AuditLogEntry> {
    let mut client = AdminServiceClient::connect(admin.server.url()).await.unwrap();
    let request = ListAuditLogsRequest { service: "appointment".into(), ..Default::default() };
    let mut entries = client.list_audit_logs(authed(request, h.admin())).await.unwrap().into_inner().entries;
    entries.reverse();
    entries
}

async fn undelivered(h: &Harness) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM hms_outbox WHERE topic = 'admin.action' AND delivered_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(&h.sql().await)
    .await
    .unwrap()
}

/// Runs the relay of a fresh start of the service on `h`'s database, with
/// the admin service configured, until no admin action is left to deliver.
async fn relay_until_drained(h: &Harness, admin: &AdminService) {
    let config = hms_appointment::AppointmentConfig { admin_url: Some(admin.server.url()), ..h.config.clone() };
    let built = hms_appointment::build(&config, &h.auth).await.unwrap();
    let relay = built.relay.expect("a relay, the admin service being configured");
    let running = tokio::spawn(relay.run(std::future::pending()));
    let started = Instant::now();
    while undelivered(h).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(15), "the admin actions were never delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.abort();
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
