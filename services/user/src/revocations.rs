//! The revocation feed (`WatchRevocations`): sessions revoked while their
//! access tokens may still verify, read from the store, for every verifier —
//! the other services and the gateway over gRPC, this service's own in
//! process.
//!
//! The store is the source of truth, so replicas sharing it agree: a watch
//! sends a snapshot, then reads again every second (sending a sign of life
//! when nothing is new) and at once when this replica commits a revocation.
//! Each read covers the last request timeout of revocations, not just what
//! came after the previous read: a revocation is stamped before its
//! transaction commits, so it may appear late. What a watch already sent is
//! skipped.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{Stream, StreamExt};
use hms_kit::auth::{RevocationSource, RevocationStream, TOKEN_LEEWAY, session_digest};
use hms_kit::proto::user::{RevokedSession, WatchRevocationsResponse};
use hms_kit::storage::Db;
use hms_kit::time::now_micros;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::store;

/// How often a watch reads the store, and so speaks, at the least.
const POLL: Duration = Duration::from_secs(1);
/// Revoked sessions per snapshot message, well under the message size limit.
const SNAPSHOT_CHUNK: usize = 1000;

pub type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchRevocationsResponse, Status>> + Send>>;

/// Serves the watches of one replica.
pub struct RevocationFeed {
    db: Db,
    /// How long after its revocation a session's tokens may still verify:
    /// the access token lifetime, the verifiers' leeway, and the longest
    /// request (a refresh under way at the revocation may sign one more).
    horizon: i64,
    /// How late a revocation's commit may come after its stamp: a request's
    /// transaction cannot outlive the request.
    late_commit: i64,
    /// Bumped after each local commit that revokes sessions.
    revoked: watch::Sender<u64>,
    /// Set when the service stops, ending every watch so the server can drain.
    closed: watch::Sender<bool>,
}

impl RevocationFeed {
    pub(crate) fn new(db: Db, access_token_ttl: Duration, request_timeout: Duration) -> Arc<Self> {
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4);
        Arc::new(Self {
            db,
            horizon: micros(access_token_ttl) + micros(TOKEN_LEEWAY) + micros(request_timeout),
            late_commit: micros(request_timeout) + micros(POLL),
            revoked: watch::Sender::new(0),
            closed: watch::Sender::new(false),
        })
    }

    /// After a commit that revoked sessions: open watches read at once.
    pub(crate) fn revoked(&self) {
        self.revoked.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Ends every open watch; their verifiers reconnect (to another replica,
    /// or to this one once restarted).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// A new watch: snapshot, then new revocations and signs of life.
    pub(crate) fn watch(self: &Arc<Self>) -> WatchStream {
        let (tx, rx) = mpsc::channel(4);
        let feed = self.clone();
        tokio::spawn(async move {
            if let Err(status) = feed.serve(&tx).await {
                let _ = tx.send(Err(status)).await;
            }
        });
        Box::pin(ReceiverStream::new(rx))
    }

    async fn serve(&self, tx: &mpsc::Sender<Result<WatchRevocationsResponse, Status>>) -> Result<(), Status> {
        let mut revoked = self.revoked.subscribe();
        let mut closed = self.closed.subscribe();
        let now = now_micros();
        let rows = store::sessions_revoked_since(&self.db, now - self.horizon).await?;
        let snapshot: Vec<RevokedSession> = rows.iter().map(|(id, at)| self.entry(id, *at)).collect();
        let mut snapshot = snapshot.into_iter().peekable();
        loop {
            let sessions = snapshot.by_ref().take(SNAPSHOT_CHUNK).collect();
            let caught_up = snapshot.peek().is_none();
            if tx.send(Ok(WatchRevocationsResponse { sessions, caught_up })).await.is_err() {
                return Ok(());
            }
            if caught_up {
                break;
            }
        }
        // Sent, and still inside the window that later reads cover.
        let mut sent: HashMap<String, i64> = rows.into_iter().filter(|(_, at)| *at > now - self.late_commit).collect();
        loop {
            tokio::select! {
                () = tx.closed() => return Ok(()),
                _ = closed.wait_for(|closed| *closed) => return Ok(()),
                _ = revoked.changed() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            let window = now_micros() - self.late_commit;
            let rows = store::sessions_revoked_since(&self.db, window).await?;
            sent.retain(|_, at| *at > window);
            let mut fresh = Vec::new();
            for (id, at) in rows {
                if sent.insert(id.clone(), at).is_none() {
                    fresh.push(self.entry(&id, at));
                }
            }
            if tx.send(Ok(WatchRevocationsResponse { sessions: fresh, caught_up: true })).await.is_err() {
                return Ok(());
            }
        }
    }

    fn entry(&self, session_id: &str, revoked_at: i64) -> RevokedSession {
        // Rounded up to the second: never forgotten early.
        let expires = (revoked_at.saturating_add(self.horizon) + 999_999).div_euclid(1_000_000);
        RevokedSession {
            session_digest: session_digest(session_id),
            expire_time: Some(hms_kit::time::seconds_to_timestamp(expires)),
        }
    }
}

/// This service's own verifier follows the feed without the network.
pub struct LocalRevocations(pub Arc<RevocationFeed>);

#[async_trait]
impl RevocationSource for LocalRevocations {
    async fn watch(&self) -> anyhow::Result<RevocationStream> {
        let stream = self.0.watch().map(|message| message.map_err(|status| anyhow::anyhow!("{}", status.message())));
        Ok(Box::pin(stream))
    }
}
