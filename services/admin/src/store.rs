//! The repository: every query of the admin service. Instants are Unix
//! microseconds; configuration values canonical JSON text.
//!
//! Order comes from the database: a configuration change first bumps the
//! one `config_head` row and an audit append first bumps `audit_head`, so
//! each kind of write queues on one row lock and revisions and sequence
//! numbers commit in the order they were issued. Each transaction starts
//! with that write, so SQLite takes its write lock up front.

use hms_kit::storage::{Db, retry_transient};
use hms_kit::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::audit::{Entry, Verifier};

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

pub async fn stored_values(db: &Db) -> sqlx::Result<Vec<StoredValue>> {
    let rows = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values")).fetch_all(&db.pool).await?;
    rows.iter().map(stored_value).collect()
}

pub async fn stored(db: &Db, key: &str) -> sqlx::Result<Option<StoredValue>> {
    let row = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values WHERE config_key = ?"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(stored_value).transpose()
}

/// The stored values and the revision they include, read in one
/// transaction (one snapshot on both backends).
pub async fn snapshot(db: &Db) -> sqlx::Result<(i64, Vec<StoredValue>)> {
    let mut tx = db.pool.begin().await?;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM config_head WHERE id = 1").fetch_one(&mut *tx).await?;
    let rows = sqlx::query(&format!("SELECT {VALUE_COLUMNS} FROM config_values")).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((revision, rows.iter().map(stored_value).collect::<Result<_, _>>()?))
}

pub async fn head_revision(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT revision FROM config_head WHERE id = 1").fetch_one(&db.pool).await
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
pub async fn changes_after(db: &Db, revision: i64, limit: i64) -> sqlx::Result<Vec<ChangeRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {CHANGE_COLUMNS} FROM config_changes WHERE revision > ? ORDER BY revision LIMIT ?"
    ))
    .bind(revision)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(change_row).collect()
}

/// One key's changes, newest first, before revision `before` when given.
pub async fn key_changes(db: &Db, key: &str, before: Option<i64>, limit: i64) -> sqlx::Result<Vec<ChangeRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {CHANGE_COLUMNS} FROM config_changes WHERE config_key = ? AND revision < ? \
         ORDER BY revision DESC LIMIT ?"
    ))
    .bind(key)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(change_row).collect()
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
pub async fn change(db: &Db, new: &NewChange) -> sqlx::Result<ChangeOutcome> {
    retry_transient(|| try_change(db, new)).await
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
        id: uuid::Uuid::now_v7().to_string(),
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

// ---- audit log ----

const AUDIT_COLUMNS: &str = "seq, entry_id, service, actor_id, actor_role, action, target_type, target_id, \
                             action_at, recorded_at, client_address, before_summary, after_summary, prev_hash, hash";

fn audit_row(row: &AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        seq: row.try_get("seq")?,
        id: row.try_get("entry_id")?,
        service: row.try_get("service")?,
        actor_id: row.try_get("actor_id")?,
        actor_role: row.try_get("actor_role")?,
        action: row.try_get("action")?,
        target_type: row.try_get("target_type")?,
        target_id: row.try_get("target_id")?,
        action_at: row.try_get("action_at")?,
        recorded_at: row.try_get("recorded_at")?,
        client_address: row.try_get("client_address")?,
        before: row.try_get("before_summary")?,
        after: row.try_get("after_summary")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Chains `entries` (their `seq`, hashes and record time are set here) onto
/// the log inside `tx`, skipping those whose id is already recorded; returns
/// (recorded, duplicates).
async fn append(tx: &mut Transaction<'static, Any>, entries: Vec<Entry>) -> sqlx::Result<(i32, i32)> {
    // The write takes the head's row lock before the head is read. It must
    // change the row: on MySQL a transaction that has already read (a
    // configuration change has) reads from its snapshot, which may predate
    // the head another appender committed meanwhile, but it reads a row it
    // changed itself as that row now is. The real head is written back below.
    sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").execute(&mut **tx).await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
    let (mut seq, mut hash): (i64, String) = (head.try_get::<i64, _>("seq")? - 1, head.try_get("hash")?);
    let (mut recorded, mut duplicates) = (0, 0);
    let now = now_micros();
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        let known: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_log WHERE entry_id = ?")
            .bind(&entry.id)
            .fetch_optional(&mut **tx)
            .await?;
        if known.is_some() || !seen.insert(entry.id.clone()) {
            duplicates += 1;
            continue;
        }
        let entry = Entry { recorded_at: now, ..entry }.chained(seq + 1, &hash);
        sqlx::query(&format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(entry.seq)
        .bind(&entry.id)
        .bind(&entry.service)
        .bind(&entry.actor_id)
        .bind(&entry.actor_role)
        .bind(&entry.action)
        .bind(&entry.target_type)
        .bind(&entry.target_id)
        .bind(entry.action_at)
        .bind(entry.recorded_at)
        .bind(&entry.client_address)
        .bind(&entry.before)
        .bind(&entry.after)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
        seq = entry.seq;
        hash = entry.hash;
        recorded += 1;
    }
    sqlx::query("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok((recorded, duplicates))
}

/// Records other services' actions; idempotent on each entry's id. Two
/// deliveries of one id queue on the head lock, so the second finds the
/// first's entry; the unique key on the id stands behind that, and a
/// violation fails the call, which the relay retries.
pub async fn record(db: &Db, entries: &[Entry]) -> sqlx::Result<(i32, i32)> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        let counts = append(&mut tx, entries.to_vec()).await?;
        tx.commit().await?;
        Ok(counts)
    })
    .await
}

