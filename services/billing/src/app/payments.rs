//! Payments: a patient's card payment (begun PENDING, charged through the
//! provider under the payment's id, settled; replays and provider timeouts
//! reconciled, never charged twice) and an admin's manual payment (cash, bank
//! transfer, voucher), each once per idempotency key.

use std::time::Duration;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Principal;
use hms_kit::error::{self, invalid_field, refusal, refusal_with};
use hms_kit::time::now_micros;
use ring::digest::{SHA256, digest};
use tonic::{Code, Status};

use super::State;
use super::invoicing::invoice_summary;
use crate::domain::Method;
use crate::events;
use crate::provider::{ChargeOutcome, ChargeRequest, ProviderError};
use crate::store::{self, Begun, InvoiceRow, PaymentRow, PaymentStatus};

pub fn sha256_hex(parts: &[&str]) -> String {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    let joined: String = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
    digest(&SHA256, joined.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A card payment's input, validated.
pub struct CardPayment<'a> {
    pub invoice_id: &'a str,
    pub idempotency_key: &'a str,
    pub amount_minor: i64,
    /// Empty: the invoice's.
    pub currency: &'a str,
    pub card_token: &'a str,
}

/// A manual payment's input, validated.
pub struct Manual<'a> {
    pub idempotency_key: &'a str,
    pub amount_minor: i64,
    /// Empty: the invoice's.
    pub currency: String,
    pub method: Method,
    pub reference: &'a str,
}

fn declined(reason: &str) -> Status {
    refusal_with(
        Code::FailedPrecondition,
        "PAYMENT_DECLINED",
        "the card payment was declined",
        [("provider_reason", reason.to_owned())],
    )
}

fn pending_payment() -> Status {
    refusal(
        Code::Unavailable,
        "PAYMENT_PENDING",
        "the payment provider did not confirm the charge yet; retry with the same idempotency key",
    )
}

impl State {
    /// The payments of an invoice, oldest first.
    pub async fn payments_of(&self, invoice: &InvoiceRow) -> Result<Vec<PaymentRow>, Status> {
        Ok(store::payments_of(&self.db, &invoice.id).await?)
    }

    /// Pays an invoice the caller may see by card (or answers a replay of
    /// the same request); the payment and the invoice as it now is.
    pub async fn pay_by_card(
        &self,
        caller: &Principal,
        input: CardPayment<'_>,
    ) -> Result<(PaymentRow, InvoiceRow), Status> {
        let invoice = self.visible_invoice(caller, input.invoice_id, "PAY").await?;
        if !input.currency.is_empty() && input.currency != invoice.currency {
            return Err(invalid_field("amount.currency", "must be the invoice's currency"));
        }
        let amount_text = input.amount_minor.to_string();
        let payment = PaymentRow {
            id: hms_kit::ids::new_id(),
            invoice_id: invoice.id.clone(),
            patient_id: invoice.patient_id.clone(),
            amount: input.amount_minor,
            method: Method::CreditCard,
            status: PaymentStatus::Pending,
            // Scoped by the caller: two clients' keys never meet.
            idempotency_key: format!("{}:{}", caller.subject, input.idempotency_key),
            fingerprint: sha256_hex(&["card", &invoice.id, &amount_text, input.card_token]),
            transaction_id: String::new(),
            card_last4: String::new(),
            failure_reason: String::new(),
            created_at: now_micros(),
        };
        let settled = match self.begin(payment, None, None).await? {
            Ok(started) => self.charge(started, input.card_token).await?,
            Err(existing) => self.settle(existing, Some(input.card_token)).await?,
        };
        let invoice = self.reload(&settled.invoice_id).await?;
        Ok((settled, invoice))
    }

