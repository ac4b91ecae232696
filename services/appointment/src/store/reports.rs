//! Figures over a period for the schedule report and the dashboard.

use hms_kit::storage::{Db, StoreError};
use sqlx::Row;

use super::AppointmentRow;
use super::appointments::{APPOINTMENT_COLUMNS, appointment_row};
use crate::domain::status::Status;

/// Appointments starting in `[from, to)`, optionally of one doctor or one
/// service, by start; at most `limit`.
pub async fn appointments_between(
    db: &Db,
    from: i64,
    to: i64,
    doctor_id: Option<&str>,
    service_id: Option<&str>,
    limit: usize,
) -> Result<Vec<AppointmentRow>, StoreError> {
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
    Ok(rows.iter().map(appointment_row).collect::<sqlx::Result<_>>()?)
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
) -> Result<Vec<(Status, i64, i64)>, StoreError> {
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
