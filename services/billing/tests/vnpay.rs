//! Card payments through VNPay, on every relational backend, against a local
//! VNPay emulator: it checks the payment URL's checksum as VNPay's page
//! does, makes the signed return and IPN query strings VNPay sends after a
//! payment, and answers querydr and refund on its merchant API, signing and
//! verifying as the integration guide says. Covered: a paid redirect settled
//! by the IPN once under concurrent replays, a tampered return URL, IPNs
//! for unknown and settled orders and with another amount, reconciliation
//! by querydr, and a partial refund.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hms_billing::provider::vnpay::{pipe_hash, signed_query, verify_query};
use hms_kit::proto::billing::payer_action::Action;
use hms_kit::proto::billing::*;
use hms_kit::testing::{Relational, authed};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

const TMN_CODE: &str = "HMSTEST1";
const SECRET: &str = "HMSVNPAYTESTSECRETHMSVNPAYTEST01";

#[derive(Default)]
struct Txn {
    amount: String,
    status: &'static str,
    transaction_no: String,
    /// (transaction type, amount) of each refund.
    refunds: Vec<(String, String)>,
}

/// VNPay's side: the payments its page took, by vnp_TxnRef.
#[derive(Default, Clone)]
struct Emulator {
    txns: Arc<Mutex<HashMap<String, Txn>>>,
}

struct LocalVnpay {
    url: String,
    state: Emulator,
    _server: tokio::task::JoinHandle<()>,
}

impl LocalVnpay {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/merchant_webapi/api/transaction", listener.local_addr().unwrap());
        let state = Emulator::default();
        let served = state.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(served.clone().serve(stream));
            }
        });
        Self { url, state, _server: server }
    }

    /// The payer on VNPay's page: the URL's checksum checked, the payment
    /// made (or not); the signed query VNPay sends to the return URL and
    /// the IPN.
    fn pay(&self, url: &str, response_code: &str) -> String {
        let query = url.split_once('?').unwrap().1;
        let asked = verify_query(SECRET, query).expect("a payment URL signed with the merchant's secret");
        let params: BTreeMap<String, String> =
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        assert_eq!(params["vnp_Version"], "2.1.0");
        assert_eq!(params["vnp_Command"], "pay");
        assert_eq!(params["vnp_TmnCode"], TMN_CODE);
        assert_eq!(params["vnp_CurrCode"], "VND");
        let mut txns = self.state.txns.lock().unwrap();
        let transaction_no = format!("{}", 14_000_000 + txns.len());
        let status = if response_code == "00" { "00" } else { "02" };
        txns.insert(
            asked.txn_ref.clone(),
            Txn {
                amount: params["vnp_Amount"].clone(),
                status,
                transaction_no: transaction_no.clone(),
                refunds: Vec::new(),
            },
        );
        callback(&asked.txn_ref, &params["vnp_Amount"], response_code, status, &transaction_no)
    }

    fn refunds(&self, txn_ref: &str) -> Vec<(String, String)> {
        self.state.txns.lock().unwrap().get(txn_ref).map(|t| t.refunds.clone()).unwrap_or_default()
    }
}

