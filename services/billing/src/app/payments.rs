//! Payments: a patient's card payment (begun PENDING, charged through the
//! provider under the payment's id, settled; replays and provider timeouts
//! reconciled, never charged twice) and an admin's manual payment (cash, bank
//! transfer, voucher), each once per idempotency key.

use std::time::Duration;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Principal;
use hms_kit::error::{self, invalid_field, refusal, refusal_with};
use hms_kit::proto::common::Role;
use hms_kit::time::now_micros;
use ring::digest::{SHA256, digest};
use tonic::{Code, Status};

use super::State;
use super::invoicing::invoice_summary;
use crate::domain::Method;
use crate::events;
use crate::provider::{
    Charge, ChargeOutcome, Found, PayerAction, PaymentProvider, ProviderError, StartRequest, Started,
};
use crate::store::{self, Begun, Card, InvoiceRow, PaymentRow, PaymentStatus};

/// A card payment as it stands, and what the payer does next if anything.
type Settled = (PaymentRow, Option<PayerAction>);

/// The answer to a VNPay IPN, in VNPay's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    Confirmed,
    OrderNotFound,
    AlreadyConfirmed,
    InvalidAmount,
    InvalidChecksum,
}

impl IpnAnswer {
    /// `RspCode` and `Message` as the guide writes them.
    pub fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            IpnAnswer::Confirmed => ("00", "Confirm Success"),
            IpnAnswer::OrderNotFound => ("01", "Order not found"),
            IpnAnswer::AlreadyConfirmed => ("02", "Order already confirmed"),
            IpnAnswer::InvalidAmount => ("04", "Invalid amount"),
            IpnAnswer::InvalidChecksum => ("97", "Invalid Checksum"),
        }
    }
}

/// What paying by card answers.
pub struct CardAnswer {
    pub payment: PaymentRow,
    pub invoice: InvoiceRow,
    /// While the payer has to finish in the browser.
    pub payer_action: Option<PayerAction>,
}

