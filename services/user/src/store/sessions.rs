//! Sessions and their refresh tokens: opened at login, rotated on refresh
//! (a reused token is detected), revoked, and read back by the revocation
//! feed and the session check.

use hms_kit::storage::{Db, retry_transient};
use sqlx::{Any, Row, Transaction};

use super::users::USER_COLUMNS;
use super::{Result, UserRow};

pub async fn create_session(
    db: &Db,
    session_id: &str,
    user_id: &str,
    refresh_digest: &str,
    expires_at: i64,
    now: i64,
) -> Result<()> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(session_id)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        insert_refresh(&mut tx, refresh_digest, session_id, expires_at).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

async fn insert_refresh(tx: &mut Transaction<'_, Any>, digest: &str, session_id: &str, expires_at: i64) -> Result<()> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?, ?, ?)")
        .bind(digest)
        .bind(session_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug)]
pub struct RefreshLookup {
    pub session_id: String,
    pub user_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The token it was rotated into, once used.
    pub replaced_by: Option<String>,
    pub session_revoked_at: Option<i64>,
}

pub async fn find_refresh(db: &Db, digest: &str) -> Result<Option<RefreshLookup>> {
    let row = sqlx::query(
        "SELECT r.session_id, s.user_id, r.expires_at, r.used_at, r.replaced_by, s.revoked_at FROM refresh_tokens r \
         JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?",
    )
    .bind(digest)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        Ok(RefreshLookup {
            session_id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            expires_at: row.try_get(2)?,
            used_at: row.try_get(3)?,
            replaced_by: row.try_get(4)?,
            session_revoked_at: row.try_get(5)?,
        })
    })
    .transpose()
}

/// Marks `old` used and issues `new` in its session. False when `old` was
/// used in the meantime (a concurrent reuse), in which case nothing changes.
pub async fn rotate_refresh(
    db: &Db,
    old: &str,
    new: &str,
    session_id: &str,
    expires_at: i64,
    now: i64,
) -> Result<bool> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_at = ?, replaced_by = ? WHERE token_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(new)
        .bind(old)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_refresh(&mut tx, new, session_id, expires_at).await?;
        tx.commit().await?;
        Ok(true)
    })
    .await
}

/// Rotates `old` again, into `new`, for a retry of the refresh that rotated
/// it into `successor`: `successor` is used up in the same transaction, so
/// one of the two only ever works. False when `successor` was used or `old`
/// rotated again in the meantime, in which case nothing changes.
pub async fn rotate_refresh_again(
    db: &Db,
    old: &str,
    successor: &str,
    new: &str,
    session_id: &str,
    expires_at: i64,
    now: i64,
) -> Result<bool> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        let spent = sqlx::query("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
            .bind(now)
            .bind(successor)
            .execute(&mut *tx)
            .await?;
        let moved = sqlx::query("UPDATE refresh_tokens SET replaced_by = ? WHERE token_hash = ? AND replaced_by = ?")
            .bind(new)
            .bind(old)
            .bind(successor)
            .execute(&mut *tx)
            .await?;
        if spent.rows_affected() != 1 || moved.rows_affected() != 1 {
            return Ok(false);
        }
        insert_refresh(&mut tx, new, session_id, expires_at).await?;
        tx.commit().await?;
        Ok(true)
    })
    .await
}

pub async fn revoke_session(db: &Db, session_id: &str, reason: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(session_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn revoke_user_sessions(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sessions revoked after `since`: (session id, revoked at), oldest first.
pub async fn sessions_revoked_since(db: &Db, since: i64) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as("SELECT id, revoked_at FROM sessions WHERE revoked_at > ? ORDER BY revoked_at")
        .bind(since)
        .fetch_all(&db.pool)
        .await?)
}

/// The user of an unrevoked, unexpired session together with the session check,
/// in one round trip.
pub async fn user_in_active_session(db: &Db, user_id: &str, session_id: &str, now: i64) -> Result<Option<UserRow>> {
    let columns = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
    Ok(sqlx::query_as(&format!(
        "SELECT {columns} FROM users u JOIN sessions s ON s.user_id = u.id \
         WHERE u.id = ? AND s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?"
    ))
    .bind(user_id)
    .bind(session_id)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?)
}
