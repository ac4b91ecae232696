//! Care relationships: `LinkAppointment` follows each appointment through
//! its stages (the care it gives and its encounter), an encounter a doctor
//! writes is a basis of its own, and each start and end of care is audited.

use hms_kit::error::refusal;
use hms_kit::time::{duration_micros, now_micros};
use tonic::{Code, Status};

use super::{APPEND_ATTEMPTS, State, encounter_resource, stage};
use crate::domain::care::{self, Basis, Change, Stage as Visit, Step};
use crate::domain::status::Status as EncounterStage;
use crate::events::Link;
use crate::store::{CareDoc, EncounterDoc, StoreError, Versioned, care_key};
use hms_kit::auth::Caller;
use hms_kit::ids::new_id;

const APPOINTMENT: &str = "APPOINTMENT";
const ENCOUNTER: &str = "ENCOUNTER";

fn linked_elsewhere() -> Status {
    refusal(
        Code::FailedPrecondition,
        "APPOINTMENT_LINKED_ELSEWHERE",
        "this appointment is linked to another patient's record",
    )
}

/// The audited resource of one basis: `care/{doctor}/appointment/{id}`, with
/// `/until/{instant}` when it lasts until a known instant.
fn care_resource(doctor: &str, source: &str, source_id: &str, until: Option<i64>) -> String {
    let base = format!("care/{doctor}/{}/{source_id}", source.to_ascii_lowercase());
    match until {
        Some(micros) => {
            let instant =
                jiff::Timestamp::from_microsecond(micros).map_or_else(|_| micros.to_string(), |t| t.to_string());
            format!("{base}/until/{instant}")
        }
        None => base,
    }
}

/// The encounter an appointment calls for at this stage.
fn encounter_stage(visit: Visit) -> EncounterStage {
    match visit {
        Visit::Confirmed => EncounterStage::Planned,
        Visit::CheckedIn | Visit::Completed => EncounterStage::InProgress,
        Visit::Cancelled | Visit::NoShow => EncounterStage::Cancelled,
    }
}

impl State {
    /// Follows the appointment event: its care basis, then its encounter.
    /// The encounter it leaves (none when nothing was planned for a
    /// called-off appointment), its link audited.
    pub async fn link_appointment(&self, c: &Caller, link: Link) -> Result<Option<Versioned<EncounterDoc>>, Status> {
        // Refused before anything changes.
        let existing = self.store.encounter_of_appointment(&link.appointment).await?;
        if existing.as_ref().is_some_and(|e| e.doc.patient_id != link.patient) {
            return Err(linked_elsewhere());
        }
        let now = now_micros();
        let encounter = match self.follow(c, &link, now).await? {
            // A late event: the appointment has moved on, nothing changes.
            None => existing,
            Some(recorded) => {
                if !recorded.is_called_off() {
                    self.store.ensure_record(&link.patient, now).await?;
                }
                self.plan_encounter(&link, now).await?
            }
        };
        let Some(encounter) = encounter else { return Ok(None) };
        self.audit(c, "LinkAppointment", &link.patient, &encounter_resource(&encounter.id), "ALLOWED", "").await?;
        Ok(Some(encounter))
    }

