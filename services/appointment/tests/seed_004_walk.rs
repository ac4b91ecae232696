//! The business process of seed 004 end to end, with the real user and
//! notification services: messages must land in the recipients' inboxes.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::notification::NotificationType as N;
use hms_kit::testing::Relational;
use tonic::Code;

async fn the_appointment_process_of_seed_004(kind: Relational) {
    let date = clinic_date(5);
    let first_start = at(date, 9, 0).seconds;
    // A reminder offset that falls a few seconds from now for the first
    // booking (the real defaults are 24 h and 1 h).
    let lead = first_start - jiff::Timestamp::now().as_second() - 20;
    let Some(h) = Harness::start_full(kind, |c| c.reminder_offsets_secs = vec![lead as u64], true).await else {
        return;
    };
    let mut schedules = h.schedules().await;
    let mut api = h.appointments().await;

    // The catalog and the doctors' weekly schedules.
    let checkup = h.service("GEN-CHECKUP", 30, &["General"]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    let (binh, binh_token) = h.staff("dr.binh", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    h.every_day(&binh, "General", "Room 102").await;
    let (_, mai) = h.patient("mai").await;
    let (_, lan) = h.patient("lan").await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    // Mai wants her reminders by SMS too (SMS is opt-in, per type).
    h.turn_on_sms(&mai, N::AppointmentReminderPatient).await;

    // 1-2. The patient picks the service and a date range and sees, per day,
    // the doctors who perform it with their free slots.
    let catalog = schedules.list_medical_services(ListMedicalServicesRequest::default()).await.unwrap().into_inner();
    assert_eq!(catalog.services[0].id, checkup.id);
    let calendar = schedules
        .get_service_calendar(authed(
            GetServiceCalendarRequest {
                service_id: checkup.id.clone(),
                start_date: Some(day(date)),
                end_date: Some(day(clinic_date(7))),
                ..Default::default()
            },
            &mai,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(calendar.days.len(), 3);
    for d in &calendar.days {
        assert_eq!(d.doctors.len(), 2, "both doctors consult every day");
        let names: Vec<&str> = d.doctors.iter().map(|doc| doc.doctor_name.as_str()).collect();
        assert!(names.contains(&"Dr an") && names.contains(&"Dr binh"), "{names:?}");
        assert_eq!(d.doctors.iter().map(|doc| doc.slots.len()).sum::<usize>(), 36);
    }

    // 3-4. Booking; the requests reach the patient and the doctor (5).
    let booked = h.book(&mai, &checkup.id, &an, at(date, 9, 0)).await.unwrap();
    assert_eq!(booked.status(), AppointmentStatus::Pending);
    let requested = h.arrived(&mai, N::AppointmentRequestedPatient, 1).await;
    assert!(requested[0].body.contains("Dr an"), "{:?}", requested[0]);
    assert!(requested[0].body.contains("09:00") && requested[0].body.contains(&date.to_string()), "{:?}", requested[0]);
    let to_doctor = h.arrived(&an_token, N::AppointmentRequestedDoctor, 1).await;
    assert!(to_doctor[0].body.contains("Patient mai"), "{:?}", to_doctor[0]);

    // 3. The slot is taken: alternatives of the same and of other doctors.
    let status = assert_code(h.book(&lan, &checkup.id, &an, at(date, 9, 0)).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "SLOT_UNAVAILABLE");
    let offered = alternatives(&status).unwrap();
    assert!(!offered.same_doctor.is_empty());
    assert_eq!(offered.other_doctors[0].doctor_id, binh);

    // 4-5. The doctor confirms; the patient is told service, date, time,
    // location and doctor.
    api.confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: booked.id.clone() }, &an_token))
        .await
        .unwrap();
    let confirmed = h.arrived(&mai, N::AppointmentConfirmedPatient, 1).await;
    let body = &confirmed[0].body;
    for part in ["GEN-CHECKUP", "Dr an", "Room 101", "09:00", &date.to_string()] {
        assert!(body.contains(part), "{part} missing from {body}");
    }

    // 6. Medical staff see it.
    let seen = api
        .get_appointment(authed(GetAppointmentRequest { appointment_id: booked.id.clone() }, &nurse))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!(seen.status(), AppointmentStatus::Confirmed);

    // 7. The reminder arrives, to the patient and to the doctor, once.
    let reminded = h.arrived(&mai, N::AppointmentReminderPatient, 1).await;
    assert!(reminded[0].body.contains("Room 101"), "{:?}", reminded[0]);
    h.arrived(&an_token, N::AppointmentReminderDoctor, 1).await;
    // "by email or SMS": the reminder reached the SMS provider for Mai, who
    // turned SMS on for reminders; the doctor, who did not, is not texted.
    let texts = h.texted(1).await;
    let body = &texts[0].form["Body"];
    assert!(body.starts_with("HMS") && body.contains("Room 101") && body.contains("09:00"), "{texts:?}");
    assert!(texts[0].form["To"].starts_with("+8491"), "{texts:?}");

    // 8-9. The patient moves it; the change is confirmed to both.
    let moved = api
        .reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: booked.id.clone(),
                start_time: Some(at(date, 14, 0)),
                ..Default::default()
            },
            &mai,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    assert_eq!(moved.reschedule_count, 1);
    let rescheduled = h.arrived(&mai, N::AppointmentRescheduledPatient, 1).await;
    assert!(rescheduled[0].body.contains("14:00"), "{:?}", rescheduled[0]);
    h.arrived(&an_token, N::AppointmentRescheduledDoctor, 1).await;

    // 10-11. The patient cancels; the doctor is told, the patient is not.
    h.cancel(&mai, &booked.id, "travelling").await.unwrap();
    h.arrived(&an_token, N::AppointmentCancelledDoctor, 1).await;

    // Another booking, with Dr Binh, carried to completion.
    let second = h.book(&mai, &checkup.id, &binh, at(date, 10, 0)).await.unwrap();
    let id = second.id.clone();
    api.confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: id.clone() }, &binh_token))
        .await
        .unwrap();
    // A doctor's cancellation of a third booking reaches the patient.
    let third = h.book(&mai, &checkup.id, &an, at(date, 15, 0)).await.unwrap();
    h.cancel(&an_token, &third.id, "conference").await.unwrap();
    h.arrived(&mai, N::AppointmentCancelledPatient, 1).await;

    api.check_in_appointment(authed(CheckInAppointmentRequest { appointment_id: id.clone() }, &nurse)).await.unwrap();
    api.complete_appointment(authed(
        CompleteAppointmentRequest { appointment_id: id.clone(), doctor_notes: "all well".into() },
        &binh_token,
    ))
    .await
    .unwrap();

    // 13. Feedback is requested, and given once, by that patient only.
    let asked = h.arrived(&mai, N::FeedbackRequested, 1).await;
    assert!(asked[0].body.contains("Dr binh"), "{:?}", asked[0]);
    let feedback = |rating, token: &str| {
        let mut api = api.clone();
        let request = SubmitFeedbackRequest { appointment_id: id.clone(), rating, comment: "Kind and quick".into() };
        let token = token.to_owned();
        async move { api.submit_feedback(authed(request, &token)).await }
    };
    assert_eq!(violated_fields(&assert_code(feedback(6, &mai).await, Code::InvalidArgument)), ["rating"]);
    assert_code(feedback(5, &lan).await, Code::NotFound);
    assert_code(feedback(5, &binh_token).await, Code::PermissionDenied);
    let given = feedback(5, &mai).await.unwrap().into_inner().feedback.unwrap();
    assert_eq!((given.rating, given.doctor_id.as_str()), (5, binh.as_str()));
    let status = assert_code(feedback(4, &mai).await, Code::AlreadyExists);
    assert_eq!(reason(&status), "FEEDBACK_EXISTS");
    let read = api
        .get_feedback(authed(GetFeedbackRequest { appointment_id: id.clone() }, &binh_token))
        .await
        .unwrap()
        .into_inner()
        .feedback
        .unwrap();
    assert_eq!(read, given);

    // 12. Staff views: the day of the clinic, with counts and utilisation.
    let report = |doctor: &str, period: ReportPeriod| GetScheduleReportRequest {
        period: period.into(),
        date: Some(day(date)),
        doctor_id: doctor.to_owned(),
        service_id: String::new(),
    };
    let clinic = api.get_schedule_report(authed(report("", ReportPeriod::Day), &nurse)).await.unwrap().into_inner();
    let count = |r: &GetScheduleReportResponse, s: AppointmentStatus| {
        r.counts.iter().find(|c| c.status() == s).map(|c| c.count).unwrap()
    };
    assert_eq!(clinic.appointments.len(), 3);
    assert_eq!(count(&clinic, AppointmentStatus::Completed), 1);
    assert_eq!(count(&clinic, AppointmentStatus::CancelledPatient), 1);
    assert_eq!(count(&clinic, AppointmentStatus::CancelledDoctor), 1);
    assert_eq!((clinic.booked_minutes, clinic.available_minutes), (30, 2 * 9 * 60));
    assert_eq!(clinic.utilisation_bp, 277);
    let week =
        api.get_schedule_report(authed(report(&binh, ReportPeriod::Week), &binh_token)).await.unwrap().into_inner();
    assert_eq!((week.appointments.len(), week.available_minutes), (1, 7 * 9 * 60));
    // A doctor naming no doctor (and no service) gets their own report.
    let own = api.get_schedule_report(authed(report("", ReportPeriod::Week), &binh_token)).await.unwrap().into_inner();
    assert_eq!(own, week, "the doctor's own schedule by default");
    let month = api
        .get_schedule_report(authed(
            GetScheduleReportRequest {
                period: ReportPeriod::Month.into(),
                date: Some(day(date)),
                service_id: checkup.id.clone(),
                ..Default::default()
            },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(month.appointments.len() >= 3);
    assert_code(
        api.get_schedule_report(authed(report(&binh, ReportPeriod::Day), &an_token)).await,
        Code::PermissionDenied,
    );
    assert_code(api.get_schedule_report(authed(report("", ReportPeriod::Day), &mai)).await, Code::PermissionDenied);

    // Exactly once: nothing was delivered twice.
    assert_eq!(h.count(&mai, N::AppointmentReminderPatient).await, 1);
    assert_eq!(h.texts().len(), 1, "one text: the reminder; the rest was not turned on for SMS");
    assert_eq!(h.count(&mai, N::AppointmentConfirmedPatient).await, 2, "two confirmations, each once");
    assert_eq!(h.count(&mai, N::AppointmentCancelledPatient).await, 1);
    assert_eq!(h.count(&mai, N::AppointmentCancelledDoctor).await, 0, "the patient cancelled: no echo");
}

/// A start a few minutes ahead on the 5-minute grid, whatever the time, and
/// the seconds until it.
fn start_soon() -> (i64, i64) {
    let now = jiff::Timestamp::now().as_second();
    let start = (now / 300 + 2) * 300;
    (start, start - now)
}

/// A clinic that reminds `offsets` seconds before a start and lets
/// appointments change at any notice, with a five-minute service (a slot on
/// the 5-minute grid never crosses midnight, whatever the time the test runs).
async fn reminding_clinic(kind: Relational, offsets: Vec<u64>) -> Option<(Harness, MedicalService)> {
    let adjust = |c: &mut hms_appointment::AppointmentConfig| {
        c.reminder_offsets_secs = offsets;
        c.min_notice_secs = 0;
    };
    let h = Harness::start_full(kind, adjust, true).await?;
    let service = h.service("GEN-CHECKUP", 5, &[]).await;
    Some((h, service))
}

async fn reminders_arrive_once_survive_a_restart_and_skip_cancellations(kind: Relational) {
    let (start, lead) = start_soon();
    let Some((mut h, service)) = reminding_clinic(kind, vec![(lead - 15) as u64, (lead - 18) as u64]).await else {
        return;
    };
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    let (binh, _) = h.staff("dr.binh", Role::Doctor).await;
    h.daily_hours(&an, "General", "Room 7", (0, 24)).await;
    h.daily_hours(&binh, "General", "Room 7", (0, 24)).await;
    let (_, mai) = h.patient("mai").await;
    let (_, lan) = h.patient("lan").await;
    let when = prost_types::Timestamp { seconds: start, nanos: 0 };
    h.book(&mai, &service.id, &an, when).await.unwrap();
    let doomed = h.book(&lan, &service.id, &binh, when).await.unwrap();
    h.cancel(&lan, &doomed.id, "changed my mind").await.unwrap();

    // A crash before the reminders are due, a restart, and a second replica
    // racing the first.
    h.crash_and_restart().await;
    let _replica = h.replica().await;

    h.arrived(&mai, N::AppointmentReminderPatient, 2).await;
    h.arrived(&an_token, N::AppointmentReminderDoctor, 2).await;
    // Give any duplicate time to show up.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(h.count(&mai, N::AppointmentReminderPatient).await, 2, "one per offset");
    assert_eq!(h.count(&an_token, N::AppointmentReminderDoctor).await, 2);
    assert_eq!(h.count(&lan, N::AppointmentReminderPatient).await, 0, "never for a cancelled appointment");
}

async fn reminders_follow_a_move_and_skip_those_already_due_when_booked(kind: Relational) {
    let (start, lead) = start_soon();
    // One reminder falls due in a few seconds for `start`; the other was due
    // an hour before the booking was made.
    let Some((mut h, service)) = reminding_clinic(kind, vec![(lead - 12) as u64, (lead + 3600) as u64]).await else {
        return;
    };
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.daily_hours(&an, "General", "Room 7", (0, 24)).await;
    let (_, mai) = h.patient("mai").await;
    // Booked five minutes later first: its reminder would be due in minutes.
    let later = prost_types::Timestamp { seconds: start + 300, nanos: 0 };
    let booked = h.book(&mai, &service.id, &an, later).await.unwrap();
    h.appointments()
        .await
        .reschedule_appointment(authed(
            RescheduleAppointmentRequest {
                appointment_id: booked.id.clone(),
                start_time: Some(prost_types::Timestamp { seconds: start, nanos: 0 }),
                ..Default::default()
            },
            &mai,
        ))
        .await
        .unwrap();
    // After a restart the worker looks at every appointment still ahead, not
    // only at reminders that fell due since its last look.
    h.crash_and_restart().await;

    let reminded = h.arrived(&mai, N::AppointmentReminderPatient, 1).await;
    let at =
        jiff::Timestamp::from_second(start).unwrap().to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap());
    assert!(reminded[0].body.contains(&at.strftime("%H:%M").to_string()), "{:?}", reminded[0]);
    // Past the due time, and time for any other reminder to show up.
    let due = start - (lead - 12);
    let wait = (due + 3 - jiff::Timestamp::now().as_second()).max(2);
    tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
    assert_eq!(h.count(&mai, N::AppointmentReminderPatient).await, 1, "the one already due when booked is skipped");
}

on_every_backend!(
    the_appointment_process_of_seed_004,
    reminders_arrive_once_survive_a_restart_and_skip_cancellations,
    reminders_follow_a_move_and_skip_those_already_due_when_booked,
);
