//! The token signing keys: the newest unretired key signs, all of them are
//! published to the verifiers.

use hms_kit::auth::{PublicKey, SigningKeyPair};
use hms_kit::crypto::Sealer;
use hms_kit::storage::Db;
use hms_kit::time::now_micros;

use crate::store;

/// The newest unretired signing key, created (and sealed) on first start.
pub async fn load_or_create_signing_key(db: &Db, sealer: &Sealer) -> anyhow::Result<SigningKeyPair> {
    if let Some(row) = store::signing_keys(db).await?.into_iter().next() {
        let pkcs8 = sealer.open(&row.sealing_key_id, &row.private_sealed, &row.kid)?;
        return Ok(SigningKeyPair { kid: row.kid, pkcs8 });
    }
    let pair = SigningKeyPair::generate()?;
    let public = pair.public_key()?;
    let (sealing_key_id, private_sealed) = sealer.seal(&pair.pkcs8, &pair.kid)?;
    store::insert_signing_key(
        db,
        &store::SigningKeyRow {
            kid: pair.kid.clone(),
            private_sealed,
            sealing_key_id,
            public_x: public.x,
            created_at: now_micros(),
        },
    )
    .await?;
    tracing::info!(kid = %pair.kid, "generated a new token signing key");
    Ok(pair)
}

pub async fn published_keys(db: &Db) -> anyhow::Result<Vec<PublicKey>> {
    Ok(store::signing_keys(db).await?.into_iter().map(|k| PublicKey { kid: k.kid, x: k.public_x }).collect())
}
