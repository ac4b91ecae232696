//! Refunds by billing staff: all or part of a successful payment, with a
//! reason, through the payment's provider (cash, bank and voucher payments
//! are paid back outside HMS and recorded), once per idempotency key, never
//! beyond the payment, and in the admin audit log.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Principal;
use hms_kit::error::{invalid_field, refusal, refusal_with};
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use super::payments::sha256_hex;
use crate::domain::Method;
use crate::events::format_money;
use crate::provider::{ProviderError, RefundOutcome, RefundRequest};
use crate::store::{self, InvoiceRow, PaymentRow, PaymentStatus, RefundBegun, RefundRow, RefundSettled, RefundStatus};

/// A refund's input, validated.
pub struct RefundInput<'a> {
    pub payment_id: &'a str,
    pub idempotency_key: &'a str,
    pub amount_minor: i64,
    /// Empty: the payment's.
    pub currency: &'a str,
    pub reason: &'a str,
}

/// A refund as it stands, with its payment and invoice.
pub struct Refunded {
    pub refund: RefundRow,
    pub payment: PaymentRow,
    pub invoice: InvoiceRow,
}

fn refund_pending() -> Status {
    refusal(
        Code::Unavailable,
        "REFUND_PENDING",
        "the payment provider did not confirm the refund yet; retry with the same idempotency key",
    )
}

impl State {
    pub async fn refunds_of(&self, invoice: &InvoiceRow) -> Result<Vec<RefundRow>, Status> {
        Ok(store::refunds_of(&self.db, &invoice.id).await?)
    }

    pub async fn refund_payment(
        &self,
        caller: &Principal,
        address: &str,
        input: RefundInput<'_>,
    ) -> Result<Refunded, Status> {
        let not_found = || Status::not_found("no such payment");
        let payment = store::payment_by_id(&self.db, input.payment_id).await?.ok_or_else(not_found)?;
        let invoice = self.visible_invoice(caller, &payment.invoice_id, "REFUND").await?;
        if !input.currency.is_empty() && input.currency != invoice.currency {
            return Err(invalid_field("amount.currency", "must be the payment's currency"));
        }
        if payment.method == Method::InsurancePayout {
            return Err(refusal(
                Code::FailedPrecondition,
                "NOT_REFUNDABLE",
                "an insurer's payout is settled with the insurer, not refunded here",
            ));
        }
        let amount_text = input.amount_minor.to_string();
        let refund = RefundRow {
            id: hms_kit::ids::new_id(),
            payment_id: payment.id.clone(),
            invoice_id: invoice.id.clone(),
            amount: input.amount_minor,
            status: RefundStatus::Pending,
            reason: input.reason.to_owned(),
            idempotency_key: format!("{}:{}", caller.subject, input.idempotency_key),
            fingerprint: sha256_hex(&["refund", &payment.id, &amount_text, input.reason]),
            provider_refund_id: String::new(),
            failure_reason: String::new(),
            created_by: caller.subject.clone(),
            created_at: now_micros(),
        };
        let action = AdminActionEvent::by(caller, address, "invoice.payment_refunded", "invoice", &invoice.id).change(
            format!("payment {} of {}", payment.id, format_money(payment.amount, &invoice.currency)),
            format!("refund of {}: {}", format_money(refund.amount, &invoice.currency), input.reason),
        );
        let refund = match store::begin_refund(&self.db, &refund, &action).await? {
            RefundBegun::New(refund) => self.execute_refund(refund, &payment, &invoice.currency).await?,
            RefundBegun::Existing(existing) if existing.fingerprint == refund.fingerprint => match existing.status {
                RefundStatus::Pending => self.execute_refund(existing, &payment, &invoice.currency).await?,
                _ => existing,
            },
            RefundBegun::Existing(_) => {
                return Err(refusal(
                    Code::AlreadyExists,
                    "IDEMPOTENCY_KEY_REUSED",
                    "this idempotency key was used for a different refund",
                ));
            }
            RefundBegun::Exceeds => {
                let left = if payment.status == PaymentStatus::Success { payment.amount - payment.refunded } else { 0 };
                return Err(refusal_with(
                    Code::FailedPrecondition,
                    "REFUND_EXCEEDS_PAYMENT",
                    format!("at most {} of this payment can be refunded", format_money(left, &invoice.currency)),
                    [("refundable_minor", left.to_string())],
                ));
            }
        };
        if refund.status == RefundStatus::Failed {
            return Err(refusal_with(
                Code::FailedPrecondition,
                "REFUND_FAILED",
                "the payment provider refused the refund",
                [("provider_reason", refund.failure_reason.clone())],
            ));
        }
        let payment = store::payment_by_id(&self.db, &payment.id).await?.ok_or_else(not_found)?;
        let invoice = self.reload(&invoice.id).await?;
        Ok(Refunded { refund, payment, invoice })
    }

    /// Asks the payment's provider for a PENDING refund (again: the provider
    /// makes one refund per id) and settles it as answered; still PENDING
    /// when the provider has not finished.
    pub async fn execute_refund(
        &self,
        refund: RefundRow,
        payment: &PaymentRow,
        currency: &str,
    ) -> Result<RefundRow, Status> {
        let outcome = if payment.provider.is_empty() {
            // Paid back outside HMS, as it was paid.
            RefundOutcome::Succeeded { id: String::new() }
        } else {
            let Some(provider) = self.providers.named(&payment.provider) else {
                tracing::warn!(refund = %refund.id, provider = %payment.provider, "refund's provider is not configured");
                return Err(refund_pending());
            };
            let request = RefundRequest {
                refund_id: &refund.id,
                payment_id: &payment.id,
                reference: &payment.transaction_id,
                amount_minor: refund.amount,
                currency,
            };
            match provider.refund(request).await {
                Ok(outcome) => outcome,
                Err(ProviderError::Rejected(reason)) => RefundOutcome::Failed { id: String::new(), reason },
                Err(e) => {
                    tracing::warn!(refund = %refund.id, error = %e, "refund not confirmed; it stays pending");
                    return Err(refund_pending());
                }
            }
        };
        let settled = match &outcome {
            RefundOutcome::Succeeded { id } => RefundSettled::Succeeded { provider_refund_id: id },
            RefundOutcome::Failed { id, reason } => RefundSettled::Failed { provider_refund_id: id, reason },
            RefundOutcome::Pending { .. } => return Ok(refund),
        };
        store::settle_refund(&self.db, &refund, settled).await?;
        store::refund_by_key(&self.db, &refund.idempotency_key)
            .await?
            .ok_or_else(|| hms_kit::error::internal("a refund row vanished"))
    }
}
