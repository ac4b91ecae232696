//! The system configuration as stored: the values set by an admin (keys at
//! their default have no row), their change history, and the change itself,
//! which records its audit entry in the same transaction.

use hms_kit::storage::{Db, StoreError, retry_transient};
use hms_kit::time::now_micros;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit_log::append;
use crate::domain::audit::Entry;

/// A key as stored (keys at their default have no row).
#[derive(Debug, Clone)]
pub struct StoredValue {
    pub key: String,
    pub value: serde_json::Value,
    pub version: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

fn json_column(row: &AnyRow, column: &str) -> Result<serde_json::Value, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn stored_value(row: &AnyRow) -> Result<StoredValue, sqlx::Error> {
    Ok(StoredValue {
        key: row.try_get("config_key")?,
        value: json_column(row, "value_json")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

const VALUE_COLUMNS: &str = "config_key, value_json, version, updated_at, updated_by";

pub async fn stored_values(db: &Db) -> Result<Vec<StoredValue>, StoreError> {
    let rows = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values")).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(stored_value).collect::<sqlx::Result<_>>()?)
}

pub async fn stored(db: &Db, key: &str) -> Result<Option<StoredValue>, StoreError> {
    let row = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values WHERE config_key = ?"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(stored_value).transpose()?)
}

/// The stored values and the revision they include, read in one
/// transaction (one snapshot on both backends).
pub async fn snapshot(db: &Db) -> Result<(i64, Vec<StoredValue>), StoreError> {
    let mut tx = db.pool.begin().await?;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM config_head WHERE id = 1").fetch_one(&mut *tx).await?;
    let rows = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values")).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((revision, rows.iter().map(stored_value).collect::<Result<_, _>>()?))
}

pub async fn head_revision(db: &Db) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT revision FROM config_head WHERE id = 1").fetch_one(&db.pool).await?)
}

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub revision: i64,
    pub key: String,
    pub old_value: serde_json::Value,
    pub new_value: serde_json::Value,
    pub version: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub client_address: String,
    pub changed_at: i64,
    pub reason: String,
}

const CHANGE_COLUMNS: &str =
    "revision, config_key, old_json, new_json, version, actor_id, actor_role, client_address, changed_at, reason";

fn change_row(row: &AnyRow) -> Result<ChangeRow, sqlx::Error> {
    Ok(ChangeRow {
        revision: row.try_get("revision")?,
        key: row.try_get("config_key")?,
        old_value: json_column(row, "old_json")?,
        new_value: json_column(row, "new_json")?,
        version: row.try_get("version")?,
        actor_id: row.try_get("actor_id")?,
        actor_role: row.try_get("actor_role")?,
        client_address: row.try_get("client_address")?,
        changed_at: row.try_get("changed_at")?,
        reason: row.try_get("reason")?,
    })
}

/// Changes after `revision`, oldest first.
pub async fn changes_after(db: &Db, revision: i64, limit: i64) -> Result<Vec<ChangeRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CHANGE_COLUMNS} FROM config_changes WHERE revision > ? ORDER BY revision LIMIT ?"
    ))
    .bind(revision)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(change_row).collect::<sqlx::Result<_>>()?)
}

/// One key's changes, newest first, before revision `before` when given.
pub async fn key_changes(db: &Db, key: &str, before: Option<i64>, limit: i64) -> Result<Vec<ChangeRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CHANGE_COLUMNS} FROM config_changes WHERE config_key = ? AND revision < ? \
         ORDER BY revision DESC LIMIT ?"
    ))
    .bind(key)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(change_row).collect::<sqlx::Result<_>>()?)
}

/// A change to make, with the audit entry that records it.
pub struct NewChange {
    pub key: String,
    /// The value before, should the key have no row (its default).
    pub default_value: serde_json::Value,
    pub new_value: serde_json::Value,
    pub expected_version: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub client_address: String,
    pub reason: String,
}

#[derive(Debug)]
pub enum ChangeOutcome {
    Changed {
        change: Box<ChangeRow>,
        value: StoredValue,
    },
    /// The key's version is not the one expected; nothing changed.
    VersionMismatch {
        current: i64,
    },
}

/// Sets a key, records the change in its history and in the audit log, all
/// in one transaction.
pub async fn change(db: &Db, new: &NewChange) -> Result<ChangeOutcome, StoreError> {
    Ok(retry_transient(|| try_change(db, new)).await?)
}

async fn try_change(db: &Db, new: &NewChange) -> sqlx::Result<ChangeOutcome> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE config_head SET revision = revision + 1 WHERE id = 1").execute(&mut *tx).await?;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM config_head WHERE id = 1").fetch_one(&mut *tx).await?;
    let current = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values WHERE config_key = ?"))
        .bind(&new.key)
        .fetch_optional(&mut *tx)
        .await?;
    let current = current.as_ref().map(stored_value).transpose()?;
    let current_version = current.as_ref().map_or(0, |c| c.version);
    if current_version != new.expected_version {
        // Dropping the transaction rolls the revision back.
        return Ok(ChangeOutcome::VersionMismatch { current: current_version });
    }
    let old_value = current.map_or_else(|| new.default_value.clone(), |c| c.value);
    let now = now_micros();
    let version = current_version + 1;
    let new_json = new.new_value.to_string();
    if current_version == 0 {
        sqlx::query(&format!("INSERT INTO config_values ({VALUE_COLUMNS}) VALUES (?, ?, ?, ?, ?)"))
            .bind(&new.key)
            .bind(&new_json)
            .bind(version)
            .bind(now)
            .bind(&new.actor_id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "UPDATE config_values SET value_json = ?, version = ?, updated_at = ?, updated_by = ? \
             WHERE config_key = ? AND version = ?",
        )
        .bind(&new_json)
        .bind(version)
        .bind(now)
        .bind(&new.actor_id)
        .bind(&new.key)
        .bind(current_version)
        .execute(&mut *tx)
        .await?;
    }
    let change = ChangeRow {
        revision,
        key: new.key.clone(),
        old_value,
        new_value: new.new_value.clone(),
        version,
        actor_id: new.actor_id.clone(),
        actor_role: new.actor_role.clone(),
        client_address: new.client_address.clone(),
        changed_at: now,
        reason: new.reason.clone(),
    };
    sqlx::query(&format!("INSERT INTO config_changes ({CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(change.revision)
        .bind(&change.key)
        .bind(change.old_value.to_string())
        .bind(&new_json)
        .bind(change.version)
        .bind(&change.actor_id)
        .bind(&change.actor_role)
        .bind(&change.client_address)
        .bind(change.changed_at)
        .bind(&change.reason)
        .execute(&mut *tx)
        .await?;
    let entry = Entry {
        id: hms_kit::ids::new_id(),
        service: "admin".into(),
        actor_id: change.actor_id.clone(),
        actor_role: change.actor_role.clone(),
        action: "system_configuration.updated".into(),
        target_type: "system_configuration".into(),
        target_id: change.key.clone(),
        action_at: now,
        client_address: change.client_address.clone(),
        before: change.old_value.to_string(),
        after: new_json,
        ..Entry::default()
    };
    append(&mut tx, vec![entry]).await?;
    tx.commit().await?;
    let value = StoredValue {
        key: change.key.clone(),
        value: change.new_value.clone(),
        version,
        updated_at: now,
        updated_by: change.actor_id.clone(),
    };
    Ok(ChangeOutcome::Changed { change: Box::new(change), value })
}
