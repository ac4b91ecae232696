//! Card payments go through a [`PaymentProvider`], chosen per currency or
//! by configuration. Every payment carries our payment id as its
//! idempotency key, so a payment whose answer was lost (a time-out) is found
//! again with [`PaymentProvider::lookup`] instead of being made twice.
//!
//! Providers work in one of two ways. A card token (the shipped
//! [`TestProvider`]) is charged at once. Stripe ([`stripe`]) and VNPay ([`vnpay`]) need
//! the payer in the browser: starting the payment answers a
//! [`PayerAction`], and the outcome arrives later by webhook or lookup.
//!
//! [`TestProvider`]'s behaviour follows the card token, as a sandbox's test
//! cards do: `tok_<behaviour>_<last4>` with behaviour `ok`, `decline` or
//! `timeout` (the charge goes through but the answer is lost).

pub mod stripe;
pub mod vnpay;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use secrecy::SecretString;

/// A charge as the provider holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's transaction id.
    pub id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub card_brand: String,
    pub card_last4: String,
    pub outcome: ChargeOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded,
    Declined(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// No answer: the charge may or may not have been made.
    #[error("the payment provider did not answer in time")]
    Timeout,
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused our request as it is (it will not succeed later).
    #[error("the payment provider refused the request: {0}")]
    Rejected(String),
}

pub struct ChargeRequest<'a> {
    /// Our payment's idempotency key; the provider makes one charge per key.
    pub idempotency_key: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub card_token: &'a str,
}

/// What the payer does in the browser to finish a payment.
#[derive(Debug, Clone)]
pub enum PayerAction {
    /// Confirm the PaymentIntent with Stripe.js (Stripe Elements), which
    /// runs any 3-D Secure step.
    StripeConfirm { client_secret: SecretString, publishable_key: String },
    /// Follow the URL to the provider's payment page; it sends the payer
    /// back to the web app.
    Redirect { url: String },
}

/// How a started payment goes on.
#[derive(Debug, Clone)]
pub enum Started {
    /// Charged or declined at once.
    Done(Charge),
    /// The payer finishes it; `reference` is the provider's id for it.
    WithPayer { reference: String, action: PayerAction },
}

/// What the provider knows of a payment.
#[derive(Debug, Clone)]
pub enum Found {
    /// Never started there.
    Nothing,
    /// Started, not settled: the payer may still act.
    Open {
        reference: String,
        action: Option<PayerAction>,
    },
    Settled(Charge),
}

/// A payment as HMS asks a provider to start it.
pub struct StartRequest<'a> {
    /// Our payment id: the provider's idempotency key.
    pub payment_id: &'a str,
    pub invoice_id: &'a str,
    /// The invoice's number, which the payer sees on the provider's page.
    pub invoice_number: &'a str,
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: &'a str,
    /// A card token, for providers that charge one at once; empty otherwise.
    pub card_token: &'a str,
}

/// A refund as HMS asks a provider to make it.
pub struct RefundRequest<'a> {
    /// Our refund id: the provider's idempotency key.
    pub refund_id: &'a str,
    pub payment_id: &'a str,
    /// The provider's id of the payment (charge, intent).
    pub reference: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// What the provider made of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded {
        id: String,
    },
    /// Accepted, not done yet (some card networks take days).
    Pending {
        id: String,
    },
    Failed {
        id: String,
        reason: String,
    },
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Stored with each payment, so its lookups and refunds go back here.
    fn name(&self) -> &'static str;
    /// Whether the payer's browser finishes payments (no card token then).
    fn needs_payer(&self) -> bool;
    /// Why `token` cannot be this provider's card token, if it cannot.
    fn check_card_token(&self, token: &str) -> Result<(), String> {
        match (self.needs_payer(), token.is_empty()) {
            (true, false) => Err(format!("must be empty: the payer pays on {}'s own page", self.name())),
            (false, true) => Err("is required (a token from the payment provider)".into()),
            _ => Ok(()),
        }
    }
    async fn start(&self, request: StartRequest<'_>) -> Result<Started, ProviderError>;
    /// What became of payment `payment_id`; `reference` is the provider's id
    /// for it when one was stored, empty when the answer to the start was lost.
    async fn lookup(&self, payment_id: &str, reference: &str, currency: &str) -> Result<Found, ProviderError>;
    /// Gives up a payment the payer left unfinished (superseded by a new
    /// attempt, or older than the reconciliation's patience), so its amount
    /// is free again; what it came to (it may have succeeded meanwhile).
    async fn abandon(&self, payment_id: &str, reference: &str, currency: &str) -> Result<Found, ProviderError> {
        self.lookup(payment_id, reference, currency).await
    }
    /// Refunds (part of) a settled payment, once per `refund_id`: asking
    /// again answers the same refund.
    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, ProviderError>;
}

