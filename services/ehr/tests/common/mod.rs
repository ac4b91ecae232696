//! A small HMS for EHR tests: the real user service (tokens, accounts of
//! every role) on SQLite, the EHR service on the document store under test
//! (SQLite or the MongoDB-wire server), and, for the link tests, the real
//! appointment service whose outbox relay calls the EHR.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use hms_ehr::EhrConfig;
use hms_kit::auth::ServiceTokens;
use hms_kit::config::AuthConfig;
use hms_kit::crypto::EncryptionConfig;
use hms_kit::docstore::DocumentStore;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use secrecy::SecretString;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

pub use hms_kit::testing::authed;

pub const SECRET: &str = "ehr-tests-service-secret";
pub const ADMIN_PASSWORD: &str = "ehr-tests-admin";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy)]
pub enum Docs {
    Sqlite,
    Mongo,
}

pub struct World {
    pub user: TestServer,
    _user_db: TestDb,
    pub ehr: TestServer,
    pub config: EhrConfig,
    pub auth: AuthConfig,
    _dir: tempfile::TempDir,
    admin: String,
}

impl World {
    pub async fn new(docs: Docs) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let store_url = match docs {
            Docs::Sqlite => format!("sqlite://{}", dir.path().join("ehr.db").display()),
            Docs::Mongo => {
                let uri = testing::mongodb_uri()?;
                format!("{}/hms_test_{}", uri.trim_end_matches('/'), uuid::Uuid::now_v7().simple())
            }
        };
        let (user, user_db, auth) = start_user().await;
        let config = EhrConfig {
            store_url,
            encryption: EncryptionConfig {
                key_id: "k1".into(),
                keys: BTreeMap::from([("k1".into(), SecretString::from(hms_kit::auth::random_secret(32).unwrap()))]),
            },
            ..EhrConfig::default()
        };
        let built = hms_ehr::build(&config, &auth).await.expect("build the EHR service");
        let ehr = TestServer::start(built.service, built.verifier).await;
        let admin = login(&user.url(), "admin", ADMIN_PASSWORD).await;
        Some(Self { user, _user_db: user_db, ehr, config, auth, _dir: dir, admin })
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
        ServiceTokens::new("appointment", &SecretString::from(SECRET)).token().unwrap()
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

pub async fn start_user() -> (TestServer, TestDb, AuthConfig) {
    let user_db = testing::database(Relational::Sqlite).await.unwrap();
    let auth = AuthConfig { service_token_secret: Some(SecretString::from(SECRET)), ..AuthConfig::default() };
    let user_config = hms_user::UserConfig {
        database_url: user_db.url.clone(),
        encryption_keys: BTreeMap::from([(
            "k1".to_owned(),
            SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
        )]),
        initial_admin: hms_user::InitialAdmin {
            password: Some(SecretString::from(ADMIN_PASSWORD)),
            ..Default::default()
        },
        ..hms_user::UserConfig::default()
    };
    let built = hms_user::build(&user_config, &auth).await.unwrap();
    let user = TestServer::start(built.service, built.verifier).await;
    let auth = AuthConfig { user_service_url: user.url(), ..auth };
    (user, user_db, auth)
}

pub async fn login(url: &str, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await.unwrap();
    login.into_inner().tokens.unwrap().access_token
}

/// A staff account created by the admin; returns (user id, access token).
pub async fn staff(url: &str, admin: &str, username: &str, role: Role) -> (String, String) {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let user = users
        .create_user(authed(
            CreateUserRequest {
                username: username.into(),
                password: PASSWORD.into(),
                email: format!("{username}@clinic.example"),
                role: role.into(),
                first_name: "Staff".into(),
                last_name: username.into(),
                ..Default::default()
            },
            admin,
        ))
        .await
        .expect("create staff user")
        .into_inner()
        .user
        .unwrap();
    (user.id, login(url, username, PASSWORD).await)
}

/// A self-registered patient; returns (user id, access token).
pub async fn patient(url: &str, username: &str) -> (String, String) {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let user = users
        .register(RegisterRequest {
            username: username.into(),
            password: PASSWORD.into(),
            email: format!("{username}@example.com"),
            first_name: "Patient".into(),
            last_name: username.into(),
            ..Default::default()
        })
        .await
        .expect("register")
        .into_inner()
        .user
        .unwrap();
    (user.id, login(url, username, PASSWORD).await)
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

pub fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// Each violated field with its description.
pub fn violations(status: &Status) -> Vec<(String, String)> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| (v.field.clone(), v.description.clone())).collect())
        .unwrap_or_default()
}

pub fn reason(status: &Status) -> String {
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, Status>, code: Code) -> Status {
    match result {
        Ok(value) => panic!("expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(status.code(), code, "{status:?}");
            status
        }
    }
}

/// Runs each named test on SQLite and on the MongoDB-wire server.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { if let Some(w) = super::common::World::new(super::common::Docs::Sqlite).await { super::$name(w).await } } )*
        }
        mod mongo {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { if let Some(w) = super::common::World::new(super::common::Docs::Mongo).await { super::$name(w).await } } )*
        }
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
    }
}
