//! Following the admin service's system configuration: a task keeps a
//! [`Snapshot`] of the keys a service follows current through
//! `WatchConfiguration`, reconnecting after any failure and resuming from
//! the last revision it saw, so no change is missed or applied twice.
//! It lives here, not in the admin crate, because services may depend on
//! the kit but not on one another.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hms_proto::admin::configuration_value::Kind as ValueKind;
use hms_proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use hms_proto::admin::{ConfigurationValue, WatchConfigurationRequest};
use tokio::sync::watch;
use tonic::Code;

use crate::auth::ServiceTokens;

/// The followed keys' values as of `revision`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// 0 until the first snapshot arrived.
    pub revision: i64,
    /// Each key's value: the stored one, or the admin service's default
    /// while none is stored.
    pub values: BTreeMap<String, serde_json::Value>,
    /// Each key's version: 0 while no value is stored.
    pub versions: BTreeMap<String, i64>,
}

impl Snapshot {
    pub fn integer(&self, key: &str) -> Option<i64> {
        self.values.get(key)?.as_i64()
    }

    /// The key's value only when an admin has stored one: a service whose
    /// own file/env configuration has a default keeps it until then.
    pub fn stored_integer(&self, key: &str) -> Option<i64> {
        if self.is_stored(key) { self.integer(key) } else { None }
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key)?.as_str()
    }

    /// A duration list's seconds.
    pub fn durations(&self, key: &str) -> Option<Vec<i64>> {
        duration_list_seconds(self.values.get(key)?)
    }

    /// Like [`Self::stored_integer`], for a duration list.
    pub fn stored_durations(&self, key: &str) -> Option<Vec<i64>> {
        if self.is_stored(key) { self.durations(key) } else { None }
    }

    fn is_stored(&self, key: &str) -> bool {
        self.versions.get(key).copied().unwrap_or(0) > 0
    }
}

/// The keys one service follows, or nothing when it runs on its file/env
/// configuration alone: what its settings read stored overrides from.
/// Clones share the one watch; the watch task ends with the last of them.
#[derive(Debug, Clone, Default)]
pub struct Followed(Option<watch::Receiver<Snapshot>>);

impl Followed {
    /// Follows `keys` at `admin_url` when one is configured, as `service`
    /// with its service token.
    pub fn start(
        admin_url: Option<&str>,
        service: &'static str,
        auth: &crate::config::AuthConfig,
        keys: &[&str],
    ) -> anyhow::Result<Self> {
        let Some(url) = admin_url else { return Ok(Self::default()) };
        let tokens = crate::bootstrap::service_tokens(auth, service, "to follow the admin service's configuration")?;
        let keys = keys.iter().map(|k| (*k).to_owned()).collect();
        let (snapshots, _task) = follow(url, tokens, keys, std::future::pending())?;
        Ok(Self(Some(snapshots)))
    }

    /// Reads snapshots from `snapshots` (tests feed them by hand).
    pub fn from_receiver(snapshots: watch::Receiver<Snapshot>) -> Self {
        Self(Some(snapshots))
    }

    /// The current snapshot: empty (nothing stored) when nothing is followed.
    /// Read several keys from one borrow so they come from one revision.
    pub fn read<T>(&self, read: impl FnOnce(&Snapshot) -> T) -> T {
        match &self.0 {
            Some(snapshots) => read(&snapshots.borrow()),
            None => read(&Snapshot::default()),
        }
    }
}

/// The API's value → the canonical JSON value (a string, a whole number or
/// a list of duration strings); `None` when the value has no kind.
pub fn from_proto_value(value: &ConfigurationValue) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match value.kind.as_ref()? {
        ValueKind::Text(text) => Value::String(text.clone()),
        ValueKind::Integer(n) => Value::from(*n),
        ValueKind::Durations(list) => Value::Array(list.values.iter().cloned().map(Value::String).collect()),
    })
}

/// The seconds of a canonical duration list, as services use them.
pub fn duration_list_seconds(value: &serde_json::Value) -> Option<Vec<i64>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str()?.parse::<jiff::SignedDuration>().ok().map(|d| d.as_secs()))
        .collect()
}

