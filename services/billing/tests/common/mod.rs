//! A small HMS for billing tests: the real user service (tokens, accounts,
//! insurance-provider profiles) on SQLite, the billing service on the backend
//! under test with a shared test payment provider, and optionally the real
//! notification service.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use hms_billing::{BillingConfig, Dependencies, TestProvider, UserServiceCompanies};
use hms_kit::auth::ServiceTokens;
use hms_kit::config::AuthConfig;
use hms_kit::crypto::EncryptionConfig;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::billing::insurance_provider_service_client::InsuranceProviderServiceClient;
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{Delivery, ListNotificationsRequest, NotificationType};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, InsuranceProviderProfile, LoginRequest, Profile, RegisterRequest};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_notification::{EmailConfig, EmailMode, NotificationConfig, WorkerConfig};
use secrecy::SecretString;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

pub const SECRET: &str = "billing-tests-service-secret";
pub const ADMIN_PASSWORD: &str = "billing-tests-admin";
pub const PASSWORD: &str = "correct horse battery";

pub struct Harness {
    pub user: TestServer,
    _user_db: TestDb,
    pub server: TestServer,
    pub db: TestDb,
    pub config: BillingConfig,
    pub auth: AuthConfig,
    pub provider: Arc<TestProvider>,
    pub overdue: Arc<hms_billing::OverdueWorker>,
    admin: String,
    service_token: String,
    relay: Option<tokio::task::JoinHandle<()>>,
    pub notification: Option<Notification>,
    admin_service: Option<AdminService>,
}

/// The admin service (SQLite store), whose configuration the billing
/// service follows.
struct AdminService {
    server: TestServer,
    _db: TestDb,
}

async fn start_admin(auth: &AuthConfig) -> AdminService {
    let db = testing::database(Relational::Sqlite).await.unwrap();
    let config = hms_admin::AdminConfig { database_url: db.url.clone(), ..hms_admin::AdminConfig::default() };
    let built = hms_admin::build(&config, auth).await.expect("build the admin service");
    let server = TestServer::start(built.service, built.verifier).await;
    AdminService { server, _db: db }
}

/// The notification service (SQLite store, file mailer) and its worker.
pub struct Notification {
    pub server: TestServer,
    worker: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Notification {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.abort();
        }
    }
}

