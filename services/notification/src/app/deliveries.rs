//! The delivery log for admins: deliveries by filter, and the failure counts
//! of the dashboard.

use tonic::Status;

use super::State;
use crate::store::{DeliveryDoc, DeliveryFilter, Versioned};

impl State {
    /// FAILED deliveries created in the last day and in the last week, before `now`.
    pub async fn failed_counts(&self, now: i64) -> Result<(u64, u64), Status> {
        const DAY_MICROS: i64 = 86_400_000_000;
        let store = &self.store;
        Ok(tokio::try_join!(store.failed_since(now - DAY_MICROS), store.failed_since(now - 7 * DAY_MICROS))?)
    }

    /// A page of the delivery log, newest first.
    pub async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        after: Option<String>,
        size: usize,
    ) -> Result<(Vec<Versioned<DeliveryDoc>>, Option<String>), Status> {
        Ok(self.store.list_deliveries(filter, after, size).await?)
    }
}
