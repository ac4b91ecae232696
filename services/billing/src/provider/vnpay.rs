//! VNPay, redirect style, after the VNPay integration guide, API 2.1.0
//! (HMAC-SHA512):
//! <https://sandbox.vnpayment.vn/apis/docs/huong-dan-tich-hop/> (payment URL,
//! return URL, IPN), <https://sandbox.vnpayment.vn/apis/docs/chuyen-doi-thuat-toan/changeTypeHash.html>
//! (version 2.1.0 and its HMAC-SHA512 checksum) and
//! <https://sandbox.vnpayment.vn/apis/docs/truy-van-hoan-tien/querydr&refund.html>
//! (querydr and refund on the merchant API).
//!
//! A payment is a signed URL to VNPay's payment page, under `vnp_TxnRef` =
//! our payment id without its dashes. The payer pays there and comes back to
//! the web app's return page; VNPay also calls our IPN URL. Either settles
//! the payment: the IPN by its signed parameters, the return page by a
//! querydr, never by what the browser brought. VNPay cannot cancel a payment
//! URL: an unpaid one dies at its `vnp_ExpireDate`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    Charge, ChargeOutcome, Found, PayerAction, PaymentProvider, ProviderError, RefundOutcome, RefundRequest,
    StartRequest, Started, decode_hex,
};

mod signing;

pub use signing::{Callback, CallbackError, pipe_hash, sign, signed_query, signing_data, verify_query};

/// Section `[billing.vnpay]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VnpayConfig {
    /// The merchant's terminal code (`vnp_TmnCode`, 8 characters).
    pub tmn_code: String,
    /// The checksum secret (`vnp_HashSecret`) VNPay issued with the code.
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub hash_secret: Option<SecretString>,
    /// VNPay's payment page.
    pub pay_url: String,
    /// VNPay's merchant API (querydr, refund); a local emulator in tests.
    pub api_url: String,
    /// The web app's page VNPay sends the payer back to.
    pub return_url: String,
    /// Longest request to the merchant API; past it the outcome is asked again.
    #[serde(with = "hms_kit::config::millis", alias = "timeout_ms")]
    pub timeout: Duration,
    /// The language of VNPay's page: `vn` or `en`.
    pub locale: String,
}

impl Default for VnpayConfig {
    fn default() -> Self {
        Self {
            tmn_code: String::new(),
            hash_secret: None,
            pay_url: "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".into(),
            api_url: "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".into(),
            return_url: String::new(),
            timeout: Duration::from_millis(10_000),
            locale: "vn".into(),
        }
    }
}

pub const VERSION: &str = "2.1.0";

/// How long a payment URL can be paid (VNPay's own examples give 15 minutes).
pub const EXPIRY: Duration = Duration::from_secs(15 * 60);

/// Slack for clocks: a payment is taken as expired this long after its
/// `vnp_ExpireDate` only.
const EXPIRY_SLACK: Duration = Duration::from_secs(5 * 60);

/// `vnp_IpAddr` is the payer's address in the guide; HMS does not pass it
/// to billing, so the address of the caller, this server, stands in.
const IP_ADDR: &str = "127.0.0.1";

/// The fields a merchant API answer signs, in the guide's order (querydr's;
/// a refund's answer stops before the promotion's two).
const ANSWER_FIELDS: [&str; 15] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];

/// Who refunds, as VNPay records it (`vnp_CreateBy`).
const CREATED_BY: &str = "hms-billing";

/// `vnp_TxnRef` of a payment: its id without dashes (the guide allows
/// letters and digits).
pub fn txn_ref(payment_id: &str) -> String {
    payment_id.replace('-', "")
}

/// The payment id of a `vnp_TxnRef` we made: the UUID's dashes put back.
pub fn payment_id_of(txn_ref: &str) -> Option<String> {
    if txn_ref.len() != 32 || !txn_ref.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (a, rest) = txn_ref.split_at(8);
    let (b, rest) = rest.split_at(4);
    let (c, rest) = rest.split_at(4);
    let (d, e) = rest.split_at(4);
    Some(format!("{a}-{b}-{c}-{d}-{e}"))
}

