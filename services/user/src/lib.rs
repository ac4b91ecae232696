//! The user service: accounts, authentication, profiles and the
//! authentication audit trail.
//!
//! The rooms: `api/` (one file per proto service, plus `convert.rs`) →
//! `app/` (the use cases: accounts, sessions, passwords, users, audit, keys,
//! directory) → `domain/` (pure rules: validation, password policy, roles'
//! profiles), `store/` (every query, by resource) and `events.rs` (the
//! outbox events and the sink that delivers them). `revocations.rs` is the
//! revocation feed verifiers follow; `settings.rs` the login throttle's
//! limits as an admin sets them.

mod api;
mod app;
mod domain;
mod events;
mod revocations;
mod settings;
mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::{KeySource, PublicKey, TokenSigner, TokenVerifier};
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::outbox::{Relay, RelayConfig};
use hms_kit::proto::user::internal_user_service_server::InternalUserServiceServer;
use hms_kit::proto::user::user_service_server::UserServiceServer;
use hms_kit::server::ServiceDef;
use hms_kit::storage::{Db, Migrations};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use hms_kit::crypto::Sealer;
pub use revocations::RevocationFeed;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// Section `[user]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserConfig {
    pub server: ServerConfig,
    /// `sqlite://data/user.db` or `mysql://user:pass@host/db`.
    pub database_url: String,
    /// Id of the key that seals new sensitive data.
    pub encryption_key_id: String,
    /// Key id to base64 of 32 random bytes; keep old ids for rotation.
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub encryption_keys: BTreeMap<String, SecretString>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub password_reset_ttl_secs: u64,
    /// The page that completes a reset; `?token=…` is appended.
    pub password_reset_url: String,
    /// Failed logins count in a window this long, from the first one.
    pub login_window_secs: u64,
    /// Passwords checked per account in a window (by username and by email
    /// together; a name of no account is counted alike) before further
    /// logins are refused with RESOURCE_EXHAUSTED.
    pub max_failures_per_account: i64,
    /// Failed logins per client address in a window.
    pub max_failures_per_address: i64,
    pub initial_admin: InitialAdmin,
    /// The notification service; when set, a relay delivers this service's
    /// events (welcome and password-reset emails) to it.
    pub notification_url: Option<String>,
    /// The admin service; when set, the login throttle follows the values an
    /// admin stores there (`user.login_throttle.max_failures_per_account`,
    /// `…max_failures_per_address`, `…window_minutes`) without a restart, and
    /// the three settings above apply while none is stored.
    /// The relay also delivers this service's admin actions (users created,
    /// activated, deactivated, role changes) to its audit log; unset, they
    /// wait in the outbox.
    pub admin_url: Option<String>,
}

impl Default for UserConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50051).into(), ..ServerConfig::default() },
            database_url: "sqlite://data/user.db".into(),
            encryption_key_id: "k1".into(),
            encryption_keys: BTreeMap::new(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            password_reset_ttl_secs: 1800,
            password_reset_url: "http://localhost:8080/reset-password".into(),
            login_window_secs: 900,
            max_failures_per_account: 5,
            max_failures_per_address: 50,
            initial_admin: InitialAdmin::default(),
            notification_url: None,
            admin_url: None,
        }
    }
}

/// The administrator created on first start when no ADMIN exists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitialAdmin {
    pub username: String,
    pub email: String,
    /// When absent, a password is generated and printed once.
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub password: Option<SecretString>,
}

impl Default for InitialAdmin {
    fn default() -> Self {
        Self { username: "admin".into(), email: "admin@hms.local".into(), password: None }
    }
}

/// The built service, the verifier its server uses (backed by its own keys
/// and revocations), the revocation feed (to close when stopping), when
/// notification is configured the relay of its events, and the initial
/// administrator if this start created it.
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub revocations: Arc<RevocationFeed>,
    pub relay: Option<Relay>,
    pub initial_admin: Option<CreatedAdmin>,
}

/// The initial administrator, created by this start.
pub struct CreatedAdmin {
    pub username: String,
    /// The password, when it was generated: to be shown once, on the console
    /// only (never to the log pipeline).
    pub generated_password: Option<SecretString>,
}

impl CreatedAdmin {
    /// The lines that show a generated password (none for a configured one).
    pub fn announcement(&self) -> Option<String> {
        let password = self.generated_password.as_ref()?;
        Some(format!(
            "Initial administrator (the password is shown only this once; store it now):\n  \
             username               {}\n  password               {}",
            self.username,
            password.expose_secret()
        ))
    }
}

