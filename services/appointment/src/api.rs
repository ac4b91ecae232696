//! The gRPC API: authorise, validate, convert, call the domain and the store.

use std::collections::HashMap;
use std::sync::Arc;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{Principal, client_address, principal};
use hms_kit::client::OutboundChannel;
use hms_kit::error::{self, ERROR_DOMAIN, FieldViolations, invalid_field, refusal, refusal_with};
use hms_kit::paging;
use hms_kit::proto::appointment::appointment_service_server::AppointmentService;
use hms_kit::proto::appointment::schedule_service_server::ScheduleService;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{Money, PageResponse, Role};
use hms_kit::proto::google::rpc;
use hms_kit::proto::google::r#type::{Date as ProtoDate, DayOfWeek, TimeOfDay};
use hms_kit::proto::user::BatchGetDisplayNamesRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::storage::Db;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use prost::Message;
use tonic::{Code, Request, Response, Status};

use crate::cache::{BusyCache, DisplayCache, NameCache};
use crate::domain::report::{self, Period};
use crate::domain::slots::{Block, Exception, ExceptionKind as DomainExceptionKind, Interval, Schedule};
use crate::domain::status::{Action, Status as ApptStatus, transition};
use crate::domain::{GRANULE_SECS, MAX_DURATION_MINUTES};
use crate::events::{self, EhrLink, EhrStage, Facts, Notice, Recipient};
use crate::store::{
    self, AppointmentRow, BookingWriter, Change, DecidedOn, Deleted, ExceptionRow, FeedbackRow, HoldError, MoveError,
    NewBooking, Party, ScheduleRow, ServiceRow,
};

mod lists;
mod stats;

pub use stats::InternalApi;

type Reply<T> = Result<Response<T>, Status>;

/// What a booking is decided on.
struct Decision {
    service: Arc<ServiceRow>,
    schedule: ScheduleRow,
    wanted: Interval,
}

/// Longest date range of an availability query, in days.
const MAX_RANGE_DAYS: i32 = 62;
/// Latest accepted start (9999-01-01T00:00:00Z): keeps instant arithmetic far
/// from overflow.
const LATEST_START: i64 = 253_370_764_800;
/// How far around the wanted time alternatives are looked for, in days.
const ALTERNATIVE_DAYS: i64 = 7;

pub struct State {
    pub db: Db,
    pub bookings: BookingWriter,
    pub zone: TimeZone,
    pub zone_name: String,
    /// Read per request: an admin may change it at any time.
    pub policy: crate::settings::Policy,
    pub alternatives: usize,
    /// The booking horizon: latest start, in seconds after now.
    pub horizon_secs: i64,
    pub feedback_url: String,
    /// Completion asks billing for an invoice (billing is configured).
    pub billing: bool,
    /// Display names of doctors for the calendar; None without a service token.
    pub users: Option<InternalUserServiceClient<OutboundChannel>>,
    pub names: NameCache,
    pub display: DisplayCache,
    pub busy: BusyCache,
    /// Whether confirmations and completions are linked to the EHR.
    pub ehr_links: bool,
}

pub struct ScheduleApi(pub Arc<State>);
pub struct AppointmentApi(pub Arc<State>);

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn timestamp(secs: i64) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: secs, nanos: 0 }
}

// --- validation and conversions ---

fn check_id(v: &mut FieldViolations, field: &str, id: &str) {
    if id.is_empty() {
        v.add(field, "is required");
    } else if id.len() > 64 {
        v.add(field, "must have at most 64 characters");
    }
}

fn date_from_proto(v: &mut FieldViolations, field: &str, date: Option<&ProtoDate>) -> Option<Date> {
    let Some(d) = date else {
        v.add(field, "is required");
        return None;
    };
    let parsed = i16::try_from(d.year)
        .ok()
        .zip(i8::try_from(d.month).ok())
        .zip(i8::try_from(d.day).ok())
        .and_then(|((y, m), day)| Date::new(y, m, day).ok())
        .filter(|_| d.year >= 1);
    if parsed.is_none() {
        v.add(field, "is not a valid calendar date");
    }
    parsed
}

fn date_to_proto(date: Date) -> ProtoDate {
    ProtoDate { year: i32::from(date.year()), month: i32::from(date.month()), day: i32::from(date.day()) }
}

/// Minutes after midnight of a wall-clock time: whole minutes, a multiple of
/// the granule; 24:00 only when `end`.
fn minute_from_proto(v: &mut FieldViolations, field: &str, time: Option<&TimeOfDay>, end: bool) -> Option<i32> {
    let Some(t) = time else {
        v.add(field, "is required");
        return None;
    };
    let valid_hour = (0..24).contains(&t.hours) || (end && t.hours == 24 && t.minutes == 0);
    if !valid_hour || !(0..60).contains(&t.minutes) || t.seconds != 0 || t.nanos != 0 {
        v.add(field, "must be a time of day in whole minutes (24:00 only as an end)");
        return None;
    }
    let minute = t.hours * 60 + t.minutes;
    if i64::from(minute) * 60 % GRANULE_SECS != 0 {
        v.add(field, "must be a multiple of 5 minutes");
        return None;
    }
    Some(minute)
}

fn minute_to_proto(minute: i32) -> TimeOfDay {
    TimeOfDay { hours: minute / 60, minutes: minute % 60, seconds: 0, nanos: 0 }
}

/// A booking start: whole seconds on a 5-minute boundary.
fn start_from_proto(v: &mut FieldViolations, field: &str, ts: Option<&prost_types::Timestamp>) -> Option<i64> {
    let Some(ts) = ts else {
        v.add(field, "is required");
        return None;
    };
    if ts.nanos != 0 || ts.seconds % GRANULE_SECS != 0 || ts.seconds <= 0 {
        v.add(field, "must be on a 5-minute boundary");
        return None;
    }
    if ts.seconds > LATEST_START {
        v.add(field, "must be before the year 9999");
        return None;
    }
    Some(ts.seconds)
}

fn kind_name(kind: ServiceKind) -> &'static str {
    kind.as_str_name().strip_prefix("SERVICE_KIND_").unwrap_or("UNSPECIFIED")
}

fn kind_from_name(name: &str) -> ServiceKind {
    ServiceKind::from_str_name(&format!("SERVICE_KIND_{name}")).unwrap_or(ServiceKind::Unspecified)
}

fn service_to_proto(s: &ServiceRow) -> MedicalService {
    MedicalService {
        id: s.id.clone(),
        code: s.code.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        kind: kind_from_name(&s.kind).into(),
        duration_minutes: i32::try_from(s.duration_minutes).unwrap_or(0),
        price: Some(Money { amount_minor: s.price_minor, currency: s.currency.clone() }),
        specialties: s.specialties.clone(),
        auto_confirm: s.auto_confirm,
        active: s.active,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
    }
}

