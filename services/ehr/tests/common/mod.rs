//! A small HMS for EHR tests: the real user service (tokens, accounts of
//! every role) on SQLite, the EHR service on the document store under test
//! (SQLite or the MongoDB-wire server), and, for the link tests, the real
//! appointment service whose outbox relay calls the EHR.

#![allow(dead_code)]

use std::sync::Arc;

use hms_ehr::EhrConfig;
use hms_kit::config::AuthConfig;
use hms_kit::crypto::EncryptionConfig;
use hms_kit::docstore::DocumentStore;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::testing::{TestDb, TestServer};
use tonic::transport::Channel;
use tonic::{Code, Status};

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::{
    ADMIN_PASSWORD, Docs, PASSWORD, SERVICE_SECRET as SECRET, assert_code, authed, login, patient, reason, staff,
    start_user, violated_fields, violations,
};

pub struct World {
    pub user: TestServer,
    _user_db: TestDb,
    pub ehr: TestServer,
    pub config: EhrConfig,
    pub auth: AuthConfig,
    _dir: Option<tempfile::TempDir>,
    admin: String,
}

impl World {
    pub async fn new(docs: Docs) -> Option<Self> {
        let store = docs.store("ehr.db")?;
        let (user, user_db, auth) = start_user().await;
        let config =
            EhrConfig { store_url: store.url, encryption: EncryptionConfig::random().unwrap(), ..EhrConfig::default() };
        let built = hms_ehr::build(&config, &auth).await.expect("build the EHR service");
        let ehr = TestServer::start(built.service, built.verifier).await;
        let admin = hms_testkit::admin_token(&user.url()).await;
        Some(Self { user, _user_db: user_db, ehr, config, auth, _dir: store.dir, admin })
    }

    pub async fn ehr(&self) -> EhrServiceClient<Channel> {
        EhrServiceClient::connect(self.ehr.url()).await.unwrap()
    }

    pub async fn internal(&self) -> InternalEhrServiceClient<Channel> {
        InternalEhrServiceClient::connect(self.ehr.url()).await.unwrap()
    }

    /// The EHR's document store, opened directly: for checks at rest and
    /// for tampering.
    pub async fn raw_store(&self) -> Arc<dyn DocumentStore> {
        hms_kit::docstore::connect(&self.config.store_url).await.unwrap()
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    pub fn service_token(&self) -> String {
        hms_testkit::service_token("appointment")
    }

    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        staff(&self.user.url(), &self.admin, username, role).await
    }

    pub async fn patient(&self, username: &str) -> (String, String) {
        patient(&self.user.url(), username).await
    }

    /// Links an appointment as the appointment service would; returns the
    /// encounter id.
    pub async fn link(
        &self,
        patient: &str,
        doctor: &str,
        appointment: &str,
        stage: AppointmentStage,
        at: prost_types::Timestamp,
    ) -> Result<LinkAppointmentResponse, Status> {
        let request = LinkAppointmentRequest {
            patient_id: patient.into(),
            appointment_id: appointment.into(),
            doctor_id: doctor.into(),
            appointment_time: Some(at),
            stage: stage.into(),
        };
        self.internal().await.link_appointment(authed(request, &self.service_token())).await.map(|r| r.into_inner())
    }

    /// The whole audit trail, newest first.
    pub async fn audit(&self, patient: &str) -> Vec<AuditEvent> {
        let request = ListAuditEventsRequest {
            patient_id: patient.into(),
            page: Some(hms_kit::proto::common::PageRequest { page_size: 500, page_token: String::new() }),
            ..Default::default()
        };
        self.ehr().await.list_audit_events(authed(request, &self.admin)).await.unwrap().into_inner().events
    }

    pub async fn verify(&self) -> VerifyAuditChainResponse {
        self.ehr().await.verify_audit_chain(authed(VerifyAuditChainRequest {}, &self.admin)).await.unwrap().into_inner()
    }
}

