//! A small HMS for pharmacy tests: the real user service (tokens, accounts
//! of every role), the real EHR (care relationships, encounters, allergies,
//! prescription references) and the pharmacy with its workers, both on the
//! document store under test (SQLite or the MongoDB-wire server).

#![allow(dead_code)]

use std::time::Duration;

use hms_kit::docstore::DocumentStore;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient;
use hms_kit::proto::ehr::*;
use hms_kit::proto::pharmacy::pharmacy_service_client::PharmacyServiceClient;
use hms_kit::proto::pharmacy::*;
use hms_kit::server::Stopping;
use hms_kit::testing::{TestDb, TestServer};
use hms_pharmacy::PharmacyConfig;
use tonic::transport::Channel;

#[allow(unused_imports)]
pub use hms_testkit::{Docs, assert_code, authed, reason, violated_fields};

pub struct World {
    pub user: TestServer,
    _user_db: TestDb,
    pub ehr: TestServer,
    pub pharmacy: TestServer,
    pub config: PharmacyConfig,
    admin: String,
    pub admin_service: Option<hms_testkit::admin::AdminService>,
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
        Self::start(docs, false).await
    }

    /// With the admin service, whose audit log records catalog changes.
    pub async fn with_admin(docs: Docs) -> Option<Self> {
        Self::start(docs, true).await
    }

    async fn start(docs: Docs, with_admin: bool) -> Option<Self> {
        let ehr_store = docs.store("ehr.db")?;
        let store = docs.store("pharmacy.db")?;
        let (user, user_db, auth) = hms_testkit::start_user().await;
        let ehr_config = hms_ehr::EhrConfig {
            store_url: ehr_store.url,
            encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
            ..hms_ehr::EhrConfig::default()
        };
        let built = hms_ehr::build(&ehr_config, &auth).await.expect("build the EHR");
        let ehr = TestServer::start(built.service, built.verifier).await;
        let mut config = PharmacyConfig {
            store_url: store.url,
            ehr_url: Some(ehr.url()),
            outbox_poll: Duration::from_millis(50),
            interrupted_after: Duration::from_secs(5),
            ..PharmacyConfig::default()
        };
        let admin_service = match with_admin {
            true => Some(hms_testkit::admin::AdminService::start(&auth).await),
            false => None,
        };
        config.admin_url = admin_service.as_ref().map(|a| a.url());
        let built = hms_pharmacy::build(&config, &auth).await.expect("build the pharmacy");
        let pharmacy = TestServer::start(built.service, built.verifier).await;
        let (stop, stopping) = Stopping::new();
        built.workers.start(stopping);
        let admin = hms_testkit::admin_token(&user.url()).await;
        let dirs = [ehr_store.dir, store.dir].into_iter().flatten().collect();
        Some(Self { user, _user_db: user_db, ehr, pharmacy, config, admin, admin_service, stop, _dirs: dirs })
    }

    pub async fn rx(&self) -> PharmacyServiceClient<Channel> {
        PharmacyServiceClient::connect(self.pharmacy.url()).await.unwrap()
    }

    pub async fn ehr(&self) -> EhrServiceClient<Channel> {
        EhrServiceClient::connect(self.ehr.url()).await.unwrap()
    }

    pub async fn raw_store(&self) -> std::sync::Arc<dyn DocumentStore> {
        hms_kit::docstore::connect(&self.config.store_url).await.unwrap()
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        hms_testkit::staff(&self.user.url(), &self.admin, username, role).await
    }

    pub async fn patient(&self, username: &str) -> (String, String) {
        hms_testkit::patient(&self.user.url(), username).await
    }

    /// A patient in a doctor's care through an appointment confirmed today,
    /// as the appointment service links it; with the encounter it planned.
    pub async fn care(&self, tag: &str) -> Care {
        let patient = self.patient(&format!("pat.{tag}")).await;
        let doctor = self.staff(&format!("doc.{tag}"), Role::Doctor).await;
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

    /// Records the patient's allergies in the EHR, as their doctor.
    pub async fn allergies(&self, care: &Care, substances: &[&str]) {
        let mut ehr = self.ehr().await;
        let created = ehr
            .create_medical_record(authed(
                CreateMedicalRecordRequest { patient_id: care.patient.0.clone() },
                &care.doctor.1,
            ))
            .await
            .unwrap()
            .into_inner()
            .record
            .unwrap();
        let fields = RecordFields {
            allergies: substances
                .iter()
                .map(|s| Allergy {
                    substance: (*s).into(),
                    reaction: "rash".into(),
                    criticality: Criticality::High.into(),
                })
                .collect(),
            ..Default::default()
        };
        let update = UpdateMedicalRecordRequest {
            patient_id: care.patient.0.clone(),
            version: created.version,
            fields: Some(fields),
        };
        ehr.update_medical_record(authed(update, &care.doctor.1)).await.unwrap();
    }

    /// The catalog entry with `code`.
    pub async fn medication(&self, code: &str) -> Medication {
        let mut rx = self.rx().await;
        let request = ListMedicationsRequest {
            query: String::new(),
            include_inactive: true,
            page: Some(PageRequest { page_size: 500, page_token: String::new() }),
        };
        let all = rx.list_medications(authed(request, &self.admin)).await.unwrap().into_inner().medications;
        all.into_iter().find(|m| m.code == code).unwrap_or_else(|| panic!("{code} is in the starter catalog"))
    }

    /// Receives a batch; returns the stock after it.
    pub async fn receive(
        &self,
        pharmacist: &str,
        medication_id: &str,
        lot: &str,
        expiry_days: i64,
        quantity: i32,
    ) -> StockLevel {
        let request = UpdateStockRequest {
            medication_id: medication_id.into(),
            change: Some(update_stock_request::Change::Receive(ReceiveBatch {
                lot: lot.into(),
                expiry_date: Some(date_in(expiry_days)),
                quantity,
                unit_cost: None,
            })),
        };
        self.rx().await.update_stock(authed(request, pharmacist)).await.unwrap().into_inner().stock.unwrap()
    }

    /// Puts an already expired batch on the shelf, as one left from earlier
    /// would be (receiving refuses expired batches).
    pub async fn shelve_expired(&self, medication_id: &str, lot: &str, quantity: i64) {
        let docs = self.raw_store().await;
        let stored = docs.get("pharmacy_stock", medication_id).await.unwrap().unwrap();
        let mut body = stored.body;
        body["batches"].as_array_mut().unwrap().push(serde_json::json!({
            "id": format!("expired-{lot}"), "lot": lot, "expiry": "2020-01-01", "quantity": quantity,
            "unit_cost": 0, "currency": "VND", "received_at": 0
        }));
        docs.replace("pharmacy_stock", medication_id, &body, stored.version).await.unwrap();
    }

    pub async fn stock(&self, pharmacist: &str, medication_id: &str) -> StockLevel {
        let request =
            ListStockRequest { low_only: false, page: Some(PageRequest { page_size: 500, page_token: String::new() }) };
        let all = self.rx().await.list_stock(authed(request, pharmacist)).await.unwrap().into_inner().stock;
        all.into_iter().find(|s| s.medication_id == medication_id).unwrap()
    }

    /// The raw batches of a medication, expired ones included.
    pub async fn raw_batches(&self, medication_id: &str) -> Vec<(String, String, i64)> {
        let docs = self.raw_store().await;
        let stored = docs.get("pharmacy_stock", medication_id).await.unwrap().unwrap();
        stored.body["batches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap().to_owned(),
                    b["expiry"].as_str().unwrap().to_owned(),
                    b["quantity"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    pub async fn prescribe(
        &self,
        care: &Care,
        items: Vec<PrescriptionItemInput>,
        override_reason: &str,
    ) -> Result<Prescription, tonic::Status> {
        let request = CreatePrescriptionRequest {
            patient_id: care.patient.0.clone(),
            encounter_id: care.encounter.clone(),
            items,
            notes: String::new(),
            override_reason: override_reason.into(),
        };
        let mut rx = self.rx().await;
        rx.create_prescription(authed(request, &care.doctor.1)).await.map(|r| r.into_inner().prescription.unwrap())
    }

    pub async fn verify(&self, pharmacist: &str, rx: &Prescription) -> Prescription {
        let request = VerifyPrescriptionRequest {
            prescription_id: rx.prescription_id.clone(),
            approve: true,
            reason: String::new(),
            version: rx.version,
        };
        self.rx()
            .await
            .verify_prescription(authed(request, pharmacist))
            .await
            .unwrap()
            .into_inner()
            .prescription
            .unwrap()
    }

    pub async fn dispense(
        &self,
        pharmacist: &str,
        id: &str,
        items: Vec<DispenseQuantity>,
    ) -> Result<DispensePrescriptionResponse, tonic::Status> {
        let request = DispensePrescriptionRequest { prescription_id: id.into(), items };
        self.rx().await.dispense_prescription(authed(request, pharmacist)).await.map(|r| r.into_inner())
    }

    pub async fn get(&self, token: &str, id: &str) -> Prescription {
        let request = GetPrescriptionRequest { prescription_id: id.into() };
        self.rx().await.get_prescription(authed(request, token)).await.unwrap().into_inner().prescription.unwrap()
    }

    /// Waits until no dispense is under way (the recovery worker finished
    /// any the requests left).
    pub async fn no_dispense_under_way(&self) {
        let docs = self.raw_store().await;
        let query = hms_kit::docstore::Query {
            filters: vec![("dispensing_since".into(), hms_kit::docstore::Filter::Exists(true))],
            limit: 1,
            ..Default::default()
        };
        for _ in 0..600 {
            if docs.find("pharmacy_prescriptions", &query).await.unwrap().items.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("a dispense stayed under way");
    }

    /// The prescription references of the patient's record, as their doctor sees them.
    pub async fn references(&self, care: &Care) -> Vec<PrescriptionReference> {
        let request = GetMedicalRecordRequest { patient_id: care.patient.0.clone() };
        match self.ehr().await.get_medical_record(authed(request, &care.doctor.1)).await {
            Ok(r) => r.into_inner().prescription_references,
            Err(_) => Vec::new(),
        }
    }
}

pub struct Care {
    pub patient: (String, String),
    pub doctor: (String, String),
    pub encounter: String,
}

pub fn item(medication_id: &str, quantity: i32) -> PrescriptionItemInput {
    PrescriptionItemInput {
        medication_id: medication_id.into(),
        dosage: "1 tablet".into(),
        frequency: "3 times a day".into(),
        duration_days: 7,
        quantity,
        instructions: "after meals".into(),
    }
}

/// The date `days` from today in the clinic's zone.
pub fn date_in(days: i64) -> hms_kit::proto::google::r#type::Date {
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    hms_kit::time::date_to_proto(today.checked_add(jiff::Span::new().days(days)).unwrap())
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
