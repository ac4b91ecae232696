//! The background jobs of the admin service, owned by the server: the only
//! one ends the configuration feed's watches once stopping begins, so the
//! server can drain.

use std::sync::Arc;

use crate::app::watch::Feed;

/// Ends the feed's watches once stopping begins.
pub fn spawn_workers(feed: Arc<Feed>, stopping: hms_kit::server::Stopping) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(async move {
        stopping.wait().await;
        feed.close();
    })]
}
