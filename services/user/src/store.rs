//! Every query of the user service. Instants are Unix microseconds; ids UUIDv7.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox;
use hms_kit::storage::Db;
use sqlx::{Any, Row, Transaction};

/// A store failure as the API needs to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write; the field is the API field name.
    #[error("{0} is already taken")]
    Duplicate(&'static str),
    /// The row changed since it was read.
    #[error("the record was changed concurrently")]
    Conflict,
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn classify(error: sqlx::Error) -> StoreError {
    if hms_kit::error::is_unique_violation(&error) {
        // SQLite names the column ("users.email_key"), MySQL the key ("users_email_key").
        let message = error.as_database_error().map(|e| e.message().to_owned()).unwrap_or_default();
        for (needle, field) in [("username", "username"), ("email", "email"), ("phone", "phone_number")] {
            if message.contains(needle) {
                return StoreError::Duplicate(field);
            }
        }
    }
    StoreError::Sql(error)
}

const USER_COLUMNS: &str = "id, username, email, phone_number, first_name, last_name, role, is_active, password_hash, \
     preferred_language, profile_picture_url, profile_body, profile_key_id, date_joined, updated_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub is_active: i64,
    pub password_hash: String,
    pub preferred_language: String,
    pub profile_picture_url: String,
    pub profile_body: Option<Vec<u8>>,
    pub profile_key_id: Option<String>,
    pub date_joined: i64,
    pub updated_at: i64,
}

/// An event to write in the same transaction as the change.
pub struct Event<'a, P: serde::Serialize> {
    pub topic: &'a str,
    pub payload: &'a P,
}

/// Writes a new user with its event, and, when an admin created the user, the
/// entry for the admin audit log, all in one transaction.
pub async fn insert_user<P: serde::Serialize>(
    db: &Db,
    user: &UserRow,
    event: Option<Event<'_, P>>,
    admin_action: Option<&AdminActionEvent>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(&format!(
        "INSERT INTO users ({USER_COLUMNS}, username_key, email_key) VALUES ({})",
        hms_kit::storage::placeholders(17)
    ))
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.email)
    .bind(&user.phone_number)
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.role)
    .bind(user.is_active)
    .bind(&user.password_hash)
    .bind(&user.preferred_language)
    .bind(&user.profile_picture_url)
    .bind(&user.profile_body)
    .bind(&user.profile_key_id)
    .bind(user.date_joined)
    .bind(user.updated_at)
    .bind(user.username.to_lowercase())
    .bind(user.email.to_lowercase())
    .execute(&mut *tx)
    .await
    .map_err(classify)?;
    if let Some(event) = event {
        outbox::enqueue(&mut tx, event.topic, event.payload).await?;
    }
    if let Some(action) = admin_action {
        admin_audit::enqueue(&mut tx, action).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn user_by_id(db: &Db, id: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// By username or email, case-insensitively.
pub async fn user_by_login(db: &Db, login: &str) -> Result<Option<UserRow>> {
    let key = login.to_lowercase();
    Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE username_key = ? OR email_key = ?"))
        .bind(&key)
        .bind(&key)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = ?"))
        .bind(email.to_lowercase())
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn users_by_ids(db: &Db, ids: &[String]) -> Result<Vec<UserRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id IN ({})", hms_kit::storage::placeholders(ids.len()));
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

pub async fn any_user_with_role(db: &Db, role: &str) -> Result<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = ? LIMIT 1").bind(role).fetch_optional(&db.pool).await?;
    Ok(found.is_some())
}

const UPDATE_USER: &str = "UPDATE users SET email = ?, email_key = ?, phone_number = ?, first_name = ?, \
     last_name = ?, role = ?, is_active = ?, preferred_language = ?, profile_picture_url = ?, profile_body = ?, \
     profile_key_id = ?, updated_at = ? WHERE id = ? AND updated_at = ?";

/// The update of `user`'s editable fields, if the row is still as read.
fn user_update(user: &UserRow, now: i64) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(UPDATE_USER)
        .bind(&user.email)
        .bind(user.email.to_lowercase())
        .bind(&user.phone_number)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.role)
        .bind(user.is_active)
        .bind(&user.preferred_language)
        .bind(&user.profile_picture_url)
        .bind(&user.profile_body)
        .bind(&user.profile_key_id)
        .bind(now.max(user.updated_at + 1))
        .bind(&user.id)
        .bind(user.updated_at)
}

/// Writes the editable fields of `user`, if nobody changed the row since
/// `user.updated_at` was read; bumps `updated_at` to `now`.
pub async fn update_user(db: &Db, user: &UserRow, now: i64) -> Result<()> {
    let done = user_update(user, now).execute(&db.pool).await.map_err(classify)?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

/// An admin's change of `user` (activation, deactivation, role change), as
/// [`update_user`], with its entry for the admin audit log in the same
/// transaction (so the log has it exactly when the change is made); with
/// `end_sessions` (the reason) every session of the user is revoked too, so
/// no token outlives a deactivation or a role change.
pub async fn update_user_by_admin(
    db: &Db,
    user: &UserRow,
    end_sessions: Option<&str>,
    action: &AdminActionEvent,
    now: i64,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = user_update(user, now).execute(&mut *tx).await.map_err(classify)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict);
    }
    if let Some(reason) = end_sessions {
        revoke_user_sessions(&mut tx, &user.id, None, reason, now).await?;
    }
    admin_audit::enqueue(&mut tx, action).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserFilter {
    pub role: Option<String>,
    pub query: Option<String>,
}

/// Accounts of `role` that joined at or after `since` (microseconds): one
/// range count over the (role, date_joined) index.
pub async fn count_joined_since(db: &Db, role: &str, since: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = ? AND date_joined >= ?")
        .bind(role)
        .bind(since)
        .fetch_one(&db.pool)
        .await?)
}

