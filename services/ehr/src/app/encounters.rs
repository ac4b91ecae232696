//! Encounters: list and read them, open one, change its notes and status,
//! and append diagnoses, treatment plans and vital signs (retried after
//! concurrent writes); free text sealed to the encounter.

use std::time::Duration;

use hms_kit::auth::Caller;
use hms_kit::error::refusal;
use hms_kit::ids::new_id;
use hms_kit::proto::common::Role;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::access::Need;
use super::crypt::{NotesText, PlanText, encounter_context};
use super::{APPEND_ATTEMPTS, REFERENCES_SHOWN, State, encounter_resource, stage};
use crate::domain::status::Status as Stage;
use crate::store::{DiagnosisDoc, EncounterDoc, PlanDoc, ReferenceDoc, Sealed, StoreError, Versioned, VitalsDoc};

const MAX_DIAGNOSES: usize = 50;
const MAX_PLANS: usize = 50;
const MAX_VITALS: usize = 200;

/// An encounter with its notes and treatment plans unsealed, and the
/// references shown with it.
pub struct OpenEncounter {
    pub encounter: Versioned<EncounterDoc>,
    pub notes: NotesText,
    /// Each plan's id and text.
    pub plans: Vec<(String, PlanText)>,
    pub references: Vec<ReferenceDoc>,
}

impl State {
    /// The encounter if it belongs to the patient; NOT_FOUND otherwise.
    pub(super) async fn encounter_of(
        &self,
        patient_id: &str,
        encounter_id: &str,
    ) -> Result<Versioned<EncounterDoc>, Status> {
        match self.store.encounter(encounter_id).await? {
            Some(e) if e.doc.patient_id == patient_id => Ok(e),
            _ => Err(Status::not_found("no such encounter for this patient")),
        }
    }

    /// An open encounter of the patient, for changing its clinical content.
    async fn open_encounter(&self, patient_id: &str, encounter_id: &str) -> Result<Versioned<EncounterDoc>, Status> {
        let encounter = self.encounter_of(patient_id, encounter_id).await?;
        if !stage(&encounter.doc).is_open() {
            return Err(refusal(
                Code::FailedPrecondition,
                "ENCOUNTER_CLOSED",
                format!("the encounter is {}; its clinical content no longer changes", encounter.doc.status),
            ));
        }
        Ok(encounter)
    }

    /// Appends to an open encounter with `change`, retrying after concurrent
    /// writes (appends never overwrite anyone).
    async fn append(
        &self,
        patient_id: &str,
        encounter_id: &str,
        mut change: impl FnMut(&mut EncounterDoc) -> Result<(), Status>,
    ) -> Result<Versioned<EncounterDoc>, Status> {
        for attempt in 0..APPEND_ATTEMPTS {
            if attempt > 0 {
                // Spread contending writers out a little.
                tokio::time::sleep(Duration::from_millis(attempt * 2)).await;
            }
            let current = self.open_encounter(patient_id, encounter_id).await?;
            let mut doc = current.doc.clone();
            change(&mut doc)?;
            doc.updated_at = now_micros();
            match self.store.save_encounter(encounter_id, &doc, current.version).await {
                Err(StoreError::Conflict) => continue,
                other => return Ok(other?),
            }
        }
        Err(StoreError::Conflict.into())
    }

    fn unseal_encounter(
        &self,
        v: Versioned<EncounterDoc>,
        references: Vec<ReferenceDoc>,
    ) -> Result<OpenEncounter, Status> {
        let context = encounter_context(&v.id);
        let notes: NotesText = match &v.doc.notes {
            Some(sealed) => self.crypt.open(sealed, &context)?,
            None => NotesText::default(),
        };
        let mut plans = Vec::with_capacity(v.doc.treatment_plans.len());
        for p in &v.doc.treatment_plans {
            let text: PlanText = self.crypt.open(&p.text, &context)?;
            plans.push((p.id.clone(), text));
        }
        Ok(OpenEncounter { encounter: v, notes, plans, references })
    }

    fn seal_notes(&self, encounter_id: &str, notes: &NotesText) -> Result<Option<Sealed>, Status> {
        let empty = notes.chief_complaint.is_empty()
            && notes.history_of_present_illness.is_empty()
            && notes.physical_examination_findings.is_empty()
            && notes.clinical_notes.is_empty();
        if empty { Ok(None) } else { self.crypt.seal(notes, &encounter_context(encounter_id)).map(Some) }
    }

