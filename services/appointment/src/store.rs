//! The repository: every query of the appointment service. Instants are Unix
//! seconds (BIGINT), civil dates ISO strings, flags 0/1, on both dialects.

use std::collections::HashMap;
use std::sync::Arc;

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox;
use hms_kit::storage::{Backend, Db, ScriptError, Statement, Transient, Value, execute_script, retry_transient};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::slots::{Block, Exception, ExceptionKind, Interval};
use crate::domain::status::Status;
use crate::domain::{MAX_DURATION_MINUTES, granule_of, granules};
use crate::events::{EhrLink, EhrStage, Notice};

mod bookings;
pub use bookings::BookingWriter;

#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub duration_minutes: i64,
    pub price_minor: i64,
    pub currency: String,
    pub specialties: Vec<String>,
    pub auto_confirm: bool,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change; bookings check it in their transaction.
    pub revision: i64,
}

/// The columns written when a service is created (the revision starts at 0).
const NEW_SERVICE_COLUMNS: &str = "id, code, name, description, kind, duration_minutes, price_minor, currency, \
                                   specialties, auto_confirm, active, created_at, updated_at";
const SERVICE_COLUMNS: &str = "id, code, name, description, kind, duration_minutes, price_minor, currency, specialties, \
                               auto_confirm, active, created_at, updated_at, revision";

fn service_row(row: &AnyRow) -> Result<ServiceRow, sqlx::Error> {
    let specialties: String = row.try_get("specialties")?;
    Ok(ServiceRow {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        kind: row.try_get("kind")?,
        duration_minutes: row.try_get("duration_minutes")?,
        price_minor: row.try_get("price_minor")?,
        currency: row.try_get("currency")?,
        specialties: specialties.split('\n').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        auto_confirm: row.try_get::<i64, _>("auto_confirm")? != 0,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        revision: row.try_get("revision")?,
    })
}

/// `by_admin` is the change's entry for the admin audit log, written in the
/// same transaction (here and in the other catalog and schedule writes).
pub async fn insert_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<(), sqlx::Error> {
    retry_transient(|| try_insert_service(db, s, by_admin)).await
}

async fn try_insert_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(&format!(
        "INSERT INTO medical_services ({NEW_SERVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&s.id)
    .bind(&s.code)
    .bind(&s.name)
    .bind(&s.description)
    .bind(&s.kind)
    .bind(s.duration_minutes)
    .bind(s.price_minor)
    .bind(&s.currency)
    .bind(s.specialties.join("\n"))
    .bind(i64::from(s.auto_confirm))
    .bind(i64::from(s.active))
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(&mut *tx)
    .await?;
    log_admin_action(&mut tx, by_admin).await?;
    tx.commit().await
}

async fn log_admin_action(tx: &mut Transaction<'_, Any>, action: Option<&AdminActionEvent>) -> Result<(), sqlx::Error> {
    if let Some(action) = action {
        admin_audit::enqueue(tx, action).await?;
    }
    Ok(())
}

/// Replaces every field but id, code and created_at; false when unknown.
pub async fn update_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<bool, sqlx::Error> {
    retry_transient(|| try_update_service(db, s, by_admin)).await
}

async fn try_update_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE medical_services SET name = ?, description = ?, kind = ?, duration_minutes = ?, price_minor = ?, \
         currency = ?, specialties = ?, auto_confirm = ?, active = ?, updated_at = ?, revision = revision + 1 \
         WHERE id = ?",
    )
    .bind(&s.name)
    .bind(&s.description)
    .bind(&s.kind)
    .bind(s.duration_minutes)
    .bind(s.price_minor)
    .bind(&s.currency)
    .bind(s.specialties.join("\n"))
    .bind(i64::from(s.auto_confirm))
    .bind(i64::from(s.active))
    .bind(s.updated_at)
    .bind(&s.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    log_admin_action(&mut tx, by_admin).await?;
    tx.commit().await?;
    Ok(true)
}

pub enum Deleted {
    Done,
    NotFound,
    InUse,
}

/// Deletes a service never booked. The check and the delete are one statement.
pub async fn delete_service(db: &Db, id: &str, by_admin: Option<&AdminActionEvent>) -> Result<Deleted, sqlx::Error> {
    retry_transient(|| try_delete_service(db, id, by_admin)).await
}

