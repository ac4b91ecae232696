//! Revoked sessions as the user service publishes them (`WatchRevocations`),
//! so every verifier refuses their access tokens within a second or two of a
//! logout, refresh-token reuse, password change or deactivation instead of
//! at the tokens' expiry.
//!
//! A background task follows the feed: an opening snapshot replaces the list
//! whole (so a restart of either side resyncs), later messages add to it, and
//! a message arrives at least every second. After an error or a silence it
//! reconnects with a short backoff. The list refuses to vouch for any access
//! token until its first snapshot is complete, and again when nothing has
//! been heard for longer than the configured grace: verifiers then answer
//! UNAVAILABLE (retryable) rather than serve a token that may be revoked.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::{Stream, StreamExt};
use tokio::sync::watch;

use super::VerifyError;
use crate::proto::user::WatchRevocationsResponse;

/// The feed's method. Public, for the gateway holds no service credential,
/// but for verifiers only: the gateway does not forward it.
pub const FEED_PATH: &str = "/hms.user.v1.UserService/WatchRevocations";

/// Reconnection delays after a failed or ended watch: doubling from the
/// first to the last, so a restarted user service is picked up within a second.
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(1);
/// The feed speaks at least every second; this long without a word means
/// the connection is dead even if TCP has not noticed.
const SILENCE_LIMIT: Duration = Duration::from_secs(5);
/// Expired entries are dropped at most this often.
const PRUNE_EVERY: Duration = Duration::from_secs(30);

/// The stream of one watch, as a [`RevocationSource`] opens it.
pub type RevocationStream = Pin<Box<dyn Stream<Item = anyhow::Result<WatchRevocationsResponse>> + Send>>;

/// Where a verifier follows revocations: the user service over gRPC, or its
/// own store for the user service itself.
#[async_trait]
pub trait RevocationSource: Send + Sync + 'static {
    /// Opens a watch: a snapshot first, then new revocations and signs of life.
    async fn watch(&self) -> anyhow::Result<RevocationStream>;
}

/// The revoked sessions a verifier knows of, by digest of their id.
pub struct RevocationList {
    state: RwLock<ListState>,
    grace: Duration,
    caught_up: watch::Sender<bool>,
}

struct ListState {
    /// Session digest to the Unix second after which its tokens are expired anyway.
    sessions: HashMap<String, i64>,
    /// The last word from a caught-up feed; None before the first snapshot.
    heard_at: Option<Instant>,
    pruned_at: Instant,
}

impl RevocationList {
    /// `grace`: how long the list is trusted without news from the feed.
    pub fn new(grace: Duration) -> Self {
        let state = ListState { sessions: HashMap::new(), heard_at: None, pruned_at: Instant::now() };
        Self { state: RwLock::new(state), grace, caught_up: watch::Sender::new(false) }
    }

    /// Whether access tokens of `session_id` may be served at Unix second `now`.
    pub fn check(&self, session_id: &str, now: i64) -> Result<(), VerifyError> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        match state.heard_at {
            Some(at) if at.elapsed() <= self.grace => {}
            _ => return Err(VerifyError::RevocationsUnavailable),
        }
        if state.sessions.is_empty() {
            return Ok(());
        }
        match state.sessions.get(&session_digest(session_id)) {
            Some(expires) if *expires >= now => Err(VerifyError::Revoked),
            _ => Ok(()),
        }
    }

    /// Whether the list is complete and recent enough to be trusted now.
    pub fn is_current(&self) -> bool {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.heard_at.is_some_and(|at| at.elapsed() <= self.grace)
    }

    /// Waits until a first snapshot has been received, for at most `limit`.
    pub async fn wait_caught_up(&self, limit: Duration) -> bool {
        let mut caught_up = self.caught_up.subscribe();
        tokio::time::timeout(limit, caught_up.wait_for(|done| *done)).await.is_ok_and(|r| r.is_ok())
    }

    /// A complete snapshot: it replaces what was known.
    fn replace(&self, sessions: HashMap<String, i64>) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.sessions = sessions;
        state.heard_at = Some(Instant::now());
        drop(state);
        self.caught_up.send_replace(true);
    }

    /// New revocations (none: a sign of life) from a caught-up feed.
    fn add(&self, sessions: impl IntoIterator<Item = (String, i64)>) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.sessions.extend(sessions);
        let now = Instant::now();
        state.heard_at = Some(now);
        if now.duration_since(state.pruned_at) >= PRUNE_EVERY {
            let second = crate::time::now_seconds();
            state.sessions.retain(|_, expires| *expires >= second);
            state.pruned_at = now;
        }
    }
}

/// How the feed names a session: SHA-256 of its id, hex.
pub fn session_digest(session_id: &str) -> String {
    crate::crypto::token_digest(session_id)
}

/// Keeps `list` current from `source`, reconnecting after any failure, until
/// the task running it is aborted.
pub async fn follow(list: Arc<RevocationList>, source: Arc<dyn RevocationSource>) {
    let mut retry = FIRST_RETRY;
    let mut failures = 0_u32;
    loop {
        let caught_up = match follow_once(&list, &*source).await {
            Ok(caught_up) => caught_up,
            Err((caught_up, e)) => {
                tracing::debug!(error = %e, "the revocation feed failed");
                caught_up
            }
        };
        if caught_up {
            retry = FIRST_RETRY;
            failures = 0;
        }
        failures += 1;
        // One warning per outage, not one per attempt.
        if failures == 2 {
            tracing::warn!("the revocation feed of the user service is unreachable; retrying");
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY);
    }
}

