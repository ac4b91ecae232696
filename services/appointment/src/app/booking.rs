//! Booking and moving an appointment: the decision (service bookable,
//! doctor qualified, slot inside the schedule and the horizon), the write
//! with its holds and events, and the refusal with alternatives when the
//! slot is not free.

use std::sync::Arc;

use hms_kit::auth::Principal;
use hms_kit::error::{self, refusal, refusal_with, refusal_with_detail};
use hms_kit::ids::new_id;
use hms_kit::proto::appointment::{Slot, SlotAlternatives};
use hms_kit::proto::common::Role;
use hms_kit::time::now_seconds;
use jiff::civil::Date;
use tonic::{Code, Status};

use super::{State, domain_schedule, qualified, qualified_in, wanted_interval};
use crate::domain::GRANULE_SECS;
use crate::domain::slots::Interval;
use crate::domain::status::Status as ApptStatus;
use crate::events::{self, EhrLink, EhrStage, Facts, Recipient};
use crate::store::{self, AppointmentRow, DecidedOn, HoldError, MoveError, NewBooking, ScheduleRow, ServiceRow};

/// What a booking is decided on.
struct Decision {
    service: Arc<ServiceRow>,
    schedule: ScheduleRow,
    wanted: Interval,
}

/// How far around the wanted time alternatives are looked for, in days.
const ALTERNATIVE_DAYS: i64 = 7;

/// What a booking asks for, validated.
pub(crate) struct BookingRequest<'a> {
    pub patient_id: &'a str,
    pub doctor_id: &'a str,
    pub service_id: &'a str,
    pub start: i64,
    pub reason: &'a str,
}

/// What a move asks for, validated: an empty doctor or service keeps the
/// appointment's.
pub(crate) struct MoveRequest<'a> {
    pub appointment_id: &'a str,
    pub doctor_id: &'a str,
    pub service_id: &'a str,
    pub start: i64,
}

