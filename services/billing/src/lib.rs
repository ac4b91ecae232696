//! The billing service: invoices for appointments, dispenses and lab orders,
//! payments (card through a payment provider, cash and bank recorded by
//! admins), insurance policies and claims, and the overdue job.
//!
//! Where things are: `api` (one file per proto service, plus `convert`)
//! authorises, validates and converts, then calls a use case in `app`
//! (invoicing, payments, policies, claims, access); `app` orchestrates the
//! pure rules of `domain`, the queries of `store` and the outbox events built
//! by `events`; `overdue` and `reconcile` are the background jobs. `provider`
//! and `companies` are the outside services billing calls (card payments,
//! insurers' companies).

mod api;
mod app;
mod companies;
mod domain;
mod events;
mod overdue;
pub mod provider;
mod reconcile;
mod settings;
mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hms_kit::auth::TokenVerifier;
use hms_kit::bootstrap::{self, Serving, Workers};
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::crypto::EncryptionConfig;
use hms_kit::notify::NotificationSink;
use hms_kit::outbox::{Relay, RelayConfig};
use hms_kit::proto::billing::billing_service_server::BillingServiceServer;
use hms_kit::proto::billing::insurance_provider_service_server::InsuranceProviderServiceServer;
use hms_kit::proto::billing::internal_billing_service_server::InternalBillingServiceServer;
use hms_kit::proto::billing::payment_webhook_service_server::PaymentWebhookServiceServer;
use hms_kit::server::ServiceDef;
use hms_kit::storage::{Db, Migrations};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use companies::{CompanyDirectory, UserServiceCompanies};
pub use overdue::OverdueWorker;
pub use provider::stripe::{StripeClient, StripeConfig, StripeProvider};
pub use provider::vnpay::{VnpayClient, VnpayConfig, VnpayProvider};
pub use provider::{PaymentProvider, Providers, TestProvider};
pub use reconcile::ReconcileWorker;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// Section `[billing]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingConfig {
    pub server: ServerConfig,
    /// `sqlite://data/billing.db` or `mysql://user:pass@host/db`.
    pub database_url: String,
    /// The clinic's IANA time zone: issue and due dates are its dates.
    pub time_zone: String,
    /// Days from issue to due date.
    pub due_days: u32,
    /// Tax on the discounted subtotal, in basis points (1000 = 10%).
    pub tax_basis_points: u32,
    /// Currency of amounts sent without one.
    pub default_currency: String,
    /// The card payment provider of currencies not named in
    /// `payment_providers`: `test` (the shipped development provider) or
    /// `stripe` (with `[billing.stripe]`) or `vnpay` (with `[billing.vnpay]`,
    /// VND only).
    pub payment_provider: String,
    /// Currencies paid through another provider, e.g. `{ USD = "stripe" }`.
    pub payment_providers: BTreeMap<String, String>,
    /// Stripe's keys and address; used when a provider above is `stripe`.
    pub stripe: StripeConfig,
    /// VNPay's terminal, secret and addresses; used when a provider above is `vnpay`.
    pub vnpay: VnpayConfig,
    /// How often card payments left pending are settled with their provider.
    #[serde(with = "hms_kit::config::millis", alias = "reconcile_poll_ms")]
    pub reconcile_poll: Duration,
    /// How long a pending card payment is left to its payer and the
    /// provider's webhooks before it is looked up.
    #[serde(with = "hms_kit::config::millis", alias = "reconcile_grace_ms")]
    pub reconcile_grace: Duration,
    /// How long a payer may take before their unfinished payment is given
    /// up at the provider and its amount freed.
    #[serde(with = "hms_kit::config::millis", alias = "payment_patience_ms")]
    pub payment_patience: Duration,
    /// How long a replayed payment waits for the first request of its
    /// idempotency key to finish before reconciling with the provider.
    #[serde(with = "hms_kit::config::millis", alias = "payment_wait_ms")]
    pub payment_wait: Duration,
    /// How often the overdue job runs.
    #[serde(with = "hms_kit::config::millis", alias = "overdue_poll_ms")]
    pub overdue_poll: Duration,
    /// How often the outbox relay looks for events to deliver.
    #[serde(with = "hms_kit::config::millis", alias = "outbox_poll_ms")]
    pub outbox_poll: Duration,
    /// The notification service; when set, a relay delivers this service's
    /// events (invoice generated, payment successful, claim updated) to it.
    pub notification_url: Option<String>,
    /// The admin service; when set, new invoices' due dates follow the
    /// value an admin stores there (`billing.invoice_due_days`) without a
    /// restart, and `due_days` applies while none is stored.
    /// The relay also delivers this service's admin actions (manual invoices,
    /// discounts, manual payments, cancellations, write-offs, claim decisions)
    /// to its audit log; unset, they wait in the outbox.
    pub admin_url: Option<String>,
    /// Keys sealing insurance policy numbers (`HMS_BILLING__ENCRYPTION__KEYS__K1`).
    pub encryption: EncryptionConfig,
}