/// When a payment was made, from its id (a UUIDv7 carries its creation's
/// Unix milliseconds): the payment URL's `vnp_CreateDate`, which querydr
/// and refund name again as `vnp_TransactionDate`. Derived, not stored, so
/// that the same payment always gets the same URL.
fn created_ms(payment_id: &str) -> Result<i64, ProviderError> {
    let uuid = uuid::Uuid::parse_str(payment_id)
        .map_err(|_| ProviderError::Rejected(format!("{payment_id:?} is not a payment id")))?;
    let (secs, nanos) = uuid
        .get_timestamp()
        .map(|t| t.to_unix())
        .ok_or_else(|| ProviderError::Rejected(format!("{payment_id:?} carries no time")))?;
    Ok(i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000) + i64::from(nanos / 1_000_000))
}

/// `yyyyMMddHHmmss` in GMT+7, the guide's date format.
pub fn vnp_date(unix_ms: i64) -> String {
    let zone = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7));
    match jiff::Timestamp::from_millisecond(unix_ms) {
        Ok(t) => t.to_zoned(zone).strftime("%Y%m%d%H%M%S").to_string(),
        Err(_) => String::new(),
    }
}

fn expired(payment_id: &str) -> bool {
    let now = jiff::Timestamp::now().as_millisecond();
    let limit = (EXPIRY + EXPIRY_SLACK).as_millis() as i64;
    created_ms(payment_id).is_ok_and(|created| now > created + limit)
}

fn require_vnd(currency: &str) -> Result<(), ProviderError> {
    if currency.eq_ignore_ascii_case("VND") {
        Ok(())
    } else {
        Err(ProviderError::Rejected(format!("VNPay takes VND only, not {currency}")))
    }
}

/// VNPay's amount: VND times 100.
fn vnp_amount(amount_minor: i64, currency: &str) -> Result<String, ProviderError> {
    require_vnd(currency)?;
    amount_minor
        .checked_mul(100)
        .filter(|a| *a > 0 && a.to_string().len() <= 12)
        .map(|a| a.to_string())
        .ok_or_else(|| ProviderError::Rejected("the amount is out of VNPay's range".into()))
}

/// Letters, digits, spaces and the invoice number's dashes: the guide asks
/// for Vietnamese without accents and no special characters in
/// `vnp_OrderInfo`.
fn order_info(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-').collect()
}

/// What querydr says of a payment.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `vnp_ResponseCode`: `00` found, `91` no such transaction.
    pub response_code: String,
    pub transaction_status: String,
    pub transaction_no: String,
    pub amount_minor: i64,
    pub bank_code: String,
}

pub struct VnpayClient {
    http: reqwest::Client,
    tmn_code: String,
    secret: SecretString,
    pay_url: String,
    api_url: String,
    return_url: String,
    locale: String,
}

impl VnpayClient {
    pub fn new(config: &VnpayConfig) -> anyhow::Result<Self> {
        let Some(secret) = config.hash_secret.clone() else {
            anyhow::bail!("billing.vnpay.hash_secret is required for the VNPay provider");
        };
        anyhow::ensure!(
            config.tmn_code.len() == 8 && config.tmn_code.bytes().all(|b| b.is_ascii_alphanumeric()),
            "billing.vnpay.tmn_code must be VNPay's 8-character terminal code"
        );
        anyhow::ensure!(!config.return_url.is_empty(), "billing.vnpay.return_url is required for the VNPay provider");
        anyhow::ensure!(matches!(config.locale.as_str(), "vn" | "en"), "billing.vnpay.locale must be \"vn\" or \"en\"");
        Ok(Self {
            http: reqwest::Client::builder().timeout(config.timeout).build()?,
            tmn_code: config.tmn_code.clone(),
            secret,
            pay_url: config.pay_url.clone(),
            api_url: config.api_url.clone(),
            return_url: config.return_url.clone(),
            locale: config.locale.clone(),
        })
    }

