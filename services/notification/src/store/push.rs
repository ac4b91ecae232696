//! Browsers subscribed to someone's pushes (RFC 8030 subscriptions). The
//! endpoint and keys are the browser's secrets: whoever holds them can push
//! to it. They are sealed with the service's key, bound to the subscription
//! id; the store keeps a SHA-256 of the endpoint in clear, unique, so that a
//! browser subscribing again finds its subscription instead of adding one.

use std::collections::HashSet;

use hms_kit::crypto::SealedText;
use hms_kit::docstore::typed::{eq, from_stored, to_value};
use hms_kit::docstore::{DocError, Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{PUSH_SUBSCRIPTIONS, Result, Store, StoreError, Versioned};

/// Someone has at most this many subscriptions: a new one beyond it
/// replaces their oldest.
pub const MAX_PER_USER: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushSubscriptionDoc {
    pub user_id: String,
    /// SHA-256 of the endpoint, hex: the unique key.
    pub endpoint_hash: String,
    /// `PushKeys` as JSON, sealed to the subscription id.
    pub sealed: SealedText,
    #[serde(default)]
    pub device_label: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What is sealed in a subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushKeys {
    pub endpoint: String,
    /// base64url, as the browser gave them.
    pub p256dh: String,
    pub auth: String,
}

impl Store {
    pub async fn push_subscription(&self, id: &str) -> Result<Option<Versioned<PushSubscriptionDoc>>> {
        self.docs.get(PUSH_SUBSCRIPTIONS, id).await?.map(from_stored).transpose()
    }

    pub async fn push_subscription_by_endpoint(
        &self,
        endpoint_hash: &str,
    ) -> Result<Option<Versioned<PushSubscriptionDoc>>> {
        let query = Self::endpoint_query(endpoint_hash);
        self.docs.find(PUSH_SUBSCRIPTIONS, &query).await?.items.into_iter().next().map(from_stored).transpose()
    }

    /// A new subscription; `AlreadyExists` when its endpoint is stored already.
    pub async fn insert_push_subscription(&self, id: &str, doc: &PushSubscriptionDoc) -> Result<()> {
        self.docs.insert(PUSH_SUBSCRIPTIONS, id, &to_value(doc)?).await?;
        Ok(())
    }

    /// Writes over the version read; the new version.
    pub async fn replace_push_subscription(&self, v: &Versioned<PushSubscriptionDoc>) -> Result<i64> {
        Ok(self.docs.replace(PUSH_SUBSCRIPTIONS, &v.id, &to_value(&v.doc)?, v.version).await?.version)
    }

    /// Someone's subscriptions, newest first.
    pub async fn push_subscriptions_of(&self, user_id: &str) -> Result<Vec<Versioned<PushSubscriptionDoc>>> {
        let query = Self::user_subscriptions_query(user_id);
        self.docs.find(PUSH_SUBSCRIPTIONS, &query).await?.items.into_iter().map(from_stored).collect()
    }

    /// Which of `user_ids` have at least one subscription, in one read.
    pub async fn push_subscribed(&self, user_ids: &[&str]) -> Result<HashSet<String>> {
        if user_ids.is_empty() {
            return Ok(HashSet::new());
        }
        let query = Self::subscribed_query(user_ids);
        let mut found = HashSet::new();
        for stored in self.docs.find(PUSH_SUBSCRIPTIONS, &query).await?.items {
            found.insert(from_stored::<PushSubscriptionDoc>(stored)?.doc.user_id);
        }
        Ok(found)
    }

    /// Removes a subscription; false when it was not there.
    pub async fn delete_push_subscription(&self, id: &str) -> Result<bool> {
        match self.docs.delete(PUSH_SUBSCRIPTIONS, id).await {
            Ok(deleted) => Ok(deleted),
            Err(DocError::NotFound) => Ok(false),
            Err(e) => Err(StoreError::from(e)),
        }
    }

    pub(super) fn endpoint_query(endpoint_hash: &str) -> Query {
        Query { filters: vec![eq("endpoint_hash", endpoint_hash)], sort: vec![], limit: 1, after: None }
    }

    pub(super) fn user_subscriptions_query(user_id: &str) -> Query {
        Query {
            filters: vec![eq("user_id", user_id)],
            sort: vec![("created_at".into(), Order::Desc)],
            // Registering keeps it to MAX_PER_USER; a race may pass it by a few.
            limit: MAX_PER_USER * 2,
            after: None,
        }
    }

    pub(super) fn subscribed_query(user_ids: &[&str]) -> Query {
        Query {
            filters: vec![("user_id".into(), Filter::In(user_ids.iter().map(|id| json!(id)).collect()))],
            sort: vec![],
            limit: user_ids.len() * MAX_PER_USER * 2,
            after: None,
        }
    }
}