const FIRST_RETRY: Duration = Duration::from_millis(200);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Follows `keys` (every key when empty) at `admin_url` until `stop`
/// resolves or every receiver is dropped (so a service that drops its
/// state leaves no watch behind); the receiver sees each new snapshot.
/// The connection is made lazily: an unreachable admin service leaves the
/// default snapshot (revision 0) in place while the task keeps retrying.
pub fn follow(
    admin_url: &str,
    tokens: Arc<ServiceTokens>,
    keys: Vec<String>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(watch::Receiver<Snapshot>, tokio::task::JoinHandle<()>)> {
    // No per-call deadline: the watch is meant to last.
    let channel = crate::client::channel(admin_url)?;
    let (tx, rx) = watch::channel(Snapshot::default());
    let task = tokio::spawn(async move {
        tokio::select! {
            () = run(InternalAdminServiceClient::new(channel), tokens, keys, &tx) => {}
            () = tx.closed() => {}
            () = stop => {}
        }
    });
    Ok((rx, task))
}

async fn run(
    mut client: InternalAdminServiceClient<tonic::transport::Channel>,
    tokens: Arc<ServiceTokens>,
    keys: Vec<String>,
    tx: &watch::Sender<Snapshot>,
) {
    let mut pause = FIRST_RETRY;
    loop {
        let after_revision = tx.borrow().revision;
        match watch_once(&mut client, &tokens, &keys, after_revision, tx, &mut pause).await {
            // Another database (or a restored one): start from a snapshot.
            Err(status) if status.code() == Code::OutOfRange => tx.send_modify(|s| s.revision = 0),
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "configuration watch failed; reconnecting")
            }
            Ok(()) => tracing::info!("configuration watch ended; reconnecting"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LAST_RETRY);
    }
}

async fn watch_once(
    client: &mut InternalAdminServiceClient<tonic::transport::Channel>,
    tokens: &ServiceTokens,
    keys: &[String],
    after_revision: i64,
    tx: &watch::Sender<Snapshot>,
    pause: &mut Duration,
) -> Result<(), tonic::Status> {
    let mut request = tonic::Request::new(WatchConfigurationRequest { keys: keys.to_vec(), after_revision });
    let token = tokens.token().map_err(crate::error::internal)?;
    let bearer = format!("Bearer {token}").parse().map_err(crate::error::internal)?;
    request.metadata_mut().insert("authorization", bearer);
    let mut stream = client.watch_configuration(request).await?.into_inner();
    while let Some(message) = stream.message().await? {
        *pause = FIRST_RETRY;
        tx.send_if_modified(|snapshot| {
            if message.snapshot {
                snapshot.values.clear();
                snapshot.versions.clear();
            }
            let changed = message.snapshot || !message.configurations.is_empty();
            for configuration in message.configurations {
                if let Some(value) = configuration.value.as_ref().and_then(from_proto_value) {
                    snapshot.versions.insert(configuration.key.clone(), configuration.version);
                    snapshot.values.insert(configuration.key, value);
                }
            }
            let advanced = snapshot.revision != message.revision;
            snapshot.revision = message.revision;
            changed || advanced
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use hms_proto::admin::DurationList;
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;

    #[test]
    fn values_come_from_every_kind() {
        let value = |kind| ConfigurationValue { kind: Some(kind) };
        assert_eq!(from_proto_value(&value(ValueKind::Text("Europe/Paris".into()))), Some(json!("Europe/Paris")));
        assert_eq!(from_proto_value(&value(ValueKind::Integer(4))), Some(json!(4)));
        let list = DurationList { values: vec!["48h".into(), "1h 30m".into()] };
        assert_eq!(from_proto_value(&value(ValueKind::Durations(list))), Some(json!(["48h", "1h 30m"])));
        assert_eq!(from_proto_value(&ConfigurationValue { kind: None }), None);
    }

    #[test]
    fn duration_lists_become_seconds() {
        assert_eq!(duration_list_seconds(&json!(["48h", "1h 30m"])), Some(vec![172_800, 5400]));
        assert_eq!(duration_list_seconds(&json!(["soon"])), None);
        assert_eq!(duration_list_seconds(&json!("48h")), None);
    }

    #[test]
    fn only_a_stored_value_overrides_a_services_default() {
        let mut snapshot = Snapshot::default();
        snapshot.values.insert("appointment.max_reschedules".into(), json!(3));
        snapshot.versions.insert("appointment.max_reschedules".into(), 0);
        assert_eq!(snapshot.integer("appointment.max_reschedules"), Some(3));
        assert_eq!(snapshot.stored_integer("appointment.max_reschedules"), None, "the admin service's default");
        snapshot.versions.insert("appointment.max_reschedules".into(), 2);
        assert_eq!(snapshot.stored_integer("appointment.max_reschedules"), Some(3));
        assert_eq!(snapshot.stored_integer("clinic.name"), None);
    }

    #[tokio::test]
    async fn an_unreachable_admin_service_leaves_the_default_and_dropping_the_receiver_ends_the_task() {
        // Nothing listens on port 1: every attempt fails at once.
        let tokens = Arc::new(ServiceTokens::new("appointment", &SecretString::from("service-secret-for-tests")));
        let (rx, task) = follow("http://127.0.0.1:1", tokens, Vec::new(), std::future::pending()).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(*rx.borrow(), Snapshot::default());
        assert!(!task.is_finished());
        drop(rx);
        tokio::time::timeout(Duration::from_secs(2), task).await.expect("the task ends").unwrap();
    }
}
