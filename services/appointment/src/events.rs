//! Outbox events of the appointment service, each written in the same
//! transaction as the change it announces. Most ask the notification service
//! to send one message; `ehr.` events link appointments to the EHR
//! ([`EhrLink`], delivered by [`EhrSink`]). The payload carries the facts known here (service,
//! date and time in the clinic's zone, location) and the ids of both parties;
//! the sink resolves their display names from the user service at delivery,
//! so a booking never waits on another service. The outbox event id is the
//! idempotency key of notification's `Send`. The store writes these as
//! `hms_kit::outbox::Event`s keyed by their appointment, built here
//! ([`notice_events`], [`EhrLink::event`]); the payload JSON is what the sinks
//! (and the services behind them) read.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, internal_channel};
use hms_kit::notify::Notification;
use hms_kit::outbox::{DeliveryError, Event, OutboxEvent, Sink};
use hms_kit::proto::billing::CreateInvoiceForAppointmentRequest;
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::common::Money;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::{AppointmentStage, LinkAppointmentRequest};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::store::{AppointmentRow, ServiceRow};

/// One message to one person about one appointment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notice {
    pub notification_type: String,
    pub recipient_id: String,
    pub channels: Vec<String>,
    pub patient_id: String,
    pub doctor_id: String,
    pub data: BTreeMap<String, String>,
}

/// The notification service reads a notice with both parties' display names.
impl hms_kit::notify::Notice for Notice {
    fn into_notification(self) -> Notification {
        Notification {
            kind: self.notification_type,
            recipient_id: self.recipient_id,
            channels: self.channels,
            data: self.data,
            display_names: vec![("patient_name".into(), self.patient_id), ("doctor_name".into(), self.doctor_id)],
        }
    }
}

/// The outbox events of `notices` about appointment `appointment_id`: each
/// under its type as topic, the notice itself as payload.
pub fn notice_events(appointment_id: &str, notices: &[Notice]) -> serde_json::Result<Vec<Event>> {
    notices.iter().map(|n| Event::new(n.notification_type.as_str(), appointment_id, n)).collect()
}

/// Who hears about what; built by [`Facts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Patient,
    Doctor,
}

/// What every appointment message says: service, date, time, location.
pub struct Facts<'a> {
    pub zone: &'a TimeZone,
    pub appointment: &'a AppointmentRow,
    pub service_name: &'a str,
}

impl Facts<'_> {
    pub fn notice(&self, kind: &str, to: Recipient) -> Notice {
        let a = self.appointment;
        let local = jiff::Timestamp::from_second(a.start_at).map(|t| t.to_zoned(self.zone.clone()));
        let (date, time) = match local {
            Ok(z) => (z.date().to_string(), format!("{:02}:{:02}", z.hour(), z.minute())),
            Err(_) => (String::new(), String::new()),
        };
        let data = BTreeMap::from([
            ("service_name".to_owned(), self.service_name.to_owned()),
            ("appointment_date".to_owned(), date),
            ("appointment_time".to_owned(), time),
            ("location".to_owned(), a.location.clone()),
            ("appointment_id".to_owned(), a.id.clone()),
        ]);
        Notice {
            notification_type: kind.to_owned(),
            recipient_id: match to {
                Recipient::Patient => a.patient_id.clone(),
                Recipient::Doctor => a.doctor_id.clone(),
            },
            channels: vec!["EMAIL".into(), "IN_APP".into()],
            patient_id: a.patient_id.clone(),
            doctor_id: a.doctor_id.clone(),
            data,
        }
    }

    /// A new booking: the patient learns it is requested (or confirmed), the
    /// doctor that it was requested.
    pub fn booked(&self, confirmed: bool) -> Vec<Notice> {
        let patient = if confirmed { "APPOINTMENT_CONFIRMED_PATIENT" } else { "APPOINTMENT_REQUESTED_PATIENT" };
        vec![self.notice(patient, Recipient::Patient), self.notice("APPOINTMENT_REQUESTED_DOCTOR", Recipient::Doctor)]
    }

    pub fn confirmed(&self) -> Vec<Notice> {
        vec![self.notice("APPOINTMENT_CONFIRMED_PATIENT", Recipient::Patient)]
    }

    pub fn rescheduled(&self) -> Vec<Notice> {
        vec![
            self.notice("APPOINTMENT_RESCHEDULED_PATIENT", Recipient::Patient),
            self.notice("APPOINTMENT_RESCHEDULED_DOCTOR", Recipient::Doctor),
        ]
    }

    /// A cancellation tells the other party: the doctor when the patient
    /// cancelled, the patient otherwise (and the doctor too when staff did it).
    pub fn cancelled(&self, by_patient: bool, by_the_doctor: bool) -> Vec<Notice> {
        let mut notices = Vec::new();
        if !by_patient {
            notices.push(self.notice("APPOINTMENT_CANCELLED_PATIENT", Recipient::Patient));
        }
        if !by_the_doctor {
            notices.push(self.notice("APPOINTMENT_CANCELLED_DOCTOR", Recipient::Doctor));
        }
        notices
    }

    pub fn reminders(&self) -> Vec<Notice> {
        vec![
            self.notice("APPOINTMENT_REMINDER_PATIENT", Recipient::Patient),
            self.notice("APPOINTMENT_REMINDER_DOCTOR", Recipient::Doctor),
        ]
    }

    pub fn feedback_requested(&self, feedback_url: &str) -> Vec<Notice> {
        let mut notice = self.notice("FEEDBACK_REQUESTED", Recipient::Patient);
        let separator = if feedback_url.contains('?') { '&' } else { '?' };
        notice
            .data
            .insert("feedback_link".into(), format!("{feedback_url}{separator}appointment_id={}", self.appointment.id));
        vec![notice]
    }
}

