//! The real notification service for other services' tests: a SQLite store,
//! a file mailer, optionally an HTTP SMS provider, and its worker; and the
//! in-app inbox it keeps.

use std::time::Duration;

use hms_kit::config::AuthConfig;
use hms_kit::proto::common::PageRequest;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{Delivery, ListNotificationsRequest, NotificationType};
use hms_kit::testing::{TestServer, authed};
use hms_notification::{EmailConfig, EmailMode, NotificationConfig, SmsConfig, SmsProviderKind, WorkerConfig};
use secrecy::SecretString;

/// The service and its worker, stopped on drop.
pub struct Notification {
    pub server: TestServer,
    worker: tokio::task::JoinHandle<()>,
    dir: tempfile::TempDir,
}

impl Drop for Notification {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

impl Notification {
    /// With text messages sent to the Twilio-like provider at `sms_base_url`
    /// when given; `auth` reaches the user service.
    pub async fn start(auth: &AuthConfig, sms_base_url: Option<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let sms = match sms_base_url {
            Some(base_url) => SmsConfig {
                provider: SmsProviderKind::Twilio,
                base_url,
                account_sid: "ACtests".into(),
                auth_token: Some(SecretString::from("hms-tests-sms-token")),
                from: "HMS".into(),
                timeout: Duration::from_millis(2_000),
            },
            None => SmsConfig::default(),
        };
        let config = NotificationConfig {
            store_url: format!("sqlite://{}", dir.path().join("notification.db").display()),
            email: EmailConfig { mode: EmailMode::File, file_dir: dir.path().join("mail"), ..EmailConfig::default() },
            sms,
            worker: WorkerConfig {
                poll_interval: Duration::from_millis(20),
                base_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(200),
                ..WorkerConfig::default()
            },
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..NotificationConfig::default()
        };
        let built = hms_notification::build(&config, auth).await.expect("build notification service");
        let server = TestServer::start(built.service, built.verifier).await;
        let worker = tokio::spawn(built.worker.run(std::future::pending()));
        Self { server, worker, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The emails written so far, each as its .eml text.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail")) else { return Vec::new() };
        entries.flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()
    }
}

/// The in-app inbox of the holder of `token`, in the service at `url`.
pub async fn inbox(url: &str, token: &str) -> Vec<Delivery> {
    let mut client = NotificationServiceClient::connect(url.to_owned()).await.unwrap();
    let request = ListNotificationsRequest {
        page: Some(PageRequest { page_size: 500, page_token: String::new() }),
        unread_only: false,
    };
    client.list_notifications(authed(request, token)).await.unwrap().into_inner().notifications
}

/// Waits until the inbox holds `count` messages of `kind`; returns them.
pub async fn arrived(url: &str, token: &str, kind: NotificationType, count: usize) -> Vec<Delivery> {
    for _ in 0..800 {
        let found: Vec<Delivery> = inbox(url, token).await.into_iter().filter(|d| d.r#type() == kind).collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{kind:?} never arrived {count} time(s): {:?}", inbox(url, token).await);
}
