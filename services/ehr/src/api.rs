//! The gRPC API: authorise (role, ownership, care relationship, break-glass),
//! validate, convert, call the store, and audit every access to clinical data.

mod care;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hms_kit::auth::{Principal, client_address, principal, role_name};
use hms_kit::crypto::Sealer;
use hms_kit::error::{FieldViolations, internal, invalid_field, refusal};
use hms_kit::paging;
use hms_kit::proto::common::{PageResponse, Role};
use hms_kit::proto::ehr::ehr_service_server::EhrService;
use hms_kit::proto::ehr::internal_ehr_service_server::InternalEhrService;
use hms_kit::proto::ehr::*;
use hms_kit::proto::google::r#type::Date as ProtoDate;
use hms_kit::time::{micros_to_timestamp, now_micros};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tonic::{Code, Request, Response, Status};

use crate::domain::audit::Entry;
use crate::domain::status::Status as Stage;
use crate::domain::validate::{self, Vitals};
use crate::store::{
    AllergyDoc, ConditionDoc, DiagnosisDoc, EncounterDoc, GrantDoc, ImmunizationDoc, PlanDoc, RecordDoc, ReferenceDoc,
    Sealed, Store, StoreError, Versioned, VitalsDoc,
};

type Reply<T> = Result<Response<T>, Status>;

const MAX_ID: usize = 128;
const MAX_NOTE: usize = 20_000;
const MAX_LIST: usize = 100;
const MAX_DIAGNOSES: usize = 50;
const MAX_PLANS: usize = 50;
const MAX_VITALS: usize = 200;
/// Bounds of a break-glass reason, in characters.
const MIN_REASON: usize = 10;
const MAX_REASON: usize = 1000;
/// References shown with a record or an encounter.
const REFERENCES_SHOWN: usize = 50;
/// Read-modify-write attempts of appends (diagnoses, plans, vitals) before
/// giving up with ABORTED: an append is never an overwrite, so retrying after
/// a concurrent write is safe.
const APPEND_ATTEMPTS: u64 = 16;

pub struct State {
    pub store: Store,
    pub crypt: Crypt,
    pub zone: jiff::tz::TimeZone,
    pub break_glass: Duration,
    /// How long a completed visit keeps the care relationship.
    pub care_retention: Duration,
}

pub struct EhrApi(pub Arc<State>);
pub struct InternalApi(pub Arc<State>);

impl From<StoreError> for Status {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists => Status::already_exists("it exists already"),
            StoreError::NotFound => Status::not_found("not found"),
            StoreError::Conflict => refusal(
                Code::Aborted,
                "CONCURRENT_UPDATE",
                "changed since the version you read; read it again and retry",
            ),
            StoreError::Invalid(m) => Status::invalid_argument(m),
            StoreError::Backend(m) => {
                tracing::warn!(error = %m, "document store failure");
                Status::unavailable("the store is unavailable, retry later")
            }
        }
    }
}

// ---- sealing of free text ----

/// Field encryption of free-text clinical notes. The context binds a sealed
/// value to its document, so it cannot be copied into another one.
pub struct Crypt(pub Sealer);

impl Crypt {
    fn seal<T: Serialize>(&self, value: &T, context: &str) -> Result<Sealed, Status> {
        let plain = serde_json::to_vec(value).map_err(internal)?;
        let (k, bytes) = self.0.seal(&plain, context).map_err(internal)?;
        Ok(Sealed { k, c: STANDARD.encode(bytes) })
    }

