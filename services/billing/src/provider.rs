//! Card payments go through a [`PaymentProvider`]. Every charge carries our
//! idempotency key, so a charge whose answer was lost (a time-out) is found
//! again with [`PaymentProvider::lookup`] instead of being made twice.
//!
//! [`TestProvider`] ships with HMS for development and tests. Its behaviour
//! follows the card token, as a sandbox's test cards do:
//! `tok_<behaviour>_<last4>` with behaviour `ok`, `decline` or `timeout` (the
//! charge goes through but the answer is lost).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

/// A charge as the provider holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's transaction id.
    pub id: String,
    pub amount_minor: i64,
    pub currency: String,
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
}

pub struct ChargeRequest<'a> {
    /// Our payment's idempotency key; the provider makes one charge per key.
    pub idempotency_key: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub card_token: &'a str,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charge, ProviderError>;
    /// The charge made under `idempotency_key`, if any.
    async fn lookup(&self, idempotency_key: &str) -> Result<Option<Charge>, ProviderError>;
}

/// The development provider: in memory, behaviour chosen by the card token.
#[derive(Default)]
pub struct TestProvider {
    charges: Mutex<HashMap<String, Charge>>,
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

#[async_trait]
impl PaymentProvider for TestProvider {
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charge, ProviderError> {
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

    async fn lookup(&self, idempotency_key: &str) -> Result<Option<Charge>, ProviderError> {
        Ok(self.charges.lock().unwrap_or_else(|e| e.into_inner()).get(idempotency_key).cloned())
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
        let found = provider.lookup("k2").await.unwrap().unwrap();
        assert_eq!(found.outcome, ChargeOutcome::Succeeded);
        assert_eq!(provider.charges_made(), 2);

        let declined = provider.charge(request("k3", "tok_decline_0002")).await.unwrap();
        assert!(matches!(declined.outcome, ChargeOutcome::Declined(_)));
        assert_eq!(provider.lookup("nope").await.unwrap(), None);
        assert_eq!(provider.succeeded().len(), 2);
    }
}