pub fn encryption() -> EncryptionConfig {
    let mut config = EncryptionConfig::default();
    config.keys.insert("k1".into(), SecretString::from(hms_kit::auth::random_secret(32).unwrap()));
    config
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

pub async fn start_notification(auth: &AuthConfig) -> Notification {
    let dir = tempfile::tempdir().unwrap();
    let config = NotificationConfig {
        store_url: format!("sqlite://{}", dir.path().join("notification.db").display()),
        email: EmailConfig { mode: EmailMode::File, file_dir: dir.path().join("mail"), ..EmailConfig::default() },
        worker: WorkerConfig {
            poll_interval_ms: 20,
            base_backoff_ms: 50,
            max_backoff_ms: 200,
            ..WorkerConfig::default()
        },
        encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
        ..NotificationConfig::default()
    };
    let built = hms_notification::build(&config, auth).await.expect("build notification service");
    let server = TestServer::start(built.service, built.verifier).await;
    let worker = tokio::spawn(built.worker.run(std::future::pending()));
    Notification { server, worker, _dir: dir }
}

impl Harness {
    pub async fn start(kind: Relational) -> Option<Self> {
        Self::start_full(kind, false).await
    }

    /// With `notifications`, the real notification service runs too and the
    /// billing relay delivers to it.
    pub async fn start_full(kind: Relational, notifications: bool) -> Option<Self> {
        Self::start_services(kind, notifications, false, |_| {}).await
    }

    /// The admin service runs too and the billing service follows its
    /// configuration.
    pub async fn start_with_admin(kind: Relational, adjust: impl FnOnce(&mut BillingConfig)) -> Option<Self> {
        Self::start_services(kind, false, true, adjust).await
    }

    async fn start_services(
        kind: Relational,
        notifications: bool,
        admin_service: bool,
        adjust: impl FnOnce(&mut BillingConfig),
    ) -> Option<Self> {
        // RUST_LOG=hms_kit=debug shows the cause behind an INTERNAL answer.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let db = testing::database(kind).await?;
        let (user, user_db, auth) = start_user().await;
        let notification = if notifications { Some(start_notification(&auth).await) } else { None };
        let admin_service = if admin_service { Some(start_admin(&auth).await) } else { None };
        let mut config = BillingConfig {
            database_url: db.url.clone(),
            notification_url: notification.as_ref().map(|n| n.server.url()),
            admin_url: admin_service.as_ref().map(|a| a.server.url()),
            outbox_poll_ms: 50,
            encryption: encryption(),
            ..BillingConfig::default()
        };
        adjust(&mut config);
        let provider = Arc::new(TestProvider::default());
        let deps = Dependencies {
            provider: provider.clone(),
            companies: Arc::new(UserServiceCompanies::new(&auth.user_service_url).unwrap()),
        };
        let built = hms_billing::build_with(&config, &auth, deps).await.expect("build billing service");
        let relay = built.relay.map(|relay| tokio::spawn(relay.run(std::future::pending())));
        let overdue = built.overdue.clone();
        let server = TestServer::start(built.service, built.verifier).await;
        let admin = login(&user.url(), "admin", ADMIN_PASSWORD).await;
        let service_token = ServiceTokens::new("appointment", &SecretString::from(SECRET)).token().unwrap();
        Some(Self {
            user,
            _user_db: user_db,
            server,
            db,
            config,
            auth,
            provider,
            overdue,
            admin,
            service_token,
            relay,
            notification,
            admin_service,
        })
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
        client.update_system_configuration(authed(request, &self.admin)).await.unwrap();
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.server.url()).unwrap().connect().await.unwrap()
    }

    pub async fn internal(&self) -> InternalBillingServiceClient<Channel> {
        InternalBillingServiceClient::new(self.channel().await)
    }

    pub async fn billing(&self) -> BillingServiceClient<Channel> {
        BillingServiceClient::new(self.channel().await)
    }

    pub async fn insurer(&self) -> InsuranceProviderServiceClient<Channel> {
        InsuranceProviderServiceClient::new(self.channel().await)
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    pub fn service(&self) -> &str {
        &self.service_token
    }

    /// A self-registered patient; returns (user id, access token).
    pub async fn patient(&self, username: &str) -> (String, String) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        let user = users
            .register(RegisterRequest {
                username: username.into(),
                password: PASSWORD.into(),
                email: format!("{username}@example.com"),
                first_name: "Patient".into(),
                last_name: username.into(),
                ..Default::default()
            })
            .await
            .expect("register")
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user.url(), username, PASSWORD).await)
    }

    /// A staff account (any role) created by the admin, with an insurance
    /// company when given; returns (user id, access token).
    pub async fn staff(&self, username: &str, role: Role, company: Option<&str>) -> (String, String) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        let profile = company.map(|c| Profile {
            kind: Some(hms_kit::proto::user::profile::Kind::InsuranceProvider(InsuranceProviderProfile {
                company_name: c.into(),
                contact_email: format!("claims@{username}.example"),
                contact_phone: String::new(),
            })),
        });
        let user = users
            .create_user(authed(
                CreateUserRequest {
                    username: username.into(),
                    password: PASSWORD.into(),
                    email: format!("{username}@clinic.example"),
                    role: role.into(),
                    first_name: "Staff".into(),
                    last_name: username.into(),
                    profile,
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

    /// An appointment invoice of `amount` VND for `patient`.
    pub async fn appointment_invoice(&self, appointment_id: &str, patient: &str, amount: i64) -> Invoice {
        self.internal()
            .await
            .create_invoice_for_appointment(authed(
                appointment_request(appointment_id, patient, amount),
                self.service(),
            ))
            .await
            .expect("create invoice for appointment")
            .into_inner()
            .invoice
            .unwrap()
    }

    pub async fn pay(
        &self,
        token: &str,
        invoice: &str,
        key: &str,
        amount: i64,
        card: &str,
    ) -> Result<PayInvoiceResponse, Status> {
        self.billing()
            .await
            .pay_invoice(authed(
                PayInvoiceRequest {
                    invoice_id: invoice.into(),
                    idempotency_key: key.into(),
                    amount: Some(vnd(amount)),
                    card_token: card.into(),
                },
                token,
            ))
            .await
            .map(|r| r.into_inner())
    }

    pub async fn get(&self, token: &str, invoice: &str) -> Result<GetInvoiceResponse, Status> {
        self.billing()
            .await
            .get_invoice(authed(GetInvoiceRequest { invoice_id: invoice.into() }, token))
            .await
            .map(|r| r.into_inner())
    }

    /// A direct connection to the service's database, for checks at rest.
    pub async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db.url).await.unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        let pool = self.sql().await;
        let row = sqlx::query(sql).fetch_one(&pool).await.unwrap();
        row.try_get(0).unwrap()
    }

    /// The caller's in-app inbox in the notification service.
    pub async fn inbox(&self, token: &str) -> Vec<Delivery> {
        let url = self.notification.as_ref().expect("started with notifications").server.url();
        inbox(&url, token).await
    }

    pub async fn arrived(&self, token: &str, kind: NotificationType, count: usize) -> Vec<Delivery> {
        let url = self.notification.as_ref().expect("started with notifications").server.url();
        arrived(&url, token, kind, count).await
    }
}

pub async fn inbox(url: &str, token: &str) -> Vec<Delivery> {
    let mut client = NotificationServiceClient::connect(url.to_owned()).await.unwrap();
    let request = ListNotificationsRequest {
        page: Some(hms_kit::proto::common::PageRequest { page_size: 500, page_token: String::new() }),
        unread_only: false,
    };
    client.list_notifications(authed(request, token)).await.unwrap().into_inner().notifications
}

/// Waits until the inbox holds `count` messages of `kind`; returns them.
pub async fn arrived(url: &str, token: &str, kind: NotificationType, count: usize) -> Vec<Delivery> {
    for _ in 0..400 {
        let found: Vec<Delivery> = inbox(url, token).await.into_iter().filter(|d| d.r#type() == kind).collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{kind:?} never arrived {count} time(s): {:?}", inbox(url, token).await);
}

pub async fn login(url: &str, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await.unwrap();
    login.into_inner().tokens.unwrap().access_token
}

pub fn vnd(amount: i64) -> Money {
    Money { amount_minor: amount, currency: "VND".into() }
}

pub fn appointment_request(appointment_id: &str, patient: &str, amount: i64) -> CreateInvoiceForAppointmentRequest {
    CreateInvoiceForAppointmentRequest {
        appointment_id: appointment_id.into(),
        patient_id: patient.into(),
        doctor_id: "doctor-1".into(),
        service_id: "service-1".into(),
        service_name: "General check-up".into(),
        price: Some(vnd(amount)),
    }
}

pub fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
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

pub fn today() -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    jiff::Timestamp::now().to_zoned(zone).date()
}

pub fn day(d: jiff::civil::Date) -> hms_kit::proto::google::r#type::Date {
    hms_kit::proto::google::r#type::Date {
        year: i32::from(d.year()),
        month: i32::from(d.month()),
        day: i32::from(d.day()),
    }
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