    /// Answers a payment request whose row exists: replays return the
    /// original outcome; a payment still PENDING is waited for, then
    /// reconciled with the provider.
    async fn settle(&self, payment: PaymentRow, card_token: Option<&str>) -> Result<PaymentRow, Status> {
        let mut payment = payment;
        let deadline = tokio::time::Instant::now() + self.payment_wait;
        while payment.status == PaymentStatus::Pending && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
            payment = store::payment_by_key(&self.db, &payment.idempotency_key)
                .await?
                .ok_or_else(|| error::internal("a payment row vanished"))?;
        }
        match payment.status {
            PaymentStatus::Success => Ok(payment),
            PaymentStatus::Failed => Err(declined(&payment.failure_reason)),
            PaymentStatus::Pending => self.reconcile(payment, card_token).await,
        }
    }

    /// Finds out what became of a PENDING card payment: the provider's record
    /// under our key decides; without one, the charge is made (again) under
    /// the same key, which the provider never charges twice.
    async fn reconcile(&self, payment: PaymentRow, card_token: Option<&str>) -> Result<PaymentRow, Status> {
        match self.provider.lookup(&payment.id).await {
            Ok(Some(charge)) => self.apply_charge(payment, charge).await,
            Ok(None) => match card_token {
                Some(token) => self.charge(payment, token).await,
                None => Err(pending_payment()),
            },
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "payment lookup failed; payment stays pending");
                Err(pending_payment())
            }
        }
    }

    async fn charge(&self, payment: PaymentRow, card_token: &str) -> Result<PaymentRow, Status> {
        let invoice = self.reload(&payment.invoice_id).await?;
        let request = ChargeRequest {
            idempotency_key: &payment.id,
            amount_minor: payment.amount,
            currency: &invoice.currency,
            card_token,
        };
        match self.provider.charge(request).await {
            Ok(charge) => self.apply_charge(payment, charge).await,
            Err(ProviderError::Timeout | ProviderError::Unavailable(_)) => {
                // The charge may have gone through: ask, never charge blindly again.
                match self.provider.lookup(&payment.id).await {
                    Ok(Some(charge)) => self.apply_charge(payment, charge).await,
                    Ok(None) | Err(_) => Err(pending_payment()),
                }
            }
        }
    }

    async fn apply_charge(&self, payment: PaymentRow, charge: crate::provider::Charge) -> Result<PaymentRow, Status> {
        match &charge.outcome {
            ChargeOutcome::Succeeded => {
                let invoice = self.reload(&payment.invoice_id).await?;
                let event = events::payment_successful(&invoice, &payment).map_err(error::internal)?;
                store::complete_payment(&self.db, &payment, &charge.id, &charge.card_last4, &event).await?;
            }
            ChargeOutcome::Declined(reason) => {
                store::fail_payment(&self.db, &payment, reason, &charge.card_last4).await?;
            }
        }
        let settled = store::payment_by_key(&self.db, &payment.idempotency_key)
            .await?
            .ok_or_else(|| error::internal("a payment row vanished"))?;
        match settled.status {
            PaymentStatus::Failed => Err(declined(&settled.failure_reason)),
            _ => Ok(settled),
        }
    }

    /// Starts a payment: the new row, or Err with the existing row of a
    /// replay (same key, same request).
    async fn begin(
        &self,
        payment: PaymentRow,
        event: Option<&hms_kit::outbox::Event>,
        by_admin: Option<&AdminActionEvent>,
    ) -> Result<Result<PaymentRow, PaymentRow>, Status> {
        match store::begin_payment(&self.db, &payment, event, by_admin).await? {
            Begun::New(p) => Ok(Ok(p)),
            Begun::Existing(existing) if existing.fingerprint == payment.fingerprint => Ok(Err(existing)),
            Begun::Existing(_) => Err(refusal(
                Code::AlreadyExists,
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was used for a different payment request",
            )),
            Begun::Overpayment => {
                let balance = self.reload(&payment.invoice_id).await?.balance();
                Err(refusal_with(
                    Code::FailedPrecondition,
                    "OVERPAYMENT",
                    format!("the amount exceeds the invoice's open balance of {balance}"),
                    [("balance_minor", balance.to_string())],
                ))
            }
            Begun::NotOpen => Err(refusal(
                Code::FailedPrecondition,
                "INVOICE_NOT_PAYABLE",
                "the invoice takes no payments in its status",
            )),
        }
    }

    /// Records a manual payment (or finds the one of its idempotency key);
    /// the payment and the invoice as it now is.
    pub async fn manual_payment(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        input: Manual<'_>,
        currency_field: &str,
    ) -> Result<(PaymentRow, InvoiceRow), Status> {
        let invoice = self.visible_invoice(caller, id, "RECORD_PAYMENT").await?;
        if !input.currency.is_empty() && input.currency != invoice.currency {
            return Err(invalid_field(currency_field, "must be the invoice's currency"));
        }
        let amount_text = input.amount_minor.to_string();
        let payment = PaymentRow {
            id: hms_kit::ids::new_id(),
            invoice_id: invoice.id.clone(),
            patient_id: invoice.patient_id.clone(),
            amount: input.amount_minor,
            method: input.method,
            status: PaymentStatus::Success,
            idempotency_key: format!("{}:{}", caller.subject, input.idempotency_key),
            fingerprint: sha256_hex(&[input.method.as_str(), &invoice.id, &amount_text, input.reference]),
            transaction_id: input.reference.to_owned(),
            card_last4: String::new(),
            failure_reason: String::new(),
            created_at: now_micros(),
        };
        let event = events::payment_successful(&invoice, &payment).map_err(error::internal)?;
        let action = AdminActionEvent::by(caller, address, "invoice.payment_recorded", "invoice", &invoice.id).change(
            invoice_summary(&invoice),
            format!("{} payment of {} {}", input.method.as_str(), payment.amount, invoice.currency),
        );
        let settled = match self.begin(payment, Some(&event), Some(&action)).await? {
            Ok(p) | Err(p) => p,
        };
        let invoice = self.reload(&settled.invoice_id).await?;
        Ok((settled, invoice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(sha256_hex(&["ab", "c"]), sha256_hex(&["a", "bc"]));
        assert_eq!(sha256_hex(&["x"]), sha256_hex(&["x"]));
    }
}
