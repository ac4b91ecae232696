//! Patients' feedback on completed appointments.

use hms_kit::storage::{Db, StoreError, retry_transient};
use sqlx::Row;

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
pub async fn insert_feedback(db: &Db, f: &FeedbackRow) -> Result<(), StoreError> {
    Ok(retry_transient(|| try_insert_feedback(db, f)).await?)
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

pub async fn get_feedback(db: &Db, appointment_id: &str) -> Result<Option<FeedbackRow>, StoreError> {
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
