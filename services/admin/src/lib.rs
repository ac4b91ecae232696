//! The admin service (seed 003 §8): the typed system configuration with its
//! change history and a watch stream that services follow without a
//! restart, and the append-only, hash-chained admin audit log that every
//! service's admin actions are recorded in.
//!
//! The rooms, as in every service: `api/` (one file per proto service, plus
//! `convert.rs`) → `app/` (the use cases: configuration, audit log,
//! dashboard) → `domain/` (pure rules: the keys and their checks, the audit
//! chain) and `store/` (every query, by resource). `app/watch.rs` is
//! the configuration feed the watches stream from; `workers.rs` the background
//! jobs; `events.rs` the admin-action events other services send here.

mod api;
mod app;
mod domain;
pub mod events;
mod store;
mod workers;

use std::sync::Arc;
use std::time::Duration;

use hms_kit::bootstrap::{self, Serving};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::admin::admin_service_server::AdminServiceServer;
use hms_kit::proto::admin::internal_admin_service_server::InternalAdminServiceServer;
use hms_kit::server::ServiceDef;
use hms_kit::storage::{Db, Migrations};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use app::watch::Feed;
pub use domain::config::Defaults;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// Section `[admin]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    pub server: ServerConfig,
    /// `sqlite://data/admin.db` or `mysql://user:pass@host/db`.
    pub database_url: String,
    /// The value of each system configuration key while an admin has set
    /// none, so a fresh system works with nothing set.
    pub defaults: Defaults,
    /// The services the dashboard reads; a tile whose service has no address
    /// says NOT_CONFIGURED. The user service defaults to `auth.user_service_url`.
    pub appointment_url: Option<String>,
    pub billing_url: Option<String>,
    pub notification_url: Option<String>,
    pub user_url: Option<String>,
    /// Longest wait for each dashboard tile.
    #[serde(with = "hms_kit::config::millis", alias = "dashboard_timeout_ms")]
    pub dashboard_timeout: Duration,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50058).into(), ..ServerConfig::default() },
            database_url: "sqlite://data/admin.db".into(),
            defaults: Defaults::default(),
            appointment_url: None,
            billing_url: None,
            notification_url: None,
            user_url: None,
            dashboard_timeout: Duration::from_millis(2000),
        }
    }
}

/// The built service, its verifier, and the configuration feed (closed when
/// the server stops, so open watches end and the server can drain).
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<hms_kit::auth::TokenVerifier>,
    pub feed: Arc<Feed>,
}

impl Built {
    /// The service with its worker, which closes the feed when stopping begins.
    pub fn serving(self) -> Serving {
        Serving { service: self.service, verifier: self.verifier, workers: workers::workers(self.feed) }
    }
}

/// Checks the defaults, connects the store and builds the gRPC services.
pub async fn build(config: &AdminConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let defaults = config.defaults.resolve().map_err(|problem| anyhow::anyhow!("admin.defaults: {problem}"))?;
    let db =
        Db::connect(&config.database_url, &Migrations { sqlite: &SQLITE_MIGRATIONS, mysql: &MYSQL_MIGRATIONS }).await?;
    let verifier = bootstrap::verifier(auth).await?;
    let registry = Arc::new(app::Registry::new(defaults));
    let feed = Feed::new(db.clone(), registry.clone());
    let dashboard = app::dashboard::Dashboard::new(config, auth)?;
    let state = Arc::new(app::State { db: db.clone(), registry, feed: feed.clone(), dashboard });
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        InternalAdminServiceServer::new(api::InternalApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(AdminServiceServer::new(api::AdminApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "admin",
            routes,
            grpc_names: vec!["hms.admin.v1.InternalAdminService", "hms.admin.v1.AdminService"],
            probe: Arc::new(db),
        },
        verifier,
        feed,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: AdminConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bootstrap::serve(build(&config, &auth).await?.serving(), listener, &config.server, shutdown).await
}