/// Validates a service's fields into `row` (id, code and times untouched).
fn service_input(v: &mut FieldViolations, input: Option<&MedicalServiceInput>, row: &mut ServiceRow) {
    let Some(input) = input else {
        v.add("service", "is required");
        return;
    };
    v.text("service.name", &input.name, 200, true);
    v.text("service.description", &input.description, 2000, false);
    if input.kind() == ServiceKind::Unspecified {
        v.add("service.kind", "is required");
    }
    if !(5..=MAX_DURATION_MINUTES).contains(&i64::from(input.duration_minutes)) || input.duration_minutes % 5 != 0 {
        v.add("service.duration_minutes", format!("must be a multiple of 5 between 5 and {MAX_DURATION_MINUTES}"));
    }
    let (amount, currency) = input.price.as_ref().map_or((0, ""), |p| (p.amount_minor, p.currency.as_str()));
    if amount < 0 {
        v.add("service.price.amount_minor", "must not be negative");
    }
    let currency = if currency.is_empty() { "VND" } else { currency };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        v.add("service.price.currency", "must be an ISO 4217 code such as VND");
    }
    let mut specialties = Vec::new();
    for (i, s) in input.specialties.iter().enumerate() {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 100 || s.contains('\n') {
            v.add(format!("service.specialties[{i}]"), "must be 1 to 100 characters on one line");
        } else if !specialties.iter().any(|k: &String| k.eq_ignore_ascii_case(s)) {
            specialties.push(s.to_owned());
        }
    }
    row.name = input.name.trim().to_owned();
    row.description = input.description.clone();
    row.kind = kind_name(input.kind()).to_owned();
    row.duration_minutes = i64::from(input.duration_minutes);
    row.price_minor = amount;
    row.currency = currency.to_owned();
    row.specialties = specialties;
    row.auto_confirm = input.auto_confirm;
    row.active = input.active;
}

fn valid_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn exception_to_proto(e: &ExceptionRow) -> ScheduleException {
    ScheduleException {
        id: e.id.clone(),
        kind: match e.exception.kind {
            DomainExceptionKind::Unavailable => ExceptionKind::Unavailable,
            DomainExceptionKind::ExtraHours => ExceptionKind::ExtraHours,
        }
        .into(),
        start_date: Some(date_to_proto(e.exception.start)),
        end_date: Some(date_to_proto(e.exception.end)),
        start_time: e.exception.hours.map(|h| minute_to_proto(h.0)),
        end_time: e.exception.hours.map(|h| minute_to_proto(h.1)),
        note: e.note.clone(),
    }
}

impl State {
    fn schedule_to_proto(&self, s: &ScheduleRow) -> DoctorSchedule {
        DoctorSchedule {
            doctor_id: s.doctor_id.clone(),
            specialty: s.specialty.clone(),
            location: s.location.clone(),
            blocks: s
                .blocks
                .iter()
                .map(|b| WeeklyBlock {
                    day_of_week: i32::from(b.weekday),
                    start_time: Some(minute_to_proto(b.start)),
                    end_time: Some(minute_to_proto(b.end)),
                    valid_from: b.valid_from.map(date_to_proto),
                    valid_to: b.valid_to.map(date_to_proto),
                })
                .collect(),
            exceptions: s.exceptions.iter().map(exception_to_proto).collect(),
            time_zone: self.zone_name.clone(),
        }
    }

    fn to_proto(&self, a: &AppointmentRow) -> Appointment {
        let status = status_to_proto(a.status);
        Appointment {
            id: a.id.clone(),
            patient_id: a.patient_id.clone(),
            doctor_id: a.doctor_id.clone(),
            service_id: a.service_id.clone(),
            start_time: Some(timestamp(a.start_at)),
            end_time: Some(timestamp(a.end_at)),
            status: status.into(),
            reason: a.reason.clone(),
            doctor_notes: a.doctor_notes.clone(),
            cancellation_reason: a.cancellation_reason.clone(),
            cancelled_by: a.cancelled_by.clone(),
            reschedule_count: a.reschedule_count,
            location: a.location.clone(),
            create_time: Some(timestamp(a.created_at)),
            update_time: Some(timestamp(a.updated_at)),
        }
    }

    /// The instants covering civil dates `from..=to` in the clinic zone, with a
    /// day of margin either side.
    fn span(&self, from: Date, to: Date) -> (i64, i64) {
        let start = crate::domain::slots::local_instant(&self.zone, from, 0).unwrap_or(0) - 86_400;
        let end = crate::domain::slots::local_instant(&self.zone, to, 1440).unwrap_or(i64::MAX / 2) + 86_400;
        (start, end)
    }

    /// Free slots of one doctor for a service duration over `from..=to`.
    async fn doctor_slots(
        &self,
        schedule: &ScheduleRow,
        duration: i64,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, Interval)>, Status> {
        let (start, end) = self.span(from, to);
        let busy = self.doctor_busy(&schedule.doctor_id, start, end).await?;
        Ok(domain_schedule(schedule).free_slots(&self.zone, from, to, duration, &busy, self.bookable_starts(now())))
    }

    /// The starts open to booking at `now`: in the future, within the horizon.
    fn bookable_starts(&self, now: i64) -> std::ops::RangeInclusive<i64> {
        now.saturating_add(1)..=now.saturating_add(self.horizon_secs)
    }

    /// The busy intervals of one doctor overlapping `[from, to)` (see [`BusyCache`]).
    async fn doctor_busy(&self, doctor_id: &str, from: i64, to: i64) -> Result<Vec<Interval>, Status> {
        let mut busy = self.busy.busy(&self.db, &[doctor_id], from, to).await.map_err(error::store)?;
        Ok(busy.remove(doctor_id).unwrap_or_default())
    }