async fn try_delete_service(db: &Db, id: &str, by_admin: Option<&AdminActionEvent>) -> Result<Deleted, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "DELETE FROM medical_services WHERE id = ? AND NOT EXISTS \
         (SELECT 1 FROM appointments WHERE appointments.service_id = medical_services.id)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() > 0 {
        log_admin_action(&mut tx, by_admin).await?;
        tx.commit().await?;
        return Ok(Deleted::Done);
    }
    tx.rollback().await?;
    Ok(if get_service(db, id).await?.is_some() { Deleted::InUse } else { Deleted::NotFound })
}

pub async fn get_service(db: &Db, id: &str) -> Result<Option<ServiceRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {SERVICE_COLUMNS} FROM medical_services WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(service_row).transpose()
}

/// Services by code after `after`, at most `limit`.
pub async fn list_services(
    db: &Db,
    include_inactive: bool,
    kind: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<ServiceRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM medical_services WHERE (? = 1 OR active = 1) AND (? = '' OR kind = ?) \
         AND code > ? ORDER BY code LIMIT ?"
    );
    let kind = kind.unwrap_or("");
    let rows = sqlx::query(&sql)
        .bind(i64::from(include_inactive))
        .bind(kind)
        .bind(kind)
        .bind(after.unwrap_or(""))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(service_row).collect()
}

/// A doctor's schedule as stored.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    pub doctor_id: String,
    pub specialty: String,
    pub location: String,
    pub blocks: Vec<Block>,
    pub exceptions: Vec<ExceptionRow>,
    /// Bumped by every change to the blocks or the exceptions.
    pub revision: i64,
}

#[derive(Debug, Clone)]
pub struct ExceptionRow {
    pub id: String,
    pub exception: Exception,
    pub note: String,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, sqlx::Error> {
    s.parse().map_err(|e: jiff::Error| sqlx::Error::Decode(e.into()))
}

fn kind_name(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::Unavailable => "UNAVAILABLE",
        ExceptionKind::ExtraHours => "EXTRA_HOURS",
    }
}

/// Replaces a doctor's schedule. Every statement names a whole primary key
/// (the head is upserted; blocks are updated, inserted or deleted one by
/// one), so that on MariaDB none locks a gap: a delete finding no rows (a new
/// doctor's) used to lock the gap at the end of the index, and concurrent
/// schedules of different doctors then deadlocked inserting into it. The
/// head row's lock queues writers of the same doctor.
pub async fn set_schedule(
    db: &Db,
    doctor_id: &str,
    specialty: &str,
    location: &str,
    blocks: &[Block],
    now: i64,
    by_admin: Option<&AdminActionEvent>,
) -> Result<(), sqlx::Error> {
    let upsert = match db.backend {
        Backend::Sqlite => {
            "INSERT INTO doctor_schedules (doctor_id, specialty, location, updated_at, revision) VALUES (?, ?, ?, ?, 0) \
             ON CONFLICT (doctor_id) DO UPDATE SET specialty = excluded.specialty, location = excluded.location, \
             updated_at = excluded.updated_at, revision = doctor_schedules.revision + 1"
        }
        Backend::MySql => {
            "INSERT INTO doctor_schedules (doctor_id, specialty, location, updated_at, revision) VALUES (?, ?, ?, ?, 0) \
             ON DUPLICATE KEY UPDATE specialty = VALUES(specialty), location = VALUES(location), \
             updated_at = VALUES(updated_at), revision = revision + 1"
        }
    };
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        sqlx::query(upsert).bind(doctor_id).bind(specialty).bind(location).bind(now).execute(&mut *tx).await?;
        // Read after the head's lock is held: the blocks as the last writer left them.
        let stored: Vec<i64> = sqlx::query_scalar("SELECT position FROM schedule_blocks WHERE doctor_id = ?")
            .bind(doctor_id)
            .fetch_all(&mut *tx)
            .await?;
        for (position, b) in blocks.iter().enumerate() {
            let position = i64::try_from(position).unwrap_or(i64::MAX);
            let sql = if stored.contains(&position) {
                "UPDATE schedule_blocks SET weekday = ?, start_minute = ?, end_minute = ?, valid_from = ?, \
                 valid_to = ? WHERE doctor_id = ? AND position = ?"
            } else {
                "INSERT INTO schedule_blocks (weekday, start_minute, end_minute, valid_from, valid_to, doctor_id, \
                 position) VALUES (?, ?, ?, ?, ?, ?, ?)"
            };
            sqlx::query(sql)
                .bind(i64::from(b.weekday))
                .bind(i64::from(b.start))
                .bind(i64::from(b.end))
                .bind(b.valid_from.map(|d| d.to_string()))
                .bind(b.valid_to.map(|d| d.to_string()))
                .bind(doctor_id)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
        let kept = i64::try_from(blocks.len()).unwrap_or(i64::MAX);
        for position in stored.iter().filter(|p| **p >= kept) {
            sqlx::query("DELETE FROM schedule_blocks WHERE doctor_id = ? AND position = ?")
                .bind(doctor_id)
                .bind(*position)
                .execute(&mut *tx)
                .await?;
        }
        log_admin_action(&mut tx, by_admin).await?;
        tx.commit().await
    })
    .await
}