/// One watch until it ends or fails; tells whether it caught up.
async fn follow_once(list: &RevocationList, source: &dyn RevocationSource) -> Result<bool, (bool, anyhow::Error)> {
    let mut stream = source.watch().await.map_err(|e| (false, e))?;
    let mut snapshot = Some(HashMap::new());
    loop {
        let caught_up = snapshot.is_none();
        let next = match tokio::time::timeout(SILENCE_LIMIT, stream.next()).await {
            Ok(next) => next,
            Err(_) => return Err((caught_up, anyhow::anyhow!("the revocation feed fell silent"))),
        };
        let message = match next {
            None => return Ok(caught_up),
            Some(Ok(message)) => message,
            Some(Err(e)) => return Err((caught_up, e)),
        };
        let entries =
            message.sessions.into_iter().map(|s| (s.session_digest, s.expire_time.map_or(i64::MAX, |t| t.seconds)));
        match &mut snapshot {
            Some(pending) => {
                pending.extend(entries);
                if message.caught_up {
                    list.replace(snapshot.take().unwrap_or_default());
                }
            }
            None => list.add(entries),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use prost_types::Timestamp;

    use super::*;
    use crate::proto::user::RevokedSession;

    fn entry(session: &str, expires: i64) -> RevokedSession {
        RevokedSession {
            session_digest: session_digest(session),
            expire_time: Some(Timestamp { seconds: expires, nanos: 0 }),
        }
    }

    fn message(sessions: Vec<RevokedSession>, caught_up: bool) -> anyhow::Result<WatchRevocationsResponse> {
        Ok(WatchRevocationsResponse { sessions, caught_up })
    }

    /// Hands out prepared watches in order; then waits forever.
    struct Script(Mutex<Vec<Vec<anyhow::Result<WatchRevocationsResponse>>>>);

    #[async_trait]
    impl RevocationSource for Script {
        async fn watch(&self) -> anyhow::Result<RevocationStream> {
            let next = {
                let mut watches = self.0.lock().unwrap();
                (!watches.is_empty()).then(|| watches.remove(0))
            };
            match next {
                Some(messages) => Ok(Box::pin(futures::stream::iter(messages))),
                None => Ok(Box::pin(futures::stream::pending())),
            }
        }
    }

    fn now() -> i64 {
        crate::time::now_seconds()
    }

    #[test]
    fn nothing_is_vouched_for_before_the_first_snapshot_or_after_the_grace() {
        let list = RevocationList::new(Duration::from_millis(50));
        assert!(matches!(list.check("s1", now()), Err(VerifyError::RevocationsUnavailable)));
        list.replace(HashMap::from([(session_digest("s1"), now() + 60)]));
        assert!(matches!(list.check("s1", now()), Err(VerifyError::Revoked)));
        assert!(list.check("s2", now()).is_ok());
        std::thread::sleep(Duration::from_millis(80));
        assert!(matches!(list.check("s2", now()), Err(VerifyError::RevocationsUnavailable)));
        list.add([]);
        assert!(list.check("s2", now()).is_ok(), "a sign of life makes the list current again");
    }

    #[test]
    fn entries_lapse_with_the_tokens_they_cover() {
        let list = RevocationList::new(Duration::from_secs(60));
        list.replace(HashMap::from([(session_digest("old"), now() - 1)]));
        assert!(list.check("old", now()).is_ok());
    }

    /// A snapshot replaces the list only once complete; a second watch (after
    /// the first ended, as when the user service restarts) resyncs from its
    /// own snapshot, dropping nothing it carries.
    #[tokio::test]
    async fn snapshots_replace_and_later_messages_add() {
        let later = now() + 600;
        let source = Arc::new(Script(Mutex::new(vec![
            vec![message(vec![entry("a", later)], false), message(vec![entry("b", later)], true)],
            vec![message(vec![entry("c", later)], true), message(vec![entry("d", later)], true)],
        ])));
        let list = Arc::new(RevocationList::new(Duration::from_secs(60)));
        let task = tokio::spawn(follow(list.clone(), source));
        assert!(list.wait_caught_up(Duration::from_secs(5)).await);
        let deadline = Instant::now() + Duration::from_secs(5);
        while list.check("d", now()).is_ok() {
            assert!(Instant::now() < deadline, "the second watch was never applied");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(list.check("a", now()).is_ok(), "the second snapshot replaced the first");
        assert!(matches!(list.check("c", now()), Err(VerifyError::Revoked)));
        task.abort();
    }

    #[tokio::test]
    async fn an_incomplete_snapshot_is_not_applied() {
        let source = Arc::new(Script(Mutex::new(vec![vec![message(vec![entry("a", now() + 600)], false)]])));
        let list = Arc::new(RevocationList::new(Duration::from_secs(60)));
        let task = tokio::spawn(follow(list.clone(), source));
        assert!(!list.wait_caught_up(Duration::from_millis(200)).await);
        assert!(matches!(list.check("a", now()), Err(VerifyError::RevocationsUnavailable)));
        task.abort();
    }
}
