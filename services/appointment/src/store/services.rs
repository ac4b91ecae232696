//! The medical service catalog: its rows and queries.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::storage::{Db, StoreError, retry_transient};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::log_admin_action;

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
pub async fn insert_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<(), StoreError> {
    Ok(retry_transient(|| try_insert_service(db, s, by_admin)).await?)
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

/// Replaces every field but id, code and created_at; false when unknown.
pub async fn update_service(db: &Db, s: &ServiceRow, by_admin: Option<&AdminActionEvent>) -> Result<bool, StoreError> {
    Ok(retry_transient(|| try_update_service(db, s, by_admin)).await?)
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
pub async fn delete_service(db: &Db, id: &str, by_admin: Option<&AdminActionEvent>) -> Result<Deleted, StoreError> {
    retry_transient(|| try_delete_service(db, id, by_admin)).await
}

async fn try_delete_service(db: &Db, id: &str, by_admin: Option<&AdminActionEvent>) -> Result<Deleted, StoreError> {
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

pub async fn get_service(db: &Db, id: &str) -> Result<Option<ServiceRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {SERVICE_COLUMNS} FROM medical_services WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(service_row).transpose()?)
}

/// Services by code after `after`, at most `limit`.
pub async fn list_services(
    db: &Db,
    include_inactive: bool,
    kind: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<ServiceRow>, StoreError> {
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
    Ok(rows.iter().map(service_row).collect::<sqlx::Result<_>>()?)
}
