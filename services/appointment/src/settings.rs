//! The clinic's change policy and reminder offsets as they stand now: the
//! file/env configuration, overridden by the values an admin has stored in
//! the admin service while the service follows it (`appointment.admin_url`).
//! Reading them is a borrow of the followed snapshot, so requests and
//! reminder passes make no call to the admin service and a change applies
//! as soon as the watch delivers it.

use hms_kit::settings::Followed;

use crate::domain::status::ChangePolicy;

/// Hours of notice a patient must give to cancel or move.
pub const NOTICE_KEY: &str = "appointment.reschedule_notice_hours";
/// Moves allowed per appointment.
pub const MAX_RESCHEDULES_KEY: &str = "appointment.max_reschedules";
/// How long before a start reminders go out.
pub const REMINDER_OFFSETS_KEY: &str = "appointment.reminder_offsets";

/// Every key this service follows.
pub const KEYS: [&str; 3] = [NOTICE_KEY, MAX_RESCHEDULES_KEY, REMINDER_OFFSETS_KEY];

pub struct Policy {
    /// The file/env configuration, in force for every key without a stored value.
    configured: ChangePolicy,
    followed: Followed,
}

impl Policy {
    /// Until the first snapshot arrives (or while the admin service is
    /// unreachable, or when none is followed) the configured policy applies.
    pub fn new(configured: ChangePolicy, followed: Followed) -> Self {
        Self { configured, followed }
    }

    pub fn current(&self) -> ChangePolicy {
        self.followed.read(|snapshot| ChangePolicy {
            min_notice_secs: snapshot
                .stored_integer(NOTICE_KEY)
                .map_or(self.configured.min_notice_secs, |hours| hours.saturating_mul(3600)),
            max_reschedules: snapshot
                .stored_integer(MAX_RESCHEDULES_KEY)
                .and_then(|moves| i32::try_from(moves).ok())
                .unwrap_or(self.configured.max_reschedules),
        })
    }

    /// The reminder offsets, following the same snapshot: `configured` (in
    /// seconds) applies while no value is stored.
    pub fn reminder_offsets(&self, configured: Vec<i64>) -> ReminderOffsets {
        ReminderOffsets { configured, followed: self.followed.clone() }
    }
}

/// The reminder offsets in force, in seconds before the start; the reminder
/// worker reads them at each pass, so reminders falling due after a change
/// use the new offsets (those already sent stay sent).
pub struct ReminderOffsets {
    configured: Vec<i64>,
    followed: Followed,
}

impl ReminderOffsets {
    pub fn current(&self) -> Vec<i64> {
        self.followed
            .read(|snapshot| snapshot.stored_durations(REMINDER_OFFSETS_KEY))
            .unwrap_or_else(|| self.configured.clone())
    }
}

#[cfg(test)]
mod tests {
    use hms_kit::settings::Snapshot;
    use serde_json::json;
    use tokio::sync::watch;

    use super::*;

    const CONFIGURED: ChangePolicy = ChangePolicy { min_notice_secs: 7200, max_reschedules: 3 };

    fn snapshot(entries: &[(&str, i64, i64)]) -> Snapshot {
        let mut snapshot = Snapshot { revision: 1, ..Snapshot::default() };
        for (key, value, version) in entries {
            snapshot.values.insert((*key).to_owned(), json!(value));
            snapshot.versions.insert((*key).to_owned(), *version);
        }
        snapshot
    }

    #[test]
    fn stored_values_override_the_configuration_and_defaults_do_not() {
        assert_eq!(Policy::new(CONFIGURED, Followed::default()).current(), CONFIGURED);
        let (tx, rx) = watch::channel(Snapshot::default());
        let policy = Policy::new(CONFIGURED, Followed::from_receiver(rx));
        assert_eq!(policy.current(), CONFIGURED, "nothing received yet");
        // The admin service's own defaults (version 0) leave the file/env values.
        tx.send(snapshot(&[(NOTICE_KEY, 24, 0), (MAX_RESCHEDULES_KEY, 0, 0)])).unwrap();
        assert_eq!(policy.current(), CONFIGURED);
        tx.send(snapshot(&[(NOTICE_KEY, 24, 1), (MAX_RESCHEDULES_KEY, 0, 0)])).unwrap();
        assert_eq!(policy.current(), ChangePolicy { min_notice_secs: 86_400, max_reschedules: 3 });
        tx.send(snapshot(&[(NOTICE_KEY, 0, 2), (MAX_RESCHEDULES_KEY, 1, 1)])).unwrap();
        assert_eq!(policy.current(), ChangePolicy { min_notice_secs: 0, max_reschedules: 1 });
    }

    #[test]
    fn stored_reminder_offsets_override_the_configuration_and_the_default_does_not() {
        let configured = vec![7200, 600];
        assert_eq!(
            Policy::new(CONFIGURED, Followed::default()).reminder_offsets(configured.clone()).current(),
            configured
        );
        let (tx, rx) = watch::channel(Snapshot::default());
        let offsets = Policy::new(CONFIGURED, Followed::from_receiver(rx)).reminder_offsets(configured.clone());
        assert_eq!(offsets.current(), configured, "nothing received yet");
        let with_offsets = |value: serde_json::Value, version: i64| {
            let mut snapshot = Snapshot { revision: version + 1, ..Snapshot::default() };
            snapshot.values.insert(REMINDER_OFFSETS_KEY.to_owned(), value);
            snapshot.versions.insert(REMINDER_OFFSETS_KEY.to_owned(), version);
            snapshot
        };
        tx.send(with_offsets(json!(["24h", "1h"]), 0)).unwrap();
        assert_eq!(offsets.current(), configured, "the admin service's default");
        tx.send(with_offsets(json!(["48h", "30m"]), 1)).unwrap();
        assert_eq!(offsets.current(), vec![172_800, 1800]);
    }
}
