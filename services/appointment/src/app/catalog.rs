//! The catalog of medical services and the doctors' schedules: reads, and
//! the changes, each with the admin audit log's entry when an admin makes
//! it, after which the cached rows the calendar shows are read again.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Caller;
use hms_kit::error::refusal;
use hms_kit::proto::common::Role;
use hms_kit::time::now_seconds;
use tonic::{Code, Status};

use super::State;
use crate::domain::slots::Block;
use crate::store::{self, Deleted, ExceptionRow, ScheduleRow, ServiceRow};

impl State {
    /// Adds a service to the catalog; its code is unique.
    pub(crate) async fn create_service(&self, by: &Caller, row: &ServiceRow) -> Result<(), Status> {
        let logged = admin_action(by, "catalog.service_created", "medical_service", &row.id)
            .map(|a| a.change("", service_summary(row)));
        match store::insert_service(&self.db, row, logged.as_ref()).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_unique_violation() => {
                Err(refusal(Code::AlreadyExists, "CODE_TAKEN", "a medical service with this code exists"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a service with `edit` (which validates what it writes).
    pub(crate) async fn update_service(
        &self,
        by: &Caller,
        id: &str,
        edit: impl FnOnce(&mut ServiceRow) -> Result<(), Status>,
    ) -> Result<ServiceRow, Status> {
        let mut row = self.service(id).await?;
        let before = service_summary(&row);
        edit(&mut row)?;
        row.updated_at = now_seconds();
        let logged = admin_action(by, "catalog.service_updated", "medical_service", &row.id)
            .map(|a| a.change(before, service_summary(&row)));
        if !store::update_service(&self.db, &row, logged.as_ref()).await? {
            return Err(Status::not_found("no such medical service"));
        }
        self.display.changed();
        Ok(row)
    }

    /// Deletes a service never booked; one that was is deactivated instead.
    pub(crate) async fn delete_service(&self, by: &Caller, id: &str) -> Result<(), Status> {
        let before = store::get_service(&self.db, id).await?;
        let logged = admin_action(by, "catalog.service_deleted", "medical_service", id)
            .map(|a| a.change(before.as_ref().map(service_summary).unwrap_or_default(), ""));
        match store::delete_service(&self.db, id, logged.as_ref()).await? {
            Deleted::Done => {
                self.display.changed();
                Ok(())
            }
            Deleted::NotFound => Err(Status::not_found("no such medical service")),
            Deleted::InUse => Err(refusal(
                Code::FailedPrecondition,
                "SERVICE_IN_USE",
                "this medical service has appointments; deactivate it instead",
            )),
        }
    }

    pub(crate) async fn service(&self, id: &str) -> Result<ServiceRow, Status> {
        store::get_service(&self.db, id).await?.ok_or_else(|| Status::not_found("no such medical service"))
    }

    /// Services by code after `after`, at most `limit`.
    pub(crate) async fn services(
        &self,
        include_inactive: bool,
        kind: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ServiceRow>, Status> {
        Ok(store::list_services(&self.db, include_inactive, kind, after, limit).await?)
    }

    /// Replaces a doctor's schedule; the schedule as stored.
    pub(crate) async fn set_schedule(
        &self,
        by: &Caller,
        doctor_id: &str,
        specialty: &str,
        location: &str,
        blocks: &[Block],
    ) -> Result<Option<ScheduleRow>, Status> {
        let logged = match admin_action(by, "schedule.set", "doctor_schedule", doctor_id) {
            Some(action) => {
                let before = store::schedules(&self.db, Some(doctor_id)).await?.pop();
                let before = before.map(|s| schedule_summary(&s.specialty, &s.location, s.blocks.len()));
                let after = schedule_summary(specialty, location, blocks.len());
                Some(action.change(before.unwrap_or_default(), after))
            }
            None => None,
        };
        store::set_schedule(&self.db, doctor_id, specialty, location, blocks, now_seconds(), logged.as_ref()).await?;
        self.display.changed();
        Ok(store::schedules(&self.db, Some(doctor_id)).await?.pop())
    }

    pub(crate) async fn schedule(&self, doctor_id: &str) -> Result<ScheduleRow, Status> {
        store::schedules(&self.db, Some(doctor_id))
            .await?
            .pop()
            .ok_or_else(|| Status::not_found("this doctor has no schedule"))
    }

    pub(crate) async fn add_exception(&self, by: &Caller, doctor_id: &str, row: &ExceptionRow) -> Result<(), Status> {
        let logged = admin_action(by, "schedule.exception_added", "doctor_schedule", doctor_id)
            .map(|a| a.change("", exception_summary(row)));
        store::add_exception(&self.db, doctor_id, row, logged.as_ref()).await?;
        self.display.changed();
        Ok(())
    }

    pub(crate) async fn delete_exception(&self, by: &Caller, doctor_id: &str, id: &str) -> Result<(), Status> {
        let logged = admin_action(by, "schedule.exception_deleted", "doctor_schedule", doctor_id)
            .map(|a| a.change(format!("exception {id}"), ""));
        if !store::delete_exception(&self.db, doctor_id, id, logged.as_ref()).await? {
            return Err(Status::not_found("no such exception"));
        }
        self.display.changed();
        Ok(())
    }
}

/// The admin audit log's entry for a catalog or schedule change an admin
/// makes; none for a doctor's change of their own schedule.
fn admin_action(by: &Caller, action: &str, target_type: &str, target_id: &str) -> Option<AdminActionEvent> {
    (by.role == Role::Admin).then(|| AdminActionEvent::by(by, &by.address, action, target_type, target_id))
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
