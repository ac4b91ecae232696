//! The use cases of the billing service: invoicing, payments, insurance
//! policies and claims, each orchestrating the domain rules, the store and
//! the outbox events; `api` authorises, validates and converts around them.
//!
//! Access: patients reach only their own invoices and policies (someone
//! else's invoice is NOT_FOUND, so ids cannot be probed), insurance providers
//! only their company's claims, billing administration is for admins; every
//! access to an invoice is written to `invoice_access_log` (see `access`).

pub mod access;
pub mod claims;
pub mod invoicing;
pub mod payments;
pub mod policies;
pub mod refunds;

use std::sync::Arc;
use std::time::Duration;

use hms_kit::crypto::Sealer;
use hms_kit::storage::Db;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tonic::Status;

use crate::companies::CompanyDirectory;
use crate::store::{self, InvoiceRow};

/// What every use case works with.
pub struct State {
    pub db: Db,
    pub zone: TimeZone,
    /// Read per invoice: an admin may change it at any time.
    pub due_days: crate::settings::DueDays,
    pub tax_basis_points: u32,
    pub default_currency: String,
    /// The card providers: which takes each currency, and each by name.
    pub providers: crate::provider::Providers,
    pub companies: Arc<dyn CompanyDirectory>,
    pub sealer: Sealer,
    /// How long a replay waits for the first request of its key to finish.
    pub payment_wait: Duration,
}

impl State {
    /// The clinic's date.
    pub fn today(&self) -> Date {
        jiff::Timestamp::now().to_zoned(self.zone.clone()).date()
    }

    pub async fn reload(&self, id: &str) -> Result<InvoiceRow, Status> {
        store::get_invoice(&self.db, id).await?.ok_or_else(access::not_found_invoice)
    }

    /// The dashboard's figures, with revenue counted from `day_start` and
    /// `week_start` (microseconds).
    pub async fn billing_stats(&self, day_start: i64, week_start: i64) -> Result<store::stats::Figures, Status> {
        Ok(store::stats::billing_stats(&self.db, day_start, week_start).await?)
    }
}
