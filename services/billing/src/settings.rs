//! The days from an invoice's issue to its due date as they stand now: the
//! file/env `billing.due_days`, overridden by the value an admin has stored
//! as `billing.invoice_due_days` in the admin service while the service
//! follows it (`billing.admin_url`). Reading it borrows the followed
//! snapshot, so creating an invoice makes no call to the admin service and
//! a change applies as soon as the watch delivers it.

use std::sync::Arc;

use hms_kit::auth::ServiceTokens;
use hms_kit::settings::Snapshot;
use tokio::sync::watch;

/// Days from issue to due date.
pub const DUE_DAYS_KEY: &str = "billing.invoice_due_days";

pub struct DueDays {
    /// The file/env configuration, in force while no value is stored.
    configured: i32,
    followed: Option<watch::Receiver<Snapshot>>,
}

impl DueDays {
    /// The configured days only (no admin service).
    pub fn fixed(configured: i32) -> Self {
        Self { configured, followed: None }
    }

    /// Follows the key at `admin_url`. The watch task ends when this value
    /// is dropped; until the first snapshot arrives (or while the admin
    /// service is unreachable) the configured days apply.
    pub fn follow(configured: i32, admin_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let keys = vec![DUE_DAYS_KEY.to_owned()];
        let (snapshots, _task) = hms_kit::settings::follow(admin_url, tokens, keys, std::future::pending())?;
        Ok(Self::following(configured, snapshots))
    }

    fn following(configured: i32, snapshots: watch::Receiver<Snapshot>) -> Self {
        Self { configured, followed: Some(snapshots) }
    }

    pub fn current(&self) -> i32 {
        let Some(snapshots) = &self.followed else { return self.configured };
        // The admin service bounds the key to 0..=365 days.
        snapshots
            .borrow()
            .stored_integer(DUE_DAYS_KEY)
            .and_then(|days| i32::try_from(days).ok())
            .unwrap_or(self.configured)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn snapshot(days: i64, version: i64) -> Snapshot {
        let mut snapshot = Snapshot { revision: version + 1, ..Snapshot::default() };
        snapshot.values.insert(DUE_DAYS_KEY.to_owned(), json!(days));
        snapshot.versions.insert(DUE_DAYS_KEY.to_owned(), version);
        snapshot
    }

    #[test]
    fn a_stored_value_overrides_the_configuration_and_the_default_does_not() {
        assert_eq!(DueDays::fixed(14).current(), 14);
        let (tx, rx) = watch::channel(Snapshot::default());
        let due = DueDays::following(14, rx);
        assert_eq!(due.current(), 14, "nothing received yet");
        // The admin service's own default (version 0) leaves the file/env value.
        tx.send(snapshot(30, 0)).unwrap();
        assert_eq!(due.current(), 14);
        tx.send(snapshot(7, 1)).unwrap();
        assert_eq!(due.current(), 7);
        tx.send(snapshot(0, 2)).unwrap();
        assert_eq!(due.current(), 0);
    }
}
