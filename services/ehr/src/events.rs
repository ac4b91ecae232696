//! The events this service consumes; it emits none. The appointment service's
//! outbox relay delivers each stage of an appointment (confirmed, checked in,
//! completed, cancelled, no-show) over `InternalEhrService.LinkAppointment`;
//! `api::convert` checks it into a [`Link`], `app::care` follows it.

use crate::domain::care::Stage;

/// An appointment event, checked.
pub struct Link {
    pub patient: String,
    pub appointment: String,
    pub doctor: String,
    /// The appointment's start, Unix microseconds.
    pub at: i64,
    pub stage: Stage,
}
