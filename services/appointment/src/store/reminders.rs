//! The reminders sent: which are due, and recording one sent.

use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, StoreError, retry_transient};

use super::AppointmentRow;
use super::appointments::appointment_row;

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
) -> Result<Vec<DueReminder>, StoreError> {
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

/// Records a reminder sent and enqueues its events in one transaction,
/// provided the appointment is still open at that start (a cancellation or a
/// move that committed first wins); false when it is not, or when another
/// replica sent it first (the primary key of `reminders`).
pub async fn mark_reminder_sent(db: &Db, r: &DueReminder, events: &[Event], now: i64) -> Result<bool, StoreError> {
    Ok(retry_transient(|| try_mark_reminder_sent(db, r, events, now)).await?)
}

async fn try_mark_reminder_sent(db: &Db, r: &DueReminder, events: &[Event], now: i64) -> Result<bool, sqlx::Error> {
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
    outbox::enqueue_events(&mut tx, events).await?;
    tx.commit().await?;
    db.outbox_written();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::Status;

    #[test]
    fn the_reminded_statuses_are_the_open_ones() {
        let open: Vec<String> =
            Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
        assert_eq!(OPEN, open.join(", "));
    }
}
