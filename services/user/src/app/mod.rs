//! The use cases of the user service: accounts (registration, profile,
//! the initial administrator), sessions (login with its throttle, refresh,
//! logout, token checks), passwords (change and reset), the admins' user
//! management, the authentication audit trail, the signing keys and the
//! directory other services read. Each orchestrates the domain rules, the
//! store and the outbox events; `api` authorises, validates and converts
//! around them.

pub mod accounts;
pub mod audit;
pub mod directory;
pub mod keys;
pub mod passwords;
pub mod sessions;
pub mod users;

use std::sync::Arc;

use hms_kit::auth::{PublicKey, TokenSigner, TokenVerifier};
use hms_kit::crypto::Sealer;
use hms_kit::error::{self, invalid_field, refusal};
use hms_kit::storage::Db;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::UserConfig;
use crate::domain::password;
use crate::revocations::RevocationFeed;
use crate::store::{self, StoreError, UserRow};

/// What every use case works with.
pub struct State {
    pub db: Db,
    pub sealer: Sealer,
    pub signer: TokenSigner,
    pub published: Vec<PublicKey>,
    pub verifier: Arc<TokenVerifier>,
    pub revocations: Arc<RevocationFeed>,
    pub config: UserConfig,
    /// The login throttle's limits, read per login: an admin may change them
    /// at any time (`config`'s own limits are only their file/env values).
    pub throttle: crate::settings::Throttle,
}

const SECOND: i64 = 1_000_000;

impl From<StoreError> for Status {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate(field) => {
                let mut details = ErrorDetails::with_bad_request_violation(field, "is already taken");
                details.set_error_info(
                    "ALREADY_TAKEN",
                    hms_kit::error::ERROR_DOMAIN,
                    std::collections::HashMap::from([("field".to_owned(), field.to_owned())]),
                );
                Status::with_error_details(Code::AlreadyExists, format!("{field} is already taken"), details)
            }
            StoreError::Conflict => refusal(Code::Aborted, "CONCURRENT_UPDATE", "the account changed meanwhile; retry"),
            StoreError::Store(e) => e.into(),
        }
    }
}

fn secs(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / SECOND / 2) * SECOND
}

async fn hash_password(password: String) -> Result<String, Status> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(error::internal)?
        .map_err(error::internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool, Status> {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash)).await.map_err(error::internal)
}

pub fn non_empty(value: &str) -> Option<String> {
    (!value.trim().is_empty()).then(|| value.trim().to_owned())
}

pub async fn load_user(db: &Db, user_id: &str) -> Result<UserRow, Status> {
    if user_id.is_empty() {
        return Err(invalid_field("user_id", "is required"));
    }
    store::user_by_id(db, user_id).await?.ok_or_else(|| Status::not_found("no user with this id"))
}
