//! `InternalEhrService`: the appointment service links appointments, the
//! pharmacy and the laboratory add references to their prescriptions and lab
//! results. Each is idempotent on its source.

use hms_kit::auth::Caller;
use hms_kit::error::FieldViolations;
use hms_kit::ids::check_id;
use hms_kit::proto::ehr::internal_ehr_service_server::InternalEhrService;
use hms_kit::proto::ehr::*;
use hms_kit::time::now_micros;
use tonic::{Request, Response, Status};

use super::convert::{allergy_to_proto, lab_to_proto, link_from_proto, micros, prescription_to_proto, stage_to_proto};
use super::{InternalApi, Reply};
use crate::app::{LAB_RESULT, PRESCRIPTION, stage};
use crate::store::ReferenceDoc;

#[tonic::async_trait]
impl InternalEhrService for InternalApi {
    async fn link_appointment(&self, request: Request<LinkAppointmentRequest>) -> Reply<LinkAppointmentResponse> {
        let c = Caller::of(&request)?;
        let link = link_from_proto(request.into_inner())?;
        let Some(encounter) = self.0.link_appointment(&c, link).await? else {
            return Ok(Response::new(LinkAppointmentResponse::default()));
        };
        Ok(Response::new(LinkAppointmentResponse {
            encounter_id: encounter.id.clone(),
            status: stage_to_proto(stage(&encounter.doc)).into(),
        }))
    }

    async fn add_prescription_reference(
        &self,
        request: Request<AddPrescriptionReferenceRequest>,
    ) -> Reply<AddPrescriptionReferenceResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.text("medications_summary", &r.medications_summary, 2000, false);
        let at = micros(&mut v, "issue_time", r.issue_time.as_ref(), true).unwrap_or_default();
        let reference = ReferenceDoc {
            kind: PRESCRIPTION.into(),
            source_id: r.prescription_id.clone(),
            patient_id: r.patient_id.clone(),
            encounter_id: Some(r.encounter_id.clone()).filter(|e| !e.is_empty()),
            at,
            title: r.medications_summary.trim().to_owned(),
            status: String::new(),
            created_at: now_micros(),
        };
        check_reference(v, &reference)?;
        let (stored, created) = self
            .0
            .add_reference(&c, &format!("rx:{}", r.prescription_id), reference, "AddPrescriptionReference")
            .await?;
        Ok(Response::new(AddPrescriptionReferenceResponse { reference: Some(prescription_to_proto(&stored)), created }))
    }

    async fn get_prescribing_context(
        &self,
        request: Request<GetPrescribingContextRequest>,
    ) -> Reply<GetPrescribingContextResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "doctor_id", &r.doctor_id);
        if !r.encounter_id.is_empty() {
            check_id(&mut v, "encounter_id", &r.encounter_id);
        }
        v.into_result()?;
        let encounter = Some(r.encounter_id.as_str()).filter(|e| !e.is_empty());
        let context = self.0.prescribing_context(&c, &r.doctor_id, &r.patient_id, encounter).await?;
        Ok(Response::new(GetPrescribingContextResponse {
            care_relationship: context.care_relationship,
            encounter_found: context.encounter_found,
            allergies: context.allergies.iter().map(allergy_to_proto).collect(),
        }))
    }

    async fn add_lab_result_reference(
        &self,
        request: Request<AddLabResultReferenceRequest>,
    ) -> Reply<AddLabResultReferenceResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "lab_order_item_id", &r.lab_order_item_id);
        v.text("test_name", &r.test_name, 200, true);
        v.text("summary_status", &r.summary_status, 50, false);
        let at = micros(&mut v, "result_time", r.result_time.as_ref(), true).unwrap_or_default();
        let reference = ReferenceDoc {
            kind: LAB_RESULT.into(),
            source_id: r.lab_order_item_id.clone(),
            patient_id: r.patient_id.clone(),
            encounter_id: Some(r.encounter_id.clone()).filter(|e| !e.is_empty()),
            at,
            title: r.test_name.trim().to_owned(),
            status: r.summary_status.trim().to_owned(),
            created_at: now_micros(),
        };
        check_reference(v, &reference)?;
        let (stored, created) = self
            .0
            .add_reference(&c, &format!("lab:{}", r.lab_order_item_id), reference, "AddLabResultReference")
            .await?;
        Ok(Response::new(AddLabResultReferenceResponse { reference: Some(lab_to_proto(&stored)), created }))
    }
}

/// The reference's patient and encounter ids, checked with the violations
/// found so far.
fn check_reference(mut v: FieldViolations, reference: &ReferenceDoc) -> Result<(), Status> {
    check_id(&mut v, "patient_id", &reference.patient_id);
    if let Some(encounter) = &reference.encounter_id {
        check_id(&mut v, "encounter_id", encounter);
    }
    v.into_result()
}
