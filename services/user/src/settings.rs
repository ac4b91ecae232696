//! The login throttle as it stands now: the file/env configuration
//! (`user.login_window_secs`, `user.max_failures_per_account`,
//! `user.max_failures_per_address`), overridden key by key by the values an
//! admin has stored in the admin service while the service follows it
//! (`user.admin_url`). Reading it borrows the followed snapshot, so a login
//! makes no call to the admin service and a change applies as soon as the
//! watch delivers it.

use hms_kit::settings::Followed;

/// Failed logins per account in a window.
pub const PER_ACCOUNT_KEY: &str = "user.login_throttle.max_failures_per_account";
/// Failed logins per client address in a window.
pub const PER_ADDRESS_KEY: &str = "user.login_throttle.max_failures_per_address";
/// The window's length, in minutes.
pub const WINDOW_KEY: &str = "user.login_throttle.window_minutes";

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub window_secs: u64,
    pub per_account: i64,
    pub per_address: i64,
}

/// Every key this service follows.
pub const KEYS: [&str; 3] = [PER_ACCOUNT_KEY, PER_ADDRESS_KEY, WINDOW_KEY];

pub struct Throttle {
    /// The file/env configuration, in force for every key without a stored value.
    configured: Limits,
    followed: Followed,
}

impl Throttle {
    /// Until the first snapshot arrives (or while the admin service is
    /// unreachable, or when none is followed) the configured limits apply.
    pub fn new(configured: Limits, followed: Followed) -> Self {
        Self { configured, followed }
    }

    pub fn current(&self) -> Limits {
        self.followed.read(|snapshot| Limits {
            window_secs: snapshot
                .stored_integer(WINDOW_KEY)
                .and_then(|minutes| u64::try_from(minutes).ok())
                .map_or(self.configured.window_secs, |minutes| minutes.saturating_mul(60)),
            per_account: snapshot.stored_integer(PER_ACCOUNT_KEY).unwrap_or(self.configured.per_account),
            per_address: snapshot.stored_integer(PER_ADDRESS_KEY).unwrap_or(self.configured.per_address),
        })
    }
}

#[cfg(test)]
mod tests {
    use hms_kit::settings::Snapshot;
    use serde_json::json;
    use tokio::sync::watch;

    use super::*;

    const CONFIGURED: Limits = Limits { window_secs: 600, per_account: 4, per_address: 40 };

    fn snapshot(entries: &[(&str, i64, i64)]) -> Snapshot {
        let mut snapshot = Snapshot { revision: 1, ..Snapshot::default() };
        for (key, value, version) in entries {
            snapshot.values.insert((*key).to_owned(), json!(value));
            snapshot.versions.insert((*key).to_owned(), *version);
        }
        snapshot
    }

    #[test]
    fn stored_values_override_the_configuration_key_by_key_and_defaults_do_not() {
        assert_eq!(Throttle::new(CONFIGURED, Followed::default()).current(), CONFIGURED);
        let (tx, rx) = watch::channel(Snapshot::default());
        let throttle = Throttle::new(CONFIGURED, Followed::from_receiver(rx));
        assert_eq!(throttle.current(), CONFIGURED, "nothing received yet");
        // The admin service's own defaults (version 0) leave the file/env values.
        tx.send(snapshot(&[(PER_ACCOUNT_KEY, 5, 0), (PER_ADDRESS_KEY, 50, 0), (WINDOW_KEY, 15, 0)])).unwrap();
        assert_eq!(throttle.current(), CONFIGURED);
        tx.send(snapshot(&[(PER_ACCOUNT_KEY, 2, 1), (PER_ADDRESS_KEY, 50, 0), (WINDOW_KEY, 15, 0)])).unwrap();
        assert_eq!(throttle.current(), Limits { per_account: 2, ..CONFIGURED });
        tx.send(snapshot(&[(PER_ACCOUNT_KEY, 2, 1), (PER_ADDRESS_KEY, 9, 1), (WINDOW_KEY, 1, 3)])).unwrap();
        assert_eq!(throttle.current(), Limits { window_secs: 60, per_account: 2, per_address: 9 });
    }
}