/// A return URL's or IPN's query string, signed as VNPay signs it.
fn callback(txn_ref: &str, amount: &str, response_code: &str, status: &str, transaction_no: &str) -> String {
    let params: BTreeMap<String, String> = [
        ("vnp_Amount", amount),
        ("vnp_BankCode", "NCB"),
        ("vnp_CardType", "ATM"),
        ("vnp_OrderInfo", "Thanh toan hoa don"),
        ("vnp_PayDate", "20261207103000"),
        ("vnp_ResponseCode", response_code),
        ("vnp_TmnCode", TMN_CODE),
        ("vnp_TransactionNo", transaction_no),
        ("vnp_TransactionStatus", status),
        ("vnp_TxnRef", txn_ref),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    signed_query(SECRET, &params)
}

fn field(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap_or_default().to_owned()
}

impl Emulator {
    async fn serve(self, mut stream: tokio::net::TcpStream) {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let body = loop {
            let n = stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            buffer.extend_from_slice(&chunk[..n]);
            let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                break buffer[end + 4..end + 4 + length].to_vec();
            }
        };
        let request: Value = serde_json::from_slice(&body).unwrap_or_default();
        let answer = self.answer(&request).to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
    }

    fn answer(&self, request: &Value) -> Value {
        let f = |name: &str| field(request, name);
        match f("vnp_Command").as_str() {
            "querydr" => {
                let order = [
                    "vnp_RequestId",
                    "vnp_Version",
                    "vnp_Command",
                    "vnp_TmnCode",
                    "vnp_TxnRef",
                    "vnp_TransactionDate",
                    "vnp_CreateDate",
                    "vnp_IpAddr",
                    "vnp_OrderInfo",
                ];
                if !self.signed(request, &order) {
                    return self.reply("querydr", "97", &f("vnp_TxnRef"), None, "", false);
                }
                let txns = self.txns.lock().unwrap();
                match txns.get(&f("vnp_TxnRef")) {
                    Some(t) => self.reply("querydr", "00", &f("vnp_TxnRef"), Some(t), "", true),
                    None => self.reply("querydr", "91", &f("vnp_TxnRef"), None, "", true),
                }
            }
            "refund" => {
                let order = [
                    "vnp_RequestId",
                    "vnp_Version",
                    "vnp_Command",
                    "vnp_TmnCode",
                    "vnp_TransactionType",
                    "vnp_TxnRef",
                    "vnp_Amount",
                    "vnp_TransactionNo",
                    "vnp_TransactionDate",
                    "vnp_CreateBy",
                    "vnp_CreateDate",
                    "vnp_IpAddr",
                    "vnp_OrderInfo",
                ];
                if !self.signed(request, &order) {
                    return self.reply("refund", "97", &f("vnp_TxnRef"), None, "", false);
                }
                let mut txns = self.txns.lock().unwrap();
                let Some(t) = txns.get_mut(&f("vnp_TxnRef")) else {
                    return self.reply("refund", "91", &f("vnp_TxnRef"), None, "", false);
                };
                t.refunds.push((f("vnp_TransactionType"), f("vnp_Amount")));
                let kind = f("vnp_TransactionType");
                self.reply("refund", "00", &f("vnp_TxnRef"), Some(t), &kind, false)
            }
            _ => json!({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"}),
        }
    }

    /// The request's hash over `order`, as VNPay checks it.
    fn signed(&self, request: &Value, order: &[&str]) -> bool {
        let values: Vec<String> = order.iter().map(|n| field(request, n)).collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        pipe_hash(SECRET, &refs) == field(request, "vnp_SecureHash")
    }

    /// An answer, signed over the guide's response order (querydr's has
    /// the promotion fields too).
    fn reply(&self, command: &str, code: &str, txn_ref: &str, t: Option<&Txn>, kind: &str, query: bool) -> Value {
        let (amount, status, no) =
            t.map(|t| (t.amount.clone(), t.status, t.transaction_no.clone())).unwrap_or_default();
        let mut fields: Vec<(&str, String)> = vec![
            ("vnp_ResponseId", uuid::Uuid::now_v7().simple().to_string()),
            ("vnp_Command", command.to_owned()),
            ("vnp_ResponseCode", code.to_owned()),
            ("vnp_Message", "ok".to_owned()),
            ("vnp_TmnCode", TMN_CODE.to_owned()),
            ("vnp_TxnRef", txn_ref.to_owned()),
            ("vnp_Amount", amount),
            ("vnp_BankCode", "NCB".to_owned()),
            ("vnp_PayDate", "20261207103000".to_owned()),
            ("vnp_TransactionNo", no),
            ("vnp_TransactionType", if kind.is_empty() { "01".to_owned() } else { kind.to_owned() }),
            ("vnp_TransactionStatus", status.to_owned()),
            ("vnp_OrderInfo", "Thanh toan hoa don".to_owned()),
        ];
        if query {
            fields.push(("vnp_PromotionCode", String::new()));
            fields.push(("vnp_PromotionAmount", String::new()));
        }
        let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
        let hash = pipe_hash(SECRET, &values);
        let mut body: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
        body.insert("vnp_SecureHash".into(), Value::String(hash));
        Value::Object(body)
    }
}

async fn start(kind: Relational) -> Option<(Harness, LocalVnpay)> {
    let vnpay = LocalVnpay::start().await;
    let api_url = vnpay.url.clone();
    let h = Harness::start_configured(kind, |config| {
        config.payment_provider = "vnpay".into();
        config.vnpay.tmn_code = TMN_CODE.into();
        config.vnpay.hash_secret = Some(SECRET.into());
        config.vnpay.api_url = api_url;
        config.vnpay.return_url = "https://hms.example/payments/vnpay/return".into();
        config.reconcile_grace = Duration::ZERO;
    })
    .await?;
    Some((h, vnpay))
}

/// The payment page's URL of a PENDING payment.
fn redirect_url(answer: &PayInvoiceResponse) -> String {
    assert_eq!(answer.payment.as_ref().unwrap().status(), PaymentStatus::Pending);
    match answer.payer_action.as_ref().and_then(|a| a.action.as_ref()) {
        Some(Action::RedirectUrl(url)) => url.clone(),
        other => panic!("expected a redirect, got {other:?}"),
    }
}

async fn ipn(h: &Harness, query: &str) -> String {
    let request = ReceiveVnpayIpnRequest { query: query.to_owned() };
    h.webhooks().await.receive_vnpay_ipn(request).await.unwrap().into_inner().rsp_code
}

async fn confirm(h: &Harness, token: &str, query: &str) -> Result<ConfirmVnpayReturnResponse, tonic::Status> {
    let request = ConfirmVnpayReturnRequest { query: query.to_owned() };
    h.billing().await.confirm_vnpay_return(authed(request, token)).await.map(|r| r.into_inner())
}

async fn a_paid_redirect_settles_by_the_ipn_once(kind: Relational) {
    let Some((h, vnpay)) = start(kind).await else { return };
    let (patient, token) = h.patient("vnpay.patient").await;
    let ask = authed(GetPaymentOptionsRequest { currency: "VND".into() }, &token);
    let options = h.billing().await.get_payment_options(ask).await.unwrap().into_inner();
    assert_eq!((options.provider(), options.stripe), (PaymentProviderKind::Vnpay, None));
    let invoice = h.appointment_invoice("appt-vnpay", &patient, 150_000).await;
    let started = h.pay(&token, &invoice.id, "vnpay-key-001", 150_000, "").await.unwrap();
    let url = redirect_url(&started);
    assert!(url.starts_with("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?"), "{url}");
    assert!(url.contains("vnp_Amount=15000000&"), "VND times 100: {url}");
    assert!(url.contains("vnp_OrderInfo=Thanh+toan+hoa+don+"), "{url}");
    // The same request again answers the same URL.
    let again = h.pay(&token, &invoice.id, "vnpay-key-001", 150_000, "").await.unwrap();
    assert_eq!(redirect_url(&again), url);

    let paid = vnpay.pay(&url, "00");
    let replays = (0..8).map(|_| ipn(&h, &paid));
    let mut codes = futures::future::join_all(replays).await;
    codes.sort();
    assert_eq!(codes[0], "00", "{codes:?}");
    assert!(codes[1..].iter().all(|c| c == "02"), "replays find it confirmed: {codes:?}");
    let got = h.get(&token, &invoice.id).await.unwrap();
    let invoice_now = got.invoice.unwrap();
    assert_eq!(invoice_now.status(), InvoiceStatus::Paid);
    assert_eq!(invoice_now.paid_by_patient.unwrap().amount_minor, 150_000, "credited once");
    let payment = &got.payments[0];
    assert_eq!(payment.status(), PaymentStatus::Success);
    assert_eq!((payment.provider.as_str(), payment.transaction_id.as_str()), ("vnpay", "14000000"));
    assert_eq!(h.count("SELECT COUNT(*) FROM provider_events WHERE provider = 'vnpay'").await, 1);

    // The payer's return page shows it paid.
    let back = confirm(&h, &token, &paid).await.unwrap();
    assert_eq!(back.payment.unwrap().status(), PaymentStatus::Success);
    assert_eq!(ipn(&h, &paid).await, "02");
}

async fn a_tampered_return_url_is_refused(kind: Relational) {
    let Some((h, vnpay)) = start(kind).await else { return };
    let (patient, token) = h.patient("vnpay.tamper").await;
    let invoice = h.appointment_invoice("appt-vnpay-tamper", &patient, 80_000).await;
    let started = h.pay(&token, &invoice.id, "vnpay-key-002", 80_000, "").await.unwrap();
    let failed = vnpay.pay(&redirect_url(&started), "24");
    // The browser turns the cancelled payment into a paid one.
    let tampered = failed.replace("vnp_ResponseCode=24", "vnp_ResponseCode=00");
    let status = assert_code(confirm(&h, &token, &tampered).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["query"]);
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.payments[0].status(), PaymentStatus::Pending, "nothing changed");
    // Another patient cannot confirm it.
    let (_, other) = h.patient("vnpay.other").await;
    assert_code(confirm(&h, &other, &failed).await, Code::NotFound);
    // Untampered, it is settled as VNPay has it: not paid.
    let status = assert_code(confirm(&h, &token, &failed).await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "PAYMENT_DECLINED");
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.invoice.unwrap().balance.unwrap().amount_minor, 80_000);
}