    pub fn verify(&self, query: &str) -> Result<Callback, CallbackError> {
        verify_query(self.secret.expose_secret(), query)
    }

    /// The payment page's URL of a payment.
    pub fn payment_url(&self, request: &StartRequest<'_>) -> Result<String, ProviderError> {
        let created = created_ms(request.payment_id)?;
        let expires = created + EXPIRY.as_millis() as i64;
        let number = if request.invoice_number.is_empty() { request.invoice_id } else { request.invoice_number };
        let params: BTreeMap<String, String> = [
            ("vnp_Version", VERSION.to_owned()),
            ("vnp_Command", "pay".to_owned()),
            ("vnp_TmnCode", self.tmn_code.clone()),
            ("vnp_Amount", vnp_amount(request.amount_minor, request.currency)?),
            ("vnp_CurrCode", "VND".to_owned()),
            ("vnp_TxnRef", txn_ref(request.payment_id)),
            ("vnp_OrderInfo", order_info(&format!("Thanh toan hoa don {number}"))),
            ("vnp_OrderType", "other".to_owned()),
            ("vnp_Locale", self.locale.clone()),
            ("vnp_ReturnUrl", self.return_url.clone()),
            ("vnp_IpAddr", IP_ADDR.to_owned()),
            ("vnp_CreateDate", vnp_date(created)),
            ("vnp_ExpireDate", vnp_date(expires)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Ok(format!("{}?{}", self.pay_url, signed_query(self.secret.expose_secret(), &params)))
    }

    /// querydr: what VNPay holds of the payment.
    pub async fn query(&self, payment_id: &str) -> Result<Query, ProviderError> {
        let secret = self.secret.expose_secret();
        let request_id = uuid::Uuid::now_v7().simple().to_string();
        let txn_ref = txn_ref(payment_id);
        let transaction_date = vnp_date(created_ms(payment_id)?);
        let create_date = vnp_date(jiff::Timestamp::now().as_millisecond());
        let info = order_info(&format!("Truy van giao dich {txn_ref}"));
        let hash = pipe_hash(
            secret,
            &[
                &request_id,
                VERSION,
                "querydr",
                &self.tmn_code,
                &txn_ref,
                &transaction_date,
                &create_date,
                IP_ADDR,
                &info,
            ],
        );
        let body = serde_json::json!({
            "vnp_RequestId": request_id, "vnp_Version": VERSION, "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": txn_ref, "vnp_OrderInfo": info,
            "vnp_TransactionDate": transaction_date, "vnp_CreateDate": create_date,
            "vnp_IpAddr": IP_ADDR, "vnp_SecureHash": hash,
        });
        let answer = self.send(&body).await?;
        let f = |name: &str| answer.field(name);
        answer.check(secret, &ANSWER_FIELDS)?;
        if f("vnp_ResponseCode") == "00" && f("vnp_TxnRef") != txn_ref {
            return Err(ProviderError::Unavailable("VNPay answered about another transaction".into()));
        }
        Ok(Query {
            amount_minor: f("vnp_Amount").parse::<i64>().unwrap_or(0) / 100,
            response_code: f("vnp_ResponseCode"),
            transaction_status: f("vnp_TransactionStatus"),
            transaction_no: f("vnp_TransactionNo"),
            bank_code: f("vnp_BankCode"),
        })
    }

    /// Refunds `amount_minor` of a paid transaction: type `02` for the
    /// whole of it, `03` for a part. The refund's id is its request id.
    pub async fn refund(
        &self,
        request: &RefundRequest<'_>,
        paid: &Query,
    ) -> Result<(String, String, String), ProviderError> {
        let secret = self.secret.expose_secret();
        let request_id = txn_ref(request.refund_id);
        let txn_ref = txn_ref(request.payment_id);
        let amount = vnp_amount(request.amount_minor, request.currency)?;
        let kind = if request.amount_minor == paid.amount_minor { "02" } else { "03" };
        let transaction_date = vnp_date(created_ms(request.payment_id)?);
        let create_date = vnp_date(jiff::Timestamp::now().as_millisecond());
        let info = order_info(&format!("Hoan tien giao dich {txn_ref}"));
        let hash = pipe_hash(
            secret,
            &[
                &request_id,
                VERSION,
                "refund",
                &self.tmn_code,
                kind,
                &txn_ref,
                &amount,
                &paid.transaction_no,
                &transaction_date,
                CREATED_BY,
                &create_date,
                IP_ADDR,
                &info,
            ],
        );
        let body = serde_json::json!({
            "vnp_RequestId": request_id, "vnp_Version": VERSION, "vnp_Command": "refund",
            "vnp_TmnCode": self.tmn_code, "vnp_TransactionType": kind, "vnp_TxnRef": txn_ref,
            "vnp_Amount": amount, "vnp_OrderInfo": info, "vnp_TransactionNo": paid.transaction_no,
            "vnp_TransactionDate": transaction_date, "vnp_CreateBy": CREATED_BY,
            "vnp_CreateDate": create_date, "vnp_IpAddr": IP_ADDR, "vnp_SecureHash": hash,
        });
        let answer = self.send(&body).await?;
        // A refund's answer signs the same fields but the promotion's.
        answer.check(secret, &ANSWER_FIELDS[..ANSWER_FIELDS.len() - 2])?;
        Ok((request_id, answer.field("vnp_ResponseCode"), answer.field("vnp_Message")))
    }

    async fn send(&self, body: &serde_json::Value) -> Result<Answer, ProviderError> {
        let response = self.http.post(&self.api_url).json(body).send().await.map_err(|e| {
            if e.is_timeout() {
                ProviderError::Timeout
            } else {
                ProviderError::Unavailable(format!("VNPay: {}", e.without_url()))
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Unavailable(format!("VNPay answered {status}")));
        }
        let fields = response
            .json::<BTreeMap<String, serde_json::Value>>()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("VNPay answered an unexpected body: {e}")))?;
        Ok(Answer(fields))
    }
}

/// A merchant API answer, its fields as JSON (VNPay writes some numbers
/// as numbers).
struct Answer(BTreeMap<String, serde_json::Value>);

impl Answer {
    fn field(&self, name: &str) -> String {
        match self.0.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// An answer not signed with our secret is not VNPay's: not believed.
    fn check(&self, secret: &str, order: &[&str]) -> Result<(), ProviderError> {
        let values: Vec<String> = order.iter().map(|name| self.field(name)).collect();
        let data = values.join("|");
        let given = decode_hex(&self.field("vnp_SecureHash")).unwrap_or_default();
        let key = hmac::Key::new(hmac::HMAC_SHA512, secret.as_bytes());
        hmac::verify(&key, data.as_bytes(), &given).map_err(|_| {
            ProviderError::Unavailable(format!(
                "VNPay's answer (code {}) does not carry a valid vnp_SecureHash",
                self.field("vnp_ResponseCode")
            ))
        })
    }
}

/// VNPay as a [`PaymentProvider`].
pub struct VnpayProvider {
    pub client: VnpayClient,
}

impl Query {
    /// What the payment has come to; None while the payer may still pay.
    fn found(&self, payment_id: &str) -> Result<Found, ProviderError> {
        let reference = txn_ref(payment_id);
        let outcome = match (self.response_code.as_str(), self.transaction_status.as_str()) {
            ("91", _) => return Ok(Found::Nothing),
            ("00", "00") => ChargeOutcome::Succeeded,
            ("00", "01") if !expired(payment_id) => return Ok(Found::Open { reference, action: None }),
            ("00", "01") => ChargeOutcome::Declined("expired".into()),
            ("00", status) => ChargeOutcome::Declined(format!("VNPay transaction status {status}")),
            (code, _) => return Err(ProviderError::Unavailable(format!("VNPay querydr answered {code}"))),
        };
        Ok(Found::Settled(Charge {
            id: self.transaction_no.clone(),
            amount_minor: self.amount_minor,
            currency: "VND".into(),
            card_brand: self.bank_code.clone(),
            card_last4: String::new(),
            outcome,
        }))
    }
}

#[async_trait]
impl PaymentProvider for VnpayProvider {
    fn name(&self) -> &'static str {
        "vnpay"
    }

