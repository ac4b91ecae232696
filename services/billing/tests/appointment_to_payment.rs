//! End to end across services: user, notification, appointment and billing
//! run together as in `hms up`. Completing an appointment creates its invoice
//! at the catalog price through the appointment service's outbox; the
//! patient is notified, finds it in their list, pays it, and it is PAID.

mod common;

use std::sync::Arc;

use common::*;
use hms_billing::{BillingConfig, Dependencies, Providers, TestProvider, UserServiceCompanies};
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::billing::{InvoiceStatus, ListPatientInvoicesRequest, PayInvoiceRequest, SourceType};
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::google::r#type::TimeOfDay;
use hms_kit::proto::notification::NotificationType;
use hms_kit::testing::{self, Relational, TestServer};

async fn completing_an_appointment_bills_the_patient_who_pays(kind: Relational) {
    let Some(billing_db) = testing::database(kind).await else { return };
    let (user, _user_db, auth) = start_user().await;
    let notification = start_notification(&auth).await;

    // Billing and appointment listen before either starts: each knows the other.
    let billing_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let billing_url = format!("http://{}", billing_listener.local_addr().unwrap());
    let billing_config = BillingConfig {
        database_url: billing_db.url.clone(),
        notification_url: Some(notification.server.url()),
        outbox_poll: std::time::Duration::from_millis(50),
        encryption: encryption(),
        ..BillingConfig::default()
    };
    let deps = Dependencies {
        providers: Providers::new(Arc::new(TestProvider::default())),
        companies: Arc::new(UserServiceCompanies::new(&auth.user_service_url).unwrap()),
    };
    let built = hms_billing::build_with(&billing_config, &auth, deps).await.unwrap();
    let billing_relay = tokio::spawn(built.relay.unwrap().run(std::future::pending()));
    let billing = TestServer::start_on(billing_listener, built.service, built.verifier, Default::default());

    let appointment_db = testing::database(Relational::Sqlite).await.unwrap();
    let appointment_config = hms_appointment::AppointmentConfig {
        database_url: appointment_db.url.clone(),
        notification_url: Some(notification.server.url()),
        billing_url: Some(billing_url),
        outbox_poll: std::time::Duration::from_millis(50),
        ..hms_appointment::AppointmentConfig::default()
    };
    let built = hms_appointment::build(&appointment_config, &auth).await.unwrap().serving();
    let (stop, stopping) = hms_kit::server::Stopping::new();
    let workers = built.workers.start(stopping);
    let appointment = TestServer::start(built.service, built.verifier).await;

    // The cast: an admin, a doctor, a patient.
    let h = People { user_url: user.url() };
    let admin = login(&user.url(), "admin", ADMIN_PASSWORD).await;
    let (doctor_id, doctor) = h.staff(&admin, "dr.lan", Role::Doctor).await;
    let (patient_id, patient) = h.patient("e2e.patient").await;

    let channel = tonic::transport::Channel::from_shared(appointment.url()).unwrap().connect().await.unwrap();
    let mut schedules = ScheduleServiceClient::new(channel.clone());
    let mut appointments = AppointmentServiceClient::new(channel);
    let service = schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest {
                code: "GEN-CHECKUP".into(),
                service: Some(MedicalServiceInput {
                    name: "General check-up".into(),
                    description: "A general check-up".into(),
                    kind: ServiceKind::GeneralCheckup.into(),
                    duration_minutes: 30,
                    price: Some(Money { amount_minor: 250_000, currency: "VND".into() }),
                    specialties: vec![],
                    auto_confirm: false,
                    active: true,
                }),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    let blocks = (1..=7)
        .map(|d| WeeklyBlock {
            day_of_week: d,
            start_time: Some(TimeOfDay { hours: 8, minutes: 0, seconds: 0, nanos: 0 }),
            end_time: Some(TimeOfDay { hours: 17, minutes: 0, seconds: 0, nanos: 0 }),
            ..Default::default()
        })
        .collect();
    schedules
        .set_doctor_schedule(authed(
            SetDoctorScheduleRequest {
                doctor_id: doctor_id.clone(),
                specialty: "General".into(),
                location: "Room 101".into(),
                blocks,
            },
            &admin,
        ))
        .await
        .unwrap();
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let tomorrow = today().checked_add(jiff::Span::new().days(1)).unwrap();
    let start = tomorrow.at(9, 0, 0, 0).to_zoned(zone).unwrap().timestamp().as_second();
    let booked = appointments
        .book_appointment(authed(
            BookAppointmentRequest {
                service_id: service.id.clone(),
                doctor_id: doctor_id.clone(),
                start_time: Some(prost_types::Timestamp { seconds: start, nanos: 0 }),
                reason: "check-up".into(),
                patient_id: String::new(),
            },
            &patient,
        ))
        .await
        .unwrap()
        .into_inner()
        .appointment
        .unwrap();
    let id = booked.id.clone();
    appointments
        .confirm_appointment(authed(ConfirmAppointmentRequest { appointment_id: id.clone() }, &doctor))
        .await
        .unwrap();
    appointments
        .check_in_appointment(authed(CheckInAppointmentRequest { appointment_id: id.clone() }, &doctor))
        .await
        .unwrap();
    appointments
        .complete_appointment(authed(
            CompleteAppointmentRequest { appointment_id: id.clone(), doctor_notes: "healthy".into() },
            &doctor,
        ))
        .await
        .unwrap();

    // The invoice arrives in the patient's list, at the catalog price…
    let mut billing_client = BillingServiceClient::connect(billing.url()).await.unwrap();
    let mut invoice = None;
    for _ in 0..200 {
        let list = billing_client
            .list_patient_invoices(authed(
                ListPatientInvoicesRequest { patient_id: patient_id.clone(), ..Default::default() },
                &patient,
            ))
            .await
            .unwrap()
            .into_inner();
        if let Some(found) = list.invoices.into_iter().next() {
            invoice = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let invoice = invoice.expect("the completed appointment's invoice appears");
    assert_eq!(invoice.source_type(), SourceType::Appointment);
    assert_eq!(invoice.source_id, id);
    assert_eq!(invoice.total.as_ref().unwrap().amount_minor, 250_000);
    assert_eq!(invoice.items[0].description, "General check-up");
    // …and the patient is told.
    let told = arrived(&notification.server.url(), &patient, NotificationType::InvoiceGenerated, 1).await;
    assert!(told[0].body.contains(&invoice.invoice_number), "{:?}", told[0]);

    // Pay: PAID, and a receipt.
    let paid = billing_client
        .pay_invoice(authed(
            PayInvoiceRequest {
                invoice_id: invoice.id.clone(),
                idempotency_key: "e2e-payment-1".into(),
                amount: Some(Money { amount_minor: 250_000, currency: "VND".into() }),
                card_token: "tok_ok_4242".into(),
            },
            &patient,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
    arrived(&notification.server.url(), &patient, NotificationType::PaymentSuccessful, 1).await;

    let _ = stop.send(true);
    for worker in workers {
        worker.abort();
    }
    billing_relay.abort();
}

/// Accounts in the user service.
struct People {
    user_url: String,
}

impl People {
    async fn staff(&self, admin: &str, username: &str, role: Role) -> (String, String) {
        use hms_kit::proto::user::CreateUserRequest;
        use hms_kit::proto::user::user_service_client::UserServiceClient;
        let mut users = UserServiceClient::connect(self.user_url.clone()).await.unwrap();
        let user = users
            .create_user(authed(
                CreateUserRequest {
                    username: username.into(),
                    password: PASSWORD.into(),
                    email: format!("{username}@clinic.example"),
                    role: role.into(),
                    first_name: "Dr".into(),
                    last_name: "Lan".into(),
                    ..Default::default()
                },
                admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user_url, username, PASSWORD).await)
    }

    async fn patient(&self, username: &str) -> (String, String) {
        use hms_kit::proto::user::RegisterRequest;
        use hms_kit::proto::user::user_service_client::UserServiceClient;
        let mut users = UserServiceClient::connect(self.user_url.clone()).await.unwrap();
        let user = users
            .register(RegisterRequest {
                username: username.into(),
                password: PASSWORD.into(),
                email: format!("{username}@example.com"),
                first_name: "Mai".into(),
                last_name: "Nguyen".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .user
            .unwrap();
        (user.id, login(&self.user_url, username, PASSWORD).await)
    }
}

on_every_backend!(completing_an_appointment_bills_the_patient_who_pays);
