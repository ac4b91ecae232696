//! `PharmacyService`: catalog, prescriptions, verification, dispensing and
//! stock.

use hms_kit::auth::Caller;
use hms_kit::error::FieldViolations;
use hms_kit::ids::check_id;
use hms_kit::paging;
use hms_kit::proto::common::PageResponse;
use hms_kit::proto::pharmacy::pharmacy_service_server::PharmacyService;
use hms_kit::proto::pharmacy::*;
use tonic::{Request, Response};

use super::convert::{
    audit_to_proto, batch_to_proto, dispense_to_proto, medication_from_proto, medication_to_proto, planned_to_proto,
    prescription_from_proto, prescription_to_proto, status_from_proto, stock_change_from_proto, stock_to_proto,
};
use super::{PharmacyApi, Reply};

fn page_response<T: serde::Serialize>(next: Option<String>, filters: &T) -> Option<PageResponse> {
    Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, filters)).unwrap_or_default() })
}

#[tonic::async_trait]
impl PharmacyService for PharmacyApi {
    async fn create_prescription(
        &self,
        request: Request<CreatePrescriptionRequest>,
    ) -> Reply<CreatePrescriptionResponse> {
        let c = Caller::of(&request)?;
        let mut v = FieldViolations::new();
        let new = prescription_from_proto(&mut v, request.into_inner());
        v.into_result()?;
        let saved = self.0.prescribe(&c, new).await?;
        Ok(Response::new(CreatePrescriptionResponse { prescription: Some(prescription_to_proto(&saved)) }))
    }

