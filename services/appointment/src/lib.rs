//! The appointment service: the medical service catalog, doctors' schedules
//! and availability, and the appointment lifecycle.

mod api;
mod domain;
mod store;

use std::sync::Arc;

use hms_kit::auth::TokenVerifier;
use hms_kit::client::GrpcKeySource;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::appointment::appointment_service_server::AppointmentServiceServer;
use hms_kit::proto::appointment::schedule_service_server::ScheduleServiceServer;
use hms_kit::server::ServiceDef;
use hms_kit::storage::{Db, Migrations};
use serde::Deserialize;
use tokio::net::TcpListener;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// Section `[appointment]` of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppointmentConfig {
    pub server: ServerConfig,
    /// `sqlite://data/appointment.db` or `mysql://user:pass@host/db`.
    pub database_url: String,
    /// The clinic's IANA time zone: schedules are wall-clock times in it.
    pub time_zone: String,
    /// Patients may not cancel or move an appointment later than this before
    /// its start.
    pub min_notice_secs: u64,
    /// Moves allowed per appointment.
    pub max_reschedules: u32,
    /// Alternatives offered with a refused booking, per kind.
    pub alternatives: usize,
}

impl Default for AppointmentConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50052).into(), ..ServerConfig::default() },
            database_url: "sqlite://data/appointment.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            min_notice_secs: 2 * 3600,
            max_reschedules: 3,
            alternatives: 3,
        }
    }
}

/// The built service and the verifier its server uses.
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
}

/// Connects the store and builds the gRPC services.
pub async fn build(config: &AppointmentConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("appointment.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    let db =
        Db::connect(&config.database_url, &Migrations { sqlite: &SQLITE_MIGRATIONS, mysql: &MYSQL_MIGRATIONS }).await?;
    let verifier = Arc::new(TokenVerifier::new(
        Arc::new(GrpcKeySource::new(&auth.user_service_url)?),
        &auth.issuer,
        &auth.audience,
        auth.service_token_secret.as_ref(),
    ));
    if let Err(e) = verifier.refresh().await {
        tracing::warn!(error = %e, "token keys not fetched at start");
    }
    let state = Arc::new(api::State {
        db: db.clone(),
        zone,
        zone_name: config.time_zone.clone(),
        policy: domain::status::ChangePolicy {
            min_notice_secs: i64::try_from(config.min_notice_secs).unwrap_or(i64::MAX),
            max_reschedules: i32::try_from(config.max_reschedules).unwrap_or(i32::MAX),
        },
        alternatives: config.alternatives,
    });
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        ScheduleServiceServer::new(api::ScheduleApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(AppointmentServiceServer::new(api::AppointmentApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "appointment",
            routes,
            grpc_names: vec!["hms.appointment.v1.ScheduleService", "hms.appointment.v1.AppointmentService"],
            probe: Arc::new(db),
        },
        verifier,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: AppointmentConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let built = build(&config, &auth).await?;
    hms_kit::server::serve(built.service, listener, &config.server, built.verifier, shutdown).await
}