/// Every doctor's schedule, or one doctor's when `doctor_id` is given.
pub async fn schedules(db: &Db, doctor_id: Option<&str>) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    let filter = doctor_id.unwrap_or("");
    let heads = sqlx::query(
        "SELECT doctor_id, specialty, location, revision FROM doctor_schedules WHERE (? = '' OR doctor_id = ?) \
         ORDER BY doctor_id",
    )
    .bind(filter)
    .bind(filter)
    .fetch_all(&db.pool)
    .await?;
    let blocks = sqlx::query(
        "SELECT doctor_id, weekday, start_minute, end_minute, valid_from, valid_to FROM schedule_blocks \
         WHERE (? = '' OR doctor_id = ?) ORDER BY doctor_id, position",
    )
    .bind(filter)
    .bind(filter)
    .fetch_all(&db.pool)
    .await?;
    let exceptions = sqlx::query(
        "SELECT id, doctor_id, kind, start_date, end_date, start_minute, end_minute, note FROM schedule_exceptions \
         WHERE (? = '' OR doctor_id = ?) ORDER BY start_date, id",
    )
    .bind(filter)
    .bind(filter)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(heads.len());
    for head in &heads {
        let doctor: String = head.try_get("doctor_id")?;
        let mut schedule = ScheduleRow {
            doctor_id: doctor.clone(),
            specialty: head.try_get("specialty")?,
            location: head.try_get("location")?,
            blocks: Vec::new(),
            exceptions: Vec::new(),
            revision: head.try_get("revision")?,
        };
        for row in blocks.iter().filter(|r| r.try_get::<String, _>("doctor_id").is_ok_and(|d| d == doctor)) {
            let date = |column: &str| -> Result<Option<jiff::civil::Date>, sqlx::Error> {
                row.try_get::<Option<String>, _>(column)?.as_deref().map(parse_date).transpose()
            };
            schedule.blocks.push(Block {
                weekday: i8::try_from(row.try_get::<i64, _>("weekday")?).unwrap_or(0),
                start: i32::try_from(row.try_get::<i64, _>("start_minute")?).unwrap_or(0),
                end: i32::try_from(row.try_get::<i64, _>("end_minute")?).unwrap_or(0),
                valid_from: date("valid_from")?,
                valid_to: date("valid_to")?,
            });
        }
        for row in exceptions.iter().filter(|r| r.try_get::<String, _>("doctor_id").is_ok_and(|d| d == doctor)) {
            schedule.exceptions.push(exception_row(row)?);
        }
        out.push(schedule);
    }
    Ok(out)
}

fn exception_row(row: &AnyRow) -> Result<ExceptionRow, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let start: Option<i64> = row.try_get("start_minute")?;
    let end: Option<i64> = row.try_get("end_minute")?;
    let minute = |m: i64| i32::try_from(m).unwrap_or(0);
    Ok(ExceptionRow {
        id: row.try_get("id")?,
        exception: Exception {
            kind: if kind == "EXTRA_HOURS" { ExceptionKind::ExtraHours } else { ExceptionKind::Unavailable },
            start: parse_date(&row.try_get::<String, _>("start_date")?)?,
            end: parse_date(&row.try_get::<String, _>("end_date")?)?,
            hours: start.zip(end).map(|(s, e)| (minute(s), minute(e))),
        },
        note: row.try_get("note")?,
    })
}

