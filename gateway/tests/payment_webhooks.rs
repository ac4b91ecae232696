//! A Stripe card payment through the gateway, with Stripe played by
//! `localstripe`: the patient pays over REST, passes 3-D Secure as Stripe.js
//! would, and the payment settles by Stripe's own signed webhook, which localstripe
//! posts to the gateway's `/webhooks/stripe` and the gateway hands to billing.
//! Forged webhooks are answered 400.

mod common;

use std::time::Duration;

use common::*;
use hms_kit::auth::ServiceTokens;
use hms_kit::proto::billing::CreateInvoiceForAppointmentRequest;
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::common::Money;
use hms_kit::testing::{self, Relational, TestServer, authed};
use hms_testkit::stripe::{self, LocalStripe};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_payment_settles_by_the_webhook_through_the_gateway() {
    let Some(localstripe) = LocalStripe::start().await else { return };
    let Behind { stack, gateway, billing, _db } = Behind::start("stripe", |config| {
        config.stripe.api_base = localstripe.url.clone();
        config.stripe.secret_key = Some(stripe::SECRET_KEY.into());
        config.stripe.publishable_key = stripe::PUBLISHABLE_KEY.into();
        config.stripe.webhook_secret = Some(stripe::WEBHOOK_SECRET.into());
    })
    .await;
    localstripe.register_webhook(&format!("{}/webhooks/stripe", gateway.url()), stripe::WEBHOOK_SECRET).await;
    let (token, invoice_id) = invoice_of(&stack, &billing, "stripe").await;

    let http = reqwest::Client::new();
    // The card asks for 3-D Secure, so the payment waits for the payer.
    let card = localstripe.payment_method("4000002760003184").await;
    let pay = http
        .post(format!("{}/api/v1/invoices/{invoice_id}/pay", gateway.url()))
        .bearer_auth(&token)
        .json(&json!({
            "idempotency_key": "gateway-stripe-01",
            "amount": {"amount_minor": 150000, "currency": "VND"},
            "card_token": card,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(pay.status(), StatusCode::OK);
    let started: serde_json::Value = pay.json().await.unwrap();
    assert_eq!(started["payment"]["status"], "PAYMENT_STATUS_PENDING", "{started}");
    let secret = started["payer_action"]["stripe"]["client_secret"].as_str().expect("a client secret").to_owned();
    assert_eq!(started["payer_action"]["stripe"]["publishable_key"], stripe::PUBLISHABLE_KEY);

    // A forged event is refused before anything happens.
    let forged = http
        .post(format!("{}/webhooks/stripe", gateway.url()))
        .header("Stripe-Signature", "t=1,v1=00")
        .body(r#"{"id":"evt_forged","type":"payment_intent.succeeded","data":{"object":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);

    // The payer passes 3-D Secure; Stripe's webhook (not a replay of ours) settles it.
    let (code, confirmed) = localstripe.authenticate(&secret, true).await;
    assert_eq!(code, 200, "{confirmed}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, got) = stack_call(&http, &gateway.url(), &token, &invoice_id).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        if got["invoice"]["status"] == "INVOICE_STATUS_PAID" {
            assert_eq!(got["payments"][0]["status"], "PAYMENT_STATUS_SUCCESS");
            assert_eq!(got["payments"][0]["card_brand"], "visa");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the webhook never settled the payment: {got}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The gateway's test stack with a billing service behind it whose card
/// payments go through `provider`, as `configure` sets it up.
struct Behind {
    stack: Stack,
    gateway: Gateway,
    billing: TestServer,
    _db: testing::TestDb,
}

impl Behind {
    async fn start(provider: &str, configure: impl FnOnce(&mut hms_billing::BillingConfig)) -> Self {
        let stack = Stack::start().await;
        let db = testing::database(Relational::Sqlite).await.unwrap();
        let mut billing_config = hms_billing::BillingConfig {
            database_url: db.url.clone(),
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            payment_provider: provider.into(),
            ..Default::default()
        };
        configure(&mut billing_config);
        let built = hms_billing::build(&billing_config, &stack.auth).await.expect("build billing");
        let billing = TestServer::start(built.service, built.verifier).await;
        let mut config = stack.config.clone();
        config.routes.insert("hms.billing.v1".into(), billing.url());
        let gateway = start_gateway(config, &stack.gateway_auth).await;
        Self { stack, gateway, billing, _db: db }
    }
}

/// A new patient's access token and an invoice of 150,000 VND for them,
/// made as the appointment service would.
async fn invoice_of(stack: &Stack, billing: &TestServer, provider: &str) -> (String, String) {
    let patient = stack.register(&format!("{provider}.payer")).await;
    let token = stack.token(&format!("{provider}.payer"), PASSWORD).await;
    let service = ServiceTokens::new("appointment", &SecretString::from(SERVICE_SECRET)).token().unwrap();
    let request = CreateInvoiceForAppointmentRequest {
        appointment_id: format!("appt-gateway-{provider}"),
        patient_id: patient["id"].as_str().unwrap().into(),
        doctor_id: "doctor-1".into(),
        service_id: "service-1".into(),
        service_name: "General check-up".into(),
        price: Some(Money { amount_minor: 150_000, currency: "VND".into() }),
    };
    let mut internal = InternalBillingServiceClient::connect(billing.url()).await.unwrap();
    let invoice = internal.create_invoice_for_appointment(authed(request, &service)).await.unwrap().into_inner();
    (token, invoice.invoice.unwrap().id)
}

async fn stack_call(http: &reqwest::Client, base: &str, token: &str, invoice: &str) -> (StatusCode, serde_json::Value) {
    let response = http.get(format!("{base}/api/v1/invoices/{invoice}")).bearer_auth(token).send().await.unwrap();
    (response.status(), response.json().await.unwrap_or_default())
}

/// A VNPay payment through the gateway: the patient pays over REST and gets
/// VNPay's payment page; VNPay's IPN (a GET with the signed query) reaches
/// billing through `/webhooks/vnpay/ipn` and is answered with VNPay's JSON
/// and HTTP 200, a forged one with `97`; the return page's REST call then
/// shows the payment settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vnpay_payment_settles_by_the_ipn_through_the_gateway() {
    const SECRET: &str = "HMSVNPAYGATEWAYTESTSECRET0000001";
    let Behind { stack, gateway, billing, _db } = Behind::start("vnpay", |config| {
        config.vnpay.tmn_code = "HMSTEST1".into();
        config.vnpay.hash_secret = Some(SECRET.into());
        config.vnpay.return_url = "https://hms.example/payments/vnpay/return".into();
    })
    .await;
    let (token, invoice_id) = invoice_of(&stack, &billing, "vnpay").await;

    let http = reqwest::Client::new();
    let pay = http
        .post(format!("{}/api/v1/invoices/{invoice_id}/pay", gateway.url()))
        .bearer_auth(&token)
        .json(&json!({"idempotency_key": "gateway-vnpay-01", "amount": {"amount_minor": 150000, "currency": "VND"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(pay.status(), StatusCode::OK);
    let started: serde_json::Value = pay.json().await.unwrap();
    let url = started["payer_action"]["redirect_url"].as_str().expect("VNPay's payment page").to_owned();
    let txn_ref = hms_billing::provider::vnpay::verify_query(SECRET, url.split_once('?').unwrap().1).unwrap().txn_ref;

    // What VNPay sends once the payer has paid.
    let params: std::collections::BTreeMap<String, String> = [
        ("vnp_Amount", "15000000"),
        ("vnp_BankCode", "NCB"),
        ("vnp_PayDate", "20261207103000"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TmnCode", "HMSTEST1"),
        ("vnp_TransactionNo", "14422574"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TxnRef", &txn_ref),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let query = hms_billing::provider::vnpay::signed_query(SECRET, &params);
    let ipn = |query: String| {
        let http = http.clone();
        let url = format!("{}/webhooks/vnpay/ipn?{query}", gateway.url());
        async move {
            let response = http.get(url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "VNPay reads the JSON of a 200");
            let body: serde_json::Value = response.json().await.unwrap();
            (body["RspCode"].as_str().unwrap_or_default().to_owned(), body["Message"].clone())
        }
    };
    let (code, _) = ipn(query.replace("vnp_Amount=15000000", "vnp_Amount=1500000")).await;
    assert_eq!(code, "97", "a tampered IPN");
    let (code, message) = ipn(query.clone()).await;
    assert_eq!((code.as_str(), message), ("00", json!("Confirm Success")));
    let (code, _) = ipn(query.clone()).await;
    assert_eq!(code, "02", "a replay");

    let back = http
        .post(format!("{}/api/v1/payments/vnpay/return", gateway.url()))
        .bearer_auth(&token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::OK);
    let back: serde_json::Value = back.json().await.unwrap();
    assert_eq!(back["payment"]["status"], "PAYMENT_STATUS_SUCCESS", "{back}");
    assert_eq!(back["invoice"]["status"], "INVOICE_STATUS_PAID", "{back}");
}
