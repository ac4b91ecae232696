//! End to end under `hms up`, everything through the gateway: a doctor
//! completes an appointment → its invoice appears in the patient's list at
//! the catalog price and the patient is notified → the patient pays → PAID.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::billing::{InvoiceStatus, ListPatientInvoicesRequest, PayInvoiceRequest};
use hms_kit::proto::common::{Money, PageRequest, Role};
use hms_kit::proto::google::r#type::TimeOfDay;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{ListNotificationsRequest, NotificationType};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use tonic::transport::Channel;

const ADMIN_PASSWORD: &str = "billing-up-admin-password";
const PASSWORD: &str = "correct horse battery";

struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hms up` on ephemeral ports; returns it and the gateway address.
fn start(data_dir: &std::path::Path) -> (Up, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hms"))
        .arg("up")
        .env("HMS_DATA_DIR", data_dir)
        .env("HMS_USER__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_NOTIFICATION__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_APPOINTMENT__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_EHR__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_PHARMACY__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_LABORATORY__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_BILLING__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_ADMIN__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_GATEWAY__LISTEN", "127.0.0.1:0")
        .env("HMS_USER__INITIAL_ADMIN__PASSWORD", ADMIN_PASSWORD)
        .env("HMS_APPOINTMENT__OUTBOX_POLL", "50")
        .env("HMS_BILLING__OUTBOX_POLL", "50")
        .env("HMS_PHARMACY__OUTBOX_POLL", "50")
        .env("HMS_TELEMETRY__LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hms up");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let gateway = loop {
        let line = lines.next().expect("hms up printed its addresses").unwrap();
        if let Some(rest) = line.trim().strip_prefix("gateway") {
            break rest.split_whitespace().next().unwrap().trim_start_matches("http://").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Up(child), gateway)
}

fn authed<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

async fn login(channel: &Channel, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::new(channel.clone());
    for _ in 0..100 {
        let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await;
        match login {
            Ok(login) => return login.into_inner().tokens.unwrap().access_token,
            // The services may still be starting behind the gateway.
            Err(status) if status.code() == tonic::Code::Unavailable => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(status) => panic!("login {username}: {status:?}"),
        }
    }
    panic!("login {username} never succeeded");
}

#[tokio::test]
async fn completed_appointment_is_invoiced_notified_and_paid_through_the_gateway() {
    let data = tempfile::tempdir().unwrap();
    let (_up, gateway) = start(data.path());
    let channel = Channel::from_shared(format!("http://{gateway}")).unwrap().connect().await.unwrap();
    let admin = login(&channel, "admin", ADMIN_PASSWORD).await;
    let mut users = UserServiceClient::new(channel.clone());
    let doctor_id = users
        .create_user(authed(
            CreateUserRequest {
                username: "dr.lan".into(),
                password: PASSWORD.into(),
                email: "lan@clinic.example".into(),
                role: Role::Doctor.into(),
                first_name: "Lan".into(),
                last_name: "Tran".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap()
        .id;
    let doctor = login(&channel, "dr.lan", PASSWORD).await;
    let patient_id = users
        .register(RegisterRequest {
            username: "mai.nguyen".into(),
            password: PASSWORD.into(),
            email: "mai@example.com".into(),
            first_name: "Mai".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap()
        .id;
    let patient = login(&channel, "mai.nguyen", PASSWORD).await;

    let mut schedules = ScheduleServiceClient::new(channel.clone());
    let service = schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest {
                code: "GEN-CHECKUP".into(),
                service: Some(MedicalServiceInput {
                    name: "General check-up".into(),
                    description: "A general check-up".into(),
                    kind: ServiceKind::GeneralCheckup.into(),
                    duration_minutes: 30,
                    price: Some(Money { amount_minor: 300_000, currency: "VND".into() }),
                    active: true,
                    ..Default::default()
                }),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    let every_day = (1..=7)
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
                blocks: every_day,
            },
            &admin,
        ))
        .await
        .unwrap();
    // Tomorrow 09:00 in Ho Chi Minh City (UTC+7, no daylight saving).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let local_midnight = (now + 7 * 3600).div_euclid(86_400) * 86_400 - 7 * 3600;
    let start = local_midnight + 86_400 + 9 * 3600;
    // The patient's calendar over REST, as a browser reads it: tomorrow's
    // starts only (CALENDAR_VIEW_STARTS), 09:00 among them.
    let tomorrow =
        jiff::Timestamp::from_second(start).unwrap().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    let (year, month, day) = (tomorrow.year(), tomorrow.month(), tomorrow.day());
    let calendar: serde_json::Value = reqwest::Client::new()
        .get(format!("http://{gateway}/api/v1/appointments/services/{}/calendar", service.id))
        .query(&[("start_date.year", year), ("start_date.month", month.into()), ("start_date.day", day.into())])
        .query(&[("end_date.year", year), ("end_date.month", month.into()), ("end_date.day", day.into())])
        .query(&[("view", "CALENDAR_VIEW_STARTS")])
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calendar["duration_minutes"], 30, "{calendar}");
    let doctor_day = &calendar["days"][0]["doctors"][0];
    assert_eq!(doctor_day["doctor_id"], doctor_id.as_str(), "{calendar}");
    assert_eq!(doctor_day["slots"], serde_json::json!([]), "{calendar}");
    let nine = jiff::Timestamp::from_second(start).unwrap().to_string();
    let starts = doctor_day["slot_starts"].as_array().unwrap();
    assert!(starts.iter().any(|s| s.as_str() == Some(nine.as_str())), "{nine} in {starts:?}");

    let mut appointments = AppointmentServiceClient::new(channel.clone());
    let id = appointments
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
        .unwrap()
        .id;
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
            CompleteAppointmentRequest { appointment_id: id.clone(), doctor_notes: String::new() },
            &doctor,
        ))
        .await
        .unwrap();

    let mut billing = BillingServiceClient::new(channel.clone());
    let mut invoice = None;
    for _ in 0..200 {
        let list = billing
            .list_patient_invoices(authed(
                ListPatientInvoicesRequest { patient_id: patient_id.clone(), ..Default::default() },
                &patient,
            ))
            .await
            .unwrap()
            .into_inner();
        invoice = list.invoices.into_iter().next();
        if invoice.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let invoice = invoice.expect("the completed appointment's invoice appears in the patient's list");
    assert_eq!(invoice.source_id, id);
    assert_eq!(invoice.total.as_ref().unwrap().amount_minor, 300_000);

    let mut notifications = NotificationServiceClient::new(channel.clone());
    let mut told = false;
    for _ in 0..200 {
        let inbox = notifications
            .list_notifications(authed(
                ListNotificationsRequest {
                    page: Some(PageRequest { page_size: 100, page_token: String::new() }),
                    unread_only: false,
                },
                &patient,
            ))
            .await
            .unwrap()
            .into_inner()
            .notifications;
        told = inbox
            .iter()
            .any(|n| n.r#type() == NotificationType::InvoiceGenerated && n.body.contains(&invoice.invoice_number));
        if told {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(told, "the patient is told about the invoice");

    let paid = billing
        .pay_invoice(authed(
            PayInvoiceRequest {
                invoice_id: invoice.id.clone(),
                idempotency_key: "up-payment-0001".into(),
                amount: Some(Money { amount_minor: 300_000, currency: "VND".into() }),
                card_token: "tok_ok_4242".into(),
            },
            &patient,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.invoice.unwrap().status(), InvoiceStatus::Paid);
}
