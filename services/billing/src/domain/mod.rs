//! Billing rules without I/O: money arithmetic, invoice and claim statuses,
//! and the claim lifecycle.

pub mod claim;

/// Largest amount accepted anywhere (10^15 minor units): sums of many lines
/// stay far from `i64` overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// One billed line as validated: the total is computed, never taken from a
/// client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub item_type: ItemType,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
}

impl Line {
    pub fn total(&self) -> Option<i64> {
        self.quantity.checked_mul(self.unit_price).filter(|t| *t <= MAX_AMOUNT)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Consultation,
    Medication,
    LabTest,
    OtherService,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Consultation => "CONSULTATION",
            ItemType::Medication => "MEDICATION",
            ItemType::LabTest => "LAB_TEST",
            ItemType::OtherService => "OTHER_SERVICE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "CONSULTATION" => ItemType::Consultation,
            "MEDICATION" => ItemType::Medication,
            "LAB_TEST" => ItemType::LabTest,
            "OTHER_SERVICE" => ItemType::OtherService,
            _ => return None,
        })
    }
}

/// An invoice's amounts: `total = subtotal − discount + tax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotalsError {
    /// The lines or the subtotal exceed [`MAX_AMOUNT`].
    TooLarge,
    /// The discount is negative or larger than the subtotal.
    Discount,
}

/// Computes the totals of `lines` with `discount`, taxing the discounted
/// subtotal at `tax_basis_points` (1/100 of a percent), rounded half up.
pub fn totals(lines: &[Line], discount: i64, tax_basis_points: u32) -> Result<Totals, TotalsError> {
    let mut subtotal: i64 = 0;
    for line in lines {
        let total = line.total().ok_or(TotalsError::TooLarge)?;
        subtotal = subtotal.checked_add(total).filter(|s| *s <= MAX_AMOUNT).ok_or(TotalsError::TooLarge)?;
    }
    retotal(subtotal, discount, tax_basis_points)
}

/// Totals for a known subtotal (a discount changed).
pub fn retotal(subtotal: i64, discount: i64, tax_basis_points: u32) -> Result<Totals, TotalsError> {
    if discount < 0 || discount > subtotal {
        return Err(TotalsError::Discount);
    }
    let taxable = i128::from(subtotal - discount);
    let tax = (taxable * i128::from(tax_basis_points) + 5_000) / 10_000;
    let tax = i64::try_from(tax).map_err(|_| TotalsError::TooLarge)?;
    let total = (subtotal - discount).checked_add(tax).filter(|t| *t <= MAX_AMOUNT).ok_or(TotalsError::TooLarge)?;
    Ok(Totals { subtotal, discount, tax, total })
}

/// Invoice statuses as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    Draft,
    PendingPatient,
    PendingInsurance,
    PartiallyPaid,
    Paid,
    Overdue,
    Cancelled,
    WrittenOff,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 8] = [
        InvoiceStatus::Draft,
        InvoiceStatus::PendingPatient,
        InvoiceStatus::PendingInsurance,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Paid,
        InvoiceStatus::Overdue,
        InvoiceStatus::Cancelled,
        InvoiceStatus::WrittenOff,
    ];

    /// Statuses that take payments, discounts, claims and a write-off.
    pub const OPEN: [InvoiceStatus; 4] = [
        InvoiceStatus::PendingPatient,
        InvoiceStatus::PendingInsurance,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "DRAFT",
            InvoiceStatus::PendingPatient => "PENDING_PATIENT",
            InvoiceStatus::PendingInsurance => "PENDING_INSURANCE",
            InvoiceStatus::PartiallyPaid => "PARTIALLY_PAID",
            InvoiceStatus::Paid => "PAID",
            InvoiceStatus::Overdue => "OVERDUE",
            InvoiceStatus::Cancelled => "CANCELLED",
            InvoiceStatus::WrittenOff => "WRITTEN_OFF",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

/// The SQL list of the open statuses, for conditional updates.
pub fn open_statuses_sql() -> String {
    InvoiceStatus::OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Payment methods as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Cash,
    CreditCard,
    BankTransfer,
    InsurancePayout,
    Voucher,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "CASH",
            Method::CreditCard => "CREDIT_CARD",
            Method::BankTransfer => "BANK_TRANSFER",
            Method::InsurancePayout => "INSURANCE_PAYOUT",
            Method::Voucher => "VOUCHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Method::Cash, Method::CreditCard, Method::BankTransfer, Method::InsurancePayout, Method::Voucher]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// ISO 4217 shape: three upper-case ASCII letters.
pub fn valid_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Normalised insurance company name: what policies and provider users are
/// matched on.
pub fn company_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `INV-202611-000123`: a prefix, the issue month and a sequence number.
pub fn document_number(prefix: &str, date: jiff::civil::Date, seq: i64) -> String {
    format!("{prefix}-{:04}{:02}-{seq:06}", date.year(), date.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, unit_price: i64) -> Line {
        Line { item_type: ItemType::Medication, description: "x".into(), quantity, unit_price }
    }

    #[test]
    fn totals_are_subtotal_minus_discount_plus_tax() {
        let t = totals(&[line(2, 50_000), line(1, 25_000)], 5_000, 1_000).unwrap();
        assert_eq!(t, Totals { subtotal: 125_000, discount: 5_000, tax: 12_000, total: 132_000 });
        // Half up: 10% of 5 is 0.5 → 1.
        assert_eq!(totals(&[line(1, 5)], 0, 1_000).unwrap().tax, 1);
        assert_eq!(totals(&[line(1, 4)], 0, 1_000).unwrap().tax, 0);
        assert_eq!(totals(&[], 0, 0).unwrap().total, 0);
    }

    #[test]
    fn discounts_and_overflow_are_refused() {
        assert_eq!(totals(&[line(1, 100)], 101, 0), Err(TotalsError::Discount));
        assert_eq!(totals(&[line(1, 100)], -1, 0), Err(TotalsError::Discount));
        assert_eq!(totals(&[line(i64::MAX, 2)], 0, 0), Err(TotalsError::TooLarge));
        assert_eq!(totals(&[line(1, MAX_AMOUNT), line(1, 1)], 0, 0), Err(TotalsError::TooLarge));
        assert_eq!(retotal(100, 100, 0).unwrap().total, 0);
    }

    #[test]
    fn names_round_trip() {
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
        }
        assert!(InvoiceStatus::Overdue.is_open() && !InvoiceStatus::Paid.is_open());
        assert_eq!(Method::parse("CASH"), Some(Method::Cash));
        assert_eq!(ItemType::parse("LAB_TEST"), Some(ItemType::LabTest));
        assert!(valid_currency("VND") && !valid_currency("vnd") && !valid_currency("VN"));
        assert_eq!(company_key("  Bao  Viet Insurance "), "bao viet insurance");
        let date = jiff::civil::date(2026, 11, 22);
        assert_eq!(document_number("INV", date, 123), "INV-202611-000123");
    }
}
