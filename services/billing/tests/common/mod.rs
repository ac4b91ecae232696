//! A small HMS for billing tests: the real user service (tokens, accounts,
//! insurance-provider profiles) on SQLite, the billing service on the backend
//! under test with a shared test payment provider, and optionally the real
//! notification service.

#![allow(dead_code)]

use std::sync::Arc;

use hms_billing::{BillingConfig, Dependencies, Providers, ReconcileWorker, TestProvider, UserServiceCompanies};
use hms_kit::config::AuthConfig;
use hms_kit::crypto::EncryptionConfig;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::billing::insurance_provider_service_client::InsuranceProviderServiceClient;
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::billing::payment_webhook_service_client::PaymentWebhookServiceClient;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::notification::{Delivery, NotificationType};
use hms_kit::proto::user::{CreateUserRequest, InsuranceProviderProfile, Profile};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_testkit::admin::AdminService;
use hms_testkit::users::{create_user, staff_request};
use tonic::Status;
use tonic::transport::Channel;

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::notification::{Notification, arrived, inbox};
#[allow(unused_imports)]
pub use hms_testkit::{
    ADMIN_PASSWORD, PASSWORD, SERVICE_SECRET as SECRET, assert_code, authed, login, on_every_backend, reason,
    start_user, violated_fields_sorted as violated_fields,
};

pub struct Harness {
    pub user: TestServer,
    _user_db: TestDb,
    pub server: TestServer,
    pub db: TestDb,
    pub config: BillingConfig,
    pub auth: AuthConfig,
    pub provider: Arc<TestProvider>,
    pub reconcile: Arc<ReconcileWorker>,
    pub overdue: Arc<hms_billing::OverdueWorker>,
    admin: String,
    service_token: String,
    relay: Option<tokio::task::JoinHandle<()>>,
    pub notification: Option<Notification>,
    admin_service: Option<AdminService>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.abort();
        }
    }
}

pub fn encryption() -> EncryptionConfig {
    EncryptionConfig::random().unwrap()
}

pub async fn start_notification(auth: &AuthConfig) -> Notification {
    Notification::start(auth, None).await
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

    /// The billing service as `adjust` configures it (its providers, say).
    pub async fn start_configured(kind: Relational, adjust: impl FnOnce(&mut BillingConfig)) -> Option<Self> {
        Self::start_services(kind, false, false, adjust).await
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
        hms_testkit::trace();
        let db = testing::database(kind).await?;
        let (user, user_db, auth) = start_user().await;
        let notification = if notifications { Some(start_notification(&auth).await) } else { None };
        let admin_service = if admin_service { Some(AdminService::start(&auth).await) } else { None };
        let mut config = BillingConfig {
            database_url: db.url.clone(),
            notification_url: notification.as_ref().map(|n| n.server.url()),
            admin_url: admin_service.as_ref().map(|a| a.url()),
            outbox_poll: std::time::Duration::from_millis(50),
            encryption: encryption(),
            ..BillingConfig::default()
        };
        adjust(&mut config);
        let provider = Arc::new(TestProvider::default());
        // The shared test provider unless the test configured others.
        let providers = if config.payment_provider == "test" && config.payment_providers.is_empty() {
            Providers::new(provider.clone())
        } else {
            hms_billing::configured_providers(&config).expect("configured providers")
        };
        let deps =
            Dependencies { providers, companies: Arc::new(UserServiceCompanies::new(&auth.user_service_url).unwrap()) };
        let built = hms_billing::build_with(&config, &auth, deps).await.expect("build billing service");
        let relay = built.relay.map(|relay| tokio::spawn(relay.run(std::future::pending())));
        let overdue = built.overdue.clone();
        let reconcile = built.reconcile.clone();
        let server = TestServer::start(built.service, built.verifier).await;
        let admin = hms_testkit::admin_token(&user.url()).await;
        let service_token = hms_testkit::service_token("appointment");
        Some(Self {
            user,
            _user_db: user_db,
            server,
            db,
            config,
            auth,
            provider,
            overdue,
            reconcile,
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
        let admin = self.admin_service.as_ref().expect("started with the admin service");
        admin.configure(&self.admin, key, Kind::Integer(value), expected_version).await;
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.server.url()).unwrap().connect().await.unwrap()
    }

    pub async fn internal(&self) -> InternalBillingServiceClient<Channel> {
        InternalBillingServiceClient::new(self.channel().await)
    }

    pub async fn webhooks(&self) -> PaymentWebhookServiceClient<Channel> {
        PaymentWebhookServiceClient::new(self.channel().await)
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
        hms_testkit::patient(&self.user.url(), username).await
    }

    /// A staff account (any role) created by the admin, with an insurance
    /// company when given; returns (user id, access token).
    pub async fn staff(&self, username: &str, role: Role, company: Option<&str>) -> (String, String) {
        let profile = company.map(|c| Profile {
            kind: Some(hms_kit::proto::user::profile::Kind::InsuranceProvider(InsuranceProviderProfile {
                company_name: c.into(),
                contact_email: format!("claims@{username}.example"),
                contact_phone: String::new(),
            })),
        });
        let request = CreateUserRequest { profile, ..staff_request(username, role) };
        create_user(&self.user.url(), &self.admin, request).await
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
        hms_testkit::sql(&self.db).await
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
