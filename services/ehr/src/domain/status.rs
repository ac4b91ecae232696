//! Encounter status: `PLANNED` → `IN_PROGRESS` → `FINISHED`; `PLANNED` or
//! `IN_PROGRESS` → `CANCELLED`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Planned,
    InProgress,
    Finished,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "PLANNED",
            Status::InProgress => "IN_PROGRESS",
            Status::Finished => "FINISHED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Planned, Status::InProgress, Status::Finished, Status::Cancelled].into_iter().find(|x| x.as_str() == s)
    }

    /// Clinical content (notes, diagnoses, plans, vitals) may change only
    /// while the encounter is open.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Planned | Status::InProgress)
    }

    /// Whether a move from `self` to `to` is allowed.
    pub fn can_move_to(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Planned, Status::InProgress)
                | (Status::InProgress, Status::Finished)
                | (Status::Planned | Status::InProgress, Status::Cancelled)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_state_machine_allows_only_forward_moves() {
        let all = [Planned, InProgress, Finished, Cancelled];
        let allowed: Vec<_> =
            all.iter().flat_map(|a| all.iter().map(move |b| (*a, *b))).filter(|(a, b)| a.can_move_to(*b)).collect();
        assert_eq!(
            allowed,
            [(Planned, InProgress), (Planned, Cancelled), (InProgress, Finished), (InProgress, Cancelled)]
        );
    }

    #[test]
    fn names_round_trip_and_closed_states_are_closed() {
        for s in [Planned, InProgress, Finished, Cancelled] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("planned"), None);
        assert!(Planned.is_open() && InProgress.is_open());
        assert!(!Finished.is_open() && !Cancelled.is_open());
    }
}
