//! The medical record: read it with its references, create it empty, replace
//! its clinical fields (the history summary sealed).

use hms_kit::auth::Caller;
use hms_kit::time::now_micros;
use tonic::Status;

use super::access::Need;
use super::crypt::record_context;
use super::{REFERENCES_SHOWN, State};
use crate::store::{RecordDoc, ReferenceDoc, Versioned};

/// A record with its history summary unsealed.
pub struct OpenRecord {
    pub record: Versioned<RecordDoc>,
    pub history: String,
}

impl State {
    fn unseal_record(&self, patient_id: &str, v: Versioned<RecordDoc>) -> Result<OpenRecord, Status> {
        let history: String = match &v.doc.history {
            Some(sealed) => self.crypt.open(sealed, &record_context(patient_id))?,
            None => String::new(),
        };
        Ok(OpenRecord { record: v, history })
    }

    /// The patient's record and the newest references to prescriptions and
    /// lab results.
    pub async fn get_record(&self, c: &Caller, patient: &str) -> Result<(OpenRecord, Vec<ReferenceDoc>), Status> {
        self.audited(c, "GetMedicalRecord", patient, "record", Need::Read, || async {
            let record =
                self.store.record(patient).await?.ok_or_else(|| Status::not_found("this patient has no record yet"))?;
            let references = self.store.references("patient_id", patient, REFERENCES_SHOWN).await?;
            Ok((self.unseal_record(patient, record)?, references))
        })
        .await
    }

    /// The patient's record, created empty when missing; true if created now.
    pub async fn create_record(&self, c: &Caller, patient: &str) -> Result<(OpenRecord, bool), Status> {
        self.audited(c, "CreateMedicalRecord", patient, "record", Need::Write, || async {
            let (record, created) = self.store.ensure_record(patient, now_micros()).await?;
            Ok((self.unseal_record(patient, record)?, created))
        })
        .await
    }

    /// Replaces the record's clinical fields if it is still at `version`.
    pub async fn update_record(
        &self,
        c: &Caller,
        patient: &str,
        mut doc: RecordDoc,
        history: String,
        version: i64,
    ) -> Result<OpenRecord, Status> {
        self.audited(c, "UpdateMedicalRecord", patient, "record", Need::Write, || async {
            let current =
                self.store.record(patient).await?.ok_or_else(|| Status::not_found("this patient has no record yet"))?;
            doc.created_at = current.doc.created_at;
            doc.history =
                if history.is_empty() { None } else { Some(self.crypt.seal(&history, &record_context(patient))?) };
            // The version the caller read, not the one just loaded: a
            // stale write is refused, never applied over a newer one.
            let saved = self.store.save_record(patient, &doc, version).await?;
            self.unseal_record(patient, saved)
        })
        .await
    }
}