    /// A service that can be booked: known and active.
    async fn bookable_service(&self, service_id: &str) -> Result<ServiceRow, Status> {
        let service = store::get_service(&self.db, service_id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such medical service"))?;
        if !service.active {
            return Err(refusal(Code::FailedPrecondition, "SERVICE_INACTIVE", "this medical service is not offered"));
        }
        Ok(service)
    }

    /// A bookable service as the calendar shows it (see [`DisplayCache`]).
    async fn displayed_service(&self, service_id: &str) -> Result<Arc<ServiceRow>, Status> {
        let service = self
            .display
            .service(&self.db, service_id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such medical service"))?;
        if !service.active {
            return Err(refusal(Code::FailedPrecondition, "SERVICE_INACTIVE", "this medical service is not offered"));
        }
        Ok(service)
    }

    /// What a booking is decided on. From cached rows when they allow the
    /// booking (the insert re-checks their revisions); from the store when
    /// they do not, or when `fresh`, so that no refusal rests on stale rows.
    async fn decide_booking(
        &self,
        service_id: &str,
        doctor_id: &str,
        start: i64,
        fresh: bool,
    ) -> Result<Decision, Status> {
        if !fresh && let Some(decision) = self.cached_decision(service_id, doctor_id, start).await? {
            return Ok(decision);
        }
        let service = self.bookable_service(service_id).await?;
        let schedule = self.qualified_schedule(doctor_id, &service).await?;
        let wanted = self.check_slot(&schedule, &service, start).await?;
        Ok(Decision { service: Arc::new(service), schedule, wanted })
    }

    async fn cached_decision(&self, service_id: &str, doctor_id: &str, start: i64) -> Result<Option<Decision>, Status> {
        let Some(service) = self.display.service(&self.db, service_id).await.map_err(error::store)? else {
            return Ok(None);
        };
        let schedules = self.display.schedules(&self.db).await.map_err(error::store)?;
        let Ok(schedule) = qualified_in(&schedules, doctor_id, &service) else { return Ok(None) };
        let wanted = wanted_interval(&service, start);
        let bookable = service.active
            && self.bookable_starts(now()).contains(&start)
            && domain_schedule(schedule).fits(&self.zone, wanted);
        Ok(bookable.then(|| Decision { schedule: schedule.clone(), service, wanted }))
    }

    /// The schedule of a doctor qualified for `service`.
    async fn qualified_schedule(&self, doctor_id: &str, service: &ServiceRow) -> Result<ScheduleRow, Status> {
        let schedules = store::schedules(&self.db, Some(doctor_id)).await.map_err(error::store)?;
        qualified_in(&schedules, doctor_id, service).cloned()
    }

    /// Checks that `[start, start + duration)` is bookable with `schedule`
    /// (future, within the horizon, inside the schedule); the refusal carries
    /// alternatives.
    async fn check_slot(&self, schedule: &ScheduleRow, service: &ServiceRow, start: i64) -> Result<Interval, Status> {
        let wanted = wanted_interval(service, start);
        let now = now();
        if start <= now {
            return Err(refusal(Code::FailedPrecondition, "IN_THE_PAST", "this time has already passed"));
        }
        if !self.bookable_starts(now).contains(&start) {
            let days = self.horizon_secs / 86_400;
            return Err(refusal_with(
                Code::FailedPrecondition,
                "BEYOND_BOOKING_HORIZON",
                format!("appointments can be booked at most {days} days ahead"),
                [("horizon_days", days.to_string())],
            ));
        }
        if !domain_schedule(schedule).fits(&self.zone, wanted) {
            return Err(self
                .unavailable("OUTSIDE_SCHEDULE", "the doctor does not consult at this time", schedule, service, wanted)
                .await);
        }
        Ok(wanted)
    }

    /// A refusal with `reason` and a [`SlotAlternatives`] detail.
    /// The refusal of a booking or move that the holds rejected, with alternatives.
    async fn hold_conflict(
        &self,
        refused: HoldError,
        schedule: &ScheduleRow,
        service: &ServiceRow,
        wanted: Interval,
    ) -> Status {
        let (reason, message) = match refused {
            HoldError::Store(e) => return error::store(e),
            HoldError::Changed => {
                return Status::aborted(
                    "the medical service or the doctor's schedule changed during booking; try again",
                );
            }
            HoldError::PatientBusy => ("PATIENT_BUSY", "the patient has another appointment at this time"),
            _ => ("SLOT_UNAVAILABLE", "this slot is taken"),
        };
        self.unavailable(reason, message, schedule, service, wanted).await
    }

    async fn unavailable(
        &self,
        reason: &str,
        message: &str,
        schedule: &ScheduleRow,
        service: &ServiceRow,
        wanted: Interval,
    ) -> Status {
        match self.alternatives(schedule, service, wanted).await {
            Ok(alternatives) => {
                let info = rpc::ErrorInfo {
                    reason: reason.to_owned(),
                    domain: ERROR_DOMAIN.to_owned(),
                    metadata: HashMap::from([("doctor_id".to_owned(), schedule.doctor_id.clone())]),
                };
                let details = rpc::Status {
                    code: Code::FailedPrecondition as i32,
                    message: message.to_owned(),
                    details: vec![
                        prost_types::Any {
                            type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                            value: info.encode_to_vec(),
                        },
                        prost_types::Any {
                            type_url: "type.googleapis.com/hms.appointment.v1.SlotAlternatives".into(),
                            value: alternatives.encode_to_vec(),
                        },
                    ],
                };
                Status::with_details(Code::FailedPrecondition, message, details.encode_to_vec().into())
            }
            Err(status) => status,
        }
    }

    /// Nearest free slots of the same doctor, and other qualified doctors free
    /// at the wanted time.
    async fn alternatives(
        &self,
        schedule: &ScheduleRow,
        service: &ServiceRow,
        wanted: Interval,
    ) -> Result<SlotAlternatives, Status> {
        let duration = service.duration_minutes * 60;
        let around = |days: i64| {
            crate::domain::slots::local_date(&self.zone, wanted.start + days * 86_400)
                .unwrap_or(Date::constant(2000, 1, 1))
        };
        let (from, to) = (around(-ALTERNATIVE_DAYS), around(ALTERNATIVE_DAYS));
        let mut same = self.doctor_slots(schedule, duration, from, to).await?;
        same.sort_by_key(|(_, slot)| ((slot.start - wanted.start).abs(), slot.start));
        let same_doctor = same
            .into_iter()
            .take(self.alternatives)
            .map(|(_, slot)| slot_to_proto(&schedule.doctor_id, slot))
            .collect();
        let mut other_doctors = Vec::new();
        let others = self.display.schedules(&self.db).await.map_err(error::store)?;
        for other in others.iter().filter(|o| o.doctor_id != schedule.doctor_id && qualified(o, service)) {
            if other_doctors.len() >= self.alternatives {
                break;
            }
            if !domain_schedule(other).fits(&self.zone, wanted) {
                continue;
            }
            let busy = self.doctor_busy(&other.doctor_id, wanted.start - GRANULE_SECS, wanted.end).await?;
            if !busy.iter().any(|b| b.overlaps(&wanted)) {
                other_doctors.push(slot_to_proto(&other.doctor_id, wanted));
            }
        }
        Ok(SlotAlternatives { same_doctor, other_doctors })
    }

    /// Display names of `ids`; empty (and logged) when the user service
    /// cannot answer, so the calendar never waits on it.
    async fn display_names(&self, ids: Vec<String>) -> HashMap<String, String> {
        let Some(users) = &self.users else { return HashMap::new() };
        let (mut names, missing) = self.names.lookup(ids);
        if missing.is_empty() {
            return names;
        }
        match users.clone().batch_get_display_names(BatchGetDisplayNamesRequest { user_ids: missing }).await {
            Ok(response) => {
                let fetched = response.into_inner().display_names;
                self.names.remember(&fetched);
                names.extend(fetched);
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "doctor names unavailable");
            }
        }
        names
    }

    async fn load(&self, id: &str) -> Result<AppointmentRow, Status> {
        if id.is_empty() || id.len() > 64 {
            return Err(invalid_field("appointment_id", "is required (at most 64 characters)"));
        }
        store::get_appointment(&self.db, id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such appointment"))
    }

    /// The name of a service for messages (empty if it was deleted).
    async fn service_name(&self, service_id: &str) -> Result<String, Status> {
        Ok(store::get_service(&self.db, service_id).await.map_err(error::store)?.map(|s| s.name).unwrap_or_default())
    }

    /// The appointment if the caller may see it; NOT_FOUND otherwise, so ids
    /// of others' appointments reveal nothing.
    async fn visible(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        let appointment = self.load(id).await?;
        if may_see(caller, &appointment) { Ok(appointment) } else { Err(Status::not_found("no such appointment")) }
    }

    /// Applies `action` to a visible appointment.
    async fn act(
        &self,
        caller: &Principal,
        id: &str,
        action: Action,
        change: Change,
        notices: impl FnOnce(&Facts<'_>, &AppointmentRow) -> Vec<Notice>,
    ) -> Result<Appointment, Status> {
        let appointment = self.visible(caller, id).await?;
        let now = now();
        let to = transition(appointment.status, action, now, appointment.start_at).map_err(|refused| {
            refusal(
                Code::FailedPrecondition,
                refused.reason(),
                format!("a {} appointment cannot be changed this way", appointment.status.as_str()),
            )
        })?;
        let name = self.service_name(&appointment.service_id).await?;
        let notices =
            notices(&Facts { zone: &self.zone, appointment: &appointment, service_name: &name }, &appointment);
        // The EHR holds an encounter only for an appointment that was confirmed.
        let encounter_planned = matches!(appointment.status, ApptStatus::Confirmed | ApptStatus::CheckedIn);
        let ehr = change.ehr.filter(|stage| self.ehr_links && (!stage.is_called_off() || encounter_planned));
        let change = Change { ehr, ..change };
        let written = store::change_status(&self.db, id, appointment.status, to, &change, now, &notices)
            .await
            .map_err(error::store)?;
        let Some(written) = written else {
            return Err(refusal(Code::Aborted, "CONCURRENT_UPDATE", "the appointment changed meanwhile; retry"));
        };
        if to.is_cancelled() {
            let held = Interval { start: written.start_at, end: written.end_at };
            self.busy.changed(&written.doctor_id, held, false);
        }
        Ok(self.to_proto(&written))
    }
}

fn status_to_proto(status: ApptStatus) -> AppointmentStatus {
    match status {
        ApptStatus::Pending => AppointmentStatus::Pending,
        ApptStatus::Confirmed => AppointmentStatus::Confirmed,
        ApptStatus::CheckedIn => AppointmentStatus::CheckedIn,
        ApptStatus::Completed => AppointmentStatus::Completed,
        ApptStatus::CancelledPatient => AppointmentStatus::CancelledPatient,
        ApptStatus::CancelledDoctor => AppointmentStatus::CancelledDoctor,
        ApptStatus::NoShow => AppointmentStatus::NoShow,
    }
}

fn feedback_to_proto(f: &FeedbackRow) -> Feedback {
    Feedback {
        appointment_id: f.appointment_id.clone(),
        patient_id: f.patient_id.clone(),
        doctor_id: f.doctor_id.clone(),
        rating: i32::try_from(f.rating).unwrap_or(0),
        comment: f.comment.clone(),
        create_time: Some(timestamp(f.created_at)),
    }
}

fn slot_to_proto(doctor_id: &str, slot: Interval) -> Slot {
    Slot {
        doctor_id: doctor_id.to_owned(),
        start_time: Some(timestamp(slot.start)),
        end_time: Some(timestamp(slot.end)),
    }
}

/// The interval a booking of `service` starting at `start` occupies.
fn wanted_interval(service: &ServiceRow, start: i64) -> Interval {
    Interval { start, end: start + service.duration_minutes * 60 }
}

fn domain_schedule(s: &ScheduleRow) -> Schedule {
    Schedule { blocks: s.blocks.clone(), exceptions: s.exceptions.iter().map(|e| e.exception.clone()).collect() }
}

/// The schedule of `doctor_id` among `schedules`, if qualified for `service`.
fn qualified_in<'a>(
    schedules: &'a [ScheduleRow],
    doctor_id: &str,
    service: &ServiceRow,
) -> Result<&'a ScheduleRow, Status> {
    let schedule = schedules
        .iter()
        .find(|s| s.doctor_id == doctor_id)
        .ok_or_else(|| refusal(Code::FailedPrecondition, "NO_SCHEDULE", "this doctor has no schedule"))?;
    if !qualified(schedule, service) {
        return Err(refusal(
            Code::FailedPrecondition,
            "DOCTOR_NOT_QUALIFIED",
            "this doctor does not perform this medical service",
        ));
    }
    Ok(schedule)
}

fn qualified(schedule: &ScheduleRow, service: &ServiceRow) -> bool {
    service.specialties.is_empty() || service.specialties.iter().any(|s| s.eq_ignore_ascii_case(&schedule.specialty))
}

fn may_see(caller: &Principal, a: &AppointmentRow) -> bool {
    match caller.role {
        Role::Nurse | Role::Admin => true,
        Role::Patient => caller.subject == a.patient_id,
        Role::Doctor => caller.subject == a.doctor_id,
        _ => false,
    }
}

/// A doctor acts on their own schedule only; an admin on anyone's.
/// The admin audit log's entry for a catalog or schedule change an admin
/// makes; none for a doctor's change of their own schedule.
fn admin_action(
    caller: &Principal,
    address: &str,
    action: &str,
    target_type: &str,
    target_id: &str,
) -> Option<AdminActionEvent> {
    (caller.role == Role::Admin).then(|| AdminActionEvent::by(caller, address, action, target_type, target_id))
}

fn service_summary(s: &ServiceRow) -> String {
    let state = if s.active { "active" } else { "inactive" };
    format!("{} {:?}, {} min, {} {}, {state}", s.code, s.name, s.duration_minutes, s.price_minor, s.currency)
}

fn schedule_summary(specialty: &str, location: &str, blocks: usize) -> String {
    format!("specialty {specialty:?}, location {location:?}, {blocks} weekly blocks")
}

fn exception_summary(e: &ExceptionRow) -> String {
    let hours = e.exception.hours.map(|(s, t)| format!(" {s}-{t} min")).unwrap_or_default();
    format!("{:?} {} to {}{hours}", e.exception.kind, e.exception.start, e.exception.end)
}

fn check_schedule_owner(caller: &Principal, doctor_id: &str) -> Result<(), Status> {
    if caller.role == Role::Admin || (caller.role == Role::Doctor && caller.subject == doctor_id) {
        Ok(())
    } else {
        Err(Status::permission_denied("only the doctor or an admin may change this schedule"))
    }
}

/// Validates a date range of at most [`MAX_RANGE_DAYS`].
fn date_range(v: &mut FieldViolations, start: Option<&ProtoDate>, end: Option<&ProtoDate>) -> Option<(Date, Date)> {
    let from = date_from_proto(v, "start_date", start);
    let to = date_from_proto(v, "end_date", end);
    let (from, to) = from.zip(to)?;
    if to < from {
        v.add("end_date", "must not be before start_date");
        return None;
    }
    if from.until(to).map_or(true, |span| span.get_days() > MAX_RANGE_DAYS) {
        v.add("end_date", format!("must be at most {MAX_RANGE_DAYS} days after start_date"));
        return None;
    }
    Some((from, to))
}

#[tonic::async_trait]
impl ScheduleService for ScheduleApi {
    async fn create_medical_service(
        &self,
        request: Request<CreateMedicalServiceRequest>,
    ) -> Reply<CreateMedicalServiceResponse> {
        let (caller, address) = (principal(&request)?.clone(), client_address(&request));
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if !valid_code(&r.code) {
            v.add("code", "must be 2 to 32 upper-case letters, digits, '-' or '_'");
        }
        let now = now();
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
        let logged = admin_action(&caller, &address, "catalog.service_created", "medical_service", &row.id)
            .map(|a| a.change("", service_summary(&row)));
        match store::insert_service(&self.0.db, &row, logged.as_ref()).await {
            Ok(()) => Ok(Response::new(CreateMedicalServiceResponse { service: Some(service_to_proto(&row)) })),
            Err(e) if error::is_unique_violation(&e) => {
                Err(refusal(Code::AlreadyExists, "CODE_TAKEN", "a medical service with this code exists"))
            }
            Err(e) => Err(error::store(e)),
        }
    }

