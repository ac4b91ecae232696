//! `hms up` as the outside probe of issue #21 saw it: the initial
//! administrator is ready and printed with the banner, the data is readable
//! by its owner only, and a client cannot choose its own address.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::{DeliveryStatus, ListDeliveriesRequest, NotificationType};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{
    AuthEventKind, ConfirmPasswordResetRequest, ListAuthEventsRequest, LoginRequest, RegisterRequest,
    RequestPasswordResetRequest,
};
use tonic::Code;
use tonic::transport::Channel;

struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What `hms up` printed up to the end of its banner (log lines left out).
struct Banner {
    lines: Vec<String>,
}

impl Banner {
    /// The value printed after `label` on a line of the banner.
    fn value(&self, label: &str) -> Option<String> {
        self.lines.iter().find_map(|line| {
            let rest = line.trim().strip_prefix(label)?;
            rest.split_whitespace().next().map(|v| v.trim_start_matches("grpc://").trim_start_matches("http://").into())
        })
    }
}

/// Starts `hms up` on ephemeral ports with `env`, and reads its output to
/// the banner's last line.
fn start(data_dir: &Path, env: &[(&str, &str)]) -> (Up, Banner) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hms"));
    command.arg("up").env("HMS_DATA_DIR", data_dir).env("HMS_TELEMETRY__LOG_FORMAT", "json");
    for service in ["USER", "NOTIFICATION", "APPOINTMENT", "EHR", "PHARMACY", "LABORATORY", "BILLING", "ADMIN"] {
        command.env(format!("HMS_{service}__SERVER__LISTEN"), "127.0.0.1:0");
    }
    command.env("HMS_GATEWAY__LISTEN", "127.0.0.1:0");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start hms up");
    let stdout = child.stdout.take().unwrap();
    let mut output = BufReader::new(stdout).lines();
    let mut lines = Vec::new();
    loop {
        let line = output.next().expect("hms up printed its banner").unwrap();
        if line.starts_with('{') {
            continue; // a JSON log line
        }
        let last = line.starts_with("Try:");
        lines.push(line);
        if last {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in output {});
    (Up(child), Banner { lines })
}

async fn users(address: &str) -> UserServiceClient<Channel> {
    UserServiceClient::connect(format!("http://{address}")).await.expect("connect")
}

fn login(username: &str, password: &str) -> LoginRequest {
    LoginRequest { username: username.into(), password: password.into() }
}

fn authed<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// Defect 8: a script that acts on the banner finds the generated password
/// in it, and the administrator already exists.
#[tokio::test]
async fn the_banner_prints_the_generated_administrator_who_can_log_in_at_once() {
    let data = tempfile::tempdir().unwrap();
    let (_up, banner) = start(data.path(), &[]);
    let up_line = banner.lines.iter().position(|l| l.starts_with("HMS is up")).expect("the banner");
    let password_line = banner.lines.iter().position(|l| l.trim().starts_with("password"));
    assert!(password_line.is_some_and(|line| line > up_line), "no password in the banner: {:#?}", banner.lines);
    let username = banner.value("username").unwrap();
    let password = banner.value("password").unwrap();
    assert_eq!(username, "admin");

    // No retries: the banner is the promise that everything is ready.
    let gateway = banner.value("gateway").unwrap();
    users(&gateway).await.login(login(&username, &password)).await.expect("the administrator logs in");
}

/// Defect 6: the data directory, the stores with their logs, and the mail
/// are the owner's alone.
#[cfg(unix)]
#[tokio::test]
async fn data_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let (up, banner) = start(&data, &[("HMS_USER__INITIAL_ADMIN__PASSWORD", "up-security-admin")]);
    let gateway = banner.value("gateway").unwrap();
    let mut users = users(&gateway).await;
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
    // The welcome email is written last, after writes to the user and
    // notification stores.
    let mail = data.join("mail");
    let mut delivered = false;
    for _ in 0..200 {
        let eml = std::fs::read_dir(&mail).ok().and_then(|mut entries| {
            entries.find(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml")))
        });
        delivered = eml.is_some();
        if delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(delivered, "a welcome email in data/mail");

    let mut modes = BTreeMap::new();
    let mut pending = vec![data.clone()];
    while let Some(dir) = pending.pop() {
        modes.insert(dir.clone(), std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                modes.insert(path.clone(), std::fs::metadata(&path).unwrap().permissions().mode() & 0o777);
            }
        }
    }
    drop(up);
    assert!(modes.keys().any(|p| p.to_string_lossy().ends_with("user.db-wal")), "{modes:#?}");
    let wrong: Vec<_> = modes
        .iter()
        .filter(|(path, mode)| **mode != if path.is_dir() { 0o700 } else { 0o600 })
        .map(|(path, mode)| format!("{} {mode:o}", path.display()))
        .collect();
    assert!(wrong.is_empty(), "directories must be 0700 and files 0600: {wrong:#?}");
}

