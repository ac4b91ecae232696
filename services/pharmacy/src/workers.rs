//! Background work: the relay of the events carried in prescriptions and
//! stock, and the recovery of dispenses interrupted midway.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::bootstrap::Workers;
use hms_kit::docstore::outbox::DocRelay;

use crate::app::State;

/// How often the recovery worker looks for interrupted dispenses.
const RECOVERY_POLL: Duration = Duration::from_secs(5);

pub fn workers(state: Arc<State>, relay: Option<DocRelay>) -> Workers {
    let workers = Workers::default().with(move |stopping| async move {
        let stop = stopping.wait();
        tokio::pin!(stop);
        loop {
            if let Err(e) = state.finish_interrupted().await {
                tracing::warn!(error = %e.message(), "looking for interrupted dispenses failed");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(RECOVERY_POLL.min(state.interrupted_after)) => {}
            }
        }
    });
    match relay {
        Some(relay) => workers.with(move |stopping| relay.run(stopping.wait())),
        None => workers,
    }
}
