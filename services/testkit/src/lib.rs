//! What the services' integration tests share, so that a new service's
//! tests start from it: the real user service with a known admin and the
//! service-token secret ([`users`]), accounts of every role and their tokens,
//! the admin service and its audit log ([`admin`]), the notification service
//! ([`notification`]), waiting for an outbox to drain ([`outbox`]), document
//! stores per backend ([`Docs`]), what a refusal carries ([`status`]), and
//! a local Stripe server ([`stripe`]),
//! the macros that run each test on every backend ([`on_every_backend!`],
//! [`on_every_store!`]).
//!
//! What needs no service crate (test databases, test servers, `authed`)
//! lives in `hms_kit::testing` and is re-exported here.

pub mod admin;
pub mod notification;
pub mod outbox;
pub mod process;
pub mod status;
pub mod stripe;
pub mod users;

mod docs;
mod macros;

pub use docs::{DocStore, Docs};
pub use hms_kit::testing::{Relational, TestDb, TestServer, authed, database, mongodb_uri};
pub use status::{assert_code, reason, violated_fields, violated_fields_sorted, violations};
pub use users::{
    ADMIN_PASSWORD, PASSWORD, SERVICE_SECRET, admin_token, login, patient, service_auth, service_token, service_tokens,
    staff, start_user,
};

/// A direct connection to a test database, for checks at rest.
pub async fn sql(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.unwrap()
}

/// Test output through `tracing` (filtered by `RUST_LOG`), once per binary.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
