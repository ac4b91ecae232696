//! The use cases of the appointment service, over the domain rules, the
//! store and the events: booking and moving appointments (`booking`), free
//! slots and the calendar (`availability`), an appointment's lifecycle and
//! feedback (`lifecycle`), the catalog and the doctors' schedules
//! (`catalog`), lists and figures (`reports`). The API calls them once it
//! has authorised the caller and validated the request.

use hms_kit::auth::Principal;
use hms_kit::client::OutboundChannel;
use hms_kit::error::{FieldViolations, refusal};
use hms_kit::ids::check_id;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::storage::Db;
use jiff::tz::TimeZone;
use tonic::{Code, Status};

use crate::cache::{BusyCache, DisplayCache, NameCache};
use crate::domain::slots::{Interval, Schedule};
use crate::store::{self, AppointmentRow, BookingWriter, ScheduleRow, ServiceRow};

mod availability;
mod booking;
mod catalog;
mod lifecycle;
mod reports;

pub(crate) use booking::{BookingRequest, MoveRequest, slot_to_proto};
pub(crate) use reports::Figures;

/// What every use case works with: the store, the caches, the clinic's
/// zone and the change policy.
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

impl State {
    async fn load(&self, id: &str) -> Result<AppointmentRow, Status> {
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", id);
        v.into_result()?;
        store::get_appointment(&self.db, id).await?.ok_or_else(|| Status::not_found("no such appointment"))
    }

    /// The name of a service for messages (empty if it was deleted).
    async fn service_name(&self, service_id: &str) -> Result<String, Status> {
        Ok(store::get_service(&self.db, service_id).await?.map(|s| s.name).unwrap_or_default())
    }

    /// The appointment if the caller may see it; NOT_FOUND otherwise, so ids
    /// of others' appointments reveal nothing.
    pub(crate) async fn visible(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        let appointment = self.load(id).await?;
        if may_see(caller, &appointment) { Ok(appointment) } else { Err(Status::not_found("no such appointment")) }
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
