//! The overdue job: marks open invoices past their due date OVERDUE. One
//! conditional UPDATE per pass (`status IN (...) AND due_date < today`), so
//! replicas running it at the same time only repeat a no-op, and a pass that
//! dies half-way is simply done again by the next.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::storage::Db;
use jiff::tz::TimeZone;

use crate::store;

pub struct OverdueWorker {
    pub db: Db,
    pub zone: TimeZone,
    pub poll_interval: Duration,
}

impl OverdueWorker {
    /// Runs passes until `stop` resolves.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let today = jiff::Timestamp::now().to_zoned(self.zone.clone()).date();
            match self.run_once(today).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(invoices = n, "invoices marked overdue"),
                Err(e) => tracing::warn!(error = %e, "overdue pass failed"),
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// One pass as of `today` (the clinic's date); returns how many invoices
    /// became overdue.
    pub async fn run_once(&self, today: jiff::civil::Date) -> anyhow::Result<u64> {
        Ok(store::mark_overdue(&self.db, today).await?)
    }
}
