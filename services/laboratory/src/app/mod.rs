//! The use cases of the laboratory: each decides access, runs against the
//! store, records its events in the order it writes and audits the attempt.
//! They answer in gRPC statuses (refusals carry stable reasons).

mod access;
mod catalog;
mod files;
mod judging;
mod orders;
mod results;

use std::time::Duration;

use hms_kit::client::OutboundChannel;
use hms_kit::objects::Objects;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use tonic::Status;

use crate::store::Store;
use crate::store::{OrderDoc, StoreError, Versioned};

pub use access::may_see_results;
pub use catalog::NewTest;
pub use files::MAX_FILE_BYTES;
pub use judging::{applied_ranges, patient_at_collection};
pub use orders::{NewOrder, Scope};
pub use results::{Entry, Trend};

/// Read-modify-write attempts over concurrent writers (the relay writes
/// orders too, delivering their events) before giving up with ABORTED.
const ATTEMPTS: usize = 64;

/// The clinic as the printed report heads it.
#[derive(Debug, Clone)]
pub struct Clinic {
    pub name: String,
    pub address: String,
}

pub struct State {
    pub store: Store,
    /// The EHR's internal API: care relationships and encounters.
    pub ehr: Option<InternalEhrServiceClient<OutboundChannel>>,
    /// The user service's internal API: a patient's sex and date of birth.
    pub users: Option<InternalUserServiceClient<OutboundChannel>>,
    /// The clinic's zone: collection days (accession numbers), ages and the
    /// report's times are its civil ones.
    pub zone: jiff::tz::TimeZone,
    /// Result files and reports, sealed with the laboratory's key.
    pub files: Objects,
    pub clinic: Clinic,
}

/// A short back-off between attempts of a contended write.
async fn contended(attempt: usize) {
    tokio::time::sleep(Duration::from_micros(100 * (attempt as u64).min(40))).await;
}

fn order_not_found() -> Status {
    Status::not_found("no such lab order")
}

impl State {
    /// Applies `change` to the order read fresh until it saves: `change`
    /// sees the order and either edits it or refuses. A stale `version`
    /// (the revision the client read) is refused with ABORTED.
    async fn change_order<T>(
        &self,
        id: &str,
        version: Option<i64>,
        mut change: impl FnMut(&mut OrderDoc) -> Result<T, Status>,
    ) -> Result<(Versioned<OrderDoc>, T), Status> {
        for attempt in 0..ATTEMPTS {
            let order = self.store.order(id).await?.ok_or_else(order_not_found)?;
            if version.is_some_and(|v| v != order.doc.revision) {
                return Err(StoreError::Conflict.into());
            }
            let mut doc = order.doc.clone();
            let out = change(&mut doc)?;
            match self.store.save_order(id, &doc, order.version).await {
                Err(StoreError::Conflict) => contended(attempt).await,
                saved => return Ok((saved?, out)),
            }
        }
        Err(StoreError::Conflict.into())
    }
}
