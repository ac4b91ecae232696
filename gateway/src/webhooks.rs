//! Payment providers' webhooks, which providers send as plain HTTP to fixed
//! paths: the body's exact bytes and the signature header are passed to the
//! billing service, which verifies and applies them. The answers are what
//! the providers expect: 2xx once handled (or seen before), 400 for a
//! forged or malformed event (never retried usefully), 503 while billing
//! cannot be reached (the provider retries later).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hms_kit::proto::billing::payment_webhook_service_client::PaymentWebhookServiceClient;
use hms_kit::proto::billing::{ReceiveStripeEventRequest, ReceiveVnpayIpnRequest};
use serde_json::json;
use tonic::Code;

use crate::Shared;

/// Larger than any provider's event; a bigger body is refused unread.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub async fn stripe(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(upstream) = shared.upstreams.get("hms.billing.v1") else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "the billing service is not configured");
    };
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let request = ReceiveStripeEventRequest { signature, payload: body.to_vec() };
    match PaymentWebhookServiceClient::new(upstream).receive_stripe_event(request).await {
        Ok(reply) => (StatusCode::OK, axum::Json(json!({ "received": true, "outcome": reply.into_inner().outcome })))
            .into_response(),
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::InvalidArgument) => {
            answer(StatusCode::BAD_REQUEST, status.message())
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "Stripe webhook not handled; Stripe will retry");
            answer(StatusCode::SERVICE_UNAVAILABLE, "not handled now; retry later")
        }
    }
}

/// VNPay's IPN: a GET whose query string is the signed notification. VNPay
/// reads the JSON answer, always with HTTP 200; `99` (unknown error) while
/// billing cannot be reached makes VNPay call again later.
pub async fn vnpay_ipn(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let unknown = || vnpay_answer("99", "Unknow error");
    let Some(upstream) = shared.upstreams.get("hms.billing.v1") else {
        return unknown();
    };
    let request = ReceiveVnpayIpnRequest { query: query.unwrap_or_default() };
    match PaymentWebhookServiceClient::new(upstream).receive_vnpay_ipn(request).await {
        Ok(reply) => {
            let reply = reply.into_inner();
            vnpay_answer(&reply.rsp_code, &reply.message)
        }
        Err(status) if status.code() == Code::InvalidArgument => vnpay_answer("97", "Invalid Checksum"),
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "VNPay IPN not handled; VNPay will retry");
            unknown()
        }
    }
}

fn vnpay_answer(code: &str, message: &str) -> Response {
    (StatusCode::OK, axum::Json(json!({ "RspCode": code, "Message": message }))).into_response()
}

fn answer(code: StatusCode, message: &str) -> Response {
    (code, axum::Json(json!({ "error": message }))).into_response()
}