#[derive(Debug, Default, serde::Serialize)]
pub struct AuditFilter {
    pub actor_id: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub service: String,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// Entries matching `filter`, newest first, before sequence `before`.
pub async fn audit_entries(db: &Db, filter: &AuditFilter, before: Option<i64>, limit: i64) -> sqlx::Result<Vec<Entry>> {
    let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < ?");
    let mut texts: Vec<&str> = Vec::new();
    for (column, value) in [
        ("actor_id", &filter.actor_id),
        ("action", &filter.action),
        ("target_type", &filter.target_type),
        ("target_id", &filter.target_id),
        ("service", &filter.service),
    ] {
        if !value.is_empty() {
            sql.push_str(&format!(" AND {column} = ?"));
            texts.push(value);
        }
    }
    if filter.from.is_some() {
        sql.push_str(" AND action_at >= ?");
    }
    if filter.until.is_some() {
        sql.push_str(" AND action_at < ?");
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    let mut query = sqlx::query(&sql).bind(before.unwrap_or(i64::MAX));
    for text in texts {
        query = query.bind(text);
    }
    for bound in [filter.from, filter.until].into_iter().flatten() {
        query = query.bind(bound);
    }
    let rows = query.bind(limit).fetch_all(&db.pool).await?;
    rows.iter().map(audit_row).collect()
}

/// Walks the chain in pages up to the head read first (entries appended
/// meanwhile are left for the next check), then checks the head names its
/// last entry, so entries removed from the end are found too.
pub async fn verify(db: &Db) -> sqlx::Result<(i64, Option<(i64, String)>)> {
    const CHUNK: i64 = 1000;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let mut verifier = Verifier::default();
    let mut after = 0;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"
        ))
        .bind(after)
        .bind(head_seq)
        .bind(CHUNK)
        .fetch_all(&db.pool)
        .await?;
        for row in &rows {
            let entry = audit_row(row)?;
            if let Err(problem) = verifier.check(&entry) {
                return Ok((verifier.checked, Some((entry.seq, problem))));
            }
            after = entry.seq;
        }
        if i64::try_from(rows.len()).unwrap_or(0) < CHUNK {
            break;
        }
    }
    match verifier.finish(head_seq, &head_hash) {
        Ok(()) => Ok((verifier.checked, None)),
        Err(problem) => Ok((verifier.checked, Some((after + 1, problem)))),
    }
}
