//! Rows for the library's own unit tests and its bench feature's ceiling: a
//! check-up service and a pending booking as the store takes them. Compiled
//! into the library (`src/lib.rs` includes this file as `crate::fixtures`
//! under `cfg(test)` or the `bench` feature), not into the integration tests,
//! which reach the service through its API only.

use crate::domain::status::Status;
use crate::events::{Facts, notice_events};
use crate::store::{AppointmentRow, DecidedOn, NewBooking, ServiceRow};

/// An active 30-minute check-up at revision 0.
pub fn check_up(id: &str, code: &str) -> ServiceRow {
    ServiceRow {
        id: id.to_owned(),
        code: code.to_owned(),
        name: "Check-up".to_owned(),
        description: String::new(),
        kind: "GENERAL_CHECKUP".to_owned(),
        duration_minutes: 30,
        price_minor: 0,
        currency: "VND".to_owned(),
        specialties: Vec::new(),
        auto_confirm: false,
        active: true,
        created_at: 0,
        updated_at: 0,
        revision: 0,
    }
}

/// A pending booking of the check-up `service_id` in Room 1, decided on
/// revision 0 of the service and the schedule, with its notices.
pub fn pending_booking(service_id: &str, patient_id: &str, doctor_id: &str, start: i64, minutes: i64) -> NewBooking {
    let now = jiff::Timestamp::now().as_second();
    let row = AppointmentRow {
        id: uuid::Uuid::now_v7().to_string(),
        patient_id: patient_id.to_owned(),
        doctor_id: doctor_id.to_owned(),
        service_id: service_id.to_owned(),
        start_at: start,
        end_at: start + minutes * 60,
        status: Status::Pending,
        reason: String::new(),
        doctor_notes: String::new(),
        cancellation_reason: String::new(),
        cancelled_by: String::new(),
        reschedule_count: 0,
        location: "Room 1".to_owned(),
        created_at: now,
        updated_at: now,
    };
    let notices = Facts { zone: &jiff::tz::TimeZone::UTC, appointment: &row, service_name: "Check-up" }.booked(false);
    let notices = notice_events(&row.id, &notices).expect("notices serialise");
    NewBooking { row, decided_on: DecidedOn { service: 0, schedule: 0 }, notices, ehr: None }
}