pub async fn add_exception(
    db: &Db,
    doctor_id: &str,
    e: &ExceptionRow,
    by_admin: Option<&AdminActionEvent>,
) -> Result<(), sqlx::Error> {
    retry_transient(|| try_add_exception(db, doctor_id, e, by_admin)).await
}

async fn try_add_exception(
    db: &Db,
    doctor_id: &str,
    e: &ExceptionRow,
    by_admin: Option<&AdminActionEvent>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO schedule_exceptions (id, doctor_id, kind, start_date, end_date, start_minute, end_minute, note) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&e.id)
    .bind(doctor_id)
    .bind(kind_name(e.exception.kind))
    .bind(e.exception.start.to_string())
    .bind(e.exception.end.to_string())
    .bind(e.exception.hours.map(|h| i64::from(h.0)))
    .bind(e.exception.hours.map(|h| i64::from(h.1)))
    .bind(&e.note)
    .execute(&mut *tx)
    .await?;
    bump_schedule_revision(&mut tx, doctor_id).await?;
    log_admin_action(&mut tx, by_admin).await?;
    tx.commit().await
}

pub async fn delete_exception(
    db: &Db,
    doctor_id: &str,
    id: &str,
    by_admin: Option<&AdminActionEvent>,
) -> Result<bool, sqlx::Error> {
    retry_transient(|| try_delete_exception(db, doctor_id, id, by_admin)).await
}

