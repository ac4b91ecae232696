//! A small HMS for notification tests: the real user service (for contacts
//! and tokens), a real SMTP sink, a real HTTP SMS provider, a push service
//! and browsers to subscribe to it (`push`), and the
//! notification service on a chosen document store, which a test can kill
//! and restart.

#![allow(dead_code)]

pub mod push;
pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use hms_kit::config::AuthConfig;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::*;
use hms_kit::proto::user::RegisterRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::testing::{TestDb, TestServer};
use hms_notification::{
    EmailConfig, EmailMode, NotificationConfig, PushConfig, SmsConfig, SmsProviderKind, SmtpTls, WorkerConfig,
};
use hms_testkit::users::{UserService, patient_request, phone_number, register};
use secrecy::SecretString;
use tonic::Status;
use tonic::transport::Channel as GrpcChannel;

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_kit::testing::sms::{Answer, SmsSink};
#[allow(unused_imports)]
pub use hms_testkit::{ADMIN_PASSWORD, Docs, PASSWORD, SERVICE_SECRET as SECRET, authed};
#[allow(unused_imports)]
pub use smtp::{Mode, SmtpSink};

/// The SMS provider account the notification service is configured with.
pub const SMS_ACCOUNT: &str = "ACtest";
pub const SMS_TOKEN: &str = "sms-test-token";
pub const SMS_FROM: &str = "+15005550006";

pub struct World {
    pub user: TestServer,
    _user_db: TestDb,
    _store_dir: Option<tempfile::TempDir>,
    pub sink: SmtpSink,
    pub sms: SmsSink,
    pub auth: AuthConfig,
    pub config: NotificationConfig,
    /// The notification service keeps its address across restarts, so the
    /// user service's relay can reach it.
    address: std::net::SocketAddr,
    listener: Option<tokio::net::TcpListener>,
    user_relay: Option<hms_kit::outbox::Relay>,
    running: Option<(TestServer, tokio::task::JoinHandle<()>)>,
}

