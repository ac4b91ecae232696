//! A small HMS for appointment tests: the real user service (tokens, staff
//! accounts) on SQLite and the appointment service on the backend under test,
//! both served on 127.0.0.1:0.

#![allow(dead_code)]

mod requests;

use hms_appointment::AppointmentConfig;
use hms_kit::config::AuthConfig;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{
    Channel as NotificationChannel, Delivery, NotificationType, PreferenceRule, Preferences, UpdatePreferencesRequest,
};
use hms_kit::testing::sms::{Received, SmsSink};
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use hms_testkit::admin::AdminService;
use hms_testkit::users::{UserService, create_user, patient_request, phone_number, register, staff_request};
use tonic::Status;
use tonic::transport::Channel;

pub use self::requests::*;
// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::{ADMIN_PASSWORD, PASSWORD, SERVICE_SECRET as SECRET, login, on_every_backend};

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

/// The notification service (SQLite store, file mailer, an HTTP SMS provider
/// served by the test) and its worker.
struct Notification {
    service: hms_testkit::notification::Notification,
    sms: SmsSink,
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

async fn start_appointment(config: &AppointmentConfig, auth: &AuthConfig) -> (TestServer, Running) {
    let built = hms_appointment::build(config, auth).await.expect("build appointment service").serving();
    let (stop, stopping) = hms_kit::server::Stopping::new();
    let tasks = built.workers.start(stopping);
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
        let UserService { server: user, db: user_db, auth, .. } = UserService::start_with(|_| {}).await;
        let notification = if notifications { Some(start_notification(&auth).await) } else { None };
        let admin_service = if admin_service { Some(AdminService::start(&auth).await) } else { None };
        let mut config = AppointmentConfig {
            database_url: db.url.clone(),
            notification_url: notification.as_ref().map(|n| n.service.url()),
            admin_url: admin_service.as_ref().map(|a| a.url()),
            outbox_poll: std::time::Duration::from_millis(50),
            reminder_poll: std::time::Duration::from_millis(200),
            ..AppointmentConfig::default()
        };
        adjust(&mut config);
        let (server, workers) = start_appointment(&config, &auth).await;
        let admin = hms_testkit::admin_token(&user.url()).await;
        Some(Self { user, _user_db: user_db, server, db, config, auth, admin, workers, notification, admin_service })
    }

    /// Kills the appointment service abruptly, as a crash would, and starts it
    /// again on the same database.
    pub async fn crash_and_restart(&mut self) {
        self.workers.abort();
        let (server, workers) = start_appointment(&self.config, &self.auth).await;
        std::mem::replace(&mut self.server, server).abort().await;
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
        let admin = self.admin_service.as_ref().expect("started with the admin service");
        admin.configure(&self.admin, key, value, expected_version).await;
    }

    /// The caller's in-app inbox in the notification service.
    pub async fn inbox(&self, token: &str) -> Vec<Delivery> {
        hms_testkit::notification::inbox(&self.notification_url(), token).await
    }

    /// Turns SMS on for one type of the caller's notifications (SMS is opt-in).
    pub async fn turn_on_sms(&self, token: &str, kind: NotificationType) {
        let mut client = NotificationServiceClient::connect(self.notification_url()).await.unwrap();
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
        hms_testkit::notification::arrived(&self.notification_url(), token, kind, count).await
    }

    fn notification_url(&self) -> String {
        self.notification.as_ref().expect("started with notifications").service.url()
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
        let request = hms_kit::proto::user::CreateUserRequest {
            first_name: "Dr".into(),
            last_name: username.rsplit('.').next().unwrap_or(username).into(),
            ..staff_request(username, role)
        };
        create_user(&self.user.url(), &self.admin, request).await
    }

    /// A self-registered patient; returns (user id, access token).
    pub async fn patient(&self, username: &str) -> (String, String) {
        let request =
            hms_kit::proto::user::RegisterRequest { phone_number: phone_number("+8491"), ..patient_request(username) };
        register(&self.user.url(), request).await
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
        hms_testkit::sql(&self.db).await
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
    let sms = SmsSink::start().await;
    Notification { service: hms_testkit::notification::Notification::start(auth, Some(sms.base_url())).await, sms }
}
