//! Sealing of free text: the field encryption of clinical notes, the
//! history summary and treatment plans, bound to the document they belong to.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hms_kit::crypto::Sealer;
use hms_kit::error::internal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tonic::Status;

use crate::store::Sealed;

/// Field encryption of free-text clinical notes. The context binds a sealed
/// value to its document, so it cannot be copied into another one.
pub struct Crypt(pub Sealer);

impl Crypt {
    pub fn seal<T: Serialize>(&self, value: &T, context: &str) -> Result<Sealed, Status> {
        let plain = serde_json::to_vec(value).map_err(internal)?;
        let (k, bytes) = self.0.seal(&plain, context).map_err(internal)?;
        Ok(Sealed { k, c: STANDARD.encode(bytes) })
    }

    pub fn open<T: DeserializeOwned>(&self, sealed: &Sealed, context: &str) -> Result<T, Status> {
        let bytes = STANDARD.decode(&sealed.c).map_err(internal)?;
        let plain = self.0.open(&sealed.k, &bytes, context).map_err(internal)?;
        serde_json::from_slice(&plain).map_err(internal)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NotesText {
    pub chief_complaint: String,
    pub history_of_present_illness: String,
    pub physical_examination_findings: String,
    pub clinical_notes: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PlanText {
    pub description: String,
    pub follow_up_instructions: String,
}

pub(super) fn record_context(patient_id: &str) -> String {
    format!("ehr-record:{patient_id}")
}

pub(super) fn encounter_context(encounter_id: &str) -> String {
    format!("ehr-encounter:{encounter_id}")
}