    fn needs_payer(&self) -> bool {
        true
    }

    /// Nothing is sent to VNPay: the payer's browser takes the signed URL there.
    async fn start(&self, request: StartRequest<'_>) -> Result<Started, ProviderError> {
        let url = self.client.payment_url(&request)?;
        Ok(Started::WithPayer { reference: txn_ref(request.payment_id), action: PayerAction::Redirect { url } })
    }

    /// By querydr. A transaction VNPay does not know (`91`) was never
    /// opened by its payer; starting it again gives the same URL.
    async fn lookup(&self, payment_id: &str, _reference: &str, currency: &str) -> Result<Found, ProviderError> {
        require_vnd(currency)?;
        self.client.query(payment_id).await?.found(payment_id)
    }

    /// VNPay has no cancel: an unpaid payment is given up once its URL has
    /// expired, and stays open until then (it may still be paid).
    async fn abandon(&self, payment_id: &str, reference: &str, currency: &str) -> Result<Found, ProviderError> {
        match self.lookup(payment_id, reference, currency).await? {
            Found::Nothing if !expired(payment_id) => Ok(Found::Open { reference: txn_ref(payment_id), action: None }),
            found => Ok(found),
        }
    }

    /// VNPay's refund has no idempotency key; its request id is ours, so
    /// VNPay refuses a second request under it (`94`), which then stays
    /// pending for billing staff to check.
    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, ProviderError> {
        let paid = self.client.query(request.payment_id).await?;
        if paid.response_code != "00" {
            return Err(ProviderError::Rejected(format!("VNPay has no payment {}", txn_ref(request.payment_id))));
        }
        let (id, code, message) = self.client.refund(&request, &paid).await?;
        Ok(match code.as_str() {
            "00" => RefundOutcome::Succeeded { id },
            "94" | "99" => RefundOutcome::Pending { id },
            _ => RefundOutcome::Failed { id, reason: format!("VNPay refund answered {code}: {message}") },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_dates_and_amounts_follow_the_guide() {
        let id = "01890a5d-ac96-774b-bcce-b302099a8057";
        assert_eq!(txn_ref(id), "01890a5dac96774bbcceb302099a8057");
        assert_eq!(payment_id_of(&txn_ref(id)).as_deref(), Some(id));
        assert_eq!(payment_id_of("5"), None);
        // 0x01890a5dac96 ms = 2023-06-30T03:34:18.518Z, 10:34:18 in GMT+7.
        assert_eq!(vnp_date(created_ms(id).unwrap()), "20230630103418");
        assert!(expired(id));
        assert!(!expired(&uuid::Uuid::now_v7().to_string()));
        assert_eq!(vnp_amount(150_000, "VND").unwrap(), "15000000");
        assert!(matches!(vnp_amount(150_000, "USD"), Err(ProviderError::Rejected(_))));
        assert!(matches!(vnp_amount(0, "VND"), Err(ProviderError::Rejected(_))));
        assert_eq!(order_info("Thanh toan hoa don INV-20260131-000001"), "Thanh toan hoa don INV-20260131-000001");
        assert_eq!(order_info("Hóa đơn #1"), "Ha n 1");
    }
}
