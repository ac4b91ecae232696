//! Stripe's webhooks (<https://docs.stripe.com/webhooks#verify-manually>):
//! the `Stripe-Signature` check, HMAC-SHA256 over `"<t>.<body>"` with a
//! 5-minute tolerance, and the PaymentIntent events they carry.

use ring::hmac;
use serde::Deserialize;

use super::{Intent, RawIntent};
use crate::provider::{decode_hex, hex};

/// How old a webhook's signed timestamp may be (Stripe's libraries' default).
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// A verified webhook event about a PaymentIntent.
#[derive(Debug, Clone)]
pub struct IntentEvent {
    pub event_id: String,
    pub event_type: String,
    pub intent: Intent,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("no signature matches")]
    BadSignature,
    #[error("the signed timestamp is outside the tolerance")]
    Stale,
    #[error("the event is not JSON of the expected shape: {0}")]
    Body(String),
}

/// Checks a webhook's signature and reads the PaymentIntent event it
/// carries; `Ok(None)` for a genuine event of another kind.
pub(super) fn read_event(
    key: &hmac::Key,
    signature_header: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<Option<IntentEvent>, WebhookError> {
    verify_signature(key, signature_header, body, now_secs)?;
    let event: RawEvent = serde_json::from_slice(body).map_err(|e| WebhookError::Body(e.to_string()))?;
    if !event.r#type.starts_with("payment_intent.") {
        return Ok(None);
    }
    let raw: RawIntent = serde_json::from_value(event.data.object).map_err(|e| WebhookError::Body(e.to_string()))?;
    let currency = raw.currency.to_ascii_uppercase();
    let intent = raw.into_intent(&currency).map_err(|e| WebhookError::Body(e.to_string()))?;
    Ok(Some(IntentEvent { event_id: event.id, event_type: event.r#type, intent }))
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`: any `v1`
/// may match (Stripe signs with each active secret while one is rolled).
fn verify_signature(key: &hmac::Key, header: &str, body: &[u8], now_secs: i64) -> Result<(), WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| WebhookError::Malformed)?),
            Some(("v1", hex)) => signatures.push(decode_hex(hex).ok_or(WebhookError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::Malformed)?;
    if signatures.is_empty() {
        return Err(WebhookError::Malformed);
    }
    let mut signed = Vec::with_capacity(body.len() + 12);
    signed.extend_from_slice(timestamp.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    // Constant-time comparison inside ring's verify.
    if !signatures.iter().any(|s| hmac::verify(key, &signed, s).is_ok()) {
        return Err(WebhookError::BadSignature);
    }
    if (now_secs - timestamp).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

/// The `Stripe-Signature` header for `body` at `timestamp`: what Stripe
/// sends, for tests and the local emulator.
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    format!("t={timestamp},v1={}", hex(tag.as_ref()))
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    r#type: String,
    data: RawEventData,
}

#[derive(Deserialize)]
struct RawEventData {
    object: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes())
    }

    #[test]
    fn a_signature_is_accepted_within_five_minutes_and_only_with_the_right_secret() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign_webhook("whsec_test", 1_000_000, body);
        let right = key("whsec_test");
        assert_eq!(verify_signature(&right, &header, body, 1_000_000 + 300), Ok(()));
        assert_eq!(verify_signature(&right, &header, body, 1_000_000 + 301), Err(WebhookError::Stale));
        assert_eq!(verify_signature(&key("whsec_other"), &header, body, 1_000_000), Err(WebhookError::BadSignature));
        assert_eq!(verify_signature(&right, &header, br#"{"id":"evt_2"}"#, 1_000_000), Err(WebhookError::BadSignature));
        // A second v1 (a secret being rolled) may be the one that matches.
        let rolled = format!("t=1000000,v1={},{}", "ab".repeat(32), header.split_once(',').unwrap().1);
        assert_eq!(verify_signature(&right, &rolled, body, 1_000_000), Ok(()));
        for bad in ["", "v1=abcd", "t=1000000", "t=x,v1=ab", "t=1000000,v1=xyz"] {
            assert_eq!(verify_signature(&right, bad, body, 1_000_000), Err(WebhookError::Malformed), "{bad}");
        }
    }
}