async fn try_delete_exception(
    db: &Db,
    doctor_id: &str,
    id: &str,
    by_admin: Option<&AdminActionEvent>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("DELETE FROM schedule_exceptions WHERE id = ? AND doctor_id = ?")
        .bind(id)
        .bind(doctor_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    bump_schedule_revision(&mut tx, doctor_id).await?;
    log_admin_action(&mut tx, by_admin).await?;
    tx.commit().await?;
    Ok(true)
}

async fn bump_schedule_revision(tx: &mut Transaction<'_, Any>, doctor_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE doctor_schedules SET revision = revision + 1 WHERE doctor_id = ?")
        .bind(doctor_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Busy intervals of several doctors overlapping `[from, to)`, in one query:
/// their live (not cancelled) appointments, which change in the same
/// transactions as the holds, so they agree with the invariant. Appointments
/// last at most [`MAX_DURATION_MINUTES`], which bounds the index range.
pub async fn doctors_busy(
    db: &Db,
    doctor_ids: &[&str],
    from: i64,
    to: i64,
) -> Result<HashMap<String, Vec<Interval>>, sqlx::Error> {
    let mut busy: HashMap<String, Vec<Interval>> = HashMap::with_capacity(doctor_ids.len());
    if doctor_ids.is_empty() {
        return Ok(busy);
    }
    let cancelled: Vec<&str> = Status::ALL.iter().filter(|s| s.is_cancelled()).map(|s| s.as_str()).collect();
    // SQLite's driver hands rows over one at a time from its own thread, and
    // for a week's calendar (hundreds of rows) that cost more than the query;
    // there one row per doctor carries its intervals packed as
    // "start,end;start,end". MySQL rows are cheap to read and its
    // GROUP_CONCAT is not (10 % fewer bookings in the load generator).
    let (columns, grouping) = match db.backend {
        Backend::Sqlite => (
            "doctor_id, COUNT(*) AS n, CAST(group_concat(start_at || ',' || end_at, ';') AS BLOB) AS spans",
            " GROUP BY doctor_id",
        ),
        Backend::MySql => ("doctor_id, start_at, end_at", ""),
    };
    let sql = format!(
        "SELECT {columns} FROM appointments \
         WHERE doctor_id IN ({}) AND start_at >= ? AND start_at < ? AND end_at > ? AND status NOT IN ({}){grouping}",
        hms_kit::storage::placeholders(doctor_ids.len()),
        hms_kit::storage::placeholders(cancelled.len())
    );
    let mut query = sqlx::query(&sql);
    for id in doctor_ids {
        query = query.bind(*id);
    }
    query = query.bind(from - MAX_DURATION_MINUTES * 60).bind(to).bind(from);
    for status in cancelled {
        query = query.bind(status);
    }
    let rows = query.fetch_all(&db.pool).await?;
    for row in rows {
        let doctor_id: String = row.try_get("doctor_id")?;
        if db.backend == Backend::MySql {
            let interval = Interval { start: row.try_get("start_at")?, end: row.try_get("end_at")? };
            busy.entry(doctor_id).or_default().push(interval);
            continue;
        }
        let spans: Vec<u8> = row.try_get("spans")?;
        let spans = String::from_utf8_lossy(&spans);
        let intervals = unpack_intervals(&spans)
            .filter(|intervals| intervals.len() as i64 == row.try_get::<i64, _>("n").unwrap_or(-1))
            .ok_or_else(|| sqlx::Error::Decode(format!("malformed busy intervals: {spans:.40}").into()))?;
        busy.insert(doctor_id, intervals);
    }
    for intervals in busy.values_mut() {
        intervals.sort_unstable_by_key(|b| b.start);
    }
    Ok(busy)
}

/// Intervals packed as "start,end;start,end" (see [`doctors_busy`]).
fn unpack_intervals(packed: &str) -> Option<Vec<Interval>> {
    packed
        .split(';')
        .map(|span| {
            let (start, end) = span.split_once(',')?;
            Some(Interval { start: start.parse().ok()?, end: end.parse().ok()? })
        })
        .collect()
}

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

const APPOINTMENT_COLUMNS: &str = "id, patient_id, doctor_id, service_id, start_at, end_at, status, reason, \
    doctor_notes, cancellation_reason, cancelled_by, reschedule_count, location, created_at, updated_at";

fn appointment_row(row: &AnyRow) -> Result<AppointmentRow, sqlx::Error> {
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

/// Why holds could not be taken.
#[derive(Debug)]
pub enum HoldError {
    DoctorTaken,
    PatientBusy,
    /// The service (deactivated or edited) or the doctor's schedule changed
    /// after the booking read them: decide again on fresh rows.
    Changed,
    Store(sqlx::Error),
}

/// The revisions of the service and of the doctor's schedule that a booking
/// was decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecidedOn {
    pub service: i64,
    pub schedule: i64,
}

impl From<sqlx::Error> for HoldError {
    fn from(e: sqlx::Error) -> Self {
        HoldError::Store(e)
    }
}

/// A deadlock or lock timeout: the transaction did nothing and may be retried.
impl Transient for HoldError {
    fn is_transient(&self) -> bool {
        matches!(self, HoldError::Store(e) if e.is_transient())
    }
}

/// Writes the holds of `[start, end)`; doctor first, so the error says which.
async fn take_holds(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    appointment_id: &str,
    doctor_id: &str,
    patient_id: &str,
    start: i64,
    end: i64,
) -> Result<(), HoldError> {
    let holds = hold_inserts(appointment_id, doctor_id, patient_id, start, end);
    execute_script(tx, backend, &holds).await.map_err(hold_refusal)?;
    Ok(())
}

/// The statements writing the holds of `[start, end)`: the doctor's, then
/// the patient's (see [`hold_refusal`]).
fn hold_inserts<'a>(
    appointment_id: &'a str,
    doctor_id: &'a str,
    patient_id: &'a str,
    start: i64,
    end: i64,
) -> [Statement<'a>; 2] {
    let granules = granules(start, end);
    let values = vec!["(?, ?, ?)"; granules.len()].join(", ");
    [("doctor_holds", "doctor_id", doctor_id), ("patient_holds", "patient_id", patient_id)].map(
        |(table, column, owner)| {
            let args = granules.iter().flat_map(|g| [owner.into(), (*g).into(), appointment_id.into()]).collect();
            Statement::new(
                format!("INSERT INTO {table} ({column}, granule_start, appointment_id) VALUES {values}"),
                args,
            )
        },
    )
}

/// A script that began with [`hold_inserts`] failed: a taken hold is the
/// doctor's or the patient's, known by the failing statement.
fn hold_refusal(e: ScriptError) -> HoldError {
    if !hms_kit::error::is_unique_violation(&e.error) {
        return e.error.into();
    }
    match e.at {
        Some(0) => HoldError::DoctorTaken,
        Some(1) => HoldError::PatientBusy,
        _ => e.error.into(),
    }
}

/// Releases the holds of `held` as it is stored (doctor, patient and time as
/// this transaction sees them). The holds are found by their keys: an index
/// on their appointment would cost every booking a dozen index entries more.
async fn release_holds(tx: &mut Transaction<'_, Any>, held: &AppointmentRow) -> Result<(), sqlx::Error> {
    for (table, column, owner) in
        [("doctor_holds", "doctor_id", &held.doctor_id), ("patient_holds", "patient_id", &held.patient_id)]
    {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE {column} = ? AND granule_start >= ? AND granule_start < ? AND appointment_id = ?"
        ))
        .bind(owner)
        .bind(granule_of(held.start_at))
        .bind(held.end_at)
        .bind(&held.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Writes the notices to the outbox, inside the caller's transaction.
async fn enqueue_all(tx: &mut Transaction<'_, Any>, notices: &[Notice]) -> Result<(), sqlx::Error> {
    hms_kit::outbox::enqueue_many(tx, notices.iter().map(|n| (n.notification_type.as_str(), n))).await?;
    Ok(())
}

/// Writes the EHR link event, if any, inside the caller's transaction.
async fn enqueue_ehr(tx: &mut Transaction<'_, Any>, link: Option<&EhrLink>) -> Result<(), sqlx::Error> {
    if let Some(link) = link {
        hms_kit::outbox::enqueue(tx, EhrLink::TOPIC, link).await?;
    }
    Ok(())
}

/// A reminder due to be sent: the appointment as found, and how long before
/// its start the reminder goes.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub appointment: AppointmentRow,
    pub offset_secs: i64,
}

/// The open appointments whose reminder `offset` seconds before their start
/// fell due after `since` and by `now`, is not sent yet, was still ahead
/// when the appointment got its start, and whose start is still ahead.
pub async fn due_reminders(
    db: &Db,
    offset: i64,
    since: i64,
    now: i64,
    limit: i64,
) -> Result<Vec<DueReminder>, sqlx::Error> {
    let sql = format!(
        // A join, not NOT EXISTS: MariaDB may materialise a NOT EXISTS
        // subquery by scanning every sent reminder; the join looks each up.
        // `a.*`, not the bare columns: the reminders have a start_at too.
        "SELECT a.* FROM appointments a LEFT JOIN reminders r \
             ON r.appointment_id = a.id AND r.start_at = a.start_at AND r.offset_secs = ? \
         WHERE a.start_at > ? AND a.start_at <= ? AND a.start_at - ? > a.start_set_at AND a.status IN ({OPEN}) \
         AND r.appointment_id IS NULL ORDER BY a.start_at LIMIT ?"
    );
    let rows = sqlx::query(&sql)
        .bind(offset)
        .bind(since.saturating_add(offset).max(now))
        .bind(now.saturating_add(offset))
        .bind(offset)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| Ok(DueReminder { appointment: appointment_row(r)?, offset_secs: offset })).collect()
}

/// The statuses whose appointments are reminded, as SQL.
const OPEN: &str = "'PENDING', 'CONFIRMED'";

/// Records a reminder sent and enqueues its notices in one transaction,
/// provided the appointment is still open at that start (a cancellation or a
/// move that committed first wins); false when it is not, or when another
/// replica sent it first (the primary key of `reminders`).
pub async fn mark_reminder_sent(db: &Db, r: &DueReminder, notices: &[Notice], now: i64) -> Result<bool, sqlx::Error> {
    retry_transient(|| try_mark_reminder_sent(db, r, notices, now)).await
}

async fn try_mark_reminder_sent(db: &Db, r: &DueReminder, notices: &[Notice], now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let recorded = sqlx::query(&format!(
        "INSERT INTO reminders (appointment_id, offset_secs, start_at, due_at, sent_at) \
         SELECT id, ?, start_at, start_at - ?, ? FROM appointments WHERE id = ? AND start_at = ? AND status IN ({OPEN})"
    ))
    .bind(r.offset_secs)
    .bind(r.offset_secs)
    .bind(now)
    .bind(&r.appointment.id)
    .bind(r.appointment.start_at)
    .execute(&mut *tx)
    .await;
    let recorded = match recorded {
        Ok(done) => done.rows_affected() == 1,
        Err(e) if hms_kit::error::is_unique_violation(&e) => false,
        Err(e) => return Err(e),
    };
    if !recorded {
        tx.rollback().await?;
        return Ok(false);
    }
    enqueue_all(&mut tx, notices).await?;
    tx.commit().await?;
    Ok(true)
}

/// A booking to write: the appointment, the revisions it was decided on,
/// and the notices and EHR link its transaction enqueues.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub row: AppointmentRow,
    pub decided_on: DecidedOn,
    pub notices: Vec<Notice>,
    pub ehr: Option<EhrLink>,
}

