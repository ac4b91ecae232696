//! The system configuration: every key with its stored value (or its
//! default while none), changed by an admin under optimistic versioning
//! (the change history and the audit entry written with it, open watches
//! told), its history paged, and watches opened from a revision.

use std::collections::HashSet;

use hms_kit::error::{refusal, refusal_with};
use hms_kit::paging;
use hms_kit::proto::common::PageRequest;
use tonic::{Code, Status};

use super::State;
use super::watch::WatchStream;
use crate::domain::config::Spec;
use crate::store::{self, ChangeOutcome, ChangeRow, NewChange, StoredValue};

impl State {
    /// The values an admin has stored (keys at their default have none).
    pub async fn stored_values(&self) -> Result<Vec<StoredValue>, Status> {
        Ok(store::stored_values(&self.db).await?)
    }

    /// The value stored for `key`, if any.
    pub async fn stored_value(&self, key: &str) -> Result<Option<StoredValue>, Status> {
        Ok(store::stored(&self.db, key).await?)
    }

    /// Makes `new`, provided the key is still at `new.expected_version`;
    /// open watches are told at once.
    pub async fn change_configuration(&self, new: &NewChange) -> Result<(Box<ChangeRow>, StoredValue), Status> {
        match store::change(&self.db, new).await? {
            ChangeOutcome::VersionMismatch { current } => Err(refusal_with(
                Code::Aborted,
                "CONCURRENT_UPDATE",
                format!("the key is at version {current}, not {}; read it again and retry", new.expected_version),
                [("current_version", current.to_string())],
            )),
            ChangeOutcome::Changed { change, value } => {
                self.feed.changed();
                Ok((change, value))
            }
        }
    }

    /// A page of `spec`'s changes, newest first, and the next page's token.
    pub async fn configuration_changes(
        &self,
        spec: &Spec,
        page: Option<&PageRequest>,
    ) -> Result<(Vec<ChangeRow>, String), Status> {
        let page = paging::parse::<i64>(page, &spec.key)?;
        let limit = i64::try_from(page.size).unwrap_or(50);
        let mut rows = store::key_changes(&self.db, spec.key, page.after, limit + 1).await?;
        let next_page_token = hms_kit::paging::next_token(&mut rows, page.size, |r| r.revision, &spec.key);
        Ok((rows, next_page_token))
    }

    /// A watch of `keys` (all when empty) from after `after_revision`, which
    /// cannot be beyond the configuration's head.
    pub async fn watch_configuration(&self, keys: Vec<String>, after_revision: i64) -> Result<WatchStream, Status> {
        if after_revision > 0 {
            let head = store::head_revision(&self.db).await?;
            if after_revision > head {
                return Err(refusal(
                    Code::OutOfRange,
                    "REVISION_AHEAD",
                    format!("revision {after_revision} is beyond this configuration's {head}; start again from 0"),
                ));
            }
        }
        let keys = (!keys.is_empty()).then(|| keys.into_iter().collect::<HashSet<_>>());
        Ok(self.feed.watch(keys, after_revision))
    }
}
