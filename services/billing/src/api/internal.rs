//! `InternalBillingService`, for other services: an invoice per appointment,
//! dispense or lab order, and the dashboard's figures.

use std::sync::Arc;

use hms_kit::error::FieldViolations;
use hms_kit::ids::check_id;
use hms_kit::proto::billing::internal_billing_service_server::InternalBillingService;
use hms_kit::proto::billing::*;
use tonic::{Request, Response, Status};

use super::convert::{lines_from, stats_to_proto};
use super::{Reply, invoice_to_proto};
use crate::app::State;
use crate::domain::ItemType as DomainItemType;

pub struct InternalApi(pub Arc<State>);

#[tonic::async_trait]
impl InternalBillingService for InternalApi {
    async fn get_billing_stats(&self, request: Request<GetBillingStatsRequest>) -> Reply<GetBillingStatsResponse> {
        let r = request.into_inner();
        let (day, week) = hms_kit::time::stats_window(r.day_start_time.as_ref(), r.week_start_time.as_ref())?;
        let stats = self.0.billing_stats(day, week).await?;
        Ok(Response::new(GetBillingStatsResponse { stats: Some(stats_to_proto(stats)) }))
    }

    async fn create_invoice_for_appointment(
        &self,
        request: Request<CreateInvoiceForAppointmentRequest>,
    ) -> Reply<CreateInvoiceForAppointmentResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", &r.appointment_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let price = r.price.unwrap_or_default();
        let item = (r.service_name.clone(), 1, Some(price));
        let (lines, currency) =
            lines_from(&mut v, std::iter::once(item), DomainItemType::Consultation, &self.0.default_currency);
        v.into_result().map_err(|s| rename_item_fields(s, "service_name", "price"))?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "APPOINTMENT", &r.appointment_id).await?;
        let invoice = invoice_to_proto(&self.0, &invoice).await?;
        Ok(Response::new(CreateInvoiceForAppointmentResponse { invoice: Some(invoice), created }))
    }

    async fn create_invoice_for_medication(
        &self,
        request: Request<CreateInvoiceForMedicationRequest>,
    ) -> Reply<CreateInvoiceForMedicationResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "dispense_id", &r.dispense_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let inputs = r.items.into_iter().map(|i| (i.medication_name, i.quantity, i.unit_price)).collect::<Vec<_>>();
        let (lines, currency) =
            lines_from(&mut v, inputs.into_iter(), DomainItemType::Medication, &self.0.default_currency);
        v.into_result()?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "DISPENSE", &r.dispense_id).await?;
        let invoice = invoice_to_proto(&self.0, &invoice).await?;
        Ok(Response::new(CreateInvoiceForMedicationResponse { invoice: Some(invoice), created }))
    }

    async fn create_invoice_for_lab_order(
        &self,
        request: Request<CreateInvoiceForLabOrderRequest>,
    ) -> Reply<CreateInvoiceForLabOrderResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "lab_order_id", &r.lab_order_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let inputs = r.items.into_iter().map(|i| (i.test_name, 1, i.price)).collect::<Vec<_>>();
        let (lines, currency) =
            lines_from(&mut v, inputs.into_iter(), DomainItemType::LabTest, &self.0.default_currency);
        v.into_result()?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "LAB_ORDER", &r.lab_order_id).await?;
        let invoice = invoice_to_proto(&self.0, &invoice).await?;
        Ok(Response::new(CreateInvoiceForLabOrderResponse { invoice: Some(invoice), created }))
    }
}

/// The appointment request has one implicit item: name its fields as sent.
fn rename_item_fields(status: Status, name: &str, price: &str) -> Status {
    use tonic_types::StatusExt;
    let details = status.get_error_details();
    let Some(bad) = details.bad_request() else { return status };
    let mut v = FieldViolations::new();
    for f in &bad.field_violations {
        let field = f.field.replace("items[0].name", name).replace("items[0].price", price);
        v.add(field, f.description.clone());
    }
    v.into_status()
}
