//! Outbox events of the billing service: each asks the notification service
//! to send one message to the patient and is written by the store in the same
//! transaction as the change it announces (this module builds the
//! `hms_kit::outbox::Event`, keyed by the invoice or claim it is about). The sink adds the patient's display name at
//! delivery; the outbox event id is the idempotency key of notification's
//! `Send`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, OutboundInterceptor, channel, internal_user_client};
use hms_kit::outbox::{DeliveryError, Event, OutboxEvent, Sink};
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::{Channel, NotificationType, SendRequest};
use hms_kit::proto::user::BatchGetDisplayNamesRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
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

/// Delivers outbox events to the notification service's `Send`, adding the
/// patient's display name.
pub struct NotificationSink {
    notifications: InternalNotificationServiceClient<OutboundChannel>,
    users: InternalUserServiceClient<OutboundChannel>,
}

impl NotificationSink {
    pub fn new(notification_url: &str, user_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let interceptor = OutboundInterceptor::new(Some(tokens.clone()), Duration::from_secs(10));
        Ok(Self {
            notifications: InternalNotificationServiceClient::new(interceptor.wrap(channel(notification_url)?)),
            users: internal_user_client(user_url, tokens, Duration::from_secs(5))?,
        })
    }
}

#[async_trait]
impl Sink for NotificationSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let notice: Notice = serde_json::from_slice(&event.payload)
            .map_err(|e| DeliveryError::Permanent(format!("unreadable event payload: {e}")))?;
        let kind = NotificationType::from_str_name(&format!("NOTIFICATION_TYPE_{}", notice.notification_type))
            .ok_or_else(|| DeliveryError::Permanent(format!("unknown type {}", notice.notification_type)))?;
        let names = self
            .users
            .clone()
            .batch_get_display_names(BatchGetDisplayNamesRequest { user_ids: vec![notice.recipient_id.clone()] })
            .await
            .map_err(|s| DeliveryError::Retryable(format!("display names: {:?}: {}", s.code(), s.message())))?
            .into_inner()
            .display_names;
        let mut data = notice.data;
        data.insert("patient_name".into(), names.get(&notice.recipient_id).cloned().unwrap_or_default());
        let request = SendRequest {
            r#type: kind.into(),
            recipient_id: notice.recipient_id,
            channel_preferences: [Channel::Email, Channel::InApp].into_iter().map(i32::from).collect(),
            data: data.into_iter().collect(),
            idempotency_key: event.id.clone(),
        };
        match self.notifications.clone().send(request).await {
            Ok(_) => Ok(()),
            Err(status) if status.code() == tonic::Code::InvalidArgument => {
                Err(DeliveryError::Permanent(format!("notification refused the event: {}", status.message())))
            }
            Err(status) => Err(DeliveryError::Retryable(format!("{:?}: {}", status.code(), status.message()))),
        }
    }
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
