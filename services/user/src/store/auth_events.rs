//! The authentication audit trail: one row per login, logout, refresh,
//! password or admin change, listed newest first.

use hms_kit::storage::Db;

use super::Result;

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
