//! Conversions between the proto messages and the rows and rules of the
//! service, and the validation of request fields into them.

use hms_kit::error::FieldViolations;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Money;
use hms_kit::proto::google::r#type::{Date as ProtoDate, TimeOfDay};
use hms_kit::time::{
    date_from_proto, date_to_proto, minute_of_day_from_proto, minute_of_day_to_proto, seconds_to_timestamp,
};
use jiff::civil::Date;

use crate::app::Figures;
use crate::domain::report;
use crate::domain::slots::ExceptionKind as DomainExceptionKind;
use crate::domain::status::Status as ApptStatus;
use crate::domain::{GRANULE_SECS, MAX_DURATION_MINUTES};
use crate::store::{AppointmentRow, ExceptionRow, FeedbackRow, ScheduleRow, ServiceRow};

/// Longest date range of an availability query, in days.
const MAX_RANGE_DAYS: i32 = 62;
/// Latest accepted start (9999-01-01T00:00:00Z): keeps instant arithmetic far
/// from overflow.
const LATEST_START: i64 = 253_370_764_800;

/// Minutes after midnight of a wall-clock time: whole minutes, a multiple of
/// the granule; 24:00 only when `end`.
pub(super) fn minute_from_proto(
    v: &mut FieldViolations,
    field: &str,
    time: Option<&TimeOfDay>,
    end: bool,
) -> Option<i32> {
    let minute = minute_of_day_from_proto(v, field, time, end)?;
    if i64::from(minute) * 60 % GRANULE_SECS != 0 {
        v.add(field, "must be a multiple of 5 minutes");
        return None;
    }
    Some(minute)
}

/// A booking start: whole seconds on a 5-minute boundary.
pub(super) fn start_from_proto(
    v: &mut FieldViolations,
    field: &str,
    ts: Option<&prost_types::Timestamp>,
) -> Option<i64> {
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

pub(super) fn kind_name(kind: ServiceKind) -> &'static str {
    kind.as_str_name().strip_prefix("SERVICE_KIND_").unwrap_or("UNSPECIFIED")
}

pub(super) fn kind_from_name(name: &str) -> ServiceKind {
    ServiceKind::from_str_name(&format!("SERVICE_KIND_{name}")).unwrap_or(ServiceKind::Unspecified)
}

pub(super) fn service_to_proto(s: &ServiceRow) -> MedicalService {
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
        create_time: Some(seconds_to_timestamp(s.created_at)),
        update_time: Some(seconds_to_timestamp(s.updated_at)),
    }
}