impl Default for BillingConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig { listen: ([127, 0, 0, 1], 50056).into(), ..ServerConfig::default() },
            database_url: "sqlite://data/billing.db".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            due_days: 30,
            tax_basis_points: 0,
            default_currency: "VND".into(),
            payment_provider: "test".into(),
            payment_providers: BTreeMap::new(),
            stripe: StripeConfig::default(),
            vnpay: VnpayConfig::default(),
            reconcile_poll: Duration::from_secs(60),
            reconcile_grace: Duration::from_secs(300),
            payment_patience: Duration::from_secs(3600),
            payment_wait: Duration::from_millis(3000),
            overdue_poll: Duration::from_millis(60_000),
            outbox_poll: Duration::from_millis(500),
            notification_url: None,
            admin_url: None,
            encryption: EncryptionConfig::default(),
        }
    }
}

/// The built service, its verifier, the overdue job and, when notification
/// is configured, the relay of its events.
pub struct Built {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub overdue: Arc<OverdueWorker>,
    pub reconcile: Arc<ReconcileWorker>,
    pub relay: Option<Relay>,
}

impl Built {
    /// The service with its workers (the overdue job and, when there is one,
    /// the relay).
    pub fn serving(self) -> Serving {
        let (overdue, reconcile) = (self.overdue, self.reconcile);
        let workers = Workers::default()
            .with(move |stopping| overdue.run(stopping.wait()))
            .with(move |stopping| reconcile.run(stopping.wait()))
            .with_relay(self.relay);
        Serving { service: self.service, verifier: self.verifier, workers }
    }
}

/// What `build_with` takes from outside: the card provider and where
/// insurance providers' companies are looked up.
pub struct Dependencies {
    pub providers: Providers,
    pub companies: Arc<dyn CompanyDirectory>,
}

/// Connects the store and builds the gRPC services with the configured
/// provider and the user service's company directory.
pub async fn build(config: &BillingConfig, auth: &AuthConfig) -> anyhow::Result<Built> {
    let providers = configured_providers(config)?;
    let companies = Arc::new(companies::UserServiceCompanies::new(&auth.user_service_url)?);
    build_with(config, auth, Dependencies { providers, companies }).await
}

impl BillingConfig {
    /// The origins the web app's card step loads scripts and frames from and
    /// calls, for the gateway's Content-Security-Policy: Stripe.js and
    /// Stripe's API when Stripe takes a currency; none for the others (the
    /// test provider stays in the page, VNPay's page is a redirect).
    pub fn browser_payment_origins(&self) -> Vec<String> {
        let uses_stripe =
            std::iter::once(&self.payment_provider).chain(self.payment_providers.values()).any(|name| name == "stripe");
        if !uses_stripe {
            return Vec::new();
        }
        let mut origins: Vec<String> = [&self.stripe.js_url, &self.stripe.api_base]
            .into_iter()
            .filter_map(|url| reqwest::Url::parse(url).ok())
            .map(|url| url.origin().ascii_serialization())
            .collect();
        if origins.iter().any(|o| o == "https://js.stripe.com") {
            // Stripe.js's own frames (Elements, 3-D Secure).
            origins.extend(["https://*.js.stripe.com".to_owned(), "https://hooks.stripe.com".to_owned()]);
        }
        origins.dedup();
        origins
    }
}

