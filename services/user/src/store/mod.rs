//! The repository: every query of the user service, by resource (users,
//! sessions and refresh tokens, password resets, the login throttle, the
//! authentication audit trail, signing keys). Instants are Unix microseconds;
//! ids UUIDv7.
//!
//! Outbox events come in as `hms_kit::outbox::Event` values built by the
//! service's `events.rs`: the store writes them with the change they announce
//! and never needs to know their shapes.

mod auth_events;
mod password_resets;
mod sessions;
mod signing_keys;
mod throttle;
mod users;

pub use auth_events::*;
pub use password_resets::*;
pub use sessions::*;
pub use signing_keys::*;
pub use throttle::*;
pub use users::*;

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
    Store(#[from] hms_kit::storage::StoreError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Store(error.into())
    }
}

/// A lock conflict worth running the transaction again (see
/// [`hms_kit::storage::retry_transient`]).
impl hms_kit::storage::Transient for StoreError {
    fn is_transient(&self) -> bool {
        matches!(self, StoreError::Store(e) if e.is_transient())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(super) fn classify(error: sqlx::Error) -> StoreError {
    let error = hms_kit::storage::StoreError::from(error);
    if error.is_unique_violation() {
        // SQLite names the column ("users.email_key"), MySQL the key ("users_email_key").
        let key = error.constraint().map_or_else(|| error.to_string(), str::to_owned);
        for (needle, field) in [("username", "username"), ("email", "email"), ("phone", "phone_number")] {
            if key.contains(needle) {
                return StoreError::Duplicate(field);
            }
        }
    }
    StoreError::Store(error)
}
