//! Appointments: the booking insert, reads, lists, status changes and moves,
//! each with its outbox events in the same transaction.

use std::sync::Arc;

use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, Statement, StoreError, Value, retry_transient};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::holds::{HoldError, hold_inserts, hold_refusal, release_holds, take_holds};
use crate::domain::status::Status;

#[derive(Debug, Clone)]
pub struct AppointmentRow {
    pub id: String,
    pub patient_id: String,
    pub doctor_id: String,
    pub service_id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub status: Status,
    pub reason: String,
    pub doctor_notes: String,
    pub cancellation_reason: String,
    pub cancelled_by: String,
    pub reschedule_count: i32,
    pub location: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) const APPOINTMENT_COLUMNS: &str = "id, patient_id, doctor_id, service_id, start_at, end_at, status, reason, \
    doctor_notes, cancellation_reason, cancelled_by, reschedule_count, location, created_at, updated_at";

pub(super) fn appointment_row(row: &AnyRow) -> Result<AppointmentRow, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(AppointmentRow {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        doctor_id: row.try_get("doctor_id")?,
        service_id: row.try_get("service_id")?,
        start_at: row.try_get("start_at")?,
        end_at: row.try_get("end_at")?,
        status: Status::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown appointment status {status}").into()))?,
        reason: row.try_get("reason")?,
        doctor_notes: row.try_get("doctor_notes")?,
        cancellation_reason: row.try_get("cancellation_reason")?,
        cancelled_by: row.try_get("cancelled_by")?,
        reschedule_count: i32::try_from(row.try_get::<i64, _>("reschedule_count")?).unwrap_or(i32::MAX),
        location: row.try_get("location")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The revisions of the service and of the doctor's schedule that a booking
/// was decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecidedOn {
    pub service: i64,
    pub schedule: i64,
}

/// A booking to write: the appointment, the revisions it was decided on,
/// and the outbox events its transaction enqueues: the notices, and the EHR
/// link when there is one (written after every booking's notices).
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub row: AppointmentRow,
    pub decided_on: DecidedOn,
    pub notices: Vec<Event>,
    pub ehr: Option<Event>,
}

/// Inserts an appointment with its holds and notices in one transaction of
/// its own, provided its service is still active and neither the service
/// nor the doctor's schedule changed since `decided_on` (checked by the
/// insert itself, so the booking may be decided from cached rows). Its
/// reminders are found from it later (see [`super::due_reminders`]). Bookings
/// usually go through [`super::BookingWriter`], which on MySQL writes several in one
/// transaction.
pub async fn insert_appointment(db: &Db, booking: &NewBooking) -> Result<(), HoldError> {
    let NewBooking { row: a, decided_on, .. } = booking;
    let mut script = Vec::with_capacity(6);
    script.extend(hold_inserts(&a.id, &a.doctor_id, &a.patient_id, a.start_at, a.end_at));
    let mut args = appointment_values(a);
    args.extend([
        a.service_id.as_str().into(),
        decided_on.service.into(),
        a.doctor_id.as_str().into(),
        decided_on.schedule.into(),
    ]);
    // Inserts nothing when the service or the schedule changed (see above).
    let appointment = Statement::new(
        format!(
            "INSERT INTO appointments ({APPOINTMENT_COLUMNS}, start_set_at) \
             SELECT {APPOINTMENT_VALUES} FROM medical_services s, doctor_schedules d \
             WHERE s.id = ? AND s.active = 1 AND s.revision = ? AND d.doctor_id = ? AND d.revision = ?"
        ),
        args,
    );
    script.push(appointment.expecting(1));
    script.extend(event_inserts(&[booking]));
    let script: Arc<[Statement<'static>]> = script.into_iter().map(Statement::into_owned).collect();
    retry_transient(|| async {
        match db.write_script(script.clone()).await.map_err(hold_refusal)? {
            true => {
                db.outbox_written();
                Ok(())
            }
            false => Err(HoldError::Changed),
        }
    })
    .await
}

/// Placeholders for [`appointment_values`].
pub(super) const APPOINTMENT_VALUES: &str = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

/// A new appointment's values for `APPOINTMENT_COLUMNS, start_set_at`.
pub(super) fn appointment_values(a: &AppointmentRow) -> Vec<Value<'_>> {
    vec![
        a.id.as_str().into(),
        a.patient_id.as_str().into(),
        a.doctor_id.as_str().into(),
        a.service_id.as_str().into(),
        a.start_at.into(),
        a.end_at.into(),
        a.status.as_str().into(),
        a.reason.as_str().into(),
        a.doctor_notes.as_str().into(),
        a.cancellation_reason.as_str().into(),
        a.cancelled_by.as_str().into(),
        i64::from(a.reschedule_count).into(),
        a.location.as_str().into(),
        a.created_at.into(),
        a.updated_at.into(),
        a.created_at.into(),
    ]
}

