//! Booking appointments through the gRPC API, on every relational backend:
//! the lifecycle, refusals with alternatives, who may book, concurrency.

mod common;

use common::*;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;
use tonic::transport::Channel;

async fn booking_lifecycle_and_alternatives(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 30, &["General"]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    let (binh, binh_token) = h.staff("dr.binh", Role::Doctor).await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    h.every_day(&an, "General", "Room 101").await;
    h.every_day(&binh, "General", "Room 102").await;
    let (mai, mai_token) = h.patient("mai").await;
    let (_, lan_token) = h.patient("lan").await;
    let date = clinic_date(5);

    // Book: PENDING, in the doctor's room.
    let first = h.book(&mai_token, &checkup.id, &an, at(date, 9, 0)).await.unwrap();
    assert_eq!(first.status(), AppointmentStatus::Pending);
    assert_eq!((first.patient_id.as_str(), first.location.as_str()), (mai.as_str(), "Room 101"));
    assert_eq!(first.end_time.unwrap().seconds - first.start_time.unwrap().seconds, 1800);

    // The same slot again: refused with alternatives.
    let status = assert_code(h.book(&lan_token, &checkup.id, &an, at(date, 9, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "SLOT_UNAVAILABLE");
    let offered = alternatives(&status).expect("a SlotAlternatives detail");
    let nearest: Vec<i64> = offered.same_doctor.iter().map(|s| s.start_time.unwrap().seconds).collect();
    assert_eq!(nearest.len(), 3);
    assert!(nearest.contains(&at(date, 8, 30).seconds) && nearest.contains(&at(date, 9, 30).seconds), "{nearest:?}");
    assert!(offered.same_doctor.iter().all(|s| s.doctor_id == an));
    assert_eq!(offered.other_doctors.len(), 1);
    assert_eq!(offered.other_doctors[0].doctor_id, binh);
    assert_eq!(offered.other_doctors[0].start_time.unwrap().seconds, at(date, 9, 0).seconds);
    // An overlapping slot of the same doctor is taken too.
    let status = assert_code(h.book(&lan_token, &checkup.id, &an, at(date, 9, 15)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "SLOT_UNAVAILABLE");
    // The patient cannot be in two places at once.
    let status = assert_code(h.book(&mai_token, &checkup.id, &binh, at(date, 9, 10)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "PATIENT_BUSY");
    // Outside the schedule, in the past, not on the grid.
    let status = assert_code(h.book(&lan_token, &checkup.id, &an, at(date, 18, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "OUTSIDE_SCHEDULE");
    assert!(!alternatives(&status).unwrap().same_doctor.is_empty());
    let status =
        assert_code(h.book(&lan_token, &checkup.id, &an, at(clinic_date(-2), 9, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "IN_THE_PAST");
    let mut off_grid = at(date, 10, 0);
    off_grid.seconds += 60;
    let status = assert_code(h.book(&lan_token, &checkup.id, &an, off_grid).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["start_time"]);

    // Visibility: the patient, the doctor, nurses and admins; nobody else.
    let get = |id: &str| GetAppointmentRequest { appointment_id: id.to_owned() };
    for token in [&mai_token, &an_token, &nurse, &h.admin().to_owned()] {
        api.get_appointment(authed(get(&first.id), token)).await.unwrap();
    }
    assert_code(api.get_appointment(authed(get(&first.id), &lan_token)).await, Code::NotFound);
    assert_code(api.get_appointment(authed(get(&first.id), &binh_token)).await, Code::NotFound);

    // Confirm: not by the patient, not by another doctor; by the doctor.
    let confirm = |id: &str| ConfirmAppointmentRequest { appointment_id: id.to_owned() };
    assert_code(api.confirm_appointment(authed(confirm(&first.id), &mai_token)).await, Code::PermissionDenied);
    assert_code(api.confirm_appointment(authed(confirm(&first.id), &binh_token)).await, Code::NotFound);
    let confirmed =
        api.confirm_appointment(authed(confirm(&first.id), &an_token)).await.unwrap().into_inner().appointment.unwrap();
    assert_eq!(confirmed.status(), AppointmentStatus::Confirmed);
    let status =
        assert_code(api.confirm_appointment(authed(confirm(&first.id), &an_token)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "INVALID_TRANSITION");
    // No-show only after the start.
    let status = assert_code(
        api.mark_no_show(authed(MarkNoShowRequest { appointment_id: first.id.clone() }, &nurse)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "NOT_STARTED_YET");

    // Reschedule to 11:00: the old slot is free again.
    let moved = api
        .reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: first.id.clone(),
                start_time: Some(at(date, 11, 0)),
                ..Default::default()
            },
            &mai_token,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!((moved.reschedule_count, moved.status()), (1, AppointmentStatus::Confirmed));
    let lan_booking = h.book(&lan_token, &checkup.id, &an, at(date, 9, 0)).await.expect("the old slot was released");
    // Moving into a taken slot changes nothing.
    let status = assert_code(
        api.reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: first.id.clone(),
                start_time: Some(at(date, 9, 0)),
                ..Default::default()
            },
            &mai_token,
        ))
        .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "SLOT_UNAVAILABLE");
    let still =
        api.get_appointment(authed(get(&first.id), &mai_token)).await.unwrap().into_inner().appointment.unwrap();
    assert_eq!((still.start_time.unwrap().seconds, still.reschedule_count), (at(date, 11, 0).seconds, 1));
    // Another doctor: confirmed anew by them.
    let to_binh = api
        .reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: first.id.clone(),
                start_time: Some(at(date, 11, 0)),
                doctor_id: binh.clone(),
                ..Default::default()
            },
            &nurse,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!(
        (to_binh.doctor_id.as_str(), to_binh.status(), to_binh.location.as_str()),
        (binh.as_str(), AppointmentStatus::Pending, "Room 102")
    );
    h.book(&lan_token, &checkup.id, &an, at(date, 11, 0)).await.expect("Dr An's 11:00 was released");

    // Lan cancels hers: the doctor's slot is free again.
    let cancelled = h.cancel(&lan_token, &lan_booking.id, "cannot come").await.unwrap();
    assert_eq!(cancelled.status(), AppointmentStatus::CancelledPatient);
    assert_eq!(cancelled.cancellation_reason, "cannot come");
    assert!(!cancelled.cancelled_by.is_empty());
    let status = assert_code(h.cancel(&lan_token, &lan_booking.id, "").await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["reason"]);
    let again = h.book(&mai_token, &checkup.id, &an, at(date, 9, 0)).await.expect("the cancelled slot is free");

    // The doctor cancels one: CANCELLED_DOCTOR.
    let by_doctor = h.cancel(&an_token, &again.id, "emergency").await.unwrap();
    assert_eq!(by_doctor.status(), AppointmentStatus::CancelledDoctor);

    // Binh confirms, checks in and completes the moved one.
    let id = first.id.clone();
    api.confirm_appointment(authed(confirm(&id), &binh_token)).await.unwrap();
    api.check_in_appointment(authed(CheckInAppointmentRequest { appointment_id: id.clone() }, &nurse)).await.unwrap();
    let done = api
        .complete_appointment(authed(
            CompleteAppointmentRequest { appointment_id: id.clone(), doctor_notes: "healthy".into() },
            &binh_token,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!((done.status(), done.doctor_notes.as_str()), (AppointmentStatus::Completed, "healthy"));
    let status = assert_code(h.cancel(&mai_token, &id, "late").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "INVALID_TRANSITION");

    // Lists: the patient's own, the doctor's own, filtered by status and paged.
    let mine = api
        .list_my_appointments(authed(ListMyAppointmentsRequest::default(), &mai_token))
        .await
        .unwrap()
        .into_inner()
        .appointments;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|a| a.patient_id == mai));
    let an_open = api
        .list_my_appointments(authed(
            ListMyAppointmentsRequest {
                statuses: vec![AppointmentStatus::Pending.into(), AppointmentStatus::Confirmed.into()],
                ..Default::default()
            },
            &an_token,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointments;
    assert_eq!(an_open.len(), 1, "{an_open:?}");
    let page = api
        .list_my_appointments(authed(
            ListMyAppointmentsRequest {
                page: Some(hms_kit::proto::common::PageRequest { page_size: 1, page_token: String::new() }),
                ..Default::default()
            },
            &mai_token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.appointments.len(), 1);
    let next = page.page.unwrap().next_page_token;
    assert!(!next.is_empty());
    let rest = api
        .list_my_appointments(authed(
            ListMyAppointmentsRequest {
                page: Some(hms_kit::proto::common::PageRequest { page_size: 1, page_token: next }),
                ..Default::default()
            },
            &mai_token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.appointments.len(), 1);
    assert_ne!(rest.appointments[0].id, page.appointments[0].id);
    assert_code(
        api.list_my_appointments(authed(ListMyAppointmentsRequest::default(), &nurse)).await,
        Code::PermissionDenied,
    );

    // An inactive service cannot be booked.
    let mut input = service_input("GEN-CHECKUP", 30, &["General"]);
    input.active = false;
    h.schedules()
        .await
        .update_medical_service(authed(
            UpdateMedicalServiceRequest { service_id: checkup.id.clone(), service: Some(input) },
            h.admin(),
        ))
        .await
        .unwrap();
    let status = assert_code(h.book(&lan_token, &checkup.id, &an, at(date, 15, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "SERVICE_INACTIVE");
    assert_eq!(h.double_bookings().await, 0);
}

async fn patients_and_staff_book_within_their_rights(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (mai, mai_token) = h.patient("mai").await;
    let (lan, _) = h.patient("lan").await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    let date = clinic_date(4);
    // A patient books for themself only; a doctor does not book.
    let status =
        assert_code(h.book_for(&mai_token, &lan, &checkup.id, &an, at(date, 8, 0)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["patient_id"]);
    assert_code(h.book_for(&an_token, &mai, &checkup.id, &an, at(date, 8, 0)).await, Code::PermissionDenied);
    // A nurse books for a named patient, who then sees it.
    let booked = h.book_for(&nurse, &mai, &checkup.id, &an, at(date, 8, 0)).await.unwrap();
    assert_eq!(booked.patient_id, mai);
    let status = assert_code(h.book_for(&nurse, "", &checkup.id, &an, at(date, 9, 0)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["patient_id"]);
    // Bad input names every field, and no token is refused.
    let status = assert_code(
        h.appointments().await.book_appointment(authed(BookAppointmentRequest::default(), &mai_token)).await,
        Code::InvalidArgument,
    );
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(fields, ["doctor_id", "service_id", "start_time"]);
    assert_code(
        h.appointments().await.book_appointment(BookAppointmentRequest::default()).await,
        Code::Unauthenticated,
    );
    // Far-away instants are refused, not overflowed; the last day of 9999 works.
    let far = prost_types::Timestamp { seconds: i64::MAX - i64::MAX % 300, nanos: 0 };
    let status = assert_code(h.book(&mai_token, &checkup.id, &an, far).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["start_time"]);
    let last = hms_kit::proto::google::r#type::Date { year: 9999, month: 12, day: 31 };
    for view in [CalendarView::Slots, CalendarView::Starts] {
        let request = GetServiceCalendarRequest {
            service_id: checkup.id.clone(),
            start_date: Some(last),
            end_date: Some(last),
            view: view.into(),
        };
        h.schedules().await.get_service_calendar(authed(request, &mai_token)).await.unwrap();
    }
}

async fn concurrent_requests_book_a_slot_once(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let short = h.service("SHORT", 30, &[]).await;
    let medium = h.service("MEDIUM", 45, &[]).await;
    let long = h.service("LONG", 60, &[]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    let (binh, _) = h.staff("dr.binh", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    h.every_day(&binh, "General", "Room 102").await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    let date = clinic_date(6);
    let h = std::sync::Arc::new(h);

    // 64 patients, one doctor, one slot.
    let attempts = (0..64).map(|i| {
        let (h, nurse, service, doctor) = (h.clone(), nurse.clone(), short.id.clone(), an.clone());
        tokio::spawn(
            async move { h.book_for(&nurse, &format!("patient-{i}"), &service, &doctor, at(date, 9, 0)).await },
        )
    });
    let results: Vec<_> = futures::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(
            (refused.code(), reason(refused).as_str()),
            (Code::FailedPrecondition, "SLOT_UNAVAILABLE"),
            "{refused:?}"
        );
    }

    // Overlapping slots of different lengths: 13:00+30, 13:10+45 and 13:25+60
    // all cover 13:25-13:30.
    let starts = [(short.id.clone(), 0), (medium.id.clone(), 10), (long.id.clone(), 25)];
    let attempts = (0..64).map(|i| {
        let (h, nurse, doctor) = (h.clone(), nurse.clone(), an.clone());
        let (service, minute) = starts[i % 3].clone();
        tokio::spawn(async move {
            h.book_for(&nurse, &format!("overlap-{i}"), &service, &doctor, at(date, 13, minute)).await
        })
    });
    let results: Vec<_> = futures::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");

    // One patient asking two doctors for the same time 64 times: one booking.
    let attempts = (0..64).map(|i| {
        let (h, nurse) = (h.clone(), nurse.clone());
        let doctor = if i % 2 == 0 { an.clone() } else { binh.clone() };
        let service = short.id.clone();
        tokio::spawn(async move { h.book_for(&nurse, "the-same-patient", &service, &doctor, at(date, 15, 0)).await })
    });
    let results: Vec<_> = futures::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(h.double_bookings().await, 0);
}

/// Bookings are decided from rows this replica cached; a change made
/// through another replica meanwhile is caught by the booking's own insert.
async fn bookings_see_changes_made_through_another_replica(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let checkup = h.service("GEN-CHECKUP", 30, &["General"]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let date = clinic_date(6);
    // Fills this replica's caches with the service and the schedule.
    h.book(&mai, &checkup.id, &an, at(date, 8, 0)).await.unwrap();

    let replica = h.replica().await;
    let channel = Channel::from_shared(replica.server.url()).unwrap().connect().await.unwrap();
    let mut elsewhere = ScheduleServiceClient::new(channel);
    let mut input = service_input("GEN-CHECKUP", 30, &["General"]);
    input.active = false;
    let update = UpdateMedicalServiceRequest { service_id: checkup.id.clone(), service: Some(input.clone()) };
    elsewhere.update_medical_service(authed(update, h.admin())).await.unwrap();
    let status = assert_code(h.book(&mai, &checkup.id, &an, at(date, 9, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "SERVICE_INACTIVE");

    input.active = true;
    let update = UpdateMedicalServiceRequest { service_id: checkup.id.clone(), service: Some(input) };
    elsewhere.update_medical_service(authed(update, h.admin())).await.unwrap();
    h.book(&mai, &checkup.id, &an, at(date, 9, 0)).await.unwrap();

    let day_off = ScheduleException {
        kind: ExceptionKind::Unavailable.into(),
        start_date: Some(day(date)),
        end_date: Some(day(date)),
        note: "conference".into(),
        ..Default::default()
    };
    let add = AddScheduleExceptionRequest { doctor_id: an.clone(), exception: Some(day_off) };
    elsewhere.add_schedule_exception(authed(add, h.admin())).await.unwrap();
    let status = assert_code(h.book(&mai, &checkup.id, &an, at(date, 10, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "OUTSIDE_SCHEDULE");
    h.book(&mai, &checkup.id, &an, at(clinic_date(7), 10, 0)).await.unwrap();
    assert_eq!(h.double_bookings().await, 0);
}

on_every_backend!(
    booking_lifecycle_and_alternatives,
    patients_and_staff_book_within_their_rights,
    concurrent_requests_book_a_slot_once,
    bookings_see_changes_made_through_another_replica,
);
