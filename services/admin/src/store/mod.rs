//! The repository: every query of the admin service. Instants are Unix
//! microseconds; configuration values canonical JSON text.
//!
//! Order comes from the database: a configuration change first bumps the
//! one `config_head` row and an audit append first bumps `audit_head`, so
//! each kind of write queues on one row lock and revisions and sequence
//! numbers commit in the order they were issued. Each transaction starts
//! with that write, so SQLite takes its write lock up front.
//!
//! By resource: `configuration` (the stored values and their change
//! history) and `audit_log` (the hash-chained log).

mod audit_log;
mod configuration;

pub use audit_log::*;
pub use configuration::*;
