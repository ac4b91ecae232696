//! A prescription's states and the moves between them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    PendingVerification,
    Verified,
    DispensedPartial,
    DispensedFull,
    Cancelled,
}

/// What is done to a prescription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Approve,
    Reject,
    Dispense,
    Cancel,
}

impl Status {
    /// Where `step` leads from here, if it is allowed. A dispense leads to
    /// DISPENSED_PARTIAL; the caller makes it DISPENSED_FULL once every item
    /// is complete. Nothing is cancelled once anything left the shelf.
    pub fn after(self, step: Step) -> Option<Status> {
        use Status::*;
        match (self, step) {
            (PendingVerification, Step::Approve) => Some(Verified),
            (PendingVerification, Step::Reject) => Some(Cancelled),
            (Verified | DispensedPartial, Step::Dispense) => Some(DispensedPartial),
            (PendingVerification | Verified, Step::Cancel) => Some(Cancelled),
            _ => None,
        }
    }

    /// Waiting for the pharmacy: in its queue.
    pub fn is_waiting(self) -> bool {
        matches!(self, Status::PendingVerification | Status::Verified | Status::DispensedPartial)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::PendingVerification => "PENDING_VERIFICATION",
            Status::Verified => "VERIFIED",
            Status::DispensedPartial => "DISPENSED_PARTIAL",
            Status::DispensedFull => "DISPENSED_FULL",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(name: &str) -> Option<Status> {
        [
            Status::PendingVerification,
            Status::Verified,
            Status::DispensedPartial,
            Status::DispensedFull,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_moves_allowed() {
        assert_eq!(PendingVerification.after(Step::Approve), Some(Verified));
        assert_eq!(PendingVerification.after(Step::Reject), Some(Cancelled));
        assert_eq!(PendingVerification.after(Step::Dispense), None);
        assert_eq!(Verified.after(Step::Dispense), Some(DispensedPartial));
        assert_eq!(DispensedPartial.after(Step::Dispense), Some(DispensedPartial));
        assert_eq!(DispensedPartial.after(Step::Cancel), None);
        assert_eq!(DispensedFull.after(Step::Dispense), None);
        assert_eq!(Cancelled.after(Step::Approve), None);
        assert_eq!(Verified.after(Step::Approve), None);
    }

    #[test]
    fn names_read_back() {
        for s in [PendingVerification, Verified, DispensedPartial, DispensedFull, Cancelled] {
            assert_eq!(Status::parse(s.name()), Some(s));
        }
        assert_eq!(Status::parse("SHIPPED"), None);
    }
}
