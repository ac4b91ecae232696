//! The change policy and the reminder offsets follow the admin service's
//! system configuration (issue 24): a stored notice, move limit or reminder
//! offset is in effect within 2 s without a restart; the file/env values
//! apply while the admin service stores none (its own defaults do not
//! override them) and while it is unreachable.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

const NOTICE: &str = "appointment.reschedule_notice_hours";
const MAX_RESCHEDULES: &str = "appointment.max_reschedules";
const REMINDER_OFFSETS: &str = "appointment.reminder_offsets";

fn move_to(appointment: &Appointment, start: prost_types::Timestamp) -> RescheduleAppointmentRequest {
    RescheduleAppointmentRequest {
        appointment_id: appointment.id.clone(),
        start_time: Some(start),
        ..Default::default()
    }
}

/// Repeats a move the policy refuses until it is allowed; the time taken.
async fn allowed_after(h: &Harness, token: &str, request: RescheduleAppointmentRequest, refusal: &str) -> Duration {
    let started = Instant::now();
    let mut api = h.appointments().await;
    loop {
        match api.reschedule_appointment(authed(request.clone(), token)).await {
            Ok(_) => return started.elapsed(),
            Err(status) => {
                assert_eq!(
                    (status.code(), reason(&status).as_str()),
                    (Code::FailedPrecondition, refusal),
                    "{status:?}"
                );
                assert!(started.elapsed() < Duration::from_secs(10), "the change never applied");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn a_stored_policy_applies_within_two_seconds_without_a_restart(kind: Relational) {
    // The admin service's defaults are 2 hours and 3 moves.
    let Some(h) = Harness::start_with_admin(kind, |c| {
        c.min_notice_secs = 72 * 3600;
        c.max_reschedules = 5;
    })
    .await
    else {
        return;
    };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let (ten, eleven) = (at(clinic_date(2), 10, 0), at(clinic_date(2), 11, 0));
    let appointment = h.book(&mai, &checkup.id, &an, ten).await.unwrap();

    // Two days ahead is within the configured three days' notice.
    let status = assert_code(
        api.reschedule_appointment(authed(move_to(&appointment, eleven), &mai)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "NOTICE_TOO_SHORT");
    h.configure(NOTICE, 24, 0).await;
    let took = allowed_after(&h, &mai, move_to(&appointment, eleven), "NOTICE_TOO_SHORT").await;
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // The limit is the configured 5 moves, not the admin service's default 3.
    for start in [ten, eleven, ten, eleven] {
        api.reschedule_appointment(authed(move_to(&appointment, start), &mai)).await.unwrap();
    }
    let status = assert_code(
        api.reschedule_appointment(authed(move_to(&appointment, ten), &mai)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "RESCHEDULE_LIMIT_REACHED");
    h.configure(MAX_RESCHEDULES, 8, 0).await;
    let took = allowed_after(&h, &mai, move_to(&appointment, ten), "RESCHEDULE_LIMIT_REACHED").await;
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

async fn an_unreachable_admin_service_leaves_the_configured_policy(kind: Relational) {
    // Nothing listens on port 1.
    let Some(h) = Harness::start_with(kind, |c| {
        c.min_notice_secs = 72 * 3600;
        c.admin_url = Some("http://127.0.0.1:1".into());
    })
    .await
    else {
        return;
    };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let soon = h.book(&mai, &checkup.id, &an, at(clinic_date(2), 10, 0)).await.unwrap();
    let status = assert_code(
        api.reschedule_appointment(authed(move_to(&soon, at(clinic_date(2), 11, 0)), &mai)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "NOTICE_TOO_SHORT");
    let later = h.book(&mai, &checkup.id, &an, at(clinic_date(5), 10, 0)).await.unwrap();
    api.reschedule_appointment(authed(move_to(&later, at(clinic_date(5), 11, 0)), &mai)).await.unwrap();
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn a_stored_reminder_offset_applies_within_two_seconds_without_a_restart(kind: Relational) {
    use hms_kit::proto::admin::DurationList;
    use hms_kit::proto::admin::configuration_value::Kind;
    use hms_kit::proto::notification::NotificationType as N;
    // A week's offset: that reminder fell due before the booking, so none is
    // sent (nor with the admin service's default 24h and 1h).
    let Some(h) = Harness::start_with_admin_and_notifications(kind, |c| {
        c.reminder_offsets_secs = vec![7 * 86_400];
        c.min_notice_secs = 0;
    })
    .await
    else {
        return;
    };
    // A five-minute service: a slot on the 5-minute grid never crosses midnight.
    let service = h.service("GEN-CHECKUP", 5, &[]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.daily_hours(&an, "General", "Room 7", (0, 24)).await;
    let (_, mai) = h.patient("mai").await;
    let start = (now_secs() / 300 + 2) * 300;
    h.book(&mai, &service.id, &an, prost_types::Timestamp { seconds: start, nanos: 0 }).await.unwrap();
    // Offsets are whole minutes and starts on the 5-minute grid, so a
    // reminder falls due on a whole minute: the first after the booking is
    // one an offset can name that is due, and not yet sent, once it passed.
    let due = (now_secs() / 60 + 1) * 60;
    tokio::time::sleep(Duration::from_secs(u64::try_from(due + 1 - now_secs()).unwrap_or(0))).await;
    assert_eq!(h.count(&mai, N::AppointmentReminderPatient).await, 0);

    let offset = DurationList { values: vec![format!("{}m", (start - due) / 60)] };
    h.configure_value(REMINDER_OFFSETS, Kind::Durations(offset), 0).await;
    let changed = Instant::now();
    h.arrived(&mai, N::AppointmentReminderPatient, 1).await;
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());
}

on_every_backend!(
    a_stored_policy_applies_within_two_seconds_without_a_restart,
    a_stored_reminder_offset_applies_within_two_seconds_without_a_restart,
    an_unreachable_admin_service_leaves_the_configured_policy,
);
