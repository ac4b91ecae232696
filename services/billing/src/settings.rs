//! The days from an invoice's issue to its due date as they stand now: the
//! file/env `billing.due_days`, overridden by the value an admin has stored
//! as `billing.invoice_due_days` in the admin service while the service
//! follows it (`billing.admin_url`). Reading it borrows the followed
//! snapshot, so creating an invoice makes no call to the admin service and
//! a change applies as soon as the watch delivers it.

use hms_kit::settings::Followed;

/// Days from issue to due date.
pub const DUE_DAYS_KEY: &str = "billing.invoice_due_days";
/// Every key this service follows.
pub const KEYS: [&str; 1] = [DUE_DAYS_KEY];

pub struct DueDays {
    /// The file/env configuration, in force while no value is stored.
    configured: i32,
    followed: Followed,
}

impl DueDays {
    /// Until the first snapshot arrives (or while the admin service is
    /// unreachable, or when none is followed) the configured days apply.
    pub fn new(configured: i32, followed: Followed) -> Self {
        Self { configured, followed }
    }

    pub fn current(&self) -> i32 {
        // The admin service bounds the key to 0..=365 days.
        self.followed
            .read(|snapshot| snapshot.stored_integer(DUE_DAYS_KEY))
            .and_then(|days| i32::try_from(days).ok())
            .unwrap_or(self.configured)
    }
}

#[cfg(test)]
mod tests {
    use hms_kit::settings::Snapshot;
    use serde_json::json;
    use tokio::sync::watch;

    use super::*;

    fn snapshot(days: i64, version: i64) -> Snapshot {
        let mut snapshot = Snapshot { revision: version + 1, ..Snapshot::default() };
        snapshot.values.insert(DUE_DAYS_KEY.to_owned(), json!(days));
        snapshot.versions.insert(DUE_DAYS_KEY.to_owned(), version);
        snapshot
    }

    #[test]
    fn a_stored_value_overrides_the_configuration_and_the_default_does_not() {
        assert_eq!(DueDays::new(14, Followed::default()).current(), 14);
        let (tx, rx) = watch::channel(Snapshot::default());
        let due = DueDays::new(14, Followed::from_receiver(rx));
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