/// The reset link in the first email of `mail` that has one, decoded.
fn reset_link_in(mail: &Path) -> Option<String> {
    for entry in std::fs::read_dir(mail).ok()? {
        let raw = std::fs::read(entry.ok()?.path()).ok()?;
        let parsed = mailparse::parse_mail(&raw).ok()?;
        for part in parsed.subparts.iter().chain(std::iter::once(&parsed)) {
            if part.ctype.mimetype == "text/plain"
                && let Some(link) = part.get_body().ok()?.split_whitespace().find(|w| w.contains("token="))
            {
                return Some(link.to_owned());
            }
        }
    }
    None
}

/// Defect 2: after a password reset, no store file holds the token readable:
/// not the user service's outbox, not the notification queue, not its
/// delivery log. Only the email (data/mail stands in for the mailbox) has it.
#[tokio::test]
async fn a_password_reset_leaves_no_readable_token_in_any_store_file() {
    let data = tempfile::tempdir().unwrap();
    let (up, banner) = start(data.path(), &[("HMS_USER__INITIAL_ADMIN__PASSWORD", "up-security-admin")]);
    let gateway = banner.value("gateway").unwrap();
    let mut users = users(&gateway).await;
    let register = RegisterRequest {
        username: "binh.tran".into(),
        password: "correct horse battery".into(),
        email: "binh@example.com".into(),
        first_name: "Binh".into(),
        ..Default::default()
    };
    users.register(register).await.unwrap();
    users.request_password_reset(RequestPasswordResetRequest { email: "binh@example.com".into() }).await.unwrap();

    let mail = data.path().join("mail");
    let mut link = None;
    for _ in 0..200 {
        link = reset_link_in(&mail);
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let link = link.expect("a reset email in data/mail");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // Wait until the delivery is recorded as sent: its record is final then.
    let admin = users.login(login("admin", "up-security-admin")).await.unwrap().into_inner().tokens.unwrap();
    let mut notifications = NotificationServiceClient::connect(format!("http://{gateway}")).await.unwrap();
    let mut logged = None;
    for _ in 0..200 {
        let request = ListDeliveriesRequest {
            r#type: NotificationType::PasswordResetRequested.into(),
            status: DeliveryStatus::Sent.into(),
            ..Default::default()
        };
        let deliveries = notifications.list_deliveries(authed(request, &admin.access_token)).await.unwrap();
        logged = deliveries.into_inner().deliveries.into_iter().next();
        if logged.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logged = logged.expect("the reset email is logged as sent");
    assert!(!logged.body.contains(&token) && logged.body.contains("?[redacted]"), "{}", logged.body);

    let mut searched = Vec::new();
    let mut pending = vec![data.path().to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path == mail {
                continue;
            } else if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                    "the reset token is readable in {}",
                    path.display()
                );
                searched.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    for store in ["user.db", "user.db-wal", "notification.db", "notification.db-wal"] {
        assert!(searched.iter().any(|f| f == store), "{store} was searched: {searched:?}");
    }

    // And it is the real token: it resets the password.
    let confirm = ConfirmPasswordResetRequest { token, new_password: "a fresh new secret".into() };
    users.confirm_password_reset(confirm).await.unwrap();
    users.login(login("binh.tran", "a fresh new secret")).await.unwrap();
    drop(up);
}

/// Defect 5: neither a service nor the gateway believes a client's
/// `x-forwarded-for`, so rotating it escapes no throttle and writes nothing
/// into the audit trail.
#[tokio::test]
async fn rotating_forwarded_addresses_neither_escape_the_throttle_nor_reach_the_audit() {
    let data = tempfile::tempdir().unwrap();
    let env = [("HMS_USER__INITIAL_ADMIN__PASSWORD", "up-security-admin"), ("HMS_USER__MAX_FAILURES_PER_ADDRESS", "3")];
    let (_up, banner) = start(data.path(), &env);
    let (user, gateway) = (banner.value("user service").unwrap(), banner.value("gateway").unwrap());
    let admin = users(&user).await.login(login("admin", "up-security-admin")).await.unwrap();
    let admin = admin.into_inner().tokens.unwrap().access_token;

    let spoofed = |n: usize| {
        let mut request = tonic::Request::new(login(&format!("guess{n}"), "wrong password!"));
        request.metadata_mut().insert("x-forwarded-for", format!("198.51.100.{n}").parse().unwrap());
        request
    };
    let mut direct = users(&user).await;
    for n in 0..3 {
        assert_eq!(direct.login(spoofed(n)).await.unwrap_err().code(), Code::Unauthenticated);
    }
    for address in [&user, &gateway] {
        let refused = users(address).await.login(spoofed(9)).await.unwrap_err();
        assert_eq!(refused.code(), Code::ResourceExhausted, "through {address}: {refused:?}");
    }

    let request = ListAuthEventsRequest { kind: AuthEventKind::LoginFailed.into(), ..Default::default() };
    let events = direct.list_auth_events(authed(request, &admin)).await.unwrap().into_inner().events;
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.client_address == "127.0.0.1"), "{events:#?}");
}