pub fn now() -> prost_types::Timestamp {
    hms_kit::time::micros_to_timestamp(hms_kit::time::now_micros())
}

/// An instant `days` from now.
pub fn days_from_now(days: i64) -> prost_types::Timestamp {
    let mut ts = now();
    ts.seconds += days * 86_400;
    ts
}

/// Runs each named test on SQLite and on the MongoDB-wire server.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        hms_testkit::on_every_store!(start = super::common::World::new, threads = 4; $($name),*);
    };
}

/// Access for both reading and writing the record.
pub const ALLOWED: (Code, Code) = (Code::Ok, Code::Ok);
/// Access refused for reading and for writing.
pub const DENIED: (Code, Code) = (Code::PermissionDenied, Code::PermissionDenied);

/// The doctor reading the patient's record and writing it: `Code::Ok` or
/// the refusal of each (a refusal is NO_CARE_RELATIONSHIP).
pub async fn access(w: &World, patient: &str, patient_token: &str, doctor_token: &str) -> (Code, Code) {
    fn code<T>(result: Result<T, Status>) -> Code {
        match result {
            Ok(_) => Code::Ok,
            Err(status) => {
                assert_eq!(reason(&status), "NO_CARE_RELATIONSHIP", "{status:?}");
                status.code()
            }
        }
    }
    let mut ehr = w.ehr().await;
    let get = || GetMedicalRecordRequest { patient_id: patient.into() };
    let read = code(ehr.get_medical_record(authed(get(), doctor_token)).await);
    // The version to write against, as the patient reads it.
    let own = ehr.get_medical_record(authed(get(), patient_token)).await.unwrap().into_inner().record.unwrap();
    let update = UpdateMedicalRecordRequest {
        patient_id: patient.into(),
        version: own.version,
        fields: Some(RecordFields { blood_type: "O+".into(), ..Default::default() }),
    };
    let write = code(ehr.update_medical_record(authed(update, doctor_token)).await);
    (read, write)
}

// ---- clinical fixtures shared by the resource tests ----

pub fn diagnosis(code: &str, primary: bool) -> Diagnosis {
    Diagnosis {
        icd10_code: code.into(),
        description: format!("{code} description"),
        is_primary: primary,
        ..Default::default()
    }
}

pub fn notes(text: &str) -> EncounterNotes {
    EncounterNotes {
        chief_complaint: format!("{text} complaint"),
        history_of_present_illness: format!("{text} history"),
        physical_examination_findings: format!("{text} findings"),
        clinical_notes: format!("{text} notes"),
    }
}

/// A patient linked to a doctor through a confirmed appointment today.
pub struct Care {
    pub patient: (String, String),
    pub doctor: (String, String),
    pub encounter: String,
}

pub async fn care(w: &World, tag: &str) -> Care {
    let patient = w.patient(&format!("pat.{tag}")).await;
    let doctor = w.staff(&format!("doc.{tag}"), Role::Doctor).await;
    let linked =
        w.link(&patient.0, &doctor.0, &format!("appt-{tag}"), AppointmentStage::Confirmed, now()).await.unwrap();
    Care { patient, doctor, encounter: linked.encounter_id }
}

pub fn get_record(patient: &str) -> GetMedicalRecordRequest {
    GetMedicalRecordRequest { patient_id: patient.into() }
}

pub fn get_encounter(patient: &str, encounter: &str) -> GetEncounterRequest {
    GetEncounterRequest { patient_id: patient.into(), encounter_id: encounter.into() }
}

pub fn vitals_request(patient: &str, encounter: &str, heart_rate: i32) -> AddVitalSignsRequest {
    AddVitalSignsRequest {
        patient_id: patient.into(),
        encounter_id: encounter.into(),
        vital_signs: Some(VitalSigns {
            heart_rate: Some(heart_rate),
            systolic_bp: Some(120),
            diastolic_bp: Some(80),
            temperature_celsius: Some(36.9),
            ..Default::default()
        }),
        ..Default::default()
    }
}
