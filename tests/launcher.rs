//! `hms up` as a user runs it: starts on embedded stores, serves health,
//! stops on SIGTERM with exit code 0, and keeps its data across restarts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{BatchGetDisplayNamesRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::authed;

const ADMIN_PASSWORD: &str = "launcher-admin-password";

struct Up {
    child: Child,
    addr: String,
    gateway: String,
    appointment_addr: String,
}

fn start(data_dir: &std::path::Path) -> Up {
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
    let (mut addr, mut appointment_addr, mut gateway) = (None, None, None);
    while addr.is_none() || appointment_addr.is_none() || gateway.is_none() {
        let line = lines.next().expect("hms up printed its addresses").unwrap();
        // "  user service   grpc://127.0.0.1:1234", "  gateway   http://127.0.0.1:8080  (REST ...)"
        let address = |rest: &str| {
            rest.split_whitespace()
                .next()
                .map(|a| a.trim_start_matches("grpc://").trim_start_matches("http://").to_owned())
        };
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("user service") {
            addr = address(rest);
        } else if let Some(rest) = line.strip_prefix("appointment service") {
            appointment_addr = address(rest);
        } else if let Some(rest) = line.strip_prefix("gateway") {
            gateway = address(rest);
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Up { child, addr: addr.unwrap(), gateway: gateway.unwrap(), appointment_addr: appointment_addr.unwrap() }
}

fn terminate(mut up: Up) -> std::process::ExitStatus {
    let pid = up.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    for _ in 0..100 {
        if let Some(status) = up.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    up.child.kill().unwrap();
    panic!("hms up did not stop within 10 s of SIGTERM");
}

async fn admin_login(addr: &str) -> Result<(), tonic::Status> {
    let mut client = UserServiceClient::connect(format!("http://{addr}")).await.expect("connect");
    client.login(LoginRequest { username: "admin".into(), password: ADMIN_PASSWORD.into() }).await.map(|_| ())
}

#[tokio::test]
async fn up_serves_stops_cleanly_on_sigterm_and_keeps_data() {
    let data = tempfile::tempdir().unwrap();
    let up = start(data.path());
    admin_login(&up.addr).await.expect("the initial admin can log in");
    admin_login(&up.gateway).await.expect("the initial admin can log in through the gateway");

    // An operator's service token (README: "Service tokens") opens internal methods.
    let minted = Command::new(env!("CARGO_BIN_EXE_hms"))
        .args(["service-token", "operator"])
        .env("HMS_DATA_DIR", data.path())
        .output()
        .expect("run hms service-token");
    assert!(minted.status.success(), "{}", String::from_utf8_lossy(&minted.stderr));
    let service_token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let mut internal = InternalUserServiceClient::connect(format!("http://{}", up.addr)).await.unwrap();
    let request = || BatchGetDisplayNamesRequest { user_ids: vec!["nobody".into()] };
    internal.batch_get_display_names(authed(request(), &service_token)).await.expect("a service token is accepted");
    let refused = internal.batch_get_display_names(request()).await.expect_err("internal without a token");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    let mut catalog = hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient::connect(format!(
        "http://{}",
        up.appointment_addr
    ))
    .await
    .unwrap();
    let listed =
        catalog.list_medical_services(hms_kit::proto::appointment::ListMedicalServicesRequest::default()).await;
    assert!(listed.expect("the appointment service answers").into_inner().services.is_empty());

    // Registration flows through the outbox and the notification service to
    // the file mailer: a welcome email lands in data/mail.
    let mut users = UserServiceClient::connect(format!("http://{}", up.addr)).await.unwrap();
    users
        .register(RegisterRequest {
            username: "an.nguyen".into(),
            password: "correct horse battery".into(),
            email: "an@example.com".into(),
            first_name: "An".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mail = data.path().join("mail");
    let mut found = None;
    for _ in 0..200 {
        found = std::fs::read_dir(&mail).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "eml"))
        });
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let eml = std::fs::read_to_string(found.expect("a welcome email in data/mail")).unwrap();
    assert!(eml.contains("To: an@example.com"), "{eml}");

    // A request in flight when SIGTERM arrives still completes.
    let addr = up.addr.clone();
    let in_flight = tokio::spawn(async move { admin_login(&addr).await });
    tokio::time::sleep(Duration::from_millis(5)).await;
    let status = tokio::task::spawn_blocking(move || terminate(up)).await.unwrap();
    assert!(status.success(), "exit status {status:?}");
    in_flight.await.unwrap().expect("the in-flight login completed");

    assert!(data.path().join("user.db").exists());
    assert!(data.path().join("notification.db").exists());
    assert!(data.path().join("appointment.db").exists());
    assert!(data.path().join("ehr.db").exists());
    assert!(data.path().join("pharmacy.db").exists());
    assert!(data.path().join("laboratory.db").exists());
    assert!(data.path().join("billing.db").exists());
    let secrets = data.path().join("secrets.toml");
    let generated = std::fs::read_to_string(&secrets).unwrap();
    assert!(generated.contains("[ehr.encryption.keys]") && generated.contains("[notification.push]"), "{generated}");
    assert!(generated.contains("[laboratory.encryption.keys]"), "{generated}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let up = start(data.path());
    admin_login(&up.addr).await.expect("data and keys survived the restart");
    let status = tokio::task::spawn_blocking(move || terminate(up)).await.unwrap();
    assert!(status.success(), "exit status {status:?}");
}