async fn ipns_for_unknown_or_settled_orders_or_other_amounts_change_nothing(kind: Relational) {
    let Some((h, vnpay)) = start(kind).await else { return };
    let (patient, token) = h.patient("vnpay.ipn").await;
    let invoice = h.appointment_invoice("appt-vnpay-ipn", &patient, 90_000).await;
    let started = h.pay(&token, &invoice.id, "vnpay-key-003", 90_000, "").await.unwrap();
    let url = redirect_url(&started);
    let txn_ref = started.payment.as_ref().unwrap().id.replace('-', "");

    assert_eq!(ipn(&h, &callback("5", "9000000", "00", "00", "1")).await, "01", "not our reference");
    let unknown = uuid::Uuid::now_v7().simple().to_string();
    assert_eq!(ipn(&h, &callback(&unknown, "9000000", "00", "00", "2")).await, "01", "no such payment");
    assert_eq!(ipn(&h, &callback(&txn_ref, "100", "00", "00", "3")).await, "04", "another amount");
    let forged = callback(&txn_ref, "9000000", "00", "00", "4").replace("vnp_BankCode=NCB", "vnp_BankCode=VCB");
    assert_eq!(ipn(&h, &forged).await, "97");
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.payments[0].status(), PaymentStatus::Pending, "nothing changed");
    assert_eq!(h.count("SELECT COUNT(*) FROM provider_events").await, 0);

    let paid = vnpay.pay(&url, "00");
    assert_eq!(ipn(&h, &paid).await, "00");
    assert_eq!(ipn(&h, &callback(&txn_ref, "9000000", "00", "00", "5")).await, "02", "settled already");
    let got = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(got.invoice.unwrap().paid_by_patient.unwrap().amount_minor, 90_000);
}

