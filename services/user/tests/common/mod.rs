//! A user service on a real store, served on 127.0.0.1:0, and helpers to call it.

#![allow(dead_code)]

use std::sync::Arc;

use hms_kit::config::AuthConfig;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::*;
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_testkit::admin::AdminService;
use hms_user::UserConfig;
use tonic::Status;
use tonic::transport::Channel;

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::{ADMIN_PASSWORD, PASSWORD, SERVICE_SECRET, assert_code, authed, reason, violated_fields};

pub struct Harness {
    pub server: TestServer,
    pub db: TestDb,
    pub config: UserConfig,
    pub auth: AuthConfig,
    admin_service: Option<AdminService>,
}

pub fn config(db: &TestDb) -> (UserConfig, AuthConfig) {
    let config = UserConfig { max_failures_per_account: 3, ..hms_testkit::users::user_config(&db.url) };
    (config, hms_testkit::service_auth())
}

impl Harness {
    pub async fn start(kind: Relational) -> Option<Self> {
        let db = testing::database(kind).await?;
        let (config, auth) = config(&db);
        Some(Self::start_with(db, config, auth).await)
    }

    pub async fn start_with(db: TestDb, config: UserConfig, auth: AuthConfig) -> Self {
        let built = hms_user::build(&config, &auth).await.expect("build user service");
        let server = TestServer::start(built.service, built.verifier).await;
        Self { server, db, config, auth, admin_service: None }
    }

    /// The admin service runs too and the user service follows its
    /// configuration. Each needs the other's address before it starts (the
    /// admin service verifies tokens with the user service's keys), so both
    /// listeners are bound first.
    pub async fn start_with_admin(kind: Relational) -> Option<Self> {
        let db = testing::database(kind).await?;
        let (mut config, auth) = config(&db);
        let user_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.admin_url = Some(format!("http://{}", admin_listener.local_addr().unwrap()));
        let built = hms_user::build(&config, &auth).await.expect("build user service");
        let server = TestServer::start_on(user_listener, built.service, built.verifier, Default::default());
        let auth = AuthConfig { user_service_url: server.url(), ..auth };
        let admin_service = Some(AdminService::start_on(admin_listener, &auth).await);
        Some(Self { server, db, config, auth, admin_service })
    }

    /// Stores a system configuration value in the admin service, as an admin.
    pub async fn configure(&self, key: &str, value: i64, expected_version: i64) {
        use hms_kit::proto::admin::configuration_value::Kind;
        let admin = self.admin_service.as_ref().expect("started with the admin service");
        admin.configure(&self.admin_token().await, key, Kind::Integer(value), expected_version).await;
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.server.url()).unwrap().connect().await.unwrap()
    }

    pub async fn users(&self) -> UserServiceClient<Channel> {
        UserServiceClient::new(self.channel().await)
    }

    pub async fn internal(&self) -> InternalUserServiceClient<Channel> {
        InternalUserServiceClient::new(self.channel().await)
    }

    pub fn service_token(&self) -> String {
        hms_testkit::service_token("notification")
    }

    /// The service's field sealer, to open what it sealed at rest.
    pub fn sealer(&self) -> hms_kit::crypto::Sealer {
        use secrecy::ExposeSecret;
        let keys: Vec<(String, String)> =
            self.config.encryption_keys.iter().map(|(k, v)| (k.clone(), v.expose_secret().to_owned())).collect();
        hms_kit::crypto::Sealer::new(&self.config.encryption_key_id, &keys).unwrap()
    }

    /// A direct connection to the service's database, for checks at rest.
    pub async fn sql(&self) -> sqlx::AnyPool {
        hms_testkit::sql(&self.db).await
    }

    pub async fn register(&self, username: &str) -> User {
        self.users()
            .await
            .register(RegisterRequest {
                username: username.into(),
                password: PASSWORD.into(),
                email: format!("{username}@example.com"),
                first_name: "Test".into(),
                last_name: username.into(),
                ..Default::default()
            })
            .await
            .expect("register")
            .into_inner()
            .user
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse, Status> {
        self.users()
            .await
            .login(LoginRequest { username: username.into(), password: password.into() })
            .await
            .map(|r| r.into_inner())
    }

    pub async fn access_token(&self, username: &str, password: &str) -> String {
        self.login(username, password).await.expect("login").tokens.unwrap().access_token
    }

    pub async fn admin_token(&self) -> String {
        self.access_token("admin", ADMIN_PASSWORD).await
    }
}

pub type Shared<T> = Arc<T>;

/// Runs each named test on SQLite and on MySQL/MariaDB.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        hms_testkit::on_every_backend!(start = super::common::Harness::start, threads = 2; $($name),*);
    };
}