/// Inserts an appointment with its holds and notices in one transaction of
/// its own, provided its service is still active and neither the service
/// nor the doctor's schedule changed since `decided_on` (checked by the
/// insert itself, so the booking may be decided from cached rows). Its
/// reminders are found from it later (see [`due_reminders`]). Bookings
/// usually go through [`BookingWriter`], which on MySQL writes several in one
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
    script.extend(event_inserts(&[booking])?);
    let script: Arc<[Statement<'static>]> = script.into_iter().map(Statement::into_owned).collect();
    retry_transient(|| async {
        match db.write_script(script.clone()).await.map_err(hold_refusal)? {
            true => Ok(()),
            false => Err(HoldError::Changed),
        }
    })
    .await
}

/// Placeholders for [`appointment_values`].
const APPOINTMENT_VALUES: &str = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

/// A new appointment's values for `APPOINTMENT_COLUMNS, start_set_at`.
fn appointment_values(a: &AppointmentRow) -> Vec<Value<'_>> {
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
fn event_inserts<'a>(bookings: &[&'a NewBooking]) -> Result<Vec<Statement<'a>>, sqlx::Error> {
    let notices = bookings.iter().flat_map(|b| &b.notices).map(|n| (n.notification_type.as_str(), n));
    let links = bookings.iter().filter_map(|b| b.ehr.as_ref()).map(|link| (EhrLink::TOPIC, link));
    let notices = outbox::insert_events(notices)?.map(|insert| insert.statement);
    let links = outbox::insert_events(links)?.map(|insert| insert.statement);
    Ok(notices.into_iter().chain(links).collect())
}

