//! `EhrService`: medical records, encounters (notes, status, diagnoses,
//! treatment plans, vital signs), break-glass access and the audit trail.

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, invalid_field, refusal};
use hms_kit::ids::check_id;
use hms_kit::ids::new_id;
use hms_kit::paging;
use hms_kit::proto::common::{PageResponse, Role};
use hms_kit::proto::ehr::ehr_service_server::EhrService;
use hms_kit::proto::ehr::*;
use hms_kit::time::{micros_to_timestamp, now_micros};
use tonic::{Code, Request, Response};

use super::convert::{
    MAX_NOTE, audit_to_proto, check_version, diagnosis_from_proto, encounter_to_proto, grant_to_proto, lab_to_proto,
    micros, notes_from_proto, outcome_to_proto, prescription_to_proto, record_from_proto, record_to_proto,
    stage_from_proto, vitals_to_proto,
};

use super::{EhrApi, Reply};
use crate::app::{LAB_RESULT, PRESCRIPTION, PlanText, VitalsTarget};
use crate::domain::icd10;
use crate::domain::status::Status as Stage;
use crate::domain::validate::{self, Vitals};
use crate::store::VitalsDoc;

/// Bounds of a break-glass reason, in characters.
const MIN_REASON: usize = 10;
const MAX_REASON: usize = 1000;

