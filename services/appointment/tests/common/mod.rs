//! A small HMS for appointment tests: the real user service (tokens, staff
//! accounts) on SQLite and the appointment service on the backend under test,
//! both served on 127.0.0.1:0.

#![allow(dead_code)]

mod requests;

use std::collections::BTreeMap;

use hms_appointment::AppointmentConfig;
use hms_kit::config::AuthConfig;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{
    Channel as NotificationChannel, Delivery, ListNotificationsRequest, NotificationType, PreferenceRule, Preferences,
    UpdatePreferencesRequest,
};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::sms::{Received, SmsSink};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_notification::{EmailConfig, EmailMode, NotificationConfig, SmsConfig, SmsProviderKind, WorkerConfig};
use secrecy::SecretString;
use tonic::Status;
use tonic::transport::Channel;

pub use self::requests::*;

pub const SECRET: &str = "appointment-tests-service-secret";
pub const ADMIN_PASSWORD: &str = "appointment-tests-admin";
pub const PASSWORD: &str = "correct horse battery";
static PHONES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1_000_000);

pub struct Harness {
    pub user: TestServer,
    _user_db: TestDb,
    pub server: TestServer,
    pub db: TestDb,
    pub config: AppointmentConfig,
    pub auth: AuthConfig,
    admin: String,
    workers: Running,
    notification: Option<Notification>,
    admin_service: Option<AdminService>,
}

/// The admin service (SQLite store), whose configuration the appointment
/// service follows.
struct AdminService {
    server: TestServer,
    _db: TestDb,
}