/// The providers the configuration switches on.
pub fn configured_providers(config: &BillingConfig) -> anyhow::Result<Providers> {
    let names = std::iter::once(("billing.payment_provider".to_owned(), &config.payment_provider)).chain(
        config.payment_providers.iter().map(|(currency, name)| (format!("billing.payment_providers.{currency}"), name)),
    );
    let mut stripe = None;
    let mut vnpay = None;
    let mut test = None;
    let mut chosen: Vec<(String, Arc<dyn PaymentProvider>)> = Vec::new();
    for (key, name) in names {
        let provider: Arc<dyn PaymentProvider> = match name.as_str() {
            "test" => test.get_or_insert_with(|| Arc::new(TestProvider::default())).clone(),
            "stripe" => match &stripe {
                Some(s) => Arc::clone(s) as Arc<dyn PaymentProvider>,
                None => {
                    let client = StripeClient::new(&config.stripe)?;
                    let made = Arc::new(StripeProvider { client });
                    stripe = Some(made.clone());
                    made
                }
            },
            "vnpay" => match &vnpay {
                Some(v) => Arc::clone(v) as Arc<dyn PaymentProvider>,
                None => {
                    let made = Arc::new(VnpayProvider { client: VnpayClient::new(&config.vnpay)? });
                    vnpay = Some(made.clone());
                    made
                }
            },
            other => anyhow::bail!("{key} {other:?} is not known (expected \"test\", \"stripe\" or \"vnpay\")"),
        };
        chosen.push((key, provider));
    }
    let mut chosen = chosen.into_iter();
    let (_, default) = chosen.next().expect("the default provider comes first");
    let mut providers = Providers::new(default);
    for ((named, _), (_, provider)) in config.payment_providers.iter().zip(chosen) {
        // The environment's keys arrive lower-cased (HMS_BILLING__PAYMENT_PROVIDERS__VND).
        let currency = named.to_ascii_uppercase();
        anyhow::ensure!(
            domain::valid_currency(&currency),
            "billing.payment_providers: {named:?} is not an ISO 4217 code"
        );
        providers = providers.with_currency(&currency, provider);
    }
    if let Some(stripe) = stripe {
        providers = providers.with_stripe(stripe);
    }
    if let Some(vnpay) = vnpay {
        providers = providers.with_vnpay(vnpay);
    }
    Ok(providers)
}

