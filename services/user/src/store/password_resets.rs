//! Password reset tokens (kept as digests): created with their email event,
//! checked, and used once.

use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, retry_transient};

use super::{Result, revoke_user_sessions, set_password};

pub async fn create_password_reset(
    db: &Db,
    digest: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
    event: &Event,
) -> Result<()> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(digest)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        outbox::enqueue_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await?;
        db.outbox_written();
        Ok(())
    })
    .await
}

/// Uses a reset token once: sets the password and revokes every session.
/// Returns the user id, or None when the token is unknown, used or expired.
pub async fn consume_password_reset(db: &Db, digest: &str, hash: &str, now: i64) -> Result<Option<String>> {
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        let done = sqlx::query(
            "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(digest)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let user_id: String = sqlx::query_scalar("SELECT user_id FROM password_resets WHERE token_hash = ?")
            .bind(digest)
            .fetch_one(&mut *tx)
            .await?;
        set_password(&mut tx, &user_id, hash, now).await?;
        revoke_user_sessions(&mut tx, &user_id, None, "PASSWORD_RESET", now).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    })
    .await
}

/// The user a valid (unused, unexpired) reset token belongs to.
pub async fn password_reset_user(db: &Db, digest: &str, now: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?)
}