pub async fn get_appointment(db: &Db, id: &str) -> Result<Option<AppointmentRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(appointment_row).transpose()
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
) -> Result<Vec<AppointmentRow>, sqlx::Error> {
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
    rows.iter().map(appointment_row).collect()
}

/// Replaces the doctor's notes of appointment `id` of `doctor_id` unless it
/// was cancelled. The row as written; None when no such row qualified.
pub async fn update_notes(
    db: &Db,
    id: &str,
    doctor_id: &str,
    notes: &str,
    now: i64,
) -> Result<Option<AppointmentRow>, sqlx::Error> {
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
    /// The EHR learns of this change (confirmation, check-in, completion,
    /// cancellation, no-show), in the same transaction.
    pub ehr: Option<EhrStage>,
}

/// Moves an appointment from `from` to `to` (compare-and-set on the status);
/// a cancellation releases its holds in the same transaction; `notices` go
/// to the outbox with it. The row as written; None when the status was no
/// longer `from`.
pub async fn change_status(
    db: &Db,
    id: &str,
    from: Status,
    to: Status,
    change: &Change,
    now: i64,
    notices: &[Notice],
) -> Result<Option<AppointmentRow>, sqlx::Error> {
    retry_transient(|| try_change_status(db, id, from, to, change, now, notices)).await
}

async fn try_change_status(
    db: &Db,
    id: &str,
    from: Status,
    to: Status,
    change: &Change,
    now: i64,
    notices: &[Notice],
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
    enqueue_all(&mut tx, notices).await?;
    if let Some(stage) = change.ehr {
        enqueue_ehr(&mut tx, Some(&EhrLink::new(&written, stage))).await?;
    }
    tx.commit().await?;
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
/// [`due_reminders`]).
pub async fn reschedule(
    db: &Db,
    old: &AppointmentRow,
    new: &AppointmentRow,
    notices: &[Notice],
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
        enqueue_all(&mut tx, notices).await?;
        tx.commit().await?;
        Ok(true)
    })
    .await;
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(MoveError::Changed),
        Err(e) => Err(MoveError::Hold(e)),
    }
}

