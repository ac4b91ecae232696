//! The events the laboratory announces, carried inside the order whose
//! change they announce (`hms_kit::docstore::outbox`) and delivered by the
//! relay: the collection's invoice to billing (idempotent on the order), a
//! released result's reference to the EHR (idempotent on the item), and
//! notices to the notification service (a critical value to the ordering
//! doctor, results ready for review, released results and amendments). Each
//! event's id is the receiver's idempotency key, so a redelivery reaches
//! nobody twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, internal_channel};
use hms_kit::notify::Notification;
use hms_kit::outbox::{DeliveryError, Event, OutboxEvent, Sink};
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::billing::{CreateInvoiceForLabOrderRequest, LabTestLine};
use hms_kit::proto::common::Money;
use hms_kit::proto::ehr::AddLabResultReferenceRequest;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use serde::{Deserialize, Serialize};

/// Topics for the EHR, routed to [`EhrSink`].
pub const EHR_PREFIX: &str = "ehr.";
/// Topics for billing, routed to [`BillingSink`].
pub const BILLING_PREFIX: &str = "billing.";
/// Topics of notices (their notification types), routed to the notification
/// service.
pub const NOTICE_PREFIX: &str = "LAB_";

/// Billing invoices an order's tests when its sample is collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabInvoice {
    pub order_id: String,
    pub patient_id: String,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub test_name: String,
    pub price: i64,
    pub currency: String,
}

impl LabInvoice {
    pub const TOPIC: &str = "billing.invoice_for_lab_order";

    pub fn event(&self) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, self.order_id.as_str(), self)
    }
}

/// The EHR learns of a released result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultReference {
    pub patient_id: String,
    pub item_id: String,
    pub encounter_id: String,
    pub test_name: String,
    /// Unix microseconds: the release.
    pub released_at: i64,
    /// "Normal" or "Abnormal".
    pub summary: String,
}

impl ResultReference {
    pub const TOPIC: &str = "ehr.lab_result_reference";

    pub fn event(&self) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, self.item_id.as_str(), self)
    }
}

/// A message to one person, for the notification service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub notification_type: String,
    pub recipient_id: String,
    /// Channel names (`IN_APP`, `EMAIL`); empty: the type's defaults.
    #[serde(default)]
    pub channels: Vec<String>,
    pub data: BTreeMap<String, String>,
    /// Template entries filled with a user's display name at delivery.
    pub names: Vec<(String, String)>,
}

impl hms_kit::notify::Notice for Notice {
    fn into_notification(self) -> Notification {
        Notification {
            kind: self.notification_type,
            recipient_id: self.recipient_id,
            channels: self.channels,
            data: self.data,
            display_names: self.names,
        }
    }
}

impl Notice {
    fn about(kind: &str, recipient_id: &str, order_id: &str, patient_id: &str, doctor_id: &str) -> Notice {
        Notice {
            notification_type: kind.to_owned(),
            recipient_id: recipient_id.to_owned(),
            channels: Vec::new(),
            data: BTreeMap::from([("order_id".to_owned(), order_id.to_owned())]),
            names: vec![("patient_name".into(), patient_id.to_owned()), ("doctor_name".into(), doctor_id.to_owned())],
        }
    }

    /// A value past a critical limit: the ordering doctor, at once, in the
    /// app and by email.
    pub fn critical(doctor_id: &str, order_id: &str, patient_id: &str) -> Notice {
        Notice {
            channels: vec!["IN_APP".into(), "EMAIL".into()],
            ..Self::about("LAB_CRITICAL_VALUE", doctor_id, order_id, patient_id, doctor_id)
        }
    }

    /// Every value of an item is in: the ordering doctor reviews it.
    pub fn ready_for_review(doctor_id: &str, order_id: &str, patient_id: &str) -> Notice {
        Self::about("LAB_RESULT_READY_DOCTOR", doctor_id, order_id, patient_id, doctor_id)
    }

    /// The doctor released results: the patient may see them.
    pub fn released(patient_id: &str, order_id: &str, doctor_id: &str) -> Notice {
        Self::about("LAB_RESULT_READY_PATIENT", patient_id, order_id, patient_id, doctor_id)
    }

    /// A released result was changed: `recipient` (the doctor or the patient)
    /// hears of it.
    pub fn amended(recipient_id: &str, order_id: &str, patient_id: &str, doctor_id: &str) -> Notice {
        Self::about("LAB_RESULT_AMENDED", recipient_id, order_id, patient_id, doctor_id)
    }

    /// `key` tells this notice from others of the same order and type.
    pub fn event(&self, key: &str) -> serde_json::Result<Event> {
        Event::new(self.notification_type.as_str(), key, self)
    }
}

/// Delivers `ehr.` events to the EHR's internal API.
pub struct EhrSink {
    ehr: InternalEhrServiceClient<OutboundChannel>,
}

impl EhrSink {
    pub fn new(url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        Ok(Self { ehr: InternalEhrServiceClient::new(internal_channel(url, tokens, Duration::from_secs(10))?) })
    }
}

#[async_trait]
impl Sink for EhrSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let r: ResultReference = event.read()?;
        let request = AddLabResultReferenceRequest {
            patient_id: r.patient_id,
            lab_order_item_id: r.item_id,
            encounter_id: r.encounter_id,
            test_name: r.test_name,
            result_time: Some(hms_kit::time::micros_to_timestamp(r.released_at)),
            summary_status: r.summary,
        };
        self.ehr.clone().add_lab_result_reference(request).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::FailedPrecondition];
            DeliveryError::from_status(&status, &refused, "the EHR refused the reference")
        })
    }
}

/// Delivers invoice requests to billing's `CreateInvoiceForLabOrder`,
/// idempotent on the order.
pub struct BillingSink {
    billing: InternalBillingServiceClient<OutboundChannel>,
}

impl BillingSink {
    pub fn new(url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let channel = internal_channel(url, tokens, Duration::from_secs(10))?;
        Ok(Self { billing: InternalBillingServiceClient::new(channel) })
    }
}

#[async_trait]
impl Sink for BillingSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let invoice: LabInvoice = event.read()?;
        let request = CreateInvoiceForLabOrderRequest {
            lab_order_id: invoice.order_id,
            patient_id: invoice.patient_id,
            items: invoice
                .lines
                .into_iter()
                .map(|l| LabTestLine {
                    test_name: l.test_name,
                    price: Some(Money { amount_minor: l.price, currency: l.currency }),
                })
                .collect(),
        };
        self.billing.clone().create_invoice_for_lab_order(request).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::AlreadyExists];
            DeliveryError::from_status(&status, &refused, "billing refused the invoice request")
        })
    }
}
