//! A small HMS for admin tests: the real user service (tokens, accounts) on
//! SQLite and the admin service on the backend under test.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use hms_admin::AdminConfig;
use hms_kit::auth::ServiceTokens;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::admin::admin_service_client::AdminServiceClient;
use hms_kit::proto::admin::configuration_value::Kind;
use hms_kit::proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use hms_kit::proto::admin::{ConfigurationValue, DurationList};
use hms_kit::proto::common::Role;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use secrecy::SecretString;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

pub const SECRET: &str = "admin-tests-service-secret";
pub const ADMIN_PASSWORD: &str = "admin-tests-admin";
pub const PASSWORD: &str = "correct horse battery";

pub struct Harness {
    pub user: TestServer,
    _user_db: TestDb,
    pub server: Option<TestServer>,
    pub db: TestDb,
    pub config: AdminConfig,
    pub auth: AuthConfig,
    pub feed: Arc<hms_admin::Feed>,
    admin: String,
}

/// The user service on SQLite with a known admin password.
pub async fn start_user() -> (TestServer, TestDb, AuthConfig) {
    let user_db = testing::database(Relational::Sqlite).await.unwrap();
    let auth = AuthConfig { service_token_secret: Some(SecretString::from(SECRET)), ..AuthConfig::default() };
    let user_config = hms_user::UserConfig {
        database_url: user_db.url.clone(),
        encryption_keys: BTreeMap::from([(
            "k1".to_owned(),
            SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
        )]),
        initial_admin: hms_user::InitialAdmin {
            password: Some(SecretString::from(ADMIN_PASSWORD)),
            ..Default::default()
        },
        ..hms_user::UserConfig::default()
    };
    let built = hms_user::build(&user_config, &auth).await.unwrap();
    let user = TestServer::start(built.service, built.verifier).await;
    let auth = AuthConfig { user_service_url: user.url(), ..auth };
    (user, user_db, auth)
}

impl Harness {
    pub async fn start(kind: Relational) -> Option<Self> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let db = testing::database(kind).await?;
        let (user, user_db, auth) = start_user().await;
        let config = AdminConfig { database_url: db.url.clone(), ..AdminConfig::default() };
        let built = hms_admin::build(&config, &auth).await.expect("build admin service");
        let feed = built.feed.clone();
        let server = TestServer::start(built.service, built.verifier).await;
        let admin = login(&user.url(), "admin", ADMIN_PASSWORD).await;
        Some(Self { user, _user_db: user_db, server: Some(server), db, config, auth, feed, admin })
    }

    pub fn url(&self) -> String {
        self.server.as_ref().expect("running").url()
    }

    /// Kills the server as a crash would and starts a new one on the same
    /// address and database.
    pub async fn restart(&mut self) {
        let old = self.server.take().expect("running");
        let addr = old.addr;
        old.abort();
        let built = hms_admin::build(&self.config, &self.auth).await.expect("rebuild admin service");
        self.feed = built.feed.clone();
        let mut listener = None;
        for _ in 0..100 {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
        let listener = listener.expect("rebind the admin address");
        self.server = Some(TestServer::start_on(listener, built.service, built.verifier, ServerConfig::default()));
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url()).unwrap().connect().await.unwrap()
    }

    pub async fn admin_client(&self) -> AdminServiceClient<Channel> {
        AdminServiceClient::new(self.channel().await)
    }

    pub async fn internal(&self) -> InternalAdminServiceClient<Channel> {
        InternalAdminServiceClient::new(self.channel().await)
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    pub fn tokens(&self, service: &str) -> Arc<ServiceTokens> {
        Arc::new(ServiceTokens::new(service, &SecretString::from(SECRET)))
    }

    pub fn service(&self, name: &str) -> String {
        self.tokens(name).token().unwrap()
    }

    /// A staff account of `role` created by the admin; returns (id, token).
    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        let user = users
            .create_user(authed(
                CreateUserRequest {
                    username: username.into(),
                    password: PASSWORD.into(),
                    email: format!("{username}@clinic.example"),
                    role: role.into(),
                    first_name: "Staff".into(),
                    last_name: username.into(),
                    ..Default::default()
                },
                &self.admin,
            ))
            .await
            .expect("create staff user")
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user.url(), username, PASSWORD).await)
    }

    /// A direct connection to the service's database, for checks at rest.
    pub async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db.url).await.unwrap()
    }
}

pub async fn login(url: &str, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await.unwrap();
    login.into_inner().tokens.unwrap().access_token
}

pub fn authed<T>(message: T, token: &str) -> Request<T> {
    hms_kit::testing::authed(message, token)
}

pub fn violated_fields(status: &Status) -> Vec<String> {
    let mut fields: Vec<String> = status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default();
    fields.sort();
    fields
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

/// A value as the API carries it, from JSON: a string is `text`, a number
/// `integer`, a list `durations`.
pub fn value(json: serde_json::Value) -> ConfigurationValue {
    let kind = match json {
        serde_json::Value::String(text) => Kind::Text(text),
        serde_json::Value::Number(n) => Kind::Integer(n.as_i64().expect("whole numbers in these tests")),
        serde_json::Value::Array(items) => Kind::Durations(DurationList {
            values: items.into_iter().map(|i| i.as_str().expect("durations as strings").to_owned()).collect(),
        }),
        other => panic!("no value is written as {other}"),
    };
    ConfigurationValue { kind: Some(kind) }
}

/// Runs each named test on SQLite and on MySQL/MariaDB.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(hms_kit::testing::Relational::Sqlite).await } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(hms_kit::testing::Relational::MySql).await } )*
        }
    };
}
