//! Circuit breakers per destination (the user service, the email server,
//! the SMS provider): after a run of failures a destination's deliveries
//! pause for a growing interval instead of each using up its attempts, with
//! one log line when it goes down and one when it is back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hms_kit::proto::notification::Channel;
use hms_kit::time::duration_micros;

use super::WorkerConfig;
use crate::domain;

/// The destinations a delivery depends on, each with its breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Destination {
    Users,
    Smtp,
    Sms,
    /// One browser vendor's push service, by a hash of its origin: one
    /// vendor's outage pauses only the browsers it serves.
    PushService(u64),
}

impl Destination {
    pub(super) fn name(self) -> &'static str {
        match self {
            Destination::Users => "user service",
            Destination::Smtp => "email server",
            Destination::Sms => "SMS provider",
            Destination::PushService(_) => "push service",
        }
    }

    /// The push service of a subscription's endpoint.
    pub(super) fn push_service(endpoint: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let origin = reqwest::Url::parse(endpoint).map(|url| url.origin().ascii_serialization());
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        origin.unwrap_or_default().hash(&mut hasher);
        Destination::PushService(hasher.finish())
    }

    pub(super) fn of(channel: Channel) -> Option<Self> {
        match channel {
            Channel::Email => Some(Destination::Smtp),
            Channel::Sms => Some(Destination::Sms),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct BreakerState {
    /// Failures in a row.
    failures: u32,
    /// Pauses in a row: the next pause is the first one doubled this often.
    pauses: u32,
    /// Down (open or probing).
    down: bool,
    /// While open, when the next attempt may go (Unix microseconds).
    until: i64,
    /// Sends that may be in flight at once, before the configured bound:
    /// grows by one with each success, back to one after a failure.
    width: usize,
}

/// Beyond any sensible `concurrency`.
const MAX_WIDTH: usize = 1_024;

/// Circuit breakers per destination: after `failures` consecutive failures,
/// a destination's deliveries pause for a growing interval instead of each
/// using up its attempts against it.
pub(crate) struct Breakers {
    failures: u32,
    pause: Duration,
    max_pause: Duration,
    states: Mutex<HashMap<Destination, BreakerState>>,
}

impl Breakers {
    pub(super) fn new(config: &WorkerConfig) -> Self {
        Self {
            failures: config.breaker_failures.max(1),
            pause: config.breaker_pause,
            max_pause: config.breaker_max_pause.max(config.breaker_pause),
            states: Mutex::default(),
        }
    }

    /// When `destination` may be tried again, if it is paused now. Once a
    /// pause is over, one caller gets to probe it and the others wait a
    /// further pause.
    pub(super) fn paused_until(&self, destination: Destination, now: i64) -> Option<i64> {
        let mut states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = states.entry(destination).or_default();
        if !state.down {
            return None;
        }
        if now < state.until {
            return Some(state.until);
        }
        // The probe: the others wait until it has answered (or its pause ends).
        state.until = now + duration_micros(self.pause_after(state.pauses));
        None
    }

    /// Whether `destination` is paused now, without taking the probe.
    pub(super) fn is_paused(&self, destination: Destination, now: i64) -> Option<i64> {
        let states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        states.get(&destination).filter(|s| s.down && now < s.until).map(|s| s.until)
    }

    fn pause_after(&self, pauses: u32) -> Duration {
        domain::retry_delay(self.pause, self.max_pause, pauses.saturating_add(1))
    }

    /// How many sends to `destination` may go at once now, at most `bound`.
    pub(super) fn width(&self, destination: Destination, bound: usize) -> usize {
        let states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        states.get(&destination).map_or(1, |s| s.width).clamp(1, bound.max(1))
    }

    pub(super) fn succeeded(&self, destination: Destination) {
        let mut states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = states.entry(destination).or_default();
        if state.down {
            tracing::info!(destination = destination.name(), "destination is back up; its deliveries resume");
        }
        let width = state.width.saturating_add(1).min(MAX_WIDTH);
        *state = BreakerState { width, ..BreakerState::default() };
    }

    /// Records a failure; true when it paused the destination.
    pub(super) fn failed(&self, destination: Destination, now: i64, error: &str) -> bool {
        let mut states = self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = states.entry(destination).or_default();
        state.width = 1;
        state.failures = state.failures.saturating_add(1);
        if state.failures < self.failures {
            return false;
        }
        let pause = self.pause_after(state.pauses);
        if !state.down {
            tracing::warn!(
                destination = destination.name(),
                failures = state.failures,
                pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                error,
                "destination is down; its deliveries wait for it"
            );
        }
        state.down = true;
        state.pauses = state.pauses.saturating_add(1);
        state.until = now + duration_micros(pause);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers(failures: u32) -> Breakers {
        Breakers::new(&WorkerConfig {
            breaker_failures: failures,
            breaker_pause: Duration::from_millis(1_000),
            breaker_max_pause: Duration::from_millis(4_000),
            ..WorkerConfig::default()
        })
    }

    const SECOND: i64 = 1_000_000;

    #[test]
    fn a_destination_pauses_after_a_run_of_failures_for_a_growing_interval() {
        let b = breakers(3);
        let d = Destination::Smtp;
        assert!(!b.failed(d, 0, "451") && !b.failed(d, 0, "451"));
        assert_eq!(b.paused_until(d, 0), None, "two failures: still tried");
        assert!(b.failed(d, 0, "451"));
        assert_eq!(b.paused_until(d, 0), Some(SECOND));
        assert_eq!(b.is_paused(d, SECOND), None, "looking does not take the probe");
        assert_eq!(b.paused_until(Destination::Sms, 0), None, "per destination");
        // After the pause one probe goes; the others wait for its answer.
        assert_eq!(b.paused_until(d, SECOND), None);
        assert!(b.paused_until(d, SECOND).is_some());
        // It fails: the next pause is twice as long, then capped.
        assert!(b.failed(d, SECOND, "451"));
        assert_eq!(b.paused_until(d, SECOND), Some(3 * SECOND));
        b.failed(d, 3 * SECOND, "451");
        b.failed(d, 3 * SECOND, "451");
        assert_eq!(b.paused_until(d, 3 * SECOND), Some(7 * SECOND), "at most the maximum pause");
        // A success closes it, and the count starts again.
        assert_eq!(b.width(d, 8), 1, "one at a time after a failure");
        b.succeeded(d);
        b.succeeded(d);
        assert_eq!((b.width(d, 8), b.width(d, 2)), (3, 2), "wider with each success, up to the bound");
        assert_eq!(b.paused_until(d, 3 * SECOND), None);
        assert!(!b.failed(d, 3 * SECOND, "451"));
    }
}