/// The outbox inserts of `bookings`' notices and EHR links: one statement
/// for all notices, one for all links.
pub(super) fn event_inserts<'a>(bookings: &[&NewBooking]) -> Vec<Statement<'a>> {
    let notices: Vec<Event> = bookings.iter().flat_map(|b| b.notices.iter().cloned()).collect();
    let links: Vec<Event> = bookings.iter().filter_map(|b| b.ehr.clone()).collect();
    [notices, links].iter().filter_map(|events| outbox::insert_event_rows(events)).map(|i| i.statement).collect()
}

pub async fn get_appointment(db: &Db, id: &str) -> Result<Option<AppointmentRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(appointment_row).transpose()?)
}

/// Whose appointments a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Party<'a> {
    Patient(&'a str),
    Doctor(&'a str),
}

/// Appointments of one party by (start, id) after `after`, optionally of
/// some statuses, starting within `window` (`start..end`, seconds).
pub async fn list_appointments(
    db: &Db,
    party: Party<'_>,
    statuses: &[Status],
    window: (i64, i64),
    after: Option<(i64, String)>,
    limit: usize,
) -> Result<Vec<AppointmentRow>, StoreError> {
    let (column, who) = match party {
        Party::Patient(id) => ("patient_id", id),
        Party::Doctor(id) => ("doctor_id", id),
    };
    let status_filter = if statuses.is_empty() {
        String::new()
    } else {
        format!(" AND status IN ({})", hms_kit::storage::placeholders(statuses.len()))
    };
    let sql = format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE {column} = ?{status_filter} \
         AND start_at >= ? AND start_at < ? AND (start_at > ? OR (start_at = ? AND id > ?)) \
         ORDER BY start_at, id LIMIT ?"
    );
    let mut query = sqlx::query(&sql).bind(who);
    for s in statuses {
        query = query.bind(s.as_str());
    }
    query = query.bind(window.0).bind(window.1);
    let (after_start, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let rows = query
        .bind(after_start)
        .bind(after_start)
        .bind(after_id)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(appointment_row).collect::<sqlx::Result<_>>()?)
}

/// Replaces the doctor's notes of appointment `id` of `doctor_id` unless it
/// was cancelled. The row as written; None when no such row qualified.
pub async fn update_notes(
    db: &Db,
    id: &str,
    doctor_id: &str,
    notes: &str,
    now: i64,
) -> Result<Option<AppointmentRow>, StoreError> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE appointments SET doctor_notes = ?, updated_at = ? WHERE id = ? AND doctor_id = ? \
             AND status NOT IN (?, ?)",
        )
        .bind(notes)
        .bind(now)
        .bind(id)
        .bind(doctor_id)
        .bind(Status::CancelledPatient.as_str())
        .bind(Status::CancelledDoctor.as_str())
        .execute(&mut *tx)
        .await?;
        // Read back rather than trust the affected-row count: MySQL counts an
        // update that changed nothing (same notes, same second) as zero.
        let row = sqlx::query(&format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let written = row.as_ref().map(appointment_row).transpose()?;
        tx.commit().await?;
        Ok(written.filter(|a| a.doctor_id == doctor_id && !a.status.is_cancelled()))
    })
    .await
}

/// What a status change writes besides the status.
#[derive(Debug, Default, Clone)]
pub struct Change {
    pub doctor_notes: Option<String>,
    pub cancellation: Option<(String, String)>,
    /// Outbox events written with the change (the notices).
    pub events: Vec<Event>,
}

