//! The real admin service (on SQLite), whose configuration services follow
//! and whose audit log records their admin actions.

use hms_admin::AdminConfig;
use hms_kit::config::AuthConfig;
use hms_kit::proto::admin::admin_service_client::AdminServiceClient;
use hms_kit::proto::admin::configuration_value::Kind;
use hms_kit::proto::admin::{
    AuditLogEntry, ConfigurationValue, ListAuditLogsRequest, UpdateSystemConfigurationRequest,
};
use hms_kit::testing::{self, Relational, TestDb, TestServer, authed};

pub struct AdminService {
    pub server: TestServer,
    _db: TestDb,
}

impl AdminService {
    /// On a fresh SQLite database; `auth` reaches the user service.
    pub async fn start(auth: &AuthConfig) -> Self {
        let db = testing::database(Relational::Sqlite).await.expect("a SQLite database");
        let config = AdminConfig { database_url: db.url.clone(), ..AdminConfig::default() };
        let built = hms_admin::build(&config, auth).await.expect("build the admin service");
        Self { server: TestServer::start(built.service, built.verifier).await, _db: db }
    }

    /// On a listener bound already (when the user service must know the
    /// address before this service starts).
    pub async fn start_on(listener: tokio::net::TcpListener, auth: &AuthConfig) -> Self {
        let db = testing::database(Relational::Sqlite).await.expect("a SQLite database");
        let config = AdminConfig { database_url: db.url.clone(), ..AdminConfig::default() };
        let built = hms_admin::build(&config, auth).await.expect("build the admin service");
        let server = TestServer::start_on(listener, built.service, built.verifier, Default::default());
        Self { server, _db: db }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The audit log entries `service` reported, oldest first, as read by
    /// the holder of the admin `token`.
    pub async fn entries(&self, service: &str, token: &str) -> Vec<AuditLogEntry> {
        let mut client = AdminServiceClient::connect(self.url()).await.unwrap();
        let request = ListAuditLogsRequest { service: service.into(), ..Default::default() };
        let mut entries = client.list_audit_logs(authed(request, token)).await.unwrap().into_inner().entries;
        entries.reverse();
        entries
    }

    /// Stores a system configuration value, as the admin of `token`.
    pub async fn configure(&self, token: &str, key: &str, value: Kind, expected_version: i64) {
        let mut client = AdminServiceClient::connect(self.url()).await.unwrap();
        let request = UpdateSystemConfigurationRequest {
            key: key.into(),
            value: Some(ConfigurationValue { kind: Some(value) }),
            expected_version,
            reason: String::new(),
        };
        client.update_system_configuration(authed(request, token)).await.unwrap();
    }
}