/// Validates a service's fields into `row` (id, code and times untouched).
pub(super) fn service_input(v: &mut FieldViolations, input: Option<&MedicalServiceInput>, row: &mut ServiceRow) {
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

pub(super) fn valid_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

pub(super) fn exception_to_proto(e: &ExceptionRow) -> ScheduleException {
    ScheduleException {
        id: e.id.clone(),
        kind: match e.exception.kind {
            DomainExceptionKind::Unavailable => ExceptionKind::Unavailable,
            DomainExceptionKind::ExtraHours => ExceptionKind::ExtraHours,
        }
        .into(),
        start_date: Some(date_to_proto(e.exception.start)),
        end_date: Some(date_to_proto(e.exception.end)),
        start_time: e.exception.hours.map(|h| minute_of_day_to_proto(h.0)),
        end_time: e.exception.hours.map(|h| minute_of_day_to_proto(h.1)),
        note: e.note.clone(),
    }
}

pub(super) fn schedule_to_proto(s: &ScheduleRow, zone_name: &str) -> DoctorSchedule {
    DoctorSchedule {
        doctor_id: s.doctor_id.clone(),
        specialty: s.specialty.clone(),
        location: s.location.clone(),
        blocks: s
            .blocks
            .iter()
            .map(|b| WeeklyBlock {
                day_of_week: i32::from(b.weekday),
                start_time: Some(minute_of_day_to_proto(b.start)),
                end_time: Some(minute_of_day_to_proto(b.end)),
                valid_from: b.valid_from.map(date_to_proto),
                valid_to: b.valid_to.map(date_to_proto),
            })
            .collect(),
        exceptions: s.exceptions.iter().map(exception_to_proto).collect(),
        time_zone: zone_name.to_owned(),
    }
}

pub(super) fn appointment_to_proto(a: &AppointmentRow) -> Appointment {
    let status = status_to_proto(a.status);
    Appointment {
        id: a.id.clone(),
        patient_id: a.patient_id.clone(),
        doctor_id: a.doctor_id.clone(),
        service_id: a.service_id.clone(),
        start_time: Some(seconds_to_timestamp(a.start_at)),
        end_time: Some(seconds_to_timestamp(a.end_at)),
        status: status.into(),
        reason: a.reason.clone(),
        doctor_notes: a.doctor_notes.clone(),
        cancellation_reason: a.cancellation_reason.clone(),
        cancelled_by: a.cancelled_by.clone(),
        reschedule_count: a.reschedule_count,
        location: a.location.clone(),
        create_time: Some(seconds_to_timestamp(a.created_at)),
        update_time: Some(seconds_to_timestamp(a.updated_at)),
    }
}

pub(super) fn status_to_proto(status: ApptStatus) -> AppointmentStatus {
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

pub(super) fn feedback_to_proto(f: &FeedbackRow) -> Feedback {
    Feedback {
        appointment_id: f.appointment_id.clone(),
        patient_id: f.patient_id.clone(),
        doctor_id: f.doctor_id.clone(),
        rating: i32::try_from(f.rating).unwrap_or(0),
        comment: f.comment.clone(),
        create_time: Some(seconds_to_timestamp(f.created_at)),
    }
}

/// Validates a date range of at most [`MAX_RANGE_DAYS`].
pub(super) fn date_range(
    v: &mut FieldViolations,
    start: Option<&ProtoDate>,
    end: Option<&ProtoDate>,
) -> Option<(Date, Date)> {
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

/// The distinct statuses asked for; a violation for each unknown one.
pub(super) fn parse_statuses(v: &mut FieldViolations, statuses: &[i32]) -> Vec<ApptStatus> {
    let mut parsed = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let name = AppointmentStatus::try_from(*status)
            .ok()
            .filter(|s| *s != AppointmentStatus::Unspecified)
            .and_then(|s| ApptStatus::parse(s.as_str_name().trim_start_matches("APPOINTMENT_STATUS_")));
        match name {
            Some(status) if !parsed.contains(&status) => parsed.push(status),
            Some(_) => {}
            None => v.add(format!("statuses[{i}]"), "is not an appointment status"),
        }
    }
    parsed
}

/// Every status with its count (zeros included), and the booked seconds of
/// the appointments that hold their slot.
pub(super) fn summarise(totals: &[(ApptStatus, i64, i64)]) -> (Vec<StatusCount>, i64) {
    let booked = totals.iter().filter(|(st, _, _)| !st.is_cancelled()).map(|(_, _, secs)| secs).sum();
    let counts = ApptStatus::ALL
        .iter()
        .map(|status| StatusCount {
            status: status_to_proto(*status).into(),
            count: totals
                .iter()
                .find(|(st, _, _)| st == status)
                .map_or(0, |(_, n, _)| i32::try_from(*n).unwrap_or(i32::MAX)),
        })
        .collect();
    (counts, booked)
}

/// A period's figures for the dashboard.
pub(super) fn figures_to_proto(f: &Figures) -> AppointmentPeriodStats {
    let (counts, booked) = summarise(&f.totals);
    AppointmentPeriodStats {
        start_date: Some(date_to_proto(f.first)),
        end_date: Some(date_to_proto(f.last)),
        counts,
        booked_minutes: booked / 60,
        available_minutes: f.available / 60,
        utilisation_bp: report::utilisation_bp(booked / 60, f.available / 60),
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
}