    async fn update_medical_service(
        &self,
        request: Request<UpdateMedicalServiceRequest>,
    ) -> Reply<UpdateMedicalServiceResponse> {
        let (caller, address) = (principal(&request)?.clone(), client_address(&request));
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let mut row = store::get_service(&self.0.db, &r.service_id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such medical service"))?;
        let before = service_summary(&row);
        let mut v = FieldViolations::new();
        service_input(&mut v, r.service.as_ref(), &mut row);
        v.into_result()?;
        row.updated_at = now();
        let logged = admin_action(&caller, &address, "catalog.service_updated", "medical_service", &row.id)
            .map(|a| a.change(before, service_summary(&row)));
        if !store::update_service(&self.0.db, &row, logged.as_ref()).await.map_err(error::store)? {
            return Err(Status::not_found("no such medical service"));
        }
        self.0.display.changed();
        Ok(Response::new(UpdateMedicalServiceResponse { service: Some(service_to_proto(&row)) }))
    }

    async fn delete_medical_service(
        &self,
        request: Request<DeleteMedicalServiceRequest>,
    ) -> Reply<DeleteMedicalServiceResponse> {
        let (caller, address) = (principal(&request)?.clone(), client_address(&request));
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let before = store::get_service(&self.0.db, &r.service_id).await.map_err(error::store)?;
        let logged = admin_action(&caller, &address, "catalog.service_deleted", "medical_service", &r.service_id)
            .map(|a| a.change(before.as_ref().map(service_summary).unwrap_or_default(), ""));
        match store::delete_service(&self.0.db, &r.service_id, logged.as_ref()).await.map_err(error::store)? {
            Deleted::Done => {
                self.0.display.changed();
                Ok(Response::new(DeleteMedicalServiceResponse {}))
            }
            Deleted::NotFound => Err(Status::not_found("no such medical service")),
            Deleted::InUse => Err(refusal(
                Code::FailedPrecondition,
                "SERVICE_IN_USE",
                "this medical service has appointments; deactivate it instead",
            )),
        }
    }

    async fn get_medical_service(
        &self,
        request: Request<GetMedicalServiceRequest>,
    ) -> Reply<GetMedicalServiceResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "service_id", &r.service_id);
        v.into_result()?;
        let service = store::get_service(&self.0.db, &r.service_id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such medical service"))?;
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
        let mut rows = store::list_services(&self.0.db, include_inactive, kind, page.after.as_deref(), page.size + 1)
            .await
            .map_err(error::store)?;
        let more = rows.len() > page.size;
        rows.truncate(page.size);
        let next_page_token = match rows.last() {
            Some(last) if more => paging::token(&last.code, &filters),
            _ => String::new(),
        };
        Ok(Response::new(ListMedicalServicesResponse {
            services: rows.iter().map(service_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn set_doctor_schedule(
        &self,
        request: Request<SetDoctorScheduleRequest>,
    ) -> Reply<SetDoctorScheduleResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
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
        let logged = match admin_action(&caller, &address, "schedule.set", "doctor_schedule", &r.doctor_id) {
            Some(action) => {
                let before = store::schedules(&self.0.db, Some(&r.doctor_id)).await.map_err(error::store)?.pop();
                let before = before.map(|s| schedule_summary(&s.specialty, &s.location, s.blocks.len()));
                let after = schedule_summary(r.specialty.trim(), r.location.trim(), blocks.len());
                Some(action.change(before.unwrap_or_default(), after))
            }
            None => None,
        };
        store::set_schedule(
            &self.0.db,
            &r.doctor_id,
            r.specialty.trim(),
            r.location.trim(),
            &blocks,
            now(),
            logged.as_ref(),
        )
        .await
        .map_err(error::store)?;
        self.0.display.changed();
        let schedule = store::schedules(&self.0.db, Some(&r.doctor_id)).await.map_err(error::store)?.pop();
        Ok(Response::new(SetDoctorScheduleResponse { schedule: schedule.map(|s| self.0.schedule_to_proto(&s)) }))
    }

    async fn get_doctor_schedule(
        &self,
        request: Request<GetDoctorScheduleRequest>,
    ) -> Reply<GetDoctorScheduleResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        v.into_result()?;
        let schedule = store::schedules(&self.0.db, Some(&r.doctor_id))
            .await
            .map_err(error::store)?
            .pop()
            .ok_or_else(|| Status::not_found("this doctor has no schedule"))?;
        Ok(Response::new(GetDoctorScheduleResponse { schedule: Some(self.0.schedule_to_proto(&schedule)) }))
    }

    async fn add_schedule_exception(
        &self,
        request: Request<AddScheduleExceptionRequest>,
    ) -> Reply<AddScheduleExceptionResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
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
        let logged = admin_action(&caller, &address, "schedule.exception_added", "doctor_schedule", &r.doctor_id)
            .map(|a| a.change("", exception_summary(&row)));
        store::add_exception(&self.0.db, &r.doctor_id, &row, logged.as_ref()).await.map_err(error::store)?;
        self.0.display.changed();
        Ok(Response::new(AddScheduleExceptionResponse { exception: Some(exception_to_proto(&row)) }))
    }

    async fn delete_schedule_exception(
        &self,
        request: Request<DeleteScheduleExceptionRequest>,
    ) -> Reply<DeleteScheduleExceptionResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "doctor_id", &r.doctor_id);
        check_id(&mut v, "exception_id", &r.exception_id);
        v.into_result()?;
        check_schedule_owner(&caller, &r.doctor_id)?;
        let logged = admin_action(&caller, &address, "schedule.exception_deleted", "doctor_schedule", &r.doctor_id)
            .map(|a| a.change(format!("exception {}", r.exception_id), ""));
        if !store::delete_exception(&self.0.db, &r.doctor_id, &r.exception_id, logged.as_ref())
            .await
            .map_err(error::store)?
        {
            return Err(Status::not_found("no such exception"));
        }
        self.0.display.changed();
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
        let service = self.0.displayed_service(&r.service_id).await?;
        let schedules = self.0.display.schedules(&self.0.db).await.map_err(error::store)?;
        let schedule = qualified_in(&schedules, &r.doctor_id, &service)?;
        let slots = self.0.doctor_slots(schedule, service.duration_minutes * 60, from, to).await?;
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
        let service = self.0.displayed_service(&r.service_id).await?;
        let schedules = self.0.display.schedules(&self.0.db).await.map_err(error::store)?;
        let mut days: Vec<CalendarDay> = Vec::new();
        let mut date = from;
        while date <= to {
            days.push(CalendarDay { date: Some(date_to_proto(date)), doctors: Vec::new() });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        let qualified: Vec<&ScheduleRow> = schedules.iter().filter(|s| qualified(s, &service)).collect();
        let (start, end) = self.0.span(from, to);
        let doctor_ids: Vec<&str> = qualified.iter().map(|s| s.doctor_id.as_str()).collect();
        let busy = self.0.busy.busy(&self.0.db, &doctor_ids, start, end).await.map_err(error::store)?;
        let starts = self.0.bookable_starts(now());
        for schedule in qualified {
            let doctor_busy = busy.get(schedule.doctor_id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let slots = domain_schedule(schedule).free_slots(
                &self.0.zone,
                from,
                to,
                service.duration_minutes * 60,
                doctor_busy,
                starts.clone(),
            );
            let mut slots = slots.into_iter().peekable();
            for (index, day) in days.iter_mut().enumerate() {
                let Ok(date) = from.checked_add(jiff::Span::new().days(i64::try_from(index).unwrap_or(0))) else {
                    continue;
                };
                let (mut free, mut free_starts) = (Vec::new(), Vec::new());
                // Slots come in time order, so each day takes a run of them.
                while let Some((_, slot)) = slots.next_if(|(d, _)| *d <= date) {
                    if starts_only {
                        free_starts.push(timestamp(slot.start));
                    } else {
                        free.push(slot_to_proto(&schedule.doctor_id, slot));
                    }
                }
                if !free.is_empty() || !free_starts.is_empty() {
                    day.doctors.push(DoctorDay {
                        doctor_id: schedule.doctor_id.clone(),
                        location: schedule.location.clone(),
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
        let mut fresh = false;
        loop {
            let Decision { service, schedule, wanted } =
                s.decide_booking(&r.service_id, &r.doctor_id, start, fresh).await?;
            let now = now();
            let row = AppointmentRow {
                id: new_id(),
                patient_id: patient_id.clone(),
                doctor_id: r.doctor_id.clone(),
                service_id: service.id.clone(),
                start_at: wanted.start,
                end_at: wanted.end,
                status: if service.auto_confirm { ApptStatus::Confirmed } else { ApptStatus::Pending },
                reason: r.reason.trim().to_owned(),
                doctor_notes: String::new(),
                cancellation_reason: String::new(),
                cancelled_by: String::new(),
                reschedule_count: 0,
                location: schedule.location.clone(),
                created_at: now,
                updated_at: now,
            };
            let notices = Facts { zone: &s.zone, appointment: &row, service_name: &service.name }
                .booked(row.status == ApptStatus::Confirmed);
            // An auto-confirmed booking is a confirmation for the EHR too.
            let ehr =
                (s.ehr_links && row.status == ApptStatus::Confirmed).then(|| EhrLink::new(&row, EhrStage::Confirmed));
            let decided_on = DecidedOn { service: service.revision, schedule: schedule.revision };
            let booking = Arc::new(NewBooking { row, decided_on, notices, ehr });
            match s.bookings.insert(booking.clone()).await {
                Ok(()) => {
                    s.busy.changed(&booking.row.doctor_id, wanted, true);
                    return Ok(Response::new(BookAppointmentResponse { appointment: Some(s.to_proto(&booking.row)) }));
                }
                // Another replica changed the service or the schedule: once more, on fresh rows.
                Err(HoldError::Changed) if !fresh => {
                    s.display.changed();
                    fresh = true;
                }
                Err(e) => return Err(s.hold_conflict(e, &schedule, &service, wanted).await),
            }
        }
    }

    async fn get_appointment(&self, request: Request<GetAppointmentRequest>) -> Reply<GetAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.visible(&caller, &r.appointment_id).await?;
        Ok(Response::new(GetAppointmentResponse { appointment: Some(self.0.to_proto(&appointment)) }))
    }

    async fn list_my_appointments(
        &self,
        request: Request<ListMyAppointmentsRequest>,
    ) -> Reply<ListMyAppointmentsResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let party =
            if caller.role == Role::Doctor { Party::Doctor(&caller.subject) } else { Party::Patient(&caller.subject) };
        let query = lists::ListQuery { party, statuses: &r.statuses, from: None, to: None, page: r.page.as_ref() };
        let (appointments, page) = self.0.list(query).await?;
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
        lists::check_patient_list(&caller, &r.patient_id)?;
        let query = lists::ListQuery {
            party: Party::Patient(&r.patient_id),
            statuses: &r.statuses,
            from: r.from_date.as_ref(),
            to: r.to_date.as_ref(),
            page: r.page.as_ref(),
        };
        let (appointments, page) = self.0.list(query).await?;
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
        lists::check_doctor_list(&caller, &r.doctor_id)?;
        let query = lists::ListQuery {
            party: Party::Doctor(&r.doctor_id),
            statuses: &r.statuses,
            from: r.from_date.as_ref(),
            to: r.to_date.as_ref(),
            page: r.page.as_ref(),
        };
        let (appointments, page) = self.0.list(query).await?;
        Ok(Response::new(ListDoctorAppointmentsResponse { appointments, page: Some(page) }))
    }

    async fn update_appointment_notes(
        &self,
        request: Request<UpdateAppointmentNotesRequest>,
    ) -> Reply<UpdateAppointmentNotesResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = self.0.update_notes(&caller, &r.appointment_id, &r.doctor_notes).await?;
        Ok(Response::new(UpdateAppointmentNotesResponse { appointment: Some(appointment) }))
    }

    async fn confirm_appointment(
        &self,
        request: Request<ConfirmAppointmentRequest>,
    ) -> Reply<ConfirmAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let change = Change { ehr: Some(EhrStage::Confirmed), ..Change::default() };
        let appointment = self.0.act(&caller, &r.appointment_id, Action::Confirm, change, |f, _| f.confirmed()).await?;
        Ok(Response::new(ConfirmAppointmentResponse { appointment: Some(appointment) }))
    }

    async fn check_in_appointment(
        &self,
        request: Request<CheckInAppointmentRequest>,
    ) -> Reply<CheckInAppointmentResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let change = Change { ehr: Some(EhrStage::CheckedIn), ..Change::default() };
        let appointment = self.0.act(&caller, &r.appointment_id, Action::CheckIn, change, |_, _| Vec::new()).await?;
        Ok(Response::new(CheckInAppointmentResponse { appointment: Some(appointment) }))
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
        let change = Change { doctor_notes: Some(r.doctor_notes), ehr: Some(EhrStage::Completed), ..Change::default() };
        let url = self.0.feedback_url.clone();
        // The invoice request rides in the same transaction as the completion.
        let service = if self.0.billing {
            let appointment = self.0.visible(&caller, &r.appointment_id).await?;
            store::get_service(&self.0.db, &appointment.service_id).await.map_err(error::store)?
        } else {
            None
        };
        let appointment = self
            .0
            .act(&caller, &r.appointment_id, Action::Complete, change, |f, _| {
                let mut notices = f.feedback_requested(&url);
                notices.extend(service.as_ref().map(|s| events::invoice_request(f.appointment, s)));
                notices
            })
            .await?;
        Ok(Response::new(CompleteAppointmentResponse { appointment: Some(appointment) }))
    }

    async fn mark_no_show(&self, request: Request<MarkNoShowRequest>) -> Reply<MarkNoShowResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let change = Change { ehr: Some(EhrStage::NoShow), ..Change::default() };
        let appointment = self.0.act(&caller, &r.appointment_id, Action::NoShow, change, |_, _| Vec::new()).await?;
        Ok(Response::new(MarkNoShowResponse { appointment: Some(appointment) }))
    }

    async fn cancel_appointment(&self, request: Request<CancelAppointmentRequest>) -> Reply<CancelAppointmentResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.text("reason", &r.reason, 500, true);
        v.into_result()?;
        let appointment = s.visible(&caller, &r.appointment_id).await?;
        let action = match caller.role {
            Role::Patient => {
                s.policy.current().check_cancel(now(), appointment.start_at).map_err(|p| {
                    refusal(Code::FailedPrecondition, p.reason(), "it is too late to cancel this appointment")
                })?;
                Action::CancelByPatient
            }
            Role::Doctor | Role::Nurse | Role::Admin => Action::CancelByDoctor,
            _ => return Err(Status::permission_denied("your role may not cancel appointments")),
        };
        let change = Change {
            cancellation: Some((r.reason.trim().to_owned(), caller.subject.clone())),
            ehr: Some(EhrStage::Cancelled),
            ..Change::default()
        };
        let by_patient = action == Action::CancelByPatient;
        let subject = caller.subject.clone();
        let appointment = s
            .act(&caller, &r.appointment_id, action, change, |f, a| f.cancelled(by_patient, subject == a.doctor_id))
            .await?;
        Ok(Response::new(CancelAppointmentResponse { appointment: Some(appointment) }))
    }

