//! Who may see a lab order and its results, and the audit entry of every
//! read and write.

use hms_kit::auth::{Caller, role_name};
use hms_kit::docstore::audit::Entry;
use hms_kit::error::refusal;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::GetPrescribingContextRequest;
use hms_kit::proto::user::GetPatientDemographicsRequest;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::store::{OrderDoc, PatientDoc};

/// The audit outcome of a result: ALLOWED, DENIED (a PERMISSION_DENIED
/// refusal) or FAILED.
pub(super) fn outcome<T>(result: &Result<T, Status>) -> &'static str {
    match result {
        Ok(_) => "ALLOWED",
        Err(s) if s.code() == Code::PermissionDenied => "DENIED",
        Err(_) => "FAILED",
    }
}

/// Whether the caller sees results before release: everyone who may see the
/// order but the patient.
pub fn may_see_results(c: &Caller) -> bool {
    c.principal.role != Role::Patient
}

/// What the EHR says about a doctor and a patient.
pub(super) struct Context {
    pub care: bool,
    pub encounter_found: bool,
}

fn ehr_unavailable() -> Status {
    refusal(Code::Unavailable, "EHR_UNAVAILABLE", "the EHR did not answer; retry later")
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

    /// Audits `result` of `action` on order `id` and hands it back.
    pub(super) async fn audited<T>(
        &self,
        c: &Caller,
        action: &str,
        patient_id: &str,
        id: &str,
        reason: &str,
        result: Result<T, Status>,
    ) -> Result<T, Status> {
        self.audit(c, action, patient_id, &format!("lab-order/{id}"), outcome(&result), reason).await?;
        result
    }

    /// The EHR's answer for the doctor and `patient_id`.
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
            ehr_unavailable()
        })?;
        let reply = reply.into_inner();
        Ok(Context { care: reply.care_relationship, encounter_found: reply.encounter_found })
    }

    /// The patient's name, sex and date of birth, from the user service.
    pub(super) async fn demographics(&self, patient_id: &str) -> Result<PatientDoc, Status> {
        let Some(users) = &self.users else {
            return Err(refusal(Code::Unavailable, "USERS_UNAVAILABLE", "no user service is configured"));
        };
        let request = GetPatientDemographicsRequest { user_id: patient_id.to_owned() };
        let reply = users.clone().get_patient_demographics(request).await.map_err(|s| match s.code() {
            Code::NotFound | Code::InvalidArgument => {
                refusal(Code::FailedPrecondition, "PATIENT_NOT_FOUND", "no patient with this id")
            }
            code => {
                tracing::warn!(?code, message = s.message(), "the user service did not answer");
                refusal(Code::Unavailable, "USERS_UNAVAILABLE", "the user service did not answer; retry later")
            }
        })?;
        let reply = reply.into_inner();
        let sex = match hms_kit::proto::user::Gender::try_from(reply.gender) {
            Ok(hms_kit::proto::user::Gender::Male) => "M",
            Ok(hms_kit::proto::user::Gender::Female) => "F",
            _ => "",
        };
        let birth_date =
            reply.date_of_birth.as_ref().and_then(hms_kit::time::civil_date).map(|d| d.to_string()).unwrap_or_default();
        Ok(PatientDoc { name: reply.display_name, sex: sex.to_owned(), birth_date })
    }

    /// Whether the caller may see `order`: the patient their own, a lab
    /// technician any, a doctor those they ordered or of a patient in their
    /// care.
    pub(super) async fn may_see(&self, c: &Caller, order: &OrderDoc) -> Result<(), Status> {
        let me = c.principal.subject.as_str();
        let allowed = match c.principal.role {
            Role::Patient => order.patient_id == me,
            Role::LabTechnician => true,
            Role::Doctor => order.doctor_id == me || self.context(me, &order.patient_id, "").await?.care,
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(refusal(Code::PermissionDenied, "NOT_YOUR_PATIENT", "this lab order is not yours to see"))
        }
    }

    /// Whether the caller may list `patient_id`'s orders.
    pub(super) async fn may_list(&self, c: &Caller, patient_id: &str) -> Result<(), Status> {
        let me = c.principal.subject.as_str();
        let allowed = match c.principal.role {
            Role::Patient => patient_id == me,
            Role::Doctor => self.context(me, patient_id, "").await?.care,
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(refusal(Code::PermissionDenied, "NOT_YOUR_PATIENT", "you may not see this patient's lab results"))
        }
    }

    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<crate::store::PageOf<Entry>, Status> {
        Ok(self.store.audit.events(filter, after, limit).await?)
    }

    /// Recomputes the audit chain: the entries checked and the first broken one.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>), Status> {
        let (checked, broken) = self.store.audit.verify().await?;
        if let Some((sequence, problem)) = &broken {
            tracing::error!(sequence, problem, "the laboratory audit chain is broken");
        }
        Ok((checked, broken))
    }
}