pub async fn build_with(config: &BillingConfig, auth: &AuthConfig, deps: Dependencies) -> anyhow::Result<Built> {
    let zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|e| anyhow::anyhow!("billing.time_zone {:?} is not an IANA zone: {e}", config.time_zone))?;
    anyhow::ensure!(
        domain::valid_currency(&config.default_currency),
        "billing.default_currency must be an ISO 4217 code"
    );
    let sealer = config.encryption.sealer("billing")?;
    let db =
        Db::connect(&config.database_url, &Migrations { sqlite: &SQLITE_MIGRATIONS, mysql: &MYSQL_MIGRATIONS }).await?;
    hms_kit::outbox::ensure_schema(&db).await?;
    let verifier = bootstrap::verifier(auth).await?;
    let relay = bootstrap::Receivers::new(auth, "billing")
        .route("", config.notification_url.as_deref(), "the notification service", |url, tokens| {
            NotificationSink::of::<events::Notice>(url, tokens)?.with_display_names(&auth.user_service_url)
        })?
        .admin_actions(config.admin_url.as_deref())?
        .relay(&db, RelayConfig { poll_interval: config.outbox_poll, ..RelayConfig::default() });
    let overdue = Arc::new(OverdueWorker { db: db.clone(), zone: zone.clone(), poll_interval: config.overdue_poll });
    let configured_due_days = i32::try_from(config.due_days.min(3650)).unwrap_or(30);
    let followed = hms_kit::settings::Followed::start(config.admin_url.as_deref(), "billing", auth, &settings::KEYS)?;
    let due_days = settings::DueDays::new(configured_due_days, followed);
    let state = Arc::new(app::State {
        db: db.clone(),
        zone,
        due_days,
        tax_basis_points: config.tax_basis_points,
        default_currency: config.default_currency.clone(),
        providers: deps.providers,
        companies: deps.companies,
        sealer,
        payment_wait: config.payment_wait,
    });
    let limit = config.server.max_message_bytes;
    let routes = tonic::service::Routes::new(
        InternalBillingServiceServer::new(api::InternalApi(state.clone())).max_decoding_message_size(limit),
    )
    .add_service(BillingServiceServer::new(api::BillingApi(state.clone())).max_decoding_message_size(limit))
    .add_service(PaymentWebhookServiceServer::new(api::WebhookApi(state.clone())).max_decoding_message_size(limit))
    .add_service(InsuranceProviderServiceServer::new(api::InsurerApi(state.clone())).max_decoding_message_size(limit));
    let reconcile = Arc::new(ReconcileWorker {
        state,
        poll_interval: config.reconcile_poll,
        grace: config.reconcile_grace,
        patience: config.payment_patience,
    });
    Ok(Built {
        service: ServiceDef {
            name: "billing",
            routes,
            grpc_names: vec![
                "hms.billing.v1.InternalBillingService",
                "hms.billing.v1.BillingService",
                "hms.billing.v1.InsuranceProviderService",
                "hms.billing.v1.PaymentWebhookService",
            ],
            probe: Arc::new(db),
        },
        verifier,
        overdue,
        reconcile,
        relay,
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: BillingConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bootstrap::serve(build(&config, &auth).await?.serving(), listener, &config.server, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vnpay_for(currency: &str) -> BillingConfig {
        let mut config = BillingConfig::default();
        config.payment_providers.insert(currency.into(), "vnpay".into());
        config.vnpay.tmn_code = "HMSTEST1".into();
        config.vnpay.hash_secret = Some("HMSVNPAYTESTSECRETHMSVNPAYTEST01".into());
        config.vnpay.return_url = "https://hms.example/payments/vnpay/return".into();
        config
    }

    #[test]
    fn currencies_are_named_in_either_case_as_the_environment_gives_them() {
        for named in ["VND", "vnd"] {
            let providers = configured_providers(&vnpay_for(named)).unwrap();
            assert_eq!(providers.for_currency("VND").name(), "vnpay", "{named}");
            assert_eq!(providers.for_currency("USD").name(), "test", "{named}");
        }
        let refused = configured_providers(&vnpay_for("dong")).err().unwrap().to_string();
        assert!(refused.contains("\"dong\" is not an ISO 4217 code"), "{refused}");
    }

    #[test]
    fn stripe_origins_are_allowed_in_the_page_only_when_stripe_takes_payments() {
        let mut config = BillingConfig::default();
        assert!(config.browser_payment_origins().is_empty());
        config.payment_providers.insert("usd".into(), "stripe".into());
        assert_eq!(
            config.browser_payment_origins(),
            ["https://js.stripe.com", "https://api.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
        );
        config.stripe.js_url = "http://127.0.0.1:8420/js.stripe.com/v3/".into();
        config.stripe.api_base = "http://127.0.0.1:8420".into();
        assert_eq!(config.browser_payment_origins(), ["http://127.0.0.1:8420"]);
    }
}
