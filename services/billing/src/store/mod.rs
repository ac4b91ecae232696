//! The repository: every query of the billing service, by resource (invoices,
//! payments, insurance policies, claims, the dashboard's figures). Amounts are
//! BIGINT minor units, instants Unix microseconds, civil dates ISO strings.
//!
//! The invariants live in the database: one invoice per source (unique key),
//! one payment per idempotency key (unique key), no overpayment (conditional
//! UPDATE on the amounts), claim moves conditional on the status they start
//! from. Each transaction starts with a write, so SQLite takes its write lock
//! up front instead of failing a read-to-write upgrade.
//!
//! Outbox events come in as `hms_kit::outbox::Event` values built by the
//! service's `events.rs`: the store writes them with the change they announce
//! and never needs to know their shapes.

mod claims;
mod invoices;
mod payments;
mod policies;
mod refunds;
pub mod stats;

use hms_kit::outbox::Event;
use hms_kit::time::now_micros;
use sqlx::{Any, Transaction};

use crate::domain;

pub use claims::*;
pub use invoices::*;
pub use payments::*;
pub use policies::*;
pub use refunds::*;

fn decode<T>(what: &str, value: Option<T>) -> Result<T, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::Decode(format!("unknown {what} in the store").into()))
}

/// Issues the next number of the sequence to `owner_id`, inside `tx`.
async fn next_number(
    tx: &mut Transaction<'static, Any>,
    prefix: &str,
    date: jiff::civil::Date,
    owner_id: &str,
) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO number_seq (owner_id, created_at) VALUES (?, ?)")
        .bind(owner_id)
        .bind(now_micros())
        .execute(&mut **tx)
        .await?;
    let seq: i64 =
        sqlx::query_scalar("SELECT seq FROM number_seq WHERE owner_id = ?").bind(owner_id).fetch_one(&mut **tx).await?;
    Ok(domain::document_number(prefix, date, seq))
}

/// An event built for a row the store creates (its number is issued inside
/// the transaction), as a store error when it cannot be encoded.
fn built<T>(event: impl Fn(&T) -> serde_json::Result<Event>, row: &T) -> sqlx::Result<Event> {
    event(row).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
