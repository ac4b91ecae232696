//! The admin audit log: entries chained by hash under one head row, recorded
//! idempotently, listed newest first, and the chain verified.

use hms_kit::storage::{Db, StoreError, retry_transient};
use hms_kit::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::audit::{Entry, Verifier};

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
pub(super) async fn append(tx: &mut Transaction<'static, Any>, entries: Vec<Entry>) -> sqlx::Result<(i32, i32)> {
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
pub async fn record(db: &Db, entries: &[Entry]) -> Result<(i32, i32), StoreError> {
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
pub async fn audit_entries(
    db: &Db,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
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
    Ok(rows.iter().map(audit_row).collect::<sqlx::Result<_>>()?)
}

/// Walks the chain in pages up to the head read first (entries appended
/// meanwhile are left for the next check), then checks the head names its
/// last entry, so entries removed from the end are found too.
pub async fn verify(db: &Db) -> Result<(i64, Option<(i64, String)>), StoreError> {
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
