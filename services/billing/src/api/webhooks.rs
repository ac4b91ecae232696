//! `PaymentWebhookService`: the payment providers' callbacks, which the
//! gateway forwards as received. No caller identity: the provider's
//! signature, checked by the use case, is the authentication.

use std::sync::Arc;

use hms_kit::error::FieldViolations;
use hms_kit::proto::billing::payment_webhook_service_server::PaymentWebhookService;
use hms_kit::proto::billing::*;
use tonic::{Request, Response};

use super::Reply;
use crate::app::State;

pub struct WebhookApi(pub Arc<State>);

/// Stripe's events are a few kilobytes; anything far larger is not one.
const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// VNPay's callbacks are a few hundred bytes of query string.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

#[tonic::async_trait]
impl PaymentWebhookService for WebhookApi {
    async fn receive_stripe_event(
        &self,
        request: Request<ReceiveStripeEventRequest>,
    ) -> Reply<ReceiveStripeEventResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if r.signature.is_empty() || r.signature.len() > 2048 {
            v.add("signature", "is required: the Stripe-Signature header, at most 2048 characters");
        }
        if r.payload.is_empty() || r.payload.len() > MAX_PAYLOAD_BYTES {
            v.add("payload", "is required: the event's body, at most 256 KiB");
        }
        v.into_result()?;
        let outcome = self.0.receive_stripe_event(&r.signature, &r.payload).await?;
        Ok(Response::new(ReceiveStripeEventResponse { outcome: outcome.to_owned() }))
    }

    /// Every IPN gets VNPay's JSON answer: an error of ours is `99`, which
    /// VNPay retries later.
    async fn receive_vnpay_ipn(&self, request: Request<ReceiveVnpayIpnRequest>) -> Reply<ReceiveVnpayIpnResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if r.query.is_empty() || r.query.len() > MAX_QUERY_BYTES {
            v.add("query", "is required: the IPN's query string, at most 8 KiB");
        }
        v.into_result()?;
        let (code, message) = match self.0.receive_vnpay_ipn(&r.query).await {
            Ok(answer) => answer.code_and_message(),
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "VNPay IPN not handled");
                ("99", "Unknow error")
            }
        };
        Ok(Response::new(ReceiveVnpayIpnResponse { rsp_code: code.to_owned(), message: message.to_owned() }))
    }
}