    /// Records the event's stage on the appointment's care basis and audits
    /// each start and end of care it makes. Returns the stage now recorded,
    /// or None for a late event, which changes nothing.
    async fn follow(&self, c: &Caller, link: &Link, now: i64) -> Result<Option<Visit>, Status> {
        let key = care_key(APPOINTMENT, &link.appointment);
        let retention = duration_micros(self.care_retention);
        for _ in 0..APPEND_ATTEMPTS {
            let current = self.store.care(&key).await?;
            let before = current.as_ref().map(|v| &v.doc);
            if before.is_some_and(|b| b.patient_id != link.patient) {
                return Err(linked_elsewhere());
            }
            let recorded = before.and_then(|b| Visit::parse(&b.stage));
            let moved = before.is_some_and(|b| b.doctor_id != link.doctor);
            match care::step(recorded, link.stage) {
                Step::Stale => return Ok(None),
                // A redelivery; only a live appointment moves to another doctor.
                Step::Same if !moved || link.stage.is_final() => return Ok(recorded),
                Step::Same | Step::Advance => {}
            }
            let doc = CareDoc {
                doctor_id: link.doctor.clone(),
                patient_id: link.patient.clone(),
                source: APPOINTMENT.into(),
                source_id: link.appointment.clone(),
                stage: link.stage.as_str().into(),
                until: link.stage.care_until(now, retention),
                created_at: before.map_or(now, |b| b.created_at),
                updated_at: now,
            };
            let written = match &current {
                None => self.store.insert_care(&key, &doc).await,
                Some(v) => self.store.save_care(&key, &doc, v.version).await,
            };
            match written {
                // Another delivery wrote first: decide again on what it wrote.
                Err(StoreError::AlreadyExists | StoreError::Conflict) => continue,
                other => other?,
            };
            let before = before.map(|b| Basis { doctor: &b.doctor_id, until: b.until });
            let after = Basis { doctor: &doc.doctor_id, until: doc.until };
            for (doctor, change) in care::changes(before, after, link.stage, now) {
                let until = match change {
                    Change::Retained(until) => Some(until),
                    Change::Started | Change::Ended => None,
                };
                let resource = care_resource(doctor, APPOINTMENT, &link.appointment, until);
                self.audit(c, change.action(), &link.patient, &resource, "ALLOWED", "").await?;
            }
            return Ok(Some(link.stage));
        }
        Err(StoreError::Conflict.into())
    }

    /// Brings the appointment's encounter to what its recorded stage calls
    /// for (read again here: another delivery may have moved it on since). A
    /// planned encounter follows the appointment (time, doctor, status); one
    /// that has started is the doctor's to change. Idempotent on the
    /// appointment: the unique index on appointment_id lets one encounter per
    /// appointment exist, a replay finds it.
    async fn plan_encounter(&self, link: &Link, now: i64) -> Result<Option<Versioned<EncounterDoc>>, Status> {
        let key = care_key(APPOINTMENT, &link.appointment);
        for _ in 0..APPEND_ATTEMPTS {
            let recorded = self.store.care(&key).await?.and_then(|v| Visit::parse(&v.doc.stage));
            let target = encounter_stage(recorded.unwrap_or(link.stage));
            match self.store.encounter_of_appointment(&link.appointment).await? {
                // Nothing was planned for it: nothing to cancel.
                None if target == EncounterStage::Cancelled => return Ok(None),
                None => {
                    let doc = EncounterDoc {
                        patient_id: link.patient.clone(),
                        doctor_id: link.doctor.clone(),
                        appointment_id: Some(link.appointment.clone()),
                        encounter_at: link.at,
                        status: target.as_str().to_owned(),
                        notes: None,
                        diagnoses: Vec::new(),
                        treatment_plans: Vec::new(),
                        vital_signs: Vec::new(),
                        created_at: now,
                        updated_at: now,
                    };
                    match self.store.insert_encounter(&new_id(), &doc).await {
                        Err(StoreError::AlreadyExists) => continue,
                        other => return Ok(Some(other?)),
                    }
                }
                Some(existing) if existing.doc.patient_id != link.patient => return Err(linked_elsewhere()),
                Some(existing) => {
                    let mut doc = existing.doc.clone();
                    if stage(&doc) == EncounterStage::Planned {
                        doc.doctor_id = link.doctor.clone();
                        doc.encounter_at = link.at;
                        doc.status = target.as_str().to_owned();
                    }
                    if doc == existing.doc {
                        return Ok(Some(existing));
                    }
                    doc.updated_at = now;
                    match self.store.save_encounter(&existing.id, &doc, existing.version).await {
                        Err(StoreError::Conflict) => continue,
                        other => return Ok(Some(other?)),
                    }
                }
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// An encounter the doctor writes is a basis of care of its own, for the
    /// retention period from now.
    pub(super) async fn add_encounter_care(
        &self,
        c: &Caller,
        patient: &str,
        encounter_id: &str,
        now: i64,
    ) -> Result<(), Status> {
        let until = now.saturating_add(duration_micros(self.care_retention));
        let doc = CareDoc {
            doctor_id: c.principal.subject.clone(),
            patient_id: patient.to_owned(),
            source: ENCOUNTER.into(),
            source_id: encounter_id.to_owned(),
            stage: String::new(),
            until,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_care(&care_key(ENCOUNTER, encounter_id), &doc).await?;
        let resource = care_resource(&doc.doctor_id, ENCOUNTER, encounter_id, Some(until));
        self.audit(c, Change::Started.action(), patient, &resource, "ALLOWED", "").await
    }
}
