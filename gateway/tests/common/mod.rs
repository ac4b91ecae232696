//! The real user service (SQLite) and the gateway, both on 127.0.0.1:0.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::time::Duration;

use hms_gateway::{GatewayConfig, RateLimitBackend};
use hms_kit::auth::ServiceTokens;
use hms_kit::config::AuthConfig;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::{Channel, NotificationType, SendRequest};
use hms_kit::testing::authed;
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_user::{InitialAdmin, UserConfig};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const SERVICE_SECRET: &str = "service-secret-for-tests";
pub const PASSWORD: &str = "correct horse battery";

pub struct Gateway {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Gateway {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub struct Stack {
    pub gateway: Gateway,
    pub user: TestServer,
    /// The notification service (SQLite store, file mailer), with its worker.
    pub notification: TestServer,
    _notification_worker: tokio::task::JoinHandle<()>,
    _mail: tempfile::TempDir,
    pub auth: AuthConfig,
    /// The gateway's configuration and credentials (to start a replica).
    pub config: GatewayConfig,
    pub gateway_auth: AuthConfig,
    pub http: reqwest::Client,
    _db: TestDb,
}

/// Test defaults: generous limits so tests only meet the ones they set.
pub fn gateway_config(user_url: &str) -> GatewayConfig {
    let mut config = GatewayConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        routes: BTreeMap::from([("hms.user.v1".to_owned(), user_url.to_owned())]),
        cors_allowed_origins: vec!["http://localhost:3000".into()],
        max_body_bytes: 64 * 1024,
        ..GatewayConfig::default()
    };
    config.rate_limit.backend = RateLimitBackend::Memory;
    config.rate_limit.per_address = 10_000;
    config.rate_limit.per_principal = 10_000;
    config.rate_limit.strict_per_address = 10_000;
    config
}

pub async fn start_gateway(config: GatewayConfig, auth: &AuthConfig) -> Gateway {
    let listener = TcpListener::bind(config.listen).await.expect("bind gateway");
    let addr = listener.local_addr().unwrap();
    let gateway = hms_gateway::build(&config, auth).await.expect("build gateway");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        gateway
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("gateway serve");
    });
    Gateway { addr, stop: Some(stop) }
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut GatewayConfig)) -> Self {
        let db = testing::database(Relational::Sqlite).await.expect("sqlite");
        let user_config = UserConfig {
            database_url: db.url.clone(),
            encryption_keys: BTreeMap::from([(
                "k1".to_owned(),
                SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
            )]),
            initial_admin: InitialAdmin {
                password: Some(SecretString::from(ADMIN_PASSWORD)),
                ..InitialAdmin::default()
            },
            ..UserConfig::default()
        };
        let mut auth =
            AuthConfig { service_token_secret: Some(SecretString::from(SERVICE_SECRET)), ..AuthConfig::default() };
        let built = hms_user::build(&user_config, &auth).await.expect("build user service");
        let user = TestServer::start(built.service, built.verifier).await;
        auth.user_service_url = user.url();

        let mail = tempfile::tempdir().unwrap();
        let notification_config = hms_notification::NotificationConfig {
            store_url: format!("sqlite://{}", mail.path().join("notification.db").display()),
            email: hms_notification::EmailConfig { file_dir: mail.path().join("mail"), ..Default::default() },
            worker: hms_notification::WorkerConfig { poll_interval: Duration::from_millis(20), ..Default::default() },
            subscribe_poll: Duration::from_millis(100),
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..Default::default()
        };
        let built = hms_notification::build(&notification_config, &auth).await.expect("build notification service");
        let notification = TestServer::start(built.service, built.verifier).await;
        let notification_worker = tokio::spawn(built.worker.run(std::future::pending()));

        let mut config = gateway_config(&user.url());
        config.routes.insert("hms.notification.v1".into(), notification.url());
        adjust(&mut config);
        // The gateway never gets the service-token secret.
        let gateway_auth = AuthConfig { service_token_secret: None, ..auth.clone() };
        let gateway = start_gateway(config.clone(), &gateway_auth).await;
        Self {
            gateway,
            user,
            notification,
            _notification_worker: notification_worker,
            _mail: mail,
            auth,
            config,
            gateway_auth,
            http: reqwest::Client::new(),
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.url())
    }

    /// A JSON call; returns the status and the parsed body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        (status, value)
    }

    pub async fn register(&self, username: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/users/register/",
                None,
                Some(json!({
                    "username": username, "password": PASSWORD, "email": format!("{username}@example.com"),
                    "first_name": "Test", "lastName": username,
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["user"].clone()
    }

    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/users/login/", None, Some(json!({"username": username, "password": password})))
            .await
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let (status, body) = self.login(username, password).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["tokens"]["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token("admin", ADMIN_PASSWORD).await
    }
}

/// Queues an in-app notification as another HMS service would.
pub async fn send_in_app(stack: &Stack, user_id: &str, key: &str) {
    let token = ServiceTokens::new("appointment", &SecretString::from(SERVICE_SECRET)).token().unwrap();
    let mut client = InternalNotificationServiceClient::connect(stack.notification.url()).await.unwrap();
    let request = SendRequest {
        r#type: NotificationType::UserRegistered.into(),
        recipient_id: user_id.into(),
        channel_preferences: vec![Channel::InApp.into()],
        data: [("user_name".to_owned(), "An".to_owned())].into(),
        idempotency_key: key.into(),
    };
    client.send(authed(request, &token)).await.unwrap();
}

/// Reads the stream until `marker` has been seen; returns what was read.
pub async fn read_until(response: &mut reqwest::Response, marker: &str) -> String {
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(2), async {
        while !text.contains(marker) {
            let chunk = response.chunk().await.unwrap().expect("the stream stays open");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {marker:?} within 2 s; got {text:?}"));
    text
}

/// Fields named by the BadRequest detail of an error body.
pub fn violated_fields(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .flat_map(|d| d["field_violations"].as_array().cloned().unwrap_or_default())
        .map(|v| v["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub type WebClient = tonic_web::GrpcWebClientService<
    hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        tonic_web::GrpcWebCall<tonic::body::Body>,
    >,
>;

/// A grpc-web client of the gateway (HTTP/1.1, as browsers speak it).
pub fn web_client(s: &Stack) -> (WebClient, http::Uri) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let service = tower::ServiceBuilder::new().layer(tonic_web::GrpcWebClientLayer::new()).service(client);
    (service, s.gateway.url().parse().unwrap())
}
