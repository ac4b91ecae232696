//! Request checking and proto <-> domain/store conversions: field checks
//! that add `BadRequest` violations, enum and date mappings, and the messages
//! built from store rows.

use hms_kit::error::FieldViolations;
use hms_kit::proto::billing::PaymentStatus as PaymentStatus_;
use hms_kit::proto::billing::RefundStatus as RefundStatus_;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::Money;
use hms_kit::time::{iso_date_to_proto, micros_to_timestamp};

use crate::app::claims::ClaimView;
use crate::app::payments::Manual;
use crate::domain::claim::ClaimStatus as DomainClaimStatus;
use crate::domain::{self, InvoiceStatus as DomainStatus, ItemType as DomainItemType, Line, MAX_AMOUNT, Method};
use crate::provider::PayerAction;
use crate::store::stats::{Figures, Sums};
use crate::store::{InvoiceRow, ItemRow, PaymentRow, PaymentStatus, PolicyRow, RefundRow, RefundStatus};

/// Most lines on one invoice.
pub const MAX_LINES: usize = 200;

// ---- checks ----

pub fn check_amount(v: &mut FieldViolations, field: &str, amount: i64, allow_zero: bool) {
    if amount < 0 || (!allow_zero && amount == 0) {
        v.add(field, if allow_zero { "must not be negative" } else { "must be more than zero" });
    } else if amount > MAX_AMOUNT {
        v.add(field, "is too large");
    }
}

/// A currency as sent: empty means `default`.
pub fn check_currency(v: &mut FieldViolations, field: &str, currency: &str, default: &str) -> String {
    if currency.is_empty() {
        return default.to_owned();
    }
    if !domain::valid_currency(currency) {
        v.add(field, "must be an ISO 4217 code such as VND");
    }
    currency.to_owned()
}

pub fn check_idempotency_key(v: &mut FieldViolations, key: &str) {
    if key.len() < 8 || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        v.add("idempotency_key", "must be 8 to 64 visible ASCII characters");
    }
}

/// Validated lines of a request, in `currency`.
pub fn lines_from(
    v: &mut FieldViolations,
    inputs: impl ExactSizeIterator<Item = (String, i64, Option<Money>)>,
    item_type: DomainItemType,
    default_currency: &str,
) -> (Vec<Line>, String) {
    if inputs.len() == 0 {
        v.add("items", "needs at least one item");
    } else if inputs.len() > MAX_LINES {
        v.add("items", format!("must have at most {MAX_LINES} items"));
    }
    let mut currency: Option<String> = None;
    let mut lines = Vec::new();
    for (i, (name, quantity, price)) in inputs.enumerate() {
        v.text(&format!("items[{i}].name"), &name, 255, true);
        if quantity < 1 {
            v.add(format!("items[{i}].quantity"), "must be at least 1");
        }
        let price = price.unwrap_or_default();
        check_amount(v, &format!("items[{i}].price.amount_minor"), price.amount_minor, true);
        let c = check_currency(v, &format!("items[{i}].price.currency"), &price.currency, default_currency);
        match &currency {
            Some(first) if *first != c => v.add(format!("items[{i}].price.currency"), "all items need one currency"),
            Some(_) => {}
            None => currency = Some(c),
        }
        lines.push(Line { item_type, description: name.trim().to_owned(), quantity, unit_price: price.amount_minor });
    }
    (lines, currency.unwrap_or_else(|| default_currency.to_owned()))
}

/// Validates a manual payment's fields (named after `prefix`, e.g.
/// `payment.`); None with violations added when any is wrong.
pub fn check_manual<'a>(
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
    Some(Manual {
        idempotency_key,
        amount_minor: amount.amount_minor,
        currency: amount.currency,
        method: method.filter(|_| ok)?,
        reference,
    })
}

pub fn statuses_from(v: &mut FieldViolations, statuses: &[i32]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in statuses.iter().enumerate() {
        match status_from_proto(*s) {
            Some(s) => out.push(s.as_str().to_owned()),
            None => v.add(format!("statuses[{i}]"), "is not an invoice status"),
        }
    }
    out
}

// ---- conversions ----

fn money(amount_minor: i64, currency: &str) -> Option<Money> {
    Some(Money { amount_minor, currency: currency.to_owned() })
}

pub fn item_type_from_proto(value: i32) -> Option<DomainItemType> {
    match ItemType::try_from(value).ok()? {
        ItemType::Consultation => Some(DomainItemType::Consultation),
        ItemType::Medication => Some(DomainItemType::Medication),
        ItemType::LabTest => Some(DomainItemType::LabTest),
        ItemType::OtherService => Some(DomainItemType::OtherService),
        ItemType::Unspecified => None,
    }
}