    fn open<T: DeserializeOwned>(&self, sealed: &Sealed, context: &str) -> Result<T, Status> {
        let bytes = STANDARD.decode(&sealed.c).map_err(internal)?;
        let plain = self.0.open(&sealed.k, &bytes, context).map_err(internal)?;
        serde_json::from_slice(&plain).map_err(internal)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct NotesText {
    chief_complaint: String,
    history_of_present_illness: String,
    physical_examination_findings: String,
    clinical_notes: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PlanText {
    description: String,
    follow_up_instructions: String,
}

fn record_context(patient_id: &str) -> String {
    format!("ehr-record:{patient_id}")
}

fn encounter_context(encounter_id: &str) -> String {
    format!("ehr-encounter:{encounter_id}")
}

// ---- callers, access and audit ----

/// Who calls, from where.
struct Caller {
    who: Principal,
    address: String,
}

fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    Ok(Caller { who: principal(request)?.clone(), address: client_address(request) })
}

/// What a call does to the patient's data.
enum Need<'a> {
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
        match c.who.role {
            Role::Patient if c.who.subject == patient_id && matches!(need, Need::Read) => {
                Ok(Decision::Allow(String::new()))
            }
            Role::Patient => deny("NOT_YOUR_RECORD", "patients may read their own record only"),
            Role::Doctor => {
                let now = now_micros();
                if self.store.has_care(&c.who.subject, patient_id, now).await? {
                    return Ok(Decision::Allow(String::new()));
                }
                match self.store.active_grant(&c.who.subject, patient_id, now).await? {
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
    async fn audit(
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
            actor_id: c.who.subject.clone(),
            actor_role: role_name(c.who.role).to_owned(),
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
    async fn audited<T, Fut>(
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

    /// The encounter if it belongs to the patient; NOT_FOUND otherwise.
    async fn encounter_of(&self, patient_id: &str, encounter_id: &str) -> Result<Versioned<EncounterDoc>, Status> {
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

    fn record_to_proto(&self, patient_id: &str, v: &Versioned<RecordDoc>) -> Result<MedicalRecord, Status> {
        let r = &v.doc;
        let history: String = match &r.history {
            Some(sealed) => self.crypt.open(sealed, &record_context(patient_id))?,
            None => String::new(),
        };
        Ok(MedicalRecord {
            patient_id: patient_id.to_owned(),
            fields: Some(RecordFields {
                blood_type: r.blood_type.clone(),
                allergies: r
                    .allergies
                    .iter()
                    .map(|a| Allergy {
                        substance: a.substance.clone(),
                        reaction: a.reaction.clone(),
                        criticality: Criticality::from_str_name(&format!("CRITICALITY_{}", a.criticality))
                            .unwrap_or_default()
                            .into(),
                    })
                    .collect(),
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
                        date: i.date.parse::<jiff::civil::Date>().ok().map(|d| ProtoDate {
                            year: i32::from(d.year()),
                            month: i32::from(d.month()),
                            day: i32::from(d.day()),
                        }),
                        dose_number: i.dose_number,
                    })
                    .collect(),
            }),
            version: v.version,
            create_time: Some(micros_to_timestamp(r.created_at)),
            update_time: Some(micros_to_timestamp(r.updated_at)),
        })
    }

    fn encounter_to_proto(
        &self,
        v: &Versioned<EncounterDoc>,
        references: &[ReferenceDoc],
    ) -> Result<Encounter, Status> {
        let e = &v.doc;
        let context = encounter_context(&v.id);
        let notes: NotesText = match &e.notes {
            Some(sealed) => self.crypt.open(sealed, &context)?,
            None => NotesText::default(),
        };
        let mut plans = Vec::with_capacity(e.treatment_plans.len());
        for p in &e.treatment_plans {
            let text: PlanText = self.crypt.open(&p.text, &context)?;
            plans.push(TreatmentPlan {
                treatment_plan_id: p.id.clone(),
                description: text.description,
                follow_up_instructions: text.follow_up_instructions,
            });
        }
        Ok(Encounter {
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
        })
    }

    fn seal_notes(&self, encounter_id: &str, notes: &NotesText) -> Result<Option<Sealed>, Status> {
        let empty = notes.chief_complaint.is_empty()
            && notes.history_of_present_illness.is_empty()
            && notes.physical_examination_findings.is_empty()
            && notes.clinical_notes.is_empty();
        if empty { Ok(None) } else { self.crypt.seal(notes, &encounter_context(encounter_id)).map(Some) }
    }
}

const PRESCRIPTION: &str = "PRESCRIPTION";
const LAB_RESULT: &str = "LAB_RESULT";

fn stage(e: &EncounterDoc) -> Stage {
    // Only this service writes the field; an unknown value reads as closed.
    Stage::parse(&e.status).unwrap_or(Stage::Cancelled)
}

fn stage_to_proto(s: Stage) -> EncounterStatus {
    match s {
        Stage::Planned => EncounterStatus::Planned,
        Stage::InProgress => EncounterStatus::InProgress,
        Stage::Finished => EncounterStatus::Finished,
        Stage::Cancelled => EncounterStatus::Cancelled,
    }
}

fn stage_from_proto(s: EncounterStatus) -> Option<Stage> {
    match s {
        EncounterStatus::Planned => Some(Stage::Planned),
        EncounterStatus::InProgress => Some(Stage::InProgress),
        EncounterStatus::Finished => Some(Stage::Finished),
        EncounterStatus::Cancelled => Some(Stage::Cancelled),
        EncounterStatus::Unspecified => None,
    }
}

fn vitals_to_proto(v: &VitalsDoc) -> VitalSigns {
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

fn prescription_to_proto(r: &ReferenceDoc) -> PrescriptionReference {
    PrescriptionReference {
        prescription_id: r.source_id.clone(),
        encounter_id: r.encounter_id.clone().unwrap_or_default(),
        issue_time: Some(micros_to_timestamp(r.at)),
        medications_summary: r.title.clone(),
    }
}

fn lab_to_proto(r: &ReferenceDoc) -> LabResultReference {
    LabResultReference {
        lab_order_item_id: r.source_id.clone(),
        encounter_id: r.encounter_id.clone().unwrap_or_default(),
        test_name: r.title.clone(),
        result_time: Some(micros_to_timestamp(r.at)),
        summary_status: r.status.clone(),
    }
}

fn audit_to_proto(e: &Entry) -> AuditEvent {
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

fn outcome_to_proto(outcome: &str) -> AuditOutcome {
    AuditOutcome::from_str_name(&format!("AUDIT_OUTCOME_{outcome}")).unwrap_or_default()
}

fn grant_to_proto(v: &Versioned<GrantDoc>) -> BreakGlassGrant {
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

// ---- validation ----

fn check_id(v: &mut FieldViolations, field: &str, value: &str) {
    if value.is_empty() || value.len() > MAX_ID || value.chars().any(char::is_control) {
        v.add(field, format!("is required (at most {MAX_ID} characters, no control characters)"));
    }
}

fn check_version(v: &mut FieldViolations, version: i64) {
    v.require(version > 0, "version", "is required: the version you last read");
}

/// Microseconds of a timestamp within years 1900..=2200.
fn micros(v: &mut FieldViolations, field: &str, ts: Option<&prost_types::Timestamp>, required: bool) -> Option<i64> {
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

fn notes_from_proto(v: &mut FieldViolations, notes: Option<&EncounterNotes>) -> NotesText {
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

fn diagnosis_from_proto(v: &mut FieldViolations, d: Option<&Diagnosis>, id: String) -> DiagnosisDoc {
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

/// The record's clinical fields, checked; the history summary in clear.
fn record_from_proto(v: &mut FieldViolations, fields: Option<&RecordFields>) -> (RecordDoc, String) {
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

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn encounter_resource(id: &str) -> String {
    format!("encounter/{id}")
}

// ---- the public API ----

#[tonic::async_trait]
impl EhrService for EhrApi {
    async fn get_medical_record(&self, request: Request<GetMedicalRecordRequest>) -> Reply<GetMedicalRecordResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let response = s
            .audited(&c, "GetMedicalRecord", patient, "record", Need::Read, || async {
                let record = s
                    .store
                    .record(patient)
                    .await?
                    .ok_or_else(|| Status::not_found("this patient has no record yet"))?;
                let references = s.store.references("patient_id", patient, REFERENCES_SHOWN).await?;
                Ok(GetMedicalRecordResponse {
                    record: Some(s.record_to_proto(patient, &record)?),
                    prescription_references: references
                        .iter()
                        .filter(|r| r.kind == PRESCRIPTION)
                        .map(prescription_to_proto)
                        .collect(),
                    lab_result_references: references
                        .iter()
                        .filter(|r| r.kind == LAB_RESULT)
                        .map(lab_to_proto)
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn create_medical_record(
        &self,
        request: Request<CreateMedicalRecordRequest>,
    ) -> Reply<CreateMedicalRecordResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let response = s
            .audited(&c, "CreateMedicalRecord", patient, "record", Need::Write, || async {
                let (record, created) = s.store.ensure_record(patient, now_micros()).await?;
                Ok(CreateMedicalRecordResponse { record: Some(s.record_to_proto(patient, &record)?), created })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn update_medical_record(
        &self,
        request: Request<UpdateMedicalRecordRequest>,
    ) -> Reply<UpdateMedicalRecordResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_version(&mut v, r.version);
        let (mut doc, history) = record_from_proto(&mut v, r.fields.as_ref());
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let response = s
            .audited(&c, "UpdateMedicalRecord", patient, "record", Need::Write, || async {
                let current = s
                    .store
                    .record(patient)
                    .await?
                    .ok_or_else(|| Status::not_found("this patient has no record yet"))?;
                doc.created_at = current.doc.created_at;
                doc.history =
                    if history.is_empty() { None } else { Some(s.crypt.seal(&history, &record_context(patient))?) };
                // The version the caller read, not the one just loaded: a
                // stale write is refused, never applied over a newer one.
                let saved = s.store.save_record(patient, &doc, r.version).await?;
                Ok(UpdateMedicalRecordResponse { record: Some(s.record_to_proto(patient, &saved)?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn list_encounters(&self, request: Request<ListEncountersRequest>) -> Reply<ListEncountersResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let page = paging::parse::<String>(r.page.as_ref(), &patient)?;
        let response = s
            .audited(&c, "ListEncounters", patient, "encounters", Need::Read, || async {
                let (items, next) = s.store.encounters(patient, page.after, page.size).await?;
                let encounters = items.iter().map(|e| s.encounter_to_proto(e, &[])).collect::<Result<Vec<_>, _>>()?;
                Ok(ListEncountersResponse {
                    encounters,
                    page: Some(PageResponse {
                        next_page_token: next.map(|n| paging::token(&n, &patient)).unwrap_or_default(),
                    }),
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn get_encounter(&self, request: Request<GetEncounterRequest>) -> Reply<GetEncounterResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let response = s
            .audited(&c, "GetEncounter", patient, &encounter_resource(id), Need::Read, || async {
                let encounter = s.encounter_of(patient, id).await?;
                let references = s.store.references("encounter_id", id, REFERENCES_SHOWN).await?;
                Ok(GetEncounterResponse { encounter: Some(s.encounter_to_proto(&encounter, &references)?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn create_encounter(&self, request: Request<CreateEncounterRequest>) -> Reply<CreateEncounterResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let at = micros(&mut v, "encounter_time", r.encounter_time.as_ref(), false);
        let notes = notes_from_proto(&mut v, r.notes.as_ref());
        let status = match EncounterStatus::try_from(r.status) {
            Ok(EncounterStatus::Unspecified | EncounterStatus::InProgress) => Stage::InProgress,
            Ok(EncounterStatus::Planned) => Stage::Planned,
            _ => {
                v.add("status", "a new encounter is PLANNED or IN_PROGRESS");
                Stage::InProgress
            }
        };
        v.into_result()?;
        let patient = r.patient_id.as_str();
        let id = new_id();
        let response = s
            .audited(&c, "CreateEncounter", patient, &encounter_resource(&id), Need::Write, || async {
                let now = now_micros();
                s.store.ensure_record(patient, now).await?;
                let doc = EncounterDoc {
                    patient_id: patient.to_owned(),
                    doctor_id: c.who.subject.clone(),
                    appointment_id: None,
                    encounter_at: at.unwrap_or(now),
                    status: status.as_str().to_owned(),
                    notes: s.seal_notes(&id, &notes)?,
                    diagnoses: Vec::new(),
                    treatment_plans: Vec::new(),
                    vital_signs: Vec::new(),
                    created_at: now,
                    updated_at: now,
                };
                let stored = s.store.insert_encounter(&id, &doc).await?;
                // The doctor's own encounter is a care relationship for the
                // retention period (also when break-glass let them open it).
                s.add_encounter_care(&c, patient, &id, now).await?;
                Ok(CreateEncounterResponse { encounter: Some(s.encounter_to_proto(&stored, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn update_encounter(&self, request: Request<UpdateEncounterRequest>) -> Reply<UpdateEncounterResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_version(&mut v, r.version);
        v.require(r.notes.is_some(), "notes", "is required");
        let notes = notes_from_proto(&mut v, r.notes.as_ref());
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let response = s
            .audited(&c, "UpdateEncounter", patient, &encounter_resource(id), Need::Write, || async {
                let current = s.open_encounter(patient, id).await?;
                let mut doc = current.doc;
                doc.notes = s.seal_notes(id, &notes)?;
                doc.updated_at = now_micros();
                let saved = s.store.save_encounter(id, &doc, r.version).await?;
                Ok(UpdateEncounterResponse { encounter: Some(s.encounter_to_proto(&saved, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn update_encounter_status(
        &self,
        request: Request<UpdateEncounterStatusRequest>,
    ) -> Reply<UpdateEncounterStatusResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_version(&mut v, r.version);
        let to = EncounterStatus::try_from(r.status).ok().and_then(stage_from_proto);
        v.require(to.is_some(), "status", "must be an encounter status");
        v.into_result()?;
        let Some(to) = to else { return Err(invalid_field("status", "must be an encounter status")) };
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let response = s
            .audited(&c, "UpdateEncounterStatus", patient, &encounter_resource(id), Need::Write, || async {
                let current = s.encounter_of(patient, id).await?;
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
                let saved = s.store.save_encounter(id, &doc, r.version).await?;
                Ok(UpdateEncounterStatusResponse { encounter: Some(s.encounter_to_proto(&saved, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn add_diagnosis(&self, request: Request<AddDiagnosisRequest>) -> Reply<AddDiagnosisResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.require(r.diagnosis.is_some(), "diagnosis", "is required");
        let diagnosis = diagnosis_from_proto(&mut v, r.diagnosis.as_ref(), new_id());
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let resource = format!("encounter/{id}/diagnosis/{}", diagnosis.id);
        let response = s
            .audited(&c, "AddDiagnosis", patient, &resource, Need::Write, || async {
                let saved = s
                    .append(patient, id, |doc| {
                        if doc.diagnoses.len() >= MAX_DIAGNOSES {
                            return Err(refusal(Code::FailedPrecondition, "ENCOUNTER_FULL", "at most 50 diagnoses"));
                        }
                        put_diagnosis(doc, diagnosis.clone());
                        Ok(())
                    })
                    .await?;
                Ok(AddDiagnosisResponse { encounter: Some(s.encounter_to_proto(&saved, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn update_diagnosis(&self, request: Request<UpdateDiagnosisRequest>) -> Reply<UpdateDiagnosisResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        check_id(&mut v, "diagnosis_id", &r.diagnosis_id);
        check_version(&mut v, r.version);
        v.require(r.diagnosis.is_some(), "diagnosis", "is required");
        let diagnosis = diagnosis_from_proto(&mut v, r.diagnosis.as_ref(), r.diagnosis_id.clone());
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let resource = format!("encounter/{id}/diagnosis/{}", diagnosis.id);
        let response = s
            .audited(&c, "UpdateDiagnosis", patient, &resource, Need::Write, || async {
                let current = s.open_encounter(patient, id).await?;
                let mut doc = current.doc;
                if !doc.diagnoses.iter().any(|d| d.id == diagnosis.id) {
                    return Err(Status::not_found("no such diagnosis in this encounter"));
                }
                put_diagnosis(&mut doc, diagnosis);
                doc.updated_at = now_micros();
                let saved = s.store.save_encounter(id, &doc, r.version).await?;
                Ok(UpdateDiagnosisResponse { encounter: Some(s.encounter_to_proto(&saved, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn add_treatment_plan(&self, request: Request<AddTreatmentPlanRequest>) -> Reply<AddTreatmentPlanResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        let plan = r.treatment_plan.clone().unwrap_or_default();
        v.text("treatment_plan.description", &plan.description, MAX_NOTE, true);
        v.text("treatment_plan.follow_up_instructions", &plan.follow_up_instructions, MAX_NOTE, false);
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let plan_id = new_id();
        let text = PlanText {
            description: plan.description.trim().to_owned(),
            follow_up_instructions: plan.follow_up_instructions.trim().to_owned(),
        };
        let resource = format!("encounter/{id}/treatment-plan/{plan_id}");
        let response = s
            .audited(&c, "AddTreatmentPlan", patient, &resource, Need::Write, || async {
                let sealed = s.crypt.seal(&text, &encounter_context(id))?;
                let saved = s
                    .append(patient, id, |doc| {
                        if doc.treatment_plans.len() >= MAX_PLANS {
                            return Err(refusal(
                                Code::FailedPrecondition,
                                "ENCOUNTER_FULL",
                                "at most 50 treatment plans",
                            ));
                        }
                        doc.treatment_plans.push(PlanDoc { id: plan_id.clone(), text: sealed.clone() });
                        Ok(())
                    })
                    .await?;
                Ok(AddTreatmentPlanResponse { encounter: Some(s.encounter_to_proto(&saved, &[])?) })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn add_vital_signs(&self, request: Request<AddVitalSignsRequest>) -> Reply<AddVitalSignsResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.require(r.vital_signs.is_some(), "vital_signs", "is required");
        let input = r.vital_signs.clone().unwrap_or_default();
        let measured = Vitals {
            heart_rate: input.heart_rate,
            systolic_bp: input.systolic_bp,
            diastolic_bp: input.diastolic_bp,
            temperature_celsius: input.temperature_celsius,
            respiratory_rate: input.respiratory_rate,
            spo2_percent: input.spo2_percent,
            weight_kg: input.weight_kg,
            height_cm: input.height_cm,
        };
        for (field, problem) in validate::vitals(&measured, "vital_signs.") {
            v.add(field, problem);
        }
        let now = now_micros();
        let at = micros(&mut v, "vital_signs.measure_time", input.measure_time.as_ref(), false).unwrap_or(now);
        // A little clock skew between devices is tolerated, the future is not.
        v.require(at <= now + 300_000_000, "vital_signs.measure_time", "must not be in the future");
        v.into_result()?;
        let (patient, id) = (r.patient_id.as_str(), r.encounter_id.as_str());
        let vitals = VitalsDoc {
            id: new_id(),
            recorded_by: c.who.subject.clone(),
            at,
            heart_rate: measured.heart_rate,
            systolic_bp: measured.systolic_bp,
            diastolic_bp: measured.diastolic_bp,
            temperature_celsius: measured.temperature_celsius,
            respiratory_rate: measured.respiratory_rate,
            spo2_percent: measured.spo2_percent,
            weight_kg: measured.weight_kg,
            height_cm: measured.height_cm,
        };
        // A nurse's access depends on the encounter itself (dated today).
        let encounter = if c.who.role == Role::Nurse { s.store.encounter(id).await? } else { None };
        let resource = format!("encounter/{id}/vitals/{}", vitals.id);
        let need = Need::Vitals(encounter.as_ref().map(|e| &e.doc));
        s.audited(&c, "AddVitalSigns", patient, &resource, need, || async {
            s.append(patient, id, |doc| {
                if doc.vital_signs.len() >= MAX_VITALS {
                    return Err(refusal(Code::FailedPrecondition, "ENCOUNTER_FULL", "at most 200 sets of vital signs"));
                }
                doc.vital_signs.push(vitals.clone());
                Ok(())
            })
            .await
        })
        .await?;
        Ok(Response::new(AddVitalSignsResponse { vital_signs: Some(vitals_to_proto(&vitals)) }))
    }

    async fn break_glass(&self, request: Request<BreakGlassRequest>) -> Reply<BreakGlassResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let reason = r.reason.trim();
        let length = reason.chars().count();
        if length == 0 {
            v.add("reason", format!("is required: why access is needed now, at least {MIN_REASON} characters"));
        } else if length < MIN_REASON {
            v.add(
                "reason",
                format!("must be at least {MIN_REASON} characters (it has {length}): why access is needed now"),
            );
        } else if length > MAX_REASON {
            v.add("reason", format!("must have at most {MAX_REASON} characters"));
        }
        v.into_result()?;
        if c.who.role != Role::Doctor {
            return Err(refusal(Code::PermissionDenied, "ROLE_NOT_ALLOWED", "only doctors may break the glass"));
        }
        let now = now_micros();
        let grant = GrantDoc {
            doctor_id: c.who.subject.clone(),
            patient_id: r.patient_id.clone(),
            reason: reason.to_owned(),
            granted_at: now,
            expires_at: now + hms_kit::time::duration_micros(s.break_glass),
        };
        let id = new_id();
        s.store.insert_grant(&id, &grant).await?;
        s.audit(&c, "BreakGlass", &r.patient_id, &format!("break-glass/{id}"), "ALLOWED", reason).await?;
        tracing::warn!(doctor = %grant.doctor_id, grant = %id, "break-glass access granted");
        Ok(Response::new(BreakGlassResponse { grant: Some(grant_to_proto(&Versioned { id, version: 1, doc: grant })) }))
    }

    async fn list_record_access(&self, request: Request<ListRecordAccessRequest>) -> Reply<ListRecordAccessResponse> {
        let s = &*self.0;
        let c = caller(&request)?;
        let r = request.into_inner();
        if c.who.role != Role::Patient || c.who.subject != r.patient_id {
            return Err(refusal(
                Code::PermissionDenied,
                "NOT_YOUR_RECORD",
                "patients see who accessed their own record",
            ));
        }
        let page = paging::parse::<String>(r.page.as_ref(), &r.patient_id)?;
        let (items, next) = s.store.audit_events(Some(("patient_id", &r.patient_id)), page.after, page.size).await?;
        Ok(Response::new(ListRecordAccessResponse {
            accesses: items
                .iter()
                .map(|e| RecordAccess {
                    actor_id: e.doc.actor_id.clone(),
                    actor_role: e.doc.actor_role.clone(),
                    action: e.doc.action.clone(),
                    resource: e.doc.resource.clone(),
                    event_time: Some(micros_to_timestamp(e.doc.at)),
                    outcome: outcome_to_proto(&e.doc.outcome).into(),
                    break_glass: !e.doc.break_glass_reason.is_empty(),
                })
                .collect(),
            page: Some(PageResponse {
                next_page_token: next.map(|n| paging::token(&n, &r.patient_id)).unwrap_or_default(),
            }),
        }))
    }

    async fn list_audit_events(&self, request: Request<ListAuditEventsRequest>) -> Reply<ListAuditEventsResponse> {
        let s = &*self.0;
        let r = request.into_inner();
        let filter = match (r.patient_id.as_str(), r.actor_id.as_str()) {
            ("", "") => None,
            (patient, "") => Some(("patient_id", patient)),
            ("", actor) => Some(("actor_id", actor)),
            _ => return Err(invalid_field("actor_id", "filter by patient_id or by actor_id, not both")),
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = s.store.audit_events(filter, page.after, page.size).await?;
        Ok(Response::new(ListAuditEventsResponse {
            events: items.iter().map(|e| audit_to_proto(&e.doc)).collect(),
            page: Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, &filter)).unwrap_or_default() }),
        }))
    }

    async fn verify_audit_chain(&self, _request: Request<VerifyAuditChainRequest>) -> Reply<VerifyAuditChainResponse> {
        let (checked, broken) = self.0.store.verify_audit().await?;
        if let Some((seq, problem)) = &broken {
            tracing::error!(sequence = seq, problem, "the EHR audit chain is broken");
        }
        let (first_broken_sequence, problem) = broken.unwrap_or_default();
        Ok(Response::new(VerifyAuditChainResponse {
            intact: first_broken_sequence == 0,
            checked,
            first_broken_sequence,
            problem,
        }))
    }

    async fn list_break_glass_grants(
        &self,
        request: Request<ListBreakGlassGrantsRequest>,
    ) -> Reply<ListBreakGlassGrantsResponse> {
        let s = &*self.0;
        let r = request.into_inner();
        let doctor = Some(r.doctor_id.as_str()).filter(|d| !d.is_empty());
        let patient = Some(r.patient_id.as_str()).filter(|p| !p.is_empty());
        let filter = (doctor, patient);
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = s.store.grants(doctor, patient, page.after, page.size).await?;
        Ok(Response::new(ListBreakGlassGrantsResponse {
            grants: items.iter().map(grant_to_proto).collect(),
            page: Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, &filter)).unwrap_or_default() }),
        }))
    }
}

// ---- internal RPCs ----

#[tonic::async_trait]
impl InternalEhrService for InternalApi {
    async fn link_appointment(&self, request: Request<LinkAppointmentRequest>) -> Reply<LinkAppointmentResponse> {
        let c = caller(&request)?;
        self.0.link_appointment(&c, request.into_inner()).await
    }

    async fn add_prescription_reference(
        &self,
        request: Request<AddPrescriptionReferenceRequest>,
    ) -> Reply<AddPrescriptionReferenceResponse> {
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "prescription_id", &r.prescription_id);
        v.text("medications_summary", &r.medications_summary, 2000, false);
        let at = micros(&mut v, "issue_time", r.issue_time.as_ref(), true).unwrap_or_default();
        let reference = ReferenceDoc {
            kind: PRESCRIPTION.into(),
            source_id: r.prescription_id.clone(),
            patient_id: r.patient_id.clone(),
            encounter_id: Some(r.encounter_id.clone()).filter(|e| !e.is_empty()),
            at,
            title: r.medications_summary.trim().to_owned(),
            status: String::new(),
            created_at: now_micros(),
        };
        let (stored, created) = self
            .0
            .add_reference(&c, v, &format!("rx:{}", r.prescription_id), reference, "AddPrescriptionReference")
            .await?;
        Ok(Response::new(AddPrescriptionReferenceResponse { reference: Some(prescription_to_proto(&stored)), created }))
    }

    async fn add_lab_result_reference(
        &self,
        request: Request<AddLabResultReferenceRequest>,
    ) -> Reply<AddLabResultReferenceResponse> {
        let c = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "lab_order_item_id", &r.lab_order_item_id);
        v.text("test_name", &r.test_name, 200, true);
        v.text("summary_status", &r.summary_status, 50, false);
        let at = micros(&mut v, "result_time", r.result_time.as_ref(), true).unwrap_or_default();
        let reference = ReferenceDoc {
            kind: LAB_RESULT.into(),
            source_id: r.lab_order_item_id.clone(),
            patient_id: r.patient_id.clone(),
            encounter_id: Some(r.encounter_id.clone()).filter(|e| !e.is_empty()),
            at,
            title: r.test_name.trim().to_owned(),
            status: r.summary_status.trim().to_owned(),
            created_at: now_micros(),
        };
        let (stored, created) = self
            .0
            .add_reference(&c, v, &format!("lab:{}", r.lab_order_item_id), reference, "AddLabResultReference")
            .await?;
        Ok(Response::new(AddLabResultReferenceResponse { reference: Some(lab_to_proto(&stored)), created }))
    }
}

impl State {
    /// Stores a reference once per source id; a replay returns the stored one.
    async fn add_reference(
        &self,
        c: &Caller,
        mut v: FieldViolations,
        id: &str,
        reference: ReferenceDoc,
        action: &str,
    ) -> Result<(ReferenceDoc, bool), Status> {
        check_id(&mut v, "patient_id", &reference.patient_id);
        if let Some(encounter) = &reference.encounter_id {
            check_id(&mut v, "encounter_id", encounter);
        }
        v.into_result()?;
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
