//! Accounts: created (with their event and, for an admin's creation, the
//! admin audit entry), read by id, login, email or page, updated with an
//! optimistic check, and their passwords set.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, retry_transient};
use sqlx::{Any, Transaction};

use super::{Result, StoreError, classify, revoke_user_sessions};

pub(super) const USER_COLUMNS: &str = "id, username, email, phone_number, first_name, last_name, role, is_active, password_hash, \
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

/// Writes a new user with its event, and, when an admin created the user, the
/// entry for the admin audit log, all in one transaction.
pub async fn insert_user(
    db: &Db,
    user: &UserRow,
    event: Option<&Event>,
    admin_action: Option<&AdminActionEvent>,
) -> Result<()> {
    retry_transient(|| async {
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
            outbox::enqueue_events(&mut tx, std::slice::from_ref(event)).await?;
        }
        if let Some(action) = admin_action {
            admin_audit::enqueue(&mut tx, action).await?;
        }
        tx.commit().await?;
        db.outbox_written();
        Ok(())
    })
    .await
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
    retry_transient(|| async {
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
    })
    .await
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
    retry_transient(|| async {
        let mut tx = db.begin_write().await?;
        set_password(&mut tx, user_id, hash, now).await?;
        revoke_user_sessions(&mut tx, user_id, keep_session, "PASSWORD_CHANGED", now).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