    /// A page of the patient's encounters, newest first.
    pub async fn list_encounters(
        &self,
        c: &Caller,
        patient: &str,
        after: Option<String>,
        size: usize,
    ) -> Result<(Vec<OpenEncounter>, Option<String>), Status> {
        self.audited(c, "ListEncounters", patient, "encounters", Need::Read, || async {
            let (items, next) = self.store.encounters(patient, after, size).await?;
            let encounters =
                items.into_iter().map(|e| self.unseal_encounter(e, Vec::new())).collect::<Result<Vec<_>, _>>()?;
            Ok((encounters, next))
        })
        .await
    }

    /// One encounter of the patient with its references.
    pub async fn get_encounter(&self, c: &Caller, patient: &str, id: &str) -> Result<OpenEncounter, Status> {
        self.audited(c, "GetEncounter", patient, &encounter_resource(id), Need::Read, || async {
            let encounter = self.encounter_of(patient, id).await?;
            let references = self.store.references("encounter_id", id, REFERENCES_SHOWN).await?;
            self.unseal_encounter(encounter, references)
        })
        .await
    }

    /// A new encounter written by the calling doctor (at `at`, or now).
    pub async fn create_encounter(
        &self,
        c: &Caller,
        patient: &str,
        at: Option<i64>,
        notes: &NotesText,
        status: Stage,
    ) -> Result<OpenEncounter, Status> {
        let id = new_id();
        self.audited(c, "CreateEncounter", patient, &encounter_resource(&id), Need::Write, || async {
            let now = now_micros();
            self.store.ensure_record(patient, now).await?;
            let doc = EncounterDoc {
                patient_id: patient.to_owned(),
                doctor_id: c.principal.subject.clone(),
                appointment_id: None,
                encounter_at: at.unwrap_or(now),
                status: status.as_str().to_owned(),
                notes: self.seal_notes(&id, notes)?,
                diagnoses: Vec::new(),
                treatment_plans: Vec::new(),
                vital_signs: Vec::new(),
                created_at: now,
                updated_at: now,
            };
            let stored = self.store.insert_encounter(&id, &doc).await?;
            // The doctor's own encounter is a care relationship for the
            // retention period (also when break-glass let them open it).
            self.add_encounter_care(c, patient, &id, now).await?;
            self.unseal_encounter(stored, Vec::new())
        })
        .await
    }

    /// Replaces the notes of an open encounter still at `version`.
    pub async fn update_encounter(
        &self,
        c: &Caller,
        patient: &str,
        id: &str,
        notes: &NotesText,
        version: i64,
    ) -> Result<OpenEncounter, Status> {
        self.audited(c, "UpdateEncounter", patient, &encounter_resource(id), Need::Write, || async {
            let current = self.open_encounter(patient, id).await?;
            let mut doc = current.doc;
            doc.notes = self.seal_notes(id, notes)?;
            doc.updated_at = now_micros();
            let saved = self.store.save_encounter(id, &doc, version).await?;
            self.unseal_encounter(saved, Vec::new())
        })
        .await
    }

    /// Moves the encounter (still at `version`) to `to` if its state machine allows.
    pub async fn update_encounter_status(
        &self,
        c: &Caller,
        patient: &str,
        id: &str,
        to: Stage,
        version: i64,
    ) -> Result<OpenEncounter, Status> {
        self.audited(c, "UpdateEncounterStatus", patient, &encounter_resource(id), Need::Write, || async {
            let current = self.encounter_of(patient, id).await?;
            let from = stage(&current.doc);
            if !from.can_move_to(to) {
                return Err(refusal(
                    Code::FailedPrecondition,
                    "INVALID_TRANSITION",
                    format!("an encounter cannot move from {} to {}", from.as_str(), to.as_str()),
                ));
            }
            let mut doc = current.doc;
            doc.status = to.as_str().to_owned();
            doc.updated_at = now_micros();
            let saved = self.store.save_encounter(id, &doc, version).await?;
            self.unseal_encounter(saved, Vec::new())
        })
        .await
    }

    /// Adds a diagnosis to an open encounter.
    pub async fn add_diagnosis(
        &self,
        c: &Caller,
        patient: &str,
        id: &str,
        diagnosis: DiagnosisDoc,
    ) -> Result<OpenEncounter, Status> {
        let resource = format!("encounter/{id}/diagnosis/{}", diagnosis.id);
        self.audited(c, "AddDiagnosis", patient, &resource, Need::Write, || async {
            let saved = self
                .append(patient, id, |doc| {
                    if doc.diagnoses.len() >= MAX_DIAGNOSES {
                        return Err(refusal(Code::FailedPrecondition, "ENCOUNTER_FULL", "at most 50 diagnoses"));
                    }
                    put_diagnosis(doc, diagnosis.clone());
                    Ok(())
                })
                .await?;
            self.unseal_encounter(saved, Vec::new())
        })
        .await
    }