/// What the EHR learns of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EhrStage {
    /// A planned encounter and the doctor's care relationship.
    Confirmed,
    /// The encounter starts (IN_PROGRESS); the care relationship stays
    /// until completion for its retention period.
    Completed,
    /// The planned encounter is cancelled; the care relationship this
    /// appointment gave ends.
    Cancelled,
    /// The encounter starts (IN_PROGRESS).
    CheckedIn,
    /// As cancelled.
    NoShow,
}

impl EhrStage {
    /// Whether the appointment was called off: the EHR only hears of that
    /// if it heard of the confirmation.
    pub fn is_called_off(self) -> bool {
        matches!(self, EhrStage::Cancelled | EhrStage::NoShow)
    }
}

/// An outbox event for the EHR's `LinkAppointment`, written in the same
/// transaction as the status change it announces. The EHR keeps the latest
/// stage of each appointment, so a redelivery or a late event changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EhrLink {
    pub appointment_id: String,
    pub patient_id: String,
    pub doctor_id: String,
    /// Unix seconds.
    pub start_at: i64,
    pub stage: EhrStage,
}

impl EhrLink {
    /// Routed by the topic router to the [`EhrSink`].
    pub const TOPIC_PREFIX: &str = "ehr.";
    pub const TOPIC: &str = "ehr.link_appointment";

    pub fn new(a: &AppointmentRow, stage: EhrStage) -> Self {
        Self {
            appointment_id: a.id.clone(),
            patient_id: a.patient_id.clone(),
            doctor_id: a.doctor_id.clone(),
            start_at: a.start_at,
            stage,
        }
    }

    /// The outbox event of this link, under [`Self::TOPIC`].
    pub fn event(&self) -> serde_json::Result<Event> {
        Event::new(Self::TOPIC, self.appointment_id.as_str(), self)
    }
}

/// Delivers `ehr.` events to the EHR's internal API with a service token.
pub struct EhrSink {
    ehr: InternalEhrServiceClient<OutboundChannel>,
}

impl EhrSink {
    pub fn new(ehr_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        Ok(Self { ehr: InternalEhrServiceClient::new(internal_channel(ehr_url, tokens, Duration::from_secs(10))?) })
    }
}

