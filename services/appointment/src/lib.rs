//! The appointment service: the medical service catalog, doctors' schedules
//! and availability, and the appointment lifecycle.
//!
//! Its rooms: `api` (the gRPC handlers, one file per proto service, and the
//! proto conversions) calls `app` (the use cases: booking, availability,
//! lifecycle, catalog, reports), which works with `domain` (pure rules),
//! `store` (every query), `events` (the outbox events and their sinks) and
//! the caches (`cache`) and admin-followed policy (`settings`); `workers`
//! runs the reminders.

mod api;
mod app;
mod cache;
/// The store's ceiling for bookings, printed by the load generator
/// (`benches/booking/main.rs`); only with the `bench` feature.
#[cfg(feature = "bench")]
pub mod ceiling;
mod domain;
mod events;
#[cfg(any(test, feature = "bench"))]
#[path = "../tests/common/rows.rs"]
mod fixtures;
mod settings;
mod store;
mod workers;

use std::sync::Arc;
use std::time::Duration;

use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::notify::NotificationSink;
use hms_kit::outbox::{Relay, RelayConfig};
use hms_kit::proto::appointment::appointment_service_server::AppointmentServiceServer;
use hms_kit::proto::appointment::internal_appointment_service_server::InternalAppointmentServiceServer;
use hms_kit::proto::appointment::schedule_service_server::ScheduleServiceServer;
use hms_kit::server::ServiceDef;
use hms_kit::storage::{Db, Migrations};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// Section `[appointment]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// How far ahead an appointment may be booked or moved, in days; the
    /// calendar offers no slot beyond it.
    pub booking_horizon_days: u32,
    /// Alternatives offered with a refused booking, per kind.
    pub alternatives: usize,
    /// Reminders go out this many seconds before the start.
    pub reminder_offsets_secs: Vec<u64>,
    /// How often the reminder worker looks for due reminders.
    #[serde(with = "hms_kit::config::millis", alias = "reminder_poll_ms")]
    pub reminder_poll: Duration,
    /// How often the outbox relay looks for events to deliver.
    #[serde(with = "hms_kit::config::millis", alias = "outbox_poll_ms")]
    pub outbox_poll: Duration,
    /// The page where a patient leaves feedback; `?appointment_id=…` is appended.
    pub feedback_url: String,
    /// The notification service; when set, a relay delivers this service's
    /// events (confirmations, reminders, …) to it.
    pub notification_url: Option<String>,
    /// The EHR service; when set, confirmations and completions are linked to
    /// it (a planned encounter and the doctor's care relationship).
    pub ehr_url: Option<String>,
    /// The billing service; when set, completing an appointment asks it (via
    /// the outbox) for the appointment's invoice at the catalog price.
    pub billing_url: Option<String>,
    /// The admin service; when set, the notice, the moves allowed and the
    /// reminder offsets follow the values an admin stores there
    /// (`appointment.reschedule_notice_hours`, `appointment.max_reschedules`,
    /// `appointment.reminder_offsets`) without a restart, and
    /// `min_notice_secs`, `max_reschedules` and `reminder_offsets_secs`
    /// apply while none is stored.
    /// The relay also delivers the admins' catalog and schedule changes to its
    /// audit log; unset, they wait in the outbox.
    pub admin_url: Option<String>,
}

impl AppointmentConfig {
    /// The reminder offsets in seconds, as the store plans them.
    pub fn reminder_offsets(&self) -> Vec<i64> {
        self.reminder_offsets_secs.iter().map(|o| i64::try_from(*o).unwrap_or(i64::MAX)).collect()
    }
}

impl Default for AppointmentConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50052).into(), ..ServerConfig::default() },
            database_url: "sqlite://data/appointment.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            min_notice_secs: 2 * 3600,
            max_reschedules: 3,
            booking_horizon_days: 90,
            alternatives: 3,
            reminder_offsets_secs: vec![24 * 3600, 3600],
            reminder_poll: Duration::from_millis(1000),
            outbox_poll: Duration::from_millis(500),
            feedback_url: "http://localhost:8080/feedback".into(),
            notification_url: None,
            ehr_url: None,
            billing_url: None,
            admin_url: None,
        }
    }
}