/// Lower-case hex, as providers write their signatures.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex signature; None for anything else.
pub(crate) fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

/// The card providers a clinic has switched on: one takes payments in
/// currencies not named otherwise, others may take named currencies.
#[derive(Clone)]
pub struct Providers {
    default: Arc<dyn PaymentProvider>,
    by_currency: HashMap<String, Arc<dyn PaymentProvider>>,
    stripe: Option<Arc<stripe::StripeProvider>>,
    vnpay: Option<Arc<vnpay::VnpayProvider>>,
}

impl Providers {
    pub fn new(default: Arc<dyn PaymentProvider>) -> Self {
        Self { default, by_currency: HashMap::new(), stripe: None, vnpay: None }
    }

    /// Payments in `currency` (ISO 4217) go through `provider`.
    pub fn with_currency(mut self, currency: &str, provider: Arc<dyn PaymentProvider>) -> Self {
        self.by_currency.insert(currency.to_ascii_uppercase(), provider);
        self
    }

    /// Stripe's client, for its webhooks; also a provider by name.
    pub fn with_stripe(mut self, stripe: Arc<stripe::StripeProvider>) -> Self {
        self.stripe = Some(stripe);
        self
    }

    /// VNPay's client, for its IPN and return page; also a provider by name.
    pub fn with_vnpay(mut self, vnpay: Arc<vnpay::VnpayProvider>) -> Self {
        self.vnpay = Some(vnpay);
        self
    }

    pub fn for_currency(&self, currency: &str) -> &Arc<dyn PaymentProvider> {
        self.by_currency.get(currency).unwrap_or(&self.default)
    }

    /// The provider that took a payment; None when it is no longer configured.
    pub fn named(&self, name: &str) -> Option<Arc<dyn PaymentProvider>> {
        if let Some(stripe) = &self.stripe
            && name == stripe.name()
        {
            return Some(stripe.clone());
        }
        if let Some(vnpay) = &self.vnpay
            && name == vnpay.name()
        {
            return Some(vnpay.clone());
        }
        std::iter::once(&self.default).chain(self.by_currency.values()).find(|p| p.name() == name).cloned()
    }

    pub fn stripe(&self) -> Option<&stripe::StripeProvider> {
        self.stripe.as_deref()
    }

    pub fn vnpay(&self) -> Option<&vnpay::VnpayProvider> {
        self.vnpay.as_deref()
    }
}

/// The development provider: in memory, behaviour chosen by the card token.
#[derive(Default)]
pub struct TestProvider {
    charges: Mutex<HashMap<String, Charge>>,
    /// Refunds by refund id: (charge id, amount).
    refunds: Mutex<HashMap<String, (String, i64)>>,
    /// Calls of `charge` that created a new charge.
    created: AtomicUsize,
}

