//! Stripe, intent style, confirmed on the server (API reference:
//! <https://docs.stripe.com/api/payment_intents>, the flow:
//! <https://docs.stripe.com/payments/finalize-payments-on-the-server>, webhooks:
//! <https://docs.stripe.com/webhooks#verify-manually>).
//!
//! The payer types the card into Stripe Elements in the browser, and Stripe.js
//! turns it into a PaymentMethod (`pm_…`): that id is the card token HMS
//! receives. HMS creates the PaymentIntent with it under our payment's id as
//! Stripe's `Idempotency-Key` and confirms it. Most cards settle at once; a
//! card that asks for 3-D Secure leaves the intent `requires_action`, and its
//! client secret goes to the web app, whose Stripe.js runs the bank's step.
//! The outcome then reaches us by the `payment_intent.*` webhook or by the web
//! app's replay, which retrieves the intent. The card number never reaches
//! HMS; the payment method's brand and last four digits do.

use std::time::Duration;

use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use async_trait::async_trait;

use super::{
    Charge, ChargeOutcome, Found, PayerAction, PaymentProvider, ProviderError, RefundOutcome, RefundRequest,
    StartRequest, Started,
};

mod webhook;

pub use webhook::{IntentEvent, WEBHOOK_TOLERANCE_SECS, WebhookError, sign_webhook};

/// Section `[billing.stripe]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeConfig {
    /// The API root; a local Stripe emulator in tests.
    pub api_base: String,
    /// The secret API key (`sk_live_…`, `sk_test_…`).
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub secret_key: Option<SecretString>,
    /// The publishable key (`pk_…`): the only key the web app sees.
    pub publishable_key: String,
    /// Where the web app loads Stripe.js from; a local Stripe emulator's
    /// copy in tests.
    pub js_url: String,
    /// The signing secret of the webhook endpoint (`whsec_…`).
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub webhook_secret: Option<SecretString>,
    /// Longest request to Stripe; past it the outcome is looked up.
    #[serde(with = "hms_kit::config::millis", alias = "timeout_ms")]
    pub timeout: Duration,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com".into(),
            secret_key: None,
            publishable_key: String::new(),
            js_url: "https://js.stripe.com/v3/".into(),
            webhook_secret: None,
            timeout: Duration::from_millis(10_000),
        }
    }
}

/// Stripe API version the requests and the parsing below were written for.
const API_VERSION: &str = "2024-06-20";

/// What Stripe says a PaymentIntent has come to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentState {
    /// Waiting for the payer (payment method, confirmation or 3-D Secure),
    /// or being processed.
    Open,
    Succeeded,
    /// The last attempt failed and the payer may try another card; for us the
    /// payment failed (a new one is started for a new attempt).
    Failed(String),
    Canceled,
}

#[derive(Debug, Clone)]
pub struct Intent {
    pub id: String,
    pub state: IntentState,
    pub amount: i64,
    /// Lower case, as Stripe writes it.
    pub currency: String,
    /// Our payment id (metadata `hms_payment_id`).
    pub payment_id: String,
    pub client_secret: SecretString,
    pub card_brand: String,
    pub card_last4: String,
}

#[derive(Debug, Clone)]
pub struct StripeRefund {
    pub id: String,
    /// `pending`, `succeeded`, `failed`, `canceled` or `requires_action`.
    pub status: String,
    pub amount: i64,
}

pub struct StripeClient {
    http: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    webhook_key: Option<hmac::Key>,
    publishable_key: String,
    js_url: String,
}

