//! hms-kit: what every HMS service shares (configuration, telemetry, auth,
//! errors, storage, outbox, server bootstrap, outbound clients, test helpers).

pub mod auth;
pub mod client;
pub mod config;
pub mod crypto;
pub mod docstore;
pub mod error;
pub mod healthcheck;
pub mod metrics;
pub mod outbox;
pub mod paging;
pub mod server;
pub mod storage;
pub mod telemetry;
pub mod testing;
pub mod time;

pub use hms_proto as proto;
