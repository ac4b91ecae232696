//! Browsers' push subscriptions: a person registers each browser that
//! allowed notifications, sees them (by label and push service, never the
//! endpoint) and removes them. The endpoint and keys are sealed at rest.

use hms_kit::crypto::token_digest;
use hms_kit::error::refusal;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::store::{MAX_PER_USER, PushKeys, PushSubscriptionDoc, StoreError, Versioned};

/// A validated `RegisterPushSubscription`.
pub struct NewPushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub device_label: String,
}

/// How often a registration that lost a race reads again.
const RETRIES: usize = 5;

impl State {
    /// Stores `user`'s subscription, or refreshes the one with its endpoint
    /// (a browser subscribing again, perhaps for someone else now: the
    /// browser's last user gets its pushes); its id.
    pub async fn register_push(&self, user: &str, new: NewPushSubscription) -> Result<String, Status> {
        if self.push_public_key.is_none() {
            return Err(refusal(Code::FailedPrecondition, "PUSH_DISABLED", "push is off on this server"));
        }
        let endpoint_hash = token_digest(&new.endpoint);
        let keys = PushKeys { endpoint: new.endpoint, p256dh: new.p256dh, auth: new.auth };
        let keys = serde_json::to_string(&keys).map_err(hms_kit::error::internal)?;
        for _ in 0..RETRIES {
            let now = now_micros();
            match self.store.push_subscription_by_endpoint(&endpoint_hash).await? {
                Some(mut existing) => {
                    existing.doc.user_id = user.to_owned();
                    existing.doc.sealed =
                        self.sealer.seal_text(&keys, &existing.id).map_err(hms_kit::error::internal)?;
                    existing.doc.device_label.clone_from(&new.device_label);
                    existing.doc.updated_at = now;
                    match self.store.replace_push_subscription(&existing).await {
                        Ok(_) => {
                            self.keep_newest_push(user).await;
                            return Ok(existing.id);
                        }
                        Err(StoreError::Conflict | StoreError::NotFound) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                None => {
                    let id = hms_kit::ids::new_id();
                    let doc = PushSubscriptionDoc {
                        user_id: user.to_owned(),
                        endpoint_hash: endpoint_hash.clone(),
                        sealed: self.sealer.seal_text(&keys, &id).map_err(hms_kit::error::internal)?,
                        device_label: new.device_label.clone(),
                        created_at: now,
                        updated_at: now,
                    };
                    match self.store.insert_push_subscription(&id, &doc).await {
                        Ok(()) => {
                            self.keep_newest_push(user).await;
                            return Ok(id);
                        }
                        // The same browser registered at the same moment: take its row.
                        Err(StoreError::AlreadyExists) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Drops `user`'s oldest subscriptions beyond `MAX_PER_USER`.
    async fn keep_newest_push(&self, user: &str) {
        let Ok(all) = self.store.push_subscriptions_of(user).await else { return };
        for old in all.iter().skip(MAX_PER_USER) {
            if let Err(e) = self.store.delete_push_subscription(&old.id).await {
                tracing::warn!(subscription = %old.id, error = %e, "dropping an old push subscription failed");
            }
        }
    }

    /// `user`'s subscriptions, newest first, each with its push service's host.
    pub async fn push_subscriptions(
        &self,
        user: &str,
    ) -> Result<Vec<(Versioned<PushSubscriptionDoc>, String)>, Status> {
        let all = self.store.push_subscriptions_of(user).await?;
        Ok(all
            .into_iter()
            .take(MAX_PER_USER)
            .map(|s| {
                let host = self
                    .sealer
                    .open_text(&s.doc.sealed, &s.id)
                    .ok()
                    .and_then(|json| serde_json::from_str::<PushKeys>(&json).ok())
                    .and_then(|keys| reqwest::Url::parse(&keys.endpoint).ok())
                    .and_then(|url| url.host_str().map(str::to_owned))
                    .unwrap_or_default();
                (s, host)
            })
            .collect())
    }

    /// Removes one of `user`'s subscriptions; another's is NOT_FOUND, as if
    /// it did not exist.
    pub async fn delete_push(&self, user: &str, id: &str) -> Result<(), Status> {
        let not_found = || Status::not_found("no push subscription of yours with this id");
        match self.store.push_subscription(id).await? {
            Some(found) if found.doc.user_id == user => {
                self.store.delete_push_subscription(id).await?;
                Ok(())
            }
            _ => Err(not_found()),
        }
    }
}
