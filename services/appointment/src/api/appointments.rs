//! `AppointmentService`: booking, reading and listing appointments, their
//! status changes and moves, the doctor's notes, feedback and the staff
//! schedule report.

use hms_kit::auth::{Principal, principal};
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::ids::{check_id, check_optional_id};
use hms_kit::paging;
use hms_kit::proto::appointment::appointment_service_server::AppointmentService;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{PageRequest, PageResponse, Role};
use hms_kit::proto::google::r#type::Date as ProtoDate;
use hms_kit::time::{date_from_proto, date_to_proto};
use tonic::{Request, Response, Status};

use super::convert::{appointment_to_proto, feedback_to_proto, parse_statuses, start_from_proto, summarise};
use super::{AppointmentApi, Reply};
use crate::app::{BookingRequest, MoveRequest, State};
use crate::domain::report::{self, Period};
use crate::store::Party;

#[tonic::async_trait]
impl AppointmentService for AppointmentApi {
    async fn book_appointment(&self, request: Request<BookAppointmentRequest>) -> Reply<BookAppointmentResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        check_id(&mut v, "doctor_id", &r.doctor_id);
        let start = start_from_proto(&mut v, "start_time", r.start_time.as_ref());
        v.text("reason", &r.reason, 1000, false);
        let patient_id = if caller.role == Role::Patient {
            if !r.patient_id.is_empty() && r.patient_id != caller.subject {
                v.add("patient_id", "a patient books for themself only");
            }
            caller.subject.clone()
        } else {
            check_id(&mut v, "patient_id", &r.patient_id);
            r.patient_id.clone()
        };
        v.into_result()?;
        let Some(start) = start else { return Err(invalid_field("start_time", "is required")) };
        let booking = BookingRequest {
            patient_id: &patient_id,
            doctor_id: &r.doctor_id,
            service_id: &r.service_id,
            start,
            reason: &r.reason,
        };
        let booked = s.book(booking).await?;
        Ok(Response::new(BookAppointmentResponse { appointment: Some(appointment_to_proto(&booked)) }))
    }

    async fn get_appointment(&self, request: Request<GetAppointmentRequest>) -> Reply<GetAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.appointment(&caller, &r.appointment_id).await?;
        Ok(Response::new(GetAppointmentResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn list_my_appointments(
        &self,
        request: Request<ListMyAppointmentsRequest>,
    ) -> Reply<ListMyAppointmentsResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let party =
            if caller.role == Role::Doctor { Party::Doctor(&caller.subject) } else { Party::Patient(&caller.subject) };
        let query = ListQuery { party, statuses: &r.statuses, from: None, to: None, page: r.page.as_ref() };
        let (appointments, page) = list(&self.0, query).await?;
        Ok(Response::new(ListMyAppointmentsResponse { appointments, page: Some(page) }))
    }

    async fn list_patient_appointments(
        &self,
        request: Request<ListPatientAppointmentsRequest>,
    ) -> Reply<ListPatientAppointmentsResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        check_patient_list(&caller, &r.patient_id)?;
        let query = ListQuery {
            party: Party::Patient(&r.patient_id),
            statuses: &r.statuses,
            from: r.from_date.as_ref(),
            to: r.to_date.as_ref(),
            page: r.page.as_ref(),
        };
        let (appointments, page) = list(&self.0, query).await?;
        Ok(Response::new(ListPatientAppointmentsResponse { appointments, page: Some(page) }))
    }

    async fn list_doctor_appointments(
        &self,
        request: Request<ListDoctorAppointmentsRequest>,
    ) -> Reply<ListDoctorAppointmentsResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        v.into_result()?;
        check_doctor_list(&caller, &r.doctor_id)?;
        let query = ListQuery {
            party: Party::Doctor(&r.doctor_id),
            statuses: &r.statuses,
            from: r.from_date.as_ref(),
            to: r.to_date.as_ref(),
            page: r.page.as_ref(),
        };
        let (appointments, page) = list(&self.0, query).await?;
        Ok(Response::new(ListDoctorAppointmentsResponse { appointments, page: Some(page) }))
    }

    async fn update_appointment_notes(
        &self,
        request: Request<UpdateAppointmentNotesRequest>,
    ) -> Reply<UpdateAppointmentNotesResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", &r.appointment_id);
        v.text("doctor_notes", &r.doctor_notes, 5000, false);
        v.into_result()?;
        let appointment = self.0.update_notes(&caller, &r.appointment_id, &r.doctor_notes).await?;
        Ok(Response::new(UpdateAppointmentNotesResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn confirm_appointment(
        &self,
        request: Request<ConfirmAppointmentRequest>,
    ) -> Reply<ConfirmAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.confirm(&caller, &r.appointment_id).await?;
        Ok(Response::new(ConfirmAppointmentResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn check_in_appointment(
        &self,
        request: Request<CheckInAppointmentRequest>,
    ) -> Reply<CheckInAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.check_in(&caller, &r.appointment_id).await?;
        Ok(Response::new(CheckInAppointmentResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn complete_appointment(
        &self,
        request: Request<CompleteAppointmentRequest>,
    ) -> Reply<CompleteAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.text("doctor_notes", &r.doctor_notes, 5000, false);
        v.into_result()?;
        let appointment = self.0.complete(&caller, &r.appointment_id, r.doctor_notes).await?;
        Ok(Response::new(CompleteAppointmentResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn mark_no_show(&self, request: Request<MarkNoShowRequest>) -> Reply<MarkNoShowResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.mark_no_show(&caller, &r.appointment_id).await?;
        Ok(Response::new(MarkNoShowResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn cancel_appointment(&self, request: Request<CancelAppointmentRequest>) -> Reply<CancelAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.text("reason", &r.reason, 500, true);
        v.into_result()?;
        let appointment = self.0.cancel(&caller, &r.appointment_id, &r.reason).await?;
        Ok(Response::new(CancelAppointmentResponse { appointment: Some(appointment_to_proto(&appointment)) }))
    }

    async fn reschedule_appointment(
        &self,
        request: Request<RescheduleAppointmentRequest>,
    ) -> Reply<RescheduleAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let start = start_from_proto(&mut v, "start_time", r.start_time.as_ref());
        check_optional_id(&mut v, "doctor_id", &r.doctor_id);
        check_optional_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let Some(start) = start else { return Err(invalid_field("start_time", "is required")) };
        let wanted = MoveRequest {
            appointment_id: &r.appointment_id,
            doctor_id: &r.doctor_id,
            service_id: &r.service_id,
            start,
        };
        let moved = self.0.reschedule(&caller, wanted).await?;
        Ok(Response::new(RescheduleAppointmentResponse { appointment: Some(appointment_to_proto(&moved)) }))
    }

    async fn submit_feedback(&self, request: Request<SubmitFeedbackRequest>) -> Reply<SubmitFeedbackResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", &r.appointment_id);
        if !(1..=5).contains(&r.rating) {
            v.add("rating", "must be 1 to 5");
        }
        v.text("comment", &r.comment, 2000, false);
        v.into_result()?;
        let feedback = self.0.submit_feedback(&caller, &r.appointment_id, r.rating, &r.comment).await?;
        Ok(Response::new(SubmitFeedbackResponse { feedback: Some(feedback_to_proto(&feedback)) }))
    }

    async fn get_feedback(&self, request: Request<GetFeedbackRequest>) -> Reply<GetFeedbackResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let feedback = self.0.feedback(&caller, &r.appointment_id).await?;
        Ok(Response::new(GetFeedbackResponse { feedback: Some(feedback_to_proto(&feedback)) }))
    }

    async fn get_schedule_report(
        &self,
        request: Request<GetScheduleReportRequest>,
    ) -> Reply<GetScheduleReportResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let mut r = request.into_inner();
        // A doctor asking without naming a doctor or a service means their
        // own schedule (the only one they may see).
        if caller.role == Role::Doctor && r.doctor_id.is_empty() && r.service_id.is_empty() {
            r.doctor_id.clone_from(&caller.subject);
        }
        let mut v = FieldViolations::new();
        let period = match r.period() {
            ReportPeriod::Day => Some(Period::Day),
            ReportPeriod::Week => Some(Period::Week),
            ReportPeriod::Month => Some(Period::Month),
            ReportPeriod::Unspecified => {
                v.add("period", "is required");
                None
            }
        };
        let date = date_from_proto(&mut v, "date", r.date.as_ref());
        check_optional_id(&mut v, "doctor_id", &r.doctor_id);
        check_optional_id(&mut v, "service_id", &r.service_id);
        if !r.doctor_id.is_empty() && !r.service_id.is_empty() {
            v.add("service_id", "cannot be combined with doctor_id");
        }
        v.into_result()?;
        if caller.role == Role::Doctor && r.doctor_id != caller.subject {
            return Err(Status::permission_denied("a doctor sees reports of their own schedule only"));
        }
        let Some((period, date)) = period.zip(date) else {
            return Err(invalid_field("date", "is out of range"));
        };
        let doctor = (!r.doctor_id.is_empty()).then_some(r.doctor_id.as_str());
        let service = (!r.service_id.is_empty()).then_some(r.service_id.as_str());
        let report = s.schedule_report(period, date, doctor, service).await?;
        let figures = &report.figures;
        let (counts, booked) = summarise(&figures.totals);
        let available = figures.available;
        Ok(Response::new(GetScheduleReportResponse {
            start_date: Some(date_to_proto(figures.first)),
            end_date: Some(date_to_proto(figures.last)),
            time_zone: s.zone_name.clone(),
            appointments: report.appointments.iter().map(appointment_to_proto).collect(),
            truncated: report.truncated,
            counts,
            booked_minutes: booked / 60,
            available_minutes: available / 60,
            utilisation_bp: report::utilisation_bp(booked / 60, available / 60),
        }))
    }
}

/// What a list asks for.
struct ListQuery<'a> {
    party: Party<'a>,
    statuses: &'a [i32],
    from: Option<&'a ProtoDate>,
    to: Option<&'a ProtoDate>,
    page: Option<&'a PageRequest>,
}

/// One page of a party's appointments by start time, with the token of the
/// next.
async fn list(s: &State, q: ListQuery<'_>) -> Result<(Vec<Appointment>, PageResponse), Status> {
    let mut v = FieldViolations::new();
    let statuses = parse_statuses(&mut v, q.statuses);
    let from = q.from.and_then(|d| date_from_proto(&mut v, "from_date", Some(d)));
    let to = q.to.and_then(|d| date_from_proto(&mut v, "to_date", Some(d)));
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        v.add("to_date", "must not be before from_date");
    }
    v.into_result()?;
    // Whole days in the clinic's zone; an unset bound leaves that side open.
    let start = from.and_then(|d| crate::domain::slots::local_instant(&s.zone, d, 0)).unwrap_or(i64::MIN);
    let end = to.and_then(|d| crate::domain::slots::local_instant(&s.zone, d, 1440)).unwrap_or(i64::MAX);
    // The page token is bound to the filters; without dates this is the
    // fingerprint `/mine` always had, so its tokens stay valid.
    let mut filters: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
    filters.extend(from.map(|d| format!("from:{d}")));
    filters.extend(to.map(|d| format!("to:{d}")));
    let page = paging::parse::<(i64, String)>(q.page, &filters)?;
    let mut rows = s.list(q.party, &statuses, (start, end), page.after, page.size + 1).await?;
    let next_page_token = paging::next_token(&mut rows, page.size, |last| (last.start_at, last.id.clone()), &filters);
    Ok((rows.iter().map(appointment_to_proto).collect(), PageResponse { next_page_token }))
}

/// Patients see their own list only; nurses and admins anyone's (DOMAIN.md:
/// staff book and manage appointments for patients).
fn check_patient_list(caller: &Principal, patient_id: &str) -> Result<(), Status> {
    match caller.role {
        Role::Nurse | Role::Admin => Ok(()),
        Role::Patient if caller.subject == patient_id => Ok(()),
        _ => Err(Status::permission_denied("patients may only list their own appointments")),
    }
}

/// Doctors see their own list only; nurses and admins anyone's.
fn check_doctor_list(caller: &Principal, doctor_id: &str) -> Result<(), Status> {
    match caller.role {
        Role::Nurse | Role::Admin => Ok(()),
        Role::Doctor if caller.subject == doctor_id => Ok(()),
        _ => Err(Status::permission_denied("doctors may only list their own appointments")),
    }
}
