//! Insurance policies of a patient: listed, created (the policy number
//! sealed, bound to the policy's id) and deactivated, by the patient or an
//! admin.

use hms_kit::auth::Principal;
use hms_kit::error;
use hms_kit::time::now_micros;
use jiff::civil::Date;
use tonic::Status;

use super::State;
use super::access::require_self_or_admin;
use crate::domain;
use crate::store::{self, PolicyRow};

/// A policy to create, validated.
pub struct NewPolicy {
    pub patient_id: String,
    pub provider_name: String,
    pub policy_number: String,
    pub member_id: String,
    pub valid_from: Date,
    pub valid_to: Date,
    pub coverage_details: String,
}

impl State {
    /// A policy's number, opened.
    pub fn open_policy_number(&self, p: &PolicyRow) -> Result<String, Status> {
        let plain =
            self.sealer.open(&p.policy_number_key_id, &p.policy_number_sealed, &p.id).map_err(error::internal)?;
        String::from_utf8(plain).map_err(error::internal)
    }

    pub async fn policies_of(&self, caller: &Principal, patient_id: &str) -> Result<Vec<PolicyRow>, Status> {
        require_self_or_admin(caller, patient_id)?;
        Ok(store::policies_of(&self.db, patient_id).await?)
    }

    pub async fn create_policy(&self, caller: &Principal, p: NewPolicy) -> Result<PolicyRow, Status> {
        require_self_or_admin(caller, &p.patient_id)?;
        let id = hms_kit::ids::new_id();
        let (key_id, sealed) = self.sealer.seal(p.policy_number.trim().as_bytes(), &id).map_err(error::internal)?;
        let row = PolicyRow {
            id,
            patient_id: p.patient_id,
            provider_name: p.provider_name.trim().to_owned(),
            company_key: domain::company_key(&p.provider_name),
            policy_number_key_id: key_id,
            policy_number_sealed: sealed,
            member_id: p.member_id.trim().to_owned(),
            valid_from: p.valid_from.to_string(),
            valid_to: p.valid_to.to_string(),
            coverage_details: p.coverage_details,
            active: true,
            created_at: now_micros(),
        };
        store::insert_policy(&self.db, &row).await?;
        Ok(row)
    }

    /// Deactivates a patient's policy; the policy as it now is.
    pub async fn deactivate_policy(
        &self,
        caller: &Principal,
        patient_id: &str,
        policy_id: &str,
    ) -> Result<PolicyRow, Status> {
        require_self_or_admin(caller, patient_id)?;
        let policy = store::get_policy(&self.db, policy_id)
            .await?
            .filter(|p| p.patient_id == patient_id)
            .ok_or_else(|| Status::not_found("no such insurance policy"))?;
        store::deactivate_policy(&self.db, &policy.id).await?;
        Ok(PolicyRow { active: false, ..policy })
    }
}
