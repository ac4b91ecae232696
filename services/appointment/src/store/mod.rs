//! The repository: every query of the appointment service, one file per
//! resource. Instants are Unix seconds (BIGINT), civil dates ISO strings,
//! flags 0/1, on both dialects. Writes take their outbox events ready-made
//! (`hms_kit::outbox::Event`, built by the service's events.rs), so the store never
//! knows their shapes.

use hms_kit::admin_audit::{self, AdminActionEvent};
use sqlx::{Any, Transaction};

mod appointments;
mod bookings;
mod feedback;
mod holds;
mod reminders;
mod reports;
mod schedules;
mod services;

pub use appointments::{
    AppointmentRow, Change, DecidedOn, MoveError, NewBooking, OnWritten, Party, change_status, get_appointment,
    list_appointments, reschedule, update_notes,
};
pub use bookings::BookingWriter;
pub use feedback::{FeedbackRow, get_feedback, insert_feedback};
pub use holds::HoldError;
pub use reminders::{DueReminder, due_reminders, mark_reminder_sent};
pub use reports::{appointment_totals, appointments_between};
pub use schedules::{
    ExceptionRow, ScheduleRow, add_exception, delete_exception, doctors_busy, schedules, set_schedule,
};
pub use services::{Deleted, ServiceRow, delete_service, get_service, insert_service, list_services, update_service};

/// Writes an admin's entry for the audit log, if any, inside the caller's
/// transaction: `by_admin` of the catalog and schedule writes is the
/// change's entry, written with it.
async fn log_admin_action(tx: &mut Transaction<'_, Any>, action: Option<&AdminActionEvent>) -> Result<(), sqlx::Error> {
    if let Some(action) = action {
        admin_audit::enqueue(tx, action).await?;
    }
    Ok(())
}
