//! Conversions between the proto messages and the documents of the store and
//! the use cases, with the form checks of the input (field violations).

use hms_kit::docstore::audit::Entry;
use hms_kit::error::FieldViolations;
use hms_kit::ids::check_id;
use hms_kit::proto::ehr::*;
use hms_kit::time::{iso_date_to_proto, micros_to_timestamp, now_micros};
use tonic::Status;

use crate::app::{LAB_RESULT, NotesText, OpenEncounter, OpenRecord, PRESCRIPTION, stage};
use crate::domain::care::Stage as Visit;
use crate::domain::status::Status as Stage;
use crate::domain::validate;
use crate::events::Link;
use crate::store::{
    AllergyDoc, ConditionDoc, DiagnosisDoc, GrantDoc, ImmunizationDoc, RecordDoc, ReferenceDoc, Versioned, VitalsDoc,
};

pub const MAX_NOTE: usize = 20_000;
const MAX_LIST: usize = 100;

// ---- to proto ----

pub fn allergy_to_proto(a: &AllergyDoc) -> Allergy {
    Allergy {
        substance: a.substance.clone(),
        reaction: a.reaction.clone(),
        criticality: Criticality::from_str_name(&format!("CRITICALITY_{}", a.criticality)).unwrap_or_default().into(),
    }
}

pub fn record_to_proto(patient_id: &str, open: &OpenRecord) -> MedicalRecord {
    let (v, history) = (&open.record, open.history.clone());
    let r = &v.doc;
    MedicalRecord {
        patient_id: patient_id.to_owned(),
        fields: Some(RecordFields {
            blood_type: r.blood_type.clone(),
            allergies: r.allergies.iter().map(allergy_to_proto).collect(),
            chronic_conditions: r
                .chronic_conditions
                .iter()
                .map(|c| ChronicCondition { description: c.description.clone(), icd10_code: c.icd10_code.clone() })
                .collect(),
            medical_history_summary: history,
            immunizations: r
                .immunizations
                .iter()
                .map(|i| Immunization {
                    vaccine: i.vaccine.clone(),
                    date: iso_date_to_proto(&i.date),
                    dose_number: i.dose_number,
                })
                .collect(),
        }),
        version: v.version,
        create_time: Some(micros_to_timestamp(r.created_at)),
        update_time: Some(micros_to_timestamp(r.updated_at)),
    }
}

pub fn encounter_to_proto(open: OpenEncounter) -> Encounter {
    let OpenEncounter { encounter: v, notes, plans, references } = open;
    let e = &v.doc;
    let plans = plans
        .into_iter()
        .map(|(id, text)| TreatmentPlan {
            treatment_plan_id: id,
            description: text.description,
            follow_up_instructions: text.follow_up_instructions,
        })
        .collect();
    Encounter {
        encounter_id: v.id.clone(),
        patient_id: e.patient_id.clone(),
        doctor_id: e.doctor_id.clone(),
        appointment_id: e.appointment_id.clone().unwrap_or_default(),
        encounter_time: Some(micros_to_timestamp(e.encounter_at)),
        status: stage_to_proto(stage(e)).into(),
        notes: Some(EncounterNotes {
            chief_complaint: notes.chief_complaint,
            history_of_present_illness: notes.history_of_present_illness,
            physical_examination_findings: notes.physical_examination_findings,
            clinical_notes: notes.clinical_notes,
        }),
        diagnoses: e
            .diagnoses
            .iter()
            .map(|d| Diagnosis {
                diagnosis_id: d.id.clone(),
                icd10_code: d.icd10_code.clone(),
                description: d.description.clone(),
                is_primary: d.is_primary,
            })
            .collect(),
        treatment_plans: plans,
        vital_signs: e.vital_signs.iter().map(vitals_to_proto).collect(),
        prescription_references: references
            .iter()
            .filter(|r| r.kind == PRESCRIPTION)
            .map(prescription_to_proto)
            .collect(),
        lab_result_references: references.iter().filter(|r| r.kind == LAB_RESULT).map(lab_to_proto).collect(),
        version: v.version,
        create_time: Some(micros_to_timestamp(e.created_at)),
        update_time: Some(micros_to_timestamp(e.updated_at)),
    }
}

pub fn stage_to_proto(s: Stage) -> EncounterStatus {
    match s {
        Stage::Planned => EncounterStatus::Planned,
        Stage::InProgress => EncounterStatus::InProgress,
        Stage::Finished => EncounterStatus::Finished,
        Stage::Cancelled => EncounterStatus::Cancelled,
    }
}

pub fn stage_from_proto(s: EncounterStatus) -> Option<Stage> {
    match s {
        EncounterStatus::Planned => Some(Stage::Planned),
        EncounterStatus::InProgress => Some(Stage::InProgress),
        EncounterStatus::Finished => Some(Stage::Finished),
        EncounterStatus::Cancelled => Some(Stage::Cancelled),
        EncounterStatus::Unspecified => None,
    }
}

