//! The token signing keys: sealed private halves, public halves published
//! to every verifier.

use hms_kit::storage::Db;

use super::Result;

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
