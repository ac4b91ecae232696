//! In-process signals: new work for the delivery workers, new in-app
//! notifications for live subscribers. Across replicas the store is the
//! source of truth: workers and subscribers also poll it, so nothing depends
//! on a signal from another process arriving.

use tokio::sync::Notify;

#[derive(Default)]
pub struct Hub {
    /// A `Send` queued deliveries.
    pub work: Notify,
    /// An in-app notification was delivered.
    pub inbox: Notify,
}
