//! `localstripe` (PyPI), a stateful local Stripe server, started per test:
//! billing's Stripe client talks to it as to Stripe, and the tests do what
//! Stripe.js does in the browser (a payment method from a test card, the
//! 3-D Secure step).

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

/// The secret key, publishable key and webhook secret the tests configure;
/// localstripe takes any key.
pub const SECRET_KEY: &str = "sk_test_hms";
pub const PUBLISHABLE_KEY: &str = "pk_test_hms";
pub const WEBHOOK_SECRET: &str = "whsec_hms_test";

pub struct LocalStripe {
    pub url: String,
    http: reqwest::Client,
    _child: tokio::process::Child,
}

impl LocalStripe {
    /// A fresh localstripe on a free port; None (the test skips) when it is
    /// not installed, unless HMS_TEST_REQUIRE_BACKENDS=1.
    pub async fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let spawned = tokio::process::Command::new("localstripe")
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                assert!(
                    !hms_kit::testing::require_backends(),
                    "HMS_TEST_REQUIRE_BACKENDS=1 but localstripe cannot start ({e}); pip install localstripe"
                );
                eprintln!("skipped: localstripe is not installed ({e})");
                return None;
            }
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "localstripe did not listen on {port} within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(Self { url, http: reqwest::Client::new(), _child: child })
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.basic_auth(SECRET_KEY, None::<&str>).send().await.expect("localstripe answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("localstripe answers JSON"))
    }

    /// What Stripe.js does with the card the payer typed into Elements: a
    /// PaymentMethod, whose id is the card token HMS receives.
    pub async fn payment_method(&self, card_number: &str) -> String {
        let (status, method) = self
            .call(self.http.post(format!("{}/v1/payment_methods", self.url)).form(&[
                ("type", "card"),
                ("card[number]", card_number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2034"),
                ("card[cvc]", "123"),
            ]))
            .await;
        assert_eq!(status, 200, "payment method: {method}");
        method["id"].as_str().expect("a payment method id").to_owned()
    }

    /// What Stripe.js does for an intent that asks for 3-D Secure: the payer
    /// completes (or fails) the bank's challenge. The answer's status and body.
    pub async fn authenticate(&self, client_secret: &str, success: bool) -> (u16, Value) {
        let intent_id = client_secret.split("_secret_").next().expect("a client secret names its intent");
        self.call(
            self.http
                .post(format!("{}/v1/payment_intents/{intent_id}/_authenticate", self.url))
                .query(&[("success", if success { "true" } else { "false" })])
                .form(&[("client_secret", client_secret)]),
        )
        .await
    }

    /// Every PaymentIntent localstripe holds.
    pub async fn intents(&self) -> Vec<Value> {
        let (status, list) =
            self.call(self.http.get(format!("{}/v1/payment_intents", self.url)).query(&[("limit", "100")])).await;
        assert_eq!(status, 200, "{list}");
        list["data"].as_array().cloned().unwrap_or_default()
    }

    pub async fn intent(&self, id: &str) -> Value {
        let (status, intent) = self.call(self.http.get(format!("{}/v1/payment_intents/{id}", self.url))).await;
        assert_eq!(status, 200, "{intent}");
        intent
    }

    /// Refunds of an intent.
    pub async fn refunds_of(&self, intent_id: &str) -> Vec<Value> {
        let (status, list) =
            self.call(self.http.get(format!("{}/v1/refunds", self.url)).query(&[("payment_intent", intent_id)])).await;
        assert_eq!(status, 200, "{list}");
        list["data"].as_array().cloned().unwrap_or_default()
    }

    /// Sends every event to `url`, signed with `secret`, as a Stripe
    /// webhook endpoint would be.
    pub async fn register_webhook(&self, url: &str, secret: &str) {
        let response = self
            .http
            .post(format!("{}/_config/webhooks/hms", self.url))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success(), "webhook registration: {}", response.status());
    }
}

/// An event as Stripe sends it, about `object` (a PaymentIntent as Stripe
/// answered it), to sign with `hms_billing`'s signer.
pub fn event(id: &str, event_type: &str, object: &Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id,
        "object": "event",
        "type": event_type,
        "created": 0,
        "data": { "object": object },
    }))
    .expect("JSON")
}
