//! References to prescriptions and lab results held by other services, stored
//! once per source id in the patient's record (created when missing).

use hms_kit::error::{invalid_field, refusal};
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::store::ReferenceDoc;
use hms_kit::auth::Caller;

impl State {
    /// Stores a reference once per source id; a replay returns the stored one.
    pub async fn add_reference(
        &self,
        c: &Caller,
        id: &str,
        reference: ReferenceDoc,
        action: &str,
    ) -> Result<(ReferenceDoc, bool), Status> {
        let patient = reference.patient_id.clone();
        if let Some(encounter) = &reference.encounter_id
            && self.encounter_of(&patient, encounter).await.is_err()
        {
            return Err(invalid_field("encounter_id", "is not an encounter of this patient"));
        }
        self.store.ensure_record(&patient, now_micros()).await?;
        let (stored, created) = self.store.ensure_reference(id, &reference).await?;
        if stored.patient_id != patient {
            return Err(refusal(
                Code::FailedPrecondition,
                "REFERENCE_CONFLICT",
                "this source is already referenced in another patient's record",
            ));
        }
        self.audit(c, action, &patient, &format!("reference/{id}"), "ALLOWED", "").await?;
        Ok((stored, created))
    }
}