pub fn sha256_hex(parts: &[&str]) -> String {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    let joined: String = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
    crate::provider::hex(digest(&SHA256, joined.as_bytes()).as_ref())
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
    /// the same request); the payment, the invoice as it now is and, while
    /// the payer has to finish it in the browser, what they do next.
    pub async fn pay_by_card(&self, caller: &Principal, input: CardPayment<'_>) -> Result<CardAnswer, Status> {
        let invoice = self.visible_invoice(caller, input.invoice_id, "PAY").await?;
        if !input.currency.is_empty() && input.currency != invoice.currency {
            return Err(invalid_field("amount.currency", "must be the invoice's currency"));
        }
        let provider = self.providers.for_currency(&invoice.currency);
        provider.check_card_token(input.card_token).map_err(|why| invalid_field("card_token", &why))?;
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
            provider: provider.name().to_owned(),
            card_brand: String::new(),
            refunded: 0,
        };
        self.supersede_open_attempts(&invoice.id, &payment.idempotency_key).await?;
        let (payment, payer_action) = match self.begin(payment, None, None).await? {
            Ok(started) => self.start(started, input.card_token).await?,
            Err(existing) => self.settle(existing, input.card_token).await?,
        };
        let invoice = self.reload(&payment.invoice_id).await?;
        Ok(CardAnswer { payment, invoice, payer_action })
    }

    /// Answers a payment request whose row exists: replays return the
    /// original outcome; a payment still PENDING is waited for while its
    /// first request is at the provider, then reconciled with the provider.
    async fn settle(&self, payment: PaymentRow, card_token: &str) -> Result<Settled, Status> {
        let mut payment = payment;
        let deadline = tokio::time::Instant::now() + self.payment_wait;
        // A reference means the provider answered and the payer is on it:
        // nothing to wait for here.
        while payment.status == PaymentStatus::Pending
            && payment.transaction_id.is_empty()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(25)).await;
            payment = store::payment_by_key(&self.db, &payment.idempotency_key)
                .await?
                .ok_or_else(|| error::internal("a payment row vanished"))?;
        }
        match payment.status {
            PaymentStatus::Success | PaymentStatus::Refunded => Ok((payment, None)),
            PaymentStatus::Failed => Err(declined(&payment.failure_reason)),
            PaymentStatus::Pending => self.reconcile(payment, card_token).await,
        }
    }

    /// Finds out what became of a PENDING card payment: the provider's record
    /// of it decides; without one, the payment is started (again) under the
    /// same key, which the provider never charges twice.
    pub async fn reconcile(&self, payment: PaymentRow, card_token: &str) -> Result<Settled, Status> {
        let Some(provider) = self.providers.named(&payment.provider) else {
            tracing::warn!(payment = %payment.id, provider = %payment.provider, "payment's provider is not configured");
            return Err(pending_payment());
        };
        let currency = self.reload(&payment.invoice_id).await?.currency;
        match provider.lookup(&payment.id, &payment.transaction_id, &currency).await {
            Ok(Found::Settled(charge)) => self.apply_charge(payment, charge).await.map(|p| (p, None)),
            Ok(Found::Open { reference, action }) => {
                if reference != payment.transaction_id {
                    store::set_payment_reference(&self.db, &payment.id, &reference).await?;
                }
                Ok((PaymentRow { transaction_id: reference, ..payment }, action))
            }
            Ok(Found::Nothing) if provider.needs_payer() || !card_token.is_empty() => {
                self.start(payment, card_token).await
            }
            Ok(Found::Nothing) => Err(pending_payment()),
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "payment lookup failed; payment stays pending");
                Err(pending_payment())
            }
        }
    }

    /// A payer who starts over (a new attempt, a new key) leaves the
    /// earlier attempt open at the provider, holding its amount: give those
    /// up first, so that only one attempt per invoice can be paid.
    async fn supersede_open_attempts(&self, invoice_id: &str, idempotency_key: &str) -> Result<(), Status> {
        for earlier in store::payments_of(&self.db, invoice_id).await? {
            let waiting_for_payer = earlier.status == PaymentStatus::Pending && !earlier.transaction_id.is_empty();
            if waiting_for_payer && earlier.idempotency_key != idempotency_key {
                // Answers "declined" once it is given up; that is the point.
                let _ = self.abandon(earlier).await;
            }
        }
        Ok(())
    }

    /// Gives up a payment its payer left: cancelled at the provider, or
    /// settled as the provider has it if it was paid after all.
    pub async fn abandon(&self, payment: PaymentRow) -> Result<Settled, Status> {
        let Some(provider) = self.providers.named(&payment.provider) else {
            return Err(pending_payment());
        };
        let currency = self.reload(&payment.invoice_id).await?.currency;
        match provider.abandon(&payment.id, &payment.transaction_id, &currency).await {
            Ok(Found::Settled(charge)) => self.apply_charge(payment, charge).await.map(|p| (p, None)),
            Ok(Found::Nothing) => {
                // Never reached the provider: nothing can be paid.
                store::fail_payment(&self.db, &payment, "abandoned", &Card::default()).await?;
                Err(declined("abandoned"))
            }
            Ok(Found::Open { .. }) => Err(pending_payment()),
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "cannot abandon the payment at its provider");
                Err(pending_payment())
            }
        }
    }

    /// Applies a Stripe webhook event: the signature checked, each event
    /// once, the payment found by the id we gave the intent (so an event
    /// that overtakes our own answer from Stripe is applied all the same),
    /// and the amount checked against the payment. What it came to.
    pub async fn receive_stripe_event(&self, signature: &str, payload: &[u8]) -> Result<&'static str, Status> {
        let Some(stripe) = self.providers.stripe() else {
            return Err(refusal(Code::FailedPrecondition, "PROVIDER_NOT_CONFIGURED", "Stripe is not configured"));
        };
        let now = jiff::Timestamp::now().as_second();
        let event = match stripe.client.verify_webhook(signature, payload, now) {
            Ok(Some(event)) => event,
            Ok(None) => return Ok("IGNORED"),
            Err(e) => {
                tracing::warn!(error = %e, "Stripe webhook refused");
                return Err(Status::unauthenticated(format!("the webhook is not Stripe's: {e}")));
            }
        };
        if store::provider_event_seen(&self.db, "stripe", &event.event_id).await? {
            return Ok("DUPLICATE");
        }
        let payment = match store::payment_by_id(&self.db, &event.intent.payment_id).await? {
            Some(p) if p.provider == "stripe" => p,
            _ => {
                tracing::warn!(event = %event.event_id, intent = %event.intent.id, "Stripe event about no payment of ours");
                store::record_provider_event(&self.db, "stripe", &event.event_id, "", "IGNORED").await?;
                return Ok("IGNORED");
            }
        };
        if !payment.transaction_id.is_empty() && payment.transaction_id != event.intent.id {
            tracing::warn!(payment = %payment.id, intent = %event.intent.id, "Stripe event about another intent of the payment");
            store::record_provider_event(&self.db, "stripe", &event.event_id, &payment.id, "IGNORED").await?;
            return Ok("IGNORED");
        }
        // Events carry the payment method's id only; the card's brand and
        // last digits come with the intent expanded.
        let currency = self.reload(&payment.invoice_id).await?.currency;
        let intent = match stripe.client.retrieve_intent(&event.intent.id, &currency).await {
            Ok(expanded) => expanded,
            Err(e) => {
                tracing::warn!(intent = %event.intent.id, error = %e, "cannot retrieve the intent; applying the event as sent");
                event.intent
            }
        };
        let outcome = match intent.charge() {
            Some(charge) if payment.status == PaymentStatus::Pending => {
                // A decline answers Err; the payment is settled all the same.
                let _ = self.apply_charge(payment.clone(), charge).await;
                "APPLIED"
            }
            _ => "IGNORED",
        };
        if !store::record_provider_event(&self.db, "stripe", &event.event_id, &payment.id, outcome).await? {
            return Ok("DUPLICATE");
        }
        Ok(outcome)
    }

    /// Applies a VNPay IPN as the guide asks: the checksum (97), our order
    /// (01), its amount (04), an order settled already (02), else settled
    /// here (00). Settling is conditional on PENDING, so replays racing each
    /// other credit once; each transaction is recorded once.
    pub async fn receive_vnpay_ipn(&self, query: &str) -> Result<IpnAnswer, Status> {
        let Some(vnpay) = self.providers.vnpay() else {
            return Err(refusal(Code::FailedPrecondition, "PROVIDER_NOT_CONFIGURED", "VNPay is not configured"));
        };
        let callback = match vnpay.client.verify(query) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "VNPay IPN refused");
                return Ok(IpnAnswer::InvalidChecksum);
            }
        };
        let payment = match &callback.payment_id {
            Some(id) => store::payment_by_id(&self.db, id).await?.filter(|p| p.provider == vnpay.name()),
            None => None,
        };
        let Some(payment) = payment else {
            tracing::warn!(txn_ref = %callback.txn_ref, "VNPay IPN about no payment of ours");
            return Ok(IpnAnswer::OrderNotFound);
        };
        if callback.amount_minor != payment.amount {
            tracing::error!(payment = %payment.id, paid = callback.amount_minor, expected = payment.amount, "VNPay IPN with another amount; not credited");
            return Ok(IpnAnswer::InvalidAmount);
        }
        if payment.status != PaymentStatus::Pending {
            return Ok(IpnAnswer::AlreadyConfirmed);
        }
        // A decline answers Err; the payment is settled all the same.
        let _ = self.apply_charge(payment.clone(), callback.charge()).await;
        let settled = store::payment_by_id(&self.db, &payment.id).await?;
        if settled.is_none_or(|p| p.status == PaymentStatus::Pending) {
            // Not stored: VNPay is answered 99 and notifies again.
            return Err(error::internal("the VNPay payment could not be settled"));
        }
        let event_id = if callback.transaction_no.is_empty() { &callback.txn_ref } else { &callback.transaction_no };
        if !store::record_provider_event(&self.db, vnpay.name(), event_id, &payment.id, "APPLIED").await? {
            return Ok(IpnAnswer::AlreadyConfirmed);
        }
        Ok(IpnAnswer::Confirmed)
    }

    /// The payer is back from VNPay: the return URL's checksum is checked
    /// and its payment must be the caller's; its outcome is asked of VNPay,
    /// since the browser could replay or alter what it brought.
    pub async fn confirm_vnpay_return(
        &self,
        caller: &Principal,
        query: &str,
    ) -> Result<(PaymentRow, InvoiceRow), Status> {
        let Some(vnpay) = self.providers.vnpay() else {
            return Err(refusal(Code::FailedPrecondition, "PROVIDER_NOT_CONFIGURED", "VNPay is not configured"));
        };
        let callback = vnpay
            .client
            .verify(query)
            .map_err(|e| invalid_field("query", &format!("is not a return URL signed by VNPay: {e}")))?;
        let not_found = || refusal(Code::NotFound, "PAYMENT_NOT_FOUND", "no such payment");
        let payment_id = callback.payment_id.ok_or_else(not_found)?;
        let payment = store::payment_by_id(&self.db, &payment_id)
            .await?
            .filter(|p| p.provider == vnpay.name() && (caller.role == Role::Admin || p.patient_id == caller.subject))
            .ok_or_else(not_found)?;
        self.visible_invoice(caller, &payment.invoice_id, "PAY").await?;
        let payment = match payment.status {
            PaymentStatus::Pending => self.reconcile(payment, "").await?.0,
            PaymentStatus::Failed => return Err(declined(&payment.failure_reason)),
            _ => payment,
        };
        let invoice = self.reload(&payment.invoice_id).await?;
        Ok((payment, invoice))
    }

    /// Starts a PENDING payment at its provider, under the payment's id.
    async fn start(&self, payment: PaymentRow, card_token: &str) -> Result<Settled, Status> {
        let Some(provider) = self.providers.named(&payment.provider) else {
            return Err(pending_payment());
        };
        let invoice = self.reload(&payment.invoice_id).await?;
        let request = StartRequest {
            payment_id: &payment.id,
            invoice_id: &payment.invoice_id,
            invoice_number: &invoice.invoice_number,
            amount_minor: payment.amount,
            currency: &invoice.currency,
            card_token,
        };
        match provider.start(request).await {
            Ok(Started::Done(charge)) => self.apply_charge(payment, charge).await.map(|p| (p, None)),
            Ok(Started::WithPayer { reference, action }) => {
                store::set_payment_reference(&self.db, &payment.id, &reference).await?;
                Ok((PaymentRow { transaction_id: reference, ..payment }, Some(action)))
            }
            Err(ProviderError::Rejected(reason)) => {
                tracing::warn!(payment = %payment.id, %reason, "the provider refused the payment");
                store::fail_payment(&self.db, &payment, &reason, &Card::default()).await?;
                Err(declined(&reason))
            }
            Err(ProviderError::Timeout | ProviderError::Unavailable(_)) => {
                // The payment may have been made: ask, never start blindly again.
                match provider.lookup(&payment.id, "", &invoice.currency).await {
                    Ok(Found::Settled(charge)) => self.apply_charge(payment, charge).await.map(|p| (p, None)),
                    Ok(Found::Open { .. } | Found::Nothing) | Err(_) => Err(pending_payment()),
                }
            }
        }
    }

    /// Settles a payment as the provider reports it. A charge whose amount
    /// or currency is not the payment's is not credited: it fails, logged
    /// for billing staff to review.
    pub async fn apply_charge(&self, payment: PaymentRow, charge: Charge) -> Result<PaymentRow, Status> {
        let invoice = self.reload(&payment.invoice_id).await?;
        let card = Card { brand: &charge.card_brand, last4: &charge.card_last4 };
        if charge.amount_minor != payment.amount || !charge.currency.eq_ignore_ascii_case(&invoice.currency) {
            tracing::error!(
                payment = %payment.id, charge = %charge.id, charged = charge.amount_minor, charged_currency = %charge.currency,
                expected = payment.amount, expected_currency = %invoice.currency,
                "the provider's amount differs from the payment's; not credited, to be reviewed"
            );
            store::fail_payment(&self.db, &payment, "the provider's amount differs from the payment's", &card).await?;
        } else {
            match &charge.outcome {
                ChargeOutcome::Succeeded => {
                    let event = events::payment_successful(&invoice, &payment).map_err(error::internal)?;
                    store::complete_payment(&self.db, &payment, &charge, &event).await?;
                }
                ChargeOutcome::Declined(reason) => {
                    store::fail_payment(&self.db, &payment, reason, &card).await?;
                }
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
            provider: String::new(),
            card_brand: String::new(),
            refunded: 0,
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
