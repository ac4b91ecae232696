//! The dashboard summary against the real upstream services on SQLite: each
//! tile shows the figures of a little data; a stopped service empties its
//! own tile (UNAVAILABLE) and a service that never answers its tile
//! (DEADLINE_EXCEEDED), while the other tiles and the call still succeed.

mod common;

use common::{Harness, PASSWORD, authed, login, start_user, value};
use hms_admin::AdminConfig;
use hms_kit::crypto::EncryptionConfig;
use hms_kit::proto::admin::admin_service_client::AdminServiceClient;
use hms_kit::proto::admin::{
    GetDashboardSummaryRequest, GetDashboardSummaryResponse, TileStatus, UpdateSystemConfigurationRequest,
};
use hms_kit::proto::appointment::AppointmentStatus;
use hms_kit::proto::billing::{ClaimStatus, CurrencyAmount};
use hms_kit::proto::user::RegisterRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::testing::{self, Relational, TestDb, TestServer};
use tonic::Code;

/// Every service the dashboard reads, on SQLite, with a little data.
struct System {
    user: TestServer,
    _user_db: TestDb,
    appointment: TestServer,
    appointment_db: TestDb,
    billing: Option<TestServer>,
    billing_db: TestDb,
    notification: TestServer,
    _notification_dir: tempfile::TempDir,
    admin: TestServer,
    _admin_db: TestDb,
    admin_token: String,
}