#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub appointment_id: String,
    pub patient_id: String,
    pub doctor_id: String,
    pub rating: i64,
    pub comment: String,
    pub created_at: i64,
}

/// Inserts feedback; the primary key keeps it to one per appointment.
pub async fn insert_feedback(db: &Db, f: &FeedbackRow) -> Result<(), sqlx::Error> {
    retry_transient(|| try_insert_feedback(db, f)).await
}

async fn try_insert_feedback(db: &Db, f: &FeedbackRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO feedback (appointment_id, patient_id, doctor_id, rating, comment, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&f.appointment_id)
    .bind(&f.patient_id)
    .bind(&f.doctor_id)
    .bind(f.rating)
    .bind(&f.comment)
    .bind(f.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn get_feedback(db: &Db, appointment_id: &str) -> Result<Option<FeedbackRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT appointment_id, patient_id, doctor_id, rating, comment, created_at FROM feedback WHERE appointment_id = ?",
    )
    .bind(appointment_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(FeedbackRow {
            appointment_id: r.try_get("appointment_id")?,
            patient_id: r.try_get("patient_id")?,
            doctor_id: r.try_get("doctor_id")?,
            rating: r.try_get("rating")?,
            comment: r.try_get("comment")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}

/// Appointments starting in `[from, to)`, optionally of one doctor or one
/// service, by start; at most `limit`.
pub async fn appointments_between(
    db: &Db,
    from: i64,
    to: i64,
    doctor_id: Option<&str>,
    service_id: Option<&str>,
    limit: usize,
) -> Result<Vec<AppointmentRow>, sqlx::Error> {
    let (doctor, service) = (doctor_id.unwrap_or(""), service_id.unwrap_or(""));
    let rows = sqlx::query(&format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE start_at >= ? AND start_at < ? \
         AND (? = '' OR doctor_id = ?) AND (? = '' OR service_id = ?) ORDER BY start_at, id LIMIT ?"
    ))
    .bind(from)
    .bind(to)
    .bind(doctor)
    .bind(doctor)
    .bind(service)
    .bind(service)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(appointment_row).collect()
}

/// Counts by status and booked seconds of the appointments in `[from, to)`,
/// without the row limit of [`appointments_between`]. (SUM is DECIMAL on
/// MySQL, hence the cast; SQLite reads SIGNED as an integer too.)
pub async fn appointment_totals(
    db: &Db,
    from: i64,
    to: i64,
    doctor_id: Option<&str>,
    service_id: Option<&str>,
) -> Result<Vec<(Status, i64, i64)>, sqlx::Error> {
    let (doctor, service) = (doctor_id.unwrap_or(""), service_id.unwrap_or(""));
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n, CAST(SUM(end_at - start_at) AS SIGNED) AS seconds FROM appointments \
         WHERE start_at >= ? AND start_at < ? AND (? = '' OR doctor_id = ?) AND (? = '' OR service_id = ?) \
         GROUP BY status",
    )
    .bind(from)
    .bind(to)
    .bind(doctor)
    .bind(doctor)
    .bind(service)
    .bind(service)
    .fetch_all(&db.pool)
    .await?;
    let mut totals = Vec::new();
    for row in &rows {
        let status: String = row.try_get("status")?;
        if let Some(status) = Status::parse(&status) {
            totals.push((status, row.try_get("n")?, row.try_get("seconds")?));
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminded_statuses_are_the_open_ones() {
        let open: Vec<String> =
            Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
        assert_eq!(OPEN, open.join(", "));
    }

    #[test]
    fn packed_intervals_are_read_back_or_refused() {
        let read = unpack_intervals("100,200;300,450").unwrap();
        assert_eq!(read, vec![Interval { start: 100, end: 200 }, Interval { start: 300, end: 450 }]);
        for malformed in ["", "100", "100,", "100,200;30", "a,b"] {
            assert_eq!(unpack_intervals(malformed), None, "{malformed}");
        }
    }
}
