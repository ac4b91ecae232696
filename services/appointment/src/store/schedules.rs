//! Doctors' schedules (weekly blocks, exceptions) and the busy intervals
//! read from their live appointments.

use std::collections::HashMap;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::storage::{Backend, Db, StoreError, retry_transient};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::log_admin_action;
use crate::domain::MAX_DURATION_MINUTES;
use crate::domain::slots::{Block, Exception, ExceptionKind, Interval};
use crate::domain::status::Status;

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
) -> Result<(), StoreError> {
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
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Every doctor's schedule, or one doctor's when `doctor_id` is given.
pub async fn schedules(db: &Db, doctor_id: Option<&str>) -> Result<Vec<ScheduleRow>, StoreError> {
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
) -> Result<(), StoreError> {
    Ok(retry_transient(|| try_add_exception(db, doctor_id, e, by_admin)).await?)
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
) -> Result<bool, StoreError> {
    Ok(retry_transient(|| try_delete_exception(db, doctor_id, id, by_admin)).await?)
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
) -> Result<HashMap<String, Vec<Interval>>, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_intervals_are_read_back_or_refused() {
        let read = unpack_intervals("100,200;300,450").unwrap();
        assert_eq!(read, vec![Interval { start: 100, end: 200 }, Interval { start: 300, end: 450 }]);
        for malformed in ["", "100", "100,", "100,200;30", "a,b"] {
            assert_eq!(unpack_intervals(malformed), None, "{malformed}");
        }
    }
}
