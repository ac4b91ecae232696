//! The insurance claim lifecycle. The store applies a move as a conditional
//! UPDATE on the status this check saw, so two concurrent moves never both
//! succeed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    Submitted,
    Processing,
    AwaitingDocuments,
    Approved,
    PartiallyApproved,
    Rejected,
    PaidByInsurer,
    Closed,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 8] = [
        ClaimStatus::Submitted,
        ClaimStatus::Processing,
        ClaimStatus::AwaitingDocuments,
        ClaimStatus::Approved,
        ClaimStatus::PartiallyApproved,
        ClaimStatus::Rejected,
        ClaimStatus::PaidByInsurer,
        ClaimStatus::Closed,
    ];

    /// Waiting for the insurer's decision.
    pub const PENDING: [ClaimStatus; 3] =
        [ClaimStatus::Submitted, ClaimStatus::Processing, ClaimStatus::AwaitingDocuments];

    /// What an insurer may do to a claim; closing is the hospital's.
    pub const INSURER_MOVES: [ClaimStatus; 6] = [
        ClaimStatus::Processing,
        ClaimStatus::AwaitingDocuments,
        ClaimStatus::Approved,
        ClaimStatus::PartiallyApproved,
        ClaimStatus::Rejected,
        ClaimStatus::PaidByInsurer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Submitted => "SUBMITTED",
            ClaimStatus::Processing => "PROCESSING",
            ClaimStatus::AwaitingDocuments => "AWAITING_DOCUMENTS",
            ClaimStatus::Approved => "APPROVED",
            ClaimStatus::PartiallyApproved => "PARTIALLY_APPROVED",
            ClaimStatus::Rejected => "REJECTED",
            ClaimStatus::PaidByInsurer => "PAID_BY_INSURER",
            ClaimStatus::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The moves the lifecycle allows.
    pub fn can_move_to(self, to: ClaimStatus) -> bool {
        use ClaimStatus::*;
        matches!(
            (self, to),
            (Submitted, Processing)
                | (Processing, AwaitingDocuments | Approved | PartiallyApproved | Rejected)
                | (AwaitingDocuments, Processing | Approved | PartiallyApproved | Rejected)
                | (Approved | PartiallyApproved, PaidByInsurer)
                | (PaidByInsurer | Rejected, Closed)
        )
    }
}

/// The amounts a move sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub approved: i64,
    pub rejected: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// The lifecycle does not allow it.
    Refused { from: ClaimStatus, to: ClaimStatus },
    /// A partial approval outside (0, claim amount).
    PartialAmount,
}

/// Checks a move and the amounts it sets: approval of the whole claim, a
/// partial approval of `partial` (strictly between zero and the claim), a
/// rejection of all of it. Other moves keep the amounts as they are.
pub fn decide(
    from: ClaimStatus,
    to: ClaimStatus,
    claim_amount: i64,
    current: Decision,
    partial: i64,
) -> Result<Decision, MoveError> {
    if !from.can_move_to(to) {
        return Err(MoveError::Refused { from, to });
    }
    Ok(match to {
        ClaimStatus::Approved => Decision { approved: claim_amount, rejected: 0 },
        ClaimStatus::PartiallyApproved => {
            if partial <= 0 || partial >= claim_amount {
                return Err(MoveError::PartialAmount);
            }
            Decision { approved: partial, rejected: claim_amount - partial }
        }
        ClaimStatus::Rejected => Decision { approved: 0, rejected: claim_amount },
        _ => current,
    })
}

#[cfg(test)]
mod tests {
    use super::ClaimStatus::*;
    use super::*;

    #[test]
    fn the_lifecycle_allows_only_its_moves() {
        let path = [Submitted, Processing, AwaitingDocuments, Processing, Approved, PaidByInsurer, Closed];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{:?} → {:?}", pair[0], pair[1]);
        }
        assert!(Rejected.can_move_to(Closed));
        for (from, to) in [
            (Submitted, Approved),
            (Submitted, Closed),
            (Rejected, PaidByInsurer),
            (Approved, Rejected),
            (Closed, Processing),
            (PaidByInsurer, Approved),
            (Approved, Approved),
        ] {
            assert!(!from.can_move_to(to), "{from:?} → {to:?} must be refused");
        }
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn decisions_set_the_amounts() {
        let none = Decision { approved: 0, rejected: 0 };
        assert_eq!(decide(Processing, Approved, 100, none, 0), Ok(Decision { approved: 100, rejected: 0 }));
        assert_eq!(decide(Processing, PartiallyApproved, 100, none, 60), Ok(Decision { approved: 60, rejected: 40 }));
        assert_eq!(decide(Processing, PartiallyApproved, 100, none, 100), Err(MoveError::PartialAmount));
        assert_eq!(decide(Processing, PartiallyApproved, 100, none, 0), Err(MoveError::PartialAmount));
        assert_eq!(decide(Processing, Rejected, 100, none, 0), Ok(Decision { approved: 0, rejected: 100 }));
        let approved = Decision { approved: 60, rejected: 40 };
        assert_eq!(decide(PartiallyApproved, PaidByInsurer, 100, approved, 0), Ok(approved));
        assert_eq!(
            decide(Submitted, Rejected, 100, none, 0),
            Err(MoveError::Refused { from: Submitted, to: Rejected })
        );
    }
}
