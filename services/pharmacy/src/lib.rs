//! The pharmacy service: the medication catalog, prescriptions screened
//! against allergies and interactions, verification, dispensing earliest
//! expiry first that never goes below zero, and stock by batch.

mod api;
mod app;
mod domain;
mod events;
mod store;
mod workers;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::notify::NotificationSink;
use hms_kit::outbox::RelayConfig;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::pharmacy::pharmacy_service_server::PharmacyServiceServer;
use hms_kit::server::{ServiceDef, StoreProbe};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// Section `[pharmacy]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PharmacyConfig {
    pub server: ServerConfig,
    /// `sqlite://data/pharmacy.db` or `mongodb://host:27017/hms_pharmacy`.
    pub store_url: String,
    /// The clinic's IANA time zone: a batch expires at the start of its
    /// expiry date there.
    pub time_zone: String,
    /// Where patients collect their medicines, as the notice says.
    pub pickup_location: String,
    /// Load the starter catalog (`data/catalog.tsv`) into an empty catalog.
    pub seed_catalog: bool,
    /// How often the outbox relay looks for events to deliver.
    #[serde(with = "hms_kit::config::millis", alias = "outbox_poll_ms")]
    pub outbox_poll: Duration,
    /// A dispense under way for longer than this was interrupted; the
    /// recovery worker finishes it.
    #[serde(with = "hms_kit::config::millis", alias = "interrupted_after_ms")]
    pub interrupted_after: Duration,
    /// The EHR service: care relationships, encounters and allergies are
    /// asked of it, and prescriptions referenced in it. Prescribing is
    /// refused without it.
    pub ehr_url: Option<String>,
    /// The billing service: each dispense is invoiced there.
    pub billing_url: Option<String>,
    /// The notification service: ready-for-pickup notices to patients and
    /// low-stock alerts to pharmacists.
    pub notification_url: Option<String>,
    /// The admin service: catalog changes go to its audit log.
    pub admin_url: Option<String>,
}

impl Default for PharmacyConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50054).into(), ..ServerConfig::default() },
            store_url: "sqlite://data/pharmacy.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            pickup_location: "the clinic's pharmacy".into(),
            seed_catalog: true,
            outbox_poll: Duration::from_millis(500),
            interrupted_after: Duration::from_secs(30),
            ehr_url: None,
            billing_url: None,
            notification_url: None,
            admin_url: None,
        }
    }
}

/// The built service, the verifier its server uses, and its workers (the
/// relay of its events, the recovery of interrupted dispenses).
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub workers: Workers,
}

/// Connects the store, loads the starter catalog into an empty one and
/// builds the gRPC service.
pub async fn build(config: &PharmacyConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("pharmacy.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    let store = store::Store::open(&config.store_url).await?;
    let verifier = bootstrap::verifier(auth).await?;
    let ehr = match &config.ehr_url {
        Some(url) => {
            let tokens = bootstrap::service_tokens(auth, "pharmacy", "to call the EHR")?;
            Some(InternalEhrServiceClient::new(hms_kit::client::internal_channel(url, tokens, Duration::from_secs(5))?))
        }
        None => None,
    };
    let relay = bootstrap::Receivers::new(auth, "pharmacy")
        .route(events::NOTICE_PREFIX, config.notification_url.as_deref(), "the notification service", |url, tokens| {
            NotificationSink::of::<events::Notice>(url, tokens)?.with_display_names(&auth.user_service_url)
        })?
        .route(events::STOCK_PREFIX, config.notification_url.as_deref(), "the notification service", |url, tokens| {
            events::StockAlertSink::new(url, &auth.user_service_url, tokens)
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
        zone,
        pickup_location: config.pickup_location.clone(),
        interrupted_after: config.interrupted_after,
    });
    if config.seed_catalog {
        state.seed_catalog().await?;
    }
    let workers = workers::workers(state.clone(), relay);
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        PharmacyServiceServer::new(api::PharmacyApi(state)).max_decoding_message_size(limit),
    );
    Ok(Built {
        service: ServiceDef {
            name: "pharmacy",
            routes,
            grpc_names: vec!["hms.pharmacy.v1.PharmacyService"],
            probe: Arc::new(Probe(store)),
        },
        verifier,
        workers,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: PharmacyConfig,
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