#[async_trait]
impl Sink for EhrSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let link: EhrLink = event.read()?;
        let request = LinkAppointmentRequest {
            patient_id: link.patient_id,
            appointment_id: link.appointment_id,
            doctor_id: link.doctor_id,
            appointment_time: Some(hms_kit::time::seconds_to_timestamp(link.start_at)),
            stage: match link.stage {
                EhrStage::Confirmed => AppointmentStage::Confirmed,
                EhrStage::Completed => AppointmentStage::Completed,
                EhrStage::Cancelled => AppointmentStage::Cancelled,
                EhrStage::CheckedIn => AppointmentStage::CheckedIn,
                EhrStage::NoShow => AppointmentStage::NoShow,
            }
            .into(),
        };
        self.ehr.clone().link_appointment(request).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::FailedPrecondition];
            DeliveryError::from_status(&status, &refused, "the EHR refused the link")
        })
    }
}

/// Topics of events for the billing service; the relay routes them to
/// [`BillingSink`] (longest prefix wins over the notification catch-all).
pub const BILLING_TOPIC_PREFIX: &str = "billing.";

/// A completed appointment's invoice request. It travels as a [`Notice`]
/// whose type is its outbox topic, so it is written by the same code, in the
/// same transaction, as the completion's other events.
pub fn invoice_request(appointment: &AppointmentRow, service: &ServiceRow) -> Notice {
    Notice {
        notification_type: format!("{BILLING_TOPIC_PREFIX}invoice_for_appointment"),
        recipient_id: appointment.patient_id.clone(),
        channels: Vec::new(),
        patient_id: appointment.patient_id.clone(),
        doctor_id: appointment.doctor_id.clone(),
        data: BTreeMap::from([
            ("appointment_id".to_owned(), appointment.id.clone()),
            ("service_id".to_owned(), service.id.clone()),
            ("service_name".to_owned(), service.name.clone()),
            ("price_minor".to_owned(), service.price_minor.to_string()),
            ("currency".to_owned(), service.currency.clone()),
        ]),
    }
}

/// Delivers invoice requests to billing's internal
/// `CreateInvoiceForAppointment`, which is idempotent on the appointment, so
/// a redelivery never yields a second invoice.
pub struct BillingSink {
    billing: InternalBillingServiceClient<OutboundChannel>,
}

impl BillingSink {
    pub fn new(billing_url: &str, tokens: Arc<ServiceTokens>) -> anyhow::Result<Self> {
        let channel = internal_channel(billing_url, tokens, Duration::from_secs(10))?;
        Ok(Self { billing: InternalBillingServiceClient::new(channel) })
    }
}