    async fn reschedule_appointment(
        &self,
        request: Request<RescheduleAppointmentRequest>,
    ) -> Reply<RescheduleAppointmentResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let start = start_from_proto(&mut v, "start_time", r.start_time.as_ref());
        if r.doctor_id.len() > 64 {
            v.add("doctor_id", "must have at most 64 characters");
        }
        if r.service_id.len() > 64 {
            v.add("service_id", "must have at most 64 characters");
        }
        v.into_result()?;
        let Some(start) = start else { return Err(invalid_field("start_time", "is required")) };
        let old = s.visible(&caller, &r.appointment_id).await?;
        if !old.status.is_open() {
            return Err(refusal(
                Code::FailedPrecondition,
                "INVALID_TRANSITION",
                format!("a {} appointment cannot be moved", old.status.as_str()),
            ));
        }
        let now = now();
        let policy = s.policy.current();
        let checked = if caller.role == Role::Patient {
            policy.check_reschedule(now, old.start_at, old.reschedule_count)
        } else {
            policy.check_reschedule(i64::MIN / 2, old.start_at, old.reschedule_count)
        };
        checked
            .map_err(|p| refusal(Code::FailedPrecondition, p.reason(), "this appointment can no longer be moved"))?;
        let doctor_id = if r.doctor_id.is_empty() { old.doctor_id.clone() } else { r.doctor_id.clone() };
        let service_id = if r.service_id.is_empty() { old.service_id.clone() } else { r.service_id.clone() };
        let service = s.bookable_service(&service_id).await?;
        let schedule = s.qualified_schedule(&doctor_id, &service).await?;
        let wanted = s.check_slot(&schedule, &service, start).await?;
        // A new doctor confirms anew, unless the service needs no confirmation.
        let status = if doctor_id != old.doctor_id && !service.auto_confirm { ApptStatus::Pending } else { old.status };
        let new = AppointmentRow {
            doctor_id,
            service_id,
            start_at: wanted.start,
            end_at: wanted.end,
            status,
            reschedule_count: old.reschedule_count + 1,
            location: schedule.location.clone(),
            updated_at: now,
            ..old.clone()
        };
        let mut notices = Facts { zone: &s.zone, appointment: &new, service_name: &service.name }.rescheduled();
        if new.doctor_id != old.doctor_id {
            let old_name = s.service_name(&old.service_id).await?;
            let facts = Facts { zone: &s.zone, appointment: &old, service_name: &old_name };
            notices.push(facts.notice("APPOINTMENT_CANCELLED_DOCTOR", Recipient::Doctor));
        }
        match store::reschedule(&s.db, &old, &new, &notices).await {
            Ok(()) => {
                s.busy.changed(&old.doctor_id, Interval { start: old.start_at, end: old.end_at }, false);
                s.busy.changed(&new.doctor_id, wanted, true);
                Ok(Response::new(RescheduleAppointmentResponse { appointment: Some(s.to_proto(&new)) }))
            }
            Err(MoveError::Changed) => {
                Err(refusal(Code::Aborted, "CONCURRENT_UPDATE", "the appointment changed meanwhile; retry"))
            }
            Err(MoveError::Hold(e)) => Err(s.hold_conflict(e, &schedule, &service, wanted).await),
        }
    }

