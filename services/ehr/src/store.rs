//! Every read and write of the EHR, on the document store (MongoDB in
//! production, SQLite embedded). Instants are Unix microseconds.
//!
//! Collections: one record per patient (keyed by the patient id), encounters
//! as separate documents (never an array inside the record), clinical
//! references, care relationships, break-glass grants and the audit chain.
//! Free text arrives here already sealed (see `api::Crypt`).

use std::sync::Arc;

use hms_kit::docstore::{self, DocError, DocumentStore, Filter, IndexSpec, Order, Query};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::audit::{self, Entry, GENESIS, Verifier};

pub const RECORDS: &str = "ehr_records";
pub const ENCOUNTERS: &str = "ehr_encounters";
pub const REFERENCES: &str = "ehr_references";
pub const CARE: &str = "ehr_care";
pub const GRANTS: &str = "ehr_break_glass";
pub const AUDIT: &str = "ehr_audit";

/// Free text sealed with the field encryption: key id and base64 ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub k: String,
    pub c: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllergyDoc {
    pub substance: String,
    pub reaction: String,
    pub criticality: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionDoc {
    pub description: String,
    pub icd10_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImmunizationDoc {
    pub vaccine: String,
    /// ISO date, `2024-03-01`.
    pub date: String,
    pub dose_number: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDoc {
    pub blood_type: String,
    pub allergies: Vec<AllergyDoc>,
    pub chronic_conditions: Vec<ConditionDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Sealed>,
    pub immunizations: Vec<ImmunizationDoc>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RecordDoc {
    pub fn empty(now: i64) -> Self {
        Self {
            blood_type: String::new(),
            allergies: Vec::new(),
            chronic_conditions: Vec::new(),
            history: None,
            immunizations: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisDoc {
    pub id: String,
    pub icd10_code: String,
    pub description: String,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub id: String,
    /// `{description, follow_up_instructions}` as JSON, sealed.
    pub text: Sealed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalsDoc {
    pub id: String,
    pub recorded_by: String,
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heart_rate: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systolic_bp: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diastolic_bp: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_celsius: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_percent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_cm: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncounterDoc {
    pub patient_id: String,
    pub doctor_id: String,
    /// Absent for encounters not made from an appointment: the unique index
    /// on it only constrains documents that have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    pub encounter_at: i64,
    pub status: String,
    /// The narrative (`EncounterNotes` as JSON), sealed; absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Sealed>,
    pub diagnoses: Vec<DiagnosisDoc>,
    pub treatment_plans: Vec<PlanDoc>,
    pub vital_signs: Vec<VitalsDoc>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A prescription or lab result held by another service, referenced here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceDoc {
    /// PRESCRIPTION or LAB_RESULT.
    pub kind: String,
    pub source_id: String,
    pub patient_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter_id: Option<String>,
    /// Issue time of a prescription, result time of a lab result.
    pub at: i64,
    /// Medications summary, or the test name.
    pub title: String,
    /// Normal/Abnormal for a lab result.
    pub status: String,
    pub created_at: i64,
}

/// One basis of a doctor's care relationship with a patient: an appointment
/// (one document per appointment, following it through its stages) or an
/// encounter the doctor wrote. The doctor has access while any of theirs
/// with the patient has `until` ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareDoc {
    pub doctor_id: String,
    pub patient_id: String,
    /// APPOINTMENT or ENCOUNTER: what the relationship rests on.
    pub source: String,
    /// The appointment's or encounter's id.
    pub source_id: String,
    /// For an appointment, the latest stage the EHR learned of it
    /// (`domain::care::Stage`); empty for an encounter.
    #[serde(default)]
    pub stage: String,
    /// Unix microseconds from which the basis no longer gives access
    /// (`domain::care::OPEN_ENDED` while its appointment is live).
    pub until: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantDoc {
    pub doctor_id: String,
    pub patient_id: String,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

/// A document with the version its next write must expect.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub id: String,
    pub version: i64,
    pub doc: T,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    #[error("not found")]
    NotFound,
    #[error("changed concurrently")]
    Conflict,
    #[error("bad query: {0}")]
    Invalid(String),
    #[error("store: {0}")]
    Backend(String),
}

impl From<DocError> for StoreError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::AlreadyExists { .. } => StoreError::AlreadyExists,
            DocError::NotFound => StoreError::NotFound,
            DocError::VersionConflict { .. } => StoreError::Conflict,
            DocError::InvalidDocument(m) => StoreError::Invalid(m),
            DocError::Backend(m) => StoreError::Backend(m),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn to_value<T: Serialize>(doc: &T) -> Result<Value> {
    serde_json::to_value(doc).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_stored<T: DeserializeOwned>(stored: docstore::Stored) -> Result<Versioned<T>> {
    let doc = serde_json::from_value(stored.body)
        .map_err(|e| StoreError::Backend(format!("stored document {}: {e}", stored.id)))?;
    Ok(Versioned { id: stored.id, version: stored.version, doc })
}

fn eq(field: &str, value: impl Into<Value>) -> (String, Filter) {
    (field.to_owned(), Filter::Eq(value.into()))
}

/// The key of the care document resting on this appointment or encounter.
pub fn care_key(source: &str, source_id: &str) -> String {
    format!("{source}:{source_id}")
}

/// A page of documents and the cursor of the next one.
pub type PageOf<T> = (Vec<Versioned<T>>, Option<String>);

#[derive(Clone)]
pub struct Store {
    docs: Arc<dyn DocumentStore>,
    /// The last audit entry this process knows of (sequence, hash). Appends in
    /// one process take turns on this lock; other replicas are caught by the
    /// unique document key, after which the tail is read again.
    audit_tail: Arc<tokio::sync::Mutex<Option<(i64, String)>>>,
}

impl Store {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let docs = docstore::connect(url).await?;
        Self::with(docs).await
    }

    pub async fn with(docs: Arc<dyn DocumentStore>) -> anyhow::Result<Self> {
        // The audit's unique `by_seq` became `chain`: an entry's key is its
        // sequence number already, and MongoDB walks only a non-unique index
        // (ending in the `_id` tie-break) in a listing's order.
        docs.drop_index(AUDIT, "by_seq").await?;
        for (collection, spec) in Self::indexes() {
            docs.ensure_index(collection, &spec).await?;
        }
        Ok(Self { docs, audit_tail: Arc::default() })
    }

    fn indexes() -> Vec<(&'static str, IndexSpec)> {
        let index = |name: &str, fields: &[(&str, Order)], unique: bool| IndexSpec {
            name: name.to_owned(),
            fields: fields.iter().map(|(f, o)| ((*f).to_owned(), *o)).collect(),
            unique,
        };
        vec![
            (ENCOUNTERS, index("by_patient", &[("patient_id", Order::Asc), ("encounter_at", Order::Desc)], false)),
            (ENCOUNTERS, index("by_appointment", &[("appointment_id", Order::Asc)], true)),
            (REFERENCES, index("by_patient", &[("patient_id", Order::Asc), ("at", Order::Desc)], false)),
            (REFERENCES, index("by_encounter", &[("encounter_id", Order::Asc), ("at", Order::Desc)], false)),
            (
                GRANTS,
                index(
                    "active",
                    &[("doctor_id", Order::Asc), ("patient_id", Order::Asc), ("expires_at", Order::Desc)],
                    false,
                ),
            ),
            (GRANTS, index("review", &[("granted_at", Order::Desc)], false)),
            (
                CARE,
                index("live", &[("doctor_id", Order::Asc), ("patient_id", Order::Asc), ("until", Order::Desc)], false),
            ),
            (AUDIT, index("chain", &[("seq", Order::Desc)], false)),
            (AUDIT, index("by_patient", &[("patient_id", Order::Asc), ("seq", Order::Desc)], false)),
            (AUDIT, index("by_actor", &[("actor_id", Order::Asc), ("seq", Order::Desc)], false)),
        ]
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.docs.ping().await?)
    }

    // --- records ---

    pub async fn record(&self, patient_id: &str) -> Result<Option<Versioned<RecordDoc>>> {
        self.docs.get(RECORDS, patient_id).await?.map(from_stored).transpose()
    }

    /// The patient's record, created empty when missing; true if created now.
    pub async fn ensure_record(&self, patient_id: &str, now: i64) -> Result<(Versioned<RecordDoc>, bool)> {
        match self.docs.insert(RECORDS, patient_id, &to_value(&RecordDoc::empty(now))?).await {
            Ok(stored) => Ok((from_stored(stored)?, true)),
            Err(DocError::AlreadyExists { .. }) => {
                let existing = self.record(patient_id).await?.ok_or(StoreError::Conflict)?;
                Ok((existing, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn save_record(&self, patient_id: &str, doc: &RecordDoc, version: i64) -> Result<Versioned<RecordDoc>> {
        from_stored(self.docs.replace(RECORDS, patient_id, &to_value(doc)?, version).await?)
    }

    // --- encounters ---

    pub async fn encounter(&self, id: &str) -> Result<Option<Versioned<EncounterDoc>>> {
        self.docs.get(ENCOUNTERS, id).await?.map(from_stored).transpose()
    }

    pub async fn insert_encounter(&self, id: &str, doc: &EncounterDoc) -> Result<Versioned<EncounterDoc>> {
        from_stored(self.docs.insert(ENCOUNTERS, id, &to_value(doc)?).await?)
    }

    /// Writes `doc` if nobody else did since `version` (else `Conflict`).
    pub async fn save_encounter(&self, id: &str, doc: &EncounterDoc, version: i64) -> Result<Versioned<EncounterDoc>> {
        from_stored(self.docs.replace(ENCOUNTERS, id, &to_value(doc)?, version).await?)
    }

    pub async fn encounter_of_appointment(&self, appointment_id: &str) -> Result<Option<Versioned<EncounterDoc>>> {
        let query = Self::appointment_query(appointment_id);
        self.docs.find(ENCOUNTERS, &query).await?.items.into_iter().next().map(from_stored).transpose()
    }

    /// A page of the patient's encounters, newest first.
    pub async fn encounters(
        &self,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<EncounterDoc>> {
        let query = Self::encounters_query(patient_id, after, limit);
        let page = self.docs.find(ENCOUNTERS, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    // --- references ---

    /// Stores a reference unless one with this id exists; the stored one and
    /// whether it was created now.
    pub async fn ensure_reference(&self, id: &str, doc: &ReferenceDoc) -> Result<(ReferenceDoc, bool)> {
        match self.docs.insert(REFERENCES, id, &to_value(doc)?).await {
            Ok(_) => Ok((doc.clone(), true)),
            Err(DocError::AlreadyExists { .. }) => {
                let stored = self.docs.get(REFERENCES, id).await?.ok_or(StoreError::Conflict)?;
                Ok((from_stored::<ReferenceDoc>(stored)?.doc, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// References of a patient (or of one encounter), newest first.
    pub async fn references(&self, field: &str, value: &str, limit: usize) -> Result<Vec<ReferenceDoc>> {
        let query = Self::references_query(field, value, limit);
        self.docs.find(REFERENCES, &query).await?.items.into_iter().map(|s| from_stored(s).map(|v| v.doc)).collect()
    }

    // --- care relationships and break-glass ---

    pub async fn care(&self, key: &str) -> Result<Option<Versioned<CareDoc>>> {
        self.docs.get(CARE, key).await?.map(from_stored).transpose()
    }

    pub async fn insert_care(&self, key: &str, doc: &CareDoc) -> Result<Versioned<CareDoc>> {
        from_stored(self.docs.insert(CARE, key, &to_value(doc)?).await?)
    }

    /// Writes `doc` if nobody else did since `version` (else `Conflict`).
    pub async fn save_care(&self, key: &str, doc: &CareDoc, version: i64) -> Result<Versioned<CareDoc>> {
        from_stored(self.docs.replace(CARE, key, &to_value(doc)?, version).await?)
    }

    /// Whether any basis of the doctor's care for the patient still holds
    /// at `now`.
    pub async fn has_care(&self, doctor_id: &str, patient_id: &str, now: i64) -> Result<bool> {
        Ok(!self.docs.find(CARE, &Self::care_query(doctor_id, patient_id, now)).await?.items.is_empty())
    }

    pub async fn insert_grant(&self, id: &str, doc: &GrantDoc) -> Result<()> {
        self.docs.insert(GRANTS, id, &to_value(doc)?).await?;
        Ok(())
    }

    /// The doctor's latest grant on the patient still valid at `now`.
    pub async fn active_grant(&self, doctor_id: &str, patient_id: &str, now: i64) -> Result<Option<GrantDoc>> {
        let query = Self::active_grant_query(doctor_id, patient_id, now);
        self.docs
            .find(GRANTS, &query)
            .await?
            .items
            .into_iter()
            .next()
            .map(|s| from_stored(s).map(|v| v.doc))
            .transpose()
    }

    pub async fn grants(
        &self,
        doctor_id: Option<&str>,
        patient_id: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<GrantDoc>> {
        let query = Self::grants_query(doctor_id, patient_id, after, limit);
        let page = self.docs.find(GRANTS, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    // --- audit ---

    async fn audit_last(&self) -> Result<(i64, String)> {
        let query = Self::audit_last_query();
        match self.docs.find(AUDIT, &query).await?.items.into_iter().next() {
            Some(stored) => {
                let last = from_stored::<Entry>(stored)?.doc;
                Ok((last.seq, last.hash))
            }
            None => Ok((0, GENESIS.to_owned())),
        }
    }

    /// Appends `entry` to the chain. The entry's key is its sequence number,
    /// so of two writers (here or in another replica) taking the same number
    /// only one insert succeeds; the other reads the new tail and tries the
    /// next number.
    pub async fn append_audit(&self, entry: Entry) -> Result<Entry> {
        let mut tail = self.audit_tail.lock().await;
        for attempt in 0..64_u64 {
            let (seq, prev_hash) = match tail.take() {
                Some(known) => known,
                None => self.audit_last().await?,
            };
            let sealed = entry.clone().chained(seq + 1, &prev_hash);
            match self.docs.insert(AUDIT, &audit::document_key(sealed.seq), &to_value(&sealed)?).await {
                Ok(_) => {
                    *tail = Some((sealed.seq, sealed.hash.clone()));
                    return Ok(sealed);
                }
                Err(DocError::AlreadyExists { .. }) => {
                    // Another replica appended meanwhile; back off a little
                    // so that contending replicas spread out.
                    tokio::time::sleep(std::time::Duration::from_micros(200 * attempt.min(10))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict)
    }

    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<Entry>> {
        let query = Self::audit_events_query(filter, after, limit);
        let page = self.docs.find(AUDIT, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// Recomputes the whole chain in order; the number of entries checked and
    /// the first broken one (sequence, problem), if any.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>)> {
        let mut verifier = Verifier::default();
        let mut after = None;
        loop {
            let query = Self::chain_query(after);
            let page = self.docs.find(AUDIT, &query).await?;
            for stored in page.items {
                let key = stored.id.clone();
                let position = verifier.checked + 1;
                let entry = match from_stored::<Entry>(stored) {
                    Ok(v) => v.doc,
                    Err(_) => return Ok((verifier.checked + 1, Some((position, "unreadable entry".into())))),
                };
                if let Err(problem) = verifier.check(&key, &entry) {
                    return Ok((verifier.checked, Some((entry.seq.max(position), problem))));
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok((verifier.checked, None)),
            }
        }
    }
    // --- the queries above, one function each: `query_plans` holds every one to an index ---

    fn appointment_query(appointment_id: &str) -> Query {
        Query { filters: vec![eq("appointment_id", appointment_id)], sort: vec![], limit: 1, after: None }
    }

    fn encounters_query(patient_id: &str, after: Option<String>, limit: usize) -> Query {
        Query {
            filters: vec![eq("patient_id", patient_id)],
            sort: vec![("encounter_at".into(), Order::Desc)],
            limit,
            after,
        }
    }

    fn references_query(field: &str, value: &str, limit: usize) -> Query {
        Query { filters: vec![eq(field, value)], sort: vec![("at".into(), Order::Desc)], limit, after: None }
    }

    fn care_query(doctor_id: &str, patient_id: &str, now: i64) -> Query {
        Query {
            filters: vec![
                eq("doctor_id", doctor_id),
                eq("patient_id", patient_id),
                ("until".into(), Filter::Gt(json!(now))),
            ],
            sort: vec![],
            limit: 1,
            after: None,
        }
    }

    fn active_grant_query(doctor_id: &str, patient_id: &str, now: i64) -> Query {
        Query {
            filters: vec![
                eq("doctor_id", doctor_id),
                eq("patient_id", patient_id),
                ("expires_at".into(), Filter::Gt(json!(now))),
            ],
            sort: vec![("expires_at".into(), Order::Desc)],
            limit: 1,
            after: None,
        }
    }

    fn grants_query(doctor_id: Option<&str>, patient_id: Option<&str>, after: Option<String>, limit: usize) -> Query {
        let mut filters = Vec::new();
        for (field, value) in [("doctor_id", doctor_id), ("patient_id", patient_id)] {
            if let Some(value) = value {
                filters.push(eq(field, value));
            }
        }
        Query { filters, sort: vec![("granted_at".into(), Order::Desc)], limit, after }
    }

    fn audit_last_query() -> Query {
        Query { filters: vec![], sort: vec![("seq".into(), Order::Desc)], limit: 1, after: None }
    }

    fn audit_events_query(filter: Option<(&str, &str)>, after: Option<String>, limit: usize) -> Query {
        let filters = filter.map(|(field, value)| vec![eq(field, value)]).unwrap_or_default();
        Query { filters, sort: vec![("seq".into(), Order::Desc)], limit, after }
    }

    /// The whole chain in order: by key, which is the sequence number
    /// (`audit::document_key`), so that every backend walks its id index.
    fn chain_query(after: Option<String>) -> Query {
        Query { filters: vec![], sort: vec![], limit: 500, after }
    }
}

#[cfg(test)]
mod query_plans;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str) -> Entry {
        Entry {
            seq: 0,
            actor_id: actor.into(),
            actor_role: "DOCTOR".into(),
            action: "GetMedicalRecord".into(),
            patient_id: "p1".into(),
            resource: "record".into(),
            at: 1,
            client_address: "127.0.0.1".into(),
            outcome: "ALLOWED".into(),
            break_glass_reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Two replicas (two `Store`s on one database) appending at once still
    /// build one unbroken chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appenders_in_two_replicas_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ehr.db").display());
        let a = Store::open(&url).await.unwrap();
        let b = Store::open(&url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move { store.append_audit(entry(&format!("d{i}"))).await.unwrap().seq }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
        assert_eq!(a.verify_audit().await.unwrap(), (40, None));
    }
}