/// Connects the store, prepares keys and the initial admin, and builds the
/// gRPC services.
pub async fn build(config: &UserConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    anyhow::ensure!(
        !config.encryption_keys.is_empty(),
        "user.encryption_keys is empty: set HMS_USER__ENCRYPTION_KEYS__K1 to base64 of 32 random bytes \
         (e.g. `openssl rand -base64 32`)"
    );
    let keys: Vec<(String, String)> =
        config.encryption_keys.iter().map(|(k, v)| (k.clone(), v.expose_secret().to_owned())).collect();
    let sealer = Sealer::new(&config.encryption_key_id, &keys)?;

    let db =
        Db::connect(&config.database_url, &Migrations { sqlite: &SQLITE_MIGRATIONS, mysql: &MYSQL_MIGRATIONS }).await?;
    hms_kit::outbox::ensure_schema(&db).await?;

    let signing = app::keys::load_or_create_signing_key(&db, &sealer).await?;
    let published = app::keys::published_keys(&db).await?;
    let signer =
        TokenSigner::new(&signing, &auth.issuer, &auth.audience, Duration::from_secs(config.access_token_ttl_secs));
    let revocations = RevocationFeed::new(
        db.clone(),
        Duration::from_secs(config.access_token_ttl_secs),
        config.server.request_timeout,
    );
    let verifier = TokenVerifier::new(
        Arc::new(StoreKeys { db: db.clone() }),
        &auth.issuer,
        &auth.audience,
        auth.service_token_secret.as_ref(),
    )
    .with_revocations(Arc::new(revocations::LocalRevocations(revocations.clone())), auth.revocation_grace);
    verifier.refresh().await?;
    anyhow::ensure!(
        verifier.wait_for_revocations(Duration::from_secs(10)).await,
        "the revoked sessions could not be read from the store"
    );
    let verifier = Arc::new(verifier);

    let configured_throttle = settings::Limits {
        window_secs: config.login_window_secs,
        per_account: config.max_failures_per_account,
        per_address: config.max_failures_per_address,
    };
    let followed = hms_kit::settings::Followed::start(config.admin_url.as_deref(), "user", auth, &settings::KEYS)?;
    let throttle = settings::Throttle::new(configured_throttle, followed);
    let state = Arc::new(app::State {
        db: db.clone(),
        throttle,
        sealer,
        signer,
        published,
        verifier: verifier.clone(),
        revocations: revocations.clone(),
        config: config.clone(),
    });
    let initial_admin = app::accounts::ensure_initial_admin(&state).await?;

    // One relay: admin actions to the admin service, the rest (emails) to the
    // notification service. With neither configured no relay runs and the
    // events wait; with one only, the other's events are parked as failed
    // (see `TopicRouter`), visible in the outbox table.
    let relay = bootstrap::Receivers::new(auth, "user")
        .route("", config.notification_url.as_deref(), "the notification service", |url, tokens| {
            events::notification_sink(url, tokens, Sealer::new(&config.encryption_key_id, &keys)?)
        })?
        .admin_actions(config.admin_url.as_deref())?
        .relay(&db, RelayConfig::default());

    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        UserServiceServer::new(api::UserApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(InternalUserServiceServer::new(api::InternalApi(state)).max_decoding_message_size(limit));
    Ok(Built {
        service: ServiceDef {
            name: "user",
            routes,
            grpc_names: vec!["hms.user.v1.UserService", "hms.user.v1.InternalUserService"],
            probe: Arc::new(db),
        },
        verifier,
        revocations,
        relay,
        initial_admin,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves; a generated
/// initial password is shown on the console.
pub async fn run(
    config: UserConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut built = build(&config, &auth).await?;
    if let Some(announcement) = built.initial_admin.take().and_then(|admin| admin.announcement()) {
        eprintln!("\n{announcement}\n");
    }
    serve(built, &config.server, listener, shutdown).await
}

/// Serves a built service on `listener` until `shutdown` resolves.
pub async fn serve(
    built: Built,
    server: &ServerConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bootstrap::serve(built.serving(), listener, server, shutdown).await
}

impl Built {
    /// The service with its workers: the one that closes the revocation
    /// feed's watches once stopping begins (they never end by themselves,
    /// and the server drains only once they do) and, when there is one, the
    /// relay.
    pub fn serving(self) -> Serving {
        let revocations = self.revocations;
        let workers = Workers::default()
            .with(move |stopping| async move {
                stopping.wait().await;
                revocations.close();
            })
            .with_relay(self.relay);
        Serving { service: self.service, verifier: self.verifier, workers }
    }
}

/// The user service verifies tokens with its own keys, read from its store.
struct StoreKeys {
    db: Db,
}

#[async_trait]
impl KeySource for StoreKeys {
    async fn fetch(&self) -> anyhow::Result<Vec<PublicKey>> {
        app::keys::published_keys(&self.db).await
    }
}
