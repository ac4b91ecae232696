//! The use cases of the pharmacy: each decides access, runs against the
//! store, records its events in the documents it writes and audits the
//! attempt. They answer in gRPC statuses (refusals carry stable reasons).

mod access;
mod catalog;
mod dispensing;
mod prescribing;
mod stock;

use std::time::Duration;

use hms_kit::client::OutboundChannel;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;

use crate::store::Store;

pub use dispensing::PlannedLine;
pub use prescribing::{NewItem, NewPrescription, finding_to_proto};
pub use stock::{Adjustment, Receipt, StockChange};

/// Read-modify-write attempts over concurrent writers before giving up
/// with ABORTED.
const ATTEMPTS: usize = 64;

pub struct State {
    pub store: Store,
    /// The EHR's internal API: care relationships, encounters, allergies.
    pub ehr: Option<InternalEhrServiceClient<OutboundChannel>>,
    /// The clinic's zone: "expired" and "today" are its civil dates.
    pub zone: jiff::tz::TimeZone,
    /// Where patients pick up their medicines, for the notice.
    pub pickup_location: String,
    /// A dispense under way for longer than this was interrupted and is
    /// finished by the recovery worker.
    pub interrupted_after: Duration,
}

impl State {
    /// Today's date in the clinic, ISO.
    pub fn today(&self) -> String {
        jiff::Timestamp::now().to_zoned(self.zone.clone()).date().to_string()
    }
}

/// A short back-off between attempts of a contended write, growing a little
/// with each attempt so that contenders spread out.
async fn contended(attempt: usize) {
    let micros = 50 * (attempt as u64).min(40) + u64::from(jitter());
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

fn jitter() -> u16 {
    // The low bits of the clock: enough to break lockstep between tasks.
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0) % 200)
        as u16
}
