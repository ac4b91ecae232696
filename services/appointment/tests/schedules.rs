//! Doctors' schedules and their exceptions through the gRPC API, on every
//! relational backend, with the calendar they make.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

async fn schedules_exceptions_and_the_calendar(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut schedules = h.schedules().await;
    let cardio = h.service("CARDIO", 60, &["Cardiology"]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    let (binh, _) = h.staff("dr.binh", Role::Doctor).await;
    let (chi, _) = h.staff("dr.chi", Role::Doctor).await;
    let date = clinic_date(10);
    let weekday = i32::from(date.weekday().to_monday_one_offset());

    // A doctor sets their own schedule, not a colleague's.
    let block = WeeklyBlock {
        day_of_week: weekday,
        start_time: Some(time(8, 0)),
        end_time: Some(time(11, 0)),
        ..Default::default()
    };
    let own = SetDoctorScheduleRequest {
        doctor_id: an.clone(),
        specialty: "Cardiology".into(),
        location: "Room 101".into(),
        blocks: vec![block],
    };
    let schedule = schedules.set_doctor_schedule(authed(own, &an_token)).await.unwrap().into_inner().schedule.unwrap();
    assert_eq!(schedule.time_zone, "Asia/Ho_Chi_Minh");
    assert_eq!(schedule.blocks.len(), 1);
    let other = SetDoctorScheduleRequest {
        doctor_id: binh.clone(),
        specialty: "Cardiology".into(),
        location: "Room 102".into(),
        blocks: vec![block],
    };
    assert_code(schedules.set_doctor_schedule(authed(other.clone(), &an_token)).await, Code::PermissionDenied);
    schedules.set_doctor_schedule(authed(other, h.admin())).await.unwrap();
    // Dr Chi is a dermatologist: never offered for cardiology.
    h.every_day(&chi, "Dermatology", "Room 201").await;

    // Bad blocks name their fields.
    let bad = SetDoctorScheduleRequest {
        doctor_id: an.clone(),
        specialty: String::new(),
        location: String::new(),
        blocks: vec![
            WeeklyBlock {
                day_of_week: 0,
                start_time: Some(time(9, 0)),
                end_time: Some(time(8, 0)),
                ..Default::default()
            },
            WeeklyBlock {
                day_of_week: 1,
                start_time: Some(time(9, 7)),
                end_time: Some(time(25, 0)),
                ..Default::default()
            },
        ],
    };
    let status = assert_code(schedules.set_doctor_schedule(authed(bad, h.admin())).await, Code::InvalidArgument);
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        ["blocks[0].day_of_week", "blocks[0].end_time", "blocks[1].end_time", "blocks[1].start_time", "specialty"]
    );

    // Dr Binh takes the day off.
    let leave = AddScheduleExceptionRequest {
        doctor_id: binh.clone(),
        exception: Some(ScheduleException {
            kind: ExceptionKind::Unavailable.into(),
            start_date: Some(day(date)),
            end_date: Some(day(date)),
            note: "leave".into(),
            ..Default::default()
        }),
    };
    let leave =
        schedules.add_schedule_exception(authed(leave, h.admin())).await.unwrap().into_inner().exception.unwrap();
    // Dr An adds an extra hour in the afternoon.
    let extra = AddScheduleExceptionRequest {
        doctor_id: an.clone(),
        exception: Some(ScheduleException {
            kind: ExceptionKind::ExtraHours.into(),
            start_date: Some(day(date)),
            end_date: Some(day(date)),
            start_time: Some(time(14, 0)),
            end_time: Some(time(15, 0)),
            ..Default::default()
        }),
    };
    schedules.add_schedule_exception(authed(extra, &an_token)).await.unwrap();

    let (_, patient) = h.patient("calendar.patient").await;
    let calendar = schedules
        .get_service_calendar(authed(
            GetServiceCalendarRequest {
                service_id: cardio.id.clone(),
                start_date: Some(day(date)),
                end_date: Some(day(date)),
                ..Default::default()
            },
            &patient,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(calendar.days.len(), 1);
    let doctors = &calendar.days[0].doctors;
    assert_eq!(doctors.len(), 1, "Binh is on leave, Chi is not qualified: {doctors:?}");
    assert_eq!((doctors[0].doctor_id.as_str(), doctors[0].location.as_str()), (an.as_str(), "Room 101"));
    let starts: Vec<i64> = doctors[0].slots.iter().map(|s| s.start_time.as_ref().unwrap().seconds).collect();
    let expected: Vec<i64> =
        [(8, 0), (9, 0), (10, 0), (14, 0)].iter().map(|(hh, mm)| at(date, *hh, *mm).seconds).collect();
    assert_eq!(starts, expected);
    assert_eq!(calendar.duration_minutes, 60);
    assert!(doctors[0].slots.iter().all(|s| s.doctor_id == an && s.end_time.is_some()));
    assert!(doctors[0].slot_starts.is_empty(), "starts only in the starts view");

    // The starts view: the same slots, by their starts only.
    let starts_view = GetServiceCalendarRequest {
        service_id: cardio.id.clone(),
        start_date: Some(day(date)),
        end_date: Some(day(date)),
        view: CalendarView::Starts.into(),
    };
    let compact = schedules.get_service_calendar(authed(starts_view.clone(), &patient)).await.unwrap().into_inner();
    let doctors = &compact.days[0].doctors;
    assert_eq!(doctors.len(), 1);
    assert_eq!((doctors[0].doctor_id.as_str(), doctors[0].location.as_str()), (an.as_str(), "Room 101"));
    assert!(doctors[0].slots.is_empty(), "no full slots in the starts view");
    assert_eq!(doctors[0].slot_starts.iter().map(|t| t.seconds).collect::<Vec<_>>(), expected);
    assert_eq!(compact.duration_minutes, 60);
    let unknown_view = GetServiceCalendarRequest { view: 99, ..starts_view };
    let status =
        assert_code(schedules.get_service_calendar(authed(unknown_view, &patient)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["view"]);

    // Without the leave, Binh appears too.
    schedules
        .delete_schedule_exception(authed(
            DeleteScheduleExceptionRequest { doctor_id: binh.clone(), exception_id: leave.id.clone() },
            h.admin(),
        ))
        .await
        .unwrap();
    let availability = schedules
        .get_doctor_availability(authed(
            GetDoctorAvailabilityRequest {
                doctor_id: binh.clone(),
                service_id: cardio.id.clone(),
                start_date: Some(day(date)),
                end_date: Some(day(date)),
            },
            &patient,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(availability.slots.len(), 3);

    // The unqualified doctor is refused with a reason; ranges are bounded.
    let status = assert_code(
        schedules
            .get_doctor_availability(authed(
                GetDoctorAvailabilityRequest {
                    doctor_id: chi.clone(),
                    service_id: cardio.id.clone(),
                    start_date: Some(day(date)),
                    end_date: Some(day(date)),
                },
                &patient,
            ))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "DOCTOR_NOT_QUALIFIED");
    let status = assert_code(
        schedules
            .get_service_calendar(authed(
                GetServiceCalendarRequest {
                    service_id: cardio.id.clone(),
                    start_date: Some(day(date)),
                    end_date: Some(day(clinic_date(200))),
                    ..Default::default()
                },
                &patient,
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["end_date"]);
}

/// Schedules of different doctors set at the same time are all set: on
/// MariaDB they used to deadlock (and answer INTERNAL) on the gap locks of
/// the schedule tables, for new doctors and for doctors with a schedule.
async fn concurrent_schedules_of_different_doctors_are_all_set(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let h = std::sync::Arc::new(h);
    let mut doctors: Vec<String> = Vec::new();
    for round in 0..12 {
        // Four new doctors, then the same four again (they have a schedule now).
        if round % 2 == 0 {
            doctors = (0..4).map(|i| format!("{:08}-doctor-{i}", round)).collect();
        }
        let calls = doctors.iter().map(|doctor| {
            let (h, doctor) = (h.clone(), doctor.clone());
            tokio::spawn(async move {
                let blocks = (1..=7)
                    .map(|day| WeeklyBlock {
                        day_of_week: day,
                        start_time: Some(time(8, 0)),
                        end_time: Some(time(12 + round, 0)),
                        ..Default::default()
                    })
                    .collect();
                let request = SetDoctorScheduleRequest {
                    doctor_id: doctor,
                    specialty: "General".into(),
                    location: "Room 101".into(),
                    blocks,
                };
                h.schedules().await.set_doctor_schedule(authed(request, h.admin())).await
            })
        });
        for result in futures::future::join_all(calls).await {
            let schedule = result.unwrap().unwrap_or_else(|status| panic!("round {round}: {status:?}"));
            assert_eq!(schedule.into_inner().schedule.unwrap().blocks.len(), 7);
        }
    }
}

on_every_backend!(schedules_exceptions_and_the_calendar, concurrent_schedules_of_different_doctors_are_all_set,);
