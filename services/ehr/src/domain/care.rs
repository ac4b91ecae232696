//! Care relationships resting on appointments: the stage of an appointment
//! as the EHR last learned it, which later events still change it, until when
//! the relationship it gives lasts, and which starts and ends to audit.
//!
//! The appointment service's events can arrive late, twice or out of order
//! (its outbox relay retries), so a recorded stage only moves forward through
//! the lifecycle: confirmed, checked in, then one final stage (completed,
//! cancelled or no-show).

/// The `until` of a relationship that lasts while its appointment is live.
pub const OPEN_ENDED: i64 = i64::MAX;

/// Where an appointment stands, as the EHR learned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Confirmed,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Confirmed, Stage::CheckedIn, Stage::Completed, Stage::Cancelled, Stage::NoShow];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Confirmed => "CONFIRMED",
            Stage::CheckedIn => "CHECKED_IN",
            Stage::Completed => "COMPLETED",
            Stage::Cancelled => "CANCELLED",
            Stage::NoShow => "NO_SHOW",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == s)
    }

    /// Position in the lifecycle; the final stages share the last one, so
    /// once one is recorded no other replaces it.
    fn rank(self) -> u8 {
        match self {
            Stage::Confirmed => 1,
            Stage::CheckedIn => 2,
            Stage::Completed | Stage::Cancelled | Stage::NoShow => 3,
        }
    }

    pub fn is_final(self) -> bool {
        self.rank() == 3
    }

    /// Whether the appointment was called off (it gives no care at all).
    pub fn is_called_off(self) -> bool {
        matches!(self, Stage::Cancelled | Stage::NoShow)
    }

    /// Until when (Unix microseconds, exclusive) the appointment in this
    /// stage, learned at `now`, gives care: while it is live, for
    /// `retention` after its completion, and no longer once called off.
    pub fn care_until(self, now: i64, retention: i64) -> i64 {
        match self {
            Stage::Confirmed | Stage::CheckedIn => OPEN_ENDED,
            Stage::Completed => now.saturating_add(retention),
            Stage::Cancelled | Stage::NoShow => now,
        }
    }
}

/// What an event does to the stage recorded for its appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first word of the appointment, or further along: recorded.
    Advance,
    /// The stage already recorded: a redelivery, or (while the appointment
    /// is live) the same stage with another doctor, as after a move.
    Same,
    /// Behind the recorded stage: a late event, which changes nothing.
    Stale,
}

pub fn step(recorded: Option<Stage>, incoming: Stage) -> Step {
    match recorded {
        None => Step::Advance,
        Some(r) if r == incoming => Step::Same,
        Some(r) if incoming.rank() > r.rank() => Step::Advance,
        Some(_) => Step::Stale,
    }
}

/// One appointment's care as stored: whose, until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basis<'a> {
    pub doctor: &'a str,
    pub until: i64,
}

/// A start or end of a care relationship, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Started,
    /// Completed: the relationship now lasts until this instant.
    Retained(i64),
    Ended,
}

impl Change {
    pub fn action(self) -> &'static str {
        match self {
            Change::Started => "CareStarted",
            Change::Retained(_) => "CareRetained",
            Change::Ended => "CareEnded",
        }
    }
}

/// The changes, per doctor, when an appointment's care goes from `before`
/// to `after` (recorded at `stage`) at `now`. A basis already lapsed counts
/// as none.
pub fn changes<'a>(before: Option<Basis<'a>>, after: Basis<'a>, stage: Stage, now: i64) -> Vec<(&'a str, Change)> {
    let held = before.filter(|b| b.until > now);
    let mut out = Vec::new();
    if let Some(b) = held
        && b.doctor != after.doctor
    {
        out.push((b.doctor, Change::Ended));
    }
    let kept = held.is_some_and(|b| b.doctor == after.doctor);
    match stage {
        Stage::Confirmed | Stage::CheckedIn if !kept => out.push((after.doctor, Change::Started)),
        Stage::Completed => out.push((after.doctor, Change::Retained(after.until))),
        Stage::Cancelled | Stage::NoShow if kept => out.push((after.doctor, Change::Ended)),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::*;

    #[test]
    fn stages_only_move_forward_and_final_stages_stay() {
        assert_eq!(step(None, Cancelled), Step::Advance);
        assert_eq!(step(Some(Confirmed), CheckedIn), Step::Advance);
        assert_eq!(step(Some(CheckedIn), NoShow), Step::Advance);
        assert_eq!(step(Some(Confirmed), Confirmed), Step::Same);
        assert_eq!(step(Some(CheckedIn), Confirmed), Step::Stale);
        for done in [Completed, Cancelled, NoShow] {
            assert!(done.is_final());
            for later in Stage::ALL {
                let expected = if later == done { Step::Same } else { Step::Stale };
                assert_eq!(step(Some(done), later), expected, "{later:?} after {done:?}");
            }
        }
    }

    #[test]
    fn care_lasts_while_live_for_the_retention_after_completion_and_not_when_called_off() {
        assert_eq!(Confirmed.care_until(100, 50), OPEN_ENDED);
        assert_eq!(CheckedIn.care_until(100, 50), OPEN_ENDED);
        assert_eq!(Completed.care_until(100, 50), 150);
        assert_eq!(Completed.care_until(100, i64::MAX), i64::MAX);
        assert_eq!(Cancelled.care_until(100, 50), 100);
        assert_eq!(NoShow.care_until(100, 50), 100);
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
    }

    #[test]
    fn each_start_and_end_is_named_once() {
        let live = |doctor| Basis { doctor, until: OPEN_ENDED };
        let ended = |doctor| Basis { doctor, until: 10 };
        assert_eq!(changes(None, live("a"), Confirmed, 10), [("a", Change::Started)]);
        assert_eq!(changes(Some(live("a")), live("a"), CheckedIn, 10), []);
        assert_eq!(changes(Some(live("a")), ended("a"), Cancelled, 10), [("a", Change::Ended)]);
        assert_eq!(changes(None, ended("a"), Cancelled, 10), [], "nothing held, nothing ends");
        assert_eq!(changes(Some(live("a")), live("b"), Confirmed, 10), [("a", Change::Ended), ("b", Change::Started)]);
        let done = Basis { doctor: "a", until: 99 };
        assert_eq!(changes(Some(live("a")), done, Completed, 10), [("a", Change::Retained(99))]);
        // A relationship that lapsed before counts as none.
        assert_eq!(changes(Some(ended("a")), live("a"), Confirmed, 10), [("a", Change::Started)]);
    }
}
