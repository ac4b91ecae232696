//! Access to clinical data: who may read or write a patient's record (own
//! record, care relationship, break-glass grant, a nurse's encounter of
//! today), the audit entry of every attempt, break-glass grants and the
//! audit trail.

use std::future::Future;

use hms_kit::auth::role_name;
use hms_kit::docstore::audit::Entry;
use hms_kit::error::refusal;
use hms_kit::proto::common::Role;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::store::{EncounterDoc, GrantDoc, PageOf, Versioned};
use hms_kit::auth::Caller;
use hms_kit::ids::new_id;

/// What a call does to the patient's data.
pub(super) enum Need<'a> {
    Read,
    Write,
    /// Adding vital signs to this encounter (if it exists and is the patient's).
    Vitals(Option<&'a EncounterDoc>),
}

enum Decision {
    /// Allowed; the break-glass reason when that is what allowed it.
    Allow(String),
    Deny(Status),
}

impl State {
    /// The access rules. Patients read their own record; doctors read and
    /// write within a care relationship or an active break-glass grant;
    /// nurses add vitals to an encounter of today; nobody else gets in.
    async fn decide(&self, c: &Caller, patient_id: &str, need: &Need<'_>) -> Result<Decision, Status> {
        let deny = |reason: &str, message: &str| Ok(Decision::Deny(refusal(Code::PermissionDenied, reason, message)));
        match c.principal.role {
            Role::Patient if c.principal.subject == patient_id && matches!(need, Need::Read) => {
                Ok(Decision::Allow(String::new()))
            }
            Role::Patient => deny("NOT_YOUR_RECORD", "patients may read their own record only"),
            Role::Doctor => {
                let now = now_micros();
                if self.store.has_care(&c.principal.subject, patient_id, now).await? {
                    return Ok(Decision::Allow(String::new()));
                }
                match self.store.active_grant(&c.principal.subject, patient_id, now).await? {
                    Some(grant) => Ok(Decision::Allow(grant.reason)),
                    None => deny(
                        "NO_CARE_RELATIONSHIP",
                        "you have no care relationship with this patient; use break-glass in an emergency",
                    ),
                }
            }
            Role::Nurse => match need {
                Need::Vitals(Some(encounter))
                    if encounter.patient_id == patient_id && self.is_today(encounter.encounter_at) =>
                {
                    Ok(Decision::Allow(String::new()))
                }
                Need::Vitals(_) => deny("NO_ENCOUNTER_TODAY", "nurses add vital signs to an encounter of today only"),
                _ => deny("ROLE_NOT_ALLOWED", "nurses may only add vital signs"),
            },
            _ => deny("ROLE_NOT_ALLOWED", "this role has no access to clinical records"),
        }
    }

    fn is_today(&self, micros: i64) -> bool {
        let day = |t: jiff::Timestamp| t.to_zoned(self.zone.clone()).date();
        jiff::Timestamp::from_microsecond(micros).is_ok_and(|t| day(t) == day(jiff::Timestamp::now()))
    }