impl World {
    pub async fn new(docs: Docs) -> Option<Self> {
        let store = docs.store("notification.db")?;
        let (store_url, store_dir) = (store.url, store.dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let UserService { server: user, db: user_db, auth, relay: user_relay } =
            UserService::start_with(|config| config.notification_url = Some(format!("http://{address}"))).await;

        let sink = SmtpSink::start().await;
        let sms = SmsSink::start().await;
        let config = NotificationConfig {
            store_url,
            email: EmailConfig {
                mode: EmailMode::Smtp,
                smtp_host: "127.0.0.1".into(),
                smtp_port: sink.port,
                smtp_tls: SmtpTls::None,
                smtp_timeout: Duration::from_millis(2_000),
                ..EmailConfig::default()
            },
            sms: SmsConfig {
                provider: SmsProviderKind::Twilio,
                base_url: sms.base_url(),
                account_sid: SMS_ACCOUNT.into(),
                auth_token: Some(SecretString::from(SMS_TOKEN)),
                from: SMS_FROM.into(),
                timeout: Duration::from_millis(1_000),
            },
            worker: WorkerConfig {
                poll_interval: Duration::from_millis(20),
                claim_timeout: Duration::from_millis(1_500),
                max_attempts: 3,
                base_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(200),
                template_wait: Duration::from_millis(100),
                ..WorkerConfig::default()
            },
            // Push is on (a browser is subscribed only where a test says so).
            push: PushConfig {
                vapid_private_key: Some(SecretString::from(hms_notification::generate_vapid_key().unwrap())),
                subject: "mailto:ops@clinic.example".into(),
                timeout: Duration::from_millis(1_000),
                ..PushConfig::default()
            },
            subscribe_poll: Duration::from_millis(100),
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..NotificationConfig::default()
        };
        let mut world = Self {
            user,
            _user_db: user_db,
            _store_dir: store_dir,
            sink,
            sms,
            auth,
            config,
            address,
            listener: Some(listener),
            user_relay,
            running: None,
        };
        world.start().await;
        Some(world)
    }

    /// Starts (or restarts) the notification service and its worker.
    pub async fn start(&mut self) {
        let built = hms_notification::build(&self.config, &self.auth).await.unwrap();
        let listener = match self.listener.take() {
            Some(listener) => listener,
            None => tokio::net::TcpListener::bind(self.address).await.unwrap(),
        };
        let server = TestServer::start_on(listener, built.service, built.verifier, Default::default());
        let worker = tokio::spawn(built.worker.run(std::future::pending()));
        self.running = Some((server, worker));
    }

    /// Starts the user service's outbox relay: from now on its events
    /// (welcome, password reset) go to the notification service.
    pub fn start_user_relay(&mut self) {
        if let Some(relay) = self.user_relay.take() {
            tokio::spawn(relay.run(std::future::pending()));
        }
    }

    pub async fn users(&self) -> UserServiceClient<GrpcChannel> {
        UserServiceClient::new(Self::channel(self.user.url()).await)
    }

    /// Kills the service and its worker abruptly, mid-whatever.
    pub async fn kill(&mut self) {
        if let Some((server, worker)) = self.running.take() {
            worker.abort();
            server.abort().await;
        }
    }

    /// Another replica on the same store: its own server, and its own worker
    /// when `with_worker`.
    pub async fn replica(&self, with_worker: bool) -> (TestServer, Option<tokio::task::JoinHandle<()>>) {
        let built = hms_notification::build(&self.config, &self.auth).await.unwrap();
        let server = TestServer::start(built.service, built.verifier).await;
        (server, with_worker.then(|| tokio::spawn(built.worker.run(std::future::pending()))))
    }

    pub fn url(&self) -> String {
        self.running.as_ref().expect("notification is running").0.url()
    }

    async fn channel(url: String) -> GrpcChannel {
        GrpcChannel::from_shared(url).unwrap().connect().await.unwrap()
    }

    pub async fn internal(&self) -> InternalNotificationServiceClient<GrpcChannel> {
        InternalNotificationServiceClient::new(Self::channel(self.url()).await)
    }

    pub async fn notifications(&self) -> NotificationServiceClient<GrpcChannel> {
        NotificationServiceClient::new(Self::channel(self.url()).await)
    }

    pub fn service_token(&self) -> String {
        hms_testkit::service_token("appointment")
    }

    /// Registers a patient; returns (user id, access token).
    pub async fn patient(&self, username: &str, language: &str) -> (String, String) {
        let request = RegisterRequest {
            phone_number: phone_number("+8490"),
            first_name: "Test".into(),
            preferred_language: language.into(),
            ..patient_request(username)
        };
        register(&self.user.url(), request).await
    }

    /// Turns SMS on for every type: without it nobody is texted (SMS is opt-in).
    pub async fn turn_on_sms(&self, token: &str) {
        let rule = PreferenceRule {
            r#type: NotificationType::Unspecified.into(),
            channel: Channel::Sms.into(),
            enabled: true,
        };
        let preferences = Preferences { rules: vec![rule], language: String::new() };
        let request = UpdatePreferencesRequest { preferences: Some(preferences) };
        self.notifications().await.update_preferences(authed(request, token)).await.unwrap();
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        hms_testkit::login(&self.user.url(), username, password).await
    }

    pub async fn admin_token(&self) -> String {
        hms_testkit::admin_token(&self.user.url()).await
    }

    pub async fn send(
        &self,
        kind: NotificationType,
        recipient: &str,
        channels: &[Channel],
        data: &[(&str, &str)],
        key: &str,
    ) -> Result<SendResponse, Status> {
        let request = SendRequest {
            r#type: kind.into(),
            recipient_id: recipient.into(),
            channel_preferences: channels.iter().map(|c| i32::from(*c)).collect(),
            data: data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            idempotency_key: key.into(),
        };
        self.internal().await.send(authed(request, &self.service_token())).await.map(|r| r.into_inner())
    }

    /// Everything the store holds of `collection`, as its raw documents.
    pub async fn raw_documents(&self, collection: &str) -> Vec<String> {
        let docs = hms_kit::docstore::connect(&self.config.store_url).await.unwrap();
        let query = hms_kit::docstore::Query { filters: vec![], sort: vec![], limit: 10_000, after: None };
        docs.find(collection, &query).await.unwrap().items.into_iter().map(|d| d.body.to_string()).collect()
    }

    /// The files of an embedded (SQLite) store, write-ahead log included;
    /// none for the MongoDB-wire server.
    pub fn store_files(&self) -> Vec<std::path::PathBuf> {
        let Some(dir) = &self._store_dir else { return Vec::new() };
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect()
    }

    /// The admin view of one recipient's deliveries.
    pub async fn deliveries(&self, recipient: &str) -> Vec<Delivery> {
        let request = ListDeliveriesRequest { recipient_id: recipient.into(), ..Default::default() };
        let admin = self.admin_token().await;
        self.notifications().await.list_deliveries(authed(request, &admin)).await.unwrap().into_inner().deliveries
    }

    /// Waits until every delivery of `recipient` has left the queue.
    pub async fn settled(&self, recipient: &str, count: usize) -> Vec<Delivery> {
        for _ in 0..500 {
            let deliveries = self.deliveries(recipient).await;
            let pending = deliveries.iter().any(|d| {
                matches!(d.status(), DeliveryStatus::Queued | DeliveryStatus::Sending | DeliveryStatus::Unspecified)
            });
            if deliveries.len() >= count && !pending {
                return deliveries;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("deliveries of {recipient} never settled: {:?}", self.deliveries(recipient).await);
    }
}

pub type Shared<T> = Arc<T>;

/// A patient's appointment reminder, with what the appointment service sends with it.
pub const REMINDER: NotificationType = NotificationType::AppointmentReminderPatient;
pub const REMINDER_DATA: [(&str, &str); 7] = [
    ("patient_name", "Test Patient"),
    ("doctor_name", "Lan Nguyen"),
    ("service_name", "General consultation"),
    ("appointment_date", "2026-12-07"),
    ("appointment_time", "09:30"),
    ("location", "Room 3"),
    ("appointment_id", "a-1"),
];

/// The notification type most tests send.
pub const REGISTERED: NotificationType = NotificationType::UserRegistered;

/// Runs each named test on SQLite and on the MongoDB-wire server.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        hms_testkit::on_every_store!(start = super::common::World::new, threads = 2; $($name),*);
    };
}