fn item_type_to_proto(t: DomainItemType) -> ItemType {
    match t {
        DomainItemType::Consultation => ItemType::Consultation,
        DomainItemType::Medication => ItemType::Medication,
        DomainItemType::LabTest => ItemType::LabTest,
        DomainItemType::OtherService => ItemType::OtherService,
    }
}

fn status_to_proto(s: DomainStatus) -> InvoiceStatus {
    InvoiceStatus::from_str_name(&format!("INVOICE_STATUS_{}", s.as_str())).unwrap_or(InvoiceStatus::Unspecified)
}

fn status_from_proto(value: i32) -> Option<DomainStatus> {
    let name = InvoiceStatus::try_from(value).ok()?.as_str_name().strip_prefix("INVOICE_STATUS_")?;
    DomainStatus::parse(name)
}

fn claim_status_to_proto(s: DomainClaimStatus) -> ClaimStatus {
    ClaimStatus::from_str_name(&format!("CLAIM_STATUS_{}", s.as_str())).unwrap_or(ClaimStatus::Unspecified)
}

pub fn claim_status_from_proto(value: i32) -> Option<DomainClaimStatus> {
    let name = ClaimStatus::try_from(value).ok()?.as_str_name().strip_prefix("CLAIM_STATUS_")?;
    DomainClaimStatus::parse(name)
}

pub fn source_type_name(value: i32) -> Option<&'static str> {
    match SourceType::try_from(value).ok()? {
        SourceType::Appointment => Some("APPOINTMENT"),
        SourceType::Dispense => Some("DISPENSE"),
        SourceType::LabOrder => Some("LAB_ORDER"),
        SourceType::Manual => Some("MANUAL"),
        SourceType::Unspecified => None,
    }
}

fn source_type_to_proto(name: &str) -> SourceType {
    SourceType::from_str_name(&format!("SOURCE_TYPE_{name}")).unwrap_or(SourceType::Unspecified)
}

fn method_to_proto(m: Method) -> PaymentMethod {
    PaymentMethod::from_str_name(&format!("PAYMENT_METHOD_{}", m.as_str())).unwrap_or(PaymentMethod::Unspecified)
}

fn invoice_to_proto(row: &InvoiceRow, items: Vec<InvoiceItem>) -> Invoice {
    let c = row.currency.as_str();
    Invoice {
        id: row.id.clone(),
        invoice_number: row.invoice_number.clone(),
        patient_id: row.patient_id.clone(),
        issue_date: iso_date_to_proto(&row.issue_date),
        due_date: iso_date_to_proto(&row.due_date),
        items,
        subtotal: money(row.subtotal, c),
        discount: money(row.discount, c),
        tax: money(row.tax, c),
        total: money(row.total, c),
        paid_by_patient: money(row.paid_patient, c),
        paid_by_insurance: money(row.paid_insurance, c),
        balance: money(row.balance(), c),
        status: status_to_proto(row.status).into(),
        source_type: source_type_to_proto(&row.source_type).into(),
        source_id: row.source_id.clone().unwrap_or_default(),
        status_reason: row.status_reason.clone(),
        create_time: Some(micros_to_timestamp(row.created_at)),
        update_time: Some(micros_to_timestamp(row.updated_at)),
    }
}

/// Invoices as messages, each with its items from `items` (by invoice id).
pub fn invoices_to_proto(rows: &[InvoiceRow], items: &[(String, ItemRow)]) -> Vec<Invoice> {
    rows.iter()
        .map(|row| {
            let mine = items
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, item)| InvoiceItem {
                    r#type: item_type_to_proto(item.line.item_type).into(),
                    description: item.line.description.clone(),
                    quantity: item.line.quantity,
                    unit_price: money(item.line.unit_price, &row.currency),
                    total: money(item.total, &row.currency),
                })
                .collect();
            invoice_to_proto(row, mine)
        })
        .collect()
}

pub fn payment_to_proto(p: &PaymentRow, currency: &str) -> Payment {
    Payment {
        id: p.id.clone(),
        invoice_id: p.invoice_id.clone(),
        patient_id: p.patient_id.clone(),
        amount: money(p.amount, currency),
        method: method_to_proto(p.method).into(),
        status: match p.status {
            PaymentStatus::Pending => PaymentStatus_::Pending,
            PaymentStatus::Success => PaymentStatus_::Success,
            PaymentStatus::Failed => PaymentStatus_::Failed,
            PaymentStatus::Refunded => PaymentStatus_::Refunded,
        }
        .into(),
        transaction_id: p.transaction_id.clone(),
        card_last4: p.card_last4.clone(),
        failure_reason: p.failure_reason.clone(),
        create_time: Some(micros_to_timestamp(p.created_at)),
        provider: p.provider.clone(),
        card_brand: p.card_brand.clone(),
        refunded: money(p.refunded, currency),
    }
}