#[async_trait]
impl Sink for BillingSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let request: Notice = event.read()?;
        let field = |name: &str| request.data.get(name).cloned().unwrap_or_default();
        let price = field("price_minor")
            .parse::<i64>()
            .map_err(|_| DeliveryError::Permanent("the invoice request has no price".into()))?;
        let call = CreateInvoiceForAppointmentRequest {
            appointment_id: field("appointment_id"),
            patient_id: request.patient_id.clone(),
            doctor_id: request.doctor_id.clone(),
            service_id: field("service_id"),
            service_name: field("service_name"),
            price: Some(Money { amount_minor: price, currency: field("currency") }),
        };
        self.billing.clone().create_invoice_for_appointment(call).await.map(drop).map_err(|status| {
            let refused = [tonic::Code::InvalidArgument, tonic::Code::AlreadyExists];
            DeliveryError::from_status(&status, &refused, "billing refused the invoice request")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appointment() -> AppointmentRow {
        // 2026-11-23T02:30:00Z = 09:30 in Ho Chi Minh City.
        let booking = crate::fixtures::pending_booking("s1", "p1", "d1", 1_795_401_000, 30);
        AppointmentRow { id: "a1".into(), location: "Room 101".into(), ..booking.row }
    }

    #[test]
    fn notices_carry_local_date_time_and_location() {
        let zone = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let a = appointment();
        let facts = Facts { zone: &zone, appointment: &a, service_name: "Check-up" };
        let booked = facts.booked(false);
        assert_eq!(booked[0].notification_type, "APPOINTMENT_REQUESTED_PATIENT");
        assert_eq!(booked[0].recipient_id, "p1");
        assert_eq!(booked[1].recipient_id, "d1");
        assert_eq!(booked[0].data["appointment_date"], "2026-11-23");
        assert_eq!(booked[0].data["appointment_time"], "09:30");
        assert_eq!(booked[0].data["location"], "Room 101");
        assert_eq!(booked[0].data["service_name"], "Check-up");
    }

    #[test]
    fn ehr_links_carry_the_appointment_and_route_on_their_prefix() {
        let link = EhrLink::new(&appointment(), EhrStage::Completed);
        assert_eq!((link.patient_id.as_str(), link.doctor_id.as_str(), link.start_at), ("p1", "d1", 1_795_401_000));
        let back: EhrLink = serde_json::from_slice(&serde_json::to_vec(&link).unwrap()).unwrap();
        assert_eq!(back, link);
        for stage in [EhrStage::Confirmed, EhrStage::CheckedIn, EhrStage::Completed] {
            assert!(!stage.is_called_off());
        }
        for stage in [EhrStage::Cancelled, EhrStage::NoShow] {
            assert!(stage.is_called_off());
            let link = EhrLink::new(&appointment(), stage);
            let back: EhrLink = serde_json::from_slice(&serde_json::to_vec(&link).unwrap()).unwrap();
            assert_eq!(back.stage, stage);
        }
        assert!(EhrLink::TOPIC.starts_with(EhrLink::TOPIC_PREFIX));
    }

    #[test]
    fn cancellations_tell_the_other_party() {
        let zone = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let a = appointment();
        let facts = Facts { zone: &zone, appointment: &a, service_name: "Check-up" };
        let to = |notices: Vec<Notice>| notices.into_iter().map(|n| n.recipient_id).collect::<Vec<_>>();
        assert_eq!(to(facts.cancelled(true, false)), ["d1"]);
        assert_eq!(to(facts.cancelled(false, true)), ["p1"]);
        assert_eq!(to(facts.cancelled(false, false)), ["p1", "d1"]);
        let link = &facts.feedback_requested("https://hms/feedback")[0].data["feedback_link"];
        assert_eq!(link, "https://hms/feedback?appointment_id=a1");
    }

    #[test]
    fn invoice_requests_carry_the_catalog_price_under_a_billing_topic() {
        let a = appointment();
        let service = ServiceRow { price_minor: 150_000, ..crate::fixtures::check_up("s1", "GEN") };
        let request = invoice_request(&a, &service);
        assert!(request.notification_type.starts_with(BILLING_TOPIC_PREFIX));
        assert_eq!(request.patient_id, "p1");
        assert_eq!(request.data["appointment_id"], "a1");
        assert_eq!(request.data["price_minor"], "150000");
        assert_eq!(request.data["service_name"], "Check-up");
    }

    #[test]
    fn events_keep_their_payloads_and_are_keyed_by_the_appointment() {
        let zone = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let a = appointment();
        let notices = Facts { zone: &zone, appointment: &a, service_name: "Check-up" }.confirmed();
        let events = notice_events(&a.id, &notices).unwrap();
        assert_eq!(events[0].topic, "APPOINTMENT_CONFIRMED_PATIENT");
        assert_eq!(events[0].key, "a1");
        assert_eq!(
            String::from_utf8(events[0].payload.clone()).unwrap(),
            r#"{"notification_type":"APPOINTMENT_CONFIRMED_PATIENT","recipient_id":"p1","channels":["EMAIL","IN_APP"],"patient_id":"p1","doctor_id":"d1","data":{"appointment_date":"2026-11-23","appointment_id":"a1","appointment_time":"09:30","location":"Room 101","service_name":"Check-up"}}"#
        );
        let link = EhrLink::new(&a, EhrStage::Confirmed).event().unwrap();
        assert_eq!((link.topic.as_str(), link.key.as_str()), (EhrLink::TOPIC, "a1"));
        assert_eq!(
            String::from_utf8(link.payload).unwrap(),
            r#"{"appointment_id":"a1","patient_id":"p1","doctor_id":"d1","start_at":1795401000,"stage":"Confirmed"}"#
        );
    }
}