impl StripeClient {
    pub fn new(config: &StripeConfig) -> anyhow::Result<Self> {
        let Some(secret_key) = config.secret_key.clone() else {
            anyhow::bail!("billing.stripe.secret_key is required for the Stripe provider");
        };
        if config.publishable_key.is_empty() {
            anyhow::bail!("billing.stripe.publishable_key is required for the Stripe provider");
        }
        let http = reqwest::Client::builder().timeout(config.timeout).build()?;
        Ok(Self {
            http,
            api_base: config.api_base.trim_end_matches('/').to_owned(),
            secret_key,
            webhook_key: config
                .webhook_secret
                .as_ref()
                .map(|s| hmac::Key::new(hmac::HMAC_SHA256, s.expose_secret().as_bytes())),
            publishable_key: config.publishable_key.clone(),
            js_url: config.js_url.clone(),
        })
    }

    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }

    pub fn js_url(&self) -> &str {
        &self.js_url
    }

    /// Creates (or, for a key Stripe has seen, returns again) the intent of
    /// one payment with the payer's payment method, then confirms it (two
    /// calls, each under its own idempotency key, so a retry repeats
    /// neither).
    pub async fn create_and_confirm(
        &self,
        payment_id: &str,
        invoice_id: &str,
        amount_minor: i64,
        currency: &str,
        payment_method: &str,
    ) -> Result<Intent, ProviderError> {
        if !is_stripe_id(payment_method, "pm_") {
            return Err(ProviderError::Rejected("the card token is not a Stripe PaymentMethod (pm_...)".into()));
        }
        let amount = stripe_amount(amount_minor, currency)?;
        let form = [
            ("amount", amount.to_string()),
            ("currency", currency.to_ascii_lowercase()),
            ("payment_method_types[]", "card".to_owned()),
            ("payment_method", payment_method.to_owned()),
            ("metadata[hms_payment_id]", payment_id.to_owned()),
            ("metadata[hms_invoice_id]", invoice_id.to_owned()),
        ];
        let request = self
            .http
            .post(format!("{}/v1/payment_intents", self.api_base))
            .header("Idempotency-Key", payment_id)
            .form(&form);
        let created: RawIntent = self.send(request).await?;
        if created.status != "requires_confirmation" {
            return created.into_intent(currency);
        }
        let request = self
            .http
            .post(format!("{}/v1/payment_intents/{}/confirm", self.api_base, created.id))
            .header("Idempotency-Key", format!("{payment_id}:confirm"));
        match self.send::<RawIntent>(request).await {
            Ok(_) => {}
            // A decline answers 402; the intent then tells why.
            Err(ProviderError::Rejected(_)) => {}
            Err(e) => return Err(e),
        }
        self.retrieve_intent(&created.id, currency).await
    }

    /// The intent as Stripe holds it now, with its payment method's card.
    pub async fn retrieve_intent(&self, intent_id: &str, currency: &str) -> Result<Intent, ProviderError> {
        check_intent_id(intent_id)?;
        let request = self
            .http
            .get(format!("{}/v1/payment_intents/{intent_id}", self.api_base))
            .query(&[("expand[]", "payment_method")]);
        let raw: RawIntent = self.send(request).await?;
        raw.into_intent(currency)
    }

    /// Cancels an intent the payer left; Stripe refuses for one that
    /// succeeded or is processing, which `retrieve_intent` then tells.
    pub async fn cancel_intent(&self, intent_id: &str, currency: &str) -> Result<Intent, ProviderError> {
        check_intent_id(intent_id)?;
        let request = self.http.post(format!("{}/v1/payment_intents/{intent_id}/cancel", self.api_base));
        match self.send::<RawIntent>(request).await {
            Ok(raw) => raw.into_intent(currency),
            Err(ProviderError::Rejected(_)) => self.retrieve_intent(intent_id, currency).await,
            Err(e) => Err(e),
        }
    }

    /// Refunds `amount_minor` of a succeeded intent, once per `refund_id`.
    pub async fn refund(
        &self,
        intent_id: &str,
        refund_id: &str,
        amount_minor: i64,
        currency: &str,
    ) -> Result<StripeRefund, ProviderError> {
        let form = [
            ("payment_intent", intent_id.to_owned()),
            ("amount", stripe_amount(amount_minor, currency)?.to_string()),
            ("metadata[hms_refund_id]", refund_id.to_owned()),
        ];
        let request =
            self.http.post(format!("{}/v1/refunds", self.api_base)).header("Idempotency-Key", refund_id).form(&form);
        let raw: RawRefund = self.send(request).await?;
        Ok(StripeRefund { id: raw.id, status: raw.status, amount: from_stripe_amount(raw.amount, currency) })
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ProviderError> {
        let response = request
            .basic_auth(self.secret_key.expose_secret(), None::<&str>)
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    ProviderError::Timeout
                } else {
                    ProviderError::Unavailable(format!("Stripe: {}", e.without_url()))
                }
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| ProviderError::Unavailable(format!("Stripe: {e}")))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| ProviderError::Unavailable(format!("Stripe answered an unexpected body: {e}")));
        }
        let message =
            serde_json::from_slice::<RawError>(&body).map(|e| e.error.message.unwrap_or_default()).unwrap_or_default();
        if status.as_u16() == 429 || status.is_server_error() {
            Err(ProviderError::Unavailable(format!("Stripe answered {status}: {message}")))
        } else {
            // 4xx other than 429: our request is wrong and will stay wrong.
            Err(ProviderError::Rejected(format!("Stripe answered {status}: {message}")))
        }
    }

    /// Checks a webhook's `Stripe-Signature` against the endpoint's secret
    /// and reads the PaymentIntent event it carries; `Ok(None)` for a
    /// genuine event of another kind, which we acknowledge and ignore.
    pub fn verify_webhook(
        &self,
        signature_header: &str,
        body: &[u8],
        now_secs: i64,
    ) -> Result<Option<IntentEvent>, WebhookError> {
        let key = self.webhook_key.as_ref().ok_or(WebhookError::BadSignature)?;
        webhook::read_event(key, signature_header, body, now_secs)
    }
}

