//! The notification service: templates, preferences, a durable delivery
//! queue over email, SMS, in-app and Web Push, and the live in-app stream.

mod api;
mod app;
mod audit;
mod channels;
mod domain;
mod events;
mod push;
mod store;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::client::internal_user_client;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::crypto::EncryptionConfig;
use hms_kit::proto::notification::internal_notification_service_server::InternalNotificationServiceServer;
use hms_kit::proto::notification::notification_service_server::NotificationServiceServer;
use hms_kit::server::{ServiceDef, StoreProbe};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use channels::{EmailConfig, EmailMode, SmsConfig, SmsProviderKind, SmtpTls};
pub use push::{PushConfig, generate_vapid_key};
pub use worker::{Worker, WorkerConfig};

/// Section `[notification]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationConfig {
    pub server: ServerConfig,
    /// `sqlite://data/notification.db` or `mongodb://host:27017/hms_notification`.
    pub store_url: String,
    pub email: EmailConfig,
    pub sms: SmsConfig,
    /// Web Push to the recipients' browsers.
    pub push: PushConfig,
    pub worker: WorkerConfig,
    /// Seals secrets (reset links) in queued deliveries, and push subscriptions.
    pub encryption: EncryptionConfig,
    /// Run delivery workers in this process (turn off for API-only replicas).
    pub workers_enabled: bool,
    /// How often a live subscription re-reads the store (it is also woken at
    /// once by deliveries made in this process).
    #[serde(with = "hms_kit::config::millis", alias = "subscribe_poll_ms")]
    pub subscribe_poll: Duration,
    /// The admin service, whose audit log receives the admins' template
    /// changes; unset, they wait in the store.
    pub admin_url: Option<String>,
}

impl Default for NotificationConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50057).into(), ..ServerConfig::default() },
            store_url: "sqlite://data/notification.db".into(),
            email: EmailConfig::default(),
            sms: SmsConfig::default(),
            push: PushConfig::default(),
            worker: WorkerConfig::default(),
            encryption: EncryptionConfig::default(),
            workers_enabled: true,
            subscribe_poll: Duration::from_millis(250),
            admin_url: None,
        }
    }
}

/// The built service, and its delivery worker (not yet running).
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub worker: Worker,
}

pub async fn build(config: &NotificationConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let tokens = bootstrap::service_tokens(auth, "notification", "(HMS_AUTH__SERVICE_TOKEN_SECRET)")?;
    let sealer = Arc::new(config.encryption.sealer("notification")?);
    let store = store::Store::open(&config.store_url).await?;
    app::seed_templates(&store).await?;

    let auditor = match &config.admin_url {
        Some(url) => Some(audit::TemplateAuditor {
            store: store.clone(),
            sink: hms_kit::admin_audit::AdminActionSink::new(url, tokens.clone())?,
        }),
        None => None,
    };
    let users = internal_user_client(&auth.user_service_url, tokens, Duration::from_secs(5))?;
    let verifier = bootstrap::verifier(auth).await?;

    let push = push::PushSender::from_config(&config.push)?.map(Arc::new);
    let hub = Arc::new(events::Hub::default());
    let state = Arc::new(app::State {
        store: store.clone(),
        sealer: sealer.clone(),
        users: users.clone(),
        hub: hub.clone(),
        subscribe_poll: config.subscribe_poll,
        verifier: verifier.clone(),
        push_public_key: push.as_ref().map(|p| p.public_key().to_owned()),
    });
    let worker = Worker::new(
        store.clone(),
        sealer,
        users,
        Arc::from(channels::mailer(&config.email)?),
        Arc::from(channels::sms_provider(&config.sms)?),
        push,
        hub,
        config.worker.clone(),
        auditor,
    );
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        NotificationServiceServer::new(api::NotificationApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(InternalNotificationServiceServer::new(api::InternalApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "notification",
            routes,
            grpc_names: vec![
                "hms.notification.v1.NotificationService",
                "hms.notification.v1.InternalNotificationService",
            ],
            probe: Arc::new(Probe(store)),
        },
        verifier,
        worker,
    })
}

/// Serves on `listener`, with the delivery worker, until `shutdown` resolves.
pub async fn run(
    config: NotificationConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let built = build(&config, &auth).await?;
    let mut workers = Workers::default();
    if config.workers_enabled {
        let worker = built.worker;
        workers = workers.with(move |stopping| worker.run(stopping.wait()));
    }
    bootstrap::serve(
        Serving { service: built.service, verifier: built.verifier, workers },
        listener,
        &config.server,
        shutdown,
    )
    .await
}

struct Probe(store::Store);

#[async_trait]
impl StoreProbe for Probe {
    async fn ping(&self) -> anyhow::Result<()> {
        Ok(self.0.ping().await?)
    }

    /// The delivery queue is this service's outbox: its backlog and age.
    async fn stats(&self) -> hms_kit::metrics::StoreStats {
        let outbox = match self.0.backlog().await {
            Ok((backlog, oldest)) => Some(hms_kit::metrics::OutboxStats {
                backlog: i64::try_from(backlog).unwrap_or(i64::MAX),
                oldest_age_secs: oldest.map_or(0.0, |at| (hms_kit::time::now_micros() - at).max(0) as f64 / 1e6),
            }),
            Err(e) => {
                tracing::debug!(error = %e, "delivery backlog not read");
                None
            }
        };
        hms_kit::metrics::StoreStats { pool: None, outbox }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_milliseconds_and_their_old_names_still_read() {
        let config: NotificationConfig =
            serde_json::from_str(r#"{"subscribe_poll": 100, "worker": {"claim_ms": 1500, "poll_interval": 20}}"#)
                .unwrap();
        assert_eq!(config.subscribe_poll, Duration::from_millis(100));
        assert_eq!(config.worker.claim_timeout, Duration::from_millis(1500));
        assert_eq!(config.worker.poll_interval, Duration::from_millis(20));
        let old: NotificationConfig = serde_json::from_str(r#"{"subscribe_poll_ms": 100}"#).unwrap();
        assert_eq!(old.subscribe_poll, Duration::from_millis(100));
        let written = serde_json::to_value(NotificationConfig::default()).unwrap();
        assert_eq!(written["worker"]["claim_timeout"], 60_000);
    }
}
