//! Someone's in-app notifications: the inbox, its unread count, marking
//! read, and the live stream of new ones.

use std::collections::HashSet;
use std::sync::Arc;

use hms_kit::auth::Principal;
use hms_kit::auth::policy::status_of;
use hms_kit::paging;
use hms_kit::time::now_micros;
use tokio::sync::mpsc;
use tonic::Status;

use super::State;
use crate::store::{DeliveryDoc, StoreError, Versioned};

/// What to mark read: every unread notification, or these ids.
pub enum ToMark {
    All,
    Ids(Vec<String>),
}

impl State {
    /// A page of someone's in-app notifications, newest first.
    pub async fn inbox(
        &self,
        user: &str,
        unread_only: bool,
        after: Option<String>,
        size: usize,
    ) -> Result<(Vec<Versioned<DeliveryDoc>>, Option<String>), Status> {
        Ok(self.store.inbox(user, unread_only, after, size).await?)
    }

    pub async fn unread_count(&self, user: &str) -> Result<u64, Status> {
        Ok(self.store.unread_count(user).await?)
    }

    /// Marks someone's notifications read; how many were unread.
    pub async fn mark_read(&self, user: &str, which: ToMark) -> Result<i64, Status> {
        let s = self;
        let mut targets = Vec::new();
        match which {
            ToMark::All => {
                let mut after = None;
                loop {
                    let (items, next) = s.store.inbox(user, true, after, paging::MAX_PAGE_SIZE).await?;
                    targets.extend(items);
                    match next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
            }
            ToMark::Ids(ids) => {
                for id in ids.iter().collect::<HashSet<_>>() {
                    // Someone else's notification is treated as absent.
                    if let Some(d) = s.store.delivery(id).await?
                        && d.doc.recipient_id == user
                        && d.doc.channel == "IN_APP"
                    {
                        targets.push(d);
                    }
                }
            }
        }
        let now = now_micros();
        let mut marked = 0;
        for mut target in targets {
            if target.doc.read_at.is_some() {
                continue;
            }
            target.doc.read_at = Some(now);
            match s.store.save_delivery(&target.id, &target.doc, target.version).await {
                Ok(_) => marked += 1,
                // Changed meanwhile (read on another device): fine either way.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(marked)
    }

    /// The in-app notifications delivered to `caller` from now on, as they
    /// arrive, until the receiver is dropped or the session is revoked.
    pub fn subscribe(self: &Arc<Self>, caller: Principal) -> mpsc::Receiver<Result<Versioned<DeliveryDoc>, Status>> {
        let user = caller.subject.clone();
        let state = self.clone();
        let (tx, rx) = mpsc::channel(32);
        tokio::spawn(async move {
            // Only notifications delivered from now on; the inbox has the rest.
            let mut since = now_micros();
            let mut seen_at_since: HashSet<String> = HashSet::new();
            loop {
                // The access layer checked the token when the stream opened only.
                if let Err(e) = state.verifier.check_still_valid(&caller) {
                    let _ = tx.send(Err(status_of(&e))).await;
                    return;
                }
                match state.store.inbox_since(&user, since).await {
                    Ok(items) => {
                        for item in items {
                            let sent = item.doc.sent_at.unwrap_or(since);
                            if sent == since && !seen_at_since.insert(item.id.clone()) {
                                continue;
                            }
                            if sent > since {
                                since = sent;
                                seen_at_since = HashSet::from([item.id.clone()]);
                            }
                            if tx.send(Ok(item)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "subscription poll failed"),
                }
                tokio::select! {
                    () = tx.closed() => return,
                    () = state.hub.inbox.notified() => {}
                    () = tokio::time::sleep(state.subscribe_poll) => {}
                }
            }
        });
        rx
    }
}
