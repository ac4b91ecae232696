//! The events the pharmacy announces, carried inside the document whose
//! change they announce (`hms_kit::docstore::outbox`) and delivered by the
//! relay: the prescription's reference to the EHR, a dispense's invoice to
//! billing, and notices to the notification service (ready for pickup to
//! the patient, low stock to pharmacists). Each event's id is the
//! receiver's idempotency key; billing is idempotent on the dispense and the
//! EHR on the prescription as well.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, internal_channel};
use hms_kit::notify::Notification;
use hms_kit::outbox::{DeliveryError, Event, OutboxEvent, Sink};
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::billing::{CreateInvoiceForMedicationRequest, MedicationLine};
use hms_kit::proto::common::Money;
use hms_kit::proto::ehr::AddPrescriptionReferenceRequest;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::{NotificationType, SendBatchRequest, SendRequest, send_batch_result};
use hms_kit::proto::user::ListStaffIdsRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use serde::{Deserialize, Serialize};

/// Topics for the EHR, the relay routes them to [`EhrSink`].
pub const EHR_PREFIX: &str = "ehr.";
/// Topics for billing, routed to [`BillingSink`].
pub const BILLING_PREFIX: &str = "billing.";
/// Topics of notices (their notification types), routed to the notification
/// service.
pub const NOTICE_PREFIX: &str = "PRESCRIPTION_";
/// Stock alerts, routed to [`StockAlertSink`].
pub const STOCK_PREFIX: &str = "stock.";

/// The EHR learns of a new prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionReference {
    pub patient_id: String,
    pub prescription_id: String,
    pub encounter_id: String,
    /// Unix microseconds.
    pub issued_at: i64,
    pub summary: String,
}

impl PrescriptionReference {
    pub const TOPIC: &str = "ehr.prescription_reference";

    pub fn event(&self) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, self.prescription_id.as_str(), self)
    }
}

/// Billing invoices a dispense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispenseInvoice {
    pub dispense_id: String,
    pub patient_id: String,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub medication_name: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub currency: String,
}

impl DispenseInvoice {
    pub const TOPIC: &str = "billing.invoice_for_medication";

    pub fn event(&self, prescription_id: &str) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, prescription_id, self)
    }
}

/// A message to one person, for the notification service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub notification_type: String,
    pub recipient_id: String,
    pub data: BTreeMap<String, String>,
    /// Template entries filled with a user's display name at delivery.
    pub names: Vec<(String, String)>,
}

impl hms_kit::notify::Notice for Notice {
    fn into_notification(self) -> Notification {
        Notification {
            kind: self.notification_type,
            recipient_id: self.recipient_id,
            channels: Vec::new(),
            data: self.data,
            display_names: self.names,
        }
    }
}

impl Notice {
    /// The patient's medicines are ready.
    pub fn ready_for_pickup(patient_id: &str, prescription_id: &str, location: &str) -> Notice {
        Notice {
            notification_type: "PRESCRIPTION_READY_FOR_PICKUP".into(),
            recipient_id: patient_id.to_owned(),
            data: BTreeMap::from([
                ("pharmacy_location".to_owned(), location.to_owned()),
                ("prescription_id".to_owned(), prescription_id.to_owned()),
            ]),
            names: vec![("patient_name".into(), patient_id.to_owned())],
        }
    }

    pub fn event(&self, key: &str) -> serde_json::Result<Event> {
        Event::new(self.notification_type.as_str(), key, self)
    }
}

/// A medication's stock fell below its reorder level: every pharmacist
/// hears of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLow {
    pub medication_id: String,
    pub medication_name: String,
    pub quantity_left: i64,
    pub reorder_level: i64,
}

impl StockLow {
    pub const TOPIC: &str = "stock.low";

    pub fn event(&self) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, self.medication_id.as_str(), self)
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
        let r: PrescriptionReference = event.read()?;
        let request = AddPrescriptionReferenceRequest {
            patient_id: r.patient_id,
            prescription_id: r.prescription_id,
            encounter_id: r.encounter_id,
            issue_time: Some(hms_kit::time::micros_to_timestamp(r.issued_at)),
            medications_summary: r.summary,
        };
        self.ehr.clone().add_prescription_reference(request).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::FailedPrecondition];
            DeliveryError::from_status(&status, &refused, "the EHR refused the reference")
        })
    }
}

/// Delivers invoice requests to billing's `CreateInvoiceForMedication`,
/// idempotent on the dispense.
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
        let invoice: DispenseInvoice = event.read()?;
        let request = CreateInvoiceForMedicationRequest {
            dispense_id: invoice.dispense_id,
            patient_id: invoice.patient_id,
            items: invoice
                .lines
                .into_iter()
                .map(|l| MedicationLine {
                    medication_name: l.medication_name,
                    quantity: l.quantity,
                    unit_price: Some(Money { amount_minor: l.unit_price, currency: l.currency }),
                })
                .collect(),
        };
        self.billing.clone().create_invoice_for_medication(request).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::AlreadyExists];
            DeliveryError::from_status(&status, &refused, "billing refused the invoice request")
        })
    }
}

/// Tells every active pharmacist that a medication fell below its reorder
/// level: the pharmacists are asked of the user service at delivery, and
/// each notice's idempotency key is the event's id and the pharmacist's, so
/// a redelivery reaches nobody twice.
pub struct StockAlertSink {
    users: InternalUserServiceClient<OutboundChannel>,
    notifications: InternalNotificationServiceClient<OutboundChannel>,
}

impl StockAlertSink {
    pub fn new(notification_url: &str, user_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(10);
        Ok(Self {
            users: InternalUserServiceClient::new(internal_channel(user_url, tokens.clone(), timeout)?),
            notifications: InternalNotificationServiceClient::new(internal_channel(notification_url, tokens, timeout)?),
        })
    }
}

/// The most requests one `SendBatch` carries (the notification service's limit).
const MAX_BATCH: usize = 256;

#[async_trait]
impl Sink for StockAlertSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let low: StockLow = event.read()?;
        let request = ListStaffIdsRequest { role: hms_kit::proto::common::Role::Pharmacist.into() };
        let pharmacists = self
            .users
            .clone()
            .list_staff_ids(request)
            .await
            .map_err(|s| DeliveryError::Retryable(format!("pharmacists: {:?}: {}", s.code(), s.message())))?
            .into_inner()
            .user_ids;
        let data = BTreeMap::from([
            ("medication_name".to_owned(), low.medication_name.clone()),
            ("quantity_left".to_owned(), low.quantity_left.to_string()),
            ("reorder_level".to_owned(), low.reorder_level.to_string()),
        ]);
        let requests: Vec<SendRequest> = pharmacists
            .iter()
            .map(|id| SendRequest {
                r#type: NotificationType::PharmacyStockLow.into(),
                recipient_id: id.clone(),
                channel_preferences: Vec::new(),
                data: data.clone().into_iter().collect(),
                idempotency_key: format!("{}:{id}", event.id),
            })
            .collect();
        for chunk in requests.chunks(MAX_BATCH) {
            let reply = self
                .notifications
                .clone()
                .send_batch(SendBatchRequest { requests: chunk.to_vec() })
                .await
                .map_err(|s| DeliveryError::Retryable(format!("{:?}: {}", s.code(), s.message())))?;
            for result in reply.into_inner().results {
                if let Some(send_batch_result::Result::Error(e)) = result.result {
                    return Err(DeliveryError::Retryable(format!("a low-stock notice was refused: {}", e.message)));
                }
            }
        }
        Ok(())
    }
}
