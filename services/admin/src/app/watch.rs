//! The configuration feed (`WatchConfiguration`): a snapshot, then every
//! change in revision order, read from the store so replicas sharing it
//! agree. A watch reads again at once when this replica commits a change,
//! and every half second for changes other replicas made. Revisions commit
//! in order (see `store`), so reading `revision > last` never skips one.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::Stream;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::Registry;
use crate::domain::config::Spec;
use crate::store::{self, ChangeRow, StoredValue};

/// How often a watch reads the store for other replicas' changes.
const POLL: Duration = Duration::from_millis(500);
/// The longest a watch stays silent: then it sends a sign of life.
const SIGN_OF_LIFE: Duration = Duration::from_secs(10);
/// Changes read per query.
const BATCH: i64 = 500;

/// One message of a watch: the keys' current values (all of them in a
/// snapshot, the changed ones after), and the revision they bring it to.
pub struct Update {
    pub configurations: Vec<Current>,
    pub revision: i64,
    pub snapshot: bool,
}

/// A key, its default, and its stored value when an admin set one.
pub struct Current {
    pub spec: &'static Spec,
    pub default: Value,
    pub stored: Option<StoredValue>,
}

pub type WatchStream = Pin<Box<dyn Stream<Item = Result<Update, Status>> + Send>>;

/// The key's value after a change.
fn stored_after(row: &ChangeRow) -> StoredValue {
    StoredValue {
        key: row.key.clone(),
        value: row.new_value.clone(),
        version: row.version,
        updated_at: row.changed_at,
        updated_by: row.actor_id.clone(),
    }
}

pub struct Feed {
    db: hms_kit::storage::Db,
    registry: Arc<Registry>,
    /// Bumped after each local commit of a change.
    changed: watch::Sender<u64>,
    /// Set when the service stops, ending every watch so the server drains.
    closed: watch::Sender<bool>,
}

impl Feed {
    pub fn new(db: hms_kit::storage::Db, registry: Arc<Registry>) -> Arc<Self> {
        Arc::new(Self { db, registry, changed: watch::Sender::new(0), closed: watch::Sender::new(false) })
    }

    /// After a commit that changed a key: open watches read at once.
    pub fn changed(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Ends every open watch; watchers reconnect and resume.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// A new watch of `keys` (all when None), resuming after `after`
    /// (a snapshot first when 0).
    pub fn watch(self: &Arc<Self>, keys: Option<HashSet<String>>, after: i64) -> WatchStream {
        let (tx, rx) = mpsc::channel(4);
        let feed = self.clone();
        tokio::spawn(async move {
            if let Err(status) = feed.serve(&tx, keys.as_ref(), after).await {
                let _ = tx.send(Err(status)).await;
            }
        });
        Box::pin(ReceiverStream::new(rx))
    }

    fn wanted(keys: Option<&HashSet<String>>, key: &str) -> bool {
        keys.is_none_or(|keys| keys.contains(key))
    }

    async fn serve(
        &self,
        tx: &mpsc::Sender<Result<Update, Status>>,
        keys: Option<&HashSet<String>>,
        after: i64,
    ) -> Result<(), Status> {
        let mut changed = self.changed.subscribe();
        let mut closed = self.closed.subscribe();
        let mut last = after;
        if after == 0 {
            let (revision, stored) = store::snapshot(&self.db).await?;
            let configurations = self
                .registry
                .iter()
                .filter(|(spec, _)| Self::wanted(keys, spec.key))
                .map(|(spec, default)| Current {
                    spec,
                    default: default.clone(),
                    stored: stored.iter().find(|s| s.key == spec.key).cloned(),
                })
                .collect();
            let message = Update { configurations, revision, snapshot: true };
            if tx.send(Ok(message)).await.is_err() {
                return Ok(());
            }
            last = revision;
        }
        let mut spoke = Instant::now();
        let mut more = true;
        loop {
            if !more {
                tokio::select! {
                    () = tx.closed() => return Ok(()),
                    _ = closed.wait_for(|closed| *closed) => return Ok(()),
                    _ = changed.changed() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
            let rows = store::changes_after(&self.db, last, BATCH).await?;
            more = i64::try_from(rows.len()).unwrap_or(0) == BATCH;
            let Some(newest) = rows.last().map(|r| r.revision) else {
                if spoke.elapsed() >= SIGN_OF_LIFE {
                    let beat = Update { configurations: Vec::new(), revision: last, snapshot: false };
                    if tx.send(Ok(beat)).await.is_err() {
                        return Ok(());
                    }
                    spoke = Instant::now();
                }
                continue;
            };
            last = newest;
            let configurations: Vec<_> = rows
                .iter()
                .filter(|row| Self::wanted(keys, &row.key))
                .filter_map(|row| {
                    let (spec, default) = self.registry.get(&row.key)?;
                    Some(Current { spec, default: default.clone(), stored: Some(stored_after(row)) })
                })
                .collect();
            // Changes of keys this watcher does not follow still advance it,
            // but only a sign of life would tell it so.
            if configurations.is_empty() && spoke.elapsed() < SIGN_OF_LIFE {
                continue;
            }
            let message = Update { configurations, revision: last, snapshot: false };
            if tx.send(Ok(message)).await.is_err() {
                return Ok(());
            }
            spoke = Instant::now();
        }
    }
}
