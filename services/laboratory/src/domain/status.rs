//! An order's items move through the lab one by one; the order's own status
//! follows from theirs and is never set by hand.

/// The states of an item, in the order the lab reaches them; an order has
/// the same states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Requested,
    SampleCollected,
    Processing,
    /// Every value is in; the ordering doctor has not released them yet.
    ResultsPendingReview,
    /// Released: the patient sees the results.
    Completed,
    Cancelled,
}

/// What is done to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CollectSample,
    StartProcessing,
    /// The last of the item's values was entered.
    ResultsEntered,
    /// The doctor reviewed and released the results.
    Release,
    Cancel,
}

impl Status {
    /// Where `step` leads from here, if it is allowed. An item is cancelled
    /// only before it has results; a correction after release keeps it
    /// completed (the result is marked amended instead).
    pub fn after(self, step: Step) -> Option<Status> {
        use Status::*;
        match (self, step) {
            (Requested, Step::CollectSample) => Some(SampleCollected),
            (SampleCollected, Step::StartProcessing) => Some(Processing),
            // Values may be entered straight after collection (an analyser run at once).
            (SampleCollected | Processing, Step::ResultsEntered) => Some(ResultsPendingReview),
            (ResultsPendingReview, Step::Release) => Some(Completed),
            (Requested | SampleCollected | Processing, Step::Cancel) => Some(Cancelled),
            _ => None,
        }
    }

    /// Whether results may be entered or corrected in this state.
    pub fn takes_results(self) -> bool {
        matches!(self, Status::SampleCollected | Status::Processing | Status::ResultsPendingReview | Status::Completed)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Requested => "REQUESTED",
            Status::SampleCollected => "SAMPLE_COLLECTED",
            Status::Processing => "PROCESSING",
            Status::ResultsPendingReview => "RESULTS_PENDING_REVIEW",
            Status::Completed => "COMPLETED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(name: &str) -> Option<Status> {
        ALL.into_iter().find(|s| s.name() == name)
    }
}

const ALL: [Status; 6] = [
    Status::Requested,
    Status::SampleCollected,
    Status::Processing,
    Status::ResultsPendingReview,
    Status::Completed,
    Status::Cancelled,
];

/// The order's status: that of its least advanced item still in play, so
/// the order is complete only when every such item is released, and
/// cancelled only when every item is. An order with no items is requested.
pub fn order_status(items: &[Status]) -> Status {
    match items.iter().copied().filter(|s| *s != Status::Cancelled).min() {
        Some(least) => least,
        None if items.is_empty() => Status::Requested,
        None => Status::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_moves_allowed() {
        assert_eq!(Requested.after(Step::CollectSample), Some(SampleCollected));
        assert_eq!(SampleCollected.after(Step::StartProcessing), Some(Processing));
        assert_eq!(SampleCollected.after(Step::ResultsEntered), Some(ResultsPendingReview));
        assert_eq!(Processing.after(Step::ResultsEntered), Some(ResultsPendingReview));
        assert_eq!(ResultsPendingReview.after(Step::Release), Some(Completed));
        // No skipping, no going back, nothing after the end.
        assert_eq!(Requested.after(Step::StartProcessing), None);
        assert_eq!(Requested.after(Step::ResultsEntered), None);
        assert_eq!(Processing.after(Step::Release), None);
        assert_eq!(Processing.after(Step::CollectSample), None);
        assert_eq!(Completed.after(Step::Release), None);
        for done in [ResultsPendingReview, Completed, Cancelled] {
            assert_eq!(done.after(Step::Cancel), None, "{done:?}");
        }
        for open in [Requested, SampleCollected, Processing] {
            assert_eq!(open.after(Step::Cancel), Some(Cancelled), "{open:?}");
        }
    }

    #[test]
    fn results_are_taken_once_there_is_a_sample() {
        assert!(!Requested.takes_results());
        assert!(!Cancelled.takes_results());
        // A correction after release is a result entered on a completed item.
        assert!(Completed.takes_results());
    }

    #[test]
    fn the_order_follows_its_least_advanced_item() {
        assert_eq!(order_status(&[Completed, Processing, ResultsPendingReview]), Processing);
        assert_eq!(order_status(&[Completed, Cancelled, Completed]), Completed);
        assert_eq!(order_status(&[Cancelled, Cancelled]), Cancelled);
        assert_eq!(order_status(&[Cancelled, Requested]), Requested);
        assert_eq!(order_status(&[ResultsPendingReview, Completed]), ResultsPendingReview);
        assert_eq!(order_status(&[]), Requested);
    }

    #[test]
    fn names_round_trip() {
        for status in ALL {
            assert_eq!(Status::parse(status.name()), Some(status));
        }
        assert_eq!(Status::parse("DONE"), None);
    }
}