pub fn refund_to_proto(r: &RefundRow, currency: &str) -> Refund {
    Refund {
        id: r.id.clone(),
        payment_id: r.payment_id.clone(),
        invoice_id: r.invoice_id.clone(),
        amount: money(r.amount, currency),
        status: match r.status {
            RefundStatus::Pending => RefundStatus_::Pending,
            RefundStatus::Succeeded => RefundStatus_::Succeeded,
            RefundStatus::Failed => RefundStatus_::Failed,
        }
        .into(),
        reason: r.reason.clone(),
        provider_refund_id: r.provider_refund_id.clone(),
        failure_reason: r.failure_reason.clone(),
        created_by: r.created_by.clone(),
        create_time: Some(micros_to_timestamp(r.created_at)),
    }
}

pub fn payer_action_to_proto(action: &PayerAction) -> hms_kit::proto::billing::PayerAction {
    use hms_kit::proto::billing::payer_action::Action;
    use secrecy::ExposeSecret;
    let action = match action {
        PayerAction::StripeConfirm { client_secret, publishable_key } => {
            Action::Stripe(hms_kit::proto::billing::StripeConfirmation {
                client_secret: client_secret.expose_secret().to_owned(),
                publishable_key: publishable_key.clone(),
            })
        }
        PayerAction::Redirect { url } => Action::RedirectUrl(url.clone()),
    };
    hms_kit::proto::billing::PayerAction { action: Some(action) }
}

/// A policy as a message, with its number opened.
pub fn policy_to_proto(p: &PolicyRow, policy_number: String) -> InsurancePolicy {
    InsurancePolicy {
        id: p.id.clone(),
        patient_id: p.patient_id.clone(),
        provider_name: p.provider_name.clone(),
        policy_number,
        member_id: p.member_id.clone(),
        valid_from: iso_date_to_proto(&p.valid_from),
        valid_to: iso_date_to_proto(&p.valid_to),
        coverage_details: p.coverage_details.clone(),
        active: p.active,
        create_time: Some(micros_to_timestamp(p.created_at)),
    }
}

pub fn claim_to_proto(view: &ClaimView) -> Claim {
    let (c, currency) = (&view.claim, view.currency.as_str());
    Claim {
        id: c.id.clone(),
        claim_number: c.claim_number.clone(),
        invoice_id: c.invoice_id.clone(),
        invoice_number: view.invoice_number.clone(),
        policy_id: c.policy_id.clone(),
        patient_id: c.patient_id.clone(),
        provider_name: view.provider_name.clone(),
        policy_number: view.policy_number.clone(),
        claim_amount: money(c.claim_amount, currency),
        approved_amount: money(c.approved_amount, currency),
        rejected_amount: money(c.rejected_amount, currency),
        status: claim_status_to_proto(c.status).into(),
        insurer_notes: c.insurer_notes.clone(),
        hospital_notes: c.hospital_notes.clone(),
        submit_time: Some(micros_to_timestamp(c.created_at)),
        update_time: Some(micros_to_timestamp(c.updated_at)),
    }
}

fn sums_to_proto(sums: Sums) -> Vec<CurrencyAmount> {
    sums.into_iter().map(|(currency, (amount, count))| CurrencyAmount { currency, amount, count }).collect()
}

pub fn stats_to_proto(figures: Figures) -> BillingStats {
    BillingStats {
        revenue_today: sums_to_proto(figures.revenue_today),
        revenue_week: sums_to_proto(figures.revenue_week),
        outstanding: sums_to_proto(figures.outstanding),
        overdue: sums_to_proto(figures.overdue),
        claims: figures
            .claims
            .into_iter()
            .map(|(status, count)| ClaimStatusCount {
                status: ClaimStatus::from_str_name(&format!("CLAIM_STATUS_{}", status.as_str()))
                    .unwrap_or_default()
                    .into(),
                count,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_both_ways() {
        for s in DomainStatus::ALL {
            assert_eq!(status_from_proto(status_to_proto(s).into()), Some(s));
        }
        for s in DomainClaimStatus::ALL {
            assert_eq!(claim_status_from_proto(claim_status_to_proto(s).into()), Some(s));
        }
        assert_eq!(status_from_proto(0), None);
        assert_eq!(source_type_to_proto("LAB_ORDER"), SourceType::LabOrder);
    }
}