impl State {
    /// Books an appointment: decided from cached rows, and once more from
    /// fresh ones when another replica changed the service or the schedule
    /// meanwhile.
    pub(crate) async fn book(&self, r: BookingRequest<'_>) -> Result<AppointmentRow, Status> {
        let s = self;
        let start = r.start;
        let mut fresh = false;
        loop {
            let Decision { service, schedule, wanted } =
                s.decide_booking(r.service_id, r.doctor_id, start, fresh).await?;
            let now = now_seconds();
            let row = AppointmentRow {
                id: new_id(),
                patient_id: r.patient_id.to_owned(),
                doctor_id: r.doctor_id.to_owned(),
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
            let notices = events::notice_events(&row.id, &notices).map_err(error::internal)?;
            // An auto-confirmed booking is a confirmation for the EHR too.
            let ehr = (s.ehr_links && row.status == ApptStatus::Confirmed)
                .then(|| EhrLink::new(&row, EhrStage::Confirmed).event())
                .transpose()
                .map_err(error::internal)?;
            let decided_on = DecidedOn { service: service.revision, schedule: schedule.revision };
            let booking = Arc::new(NewBooking { row, decided_on, notices, ehr });
            match s.bookings.insert(booking.clone()).await {
                Ok(()) => {
                    s.busy.changed(&booking.row.doctor_id, wanted, true);
                    return Ok(booking.row.clone());
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

    /// Moves an appointment (time, and maybe doctor or service) within the
    /// change policy; staff are not held to the notice.
    pub(crate) async fn reschedule(&self, caller: &Principal, r: MoveRequest<'_>) -> Result<AppointmentRow, Status> {
        let s = self;
        let start = r.start;
        let old = s.visible(caller, r.appointment_id).await?;
        if !old.status.is_open() {
            return Err(refusal(
                Code::FailedPrecondition,
                "INVALID_TRANSITION",
                format!("a {} appointment cannot be moved", old.status.as_str()),
            ));
        }
        let now = now_seconds();
        let policy = s.policy.current();
        let checked = if caller.role == Role::Patient {
            policy.check_reschedule(now, old.start_at, old.reschedule_count)
        } else {
            policy.check_reschedule(i64::MIN / 2, old.start_at, old.reschedule_count)
        };
        checked
            .map_err(|p| refusal(Code::FailedPrecondition, p.reason(), "this appointment can no longer be moved"))?;
        let doctor_id = if r.doctor_id.is_empty() { old.doctor_id.clone() } else { r.doctor_id.to_owned() };
        let service_id = if r.service_id.is_empty() { old.service_id.clone() } else { r.service_id.to_owned() };
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
        let events = events::notice_events(&new.id, &notices).map_err(error::internal)?;
        match store::reschedule(&s.db, &old, &new, &events).await {
            Ok(()) => {
                s.busy.changed(&old.doctor_id, Interval { start: old.start_at, end: old.end_at }, false);
                s.busy.changed(&new.doctor_id, wanted, true);
                Ok(new)
            }
            Err(MoveError::Changed) => {
                Err(refusal(Code::Aborted, "CONCURRENT_UPDATE", "the appointment changed meanwhile; retry"))
            }
            Err(MoveError::Hold(e)) => Err(s.hold_conflict(e, &schedule, &service, wanted).await),
        }
    }

    /// A service that can be booked: known and active.
    async fn bookable_service(&self, service_id: &str) -> Result<ServiceRow, Status> {
        let service = store::get_service(&self.db, service_id)
            .await?
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
        let Some(service) = self.display.service(&self.db, service_id).await? else {
            return Ok(None);
        };
        let schedules = self.display.schedules(&self.db).await?;
        let Ok(schedule) = qualified_in(&schedules, doctor_id, &service) else { return Ok(None) };
        let wanted = wanted_interval(&service, start);
        let bookable = service.active
            && self.bookable_starts(now_seconds()).contains(&start)
            && domain_schedule(schedule).fits(&self.zone, wanted);
        Ok(bookable.then(|| Decision { schedule: schedule.clone(), service, wanted }))
    }

    /// The schedule of a doctor qualified for `service`.
    async fn qualified_schedule(&self, doctor_id: &str, service: &ServiceRow) -> Result<ScheduleRow, Status> {
        let schedules = store::schedules(&self.db, Some(doctor_id)).await?;
        qualified_in(&schedules, doctor_id, service).cloned()
    }

    /// Checks that `[start, start + duration)` is bookable with `schedule`
    /// (future, within the horizon, inside the schedule); the refusal carries
    /// alternatives.
    async fn check_slot(&self, schedule: &ScheduleRow, service: &ServiceRow, start: i64) -> Result<Interval, Status> {
        let wanted = wanted_interval(service, start);
        let now = now_seconds();
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

    /// The refusal of a booking or move that the holds rejected, with alternatives.
    async fn hold_conflict(
        &self,
        refused: HoldError,
        schedule: &ScheduleRow,
        service: &ServiceRow,
        wanted: Interval,
    ) -> Status {
        let (reason, message) = match refused {
            HoldError::Store(e) => return hms_kit::storage::StoreError::from(e).into(),
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

    /// A refusal with `reason` and a [`SlotAlternatives`] detail.
    async fn unavailable(
        &self,
        reason: &str,
        message: &str,
        schedule: &ScheduleRow,
        service: &ServiceRow,
        wanted: Interval,
    ) -> Status {
        match self.alternatives(schedule, service, wanted).await {
            Ok(alternatives) => refusal_with_detail(
                Code::FailedPrecondition,
                reason,
                message,
                [("doctor_id", schedule.doctor_id.clone())],
                "hms.appointment.v1.SlotAlternatives",
                &alternatives,
            ),
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
        let others = self.display.schedules(&self.db).await?;
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
}

/// A free slot as the API shows it (alternatives travel in refusals).
pub(crate) fn slot_to_proto(doctor_id: &str, slot: Interval) -> Slot {
    Slot {
        doctor_id: doctor_id.to_owned(),
        start_time: Some(hms_kit::time::seconds_to_timestamp(slot.start)),
        end_time: Some(hms_kit::time::seconds_to_timestamp(slot.end)),
    }
}
