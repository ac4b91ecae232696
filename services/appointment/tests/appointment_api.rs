//! The appointment service through its gRPC API, on every relational backend.

mod common;

use common::*;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;
use tonic::transport::Channel;

async fn catalog_is_admin_managed_and_publicly_listed(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut schedules = h.schedules().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    assert!(checkup.active && !checkup.id.is_empty());
    assert_eq!(checkup.price.as_ref().unwrap().currency, "VND");

    let mut hidden = service_input("Old service", 30, &[]);
    hidden.active = false;
    schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest { code: "OLD".into(), service: Some(hidden) },
            h.admin(),
        ))
        .await
        .unwrap();

    // The public list needs no token and shows active services only.
    let public = schedules.list_medical_services(ListMedicalServicesRequest::default()).await.unwrap().into_inner();
    assert_eq!(public.services.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["GEN-CHECKUP"]);
    let all = schedules
        .list_medical_services(authed(
            ListMedicalServicesRequest { include_inactive: true, ..Default::default() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.services.len(), 2);

    // Only admins manage it; codes are unique; bad input names every field.
    let (_, patient) = h.patient("catalog.patient").await;
    let request = CreateMedicalServiceRequest { code: "X-RAY".into(), service: Some(service_input("X", 30, &[])) };
    assert_code(schedules.create_medical_service(authed(request, &patient)).await, Code::PermissionDenied);
    let duplicate =
        CreateMedicalServiceRequest { code: "GEN-CHECKUP".into(), service: Some(service_input("Again", 30, &[])) };
    let status = assert_code(schedules.create_medical_service(authed(duplicate, h.admin())).await, Code::AlreadyExists);
    assert_eq!(reason(&status), "CODE_TAKEN");
    let mut bad = service_input("", 7, &[""]);
    bad.price.as_mut().unwrap().amount_minor = -1;
    bad.kind = 0;
    let status = assert_code(
        schedules
            .create_medical_service(authed(
                CreateMedicalServiceRequest { code: "bad code".into(), service: Some(bad) },
                h.admin(),
            ))
            .await,
        Code::InvalidArgument,
    );
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "code",
            "service.duration_minutes",
            "service.kind",
            "service.name",
            "service.price.amount_minor",
            "service.specialties[0]"
        ]
    );

    // Update, get, delete.
    let mut input = service_input("General check-up", 45, &["General"]);
    input.auto_confirm = true;
    let updated = schedules
        .update_medical_service(authed(
            UpdateMedicalServiceRequest { service_id: checkup.id.clone(), service: Some(input) },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    assert_eq!((updated.duration_minutes, updated.auto_confirm, updated.code.as_str()), (45, true, "GEN-CHECKUP"));
    let fetched = schedules
        .get_medical_service(GetMedicalServiceRequest { service_id: checkup.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    assert_eq!(fetched, updated);

    // A booked service cannot be deleted, only deactivated.
    let (doctor, _) = h.staff("catalog.doctor", Role::Doctor).await;
    h.every_day(&doctor, "General", "Room 1").await;
    h.book(&patient, &checkup.id, &doctor, at(clinic_date(3), 9, 0)).await.unwrap();
    let status = assert_code(
        schedules
            .delete_medical_service(authed(DeleteMedicalServiceRequest { service_id: checkup.id.clone() }, h.admin()))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "SERVICE_IN_USE");
    let unused = all.services.iter().find(|s| s.code == "OLD").unwrap();
    schedules
        .delete_medical_service(authed(DeleteMedicalServiceRequest { service_id: unused.id.clone() }, h.admin()))
        .await
        .unwrap();
    assert_code(
        schedules.get_medical_service(GetMedicalServiceRequest { service_id: unused.id.clone() }).await,
        Code::NotFound,
    );
}

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

on_every_backend!(
    concurrent_schedules_of_different_doctors_are_all_set,
    bookings_and_the_calendar_stop_at_the_horizon,
    the_calendar_leaves_out_booked_slots,
    bookings_see_changes_made_through_another_replica,
    catalog_is_admin_managed_and_publicly_listed,
    schedules_exceptions_and_the_calendar,
    booking_lifecycle_and_alternatives,
    patients_and_staff_book_within_their_rights,
    change_policy_is_enforced,
    concurrent_requests_book_a_slot_once,
    no_show_after_the_start_and_holds_follow_the_status,
    a_move_may_change_the_service,
);
