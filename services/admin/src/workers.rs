//! The background jobs of the admin service, owned by the server: the only
//! one ends the configuration feed's watches once stopping begins, so the
//! server can drain.

use std::sync::Arc;

use hms_kit::bootstrap::Workers;

use crate::app::watch::Feed;

/// Ends the feed's watches once stopping begins.
pub(crate) fn workers(feed: Arc<Feed>) -> Workers {
    Workers::default().with(move |stopping| async move {
        stopping.wait().await;
        feed.close();
    })
}
