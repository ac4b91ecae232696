//! Following the system configuration from another service: a task keeps
//! a [`Snapshot`] of the keys it follows current through
//! `WatchConfiguration`, reconnecting after any failure and resuming from
//! the last revision it saw, so no change is missed or applied twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hms_kit::auth::ServiceTokens;
use hms_kit::proto::admin::WatchConfigurationRequest;
use hms_kit::proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use tokio::sync::watch;
use tonic::Code;

use crate::api::convert::from_proto_value;

/// The followed keys' values as of `revision`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// 0 until the first snapshot arrived.
    pub revision: i64,
    pub values: BTreeMap<String, serde_json::Value>,
}

impl Snapshot {
    pub fn integer(&self, key: &str) -> Option<i64> {
        self.values.get(key)?.as_i64()
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key)?.as_str()
    }

    /// A duration list's seconds.
    pub fn durations(&self, key: &str) -> Option<Vec<i64>> {
        crate::duration_list_seconds(self.values.get(key)?)
    }
}

const FIRST_RETRY: Duration = Duration::from_millis(200);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Follows `keys` (every key when empty) at `admin_url` until `stop`
/// resolves; the receiver sees each new snapshot.
pub fn follow(
    admin_url: &str,
    tokens: Arc<ServiceTokens>,
    keys: Vec<String>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(watch::Receiver<Snapshot>, tokio::task::JoinHandle<()>)> {
    // No per-call deadline: the watch is meant to last.
    let channel = hms_kit::client::channel(admin_url)?;
    let (tx, rx) = watch::channel(Snapshot::default());
    let task = tokio::spawn(async move {
        tokio::select! {
            () = run(InternalAdminServiceClient::new(channel), tokens, keys, tx) => {}
            () = stop => {}
        }
    });
    Ok((rx, task))
}

async fn run(
    mut client: InternalAdminServiceClient<tonic::transport::Channel>,
    tokens: Arc<ServiceTokens>,
    keys: Vec<String>,
    tx: watch::Sender<Snapshot>,
) {
    let mut pause = FIRST_RETRY;
    loop {
        let after_revision = tx.borrow().revision;
        match watch_once(&mut client, &tokens, &keys, after_revision, &tx, &mut pause).await {
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
    let token = tokens.token().map_err(hms_kit::error::internal)?;
    let bearer = format!("Bearer {token}").parse().map_err(hms_kit::error::internal)?;
    request.metadata_mut().insert("authorization", bearer);
    let mut stream = client.watch_configuration(request).await?.into_inner();
    while let Some(message) = stream.message().await? {
        *pause = FIRST_RETRY;
        tx.send_if_modified(|snapshot| {
            if message.snapshot {
                snapshot.values.clear();
            }
            let changed = message.snapshot || !message.configurations.is_empty();
            for configuration in message.configurations {
                if let Some(value) = configuration.value.as_ref().and_then(from_proto_value) {
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