/// Whether `id` has the shape of Stripe's ids of one kind (`pm_…`, `pi_…`):
/// ids go into URL paths and forms, so nothing else passes.
fn is_stripe_id(id: &str, prefix: &str) -> bool {
    id.starts_with(prefix) && id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn check_intent_id(intent_id: &str) -> Result<(), ProviderError> {
    if is_stripe_id(intent_id, "pi_") {
        Ok(())
    } else {
        Err(ProviderError::Rejected(format!("{intent_id:?} is not a PaymentIntent id")))
    }
}

/// Stripe as a [`PaymentProvider`].
pub struct StripeProvider {
    pub client: StripeClient,
}

impl Intent {
    /// The charge it amounts to, once settled.
    pub fn charge(&self) -> Option<Charge> {
        let outcome = match &self.state {
            IntentState::Succeeded => ChargeOutcome::Succeeded,
            IntentState::Failed(reason) => ChargeOutcome::Declined(reason.clone()),
            IntentState::Canceled => ChargeOutcome::Declined("canceled".into()),
            IntentState::Open => return None,
        };
        Some(Charge {
            id: self.id.clone(),
            amount_minor: self.amount,
            currency: self.currency.to_ascii_uppercase(),
            card_brand: self.card_brand.clone(),
            card_last4: self.card_last4.clone(),
            outcome,
        })
    }
}

impl StripeProvider {
    fn confirmation(&self, intent: &Intent) -> PayerAction {
        PayerAction::StripeConfirm {
            client_secret: intent.client_secret.clone(),
            publishable_key: self.client.publishable_key().to_owned(),
        }
    }
}

#[async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    /// The payer's PaymentMethod comes as the card token.
    fn needs_payer(&self) -> bool {
        false
    }

    fn check_card_token(&self, token: &str) -> Result<(), String> {
        if is_stripe_id(token, "pm_") {
            Ok(())
        } else {
            Err("must be a Stripe PaymentMethod id (pm_...) from Stripe.js".into())
        }
    }

    async fn start(&self, request: StartRequest<'_>) -> Result<Started, ProviderError> {
        let intent = self
            .client
            .create_and_confirm(
                request.payment_id,
                request.invoice_id,
                request.amount_minor,
                request.currency,
                request.card_token,
            )
            .await?;
        Ok(match intent.charge() {
            Some(charge) => Started::Done(charge),
            None => Started::WithPayer { action: self.confirmation(&intent), reference: intent.id },
        })
    }

    /// By the intent's id. Without one (the answer to its creation was
    /// lost) there is nothing to look up: starting again under the same
    /// Idempotency-Key answers the intent Stripe made the first time.
    async fn lookup(&self, _payment_id: &str, reference: &str, currency: &str) -> Result<Found, ProviderError> {
        if reference.is_empty() {
            return Ok(Found::Nothing);
        }
        let intent = self.client.retrieve_intent(reference, currency).await?;
        Ok(match intent.charge() {
            Some(charge) => Found::Settled(charge),
            None => Found::Open { action: Some(self.confirmation(&intent)), reference: intent.id },
        })
    }

    async fn abandon(&self, _payment_id: &str, reference: &str, currency: &str) -> Result<Found, ProviderError> {
        if reference.is_empty() {
            return Ok(Found::Nothing);
        }
        let intent = self.client.cancel_intent(reference, currency).await?;
        Ok(match intent.charge() {
            Some(charge) => Found::Settled(charge),
            // Processing: it will settle, by webhook or a later pass.
            None => Found::Open { action: None, reference: intent.id },
        })
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, ProviderError> {
        let refund =
            self.client.refund(request.reference, request.refund_id, request.amount_minor, request.currency).await?;
        Ok(match refund.status.as_str() {
            "succeeded" => RefundOutcome::Succeeded { id: refund.id },
            "failed" | "canceled" => RefundOutcome::Failed { id: refund.id, reason: refund.status },
            // pending, requires_action: Stripe finishes it later.
            _ => RefundOutcome::Pending { id: refund.id },
        })
    }
}

/// Stripe's amount for an amount in HMS's minor unit (ISO 4217's exponent):
/// the same number, except where Stripe's unit differs from ISO's
/// (<https://docs.stripe.com/currencies#special-cases>): ISK, which Stripe
/// counts in hundredths, and the three-decimal currencies, whose last
/// digit Stripe requires to be 0.
pub fn stripe_amount(minor: i64, currency: &str) -> Result<i64, ProviderError> {
    match currency.to_ascii_uppercase().as_str() {
        "ISK" => minor.checked_mul(100).ok_or_else(|| ProviderError::Rejected("amount too large".into())),
        "BHD" | "JOD" | "KWD" | "OMR" | "TND" if minor % 10 != 0 => {
            Err(ProviderError::Rejected(format!("Stripe takes {currency} amounts in multiples of 10 minor units")))
        }
        _ => Ok(minor),
    }
}

fn from_stripe_amount(amount: i64, currency: &str) -> i64 {
    if currency.eq_ignore_ascii_case("ISK") { amount / 100 } else { amount }
}

#[derive(Deserialize)]
struct RawError {
    error: RawErrorBody,
}

#[derive(Deserialize)]
struct RawErrorBody {
    message: Option<String>,
}

#[derive(Deserialize)]
struct RawIntent {
    id: String,
    status: String,
    amount: i64,
    currency: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    #[serde(default)]
    last_payment_error: Option<RawPaymentError>,
    /// An id, or the object when expanded.
    #[serde(default)]
    payment_method: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawPaymentError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct RawRefund {
    id: String,
    status: String,
    amount: i64,
}

impl RawIntent {
    fn into_intent(self, currency: &str) -> Result<Intent, ProviderError> {
        let failure = self.last_payment_error.as_ref().map(|e| {
            e.decline_code.clone().or_else(|| e.code.clone()).or_else(|| e.message.clone()).unwrap_or_default()
        });
        let state = match self.status.as_str() {
            "succeeded" => IntentState::Succeeded,
            "canceled" => IntentState::Canceled,
            // Back to the start after a failed attempt: that attempt failed.
            "requires_payment_method" if failure.is_some() => IntentState::Failed(failure.unwrap_or_default()),
            "requires_payment_method"
            | "requires_confirmation"
            | "requires_action"
            | "processing"
            | "requires_capture" => IntentState::Open,
            other => {
                return Err(ProviderError::Unavailable(format!("Stripe answered an unknown intent status {other:?}")));
            }
        };
        let card = self.payment_method.as_ref().and_then(|pm| pm.get("card"));
        let text =
            |field: &str| card.and_then(|c| c.get(field)).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        Ok(Intent {
            amount: from_stripe_amount(self.amount, currency),
            currency: self.currency,
            payment_id: self.metadata.get("hms_payment_id").cloned().unwrap_or_default(),
            client_secret: SecretString::from(self.client_secret.unwrap_or_default()),
            card_brand: text("brand"),
            card_last4: text("last4"),
            id: self.id,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_stripes_unit_where_it_differs_from_iso() {
        assert_eq!(stripe_amount(150_000, "VND").unwrap(), 150_000);
        assert_eq!(stripe_amount(1_234, "USD").unwrap(), 1_234);
        assert_eq!(stripe_amount(500, "ISK").unwrap(), 50_000);
        assert_eq!(from_stripe_amount(50_000, "isk"), 500);
        assert_eq!(stripe_amount(1_230, "KWD").unwrap(), 1_230);
        assert!(matches!(stripe_amount(1_234, "KWD"), Err(ProviderError::Rejected(_))));
    }

    #[test]
    fn a_failed_attempt_is_a_failure_and_an_unpaid_intent_is_open() {
        let raw = |status: &str, error: Option<&str>| RawIntent {
            id: "pi_1".into(),
            status: status.into(),
            amount: 100,
            currency: "vnd".into(),
            client_secret: None,
            metadata: Default::default(),
            last_payment_error: error.map(|c| RawPaymentError {
                code: Some("card_declined".into()),
                decline_code: Some(c.into()),
                message: None,
            }),
            payment_method: Some(serde_json::json!({"card": {"brand": "visa", "last4": "0002"}})),
        };
        assert_eq!(raw("requires_payment_method", None).into_intent("VND").unwrap().state, IntentState::Open);
        let failed = raw("requires_payment_method", Some("generic_decline")).into_intent("VND").unwrap();
        assert_eq!(failed.state, IntentState::Failed("generic_decline".into()));
        assert_eq!(failed.card_last4, "0002");
        assert_eq!(raw("succeeded", None).into_intent("VND").unwrap().state, IntentState::Succeeded);
        assert!(raw("bogus", None).into_intent("VND").is_err());
    }
}