/// Users matching `filter`, by id (creation order), after `after`.
pub async fn list_users(db: &Db, filter: &UserFilter, after: Option<&str>, limit: usize) -> Result<Vec<UserRow>> {
    let mut sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id > ?");
    if filter.role.is_some() {
        sql.push_str(" AND role = ?");
    }
    let pattern = filter.query.as_deref().map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    if pattern.is_some() {
        sql.push_str(
            " AND (username_key LIKE ? ESCAPE '!' OR email_key LIKE ? ESCAPE '!' \
             OR LOWER(first_name) LIKE ? ESCAPE '!' OR LOWER(last_name) LIKE ? ESCAPE '!')",
        );
    }
    sql.push_str(" ORDER BY id LIMIT ?");
    let mut query = sqlx::query_as(&sql).bind(after.unwrap_or(""));
    if let Some(role) = &filter.role {
        query = query.bind(role);
    }
    if let Some(pattern) = &pattern {
        query = query.bind(pattern).bind(pattern).bind(pattern).bind(pattern);
    }
    Ok(query.bind(i64::try_from(limit).unwrap_or(i64::MAX)).fetch_all(&db.pool).await?)
}

fn escape_like(value: &str) -> String {
    value.replace('!', "!!").replace('%', "!%").replace('_', "!_")
}

pub async fn set_password(tx: &mut Transaction<'_, Any>, user_id: &str, hash: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Changes a password and revokes every session but `keep_session`, atomically.
pub async fn change_password(db: &Db, user_id: &str, hash: &str, keep_session: Option<&str>, now: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    set_password(&mut tx, user_id, hash, now).await?;
    revoke_user_sessions(&mut tx, user_id, keep_session, "PASSWORD_CHANGED", now).await?;
    tx.commit().await?;
    Ok(())
}

// --- sessions and refresh tokens ---

pub async fn create_session(
    db: &Db,
    session_id: &str,
    user_id: &str,
    refresh_digest: &str,
    expires_at: i64,
    now: i64,
) -> Result<()> {
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
    pub session_revoked_at: Option<i64>,
}

pub async fn find_refresh(db: &Db, digest: &str) -> Result<Option<RefreshLookup>> {
    let row = sqlx::query(
        "SELECT r.session_id, s.user_id, r.expires_at, r.used_at, s.revoked_at FROM refresh_tokens r \
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
            session_revoked_at: row.try_get(4)?,
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
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
        .bind(now)
        .bind(old)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    insert_refresh(&mut tx, new, session_id, expires_at).await?;
    tx.commit().await?;
    Ok(true)
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

// --- password resets ---

pub async fn create_password_reset<P: serde::Serialize>(
    db: &Db,
    digest: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
    event: Event<'_, P>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(digest)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    outbox::enqueue(&mut tx, event.topic, event.payload).await?;
    tx.commit().await?;
    Ok(())
}

/// Uses a reset token once: sets the password and revokes every session.
/// Returns the user id, or None when the token is unknown, used or expired.
pub async fn consume_password_reset(db: &Db, digest: &str, hash: &str, now: i64) -> Result<Option<String>> {
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
}

// --- login throttling ---

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

// --- audit trail ---

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthEventRow {
    pub id: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub client_address: String,
    pub success: i64,
    pub detail: String,
    pub created_at: i64,
}

pub async fn insert_auth_event(db: &Db, event: &AuthEventRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO auth_events (id, kind, user_id, actor_id, client_address, success, detail, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(&event.user_id)
    .bind(&event.actor_id)
    .bind(&event.client_address)
    .bind(event.success)
    .bind(&event.detail)
    .bind(event.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuthEventFilter {
    pub user_id: Option<String>,
    pub kind: Option<String>,
}

/// Newest first, before `before` (an event id).
pub async fn list_auth_events(
    db: &Db,
    filter: &AuthEventFilter,
    before: Option<&str>,
    limit: usize,
) -> Result<Vec<AuthEventRow>> {
    let mut sql = String::from(
        "SELECT id, kind, user_id, actor_id, client_address, success, detail, created_at FROM auth_events WHERE 1 = 1",
    );
    if before.is_some() {
        sql.push_str(" AND id < ?");
    }
    if filter.user_id.is_some() {
        sql.push_str(" AND user_id = ?");
    }
    if filter.kind.is_some() {
        sql.push_str(" AND kind = ?");
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    let mut query = sqlx::query_as(&sql);
    if let Some(before) = before {
        query = query.bind(before);
    }
    if let Some(user_id) = &filter.user_id {
        query = query.bind(user_id);
    }
    if let Some(kind) = &filter.kind {
        query = query.bind(kind);
    }
    Ok(query.bind(i64::try_from(limit).unwrap_or(i64::MAX)).fetch_all(&db.pool).await?)
}

// --- signing keys ---

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_sealed: Vec<u8>,
    pub sealing_key_id: String,
    pub public_x: String,
    pub created_at: i64,
}

/// Unretired keys, newest first: the first signs, all verify.
pub async fn signing_keys(db: &Db) -> Result<Vec<SigningKeyRow>> {
    Ok(sqlx::query_as(
        "SELECT kid, private_sealed, sealing_key_id, public_x, created_at FROM signing_keys \
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(&db.pool)
    .await?)
}

pub async fn insert_signing_key(db: &Db, key: &SigningKeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, private_sealed, sealing_key_id, public_x, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&key.kid)
    .bind(&key.private_sealed)
    .bind(&key.sealing_key_id)
    .bind(&key.public_x)
    .bind(key.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
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