/// The built service, the verifier its server uses, the reminder worker and,
/// when notification is configured, the relay of its events.
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub reminders: Arc<workers::ReminderWorker>,
    pub relay: Option<Relay>,
}

impl Built {
    /// The service with its workers (reminders and, when there is one, the relay).
    pub fn serving(self) -> Serving {
        let reminders = self.reminders;
        let workers = Workers::default().with(move |stopping| reminders.run(stopping.wait())).with_relay(self.relay);
        Serving { service: self.service, verifier: self.verifier, workers }
    }
}

/// Connects the store, migrated, with the outbox's tables.
async fn connect(database_url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(database_url, &Migrations { sqlite: &SQLITE_MIGRATIONS, mysql: &MYSQL_MIGRATIONS }).await?;
    hms_kit::outbox::ensure_schema(&db).await?;
    Ok(db)
}

/// Connects the store and builds the gRPC services.
pub async fn build(config: &AppointmentConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("appointment.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    let db = connect(&config.database_url).await?;
    let verifier = bootstrap::verifier(auth).await?;
    // One relay delivers every event: notices to the notification service,
    // and, as other receivers are configured, their topics to them.
    let relay = bootstrap::Receivers::new(auth, "appointment")
        .route("", config.notification_url.as_deref(), "the notification service", |url, tokens| {
            NotificationSink::of::<events::Notice>(url, tokens)?.with_display_names(&auth.user_service_url)
        })?
        .route(events::EhrLink::TOPIC_PREFIX, config.ehr_url.as_deref(), "the EHR service", events::EhrSink::new)?
        .route(
            events::BILLING_TOPIC_PREFIX,
            config.billing_url.as_deref(),
            "the billing service",
            events::BillingSink::new,
        )?
        .admin_actions(config.admin_url.as_deref())?
        .relay(&db, RelayConfig { poll_interval: config.outbox_poll, ..RelayConfig::default() });
    let users = match &auth.service_token_secret {
        Some(_) => Some(hms_kit::client::internal_user_client(
            &auth.user_service_url,
            bootstrap::service_tokens(auth, "appointment", "to call the user service")?,
            Duration::from_secs(2),
        )?),
        None => None,
    };
    let configured_policy = domain::status::ChangePolicy {
        min_notice_secs: i64::try_from(config.min_notice_secs).unwrap_or(i64::MAX),
        max_reschedules: i32::try_from(config.max_reschedules).unwrap_or(i32::MAX),
    };
    let followed =
        hms_kit::settings::Followed::start(config.admin_url.as_deref(), "appointment", auth, &settings::KEYS)?;
    let policy = settings::Policy::new(configured_policy, followed);
    let reminders = Arc::new(workers::ReminderWorker::new(
        db.clone(),
        zone.clone(),
        config.reminder_poll,
        policy.reminder_offsets(config.reminder_offsets()),
    ));
    let state = Arc::new(app::State {
        bookings: store::BookingWriter::new(db.clone()),
        db: db.clone(),
        zone,
        zone_name: config.time_zone.clone(),
        policy,
        alternatives: config.alternatives,
        horizon_secs: i64::from(config.booking_horizon_days) * 86_400,
        feedback_url: config.feedback_url.clone(),
        billing: config.billing_url.is_some(),
        users,
        names: cache::NameCache::new(Duration::from_secs(300)),
        display: cache::DisplayCache::new(Duration::from_secs(2)),
        busy: cache::BusyCache::new(Duration::from_secs(2)),
        ehr_links: config.ehr_url.is_some(),
    });
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        ScheduleServiceServer::new(api::ScheduleApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(AppointmentServiceServer::new(api::AppointmentApi(state.clone())).max_decoding_message_size(limit))
    .add_service(InternalAppointmentServiceServer::new(api::InternalApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "appointment",
            routes,
            grpc_names: vec![
                "hms.appointment.v1.ScheduleService",
                "hms.appointment.v1.AppointmentService",
                "hms.appointment.v1.InternalAppointmentService",
            ],
            probe: Arc::new(db),
        },
        verifier,
        reminders,
        relay,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: AppointmentConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bootstrap::serve(build(&config, &auth).await?.serving(), listener, &config.server, shutdown).await
}
