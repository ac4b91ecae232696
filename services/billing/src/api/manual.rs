//! The admin's discount and manual payment, shared by their own routes and by
//! seed 003's single `PUT /api/v1/admin/invoices/{id}` (UpdateInvoice).

use super::*;

/// A manual payment's input, validated.
pub(super) struct Manual<'a> {
    pub idempotency_key: &'a str,
    pub amount: Money,
    pub method: Method,
    pub reference: &'a str,
}

/// Validates a manual payment's fields (named after `prefix`, e.g.
/// `payment.`); None with violations added when any is wrong.
pub(super) fn check_manual<'a>(
    v: &mut FieldViolations,
    prefix: &str,
    idempotency_key: &'a str,
    amount: Option<&Money>,
    method: i32,
    reference: &'a str,
) -> Option<Manual<'a>> {
    let mut own = FieldViolations::new();
    check_idempotency_key(&mut own, idempotency_key);
    let amount = amount.cloned().unwrap_or_default();
    check_amount(&mut own, "amount.amount_minor", amount.amount_minor, false);
    let method = match PaymentMethod::try_from(method) {
        Ok(PaymentMethod::Cash) => Some(Method::Cash),
        Ok(PaymentMethod::BankTransfer) => Some(Method::BankTransfer),
        Ok(PaymentMethod::Voucher) => Some(Method::Voucher),
        _ => None,
    };
    own.require(method.is_some(), "method", "must be CASH, BANK_TRANSFER or VOUCHER");
    own.text("reference", reference, 100, false);
    let ok = own.is_empty();
    v.nest(prefix, own);
    Some(Manual { idempotency_key, amount, method: method.filter(|_| ok)?, reference })
}

impl State {
    /// Sets an open invoice's whole discount; the invoice as it now is.
    pub(super) async fn discount(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        discount: i64,
    ) -> Result<InvoiceRow, Status> {
        let invoice = self.visible_invoice(caller, id, "DISCOUNT").await?;
        let totals = domain::retotal(invoice.subtotal, discount, self.tax_basis_points)
            .map_err(|_| invalid_field("discount_minor", "must not exceed the subtotal"))?;
        let action = AdminActionEvent::by(caller, address, "invoice.discounted", "invoice", &invoice.id).change(
            invoice_summary(&invoice),
            format!("discount {}, total {} {}", totals.discount, totals.total, invoice.currency),
        );
        if !store::apply_discount(&self.db, &invoice.id, &totals, &action).await.map_err(error::store)? {
            let now = self.reload(&invoice.id).await?;
            return Err(if now.status.is_open() {
                refusal(
                    Code::FailedPrecondition,
                    "DISCOUNT_BELOW_PAID",
                    "the discounted total would be less than what was already paid",
                )
            } else {
                refusal(Code::FailedPrecondition, "INVOICE_NOT_OPEN", "only an open invoice can be discounted")
            });
        }
        self.reload(&invoice.id).await
    }

    /// Records a manual payment (or finds the one of its idempotency key);
    /// the payment and the invoice as it now is.
    pub(super) async fn manual_payment(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        input: Manual<'_>,
        currency_field: &str,
    ) -> Result<(PaymentRow, InvoiceRow), Status> {
        let invoice = self.visible_invoice(caller, id, "RECORD_PAYMENT").await?;
        if !input.amount.currency.is_empty() && input.amount.currency != invoice.currency {
            return Err(invalid_field(currency_field, "must be the invoice's currency"));
        }
        let amount_text = input.amount.amount_minor.to_string();
        let payment = PaymentRow {
            id: uuid::Uuid::now_v7().to_string(),
            invoice_id: invoice.id.clone(),
            patient_id: invoice.patient_id.clone(),
            amount: input.amount.amount_minor,
            method: input.method,
            status: PaymentStatus::Success,
            idempotency_key: format!("{}:{}", caller.subject, input.idempotency_key),
            fingerprint: sha256_hex(&[input.method.as_str(), &invoice.id, &amount_text, input.reference]),
            transaction_id: input.reference.to_owned(),
            card_last4: String::new(),
            failure_reason: String::new(),
            created_at: now_micros(),
        };
        let notice = events::payment_successful(&invoice, &payment);
        let action = AdminActionEvent::by(caller, address, "invoice.payment_recorded", "invoice", &invoice.id).change(
            invoice_summary(&invoice),
            format!("{} payment of {} {}", input.method.as_str(), payment.amount, invoice.currency),
        );
        let settled = match self.begin(payment, Some(&notice), Some(&action)).await? {
            Ok(p) | Err(p) => p,
        };
        let invoice = self.reload(&settled.invoice_id).await?;
        Ok((settled, invoice))
    }
}