pub fn vitals_to_proto(v: &VitalsDoc) -> VitalSigns {
    VitalSigns {
        vital_id: v.id.clone(),
        recorded_by: v.recorded_by.clone(),
        measure_time: Some(micros_to_timestamp(v.at)),
        heart_rate: v.heart_rate,
        systolic_bp: v.systolic_bp,
        diastolic_bp: v.diastolic_bp,
        temperature_celsius: v.temperature_celsius,
        respiratory_rate: v.respiratory_rate,
        spo2_percent: v.spo2_percent,
        weight_kg: v.weight_kg,
        height_cm: v.height_cm,
    }
}

pub fn prescription_to_proto(r: &ReferenceDoc) -> PrescriptionReference {
    PrescriptionReference {
        prescription_id: r.source_id.clone(),
        encounter_id: r.encounter_id.clone().unwrap_or_default(),
        issue_time: Some(micros_to_timestamp(r.at)),
        medications_summary: r.title.clone(),
    }
}

pub fn lab_to_proto(r: &ReferenceDoc) -> LabResultReference {
    LabResultReference {
        lab_order_item_id: r.source_id.clone(),
        encounter_id: r.encounter_id.clone().unwrap_or_default(),
        test_name: r.title.clone(),
        result_time: Some(micros_to_timestamp(r.at)),
        summary_status: r.status.clone(),
    }
}