    /// Appends one audit entry; a request whose access cannot be audited fails.
    pub(super) async fn audit(
        &self,
        c: &Caller,
        action: &str,
        patient_id: &str,
        resource: &str,
        outcome: &str,
        break_glass_reason: &str,
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
            break_glass_reason: break_glass_reason.to_owned(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.store.append_audit(entry).await?;
        Ok(())
    }

    /// Decides, runs `op` when allowed, and audits the attempt with its
    /// outcome (ALLOWED, DENIED, or FAILED when allowed but the operation
    /// failed). Reads return their data only once the audit entry is stored.
    pub(super) async fn audited<T, Fut>(
        &self,
        c: &Caller,
        action: &str,
        patient_id: &str,
        resource: &str,
        need: Need<'_>,
        op: impl FnOnce() -> Fut,
    ) -> Result<T, Status>
    where
        Fut: Future<Output = Result<T, Status>>,
    {
        match self.decide(c, patient_id, &need).await? {
            Decision::Deny(status) => {
                self.audit(c, action, patient_id, resource, "DENIED", "").await?;
                Err(status)
            }
            Decision::Allow(reason) => {
                let result = op().await;
                let outcome = if result.is_ok() { "ALLOWED" } else { "FAILED" };
                self.audit(c, action, patient_id, resource, outcome, &reason).await?;
                result
            }
        }
    }
}

impl State {
    /// Grants the doctor access to the patient's record for the break-glass
    /// period, audited with its reason.
    pub async fn break_glass(&self, c: &Caller, patient_id: &str, reason: &str) -> Result<Versioned<GrantDoc>, Status> {
        let now = now_micros();
        let grant = GrantDoc {
            doctor_id: c.principal.subject.clone(),
            patient_id: patient_id.to_owned(),
            reason: reason.to_owned(),
            granted_at: now,
            expires_at: now + hms_kit::time::duration_micros(self.break_glass),
        };
        let id = new_id();
        self.store.insert_grant(&id, &grant).await?;
        self.audit(c, "BreakGlass", patient_id, &format!("break-glass/{id}"), "ALLOWED", reason).await?;
        tracing::warn!(doctor = %grant.doctor_id, grant = %id, "break-glass access granted");
        Ok(Versioned { id, version: 1, doc: grant })
    }

    /// A page of break-glass grants, newest first, optionally of one doctor
    /// and/or one patient.
    pub async fn grants(
        &self,
        doctor_id: Option<&str>,
        patient_id: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<GrantDoc>, Status> {
        Ok(self.store.grants(doctor_id, patient_id, after, limit).await?)
    }

    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<Entry>, Status> {
        Ok(self.store.audit_events(filter, after, limit).await?)
    }

    /// Recomputes the audit chain: the number of entries checked and the first
    /// broken one (sequence, problem), if any, which is logged as an error.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>), Status> {
        let (checked, broken) = self.store.verify_audit().await?;
        if let Some((seq, problem)) = &broken {
            tracing::error!(sequence = seq, problem, "the EHR audit chain is broken");
        }
        Ok((checked, broken))
    }
}

/// What the pharmacy learns before accepting a prescription.
pub struct PrescribingContext {
    pub care_relationship: bool,
    pub encounter_found: bool,
    pub allergies: Vec<crate::store::AllergyDoc>,
}

impl State {
    /// Whether `doctor_id` may prescribe for the patient (care relationship
    /// or break-glass), whether `encounter_id` is the patient's, and the
    /// patient's allergies, which only a doctor allowed in is given. Audited
    /// as the doctor's read, from the calling service.
    pub async fn prescribing_context(
        &self,
        service: &Caller,
        doctor_id: &str,
        patient_id: &str,
        encounter_id: Option<&str>,
    ) -> Result<PrescribingContext, Status> {
        let now = now_micros();
        let mut break_glass = String::new();
        let mut care = self.store.has_care(doctor_id, patient_id, now).await?;
        if !care && let Some(grant) = self.store.active_grant(doctor_id, patient_id, now).await? {
            care = true;
            break_glass = grant.reason;
        }
        let encounter_found = match encounter_id {
            Some(id) => self.store.encounter(id).await?.is_some_and(|e| e.doc.patient_id == patient_id),
            None => false,
        };
        let allergies = if care {
            self.store.record(patient_id).await?.map(|r| r.doc.allergies).unwrap_or_default()
        } else {
            Vec::new()
        };
        let doctor = Caller {
            principal: hms_kit::auth::Principal {
                subject: doctor_id.to_owned(),
                role: Role::Doctor,
                session_id: None,
                expires_at: 0,
            },
            address: format!("{} via {}", service.address, service.principal.subject),
        };
        let outcome = if care { "ALLOWED" } else { "DENIED" };
        self.audit(&doctor, "GetPrescribingContext", patient_id, "record/allergies", outcome, &break_glass).await?;
        Ok(PrescribingContext { care_relationship: care, encounter_found, allergies })
    }
}