/// The notification service (SQLite store, file mailer, an HTTP SMS provider
/// served by the test) and its worker.
struct Notification {
    server: TestServer,
    sms: SmsSink,
    worker: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// Background work of one appointment replica, stopped on drop.
pub struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    fn abort(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Another replica of the appointment service on the same database.
pub struct Replica {
    pub server: TestServer,
    _workers: Running,
}

async fn start_admin(auth: &AuthConfig) -> Option<AdminService> {
    let db = testing::database(Relational::Sqlite).await?;
    let config = hms_admin::AdminConfig { database_url: db.url.clone(), ..hms_admin::AdminConfig::default() };
    let built = hms_admin::build(&config, auth).await.expect("build the admin service");
    let server = TestServer::start(built.service, built.verifier).await;
    Some(AdminService { server, _db: db })
}

async fn start_appointment(config: &AppointmentConfig, auth: &AuthConfig) -> (TestServer, Running) {
    let built = hms_appointment::build(config, auth).await.expect("build appointment service");
    let (stop, stopping) = hms_kit::server::Stopping::new();
    let tasks = hms_appointment::spawn_workers(built.reminders, built.relay, stopping);
    let server = TestServer::start(built.service, built.verifier).await;
    (server, Running { stop, tasks })
}

impl Harness {
    pub async fn start(kind: Relational) -> Option<Self> {
        Self::start_with(kind, |_| {}).await
    }

    pub async fn start_with(kind: Relational, adjust: impl FnOnce(&mut AppointmentConfig)) -> Option<Self> {
        Self::start_full(kind, adjust, false).await
    }

    /// With `notifications`, the real notification service runs too and the
    /// appointment service's relay delivers to it.
    pub async fn start_full(
        kind: Relational,
        adjust: impl FnOnce(&mut AppointmentConfig),
        notifications: bool,
    ) -> Option<Self> {
        Self::start_services(kind, adjust, notifications, false).await
    }

    /// The admin service runs too and the appointment service follows its
    /// configuration.
    pub async fn start_with_admin(kind: Relational, adjust: impl FnOnce(&mut AppointmentConfig)) -> Option<Self> {
        Self::start_services(kind, adjust, false, true).await
    }

    /// The admin and the notification services both run.
    pub async fn start_with_admin_and_notifications(
        kind: Relational,
        adjust: impl FnOnce(&mut AppointmentConfig),
    ) -> Option<Self> {
        Self::start_services(kind, adjust, true, true).await
    }

    async fn start_services(
        kind: Relational,
        adjust: impl FnOnce(&mut AppointmentConfig),
        notifications: bool,
        admin_service: bool,
    ) -> Option<Self> {
        let db = testing::database(kind).await?;
        let user_db = testing::database(Relational::Sqlite).await?;
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
        let notification = if notifications { Some(start_notification(&auth).await) } else { None };
        let admin_service = if admin_service { Some(start_admin(&auth).await?) } else { None };
        let mut config = AppointmentConfig {
            database_url: db.url.clone(),
            notification_url: notification.as_ref().map(|n| n.server.url()),
            admin_url: admin_service.as_ref().map(|a| a.server.url()),
            outbox_poll_ms: 50,
            reminder_poll_ms: 200,
            ..AppointmentConfig::default()
        };
        adjust(&mut config);
        let (server, workers) = start_appointment(&config, &auth).await;
        let admin = login(&user.url(), "admin", ADMIN_PASSWORD).await;
        Some(Self { user, _user_db: user_db, server, db, config, auth, admin, workers, notification, admin_service })
    }

    /// Kills the appointment service abruptly, as a crash would, and starts it
    /// again on the same database.
    pub async fn crash_and_restart(&mut self) {
        self.workers.abort();
        let (server, workers) = start_appointment(&self.config, &self.auth).await;
        std::mem::replace(&mut self.server, server).abort();
        self.workers = workers;
    }

    /// A second replica with its own workers, on the same database.
    pub async fn replica(&self) -> Replica {
        let (server, workers) = start_appointment(&self.config, &self.auth).await;
        Replica { server, _workers: workers }
    }

    /// Stores a system configuration value in the admin service, as an admin.
    pub async fn configure(&self, key: &str, value: i64, expected_version: i64) {
        use hms_kit::proto::admin::configuration_value::Kind;
        self.configure_value(key, Kind::Integer(value), expected_version).await;
    }

    /// Stores a value of any kind.
    pub async fn configure_value(
        &self,
        key: &str,
        value: hms_kit::proto::admin::configuration_value::Kind,
        expected_version: i64,
    ) {
        let url = self.admin_service.as_ref().expect("started with the admin service").server.url();
        let mut client = hms_kit::proto::admin::admin_service_client::AdminServiceClient::connect(url).await.unwrap();
        let request = hms_kit::proto::admin::UpdateSystemConfigurationRequest {
            key: key.into(),
            value: Some(hms_kit::proto::admin::ConfigurationValue { kind: Some(value) }),
            expected_version,
            reason: String::new(),
        };
        client.update_system_configuration(authed(request, &self.admin)).await.unwrap();
    }

    /// The caller's in-app inbox in the notification service.
    pub async fn inbox(&self, token: &str) -> Vec<Delivery> {
        let url = self.notification.as_ref().expect("started with notifications").server.url();
        let mut client = NotificationServiceClient::connect(url).await.unwrap();
        let request = ListNotificationsRequest {
            page: Some(hms_kit::proto::common::PageRequest { page_size: 500, page_token: String::new() }),
            unread_only: false,
        };
        client.list_notifications(authed(request, token)).await.unwrap().into_inner().notifications
    }

    /// Turns SMS on for one type of the caller's notifications (SMS is opt-in).
    pub async fn turn_on_sms(&self, token: &str, kind: NotificationType) {
        let url = self.notification.as_ref().expect("started with notifications").server.url();
        let mut client = NotificationServiceClient::connect(url).await.unwrap();
        let rule = PreferenceRule { r#type: kind.into(), channel: NotificationChannel::Sms.into(), enabled: true };
        let preferences = Preferences { rules: vec![rule], language: String::new() };
        client
            .update_preferences(authed(UpdatePreferencesRequest { preferences: Some(preferences) }, token))
            .await
            .unwrap();
    }

    /// The text messages the SMS provider accepted so far.
    pub fn texts(&self) -> Vec<Received> {
        self.notification.as_ref().expect("started with notifications").sms.accepted()
    }

    /// Waits until `count` text messages reached the SMS provider; returns them.
    pub async fn texted(&self, count: usize) -> Vec<Received> {
        for _ in 0..800 {
            let texts = self.texts();
            if texts.len() >= count {
                return texts;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{count} text message(s) never arrived: {:?}", self.texts());
    }

    /// Waits until the inbox holds `count` messages of `kind`; returns them.
    pub async fn arrived(&self, token: &str, kind: NotificationType, count: usize) -> Vec<Delivery> {
        for _ in 0..800 {
            let found: Vec<Delivery> = self.inbox(token).await.into_iter().filter(|d| d.r#type() == kind).collect();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{kind:?} never arrived {count} time(s): {:?}", self.inbox(token).await);
    }

    /// How many messages of `kind` the inbox holds now.
    pub async fn count(&self, token: &str, kind: NotificationType) -> usize {
        self.inbox(token).await.iter().filter(|d| d.r#type() == kind).count()
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.server.url()).unwrap().connect().await.unwrap()
    }

    pub async fn schedules(&self) -> ScheduleServiceClient<Channel> {
        ScheduleServiceClient::new(self.channel().await)
    }

    pub async fn appointments(&self) -> AppointmentServiceClient<Channel> {
        AppointmentServiceClient::new(self.channel().await)
    }

    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// A staff account created by the admin; returns (user id, access token).
    pub async fn staff(&self, username: &str, role: Role) -> (String, String) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        let user = users
            .create_user(authed(
                CreateUserRequest {
                    username: username.into(),
                    password: PASSWORD.into(),
                    email: format!("{username}@clinic.example"),
                    role: role.into(),
                    first_name: "Dr".into(),
                    last_name: username.rsplit('.').next().unwrap_or(username).into(),
                    ..Default::default()
                },
                &self.admin,
            ))
            .await
            .expect("create staff user")
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user.url(), username, PASSWORD).await)
    }

    /// A self-registered patient; returns (user id, access token).
    pub async fn patient(&self, username: &str) -> (String, String) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        let user = users
            .register(RegisterRequest {
                username: username.into(),
                password: PASSWORD.into(),
                email: format!("{username}@example.com"),
                phone_number: format!("+8491{:07}", PHONES.fetch_add(1, std::sync::atomic::Ordering::SeqCst)),
                first_name: "Patient".into(),
                last_name: username.into(),
                ..Default::default()
            })
            .await
            .expect("register")
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user.url(), username, PASSWORD).await)
    }

    /// Adds an active service to the catalog.
    pub async fn service(&self, code: &str, minutes: i32, specialties: &[&str]) -> MedicalService {
        self.schedules()
            .await
            .create_medical_service(authed(
                CreateMedicalServiceRequest {
                    code: code.into(),
                    service: Some(service_input(code, minutes, specialties)),
                },
                &self.admin,
            ))
            .await
            .expect("create medical service")
            .into_inner()
            .service
            .unwrap()
    }

    /// Gives a doctor consulting hours 08:00-17:00 every day.
    pub async fn every_day(&self, doctor_id: &str, specialty: &str, location: &str) -> DoctorSchedule {
        self.daily_hours(doctor_id, specialty, location, (8, 17)).await
    }

    /// Gives a doctor consulting hours `from`-`to` (hours) every day.
    pub async fn daily_hours(
        &self,
        doctor_id: &str,
        specialty: &str,
        location: &str,
        (from, to): (i32, i32),
    ) -> DoctorSchedule {
        let blocks = (1..=7)
            .map(|day| WeeklyBlock {
                day_of_week: day,
                start_time: Some(time(from, 0)),
                end_time: Some(time(to, 0)),
                ..Default::default()
            })
            .collect();
        self.schedules()
            .await
            .set_doctor_schedule(authed(
                SetDoctorScheduleRequest {
                    doctor_id: doctor_id.into(),
                    specialty: specialty.into(),
                    location: location.into(),
                    blocks,
                },
                &self.admin,
            ))
            .await
            .expect("set schedule")
            .into_inner()
            .schedule
            .unwrap()
    }

    pub async fn book(
        &self,
        token: &str,
        service: &str,
        doctor: &str,
        start: prost_types::Timestamp,
    ) -> Result<Appointment, Status> {
        self.book_for(token, "", service, doctor, start).await
    }

    pub async fn book_for(
        &self,
        token: &str,
        patient: &str,
        service: &str,
        doctor: &str,
        start: prost_types::Timestamp,
    ) -> Result<Appointment, Status> {
        self.appointments()
            .await
            .book_appointment(authed(
                BookAppointmentRequest {
                    service_id: service.into(),
                    doctor_id: doctor.into(),
                    start_time: Some(start),
                    reason: "check-up".into(),
                    patient_id: patient.into(),
                },
                token,
            ))
            .await
            .map(|r| r.into_inner().appointment.unwrap())
    }

    /// Cancels an appointment as the holder of `token`.
    pub async fn cancel(&self, token: &str, appointment_id: &str, reason: &str) -> Result<Appointment, Status> {
        self.appointments()
            .await
            .cancel_appointment(authed(
                CancelAppointmentRequest { appointment_id: appointment_id.into(), reason: reason.into() },
                token,
            ))
            .await
            .map(|r| r.into_inner().appointment.unwrap())
    }

    /// A direct connection to the service's database, for checks at rest.
    pub async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db.url).await.unwrap()
    }

    /// The holds of an appointment: (the doctor's, the patient's).
    pub async fn holds(&self, appointment_id: &str) -> (i64, i64) {
        use sqlx::Row;
        let pool = self.sql().await;
        let mut counts = [0; 2];
        for (count, table) in counts.iter_mut().zip(["doctor_holds", "patient_holds"]) {
            let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE appointment_id = ?");
            *count = sqlx::query(&sql).bind(appointment_id).fetch_one(&pool).await.unwrap().try_get("n").unwrap();
        }
        (counts[0], counts[1])
    }

    /// Pairs of live appointments of one doctor or one patient that overlap.
    pub async fn double_bookings(&self) -> i64 {
        use sqlx::Row;
        let pool = self.sql().await;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM appointments a JOIN appointments b ON a.id < b.id \
             AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id) \
             AND a.start_at < b.end_at AND b.start_at < a.end_at \
             WHERE a.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR') \
             AND b.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        row.try_get("n").unwrap()
    }
}

