//! A small HMS for laboratory tests: the real user service (accounts, a
//! patient's sex and date of birth), the real EHR (care relationships,
//! encounters, result references), billing (the lab invoice), notification
//! (critical values, releases, amendments) and the laboratory with its
//! relay, on the document store under test (SQLite or the MongoDB-wire
//! server).

#![allow(dead_code)]

use std::time::Duration;

use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::billing::{Invoice, ListPatientInvoicesRequest};
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::proto::laboratory::laboratory_service_client::LaboratoryServiceClient;
use hms_kit::proto::laboratory::*;
use hms_kit::proto::notification::{Delivery, NotificationType};
use hms_kit::proto::user::{Gender, PatientProfile};
use hms_kit::server::Stopping;
use hms_kit::testing::{Relational, TestDb, TestServer, database};
use hms_laboratory::LaboratoryConfig;
use tonic::transport::Channel;

#[allow(unused_imports)]
pub use hms_testkit::{Docs, assert_code, authed, reason, violated_fields};

pub struct World {
    pub user: TestServer,
    _user_db: TestDb,
    pub ehr: TestServer,
    pub billing: TestServer,
    _billing_db: TestDb,
    pub notification: hms_testkit::notification::Notification,
    pub lab: TestServer,
    pub config: LaboratoryConfig,
    admin: String,
    stop: tokio::sync::watch::Sender<bool>,
    _dirs: Vec<tempfile::TempDir>,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl World {
    pub async fn new(docs: Docs) -> Option<Self> {
        Self::start(docs, hms_kit::objects::ObjectsConfig::default()).await
    }

    /// With result files in `files` (an S3-compatible bucket) instead of a directory.
    pub async fn with_files(docs: Docs, files: hms_kit::objects::ObjectsConfig) -> Option<Self> {
        Self::start(docs, files).await
    }

    async fn start(docs: Docs, files_config: hms_kit::objects::ObjectsConfig) -> Option<Self> {
        let ehr_store = docs.store("ehr.db")?;
        let store = docs.store("laboratory.db")?;
        let (user, user_db, mut auth) = hms_testkit::start_user().await;
        auth.user_service_url = user.url();
        let ehr_config = hms_ehr::EhrConfig {
            store_url: ehr_store.url,
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..hms_ehr::EhrConfig::default()
        };
        let built = hms_ehr::build(&ehr_config, &auth).await.expect("build the EHR");
        let ehr = TestServer::start(built.service, built.verifier).await;
        let billing_db = database(Relational::Sqlite).await.unwrap();
        let billing_config = hms_billing::BillingConfig {
            database_url: billing_db.url.clone(),
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..hms_billing::BillingConfig::default()
        };
        let built = hms_billing::build(&billing_config, &auth).await.expect("build billing");
        let billing = TestServer::start(built.service, built.verifier).await;
        let notification = hms_testkit::notification::Notification::start(&auth, None).await;
        let files = tempfile::tempdir().unwrap();
        let config = LaboratoryConfig {
            store_url: store.url,
            ehr_url: Some(ehr.url()),
            billing_url: Some(billing.url()),
            notification_url: Some(notification.url()),
            outbox_poll: Duration::from_millis(50),
            files: files_config,
            files_dir: files.path().join("files"),
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..LaboratoryConfig::default()
        };
        let built = hms_laboratory::build(&config, &auth).await.expect("build the laboratory");
        let lab = TestServer::start(built.service, built.verifier).await;
        let (stop, stopping) = Stopping::new();
        built.workers.start(stopping);
        let admin = hms_testkit::admin_token(&user.url()).await;
        let dirs = [ehr_store.dir, store.dir, Some(files)].into_iter().flatten().collect();
        Some(Self {
            user,
            _user_db: user_db,
            ehr,
            billing,
            _billing_db: billing_db,
            notification,
            lab,
            config,
            admin,
            stop,
            _dirs: dirs,
        })
    }

    pub async fn lab(&self) -> LaboratoryServiceClient<Channel> {
        LaboratoryServiceClient::connect(self.lab.url()).await.unwrap()
    }

    pub async fn ehr(&self) -> EhrServiceClient<Channel> {
        EhrServiceClient::connect(self.ehr.url()).await.unwrap()
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        hms_testkit::staff(&self.user.url(), &self.admin, username, role).await
    }

    /// A patient of `gender` born `years` ago (today's date, `years` back).
    pub async fn patient(&self, username: &str, gender: Gender, years: i32) -> (String, String) {
        let today = jiff::Zoned::now().date();
        let born = jiff::civil::Date::new(today.year() - i16::try_from(years).unwrap(), today.month(), 1).unwrap();
        let mut request = hms_testkit::users::patient_request(username);
        request.patient_profile = Some(PatientProfile {
            date_of_birth: Some(hms_kit::time::date_to_proto(born)),
            gender: gender.into(),
            ..Default::default()
        });
        hms_testkit::users::register(&self.user.url(), request).await
    }

    /// A patient in a doctor's care through an appointment confirmed today,
    /// as the appointment service links it; with the encounter it planned.
    pub async fn care(&self, tag: &str) -> Care {
        let doctor = self.staff(&format!("doc.{tag}"), Role::Doctor).await;
        self.care_of(tag, doctor).await
    }

    /// [`World::care`] with a doctor whose notices are in English.
    pub async fn care_by_english_speaker(&self, tag: &str) -> Care {
        let request = hms_kit::proto::user::CreateUserRequest {
            preferred_language: "en".into(),
            ..hms_testkit::users::staff_request(&format!("doc.{tag}"), Role::Doctor)
        };
        let doctor = hms_testkit::users::create_user(&self.user.url(), &self.admin, request).await;
        self.care_of(tag, doctor).await
    }

    async fn care_of(&self, tag: &str, doctor: (String, String)) -> Care {
        let patient = self.patient(&format!("pat.{tag}"), Gender::Female, 40).await;
        let link = LinkAppointmentRequest {
            patient_id: patient.0.clone(),
            appointment_id: format!("appt-{tag}"),
            doctor_id: doctor.0.clone(),
            appointment_time: Some(hms_kit::time::micros_to_timestamp(hms_kit::time::now_micros())),
            stage: AppointmentStage::Confirmed.into(),
        };
        let mut internal = InternalEhrServiceClient::connect(self.ehr.url()).await.unwrap();
        let linked = internal
            .link_appointment(authed(link, &hms_testkit::service_token("appointment")))
            .await
            .unwrap()
            .into_inner();
        Care { patient, doctor, encounter: linked.encounter_id }
    }

    /// The catalog entry with `code`.
    pub async fn test(&self, code: &str) -> LabTest {
        let request = ListLabTestsRequest {
            query: String::new(),
            include_inactive: true,
            page: Some(PageRequest { page_size: 500, page_token: String::new() }),
        };
        let all = self.lab().await.list_lab_tests(authed(request, &self.admin)).await.unwrap().into_inner().tests;
        all.into_iter().find(|t| t.code == code).unwrap_or_else(|| panic!("{code} is in the starter catalog"))
    }

    pub async fn order(&self, care: &Care, tests: &[&LabTest], priority: Priority) -> Result<LabOrder, tonic::Status> {
        let request = CreateLabOrderRequest {
            patient_id: care.patient.0.clone(),
            encounter_id: care.encounter.clone(),
            priority: priority.into(),
            notes: "fasting since 22:00".into(),
            test_ids: tests.iter().map(|t| t.test_id.clone()).collect(),
        };
        self.lab().await.create_lab_order(authed(request, &care.doctor.1)).await.map(|r| r.into_inner().order.unwrap())
    }

    pub async fn get(&self, token: &str, order_id: &str) -> LabOrder {
        let request = GetLabOrderRequest { order_id: order_id.into() };
        self.lab().await.get_lab_order(authed(request, token)).await.unwrap().into_inner().order.unwrap()
    }

    pub async fn step(
        &self,
        token: &str,
        order: &LabOrder,
        step: LabStep,
        reason: &str,
    ) -> Result<LabOrder, tonic::Status> {
        let request = UpdateLabOrderStatusRequest {
            order_id: order.order_id.clone(),
            step: step.into(),
            reason: reason.into(),
            version: order.version,
        };
        self.lab().await.update_lab_order_status(authed(request, token)).await.map(|r| r.into_inner().order.unwrap())
    }

    pub async fn enter(
        &self,
        token: &str,
        order: &LabOrder,
        item: usize,
        results: Vec<ResultInput>,
        amend_reason: &str,
    ) -> Result<EnterLabResultsResponse, tonic::Status> {
        let request = EnterLabResultsRequest {
            order_id: order.order_id.clone(),
            item_id: order.items[item].item_id.clone(),
            results,
            amend_reason: amend_reason.into(),
            version: order.version,
        };
        self.lab().await.enter_lab_results(authed(request, token)).await.map(|r| r.into_inner())
    }

    pub async fn release(&self, token: &str, order: &LabOrder) -> Result<LabOrder, tonic::Status> {
        let request =
            ReleaseLabResultsRequest { order_id: order.order_id.clone(), item_ids: Vec::new(), version: order.version };
        self.lab().await.release_lab_results(authed(request, token)).await.map(|r| r.into_inner().order.unwrap())
    }

    /// The lab result references of the patient's record, as their doctor sees them.
    pub async fn references(&self, care: &Care) -> Vec<LabResultReference> {
        let request = GetMedicalRecordRequest { patient_id: care.patient.0.clone() };
        match self.ehr().await.get_medical_record(authed(request, &care.doctor.1)).await {
            Ok(r) => r.into_inner().lab_result_references,
            Err(_) => Vec::new(),
        }
    }

    /// The patient's invoices, as they see them.
    pub async fn invoices(&self, care: &Care) -> Vec<Invoice> {
        let mut billing = BillingServiceClient::connect(self.billing.url()).await.unwrap();
        let request = ListPatientInvoicesRequest { patient_id: care.patient.0.clone(), ..Default::default() };
        billing.list_patient_invoices(authed(request, &care.patient.1)).await.unwrap().into_inner().invoices
    }

    /// The in-app inbox of the holder of `token`, of `kind`.
    pub async fn inbox(&self, token: &str, kind: NotificationType) -> Vec<Delivery> {
        hms_testkit::notification::inbox(&self.notification.url(), token)
            .await
            .into_iter()
            .filter(|d| d.r#type() == kind)
            .collect()
    }

    /// Creates the patient's record in the EHR (the references need one).
    pub async fn record(&self, care: &Care) {
        let request = CreateMedicalRecordRequest { patient_id: care.patient.0.clone() };
        self.ehr().await.create_medical_record(authed(request, &care.doctor.1)).await.unwrap();
    }
}

pub struct Care {
    pub patient: (String, String),
    pub doctor: (String, String),
    pub encounter: String,
}

pub fn number(code: &str, value: f64, unit: &str) -> ResultInput {
    ResultInput { parameter_code: code.into(), value: Some(value), unit: unit.into(), scale_value: String::new() }
}

pub fn scale(code: &str, value: &str) -> ResultInput {
    ResultInput { parameter_code: code.into(), value: None, unit: String::new(), scale_value: value.into() }
}

/// Waits until `check` holds, for up to 10 seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never happened");
}

/// Runs each named test on SQLite and on the MongoDB-wire server.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        hms_testkit::on_every_store!(start = super::common::World::new, threads = 4; $($name),*);
    };
}