impl TestProvider {
    /// How many distinct charges were made.
    pub fn charges_made(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    /// Charges that succeeded, with their amounts.
    pub fn succeeded(&self) -> Vec<Charge> {
        let charges = self.charges.lock().unwrap_or_else(|e| e.into_inner());
        charges.values().filter(|c| c.outcome == ChargeOutcome::Succeeded).cloned().collect()
    }
}

impl TestProvider {
    /// Charges a card token once per idempotency key.
    pub async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charge, ProviderError> {
        let mut parts = request.card_token.splitn(3, '_');
        let (behaviour, last4) = match (parts.next(), parts.next(), parts.next()) {
            (Some("tok"), Some(b), Some(l)) => (b, l),
            _ => ("invalid", ""),
        };
        let last4: String = last4.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        let charge = {
            let mut charges = self.charges.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(existing) = charges.get(request.idempotency_key) {
                // Same key, same charge: a provider never charges a key twice.
                existing.clone()
            } else {
                let outcome = match behaviour {
                    "ok" | "timeout" => ChargeOutcome::Succeeded,
                    "decline" => ChargeOutcome::Declined("card declined".into()),
                    _ => ChargeOutcome::Declined("unknown card token".into()),
                };
                let charge = Charge {
                    id: format!("ch_{}", uuid::Uuid::now_v7().simple()),
                    amount_minor: request.amount_minor,
                    currency: request.currency.to_owned(),
                    card_brand: "test".to_owned(),
                    card_last4: last4,
                    outcome,
                };
                charges.insert(request.idempotency_key.to_owned(), charge.clone());
                self.created.fetch_add(1, Ordering::SeqCst);
                charge
            }
        };
        if behaviour == "timeout" {
            return Err(ProviderError::Timeout);
        }
        Ok(charge)
    }

    /// The charge made under `idempotency_key`, if any.
    pub async fn charge_of(&self, idempotency_key: &str) -> Option<Charge> {
        self.charges.lock().unwrap_or_else(|e| e.into_inner()).get(idempotency_key).cloned()
    }
}

#[async_trait]
impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn needs_payer(&self) -> bool {
        false
    }

    async fn start(&self, request: StartRequest<'_>) -> Result<Started, ProviderError> {
        let charge = ChargeRequest {
            idempotency_key: request.payment_id,
            amount_minor: request.amount_minor,
            currency: request.currency,
            card_token: request.card_token,
        };
        self.charge(charge).await.map(Started::Done)
    }

    async fn lookup(&self, payment_id: &str, _reference: &str, _currency: &str) -> Result<Found, ProviderError> {
        Ok(self.charge_of(payment_id).await.map_or(Found::Nothing, Found::Settled))
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, ProviderError> {
        let Some(charge) = self.charge_of(request.payment_id).await else {
            return Err(ProviderError::Rejected(format!("no charge {}", request.reference)));
        };
        let mut refunds = self.refunds.lock().unwrap_or_else(|e| e.into_inner());
        let id = format!("re_{}", request.refund_id);
        if refunds.contains_key(request.refund_id) {
            return Ok(RefundOutcome::Succeeded { id });
        }
        let refunded: i64 = refunds.values().filter(|(c, _)| *c == charge.id).map(|(_, a)| a).sum();
        if charge.outcome != ChargeOutcome::Succeeded || refunded + request.amount_minor > charge.amount_minor {
            return Ok(RefundOutcome::Failed { id, reason: "more than the charge".into() });
        }
        refunds.insert(request.refund_id.to_owned(), (charge.id.clone(), request.amount_minor));
        Ok(RefundOutcome::Succeeded { id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(key: &'a str, token: &'a str) -> ChargeRequest<'a> {
        ChargeRequest { idempotency_key: key, amount_minor: 100, currency: "VND", card_token: token }
    }

    #[tokio::test]
    async fn one_charge_per_key_and_timeouts_are_found_by_lookup() {
        let provider = TestProvider::default();
        let first = provider.charge(request("k1", "tok_ok_4242")).await.unwrap();
        assert_eq!(first.card_last4, "4242");
        assert_eq!(provider.charge(request("k1", "tok_ok_4242")).await.unwrap(), first);
        assert_eq!(provider.charges_made(), 1);

        assert!(matches!(provider.charge(request("k2", "tok_timeout_1111")).await, Err(ProviderError::Timeout)));
        let found = provider.charge_of("k2").await.unwrap();
        assert_eq!(found.outcome, ChargeOutcome::Succeeded);
        assert_eq!(provider.charges_made(), 2);

        let declined = provider.charge(request("k3", "tok_decline_0002")).await.unwrap();
        assert!(matches!(declined.outcome, ChargeOutcome::Declined(_)));
        assert!(matches!(provider.lookup("nope", "", "VND").await.unwrap(), Found::Nothing));
        assert_eq!(provider.succeeded().len(), 2);
    }
}
