//! Changing a booked appointment through the gRPC API, on every relational
//! backend: the change policy, no-shows and holds, moves.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

async fn change_policy_is_enforced(kind: Relational) {
    let Some(h) = Harness::start_with(kind, |c| {
        c.min_notice_secs = 3 * 86_400;
        c.max_reschedules = 1;
    })
    .await
    else {
        return;
    };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    // Two days ahead is within the three-day notice: no cancellation, no move
    // by the patient; the doctor may still cancel.
    let soon = h.book(&mai, &checkup.id, &an, at(clinic_date(2), 10, 0)).await.unwrap();
    let status = assert_code(h.cancel(&mai, &soon.id, "x").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "NOTICE_TOO_SHORT");
    let status = assert_code(
        api.reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: soon.id.clone(),
                start_time: Some(at(clinic_date(9), 10, 0)),
                ..Default::default()
            },
            &mai,
        ))
        .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "NOTICE_TOO_SHORT");
    h.cancel(&an_token, &soon.id, "ill").await.unwrap();
    // One move allowed.
    let later = h.book(&mai, &checkup.id, &an, at(clinic_date(10), 10, 0)).await.unwrap();
    let move_to = |hour| RescheduleAppointmentRequest {
        appointment_id: later.id.clone(),
        start_time: Some(at(clinic_date(10), hour, 0)),
        ..Default::default()
    };
    api.reschedule_appointment(authed(move_to(11), &mai)).await.unwrap();
    let status = assert_code(api.reschedule_appointment(authed(move_to(12), &mai)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "RESCHEDULE_LIMIT_REACHED");
}

async fn no_show_after_the_start_and_holds_follow_the_status(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 45, &[]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    let booked = h.book(&mai, &checkup.id, &an, at(clinic_date(3), 9, 0)).await.unwrap();
    let pool = h.sql().await;
    // 45 minutes hold nine 5-minute granules of the doctor and of the patient.
    assert_eq!(h.holds(&booked.id).await, (9, 9));
    api.confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: booked.id.clone() }, &an_token))
        .await
        .unwrap();
    // Time passes: the appointment started a while ago.
    sqlx::query("UPDATE appointments SET start_at = start_at - 864000, end_at = end_at - 864000 WHERE id = ?")
        .bind(&booked.id)
        .execute(&pool)
        .await
        .unwrap();
    let absent = api
        .mark_no_show(authed(MarkNoShowRequest { appointment_id: booked.id.clone() }, &nurse))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!(absent.status(), AppointmentStatus::NoShow);
    let status = assert_code(h.cancel(&an_token, &booked.id, "late").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "INVALID_TRANSITION");

    // A cancellation releases every hold in the same transaction.
    let other = h.book(&mai, &checkup.id, &an, at(clinic_date(4), 9, 0)).await.unwrap();
    h.cancel(&mai, &other.id, "ill").await.unwrap();
    assert_eq!(h.holds(&other.id).await, (0, 0));
}

async fn a_move_may_change_the_service(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut api = h.appointments().await;
    let short = h.service("SHORT", 30, &[]).await;
    let long = h.service("LONG", 60, &[]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let (_, lan) = h.patient("lan").await;
    let date = clinic_date(8);
    let booked = h.book(&mai, &short.id, &an, at(date, 9, 0)).await.unwrap();
    h.book(&lan, &short.id, &an, at(date, 10, 0)).await.unwrap();
    let change = |start, service: &str| RescheduleAppointmentRequest {
        appointment_id: booked.id.clone(),
        start_time: Some(start),
        service_id: service.to_owned(),
        ..Default::default()
    };
    // 09:30-10:30 would overlap Lan's 10:00: refused, nothing changes.
    let status = assert_code(
        api.reschedule_appointment(authed(change(at(date, 9, 30), &long.id), &mai)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "SLOT_UNAVAILABLE");
    // 09:00-10:00 overlaps only itself: allowed.
    let moved = api
        .reschedule_appointment(authed(change(at(date, 9, 0), &long.id), &mai))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!(moved.service_id, long.id);
    assert_eq!(moved.end_time.unwrap().seconds - moved.start_time.unwrap().seconds, 3600);
    assert_eq!(h.double_bookings().await, 0);

    // Cancelled after the move: every hold goes, where the move put them.
    h.cancel(&mai, &booked.id, "ill").await.unwrap();
    assert_eq!(h.holds(&booked.id).await, (0, 0));
    h.book(&lan, &short.id, &an, at(date, 9, 30)).await.expect("the moved appointment's 09:30 was released");
    h.book(&mai, &short.id, &an, at(date, 9, 0)).await.expect("and its patient's time too");
}

on_every_backend!(
    change_policy_is_enforced,
    no_show_after_the_start_and_holds_follow_the_status,
    a_move_may_change_the_service,
);