/// Builds an outbox event from the appointment as a status change wrote it
/// (the EHR link, which carries the start as this transaction sees it).
pub type OnWritten<'a> = &'a (dyn Fn(&AppointmentRow) -> serde_json::Result<Event> + Send + Sync);

/// Moves an appointment from `from` to `to` (compare-and-set on the status);
/// a cancellation releases its holds in the same transaction; the change's
/// events go to the outbox with it, then the event `on_written` builds from
/// the row as written. The row as written; None when the status was no longer
/// `from`.
pub async fn change_status(
    db: &Db,
    id: &str,
    from: Status,
    to: Status,
    change: &Change,
    now: i64,
    on_written: Option<OnWritten<'_>>,
) -> Result<Option<AppointmentRow>, StoreError> {
    Ok(retry_transient(|| try_change_status(db, id, from, to, change, now, on_written)).await?)
}

async fn try_change_status(
    db: &Db,
    id: &str,
    from: Status,
    to: Status,
    change: &Change,
    now: i64,
    on_written: Option<OnWritten<'_>>,
) -> Result<Option<AppointmentRow>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let (reason, by) = change.cancellation.clone().unwrap_or_default();
    let done = sqlx::query(
        "UPDATE appointments SET status = ?, updated_at = ?, doctor_notes = COALESCE(?, doctor_notes), \
         cancellation_reason = CASE WHEN ? = 1 THEN ? ELSE cancellation_reason END, \
         cancelled_by = CASE WHEN ? = 1 THEN ? ELSE cancelled_by END WHERE id = ? AND status = ?",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(change.doctor_notes.clone())
    .bind(i64::from(change.cancellation.is_some()))
    .bind(reason)
    .bind(i64::from(change.cancellation.is_some()))
    .bind(by)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    // The row as this transaction just wrote it: a move made since the
    // caller read it changed where its holds are.
    let row = sqlx::query(&format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = ?"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let written = appointment_row(&row)?;
    if to.is_cancelled() {
        release_holds(&mut tx, &written).await?;
    }
    outbox::enqueue_events(&mut tx, &change.events).await?;
    if let Some(on_written) = on_written {
        let event = on_written(&written).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        outbox::enqueue_events(&mut tx, &[event]).await?;
    }
    tx.commit().await?;
    db.outbox_written();
    Ok(Some(written))
}

/// Why a move did not happen.
#[derive(Debug)]
pub enum MoveError {
    /// The appointment changed meanwhile (status or reschedule count).
    Changed,
    Hold(HoldError),
}

/// Moves `old` to `new` (time, doctor, service) atomically: the old holds
/// go, the new ones are taken and the notices written in one transaction, or
/// nothing changes. The reminders follow the new start (see
/// [`super::due_reminders`]).
pub async fn reschedule(
    db: &Db,
    old: &AppointmentRow,
    new: &AppointmentRow,
    events: &[Event],
) -> Result<(), MoveError> {
    let result = retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        let done = sqlx::query(
            "UPDATE appointments SET doctor_id = ?, service_id = ?, start_at = ?, end_at = ?, status = ?, \
             reschedule_count = ?, location = ?, updated_at = ?, start_set_at = ? \
             WHERE id = ? AND status = ? AND reschedule_count = ?",
        )
        .bind(&new.doctor_id)
        .bind(&new.service_id)
        .bind(new.start_at)
        .bind(new.end_at)
        .bind(new.status.as_str())
        .bind(i64::from(new.reschedule_count))
        .bind(&new.location)
        .bind(new.updated_at)
        .bind(new.updated_at)
        .bind(&old.id)
        .bind(old.status.as_str())
        .bind(i64::from(old.reschedule_count))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // The compare-and-set on the reschedule count makes `old` the stored row.
        release_holds(&mut tx, old).await?;
        take_holds(&mut tx, db.backend, &new.id, &new.doctor_id, &new.patient_id, new.start_at, new.end_at).await?;
        outbox::enqueue_events(&mut tx, events).await?;
        tx.commit().await?;
        db.outbox_written();
        Ok(true)
    })
    .await;
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(MoveError::Changed),
        Err(e) => Err(MoveError::Hold(e)),
    }
}