async fn start_notification(auth: &AuthConfig) -> Notification {
    let dir = tempfile::tempdir().unwrap();
    let sms = SmsSink::start().await;
    let config = NotificationConfig {
        store_url: format!("sqlite://{}", dir.path().join("notification.db").display()),
        email: EmailConfig { mode: EmailMode::File, file_dir: dir.path().join("mail"), ..EmailConfig::default() },
        sms: SmsConfig {
            provider: SmsProviderKind::Twilio,
            base_url: sms.base_url(),
            account_sid: "ACappointments".into(),
            auth_token: Some(SecretString::from("appointment-tests-sms-token")),
            from: "HMS".into(),
            timeout_ms: 2_000,
        },
        worker: WorkerConfig {
            poll_interval_ms: 20,
            base_backoff_ms: 50,
            max_backoff_ms: 200,
            ..WorkerConfig::default()
        },
        encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
        ..NotificationConfig::default()
    };
    let built = hms_notification::build(&config, auth).await.expect("build notification service");
    let server = TestServer::start(built.service, built.verifier).await;
    let worker = tokio::spawn(built.worker.run(std::future::pending()));
    Notification { server, sms, worker, _dir: dir }
}

impl Drop for Notification {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

async fn login(url: &str, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await.unwrap();
    login.into_inner().tokens.unwrap().access_token
}

/// Runs each named test on SQLite and on MySQL/MariaDB.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(hms_kit::testing::Relational::Sqlite).await } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(hms_kit::testing::Relational::MySql).await } )*
        }
    };
}