async fn execute(url: &str, statements: &[String]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for statement in statements {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
}

async fn start(dashboard_timeout_ms: u64, notification_url: Option<String>) -> System {
    let (user, user_db, auth) = start_user().await;

    let appointment_db = testing::database(Relational::Sqlite).await.unwrap();
    let config = hms_appointment::AppointmentConfig {
        database_url: appointment_db.url.clone(),
        ..hms_appointment::AppointmentConfig::default()
    };
    let built = hms_appointment::build(&config, &auth).await.unwrap();
    let appointment = TestServer::start(built.service, built.verifier).await;

    let billing_db = testing::database(Relational::Sqlite).await.unwrap();
    let config = hms_billing::BillingConfig {
        database_url: billing_db.url.clone(),
        encryption: EncryptionConfig::random().unwrap(),
        ..hms_billing::BillingConfig::default()
    };
    let built = hms_billing::build(&config, &auth).await.unwrap();
    let billing = TestServer::start(built.service, built.verifier).await;

    let dir = tempfile::tempdir().unwrap();
    let config = hms_notification::NotificationConfig {
        store_url: format!("sqlite://{}", dir.path().join("n.db").display()),
        encryption: EncryptionConfig::random().unwrap(),
        workers_enabled: false,
        ..hms_notification::NotificationConfig::default()
    };
    let built = hms_notification::build(&config, &auth).await.unwrap();
    let notification = TestServer::start(built.service, built.verifier).await;

    let admin_db = testing::database(Relational::Sqlite).await.unwrap();
    let config = AdminConfig {
        database_url: admin_db.url.clone(),
        appointment_url: Some(appointment.url()),
        billing_url: Some(billing.url()),
        notification_url: Some(notification_url.unwrap_or_else(|| notification.url())),
        dashboard_timeout: std::time::Duration::from_millis(dashboard_timeout_ms),
        ..AdminConfig::default()
    };
    let built = hms_admin::build(&config, &auth).await.unwrap();
    let admin = TestServer::start(built.service, built.verifier).await;
    let admin_token = login(&user.url(), "admin", common::ADMIN_PASSWORD).await;
    System {
        user,
        _user_db: user_db,
        appointment,
        appointment_db,
        billing: Some(billing),
        billing_db,
        notification,
        _notification_dir: dir,
        admin,
        _admin_db: admin_db,
        admin_token,
    }
}

impl System {
    async fn summary(&self) -> GetDashboardSummaryResponse {
        let mut client = AdminServiceClient::connect(self.admin.url()).await.unwrap();
        client
            .get_dashboard_summary(authed(GetDashboardSummaryRequest {}, &self.admin_token))
            .await
            .unwrap()
            .into_inner()
    }

    /// A patient who registers now, two appointments starting now (one
    /// cancelled), an invoice of 1000 VND with 400 paid, and a claim.
    async fn populate(&self) {
        let mut users = UserServiceClient::connect(self.user.url()).await.unwrap();
        users
            .register(RegisterRequest {
                username: "new.patient".into(),
                password: PASSWORD.into(),
                email: "new.patient@example.com".into(),
                first_name: "New".into(),
                last_name: "Patient".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let now = jiff::Timestamp::now().as_second();
        let appointment = |id: &str, status: &str| {
            format!(
                "INSERT INTO appointments (id, patient_id, doctor_id, service_id, start_at, end_at, status, reason, \
                 doctor_notes, cancellation_reason, cancelled_by, reschedule_count, location, created_at, updated_at) \
                 VALUES ('{id}', 'p1', 'd1', 's1', {now}, {}, '{status}', '', '', '', '', 0, '', {now}, {now})",
                now + 1800
            )
        };
        execute(&self.appointment_db.url, &[appointment("a1", "CONFIRMED"), appointment("a2", "CANCELLED_PATIENT")])
            .await;
        let micros = hms_kit::time::now_micros();
        execute(
            &self.billing_db.url,
            &[
                format!(
                    "INSERT INTO invoices (id, invoice_number, patient_id, issue_date, due_date, currency, subtotal, \
                 discount, tax, total, paid_patient, status, source_type, created_at, updated_at) VALUES \
                 ('i1', 'INV-1', 'p1', '2026-01-01', '2026-01-31', 'VND', 1000, 0, 0, 1000, 400, 'OVERDUE', \
                 'MANUAL', {micros}, {micros})"
                ),
                format!(
                    "INSERT INTO payments (id, invoice_id, patient_id, amount, method, status, idempotency_key, \
                 fingerprint, created_at, updated_at) VALUES ('y1', 'i1', 'p1', 400, 'CASH', 'SUCCESS', 'k1', 'f', \
                 {micros}, {micros})"
                ),
                format!(
                    "INSERT INTO claims (id, claim_number, invoice_id, policy_id, patient_id, company_key, \
                 claim_amount, status, created_at, updated_at) VALUES ('c1', 'CLM-1', 'i1', 'pol1', 'p1', 'acme', \
                 600, 'SUBMITTED', {micros}, {micros})"
                ),
            ],
        )
        .await;
    }
}

#[track_caller]
fn fresh(status: Option<&TileStatus>) {
    let status = status.expect("a tile status");
    assert!(status.as_of_time.is_some() && status.error_code.is_empty(), "{status:?}");
}

fn vnd(amount: i64, count: i64) -> Vec<CurrencyAmount> {
    vec![CurrencyAmount { currency: "VND".into(), amount, count }]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tiles_show_each_service_and_a_stopped_one_degrades_only_its_tile() {
    let mut system = start(2_000, None).await;
    system.populate().await;

    let summary = system.summary().await;
    assert_eq!(summary.time_zone, "Asia/Ho_Chi_Minh");
    let tile = summary.appointments.unwrap();
    fresh(tile.status.as_ref());
    let stats = tile.stats.unwrap();
    let today = stats.today.unwrap();
    let count =
        |status: AppointmentStatus| today.counts.iter().find(|c| c.status == i32::from(status)).map_or(-1, |c| c.count);
    assert_eq!(count(AppointmentStatus::Confirmed), 1);
    assert_eq!(count(AppointmentStatus::CancelledPatient), 1);
    assert_eq!(count(AppointmentStatus::Completed), 0);
    // The cancelled one does not hold its slot.
    assert_eq!(today.booked_minutes, 30);
    assert_eq!(stats.week.unwrap().booked_minutes, 30);

    let tile = summary.billing.unwrap();
    fresh(tile.status.as_ref());
    let stats = tile.stats.unwrap();
    assert_eq!(stats.revenue_today, vnd(400, 1));
    assert_eq!(stats.revenue_week, vnd(400, 1));
    assert_eq!(stats.outstanding, vnd(600, 1));
    assert_eq!(stats.overdue, vnd(600, 1));
    let submitted = stats.claims.iter().find(|c| c.status == i32::from(ClaimStatus::Submitted)).unwrap();
    assert_eq!(submitted.count, 1);
    assert_eq!(stats.claims.len(), 8, "every claim status");

    let tile = summary.notifications.unwrap();
    fresh(tile.status.as_ref());
    assert_eq!(tile.stats.unwrap().failed_last_week, 0);

    let tile = summary.patients.unwrap();
    fresh(tile.status.as_ref());
    let stats = tile.stats.unwrap();
    assert_eq!((stats.new_patients_today, stats.new_patients_week), (1, 1), "the admin is no patient");

    // Billing stops: its tile says so, the others still answer.
    system.billing.take().unwrap().abort().await;
    let summary = system.summary().await;
    let billing = summary.billing.unwrap();
    let status = billing.status.unwrap();
    assert_eq!(status.error_code, "UNAVAILABLE", "{status:?}");
    assert!(status.as_of_time.is_none() && billing.stats.is_none());
    fresh(summary.appointments.unwrap().status.as_ref());
    fresh(summary.notifications.unwrap().status.as_ref());
    fresh(summary.patients.unwrap().status.as_ref());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_service_that_never_answers_costs_its_tile_the_deadline_only() {
    // A listener that accepts connections and never speaks.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let system = start(300, Some(url)).await;
    let started = std::time::Instant::now();
    let summary = system.summary().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    let status = summary.notifications.unwrap().status.unwrap();
    assert_eq!(status.error_code, "DEADLINE_EXCEEDED", "{status:?}");
    fresh(summary.appointments.unwrap().status.as_ref());
    fresh(summary.patients.unwrap().status.as_ref());
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_admins_see_the_dashboard() {
    let system = start(2_000, None).await;
    let mut users = UserServiceClient::connect(system.user.url()).await.unwrap();
    users
        .register(RegisterRequest {
            username: "curious".into(),
            password: PASSWORD.into(),
            email: "curious@example.com".into(),
            first_name: "C".into(),
            last_name: "P".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let token = login(&system.user.url(), "curious", PASSWORD).await;
    let mut client = AdminServiceClient::connect(system.admin.url()).await.unwrap();
    let refused = client.get_dashboard_summary(authed(GetDashboardSummaryRequest {}, &token)).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let _ = &system.appointment;
    let _ = &system.notification;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unconfigured_services_say_so_and_days_follow_the_clinic_zone() {
    // The admin service with no upstream addresses: only the user service
    // (the one that issues tokens) is known.
    let h = Harness::start(Relational::Sqlite).await.unwrap();
    let mut client = h.admin_client().await;
    let summary =
        client.get_dashboard_summary(authed(GetDashboardSummaryRequest {}, h.admin())).await.unwrap().into_inner();
    for status in
        [summary.appointments.unwrap().status, summary.billing.unwrap().status, summary.notifications.unwrap().status]
    {
        let status = status.unwrap();
        assert_eq!(status.error_code, "NOT_CONFIGURED", "{status:?}");
    }
    fresh(summary.patients.unwrap().status.as_ref());
    assert_eq!(summary.time_zone, "Asia/Ho_Chi_Minh", "the default zone");

    // An admin moves the clinic: the dashboard's days are its new zone's.
    let request = UpdateSystemConfigurationRequest {
        key: "clinic.time_zone".into(),
        value: Some(value(serde_json::json!("Pacific/Kiritimati"))),
        expected_version: 0,
        reason: String::new(),
    };
    client.update_system_configuration(authed(request, h.admin())).await.unwrap();
    let summary =
        client.get_dashboard_summary(authed(GetDashboardSummaryRequest {}, h.admin())).await.unwrap().into_inner();
    assert_eq!(summary.time_zone, "Pacific/Kiritimati");
    let zone = jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let date = summary.date.unwrap();
    assert_eq!(
        (date.year, date.month, date.day),
        (i32::from(today.year()), i32::from(today.month()), i32::from(today.day()))
    );
}
