//! The service calendar through the gRPC API, on every relational backend:
//! booked slots left out, nothing offered beyond the booking horizon.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

/// The hours of a day at which the calendar shows `doctor` free, the same
/// in both views.
async fn free_hours(h: &Harness, service_id: &str, token: &str, doctor: &str, date: jiff::civil::Date) -> Vec<i64> {
    let mut request = GetServiceCalendarRequest {
        service_id: service_id.to_owned(),
        start_date: Some(day(date)),
        end_date: Some(day(date)),
        view: CalendarView::Slots.into(),
    };
    let calendar = h.schedules().await.get_service_calendar(authed(request.clone(), token)).await.unwrap();
    let days = calendar.into_inner().days;
    let slots = days[0].doctors.iter().filter(|d| d.doctor_id == doctor).flat_map(|d| &d.slots);
    let starts: Vec<i64> = slots.map(|s| s.start_time.as_ref().unwrap().seconds).collect();
    request.view = CalendarView::Starts.into();
    let compact = h.schedules().await.get_service_calendar(authed(request, token)).await.unwrap();
    let days = compact.into_inner().days;
    let compact_starts = days[0].doctors.iter().filter(|d| d.doctor_id == doctor).flat_map(|d| &d.slot_starts);
    assert_eq!(compact_starts.map(|t| t.seconds).collect::<Vec<_>>(), starts, "both views show the same slots");
    starts.iter().map(|start| (start - at(date, 0, 0).seconds) / 3600).collect()
}

/// The calendar leaves out every live appointment of every doctor (several
/// per doctor, read together) and shows a slot again once it is cancelled.
async fn the_calendar_leaves_out_booked_slots(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let checkup = h.service("GEN-CHECKUP", 60, &["General"]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    let (binh, _) = h.staff("dr.binh", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    h.every_day(&binh, "General", "Room 102").await;
    let (_, mai) = h.patient("mai").await;
    let (_, lan) = h.patient("lan").await;
    let date = clinic_date(5);
    h.book(&mai, &checkup.id, &an, at(date, 8, 0)).await.unwrap();
    let moved_later = h.book(&lan, &checkup.id, &an, at(date, 11, 0)).await.unwrap();
    h.book(&mai, &checkup.id, &an, at(date, 15, 0)).await.unwrap();
    h.book(&lan, &checkup.id, &binh, at(date, 9, 0)).await.unwrap();

    assert_eq!(free_hours(&h, &checkup.id, &mai, &an, date).await, [9, 10, 12, 13, 14, 16]);
    assert_eq!(free_hours(&h, &checkup.id, &mai, &binh, date).await, [8, 10, 11, 12, 13, 14, 15, 16]);

    h.cancel(&lan, &moved_later.id, "cannot come").await.unwrap();
    assert_eq!(free_hours(&h, &checkup.id, &mai, &an, date).await, [9, 10, 11, 12, 13, 14, 16]);
}

/// Bookings and moves beyond the booking horizon are refused with their own
/// reason, and neither the calendar nor a doctor's availability offers them.
async fn bookings_and_the_calendar_stop_at_the_horizon(kind: Relational) {
    assert_eq!(hms_appointment::AppointmentConfig::default().booking_horizon_days, 90);
    let Some(h) = Harness::start_with(kind, |c| c.booking_horizon_days = 10).await else { return };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 60, &["General"]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;

    let within = h.book(&mai, &checkup.id, &an, at(clinic_date(9), 9, 0)).await.expect("within the horizon");
    for days in [11, 60, 400] {
        let status =
            assert_code(h.book(&mai, &checkup.id, &an, at(clinic_date(days), 9, 0)).await, Code::FailedPrecondition);
        assert_eq!(reason(&status), "BEYOND_BOOKING_HORIZON", "{days} days ahead");
    }
    let status = assert_code(
        api.reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: within.id.clone(),
                start_time: Some(at(clinic_date(12), 9, 0)),
                ..Default::default()
            },
            &mai,
        ))
        .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "BEYOND_BOOKING_HORIZON");
    let kept = h.book(&mai, &checkup.id, &an, at(clinic_date(9), 9, 0)).await;
    assert_eq!(reason(&assert_code(kept, Code::FailedPrecondition)), "SLOT_UNAVAILABLE", "the booking stayed put");

    // Day 9 is open all day, day 11 not at all; the latest offered start is at most 10 days away.
    let latest = jiff::Timestamp::now().as_second() + 10 * 86_400;
    assert_eq!(free_hours(&h, &checkup.id, &mai, &an, clinic_date(9)).await.len(), 8);
    assert!(free_hours(&h, &checkup.id, &mai, &an, clinic_date(11)).await.is_empty());
    let slots = h
        .schedules()
        .await
        .get_doctor_availability(authed(
            GetDoctorAvailabilityRequest {
                doctor_id: an.clone(),
                service_id: checkup.id.clone(),
                start_date: Some(day(clinic_date(8))),
                end_date: Some(day(clinic_date(12))),
            },
            &mai,
        ))
        .await
        .unwrap()
        .into_inner()
        .slots;
    let starts: Vec<i64> = slots.iter().map(|s| s.start_time.unwrap().seconds).collect();
    assert!(starts.iter().any(|s| *s >= at(clinic_date(9), 0, 0).seconds), "{starts:?}");
    assert!(starts.iter().all(|s| *s <= latest), "a slot beyond the horizon is offered: {starts:?}");
}

on_every_backend!(the_calendar_leaves_out_booked_slots, bookings_and_the_calendar_stop_at_the_horizon,);
