//! A user service on a real store, served on 127.0.0.1:0, and helpers to call it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use hms_kit::auth::ServiceTokens;
use hms_kit::config::AuthConfig;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::*;
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_user::{InitialAdmin, UserConfig};
use secrecy::SecretString;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const SERVICE_SECRET: &str = "service-secret-for-tests";
pub const PASSWORD: &str = "correct horse battery";

pub struct Harness {
    pub server: TestServer,
    pub db: TestDb,
    pub config: UserConfig,
    pub auth: AuthConfig,
    admin_service: Option<AdminService>,
}

/// The admin service (SQLite store), whose configuration the user service
/// follows.
struct AdminService {
    server: TestServer,
    _db: TestDb,
}

pub fn config(db: &TestDb) -> (UserConfig, AuthConfig) {
    let config = UserConfig {
        database_url: db.url.clone(),
        encryption_keys: BTreeMap::from([(
            "k1".to_owned(),
            SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
        )]),
        initial_admin: InitialAdmin { password: Some(SecretString::from(ADMIN_PASSWORD)), ..InitialAdmin::default() },
        max_failures_per_account: 3,
        ..UserConfig::default()
    };
    let auth = AuthConfig { service_token_secret: Some(SecretString::from(SERVICE_SECRET)), ..AuthConfig::default() };
    (config, auth)
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
        let admin_db = testing::database(Relational::Sqlite).await?;
        let (mut config, auth) = config(&db);
        let user_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.admin_url = Some(format!("http://{}", admin_listener.local_addr().unwrap()));
        let built = hms_user::build(&config, &auth).await.expect("build user service");
        let server = TestServer::start_on(user_listener, built.service, built.verifier, Default::default());
        let auth = AuthConfig { user_service_url: server.url(), ..auth };
        let admin_config =
            hms_admin::AdminConfig { database_url: admin_db.url.clone(), ..hms_admin::AdminConfig::default() };
        let built = hms_admin::build(&admin_config, &auth).await.expect("build the admin service");
        let admin = TestServer::start_on(admin_listener, built.service, built.verifier, Default::default());
        let admin_service = Some(AdminService { server: admin, _db: admin_db });
        Some(Self { server, db, config, auth, admin_service })
    }

    /// Stores a system configuration value in the admin service, as an admin.
    pub async fn configure(&self, key: &str, value: i64, expected_version: i64) {
        use hms_kit::proto::admin::configuration_value::Kind;
        let url = self.admin_service.as_ref().expect("started with the admin service").server.url();
        let mut client = hms_kit::proto::admin::admin_service_client::AdminServiceClient::connect(url).await.unwrap();
        let request = hms_kit::proto::admin::UpdateSystemConfigurationRequest {
            key: key.into(),
            value: Some(hms_kit::proto::admin::ConfigurationValue { kind: Some(Kind::Integer(value)) }),
            expected_version,
            reason: String::new(),
        };
        client.update_system_configuration(authed(request, &self.admin_token().await)).await.unwrap();
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
        ServiceTokens::new("notification", &SecretString::from(SERVICE_SECRET)).token().unwrap()
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
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db.url).await.unwrap()
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

pub use hms_kit::testing::authed;

/// Fields named in the status's BadRequest detail.
pub fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

pub fn reason(status: &Status) -> String {
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, Status>, code: Code) -> Status {
    match result {
        Ok(value) => panic!("expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(status.code(), code, "{status:?}");
            status
        }
    }
}

pub type Shared<T> = Arc<T>;

/// Runs each named test on SQLite and on MySQL/MariaDB.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { if let Some(h) = super::common::Harness::start(hms_kit::testing::Relational::Sqlite).await { super::$name(h).await } } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { if let Some(h) = super::common::Harness::start(hms_kit::testing::Relational::MySql).await { super::$name(h).await } } )*
        }
    };
}
