//! End to end under `hms up`: once a session is revoked (logout, refresh
//! token reuse, password change, deactivation), its access token is refused
//! within 2 s through the gateway and directly at every service.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hms_kit::proto::appointment::ListMyAppointmentsRequest;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::billing::ListPatientInvoicesRequest;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::ehr::ListRecordAccessRequest;
use hms_kit::proto::ehr::ehr_service_client::EhrServiceClient;
use hms_kit::proto::notification::GetUnreadCountRequest;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::pharmacy::ListPatientPrescriptionsRequest;
use hms_kit::proto::pharmacy::pharmacy_service_client::PharmacyServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::*;
use tonic::transport::Channel;
use tonic::{Code, Status};

const ADMIN_PASSWORD: &str = "revocation-up-admin-password";
const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";
/// How soon a revocation must reach every verifier.
const WITHIN: Duration = Duration::from_secs(2);

struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hms up` on ephemeral ports; returns it and the address of each
/// part by the name it prints (`gateway`, `user`, `billing`, …).
fn start(data_dir: &std::path::Path) -> (Up, BTreeMap<String, String>) {
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
        .env("HMS_TELEMETRY__LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hms up");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut addresses = BTreeMap::new();
    loop {
        let line = lines.next().expect("hms up printed its addresses").unwrap();
        let line = line.trim();
        if line.starts_with("Try:") {
            break;
        }
        let mut words = line.split_whitespace();
        let (Some(name), Some(address)) = (words.next(), words.find(|w| w.contains("://"))) else { continue };
        let address = address.split_once("://").map_or(address, |(_, a)| a);
        addresses.insert(name.to_owned(), format!("http://{address}"));
    }
    std::thread::spawn(move || for _ in lines {});
    (Up(child), addresses)
}

fn authed<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

async fn login(channel: &Channel, username: &str, password: &str) -> TokenPair {
    let mut users = UserServiceClient::new(channel.clone());
    for _ in 0..100 {
        let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await;
        match login {
            Ok(login) => return login.into_inner().tokens.unwrap(),
            // The services may still be starting behind the gateway.
            Err(status) if status.code() == Code::Unavailable => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(status) => panic!("login {username}: {status:?}"),
        }
    }
    panic!("login {username} never succeeded");
}

/// One patient call on each service, through the gateway and directly.
struct Probes {
    /// (where, service, channel)
    targets: Vec<(String, &'static str, Channel)>,
    patient_id: String,
}

impl Probes {
    async fn new(addresses: &BTreeMap<String, String>, patient_id: &str) -> Self {
        let connect = |url: &String| Channel::from_shared(url.clone()).unwrap().connect_lazy();
        let gateway = connect(&addresses["gateway"]);
        let mut targets = Vec::new();
        for service in ["user", "appointment", "ehr", "pharmacy", "billing", "notification"] {
            targets.push(("gateway".to_owned(), service, gateway.clone()));
            targets.push((format!("{service} service"), service, connect(&addresses[service])));
        }
        Self { targets, patient_id: patient_id.to_owned() }
    }

    async fn call(&self, service: &str, channel: &Channel, token: &str) -> Result<(), Status> {
        let channel = channel.clone();
        let patient_id = self.patient_id.clone();
        match service {
            "user" => UserServiceClient::new(channel).get_me(authed(GetMeRequest {}, token)).await.map(drop),
            "appointment" => AppointmentServiceClient::new(channel)
                .list_my_appointments(authed(ListMyAppointmentsRequest::default(), token))
                .await
                .map(drop),
            "ehr" => EhrServiceClient::new(channel)
                .list_record_access(authed(ListRecordAccessRequest { patient_id, page: None }, token))
                .await
                .map(drop),
            "pharmacy" => PharmacyServiceClient::new(channel)
                .list_patient_prescriptions(authed(ListPatientPrescriptionsRequest { patient_id, page: None }, token))
                .await
                .map(drop),
            "billing" => BillingServiceClient::new(channel)
                .list_patient_invoices(authed(ListPatientInvoicesRequest { patient_id, ..Default::default() }, token))
                .await
                .map(drop),
            "notification" => NotificationServiceClient::new(channel)
                .get_unread_count(authed(GetUnreadCountRequest {}, token))
                .await
                .map(drop),
            other => unreachable!("no probe for {other}"),
        }
    }

    /// Every target serves the token (retrying while services start).
    async fn accepted(&self, token: &str, why: &str) {
        for (place, service, channel) in &self.targets {
            let mut attempts = 0;
            loop {
                match self.call(service, channel, token).await {
                    Ok(()) => break,
                    Err(status) if status.code() == Code::Unavailable && attempts < 100 => {
                        attempts += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(status) => panic!("{why}: {service} at {place} refused a live token: {status:?}"),
                }
            }
        }
    }

    /// Every target answers UNAUTHENTICATED within [`WITHIN`] of `since`.
    async fn refused(&self, token: &str, since: Instant, why: &str) {
        for (place, service, channel) in &self.targets {
            loop {
                let result = self.call(service, channel, token).await;
                if matches!(&result, Err(status) if status.code() == Code::Unauthenticated) {
                    break;
                }
                assert!(
                    since.elapsed() < WITHIN,
                    "{why}: {service} at {place} still answered {result:?} {:?} after the revocation",
                    since.elapsed()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test]
async fn revoked_sessions_are_refused_everywhere_within_two_seconds() {
    let data = tempfile::tempdir().unwrap();
    let (_up, addresses) = start(data.path());
    let gateway = Channel::from_shared(addresses["gateway"].clone()).unwrap().connect().await.unwrap();
    let mut users = UserServiceClient::new(gateway.clone());
    let admin = login(&gateway, "admin", ADMIN_PASSWORD).await.access_token;
    let patient_id = users
        .register(RegisterRequest {
            username: "le.thi.hoa".into(),
            password: PASSWORD.into(),
            email: "hoa@example.com".into(),
            first_name: "Hoa".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap()
        .id;
    let probes = Probes::new(&addresses, &patient_id).await;

    // Logout.
    let session = login(&gateway, "le.thi.hoa", PASSWORD).await;
    probes.accepted(&session.access_token, "before logout").await;
    users.logout(authed(LogoutRequest {}, &session.access_token)).await.unwrap();
    probes.refused(&session.access_token, Instant::now(), "logout").await;

    // A refresh token presented again after its successor was used revokes its whole family.
    let session = login(&gateway, "le.thi.hoa", PASSWORD).await;
    let rotated = users
        .refresh_token(RefreshTokenRequest { refresh_token: session.refresh_token.clone() })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    probes.accepted(&session.access_token, "before refresh reuse").await;
    probes.accepted(&rotated.access_token, "before refresh reuse").await;
    // Its successor used, the first token again is no retry of a lost answer.
    let rotated = users
        .refresh_token(RefreshTokenRequest { refresh_token: rotated.refresh_token })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let reuse = users.refresh_token(RefreshTokenRequest { refresh_token: session.refresh_token }).await;
    assert_eq!(reuse.unwrap_err().code(), Code::Unauthenticated);
    let at = Instant::now();
    probes.refused(&session.access_token, at, "refresh reuse").await;
    probes.refused(&rotated.access_token, at, "refresh reuse").await;

    // A password change ends every other session; the changing one goes on.
    let other = login(&gateway, "le.thi.hoa", PASSWORD).await;
    let changing = login(&gateway, "le.thi.hoa", PASSWORD).await;
    probes.accepted(&other.access_token, "before password change").await;
    users
        .change_password(authed(
            ChangePasswordRequest { current_password: PASSWORD.into(), new_password: NEW_PASSWORD.into() },
            &changing.access_token,
        ))
        .await
        .unwrap();
    probes.refused(&other.access_token, Instant::now(), "password change").await;
    probes.accepted(&changing.access_token, "the session that changed the password").await;

    // Deactivation ends every session of the account.
    let session = login(&gateway, "le.thi.hoa", NEW_PASSWORD).await;
    probes.accepted(&session.access_token, "before deactivation").await;
    users
        .set_user_active(authed(SetUserActiveRequest { user_id: patient_id.clone(), active: false }, &admin))
        .await
        .unwrap();
    let at = Instant::now();
    probes.refused(&session.access_token, at, "deactivation").await;
    probes.refused(&changing.access_token, at, "deactivation").await;
}
