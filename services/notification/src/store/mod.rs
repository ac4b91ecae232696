//! Every read and write of the notification service, on the document store
//! (MongoDB in production, SQLite embedded). Instants are Unix microseconds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hms_kit::crypto::SealedText;
use hms_kit::docstore::typed::{self, eq, from_stored, to_value};
use hms_kit::docstore::{self, DocError, DocumentStore, Filter, IndexSpec, Order, Query, Write};
use serde::{Deserialize, Serialize};

pub use hms_kit::docstore::typed::Versioned;
use serde_json::{Value, json};

const REQUESTS: &str = "notification_requests";
const DELIVERIES: &str = "notification_deliveries";
const TEMPLATES: &str = "notification_templates";
const PREFERENCES: &str = "notification_preferences";
const PUSH_SUBSCRIPTIONS: &str = "notification_push_subscriptions";

/// A `Send` as received; its id derives from the caller's idempotency key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestDoc {
    pub caller: String,
    pub idempotency_key: String,
    pub kind: String,
    pub recipient_id: String,
    pub channels: Vec<String>,
    pub created_at: i64,
}

/// One notification on one channel: queue entry, delivery log and inbox item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryDoc {
    pub request_id: String,
    pub kind: String,
    pub recipient_id: String,
    pub channel: String,
    pub status: String,
    pub data: BTreeMap<String, String>,
    /// Secret data entries, sealed with the service's key and bound to the
    /// delivery id; emptied once the delivery is final.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sealed: BTreeMap<String, SealedText>,
    pub attempts: i64,
    /// When a worker may take it next; for a SENDING one, when its claim lapses.
    pub next_attempt_at: i64,
    pub created_at: i64,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub recipient_contact: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub sent_at: Option<i64>,
    #[serde(default)]
    pub read_at: Option<i64>,
    /// Push only: the subscriptions that took the message, so a retry for
    /// the others does not push to them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pushed: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PreferencesDoc {
    pub rules: Vec<RuleDoc>,
    pub language: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleDoc {
    /// Empty for every type.
    pub kind: String,
    pub channel: String,
    pub enabled: bool,
}

pub use typed::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Filters of the admin delivery log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryFilter {
    pub recipient_id: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub status: Option<String>,
    pub created_from: Option<i64>,
    pub created_before: Option<i64>,
}

#[derive(Clone)]
pub struct Store {
    docs: Arc<dyn DocumentStore>,
}

