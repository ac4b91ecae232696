//! The login throttle: attempts counted per subject (an account, an
//! unknown login name, a client address) in a window.

use hms_kit::storage::Db;

use super::Result;

/// Counts one login attempt against `subject`, unless `limit` attempts were
/// already counted in the window (`window` long, from the first attempt):
/// true when counted. The count is one conditional statement, so attempts
/// racing each other never count past the limit.
pub async fn take_attempt(db: &Db, subject: &str, limit: i64, now: i64, window: i64) -> Result<bool> {
    let cutoff = now - window;
    // `attempts` first: MySQL evaluates later assignments with earlier ones applied.
    let count = || {
        sqlx::query(
            "UPDATE login_throttle SET \
             attempts = CASE WHEN window_start <= ? THEN 1 ELSE attempts + 1 END, \
             window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END \
             WHERE subject = ? AND (window_start <= ? OR attempts < ?)",
        )
        .bind(cutoff)
        .bind(cutoff)
        .bind(now)
        .bind(subject)
        .bind(cutoff)
        .bind(limit)
        .execute(&db.writer)
    };
    if count().await?.rows_affected() == 1 {
        return Ok(true);
    }
    let first = sqlx::query("INSERT INTO login_throttle (subject, window_start, attempts) VALUES (?, ?, 1)")
        .bind(subject)
        .bind(now)
        .execute(&db.writer)
        .await;
    match first {
        Ok(_) => {
            prune_attempts(db, cutoff).await;
            Ok(limit > 0)
        }
        // Counted meanwhile (or over the limit all along): the update decides.
        Err(e) if hms_kit::error::is_unique_violation(&e) => Ok(count().await?.rows_affected() == 1),
        Err(e) => Err(e.into()),
    }
}

/// Gives back an attempt that turned out not to be a failure.
pub async fn give_back_attempt(db: &Db, subject: &str) -> Result<()> {
    sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE subject = ? AND attempts > 0")
        .bind(subject)
        .execute(&db.writer)
        .await?;
    Ok(())
}

/// Forgets a subject's attempts (an account after a successful login).
pub async fn clear_attempts(db: &Db, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE subject = ?").bind(subject).execute(&db.writer).await?;
    Ok(())
}

/// Drops counts whose window ended before `cutoff`, which no longer count,
/// when a new subject is counted: housekeeping, so a failure only is logged.
/// (The table has no index on `window_start`: MySQL then locks rows in
/// primary-key order only, as the one-row statements above do, and no
/// deadlock can arise between them.)
async fn prune_attempts(db: &Db, cutoff: i64) {
    let pruned =
        sqlx::query("DELETE FROM login_throttle WHERE window_start <= ?").bind(cutoff).execute(&db.writer).await;
    if let Err(e) = pruned {
        tracing::warn!(error = %e, "cannot prune old login attempts; the next new subject retries");
    }
}
