//! Earliest expiry first: which batches a dispense takes.

/// A batch as picking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot<'a> {
    pub id: &'a str,
    /// ISO date: compares in calendar order.
    pub expiry: &'a str,
    pub quantity: i64,
}

/// Takes up to `wanted` units from the batches that have not expired by
/// `today` (a batch expiring today is expired), earliest expiry first, each
/// batch at most what it holds. Returns (batch id, units) in picking order;
/// their sum is what could be taken, never more than `wanted`.
pub fn pick<'a>(lots: &[Lot<'a>], today: &str, wanted: i64) -> Vec<(&'a str, i64)> {
    let mut usable: Vec<&Lot<'a>> = lots.iter().filter(|l| l.quantity > 0 && l.expiry > today).collect();
    usable.sort_by(|a, b| a.expiry.cmp(b.expiry).then(a.id.cmp(b.id)));
    let mut left = wanted.max(0);
    let mut picks = Vec::new();
    for lot in usable {
        if left == 0 {
            break;
        }
        let take = lot.quantity.min(left);
        picks.push((lot.id, take));
        left -= take;
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lots() -> Vec<Lot<'static>> {
        vec![
            Lot { id: "late", expiry: "2027-06-01", quantity: 10 },
            Lot { id: "expired", expiry: "2026-01-01", quantity: 50 },
            Lot { id: "soon", expiry: "2026-12-31", quantity: 4 },
            Lot { id: "today", expiry: "2026-12-07", quantity: 9 },
        ]
    }

    #[test]
    fn earliest_unexpired_batch_first() {
        assert_eq!(pick(&lots(), "2026-12-07", 6), vec![("soon", 4), ("late", 2)]);
    }

    #[test]
    fn never_more_than_on_hand_nor_from_an_expired_batch() {
        assert_eq!(pick(&lots(), "2026-12-07", 100), vec![("soon", 4), ("late", 10)]);
        assert_eq!(pick(&lots(), "2027-07-01", 5), vec![]);
        assert_eq!(pick(&lots(), "2026-12-07", 0), vec![]);
        assert_eq!(pick(&lots(), "2026-12-07", -3), vec![]);
    }
}
