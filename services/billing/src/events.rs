//! Outbox events of the billing service: each asks the notification service
//! to send one message to the patient and is written by the store in the same
//! transaction as the change it announces (this module builds the
//! `hms_kit::outbox::Event`, keyed by the invoice or claim it is about). The sink adds the patient's display name at
//! delivery; the outbox event id is the idempotency key of notification's
//! `Send`.

use std::collections::BTreeMap;

use hms_kit::notify::Notification;
use hms_kit::outbox::Event;
use serde::{Deserialize, Serialize};

use crate::store::{ClaimRow, InvoiceRow, PaymentRow};

/// The topic of every event for the notification service.
pub const NOTIFICATION_TOPIC: &str = "notification";

/// One message to one patient.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notice {
    pub notification_type: String,
    pub recipient_id: String,
    pub data: BTreeMap<String, String>,
}

/// A notice goes by email and in the app, with the patient's display name.
impl hms_kit::notify::Notice for Notice {
    fn into_notification(self) -> Notification {
        Notification {
            kind: self.notification_type,
            display_names: vec![("patient_name".into(), self.recipient_id.clone())],
            recipient_id: self.recipient_id,
            channels: vec!["EMAIL".into(), "IN_APP".into()],
            data: self.data,
        }
    }
}

/// Digits after the decimal point of a currency's minor unit.
fn minor_digits(currency: &str) -> u32 {
    match currency {
        "VND" | "JPY" | "KRW" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// `150,000 VND`, `12.34 USD`: for messages, never for arithmetic.
pub fn format_money(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let scale = 10_i64.pow(digits);
    let (whole, fraction) = (minor.abs() / scale, minor.abs() % scale);
    let grouped = whole
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    let sign = if minor < 0 { "-" } else { "" };
    if digits == 0 {
        format!("{sign}{grouped} {currency}")
    } else {
        format!("{sign}{grouped}.{fraction:0width$} {currency}", width = digits as usize)
    }
}

/// INVOICE_GENERATED, about the invoice.
pub fn invoice_generated(invoice: &InvoiceRow) -> serde_json::Result<Event> {
    let notice = Notice {
        notification_type: "INVOICE_GENERATED".into(),
        recipient_id: invoice.patient_id.clone(),
        data: BTreeMap::from([
            ("invoice_id".into(), invoice.id.clone()),
            ("invoice_number".into(), invoice.invoice_number.clone()),
            ("amount".into(), format_money(invoice.total, &invoice.currency)),
            ("due_date".into(), invoice.due_date.clone()),
        ]),
    };
    Event::new(NOTIFICATION_TOPIC, &invoice.id, &notice)
}

/// PAYMENT_SUCCESSFUL, about the invoice paid.
pub fn payment_successful(invoice: &InvoiceRow, payment: &PaymentRow) -> serde_json::Result<Event> {
    let notice = Notice {
        notification_type: "PAYMENT_SUCCESSFUL".into(),
        recipient_id: invoice.patient_id.clone(),
        data: BTreeMap::from([
            ("invoice_id".into(), invoice.id.clone()),
            ("invoice_number".into(), invoice.invoice_number.clone()),
            ("amount".into(), format_money(payment.amount, &invoice.currency)),
            ("payment_method".into(), payment.method.as_str().into()),
        ]),
    };
    Event::new(NOTIFICATION_TOPIC, &invoice.id, &notice)
}

/// INSURANCE_CLAIM_STATUS_UPDATED, about the claim.
pub fn claim_status_updated(claim: &ClaimRow) -> serde_json::Result<Event> {
    let notice = Notice {
        notification_type: "INSURANCE_CLAIM_STATUS_UPDATED".into(),
        recipient_id: claim.patient_id.clone(),
        data: BTreeMap::from([
            ("claim_id".into(), claim.id.clone()),
            ("claim_number".into(), claim.claim_number.clone()),
            ("claim_status".into(), claim.status.as_str().into()),
            ("invoice_id".into(), claim.invoice_id.clone()),
        ]),
    };
    Event::new(NOTIFICATION_TOPIC, &claim.id, &notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_formatted_in_its_minor_unit() {
        assert_eq!(format_money(150_000, "VND"), "150,000 VND");
        assert_eq!(format_money(1_234, "USD"), "12.34 USD");
        assert_eq!(format_money(5, "USD"), "0.05 USD");
        assert_eq!(format_money(-1_000_000, "VND"), "-1,000,000 VND");
        assert_eq!(format_money(0, "VND"), "0 VND");
    }

    #[test]
    fn an_invoice_event_is_keyed_by_its_invoice_and_carries_the_notice() {
        let invoice = InvoiceRow {
            id: "inv-1".into(),
            invoice_number: "INV-20260131-000001".into(),
            patient_id: "patient-1".into(),
            issue_date: "2026-01-01".into(),
            due_date: "2026-01-31".into(),
            currency: "VND".into(),
            subtotal: 150_000,
            discount: 0,
            tax: 0,
            total: 150_000,
            paid_patient: 0,
            paid_insurance: 0,
            pending: 0,
            status: crate::domain::InvoiceStatus::PendingPatient,
            status_reason: String::new(),
            source_type: "APPOINTMENT".into(),
            source_id: Some("appt-1".into()),
            created_at: 0,
            updated_at: 0,
        };
        let event = invoice_generated(&invoice).unwrap();
        assert_eq!((event.topic.as_str(), event.key.as_str()), (NOTIFICATION_TOPIC, "inv-1"));
        assert_eq!(
            String::from_utf8(event.payload).unwrap(),
            r#"{"notification_type":"INVOICE_GENERATED","recipient_id":"patient-1","data":{"amount":"150,000 VND","due_date":"2026-01-31","invoice_id":"inv-1","invoice_number":"INV-20260131-000001"}}"#
        );
    }
}