    /// Replaces a diagnosis of an open encounter still at `version`.
    pub async fn update_diagnosis(
        &self,
        c: &Caller,
        patient: &str,
        id: &str,
        diagnosis: DiagnosisDoc,
        version: i64,
    ) -> Result<OpenEncounter, Status> {
        let resource = format!("encounter/{id}/diagnosis/{}", diagnosis.id);
        self.audited(c, "UpdateDiagnosis", patient, &resource, Need::Write, || async {
            let current = self.open_encounter(patient, id).await?;
            let mut doc = current.doc;
            if !doc.diagnoses.iter().any(|d| d.id == diagnosis.id) {
                return Err(Status::not_found("no such diagnosis in this encounter"));
            }
            put_diagnosis(&mut doc, diagnosis);
            doc.updated_at = now_micros();
            let saved = self.store.save_encounter(id, &doc, version).await?;
            self.unseal_encounter(saved, Vec::new())
        })
        .await
    }

    /// Adds a treatment plan (sealed) to an open encounter.
    pub async fn add_treatment_plan(
        &self,
        c: &Caller,
        patient: &str,
        id: &str,
        text: PlanText,
    ) -> Result<OpenEncounter, Status> {
        let plan_id = new_id();
        let resource = format!("encounter/{id}/treatment-plan/{plan_id}");
        self.audited(c, "AddTreatmentPlan", patient, &resource, Need::Write, || async {
            let sealed = self.crypt.seal(&text, &encounter_context(id))?;
            let saved = self
                .append(patient, id, |doc| {
                    if doc.treatment_plans.len() >= MAX_PLANS {
                        return Err(refusal(Code::FailedPrecondition, "ENCOUNTER_FULL", "at most 50 treatment plans"));
                    }
                    doc.treatment_plans.push(PlanDoc { id: plan_id.clone(), text: sealed.clone() });
                    Ok(())
                })
                .await?;
            self.unseal_encounter(saved, Vec::new())
        })
        .await
    }

    /// Adds a set of vital signs to an open encounter, named by its id or by
    /// its appointment; a nurse may, for an encounter of today.
    pub async fn add_vital_signs(
        &self,
        c: &Caller,
        patient: &str,
        target: VitalsTarget<'_>,
        vitals: &VitalsDoc,
    ) -> Result<(), Status> {
        let (encounter, resource) = match target {
            VitalsTarget::Encounter(id) => {
                // A nurse's access depends on the encounter itself (dated today).
                let encounter = if c.principal.role == Role::Nurse { self.store.encounter(id).await? } else { None };
                (encounter, format!("encounter/{id}/vitals/{}", vitals.id))
            }
            VitalsTarget::Appointment(appointment) => {
                let encounter =
                    self.store.encounter_of_appointment(appointment).await?.filter(|e| e.doc.patient_id == patient);
                let resource = match &encounter {
                    Some(e) => format!("encounter/{}/vitals/{}", e.id, vitals.id),
                    None => format!("appointment/{appointment}/vitals/{}", vitals.id),
                };
                (encounter, resource)
            }
        };
        let id = match (target, &encounter) {
            (VitalsTarget::Encounter(id), _) => id.to_owned(),
            (VitalsTarget::Appointment(_), Some(e)) => e.id.clone(),
            (VitalsTarget::Appointment(_), None) => String::new(),
        };
        let need = Need::Vitals(encounter.as_ref().map(|e| &e.doc));
        self.audited(c, "AddVitalSigns", patient, &resource, need, || async {
            if id.is_empty() {
                return Err(Status::not_found("this appointment has no encounter for this patient"));
            }
            self.append(patient, &id, |doc| {
                if doc.vital_signs.len() >= MAX_VITALS {
                    return Err(refusal(Code::FailedPrecondition, "ENCOUNTER_FULL", "at most 200 sets of vital signs"));
                }
                doc.vital_signs.push(vitals.clone());
                Ok(())
            })
            .await
        })
        .await?;
        Ok(())
    }
}

/// Which encounter gets a set of vital signs.
#[derive(Debug, Clone, Copy)]
pub enum VitalsTarget<'a> {
    Encounter(&'a str),
    /// The encounter of this appointment (the nurse's desk knows the appointment).
    Appointment(&'a str),
}

/// Adds or replaces a diagnosis; a primary one makes the others secondary.
fn put_diagnosis(doc: &mut EncounterDoc, diagnosis: DiagnosisDoc) {
    if diagnosis.is_primary {
        for d in &mut doc.diagnoses {
            d.is_primary = false;
        }
    }
    match doc.diagnoses.iter_mut().find(|d| d.id == diagnosis.id) {
        Some(existing) => *existing = diagnosis,
        None => doc.diagnoses.push(diagnosis),
    }
}