async fn a_missed_ipn_is_settled_by_querydr(kind: Relational) {
    let Some((h, vnpay)) = start(kind).await else { return };
    let (patient, token) = h.patient("vnpay.lost").await;
    let invoice = h.appointment_invoice("appt-vnpay-lost", &patient, 70_000).await;
    let started = h.pay(&token, &invoice.id, "vnpay-key-004", 70_000, "").await.unwrap();
    // Before the payer pays, VNPay knows nothing of it: it stays pending.
    let pass = h.reconcile.run_once().await.unwrap();
    assert_eq!((pass.settled, pass.still_pending), (0, 1), "{pass:?}");
    vnpay.pay(&redirect_url(&started), "00");
    let pass = h.reconcile.run_once().await.unwrap();
    assert_eq!(pass.settled, 1, "{pass:?}");
    let paid = h.get(&token, &invoice.id).await.unwrap();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
    assert_eq!(h.reconcile.run_once().await.unwrap(), Default::default(), "nothing left to do");
}

async fn a_partial_refund_goes_through_the_refund_api(kind: Relational) {
    let Some((h, vnpay)) = start(kind).await else { return };
    let (patient, token) = h.patient("vnpay.refund").await;
    let invoice = h.appointment_invoice("appt-vnpay-refund", &patient, 120_000).await;
    let started = h.pay(&token, &invoice.id, "vnpay-key-005", 120_000, "").await.unwrap();
    let payment = started.payment.clone().unwrap();
    assert_eq!(ipn(&h, &vnpay.pay(&redirect_url(&started), "00")).await, "00");
    let refund = RefundPaymentRequest {
        payment_id: payment.id.clone(),
        idempotency_key: "vnpay-refund-01".into(),
        amount: Some(vnd(50_000)),
        reason: "One test not done".into(),
    };
    let mut billing = h.billing().await;
    let refunded = billing.refund_payment(authed(refund.clone(), h.admin())).await.unwrap().into_inner();
    assert_eq!(refunded.refund.unwrap().status(), RefundStatus::Succeeded);
    assert_eq!(refunded.invoice.unwrap().balance.unwrap().amount_minor, 50_000);
    billing.refund_payment(authed(refund, h.admin())).await.unwrap();
    let at_vnpay = vnpay.refunds(&payment.id.replace('-', ""));
    assert_eq!(at_vnpay, [("03".to_owned(), "5000000".to_owned())], "one partial refund (type 03), VND times 100");
}

on_every_backend!(
    a_paid_redirect_settles_by_the_ipn_once,
    a_tampered_return_url_is_refused,
    ipns_for_unknown_or_settled_orders_or_other_amounts_change_nothing,
    a_missed_ipn_is_settled_by_querydr,
    a_partial_refund_goes_through_the_refund_api,
);
