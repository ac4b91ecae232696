//! The admin audit log: other services' admin actions recorded (once per
//! id), the log listed newest first, and its hash chain verified.

use hms_kit::paging;
use hms_kit::proto::common::PageRequest;
use tonic::Status;

use super::State;
use crate::domain::audit::Entry;
use crate::store::{self, AuditFilter};

impl State {
    /// Records `entries` for the service that reported them; returns
    /// (recorded, duplicates).
    pub async fn record_actions(&self, entries: &[Entry]) -> Result<(i32, i32), Status> {
        Ok(store::record(&self.db, entries).await?)
    }

    /// A page of the entries matching `filter`, newest first, and the next
    /// page's token.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        page: Option<&PageRequest>,
    ) -> Result<(Vec<Entry>, String), Status> {
        let page = paging::parse::<i64>(page, filter)?;
        let limit = i64::try_from(page.size).unwrap_or(50);
        let mut rows = store::audit_entries(&self.db, filter, page.after, limit + 1).await?;
        let next_page_token = hms_kit::paging::next_token(&mut rows, page.size, |e| e.seq, filter);
        Ok((rows, next_page_token))
    }

    /// Walks the chain: (entries checked, the first broken sequence and the
    /// problem, if any).
    pub async fn verify_audit_log(&self) -> Result<(i64, Option<(i64, String)>), Status> {
        Ok(store::verify(&self.db).await?)
    }
}
