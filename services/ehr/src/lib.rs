//! The EHR service: medical records, encounters (separate documents), care
//! relationships, break-glass access and a hash-chained audit trail of every
//! access to clinical data.

mod api;
mod app;
mod domain;
mod events;
mod store;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::crypto::EncryptionConfig;
use hms_kit::proto::ehr::ehr_service_server::EhrServiceServer;
use hms_kit::proto::ehr::internal_ehr_service_server::InternalEhrServiceServer;
use hms_kit::server::{ServiceDef, StoreProbe};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// Section `[ehr]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EhrConfig {
    pub server: ServerConfig,
    /// `sqlite://data/ehr.db` or `mongodb://host:27017/hms_ehr`.
    pub store_url: String,
    /// The clinic's IANA time zone: "an encounter today" (nurses) is a civil
    /// date in it.
    pub time_zone: String,
    /// How long a break-glass grant lasts.
    pub break_glass_minutes: u64,
    /// How long a completed visit (or an encounter the doctor wrote) keeps
    /// the doctor's care relationship with the patient
    /// (`HMS_EHR__CARE_RETENTION_DAYS`).
    pub care_retention_days: u64,
    /// Keys sealing free-text clinical notes at rest
    /// (`HMS_EHR__ENCRYPTION__KEYS__K1`, base64 of 32 bytes).
    pub encryption: EncryptionConfig,
}

impl Default for EhrConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50053).into(), ..ServerConfig::default() },
            store_url: "sqlite://data/ehr.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            break_glass_minutes: 60,
            care_retention_days: 365,
            encryption: EncryptionConfig::default(),
        }
    }
}

/// The built service and the verifier its server uses.
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
}

/// Connects the store and builds the gRPC services.
pub async fn build(config: &EhrConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("ehr.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    let sealer = config.encryption.sealer("ehr")?;
    let store = store::Store::open(&config.store_url).await?;
    let verifier = bootstrap::verifier(auth).await?;
    let state = Arc::new(app::State {
        store: store.clone(),
        crypt: app::Crypt(sealer),
        zone,
        break_glass: Duration::from_secs(config.break_glass_minutes.saturating_mul(60)),
        care_retention: Duration::from_secs(config.care_retention_days.saturating_mul(86_400)),
    });
    let limit = config.server.max_message_bytes;
    let routes =
        tonic::service::Routes::new(EhrServiceServer::new(api::EhrApi(state.clone())).max_decoding_message_size(limit))
            .add_service(InternalEhrServiceServer::new(api::InternalApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "ehr",
            routes,
            grpc_names: vec!["hms.ehr.v1.EhrService", "hms.ehr.v1.InternalEhrService"],
            probe: Arc::new(Probe(store)),
        },
        verifier,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: EhrConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let built = build(&config, &auth).await?;
    let serving = Serving { service: built.service, verifier: built.verifier, workers: Workers::default() };
    bootstrap::serve(serving, listener, &config.server, shutdown).await
}

struct Probe(store::Store);

#[async_trait]
impl StoreProbe for Probe {
    async fn ping(&self) -> anyhow::Result<()> {
        Ok(self.0.ping().await?)
    }
}
