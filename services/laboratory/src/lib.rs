//! The laboratory service (seed 003 §6; docs/design.md): the test catalog,
//! lab orders, samples with accession numbers, results with computed flags,
//! critical values told at once, release after the doctor's review,
//! amendments, result files and the printed report.

mod api;
mod app;
pub mod domain;
mod events;
mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::crypto::EncryptionConfig;
use hms_kit::notify::NotificationSink;
use hms_kit::objects::{Objects, ObjectsConfig};
use hms_kit::outbox::RelayConfig;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::laboratory::laboratory_service_server::LaboratoryServiceServer;
use hms_kit::server::{ServiceDef, StoreProbe};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// Section `[laboratory]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaboratoryConfig {
    pub server: ServerConfig,
    /// `sqlite://data/laboratory.db` or `mongodb://host:27017/hms_laboratory`.
    pub store_url: String,
    /// The clinic's IANA time zone: collection days (accession numbers),
    /// ages at collection and the report's times are its civil ones.
    pub time_zone: String,
    /// The printed report's header.
    pub clinic_name: String,
    pub clinic_address: String,
    /// Load the starter catalog (`data/*.tsv`) into an empty catalog.
    pub seed_catalog: bool,
    /// How often the outbox relay looks for events to deliver.
    #[serde(with = "hms_kit::config::millis", alias = "outbox_poll_ms")]
    pub outbox_poll: Duration,
    /// Where result files go: empty for `files_dir`, `file:///path`, or
    /// `s3://bucket/prefix` with its endpoint and keys.
    pub files: ObjectsConfig,
    /// The directory of result files when `files.url` is empty.
    pub files_dir: PathBuf,
    /// The keys that seal result files (`HMS_LABORATORY__ENCRYPTION__KEYS__K1`).
    pub encryption: EncryptionConfig,
    /// The EHR service: care relationships and encounters are asked of it,
    /// and released results referenced in it. Ordering is refused without it.
    pub ehr_url: Option<String>,
    /// The billing service: a collected order is invoiced there.
    pub billing_url: Option<String>,
    /// The notification service: critical values, results to review,
    /// released and amended results.
    pub notification_url: Option<String>,
    /// The admin service: catalog changes go to its audit log.
    pub admin_url: Option<String>,
}

impl Default for LaboratoryConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50055).into(), ..ServerConfig::default() },
            store_url: "sqlite://data/laboratory.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            clinic_name: "HMS Clinic".into(),
            clinic_address: String::new(),
            seed_catalog: true,
            outbox_poll: Duration::from_millis(500),
            files: ObjectsConfig::default(),
            files_dir: PathBuf::from("data/laboratory-files"),
            encryption: EncryptionConfig::default(),
            ehr_url: None,
            billing_url: None,
            notification_url: None,
            admin_url: None,
        }
    }
}

/// The built service, the verifier its server uses, and its workers (the
/// relay of its events).
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub workers: Workers,
}

/// Connects the store and the file store, loads the starter catalog into an
/// empty one and builds the gRPC service.
pub async fn build(config: &LaboratoryConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("laboratory.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    let store = store::Store::open(&config.store_url).await?;
    let files = Objects::open(&config.files, &config.files_dir, config.encryption.sealer("laboratory")?)?;
    let verifier = bootstrap::verifier(auth).await?;
    let tokens = || bootstrap::service_tokens(auth, "laboratory", "to call the EHR and the user service");
    let ehr = match &config.ehr_url {
        Some(url) => Some(InternalEhrServiceClient::new(hms_kit::client::internal_channel(
            url,
            tokens()?,
            Duration::from_secs(5),
        )?)),
        None => None,
    };
    let users = match auth.service_token_secret {
        Some(_) => {
            Some(hms_kit::client::internal_user_client(&auth.user_service_url, tokens()?, Duration::from_secs(5))?)
        }
        None => None,
    };
    let relay = bootstrap::Receivers::new(auth, "laboratory")
        .route(events::NOTICE_PREFIX, config.notification_url.as_deref(), "the notification service", |url, tokens| {
            NotificationSink::of::<events::Notice>(url, tokens)?.with_display_names(&auth.user_service_url)
        })?
        .route(events::EHR_PREFIX, config.ehr_url.as_deref(), "the EHR service", events::EhrSink::new)?
        .route(events::BILLING_PREFIX, config.billing_url.as_deref(), "the billing service", events::BillingSink::new)?
        .admin_actions(config.admin_url.as_deref())?
        .doc_relay(
            store.docs(),
            store::WITH_EVENTS.to_vec(),
            RelayConfig { poll_interval: config.outbox_poll, ..RelayConfig::default() },
        );
    let state = Arc::new(app::State {
        store: store.clone(),
        ehr,
        users,
        zone,
        files,
        clinic: app::Clinic { name: config.clinic_name.clone(), address: config.clinic_address.clone() },
    });
    if config.seed_catalog {
        state.seed_catalog().await?;
    }
    let workers = match relay {
        Some(relay) => Workers::default().with(move |stopping| relay.run(stopping.wait())),
        None => Workers::default(),
    };
    // A result file of the largest size, with the message around it.
    let limit = config.server.max_message_bytes.max(app::MAX_FILE_BYTES + 64 * 1024);
    let routes = tonic::service::Routes::new(
        LaboratoryServiceServer::new(api::LaboratoryApi(state))
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit),
    );
    Ok(Built {
        service: ServiceDef {
            name: "laboratory",
            routes,
            grpc_names: vec!["hms.laboratory.v1.LaboratoryService"],
            probe: Arc::new(Probe(store)),
        },
        verifier,
        workers,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: LaboratoryConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let built = build(&config, &auth).await?;
    let serving = Serving { service: built.service, verifier: built.verifier, workers: built.workers };
    bootstrap::serve(serving, listener, &config.server, shutdown).await
}

struct Probe(store::Store);

#[async_trait]
impl StoreProbe for Probe {
    async fn ping(&self) -> anyhow::Result<()> {
        Ok(self.0.ping().await?)
    }
}
