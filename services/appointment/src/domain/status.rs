//! The appointment status machine (FHIR-aligned) and the change policy.

/// Status of an appointment, as stored (`PENDING`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Confirmed,
    CheckedIn,
    Completed,
    CancelledPatient,
    CancelledDoctor,
    NoShow,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Confirmed,
        Status::CheckedIn,
        Status::Completed,
        Status::CancelledPatient,
        Status::CancelledDoctor,
        Status::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Confirmed => "CONFIRMED",
            Status::CheckedIn => "CHECKED_IN",
            Status::Completed => "COMPLETED",
            Status::CancelledPatient => "CANCELLED_PATIENT",
            Status::CancelledDoctor => "CANCELLED_DOCTOR",
            Status::NoShow => "NO_SHOW",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn is_cancelled(self) -> bool {
        matches!(self, Status::CancelledPatient | Status::CancelledDoctor)
    }

    /// Still ahead of the patient: the slot is held and may be moved or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Confirmed)
    }
}

/// What someone asks to do with an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Confirm,
    CheckIn,
    Complete,
    NoShow,
    CancelByPatient,
    CancelByDoctor,
}

/// Why a transition is refused; each is an `ErrorInfo.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not an edge of the machine from the current status.
    InvalidTransition,
    /// NO_SHOW before the appointment has started.
    NotStartedYet,
}

impl Refused {
    pub fn reason(self) -> &'static str {
        match self {
            Refused::InvalidTransition => "INVALID_TRANSITION",
            Refused::NotStartedYet => "NOT_STARTED_YET",
        }
    }
}

/// The status after `action`, or why it is refused. `now` and `start` are
/// Unix seconds.
pub fn transition(from: Status, action: Action, now: i64, start: i64) -> Result<Status, Refused> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (S::Pending, A::Confirm) => Ok(S::Confirmed),
        (S::Confirmed, A::CheckIn) => Ok(S::CheckedIn),
        (S::CheckedIn, A::Complete) => Ok(S::Completed),
        (S::Pending | S::Confirmed, A::CancelByPatient) => Ok(S::CancelledPatient),
        (S::Pending | S::Confirmed, A::CancelByDoctor) => Ok(S::CancelledDoctor),
        (S::Confirmed | S::CheckedIn, A::NoShow) if now >= start => Ok(S::NoShow),
        (S::Confirmed | S::CheckedIn, A::NoShow) => Err(Refused::NotStartedYet),
        _ => Err(Refused::InvalidTransition),
    }
}

/// The clinic's rules for changes made by patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangePolicy {
    /// No cancellation or move later than this before the start.
    pub min_notice_secs: i64,
    pub max_reschedules: i32,
}

/// Why a change is refused by the policy; each is an `ErrorInfo.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRefusal {
    TooLate,
    TooManyReschedules,
}

impl PolicyRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            PolicyRefusal::TooLate => "NOTICE_TOO_SHORT",
            PolicyRefusal::TooManyReschedules => "RESCHEDULE_LIMIT_REACHED",
        }
    }
}

impl ChangePolicy {
    /// A cancellation at `now` of an appointment starting at `start`.
    pub fn check_cancel(&self, now: i64, start: i64) -> Result<(), PolicyRefusal> {
        if start - now < self.min_notice_secs { Err(PolicyRefusal::TooLate) } else { Ok(()) }
    }

    /// A move at `now` of an appointment starting at `start`, moved `count` times so far.
    pub fn check_reschedule(&self, now: i64, start: i64, count: i32) -> Result<(), PolicyRefusal> {
        self.check_cancel(now, start)?;
        if count >= self.max_reschedules { Err(PolicyRefusal::TooManyReschedules) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_allowed() {
        let s = transition(Status::Pending, Action::Confirm, 0, 100).unwrap();
        let s = transition(s, Action::CheckIn, 0, 100).unwrap();
        assert_eq!(transition(s, Action::Complete, 0, 100), Ok(Status::Completed));
    }

    #[test]
    fn every_other_transition_is_refused() {
        let actions = [
            Action::Confirm,
            Action::CheckIn,
            Action::Complete,
            Action::NoShow,
            Action::CancelByPatient,
            Action::CancelByDoctor,
        ];
        let allowed = [
            (Status::Pending, Action::Confirm),
            (Status::Confirmed, Action::CheckIn),
            (Status::CheckedIn, Action::Complete),
            (Status::Pending, Action::CancelByPatient),
            (Status::Confirmed, Action::CancelByPatient),
            (Status::Pending, Action::CancelByDoctor),
            (Status::Confirmed, Action::CancelByDoctor),
            (Status::Confirmed, Action::NoShow),
            (Status::CheckedIn, Action::NoShow),
        ];
        for from in Status::ALL {
            for action in actions {
                let result = transition(from, action, 200, 100);
                assert_eq!(result.is_ok(), allowed.contains(&(from, action)), "{from:?} {action:?}");
            }
        }
    }

    #[test]
    fn no_show_only_after_the_start() {
        assert_eq!(transition(Status::Confirmed, Action::NoShow, 99, 100), Err(Refused::NotStartedYet));
        assert_eq!(transition(Status::Confirmed, Action::NoShow, 100, 100), Ok(Status::NoShow));
        assert_eq!(transition(Status::Pending, Action::NoShow, 200, 100), Err(Refused::InvalidTransition));
    }

    #[test]
    fn statuses_round_trip_their_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("BOOKED"), None);
    }

    #[test]
    fn policy_enforces_notice_and_move_limit() {
        let policy = ChangePolicy { min_notice_secs: 7200, max_reschedules: 3 };
        assert_eq!(policy.check_cancel(0, 7200), Ok(()));
        assert_eq!(policy.check_cancel(1, 7200), Err(PolicyRefusal::TooLate));
        assert_eq!(policy.check_reschedule(0, 10_000, 2), Ok(()));
        assert_eq!(policy.check_reschedule(0, 10_000, 3), Err(PolicyRefusal::TooManyReschedules));
    }
}