impl Store {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let docs = docstore::connect(url).await?;
        for (collection, spec) in Self::indexes() {
            docs.ensure_index(collection, &spec).await?;
        }
        Ok(Self { docs })
    }

    fn indexes() -> Vec<(&'static str, IndexSpec)> {
        let index = |name: &str, fields: &[(&str, Order)]| IndexSpec {
            name: name.to_owned(),
            fields: fields.iter().map(|(f, o)| ((*f).to_owned(), *o)).collect(),
            unique: false,
        };
        vec![
            (DELIVERIES, index("due", &[("status", Order::Asc), ("next_attempt_at", Order::Asc)])),
            (DELIVERIES, index("request", &[("request_id", Order::Asc)])),
            (
                DELIVERIES,
                index("inbox", &[("recipient_id", Order::Asc), ("channel", Order::Asc), ("sent_at", Order::Desc)]),
            ),
            (DELIVERIES, index("log", &[("created_at", Order::Desc)])),
            (DELIVERIES, index("failures", &[("status", Order::Asc), ("created_at", Order::Asc)])),
            (TEMPLATES, index("by_type", &[("kind", Order::Asc), ("channel", Order::Asc)])),
            (TEMPLATES, index("unaudited", &[("audit_pending", Order::Asc)])),
            (PUSH_SUBSCRIPTIONS, index("by_user", &[("user_id", Order::Asc), ("created_at", Order::Desc)])),
            (PUSH_SUBSCRIPTIONS, IndexSpec { unique: true, ..index("endpoint", &[("endpoint_hash", Order::Asc)]) }),
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }

    // --- requests and deliveries ---

    /// Inserts requests (one transaction on SQLite): for each, whether it is
    /// new (false for a replay: a request with its id exists).
    pub async fn insert_requests(&self, requests: &[(&str, &RequestDoc)]) -> Vec<Result<bool>> {
        let docs: Vec<_> = requests.iter().map(|(id, doc)| (*id, *doc, None)).collect();
        let written = self.write_each(REQUESTS, &docs).await;
        written
            .into_iter()
            .map(|result| match result {
                Ok(_) => Ok(true),
                Err(DocError::AlreadyExists { .. }) => Ok(false),
                Err(e) => Err(e.into()),
            })
            .collect()
    }

    /// Serialises `docs` and writes them with one `write_many`: each is
    /// inserted (no version) or replaces the version given. A document that
    /// does not serialise fails alone.
    async fn write_each<T: Serialize>(
        &self,
        collection: &str,
        docs: &[(&str, &T, Option<i64>)],
    ) -> Vec<Result<docstore::Stored, DocError>> {
        let bodies: Vec<Result<Value>> = docs.iter().map(|(_, doc, _)| to_value(doc)).collect();
        let writes: Vec<Write> = docs
            .iter()
            .zip(&bodies)
            .filter_map(|((id, _, version), body)| {
                let body = body.as_ref().ok()?;
                Some(match version {
                    None => Write::Insert { id, body },
                    Some(expected_version) => Write::Replace { id, body, expected_version: *expected_version },
                })
            })
            .collect();
        let mut written = self.docs.write_many(collection, &writes).await.into_iter();
        bodies
            .into_iter()
            .map(|body| match body {
                Err(e) => Err(DocError::InvalidDocument(e.to_string())),
                Ok(_) => written.next().unwrap_or_else(|| Err(DocError::Backend("the store gave no answer".into()))),
            })
            .collect()
    }

    pub async fn request(&self, id: &str) -> Result<Option<RequestDoc>> {
        self.docs.get(REQUESTS, id).await?.map(|s| from_stored(s).map(|v| v.doc)).transpose()
    }

    /// Inserts a delivery unless one with this id exists (idempotent).
    #[cfg(test)]
    pub async fn ensure_delivery(&self, id: &str, doc: &DeliveryDoc) -> Result<()> {
        match self.docs.insert(DELIVERIES, id, &to_value(doc)?).await {
            Ok(_) | Err(DocError::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Inserts deliveries, each unless one with its id exists (idempotent),
    /// in one transaction on SQLite.
    pub async fn ensure_deliveries(&self, deliveries: &[(&str, &DeliveryDoc)]) -> Result<()> {
        let docs: Vec<_> = deliveries.iter().map(|(id, doc)| (*id, *doc, None)).collect();
        for result in self.write_each(DELIVERIES, &docs).await {
            match result {
                Ok(_) | Err(DocError::AlreadyExists { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    pub async fn deliveries_of_request(&self, request_id: &str) -> Result<Vec<Versioned<DeliveryDoc>>> {
        let query = Self::request_query(request_id);
        self.docs.find(DELIVERIES, &query).await?.items.into_iter().map(from_stored).collect()
    }

    pub async fn delivery(&self, id: &str) -> Result<Option<Versioned<DeliveryDoc>>> {
        self.docs.get(DELIVERIES, id).await?.map(from_stored).transpose()
    }

    /// Deliveries a worker may take now: queued and due, or claimed by a
    /// worker whose claim has lapsed.
    pub async fn due(&self, now: i64, limit: usize) -> Result<Vec<Versioned<DeliveryDoc>>> {
        let mut due = Vec::new();
        for query in Self::due_queries(now, limit) {
            for stored in self.docs.find(DELIVERIES, &query).await?.items {
                due.push(from_stored::<DeliveryDoc>(stored)?);
            }
        }
        due.sort_by(|a, b| (a.doc.next_attempt_at, &a.id).cmp(&(b.doc.next_attempt_at, &b.id)));
        due.truncate(limit);
        Ok(due)
    }

    /// Deliveries still to be made (queued, or being sent) and when the oldest
    /// was created: the queue's backlog, for metrics.
    pub async fn backlog(&self) -> Result<(u64, Option<i64>)> {
        let count = self.docs.count(DELIVERIES, &Self::backlog_filters()).await?;
        let query = Self::oldest_query();
        let oldest = match self.docs.find(DELIVERIES, &query).await?.items.into_iter().next() {
            Some(stored) => Some(from_stored::<DeliveryDoc>(stored)?.doc.created_at),
            None => None,
        };
        Ok((count, oldest))
    }

    /// Writes `doc` if nobody else did since `version`; the new version on success.
    pub async fn save_delivery(&self, id: &str, doc: &DeliveryDoc, version: i64) -> Result<i64> {
        Ok(self.docs.replace(DELIVERIES, id, &to_value(doc)?, version).await?.version)
    }

    /// `save_delivery` for several at once (one transaction on SQLite): each
    /// one's new version, or why it was not written.
    pub async fn save_deliveries(&self, deliveries: &[&Versioned<DeliveryDoc>]) -> Vec<Result<i64>> {
        let docs: Vec<_> = deliveries.iter().map(|d| (d.id.as_str(), &d.doc, Some(d.version))).collect();
        let written = self.write_each(DELIVERIES, &docs).await;
        written.into_iter().map(|result| Ok(result?.version)).collect()
    }

    fn inbox_filters(user_id: &str) -> Vec<(String, Filter)> {
        vec![eq("recipient_id", user_id), eq("channel", "IN_APP"), eq("status", "DELIVERED")]
    }

    /// A page of someone's in-app notifications, newest first.
    pub async fn inbox(
        &self,
        user_id: &str,
        unread_only: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Versioned<DeliveryDoc>>, Option<String>)> {
        let query = Self::inbox_query(user_id, unread_only, after, limit);
        let page = self.docs.find(DELIVERIES, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// In-app notifications delivered at or after `since`, oldest first.
    pub async fn inbox_since(&self, user_id: &str, since: i64) -> Result<Vec<Versioned<DeliveryDoc>>> {
        let query = Self::inbox_since_query(user_id, since);
        self.docs.find(DELIVERIES, &query).await?.items.into_iter().map(from_stored).collect()
    }

    pub async fn unread_count(&self, user_id: &str) -> Result<u64> {
        Ok(self.docs.count(DELIVERIES, &Self::unread_filters(user_id)).await?)
    }

    /// FAILED deliveries created at or after `since`, for the dashboard.
    pub async fn failed_since(&self, since: i64) -> Result<u64> {
        Ok(self.docs.count(DELIVERIES, &Self::failed_filters(since)).await?)
    }

    pub async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Versioned<DeliveryDoc>>, Option<String>)> {
        let query = Self::deliveries_query(filter, after, limit);
        let page = self.docs.find(DELIVERIES, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    // --- the queries above, one function each: `query_plans` holds every one to an index ---

    fn failed_filters(since: i64) -> Vec<(String, Filter)> {
        vec![eq("status", "FAILED"), ("created_at".into(), Filter::Gte(json!(since)))]
    }

    fn request_query(request_id: &str) -> Query {
        Query { filters: vec![eq("request_id", request_id)], sort: vec![], limit: 10, after: None }
    }

    /// One query per status, each read off the `due` index in its order so
    /// that it stops after `limit`: an `IN` over both statuses would have
    /// SQLite read and sort every due delivery to take one batch.
    fn due_queries(now: i64, limit: usize) -> [Query; 2] {
        ["QUEUED", "SENDING"].map(|status| Query {
            filters: vec![eq("status", status), ("next_attempt_at".into(), Filter::Lte(json!(now)))],
            sort: vec![("next_attempt_at".into(), Order::Asc)],
            limit,
            after: None,
        })
    }

    fn backlog_filters() -> Vec<(String, Filter)> {
        vec![("status".to_owned(), Filter::In(vec![json!("QUEUED"), json!("SENDING")]))]
    }

    fn oldest_query() -> Query {
        Query { filters: Self::backlog_filters(), sort: vec![("created_at".into(), Order::Asc)], limit: 1, after: None }
    }

    fn inbox_query(user_id: &str, unread_only: bool, after: Option<String>, limit: usize) -> Query {
        let filters = if unread_only { Self::unread_filters(user_id) } else { Self::inbox_filters(user_id) };
        Query { filters, sort: vec![("sent_at".into(), Order::Desc)], limit, after }
    }

    fn inbox_since_query(user_id: &str, since: i64) -> Query {
        let mut filters = Self::inbox_filters(user_id);
        filters.push(("sent_at".into(), Filter::Gte(json!(since))));
        Query { filters, sort: vec![("sent_at".into(), Order::Asc)], limit: 100, after: None }
    }

    fn unread_filters(user_id: &str) -> Vec<(String, Filter)> {
        let mut filters = Self::inbox_filters(user_id);
        filters.push(eq("read_at", Value::Null));
        filters
    }

    fn deliveries_query(filter: &DeliveryFilter, after: Option<String>, limit: usize) -> Query {
        let mut filters = Vec::new();
        for (field, value) in [
            ("recipient_id", &filter.recipient_id),
            ("kind", &filter.kind),
            ("channel", &filter.channel),
            ("status", &filter.status),
        ] {
            if let Some(value) = value {
                filters.push(eq(field, value.as_str()));
            }
        }
        if let Some(from) = filter.created_from {
            filters.push(("created_at".into(), Filter::Gte(json!(from))));
        }
        if let Some(before) = filter.created_before {
            filters.push(("created_at".into(), Filter::Lt(json!(before))));
        }
        Query { filters, sort: vec![("created_at".into(), Order::Desc)], limit, after }
    }

    fn templates_query(
        kind: Option<&str>,
        channel: Option<&str>,
        language: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Query {
        let mut filters = Vec::new();
        for (field, value) in [("kind", kind), ("channel", channel), ("language", language)] {
            if let Some(value) = value {
                filters.push(eq(field, value));
            }
        }
        Query { filters, sort: vec![], limit, after }
    }

    fn template_channels_query(kind: &str) -> Query {
        Query { filters: vec![eq("kind", kind)], sort: vec![], limit: 100, after: None }
    }

    fn unaudited_templates_query(limit: usize) -> Query {
        Query { filters: vec![("audit_pending".into(), Filter::Exists(true))], sort: vec![], limit, after: None }
    }

    // --- preferences ---

    pub async fn preferences(&self, user_id: &str) -> Result<Option<Versioned<PreferencesDoc>>> {
        self.docs.get(PREFERENCES, user_id).await?.map(from_stored).transpose()
    }

    /// The preferences of each of `user_ids` in one read, as the API shows
    /// them: someone who never set any has the defaults.
    pub async fn preferences_of(
        &self,
        user_ids: &[&str],
    ) -> Result<HashMap<String, hms_kit::proto::notification::Preferences>> {
        let mut found: HashMap<String, _> = HashMap::with_capacity(user_ids.len());
        for stored in self.docs.get_many(PREFERENCES, user_ids).await? {
            let versioned = from_stored::<PreferencesDoc>(stored)?;
            found.insert(versioned.id, preferences_to_proto(&versioned.doc));
        }
        for id in user_ids {
            found.entry((*id).to_owned()).or_default();
        }
        Ok(found)
    }

    /// Creates or replaces someone's preferences.
    pub async fn save_preferences(&self, user_id: &str, doc: &PreferencesDoc) -> Result<()> {
        let value = to_value(doc)?;
        for _ in 0..5 {
            let result = match self.docs.get(PREFERENCES, user_id).await? {
                Some(existing) => self.docs.replace(PREFERENCES, user_id, &value, existing.version).await.map(|_| ()),
                None => self.docs.insert(PREFERENCES, user_id, &value).await.map(|_| ()),
            };
            match result {
                // Someone else wrote in between: read again and retry.
                Err(DocError::VersionConflict { .. } | DocError::AlreadyExists { .. } | DocError::NotFound) => continue,
                other => return Ok(other?),
            }
        }
        Err(StoreError::Conflict)
    }
}

pub fn preferences_to_proto(doc: &PreferencesDoc) -> hms_kit::proto::notification::Preferences {
    use hms_kit::proto::notification::{NotificationType, PreferenceRule, Preferences};
    Preferences {
        rules: doc
            .rules
            .iter()
            .map(|r| PreferenceRule {
                r#type: crate::domain::type_from_name(&r.kind).unwrap_or(NotificationType::Unspecified).into(),
                channel: crate::domain::channel_from_name(&r.channel).unwrap_or_default().into(),
                enabled: r.enabled,
            })
            .collect(),
        language: doc.language.clone(),
    }
}

mod push;
mod templates;
pub use push::{MAX_PER_USER, PushKeys, PushSubscriptionDoc};
pub use templates::TemplateDoc;

#[cfg(test)]
mod query_plans;

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(status: &str, created_at: i64) -> DeliveryDoc {
        DeliveryDoc {
            request_id: "r".into(),
            kind: "WELCOME".into(),
            recipient_id: "u".into(),
            channel: "EMAIL".into(),
            status: status.into(),
            data: BTreeMap::new(),
            sealed: BTreeMap::new(),
            attempts: 0,
            next_attempt_at: created_at,
            created_at,
            language: String::new(),
            subject: String::new(),
            body: String::new(),
            recipient_contact: String::new(),
            error: String::new(),
            sent_at: None,
            read_at: None,
            pushed: Vec::new(),
        }
    }

    #[tokio::test]
    async fn the_backlog_counts_undelivered_deliveries_and_finds_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("n.db").display())).await.unwrap();
        assert_eq!(store.backlog().await.unwrap(), (0, None));
        store.ensure_delivery("a", &delivery("DELIVERED", 10)).await.unwrap();
        store.ensure_delivery("b", &delivery("QUEUED", 30)).await.unwrap();
        store.ensure_delivery("c", &delivery("SENDING", 20)).await.unwrap();
        store.ensure_delivery("d", &delivery("FAILED", 5)).await.unwrap();
        assert_eq!(store.backlog().await.unwrap(), (2, Some(20)));
    }

    /// Queued and lapsed deliveries come out together, oldest due first.
    #[tokio::test]
    async fn due_merges_both_statuses_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("n.db").display())).await.unwrap();
        for (id, status, at) in
            [("a", "QUEUED", 30), ("b", "SENDING", 20), ("c", "QUEUED", 10), ("d", "DELIVERED", 5), ("e", "QUEUED", 99)]
        {
            store.ensure_delivery(id, &delivery(status, at)).await.unwrap();
        }
        let ids = |due: Vec<Versioned<DeliveryDoc>>| due.into_iter().map(|v| v.id).collect::<Vec<_>>();
        assert_eq!(ids(store.due(50, 10).await.unwrap()), ["c", "b", "a"]);
        assert_eq!(ids(store.due(50, 2).await.unwrap()), ["c", "b"]);
        assert_eq!(ids(store.due(15, 10).await.unwrap()), ["c"]);
    }
}