pub fn audit_to_proto(e: &Entry) -> AuditEvent {
    AuditEvent {
        sequence: e.seq,
        actor_id: e.actor_id.clone(),
        actor_role: e.actor_role.clone(),
        action: e.action.clone(),
        patient_id: e.patient_id.clone(),
        resource: e.resource.clone(),
        event_time: Some(micros_to_timestamp(e.at)),
        client_address: e.client_address.clone(),
        outcome: outcome_to_proto(&e.outcome).into(),
        break_glass_reason: e.break_glass_reason.clone(),
        previous_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

pub fn outcome_to_proto(outcome: &str) -> AuditOutcome {
    AuditOutcome::from_str_name(&format!("AUDIT_OUTCOME_{outcome}")).unwrap_or_default()
}

pub fn grant_to_proto(v: &Versioned<GrantDoc>) -> BreakGlassGrant {
    let g = &v.doc;
    BreakGlassGrant {
        grant_id: v.id.clone(),
        doctor_id: g.doctor_id.clone(),
        patient_id: g.patient_id.clone(),
        reason: g.reason.clone(),
        grant_time: Some(micros_to_timestamp(g.granted_at)),
        expire_time: Some(micros_to_timestamp(g.expires_at)),
    }
}

// ---- from proto, checked ----

pub fn check_version(v: &mut FieldViolations, version: i64) {
    v.require(version > 0, "version", "is required: the version you last read");
}

/// Microseconds of a timestamp within years 1900..=2200.
pub fn micros(
    v: &mut FieldViolations,
    field: &str,
    ts: Option<&prost_types::Timestamp>,
    required: bool,
) -> Option<i64> {
    let Some(ts) = ts else {
        if required {
            v.add(field, "is required");
        }
        return None;
    };
    const MIN: i64 = -2_208_988_800; // 1900-01-01
    const MAX: i64 = 7_258_118_400; // 2200-01-01
    if !(MIN..MAX).contains(&ts.seconds) || !(0..1_000_000_000).contains(&ts.nanos) {
        v.add(field, "must be a valid instant between 1900 and 2200");
        return None;
    }
    Some(ts.seconds * 1_000_000 + i64::from(ts.nanos) / 1000)
}

pub fn notes_from_proto(v: &mut FieldViolations, notes: Option<&EncounterNotes>) -> NotesText {
    let n = notes.cloned().unwrap_or_default();
    v.text("notes.chief_complaint", &n.chief_complaint, 2000, false);
    v.text("notes.history_of_present_illness", &n.history_of_present_illness, MAX_NOTE, false);
    v.text("notes.physical_examination_findings", &n.physical_examination_findings, MAX_NOTE, false);
    v.text("notes.clinical_notes", &n.clinical_notes, MAX_NOTE, false);
    NotesText {
        chief_complaint: n.chief_complaint.trim().to_owned(),
        history_of_present_illness: n.history_of_present_illness.trim().to_owned(),
        physical_examination_findings: n.physical_examination_findings.trim().to_owned(),
        clinical_notes: n.clinical_notes.trim().to_owned(),
    }
}

pub fn diagnosis_from_proto(v: &mut FieldViolations, d: Option<&Diagnosis>, id: String) -> DiagnosisDoc {
    let d = d.cloned().unwrap_or_default();
    let code = match validate::icd10(&d.icd10_code) {
        Ok(code) => code,
        Err(problem) => {
            v.add("diagnosis.icd10_code", problem);
            String::new()
        }
    };
    v.text("diagnosis.description", &d.description, 500, false);
    DiagnosisDoc { id, icd10_code: code, description: d.description.trim().to_owned(), is_primary: d.is_primary }
}

/// The record's clinical fields, checked; the history summary in clear.
pub fn record_from_proto(v: &mut FieldViolations, fields: Option<&RecordFields>) -> (RecordDoc, String) {
    let f = fields.cloned().unwrap_or_default();
    if fields.is_none() {
        v.add("fields", "is required");
    }
    let blood_type = validate::blood_type(&f.blood_type).unwrap_or_else(|problem| {
        v.add("fields.blood_type", problem);
        String::new()
    });
    v.require(f.allergies.len() <= MAX_LIST, "fields.allergies", "at most 100 entries");
    v.require(f.chronic_conditions.len() <= MAX_LIST, "fields.chronic_conditions", "at most 100 entries");
    v.require(f.immunizations.len() <= 2 * MAX_LIST, "fields.immunizations", "at most 200 entries");
    let mut allergies = Vec::new();
    for (i, a) in f.allergies.iter().take(MAX_LIST).enumerate() {
        v.text(&format!("fields.allergies[{i}].substance"), &a.substance, 200, true);
        v.text(&format!("fields.allergies[{i}].reaction"), &a.reaction, 500, false);
        let criticality = match Criticality::try_from(a.criticality) {
            Ok(Criticality::Low) => "LOW",
            Ok(Criticality::High) => "HIGH",
            _ => {
                v.add(format!("fields.allergies[{i}].criticality"), "must be LOW or HIGH");
                ""
            }
        };
        allergies.push(AllergyDoc {
            substance: a.substance.trim().to_owned(),
            reaction: a.reaction.trim().to_owned(),
            criticality: criticality.to_owned(),
        });
    }
    let mut conditions = Vec::new();
    for (i, c) in f.chronic_conditions.iter().take(MAX_LIST).enumerate() {
        v.text(&format!("fields.chronic_conditions[{i}].description"), &c.description, 500, true);
        let code = if c.icd10_code.trim().is_empty() {
            String::new()
        } else {
            validate::icd10(&c.icd10_code).unwrap_or_else(|problem| {
                v.add(format!("fields.chronic_conditions[{i}].icd10_code"), problem);
                String::new()
            })
        };
        conditions.push(ConditionDoc { description: c.description.trim().to_owned(), icd10_code: code });
    }
    let mut immunizations = Vec::new();
    for (i, im) in f.immunizations.iter().take(2 * MAX_LIST).enumerate() {
        v.text(&format!("fields.immunizations[{i}].vaccine"), &im.vaccine, 200, true);
        let date = im.date.as_ref().and_then(|d| {
            let (y, m, day) = (i16::try_from(d.year).ok()?, i8::try_from(d.month).ok()?, i8::try_from(d.day).ok()?);
            jiff::civil::Date::new(y, m, day).ok().filter(|d| d.year() >= 1900)
        });
        let date = match date {
            Some(d) => d.to_string(),
            None => {
                v.add(format!("fields.immunizations[{i}].date"), "is required: a valid date");
                String::new()
            }
        };
        v.require(
            (0..=20).contains(&im.dose_number),
            &format!("fields.immunizations[{i}].dose_number"),
            "must be 0..=20",
        );
        immunizations.push(ImmunizationDoc {
            vaccine: im.vaccine.trim().to_owned(),
            date,
            dose_number: im.dose_number,
        });
    }
    v.text("fields.medical_history_summary", &f.medical_history_summary, MAX_NOTE, false);
    let now = now_micros();
    let doc = RecordDoc {
        blood_type,
        allergies,
        chronic_conditions: conditions,
        history: None,
        immunizations,
        created_at: now,
        updated_at: now,
    };
    (doc, f.medical_history_summary.trim().to_owned())
}

pub fn link_from_proto(r: LinkAppointmentRequest) -> Result<Link, Status> {
    let mut v = FieldViolations::new();
    check_id(&mut v, "patient_id", &r.patient_id);
    check_id(&mut v, "appointment_id", &r.appointment_id);
    check_id(&mut v, "doctor_id", &r.doctor_id);
    let at = micros(&mut v, "appointment_time", r.appointment_time.as_ref(), true).unwrap_or_default();
    let stage = match AppointmentStage::try_from(r.stage) {
        Ok(AppointmentStage::Confirmed) => Visit::Confirmed,
        Ok(AppointmentStage::CheckedIn) => Visit::CheckedIn,
        Ok(AppointmentStage::Completed) => Visit::Completed,
        Ok(AppointmentStage::Cancelled) => Visit::Cancelled,
        Ok(AppointmentStage::NoShow) => Visit::NoShow,
        _ => {
            v.add("stage", "must be CONFIRMED, CHECKED_IN, COMPLETED, CANCELLED or NO_SHOW");
            Visit::Confirmed
        }
    };
    v.into_result()?;
    Ok(Link { patient: r.patient_id, appointment: r.appointment_id, doctor: r.doctor_id, at, stage })
}