    async fn submit_feedback(&self, request: Request<SubmitFeedbackRequest>) -> Reply<SubmitFeedbackResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", &r.appointment_id);
        if !(1..=5).contains(&r.rating) {
            v.add("rating", "must be 1 to 5");
        }
        v.text("comment", &r.comment, 2000, false);
        v.into_result()?;
        let appointment = s.visible(&caller, &r.appointment_id).await?;
        if appointment.status != ApptStatus::Completed {
            return Err(refusal(Code::FailedPrecondition, "NOT_COMPLETED", "feedback follows a completed appointment"));
        }
        let row = FeedbackRow {
            appointment_id: appointment.id.clone(),
            patient_id: appointment.patient_id.clone(),
            doctor_id: appointment.doctor_id.clone(),
            rating: i64::from(r.rating),
            comment: r.comment.trim().to_owned(),
            created_at: now(),
        };
        match store::insert_feedback(&s.db, &row).await {
            Ok(()) => Ok(Response::new(SubmitFeedbackResponse { feedback: Some(feedback_to_proto(&row)) })),
            Err(e) if error::is_unique_violation(&e) => {
                Err(refusal(Code::AlreadyExists, "FEEDBACK_EXISTS", "this appointment already has feedback"))
            }
            Err(e) => Err(error::store(e)),
        }
    }

    async fn get_feedback(&self, request: Request<GetFeedbackRequest>) -> Reply<GetFeedbackResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let appointment = s.visible(&caller, &r.appointment_id).await?;
        let feedback = store::get_feedback(&s.db, &appointment.id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("this appointment has no feedback"))?;
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
        if r.doctor_id.len() > 64 {
            v.add("doctor_id", "must have at most 64 characters");
        }
        if r.service_id.len() > 64 {
            v.add("service_id", "must have at most 64 characters");
        }
        if !r.doctor_id.is_empty() && !r.service_id.is_empty() {
            v.add("service_id", "cannot be combined with doctor_id");
        }
        v.into_result()?;
        if caller.role == Role::Doctor && r.doctor_id != caller.subject {
            return Err(Status::permission_denied("a doctor sees reports of their own schedule only"));
        }
        let Some((first, last)) = period.zip(date).and_then(|(p, d)| report::bounds(d, p)) else {
            return Err(invalid_field("date", "is out of range"));
        };
        let doctor = (!r.doctor_id.is_empty()).then_some(r.doctor_id.as_str());
        let service = (!r.service_id.is_empty()).then_some(r.service_id.as_str());
        let (from, to) = stats::instants(&s.zone, first, last);

        // Whose consulting hours count as available.
        let mut schedules = store::schedules(&s.db, doctor).await.map_err(error::store)?;
        if let Some(service_id) = service {
            let service = store::get_service(&s.db, service_id)
                .await
                .map_err(error::store)?
                .ok_or_else(|| Status::not_found("no such medical service"))?;
            schedules.retain(|schedule| qualified(schedule, &service));
        }
        let available = stats::available_seconds(&s.zone, &schedules, first, last);

        const LIMIT: usize = 1000;
        let mut rows =
            store::appointments_between(&s.db, from, to, doctor, service, LIMIT + 1).await.map_err(error::store)?;
        let truncated = rows.len() > LIMIT;
        rows.truncate(LIMIT);
        let totals = store::appointment_totals(&s.db, from, to, doctor, service).await.map_err(error::store)?;
        let (counts, booked) = stats::summarise(&totals);
        Ok(Response::new(GetScheduleReportResponse {
            start_date: Some(date_to_proto(first)),
            end_date: Some(date_to_proto(last)),
            time_zone: s.zone_name.clone(),
            appointments: rows.iter().map(|a| s.to_proto(a)).collect(),
            truncated,
            counts,
            booked_minutes: booked / 60,
            available_minutes: available / 60,
            utilisation_bp: report::utilisation_bp(booked / 60, available / 60),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_validated() {
        let mut v = FieldViolations::new();
        let t = |hours, minutes| TimeOfDay { hours, minutes, seconds: 0, nanos: 0 };
        assert_eq!(minute_from_proto(&mut v, "a", Some(&t(8, 30)), false), Some(510));
        assert_eq!(minute_from_proto(&mut v, "b", Some(&t(24, 0)), true), Some(1440));
        assert!(v.is_empty());
        assert_eq!(minute_from_proto(&mut v, "c", Some(&t(24, 0)), false), None);
        assert_eq!(minute_from_proto(&mut v, "d", Some(&t(8, 7)), false), None);
        assert_eq!(minute_from_proto(&mut v, "e", None, false), None);
        assert!(!v.is_empty());
    }

    #[test]
    fn dates_are_validated() {
        let mut v = FieldViolations::new();
        assert!(date_from_proto(&mut v, "a", Some(&ProtoDate { year: 2026, month: 2, day: 29 })).is_none());
        assert!(date_from_proto(&mut v, "b", Some(&ProtoDate { year: 0, month: 2, day: 1 })).is_none());
        assert_eq!(
            date_from_proto(&mut v, "c", Some(&ProtoDate { year: 2028, month: 2, day: 29 })),
            Some(Date::constant(2028, 2, 29))
        );
    }
}
