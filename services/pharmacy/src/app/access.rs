//! Who may see a prescription, and the audit entry of every read and write.

use hms_kit::auth::{Caller, role_name};
use hms_kit::docstore::audit::Entry;
use hms_kit::error::refusal;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::GetPrescribingContextRequest;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::store::PrescriptionDoc;

/// The audit outcome of a result: ALLOWED, DENIED (a PERMISSION_DENIED
/// refusal) or FAILED.
pub(super) fn outcome<T>(result: &Result<T, Status>) -> &'static str {
    match result {
        Ok(_) => "ALLOWED",
        Err(s) if s.code() == Code::PermissionDenied => "DENIED",
        Err(_) => "FAILED",
    }
}

/// What the EHR says about a doctor and a patient.
pub struct Context {
    pub care: bool,
    pub encounter_found: bool,
    pub allergies: Vec<String>,
}

impl State {
    /// Appends one audit entry; a request whose access cannot be audited fails.
    pub(super) async fn audit(
        &self,
        c: &Caller,
        action: &str,
        patient_id: &str,
        resource: &str,
        outcome: &str,
        reason: &str,
    ) -> Result<(), Status> {
        let entry = Entry {
            seq: 0,
            actor_id: c.principal.subject.clone(),
            actor_role: role_name(c.principal.role).to_owned(),
            action: action.to_owned(),
            patient_id: patient_id.to_owned(),
            resource: resource.to_owned(),
            at: now_micros(),
            client_address: c.address.clone(),
            outcome: outcome.to_owned(),
            break_glass_reason: reason.to_owned(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.store.audit.append(entry).await?;
        Ok(())
    }

    /// Audits `result` of `action` on prescription `id` as ALLOWED, DENIED
    /// (a PERMISSION_DENIED refusal) or FAILED, and hands it back.
    pub(super) async fn audited<T>(
        &self,
        c: &Caller,
        action: &str,
        patient_id: &str,
        id: &str,
        reason: &str,
        result: Result<T, Status>,
    ) -> Result<T, Status> {
        self.audit(c, action, patient_id, &format!("prescription/{id}"), outcome(&result), reason).await?;
        result
    }

    /// The EHR's answer for the calling doctor and `patient_id`.
    pub(super) async fn context(
        &self,
        doctor_id: &str,
        patient_id: &str,
        encounter_id: &str,
    ) -> Result<Context, Status> {
        let Some(ehr) = &self.ehr else {
            return Err(refusal(Code::Unavailable, "EHR_UNAVAILABLE", "no EHR service is configured"));
        };
        let request = GetPrescribingContextRequest {
            patient_id: patient_id.to_owned(),
            doctor_id: doctor_id.to_owned(),
            encounter_id: encounter_id.to_owned(),
        };
        let reply = ehr.clone().get_prescribing_context(request).await.map_err(|s| {
            tracing::warn!(code = ?s.code(), message = s.message(), "the EHR did not answer");
            refusal(Code::Unavailable, "EHR_UNAVAILABLE", "the EHR did not answer; retry later")
        })?;
        let reply = reply.into_inner();
        Ok(Context {
            care: reply.care_relationship,
            encounter_found: reply.encounter_found,
            allergies: reply.allergies.into_iter().map(|a| a.substance).collect(),
        })
    }

    /// Whether the caller may see `rx`: the patient their own, a pharmacist
    /// any, a doctor those they wrote or of a patient in their care.
    pub(super) async fn may_see(&self, c: &Caller, rx: &PrescriptionDoc) -> Result<(), Status> {
        let me = c.principal.subject.as_str();
        let allowed = match c.principal.role {
            Role::Patient => rx.patient_id == me,
            Role::Pharmacist => true,
            Role::Doctor => rx.doctor_id == me || self.context(me, &rx.patient_id, "").await?.care,
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(refusal(Code::PermissionDenied, "NOT_YOUR_PATIENT", "this prescription is not yours to see"))
        }
    }

    /// Whether the caller may list `patient_id`'s prescriptions.
    pub(super) async fn may_list(&self, c: &Caller, patient_id: &str) -> Result<(), Status> {
        let me = c.principal.subject.as_str();
        let allowed = match c.principal.role {
            Role::Patient => patient_id == me,
            Role::Pharmacist => true,
            Role::Doctor => self.context(me, patient_id, "").await?.care,
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(refusal(Code::PermissionDenied, "NOT_YOUR_PATIENT", "you may not see this patient's prescriptions"))
        }
    }
}

impl State {
    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<crate::store::PageOf<Entry>, Status> {
        Ok(self.store.audit.events(filter, after, limit).await?)
    }

    /// Recomputes the audit chain: the entries checked and the first broken
    /// one (sequence, problem), which is logged as an error.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>), Status> {
        let (checked, broken) = self.store.audit.verify().await?;
        if let Some((sequence, problem)) = &broken {
            tracing::error!(sequence, problem, "the pharmacy audit chain is broken");
        }
        Ok((checked, broken))
    }
}