#[tonic::async_trait]
impl EhrService for EhrApi {
    async fn get_medical_record(&self, request: Request<GetMedicalRecordRequest>) -> Reply<GetMedicalRecordResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let (record, references) = self.0.get_record(&c, patient).await?;
        Ok(Response::new(GetMedicalRecordResponse {
            record: Some(record_to_proto(patient, &record)),
            prescription_references: references
                .iter()
                .filter(|r| r.kind == PRESCRIPTION)
                .map(prescription_to_proto)
                .collect(),
            lab_result_references: references.iter().filter(|r| r.kind == LAB_RESULT).map(lab_to_proto).collect(),
        }))
    }

    async fn create_medical_record(
        &self,
        request: Request<CreateMedicalRecordRequest>,
    ) -> Reply<CreateMedicalRecordResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let (record, created) = self.0.create_record(&c, patient).await?;
        Ok(Response::new(CreateMedicalRecordResponse { record: Some(record_to_proto(patient, &record)), created }))
    }

    async fn update_medical_record(
        &self,
        request: Request<UpdateMedicalRecordRequest>,
    ) -> Reply<UpdateMedicalRecordResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_version(&mut v, r.version);
        let (doc, history) = record_from_proto(&mut v, r.fields.as_ref());
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let saved = self.0.update_record(&c, patient, doc, history, r.version).await?;
        Ok(Response::new(UpdateMedicalRecordResponse { record: Some(record_to_proto(patient, &saved)) }))
    }

    async fn list_encounters(&self, request: Request<ListEncountersRequest>) -> Reply<ListEncountersResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let page = paging::parse::<String>(r.page.as_ref(), &patient)?;
        let (items, next) = self.0.list_encounters(&c, patient, page.after, page.size).await?;
        Ok(Response::new(ListEncountersResponse {
            encounters: items.into_iter().map(encounter_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, &patient)).unwrap_or_default() }),
        }))
    }

    async fn get_encounter(&self, request: Request<GetEncounterRequest>) -> Reply<GetEncounterResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.into_result()?;
        let encounter = self.0.get_encounter(&c, &r.patient_id, &r.encounter_id).await?;
        Ok(Response::new(GetEncounterResponse { encounter: Some(encounter_to_proto(encounter)) }))
    }

    async fn create_encounter(&self, request: Request<CreateEncounterRequest>) -> Reply<CreateEncounterResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let at = micros(&mut v, "encounter_time", r.encounter_time.as_ref(), false);
        let notes = notes_from_proto(&mut v, r.notes.as_ref());
        let status = match EncounterStatus::try_from(r.status) {
            Ok(EncounterStatus::Unspecified | EncounterStatus::InProgress) => Stage::InProgress,
            Ok(EncounterStatus::Planned) => Stage::Planned,
            _ => {
                v.add("status", "a new encounter is PLANNED or IN_PROGRESS");
                Stage::InProgress
            }
        };
        v.into_result()?;
        let created = self.0.create_encounter(&c, &r.patient_id, at, &notes, status).await?;
        Ok(Response::new(CreateEncounterResponse { encounter: Some(encounter_to_proto(created)) }))
    }

    async fn update_encounter(&self, request: Request<UpdateEncounterRequest>) -> Reply<UpdateEncounterResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_version(&mut v, r.version);
        v.require(r.notes.is_some(), "notes", "is required");
        let notes = notes_from_proto(&mut v, r.notes.as_ref());
        v.into_result()?;
        let saved = self.0.update_encounter(&c, &r.patient_id, &r.encounter_id, &notes, r.version).await?;
        Ok(Response::new(UpdateEncounterResponse { encounter: Some(encounter_to_proto(saved)) }))
    }

    async fn update_encounter_status(
        &self,
        request: Request<UpdateEncounterStatusRequest>,
    ) -> Reply<UpdateEncounterStatusResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_version(&mut v, r.version);
        let to = EncounterStatus::try_from(r.status).ok().and_then(stage_from_proto);
        v.require(to.is_some(), "status", "must be an encounter status");
        v.into_result()?;
        let Some(to) = to else { return Err(invalid_field("status", "must be an encounter status")) };
        let saved = self.0.update_encounter_status(&c, &r.patient_id, &r.encounter_id, to, r.version).await?;
        Ok(Response::new(UpdateEncounterStatusResponse { encounter: Some(encounter_to_proto(saved)) }))
    }

    async fn add_diagnosis(&self, request: Request<AddDiagnosisRequest>) -> Reply<AddDiagnosisResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.require(r.diagnosis.is_some(), "diagnosis", "is required");
        let diagnosis = diagnosis_from_proto(&mut v, r.diagnosis.as_ref(), new_id());
        v.into_result()?;
        let saved = self.0.add_diagnosis(&c, &r.patient_id, &r.encounter_id, diagnosis).await?;
        Ok(Response::new(AddDiagnosisResponse { encounter: Some(encounter_to_proto(saved)) }))
    }

    async fn update_diagnosis(&self, request: Request<UpdateDiagnosisRequest>) -> Reply<UpdateDiagnosisResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_id(&mut v, "diagnosis_id", &r.diagnosis_id);
        check_version(&mut v, r.version);
        v.require(r.diagnosis.is_some(), "diagnosis", "is required");
        let diagnosis = diagnosis_from_proto(&mut v, r.diagnosis.as_ref(), r.diagnosis_id.clone());
        v.into_result()?;
        let saved = self.0.update_diagnosis(&c, &r.patient_id, &r.encounter_id, diagnosis, r.version).await?;
        Ok(Response::new(UpdateDiagnosisResponse { encounter: Some(encounter_to_proto(saved)) }))
    }

    async fn add_treatment_plan(&self, request: Request<AddTreatmentPlanRequest>) -> Reply<AddTreatmentPlanResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        let plan = r.treatment_plan.clone().unwrap_or_default();
        v.text("treatment_plan.description", &plan.description, MAX_NOTE, true);
        v.text("treatment_plan.follow_up_instructions", &plan.follow_up_instructions, MAX_NOTE, false);
        v.into_result()?;
        let text = PlanText {
            description: plan.description.trim().to_owned(),
            follow_up_instructions: plan.follow_up_instructions.trim().to_owned(),
        };
        let saved = self.0.add_treatment_plan(&c, &r.patient_id, &r.encounter_id, text).await?;
        Ok(Response::new(AddTreatmentPlanResponse { encounter: Some(encounter_to_proto(saved)) }))
    }

    async fn add_vital_signs(&self, request: Request<AddVitalSignsRequest>) -> Reply<AddVitalSignsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let target = match (r.encounter_id.as_str(), r.appointment_id.as_str()) {
            ("", "") => {
                v.add("encounter_id", "is required (or name the encounter by appointment_id)");
                VitalsTarget::Encounter("")
            }
            (encounter, "") => {
                check_id(&mut v, "encounter_id", encounter);
                VitalsTarget::Encounter(encounter)
            }
            ("", appointment) => {
                check_id(&mut v, "appointment_id", appointment);
                VitalsTarget::Appointment(appointment)
            }
            _ => {
                v.add("appointment_id", "name the encounter by encounter_id or by appointment_id, not both");
                VitalsTarget::Encounter("")
            }
        };
        v.require(r.vital_signs.is_some(), "vital_signs", "is required");
        let input = r.vital_signs.clone().unwrap_or_default();
        let measured = Vitals {
            heart_rate: input.heart_rate,
            systolic_bp: input.systolic_bp,
            diastolic_bp: input.diastolic_bp,
            temperature_celsius: input.temperature_celsius,
            respiratory_rate: input.respiratory_rate,
            spo2_percent: input.spo2_percent,
            weight_kg: input.weight_kg,
            height_cm: input.height_cm,
        };
        for (field, problem) in validate::vitals(&measured, "vital_signs.") {
            v.add(field, problem);
        }
        let now = now_micros();
        let at = micros(&mut v, "vital_signs.measure_time", input.measure_time.as_ref(), false).unwrap_or(now);
        // A little clock skew between devices is tolerated, the future is not.
        v.require(at <= now + 300_000_000, "vital_signs.measure_time", "must not be in the future");
        v.into_result()?;
        let vitals = VitalsDoc {
            id: new_id(),
            recorded_by: c.principal.subject.clone(),
            at,
            heart_rate: measured.heart_rate,
            systolic_bp: measured.systolic_bp,
            diastolic_bp: measured.diastolic_bp,
            temperature_celsius: measured.temperature_celsius,
            respiratory_rate: measured.respiratory_rate,
            spo2_percent: measured.spo2_percent,
            weight_kg: measured.weight_kg,
            height_cm: measured.height_cm,
        };
        self.0.add_vital_signs(&c, &r.patient_id, target, &vitals).await?;
        Ok(Response::new(AddVitalSignsResponse { vital_signs: Some(vitals_to_proto(&vitals)) }))
    }

    async fn search_diagnosis_codes(
        &self,
        request: Request<SearchDiagnosisCodesRequest>,
    ) -> Reply<SearchDiagnosisCodesResponse> {
        // The table is reference data, not a patient's: nothing to audit.
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if let Err(problem) = icd10::check_query(&r.query) {
            v.add("query", problem);
        }
        let size = usize::try_from(r.page_size).ok().filter(|s| *s <= icd10::MAX_PAGE);
        if size.is_none() {
            v.add("page_size", format!("must be between 0 and {}", icd10::MAX_PAGE));
        }
        v.into_result()?;
        let limit = match size {
            Some(0) | None => icd10::DEFAULT_PAGE,
            Some(s) => s,
        };
        Ok(Response::new(SearchDiagnosisCodesResponse {
            codes: icd10::search(&r.query, limit)
                .into_iter()
                .map(|c| DiagnosisCode { code: c.code.into(), title: c.title.into(), title_vi: c.title_vi.into() })
                .collect(),
            edition: icd10::edition().into(),
        }))
    }

    async fn break_glass(&self, request: Request<BreakGlassRequest>) -> Reply<BreakGlassResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let reason = r.reason.trim();
        let length = reason.chars().count();
        if length == 0 {
            v.add("reason", format!("is required: why access is needed now, at least {MIN_REASON} characters"));
        } else if length < MIN_REASON {
            v.add(
                "reason",
                format!("must be at least {MIN_REASON} characters (it has {length}): why access is needed now"),
            );
        } else if length > MAX_REASON {
            v.add("reason", format!("must have at most {MAX_REASON} characters"));
        }
        v.into_result()?;
        if c.principal.role != Role::Doctor {
            return Err(refusal(Code::PermissionDenied, "ROLE_NOT_ALLOWED", "only doctors may break the glass"));
        }
        let grant = self.0.break_glass(&c, &r.patient_id, reason).await?;
        Ok(Response::new(BreakGlassResponse { grant: Some(grant_to_proto(&grant)) }))
    }

    async fn list_record_access(&self, request: Request<ListRecordAccessRequest>) -> Reply<ListRecordAccessResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        if c.principal.role != Role::Patient || c.principal.subject != r.patient_id {
            return Err(refusal(
                Code::PermissionDenied,
                "NOT_YOUR_RECORD",
                "patients see who accessed their own record",
            ));
        }
        let page = paging::parse::<String>(r.page.as_ref(), &r.patient_id)?;
        let (items, next) = self.0.audit_events(Some(("patient_id", &r.patient_id)), page.after, page.size).await?;
        Ok(Response::new(ListRecordAccessResponse {
            accesses: items
                .iter()
                .map(|e| RecordAccess {
                    actor_id: e.doc.actor_id.clone(),
                    actor_role: e.doc.actor_role.clone(),
                    action: e.doc.action.clone(),
                    resource: e.doc.resource.clone(),
                    event_time: Some(micros_to_timestamp(e.doc.at)),
                    outcome: outcome_to_proto(&e.doc.outcome).into(),
                    break_glass: !e.doc.break_glass_reason.is_empty(),
                })
                .collect(),
            page: Some(PageResponse {
                next_page_token: next.map(|n| paging::token(&n, &r.patient_id)).unwrap_or_default(),
            }),
        }))
    }

    async fn list_audit_events(&self, request: Request<ListAuditEventsRequest>) -> Reply<ListAuditEventsResponse> {
        let r = request.into_inner();
        let filter = match (r.patient_id.as_str(), r.actor_id.as_str()) {
            ("", "") => None,
            (patient, "") => Some(("patient_id", patient)),
            ("", actor) => Some(("actor_id", actor)),
            _ => return Err(invalid_field("actor_id", "filter by patient_id or by actor_id, not both")),
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.audit_events(filter, page.after, page.size).await?;
        Ok(Response::new(ListAuditEventsResponse {
            events: items.iter().map(|e| audit_to_proto(&e.doc)).collect(),
            page: Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, &filter)).unwrap_or_default() }),
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

    async fn list_break_glass_grants(
        &self,
        request: Request<ListBreakGlassGrantsRequest>,
    ) -> Reply<ListBreakGlassGrantsResponse> {
        let r = request.into_inner();
        let doctor = Some(r.doctor_id.as_str()).filter(|d| !d.is_empty());
        let patient = Some(r.patient_id.as_str()).filter(|p| !p.is_empty());
        let filter = (doctor, patient);
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.grants(doctor, patient, page.after, page.size).await?;
        Ok(Response::new(ListBreakGlassGrantsResponse {
            grants: items.iter().map(grant_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, &filter)).unwrap_or_default() }),
        }))
    }
}
