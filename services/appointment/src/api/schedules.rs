//! `ScheduleService`: the catalog of medical services, the doctors'
//! schedules and exceptions, a doctor's availability and a service's
//! calendar.

use hms_kit::auth::{Caller, Principal};
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::ids::check_id;
use hms_kit::ids::new_id;
use hms_kit::paging;
use hms_kit::proto::appointment::schedule_service_server::ScheduleService;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{PageResponse, Role};
use hms_kit::proto::google::r#type::DayOfWeek;
use hms_kit::time::now_seconds;
use hms_kit::time::{date_from_proto, date_to_proto, seconds_to_timestamp};
use tonic::{Request, Response, Status};

use super::convert::{
    date_range, exception_to_proto, kind_name, minute_from_proto, schedule_to_proto, service_input, service_to_proto,
    valid_code,
};
use super::{Reply, ScheduleApi};
use crate::app::slot_to_proto;
use crate::domain::slots::{Block, Exception, ExceptionKind as DomainExceptionKind};
use crate::store::{ExceptionRow, ServiceRow};

#[tonic::async_trait]
impl ScheduleService for ScheduleApi {
    async fn create_medical_service(
        &self,
        request: Request<CreateMedicalServiceRequest>,
    ) -> Reply<CreateMedicalServiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if !valid_code(&r.code) {
            v.add("code", "must be 2 to 32 upper-case letters, digits, '-' or '_'");
        }
        let now = now_seconds();
        let mut row = ServiceRow {
            id: new_id(),
            code: r.code.clone(),
            name: String::new(),
            description: String::new(),
            kind: String::new(),
            duration_minutes: 0,
            price_minor: 0,
            currency: String::new(),
            specialties: Vec::new(),
            auto_confirm: false,
            active: false,
            created_at: now,
            updated_at: now,
            revision: 0,
        };
        service_input(&mut v, r.service.as_ref(), &mut row);
        v.into_result()?;
        self.0.create_service(&caller, &row).await?;
        Ok(Response::new(CreateMedicalServiceResponse { service: Some(service_to_proto(&row)) }))
    }

    async fn update_medical_service(
        &self,
        request: Request<UpdateMedicalServiceRequest>,
    ) -> Reply<UpdateMedicalServiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let by = &caller;
        let row = self
            .0
            .update_service(by, &r.service_id, |row| {
                let mut v = FieldViolations::new();
                service_input(&mut v, r.service.as_ref(), row);
                v.into_result()
            })
            .await?;
        Ok(Response::new(UpdateMedicalServiceResponse { service: Some(service_to_proto(&row)) }))
    }

    async fn delete_medical_service(
        &self,
        request: Request<DeleteMedicalServiceRequest>,
    ) -> Reply<DeleteMedicalServiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        self.0.delete_service(&caller, &r.service_id).await?;
        Ok(Response::new(DeleteMedicalServiceResponse {}))
    }

    async fn get_medical_service(
        &self,
        request: Request<GetMedicalServiceRequest>,
    ) -> Reply<GetMedicalServiceResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let service = self.0.service(&r.service_id).await?;
        Ok(Response::new(GetMedicalServiceResponse { service: Some(service_to_proto(&service)) }))
    }

    async fn list_medical_services(
        &self,
        request: Request<ListMedicalServicesRequest>,
    ) -> Reply<ListMedicalServicesResponse> {
        let admin = request.extensions().get::<Principal>().is_some_and(|p| p.role == Role::Admin);
        let r = request.into_inner();
        let include_inactive = admin && r.include_inactive;
        let kind = (r.kind() != ServiceKind::Unspecified).then(|| kind_name(r.kind()));
        let filters = (include_inactive, kind);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let mut rows = self.0.services(include_inactive, kind, page.after.as_deref(), page.size + 1).await?;
        let next_page_token = paging::next_token(&mut rows, page.size, |last| last.code.clone(), &filters);
        Ok(Response::new(ListMedicalServicesResponse {
            services: rows.iter().map(service_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn set_doctor_schedule(
        &self,
        request: Request<SetDoctorScheduleRequest>,
    ) -> Reply<SetDoctorScheduleResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        v.text("specialty", &r.specialty, 100, true);
        v.text("location", &r.location, 200, false);
        if r.blocks.len() > 100 {
            v.add("blocks", "must have at most 100 entries");
        }
        let mut blocks = Vec::new();
        for (i, b) in r.blocks.iter().enumerate() {
            let field = |name: &str| format!("blocks[{i}].{name}");
            let day = b.day_of_week();
            if day == DayOfWeek::Unspecified {
                v.add(field("day_of_week"), "is required");
            }
            let start = minute_from_proto(&mut v, &field("start_time"), b.start_time.as_ref(), false);
            let end = minute_from_proto(&mut v, &field("end_time"), b.end_time.as_ref(), true);
            let valid_from = b.valid_from.as_ref().and_then(|d| date_from_proto(&mut v, &field("valid_from"), Some(d)));
            let valid_to = b.valid_to.as_ref().and_then(|d| date_from_proto(&mut v, &field("valid_to"), Some(d)));
            if let (Some(from), Some(to)) = (valid_from, valid_to)
                && to < from
            {
                v.add(field("valid_to"), "must not be before valid_from");
            }
            if let (Some(start), Some(end)) = (start, end) {
                if end <= start {
                    v.add(field("end_time"), "must be after start_time");
                } else if day != DayOfWeek::Unspecified {
                    blocks.push(Block {
                        weekday: i8::try_from(b.day_of_week).unwrap_or(0),
                        start,
                        end,
                        valid_from,
                        valid_to,
                    });
                }
            }
        }
        v.into_result()?;
        check_schedule_owner(&caller, &r.doctor_id)?;
        let by = &caller;
        let schedule = self.0.set_schedule(by, &r.doctor_id, r.specialty.trim(), r.location.trim(), &blocks).await?;
        Ok(Response::new(SetDoctorScheduleResponse {
            schedule: schedule.map(|s| schedule_to_proto(&s, &self.0.zone_name)),
        }))
    }

    async fn get_doctor_schedule(
        &self,
        request: Request<GetDoctorScheduleRequest>,
    ) -> Reply<GetDoctorScheduleResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        v.into_result()?;
        let schedule = self.0.schedule(&r.doctor_id).await?;
        Ok(Response::new(GetDoctorScheduleResponse { schedule: Some(schedule_to_proto(&schedule, &self.0.zone_name)) }))
    }

    async fn add_schedule_exception(
        &self,
        request: Request<AddScheduleExceptionRequest>,
    ) -> Reply<AddScheduleExceptionResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        let Some(e) = r.exception.as_ref() else {
            v.add("exception", "is required");
            return Err(v.into_status());
        };
        let kind = match e.kind() {
            ExceptionKind::Unavailable => Some(DomainExceptionKind::Unavailable),
            ExceptionKind::ExtraHours => Some(DomainExceptionKind::ExtraHours),
            ExceptionKind::Unspecified => {
                v.add("exception.kind", "is required");
                None
            }
        };
        let start = date_from_proto(&mut v, "exception.start_date", e.start_date.as_ref());
        let end = date_from_proto(&mut v, "exception.end_date", e.end_date.as_ref());
        if let (Some(start), Some(end)) = (start, end)
            && (end < start || start.until(end).map_or(true, |s| s.get_days() > 366))
        {
            v.add("exception.end_date", "must be on or after start_date, within a year");
        }
        let hours = match (e.start_time.as_ref(), e.end_time.as_ref()) {
            (None, None) => {
                if kind == Some(DomainExceptionKind::ExtraHours) {
                    v.add("exception.start_time", "is required for extra hours");
                }
                None
            }
            (start_time, end_time) => {
                let s = minute_from_proto(&mut v, "exception.start_time", start_time, false);
                let t = minute_from_proto(&mut v, "exception.end_time", end_time, true);
                match (s, t) {
                    (Some(s), Some(t)) if t <= s => {
                        v.add("exception.end_time", "must be after start_time");
                        None
                    }
                    (Some(s), Some(t)) => Some((s, t)),
                    _ => None,
                }
            }
        };
        v.text("exception.note", &e.note, 500, false);
        v.into_result()?;
        check_schedule_owner(&caller, &r.doctor_id)?;
        let (Some(kind), Some(start), Some(end)) = (kind, start, end) else {
            return Err(invalid_field("exception", "is incomplete"));
        };
        let row = ExceptionRow { id: new_id(), exception: Exception { kind, start, end, hours }, note: e.note.clone() };
        self.0.add_exception(&caller, &r.doctor_id, &row).await?;
        Ok(Response::new(AddScheduleExceptionResponse { exception: Some(exception_to_proto(&row)) }))
    }

    async fn delete_schedule_exception(
        &self,
        request: Request<DeleteScheduleExceptionRequest>,
    ) -> Reply<DeleteScheduleExceptionResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        check_id(&mut v, "exception_id", &r.exception_id);
        v.into_result()?;
        check_schedule_owner(&caller, &r.doctor_id)?;
        self.0.delete_exception(&caller, &r.doctor_id, &r.exception_id).await?;
        Ok(Response::new(DeleteScheduleExceptionResponse {}))
    }

    async fn get_doctor_availability(
        &self,
        request: Request<GetDoctorAvailabilityRequest>,
    ) -> Reply<GetDoctorAvailabilityResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        check_id(&mut v, "service_id", &r.service_id);
        let range = date_range(&mut v, r.start_date.as_ref(), r.end_date.as_ref());
        v.into_result()?;
        let Some((from, to)) = range else { return Err(invalid_field("start_date", "is required")) };
        let slots = self.0.doctor_availability(&r.doctor_id, &r.service_id, from, to).await?;
        Ok(Response::new(GetDoctorAvailabilityResponse {
            slots: slots.into_iter().map(|(_, slot)| slot_to_proto(&r.doctor_id, slot)).collect(),
            time_zone: self.0.zone_name.clone(),
        }))
    }

    async fn get_service_calendar(
        &self,
        request: Request<GetServiceCalendarRequest>,
    ) -> Reply<GetServiceCalendarResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        let range = date_range(&mut v, r.start_date.as_ref(), r.end_date.as_ref());
        let starts_only = match CalendarView::try_from(r.view) {
            Ok(CalendarView::Starts) => true,
            Ok(CalendarView::Slots | CalendarView::Unspecified) => false,
            Err(_) => {
                v.add("view", "is not a calendar view");
                false
            }
        };
        v.into_result()?;
        let Some((from, to)) = range else { return Err(invalid_field("start_date", "is required")) };
        let (service, doctors) = self.0.service_calendar(&r.service_id, from, to).await?;
        let mut days: Vec<CalendarDay> = Vec::new();
        let mut date = from;
        while date <= to {
            days.push(CalendarDay { date: Some(date_to_proto(date)), doctors: Vec::new() });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        for doctor in doctors {
            let mut slots = doctor.slots.into_iter().peekable();
            for (index, day) in days.iter_mut().enumerate() {
                let Ok(date) = from.checked_add(jiff::Span::new().days(i64::try_from(index).unwrap_or(0))) else {
                    continue;
                };
                let (mut free, mut free_starts) = (Vec::new(), Vec::new());
                // Slots come in time order, so each day takes a run of them.
                while let Some((_, slot)) = slots.next_if(|(d, _)| *d <= date) {
                    if starts_only {
                        free_starts.push(seconds_to_timestamp(slot.start));
                    } else {
                        free.push(slot_to_proto(&doctor.doctor_id, slot));
                    }
                }
                if !free.is_empty() || !free_starts.is_empty() {
                    day.doctors.push(DoctorDay {
                        doctor_id: doctor.doctor_id.clone(),
                        location: doctor.location.clone(),
                        slots: free,
                        doctor_name: String::new(),
                        slot_starts: free_starts,
                    });
                }
            }
        }
        let mut ids: Vec<String> =
            days.iter().flat_map(|d| d.doctors.iter().map(|doc| doc.doctor_id.clone())).collect();
        ids.sort();
        ids.dedup();
        let names = self.0.display_names(ids).await;
        for doctor in days.iter_mut().flat_map(|d| d.doctors.iter_mut()) {
            doctor.doctor_name = names.get(&doctor.doctor_id).cloned().unwrap_or_default();
        }
        Ok(Response::new(GetServiceCalendarResponse {
            days,
            time_zone: self.0.zone_name.clone(),
            duration_minutes: i32::try_from(service.duration_minutes).unwrap_or(0),
        }))
    }
}

/// A doctor changes their own schedule only; an admin anyone's.
fn check_schedule_owner(caller: &Principal, doctor_id: &str) -> Result<(), Status> {
    if caller.role == Role::Admin || (caller.role == Role::Doctor && caller.subject == doctor_id) {
        Ok(())
    } else {
        Err(Status::permission_denied("only the doctor or an admin may change this schedule"))
    }
}