    async fn list_patient_prescriptions(
        &self,
        request: Request<ListPatientPrescriptionsRequest>,
    ) -> Reply<ListPatientPrescriptionsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let filters = ("patient", &r.patient_id);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.patient_prescriptions(&c, &r.patient_id, page.after, page.size).await?;
        Ok(Response::new(ListPatientPrescriptionsResponse {
            prescriptions: items.iter().map(prescription_to_proto).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn get_prescription(&self, request: Request<GetPrescriptionRequest>) -> Reply<GetPrescriptionResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.into_result()?;
        let rx = self.0.prescription(&c, &r.prescription_id).await?;
        Ok(Response::new(GetPrescriptionResponse { prescription: Some(prescription_to_proto(&rx)) }))
    }

    async fn list_pending_prescriptions(
        &self,
        request: Request<ListPendingPrescriptionsRequest>,
    ) -> Reply<ListPendingPrescriptionsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let status = match r.status {
            0 => None,
            s => match status_from_proto(s).filter(|s| s.is_waiting()) {
                Some(s) => Some(s),
                None => {
                    return Err(hms_kit::error::invalid_field(
                        "status",
                        "must be PENDING_VERIFICATION, VERIFIED or DISPENSED_PARTIAL",
                    ));
                }
            },
        };
        let filters = ("queue", r.status);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.queue(&c, status, page.after, page.size).await?;
        Ok(Response::new(ListPendingPrescriptionsResponse {
            prescriptions: items.iter().map(prescription_to_proto).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn verify_prescription(
        &self,
        request: Request<VerifyPrescriptionRequest>,
    ) -> Reply<VerifyPrescriptionResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.text("reason", &r.reason, 2000, !r.approve);
        if r.version < 1 {
            v.add("version", "is required: the version last read");
        }
        v.into_result()?;
        let rx = self.0.verify(&c, &r.prescription_id, r.approve, r.reason.trim(), r.version).await?;
        Ok(Response::new(VerifyPrescriptionResponse { prescription: Some(prescription_to_proto(&rx)) }))
    }

    async fn preview_dispense(&self, request: Request<PreviewDispenseRequest>) -> Reply<PreviewDispenseResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.into_result()?;
        let plan = self.0.preview(&c, &r.prescription_id).await?;
        Ok(Response::new(PreviewDispenseResponse { lines: plan.iter().map(planned_to_proto).collect() }))
    }

    async fn dispense_prescription(
        &self,
        request: Request<DispensePrescriptionRequest>,
    ) -> Reply<DispensePrescriptionResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        for (n, item) in r.items.iter().enumerate() {
            check_id(&mut v, &format!("items[{n}].item_id"), &item.item_id);
            if item.quantity < 1 {
                v.add(format!("items[{n}].quantity"), "must be at least 1");
            }
        }
        v.into_result()?;
        let wanted: Vec<(String, i64)> = r.items.into_iter().map(|i| (i.item_id, i64::from(i.quantity))).collect();
        let (rx, dispense) = self.0.dispense(&c, &r.prescription_id, &wanted).await?;
        Ok(Response::new(DispensePrescriptionResponse {
            prescription: Some(prescription_to_proto(&rx)),
            dispense: Some(dispense_to_proto(&dispense)),
        }))
    }

    async fn cancel_prescription(
        &self,
        request: Request<CancelPrescriptionRequest>,
    ) -> Reply<CancelPrescriptionResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.text("reason", &r.reason, 2000, true);
        v.into_result()?;
        let rx = self.0.cancel(&c, &r.prescription_id, r.reason.trim()).await?;
        Ok(Response::new(CancelPrescriptionResponse { prescription: Some(prescription_to_proto(&rx)) }))
    }

    async fn list_stock(&self, request: Request<ListStockRequest>) -> Reply<ListStockResponse> {
        let r = request.into_inner();
        let filters = ("stock", r.low_only);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.list_stock(r.low_only, page.after, page.size).await?;
        let today = self.0.today();
        Ok(Response::new(ListStockResponse {
            stock: items.iter().map(|s| stock_to_proto(s, &today)).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn update_stock(&self, request: Request<UpdateStockRequest>) -> Reply<UpdateStockResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let change = stock_change_from_proto(&mut v, &r);
        v.into_result()?;
        let Some(change) = change else { return Err(tonic::Status::invalid_argument("change is required")) };
        let saved = self.0.update_stock(&c, &r.medication_id, change).await?;
        Ok(Response::new(UpdateStockResponse { stock: Some(stock_to_proto(&saved, &self.0.today())) }))
    }

    async fn list_expiring_batches(
        &self,
        request: Request<ListExpiringBatchesRequest>,
    ) -> Reply<ListExpiringBatchesResponse> {
        let r = request.into_inner();
        let days = match r.within_days {
            0 => 90,
            d if (1..=730).contains(&d) => d,
            _ => return Err(hms_kit::error::invalid_field("within_days", "must be 1 to 730")),
        };
        let today = self.0.today();
        let cutoff = today
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.checked_add(jiff::Span::new().days(i64::from(days))).ok())
            .map(|d| d.to_string())
            .unwrap_or_else(|| today.clone());
        let found = self.0.expiring(&cutoff).await?;
        Ok(Response::new(ListExpiringBatchesResponse {
            batches: found
                .iter()
                .map(|(stock, batch)| ExpiringBatch {
                    medication_id: stock.medication_id.clone(),
                    medication_name: stock.medication_name.clone(),
                    batch: Some(batch_to_proto(batch, &today)),
                })
                .collect(),
        }))
    }

    async fn list_audit_events(&self, request: Request<ListAuditEventsRequest>) -> Reply<ListAuditEventsResponse> {
        let r = request.into_inner();
        let filter = match (r.patient_id.as_str(), r.actor_id.as_str()) {
            ("", "") => None,
            (patient, "") => Some(("patient_id", patient)),
            ("", actor) => Some(("actor_id", actor)),
            _ => {
                return Err(hms_kit::error::invalid_field("actor_id", "filter by patient_id or by actor_id, not both"));
            }
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.audit_events(filter, page.after, page.size).await?;
        Ok(Response::new(ListAuditEventsResponse {
            events: items.iter().map(|e| audit_to_proto(&e.doc)).collect(),
            page: page_response(next, &filter),
        }))
    }

    async fn verify_audit_chain(&self, _request: Request<VerifyAuditChainRequest>) -> Reply<VerifyAuditChainResponse> {
        let (checked, broken) = self.0.verify_audit().await?;
        let (first_broken_sequence, problem) = broken.unwrap_or_default();
        Ok(Response::new(VerifyAuditChainResponse {
            intact: first_broken_sequence == 0,
            checked,
            first_broken_sequence,
            problem,
        }))
    }

    async fn list_medications(&self, request: Request<ListMedicationsRequest>) -> Reply<ListMedicationsResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.text("query", &r.query, 100, false);
        v.into_result()?;
        let filters = ("catalog", r.query.trim().to_lowercase(), r.include_inactive);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.find_medications(&r.query, r.include_inactive, page.after, page.size).await?;
        Ok(Response::new(ListMedicationsResponse {
            medications: items.iter().map(medication_to_proto).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn create_medication(&self, request: Request<CreateMedicationRequest>) -> Reply<CreateMedicationResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let doc = medication_from_proto(&mut v, r.medication.as_ref());
        v.into_result()?;
        let Some(mut doc) = doc else { return Err(tonic::Status::invalid_argument("medication is required")) };
        doc.created_at = hms_kit::time::now_micros();
        let saved = self.0.add_medication(Some(&c), doc).await?;
        Ok(Response::new(CreateMedicationResponse { medication: Some(medication_to_proto(&saved)) }))
    }

    async fn update_medication(&self, request: Request<UpdateMedicationRequest>) -> Reply<UpdateMedicationResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "medication_id", &r.medication_id);
        let doc = medication_from_proto(&mut v, r.medication.as_ref());
        if r.version < 1 {
            v.add("version", "is required: the version last read");
        }
        v.into_result()?;
        let Some(doc) = doc else { return Err(tonic::Status::invalid_argument("medication is required")) };
        let saved = self.0.update_medication(&c, &r.medication_id, doc, r.version).await?;
        Ok(Response::new(UpdateMedicationResponse { medication: Some(medication_to_proto(&saved)) }))
    }
}
