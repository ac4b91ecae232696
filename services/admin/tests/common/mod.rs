//! A small HMS for admin tests: the real user service (tokens, accounts) on
//! SQLite and the admin service on the backend under test.

#![allow(dead_code)]

use std::sync::Arc;

use hms_admin::AdminConfig;
use hms_kit::auth::ServiceTokens;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::admin::admin_service_client::AdminServiceClient;
use hms_kit::proto::admin::configuration_value::Kind;
use hms_kit::proto::admin::internal_admin_service_client::InternalAdminServiceClient;
use hms_kit::proto::admin::{ConfigurationValue, DurationList};
use hms_kit::proto::common::Role;
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use tonic::transport::Channel;

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::{
    ADMIN_PASSWORD, PASSWORD, SERVICE_SECRET as SECRET, assert_code, authed, login, reason, start_user,
    violated_fields_sorted as violated_fields,
};

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

impl Harness {
    pub async fn start(kind: Relational) -> Option<Self> {
        hms_testkit::trace();
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
        old.abort().await;
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
        hms_testkit::service_tokens(service)
    }

    pub fn service(&self, name: &str) -> String {
        self.tokens(name).token().unwrap()
    }

    /// A staff account of `role` created by the admin; returns (id, token).
    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        hms_testkit::staff(&self.user.url(), &self.admin, username, role).await
    }

    /// A direct connection to the service's database, for checks at rest.
    pub async fn sql(&self) -> sqlx::AnyPool {
        hms_testkit::sql(&self.db).await
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
#[allow(unused_imports)]
pub use hms_testkit::on_every_backend;
