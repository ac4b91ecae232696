//! `hms up`: every implemented service in one process on embedded stores
//! (SQLite files under `./data`), each on its own port and calling the others
//! over gRPC exactly as in production. `hms service-token NAME`: a token for
//! calling internal methods by hand.

use std::path::{Path, PathBuf};

use anyhow::Context;
use hms_kit::config::{AuthConfig, Sources};
use hms_kit::server::shutdown_signal;
use tokio::net::TcpListener;
use tokio::sync::watch;

const USAGE: &str = "usage: hms up\n       hms service-token NAME\n\n  \
    up: starts every HMS service on embedded stores under ./data (override with HMS_DATA_DIR).\n  \
    service-token: prints a service token (valid 5 minutes, subject NAME) for internal methods,\n  \
    signed with auth.service_token_secret as `hms up` reads it (data/secrets.toml, HMS_*).\n  \
    Configuration: $HMS_CONFIG (TOML) and HMS_* variables; see README.md#configuration.";

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("up") => up().await,
        Some("service-token") => service_token(std::env::args().nth(2)),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

fn data_dir() -> PathBuf {
    PathBuf::from(std::env::var("HMS_DATA_DIR").unwrap_or_else(|_| "data".into()))
}

/// Prints a service token for an operator calling internal methods (the
/// grpcurl examples), signed with the secret the services of `hms up` use.
/// Reads the secrets file but never creates it.
fn service_token(name: Option<String>) -> anyhow::Result<()> {
    let Some(name) = name.filter(|name| !name.is_empty() && !name.starts_with('-')) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let secrets = data_dir().join("secrets.toml");
    let sources = if secrets.exists() { Sources::with_file_under_env(&secrets)? } else { Sources::load()? };
    let auth: AuthConfig = sources.section("auth")?;
    let secret = auth.service_token_secret.ok_or_else(|| {
        anyhow::anyhow!(
            "no service-token secret: start `hms up` once (it writes {}) or set HMS_AUTH__SERVICE_TOKEN_SECRET",
            secrets.display()
        )
    })?;
    println!("{}", hms_kit::auth::ServiceTokens::new(&name, &secret).token()?);
    Ok(())
}

async fn up() -> anyhow::Result<()> {
    let data_dir = data_dir();
    // The data (stores, mail, secrets) is its owner's alone: the directory
    // 0700, every file in it 0600 (each store and mailer sees to its own).
    hms_kit::files::create_private_dir_all(&data_dir)
        .and_then(|()| hms_kit::files::restrict_to_owner(&data_dir))
        .with_context(|| format!("cannot create {} readable by its owner only", data_dir.display()))?;
    let secrets = ensure_generated_secrets(&data_dir)?;
    let sources = Sources::with_file_under_env(&secrets)?;
    let _telemetry = hms_kit::telemetry::init("hms", &sources.section("telemetry")?)?;
    let auth: AuthConfig = sources.section("auth")?;

    let mut user: hms_user::UserConfig = sources.section("user")?;
    let mut notification: hms_notification::NotificationConfig = sources.section("notification")?;
    // Embedded stores live under the data directory unless configured.
    if user.database_url == hms_user::UserConfig::default().database_url {
        user.database_url = format!("sqlite://{}", data_dir.join("user.db").display());
    }
    let mut appointment: hms_appointment::AppointmentConfig = sources.section("appointment")?;
    if appointment.database_url == hms_appointment::AppointmentConfig::default().database_url {
        appointment.database_url = format!("sqlite://{}", data_dir.join("appointment.db").display());
    }
    let mut ehr: hms_ehr::EhrConfig = sources.section("ehr")?;
    if ehr.store_url == hms_ehr::EhrConfig::default().store_url {
        ehr.store_url = format!("sqlite://{}", data_dir.join("ehr.db").display());
    }
    let mut pharmacy: hms_pharmacy::PharmacyConfig = sources.section("pharmacy")?;
    if pharmacy.store_url == hms_pharmacy::PharmacyConfig::default().store_url {
        pharmacy.store_url = format!("sqlite://{}", data_dir.join("pharmacy.db").display());
    }
    let mut laboratory: hms_laboratory::LaboratoryConfig = sources.section("laboratory")?;
    let laboratory_defaults = hms_laboratory::LaboratoryConfig::default();
    if laboratory.store_url == laboratory_defaults.store_url {
        laboratory.store_url = format!("sqlite://{}", data_dir.join("laboratory.db").display());
    }
    if laboratory.files_dir == laboratory_defaults.files_dir {
        laboratory.files_dir = data_dir.join("laboratory-files");
    }
    let mut billing: hms_billing::BillingConfig = sources.section("billing")?;
    if billing.database_url == hms_billing::BillingConfig::default().database_url {
        billing.database_url = format!("sqlite://{}", data_dir.join("billing.db").display());
    }
    let mut admin: hms_admin::AdminConfig = sources.section("admin")?;
    if admin.database_url == hms_admin::AdminConfig::default().database_url {
        admin.database_url = format!("sqlite://{}", data_dir.join("admin.db").display());
    }
    let notification_defaults = hms_notification::NotificationConfig::default();
    if notification.store_url == notification_defaults.store_url {
        notification.store_url = format!("sqlite://{}", data_dir.join("notification.db").display());
    }
    if notification.email.file_dir == notification_defaults.email.file_dir {
        notification.email.file_dir = data_dir.join("mail");
    }

    // Bind every listener first: each service learns the others' addresses.
    let user_listener = bind("user", user.server.listen).await?;
    let notification_listener = bind("notification", notification.server.listen).await?;
    let appointment_listener = bind("appointment", appointment.server.listen).await?;
    let ehr_listener = bind("ehr", ehr.server.listen).await?;
    let pharmacy_listener = bind("pharmacy", pharmacy.server.listen).await?;
    let laboratory_listener = bind("laboratory", laboratory.server.listen).await?;
    let billing_listener = bind("billing", billing.server.listen).await?;
    let admin_listener = bind("admin", admin.server.listen).await?;
    let user_addr = user_listener.local_addr()?;
    let notification_addr = notification_listener.local_addr()?;
    let appointment_addr = appointment_listener.local_addr()?;
    let ehr_addr = ehr_listener.local_addr()?;
    let pharmacy_addr = pharmacy_listener.local_addr()?;
    let laboratory_addr = laboratory_listener.local_addr()?;
    let billing_addr = billing_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let auth = AuthConfig { user_service_url: format!("http://{user_addr}"), ..auth };
    user.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    user.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    appointment.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    appointment.ehr_url.get_or_insert_with(|| format!("http://{ehr_addr}"));
    appointment.billing_url.get_or_insert_with(|| format!("http://{billing_addr}"));
    appointment.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    pharmacy.ehr_url.get_or_insert_with(|| format!("http://{ehr_addr}"));
    pharmacy.billing_url.get_or_insert_with(|| format!("http://{billing_addr}"));
    pharmacy.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    pharmacy.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    laboratory.ehr_url.get_or_insert_with(|| format!("http://{ehr_addr}"));
    laboratory.billing_url.get_or_insert_with(|| format!("http://{billing_addr}"));
    laboratory.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    laboratory.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    billing.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    billing.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    notification.admin_url.get_or_insert_with(|| format!("http://{admin_addr}"));
    // The dashboard reads every service it has tiles of.
    admin.appointment_url.get_or_insert_with(|| format!("http://{appointment_addr}"));
    admin.billing_url.get_or_insert_with(|| format!("http://{billing_addr}"));
    admin.notification_url.get_or_insert_with(|| format!("http://{notification_addr}"));
    admin.user_url.get_or_insert_with(|| format!("http://{user_addr}"));
    let mail_dir = notification.email.file_dir.clone();
    let mail_mode = notification.email.mode;

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    // The user service is built (its store ready, the initial administrator
    // created) before the banner, which a script may act on at once.
    let mut user_service = hms_user::build(&user, &auth).await.context("the user service failed")?;
    let initial_admin = user_service.initial_admin.take();
    let user_stopped = stopped(stop_rx.clone());
    let user_task =
        tokio::spawn(async move { hms_user::serve(user_service, &user.server, user_listener, user_stopped).await });
    let notification_task = tokio::spawn(hms_notification::run(
        notification,
        auth.clone(),
        notification_listener,
        stopped(stop_rx.clone()),
    ));
    let appointment_task =
        tokio::spawn(hms_appointment::run(appointment, auth.clone(), appointment_listener, stopped(stop_rx.clone())));
    let ehr_task = tokio::spawn(hms_ehr::run(ehr, auth.clone(), ehr_listener, stopped(stop_rx.clone())));
    let pharmacy_task =
        tokio::spawn(hms_pharmacy::run(pharmacy, auth.clone(), pharmacy_listener, stopped(stop_rx.clone())));
    let laboratory_task =
        tokio::spawn(hms_laboratory::run(laboratory, auth.clone(), laboratory_listener, stopped(stop_rx.clone())));
    let payment_origins = billing.browser_payment_origins();
    let billing_task =
        tokio::spawn(hms_billing::run(billing, auth.clone(), billing_listener, stopped(stop_rx.clone())));
    let admin_task = tokio::spawn(hms_admin::run(admin, auth.clone(), admin_listener, stopped(stop_rx.clone())));

    // The gateway talks to the services of this process, wherever they listen.
    let mut gateway: hms_gateway::GatewayConfig = sources.section("gateway")?;
    if gateway.payment_origins.is_empty() {
        gateway.payment_origins = payment_origins;
    }
    let services = [
        ("hms.user.v1", user_addr),
        ("hms.appointment.v1", appointment_addr),
        ("hms.ehr.v1", ehr_addr),
        ("hms.pharmacy.v1", pharmacy_addr),
        ("hms.laboratory.v1", laboratory_addr),
        ("hms.notification.v1", notification_addr),
        ("hms.billing.v1", billing_addr),
        ("hms.admin.v1", admin_addr),
    ];
    for (package, addr) in services {
        gateway.routes.retain(|configured, _| configured.replace('_', ".") != package);
        gateway.routes.insert(package.into(), format!("http://{addr}"));
    }
    // They run in this process: calling them directly saves a socket hop, and
    // the client's address goes with each call without a header anyone could
    // forge (the services believe no x-forwarded-for unless configured to).
    gateway.in_process_upstreams = true;
    let gateway_auth = AuthConfig { service_token_secret: None, ..auth.clone() };
    let gateway_listener = bind("gateway", gateway.listen).await?;
    let gateway_addr = gateway_listener.local_addr()?;
    let gateway_service = hms_gateway::build(&gateway, &gateway_auth).await.context("the gateway failed")?;
    let gateway_task = tokio::spawn(gateway_service.serve(gateway_listener, stopped(stop_rx.clone())));

    println!("HMS is up (data in {}):", data_dir.display());
    println!(
        "  gateway                http://{gateway_addr}  (web app at /, REST /api/v1/..., grpc-web, gRPC; docs at /docs)"
    );
    println!("  user service           grpc://{user_addr}");
    println!("  appointment service    grpc://{appointment_addr}");
    println!("  ehr service            grpc://{ehr_addr}");
    println!("  pharmacy service       grpc://{pharmacy_addr}");
    println!("  laboratory service     grpc://{laboratory_addr}");
    println!("  notification service   grpc://{notification_addr}");
    println!("  billing service        grpc://{billing_addr}");
    println!("  admin service          grpc://{admin_addr}");
    if let Some(admin) = &initial_admin {
        match admin.announcement() {
            Some(announcement) => println!("{announcement}"),
            None => println!("Initial administrator {} created with the configured password", admin.username),
        }
    }
    if mail_mode == hms_notification::EmailMode::File {
        println!("Email is written as .eml files to {}", mail_dir.display());
    }
    println!("Try: curl http://{gateway_addr}/api/v1/users/keys   or   grpcurl -plaintext {gateway_addr} list");

    let names = ["user", "appointment", "ehr", "pharmacy", "laboratory", "notification", "billing", "admin", "gateway"];
    let mut tasks = vec![
        user_task,
        appointment_task,
        ehr_task,
        pharmacy_task,
        laboratory_task,
        notification_task,
        billing_task,
        admin_task,
        gateway_task,
    ];
    tokio::select! {
        () = shutdown_signal() => tracing::info!("shutdown requested"),
        (result, index, _) = futures::future::select_all(tasks.iter_mut()) => {
            let name = names[index];
            let _ = stop_tx.send(true);
            return match result {
                Ok(Ok(())) => Err(anyhow::anyhow!("the {name} service stopped unexpectedly")),
                Ok(Err(e)) => Err(e.context(format!("the {name} service failed"))),
                Err(e) => Err(anyhow::anyhow!("the {name} service panicked: {e}")),
            };
        }
    }
    let _ = stop_tx.send(true);
    for (name, task) in names.into_iter().zip(tasks) {
        task.await.with_context(|| format!("the {name} service panicked"))??;
    }
    tracing::info!("all services stopped");
    Ok(())
}

async fn bind(service: &str, address: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address} for the {service} service"))
}

/// Secrets the embedded system needs (service-token secret, encryption key),
/// generated on first start and kept with the data so a restart reads the
/// same data. Real deployments pass their own through HMS_* variables.
fn ensure_generated_secrets(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("secrets.toml");
    if path.exists() {
        add_missing_secrets(&path)?;
        return Ok(path);
    }
    let content = format!(
        "# Generated by `hms up` on first start. Keep it with ./data: the data is\n\
         # unreadable without it. Environment variables (HMS_*) override it.\n\n\
         [auth]\nservice_token_secret = \"{}\"\n\n[user.encryption_keys]\nk1 = \"{}\"\n{}",
        hms_kit::auth::random_secret(32)?,
        hms_kit::auth::random_secret(32)?,
        SEALING_KEY_SECTIONS.iter().map(|section| sealing_keys(section)).collect::<anyhow::Result<String>>()?
            + &vapid_key()?,
    );
    write_private(&path, &content)?;
    Ok(path)
}

/// Services that seal fields at rest, by their key section in secrets.toml.
const SEALING_KEY_SECTIONS: [&str; 4] =
    ["ehr.encryption.keys", "billing.encryption.keys", "notification.encryption.keys", "laboratory.encryption.keys"];

/// A fresh key section for one service's field encryption.
fn sealing_keys(section: &str) -> anyhow::Result<String> {
    Ok(format!("\n[{section}]\nk1 = \"{}\"\n", hms_kit::auth::random_secret(32)?))
}

/// The notification service's VAPID key (RFC 8292), which signs its Web
/// Pushes; browsers subscribe with its public key, so it must outlive restarts.
const VAPID_KEY_SECTION: &str = "notification.push";

fn vapid_key() -> anyhow::Result<String> {
    Ok(format!("\n[{VAPID_KEY_SECTION}]\nvapid_private_key = \"{}\"\n", hms_notification::generate_vapid_key()?))
}

/// A data directory from before a service existed lacks that service's
/// keys: they are appended, the existing ones are never touched.
fn add_missing_secrets(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let content = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    for section in SEALING_KEY_SECTIONS {
        if !content.contains(&format!("[{section}]")) {
            let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
            file.write_all(sealing_keys(section)?.as_bytes())
                .with_context(|| format!("cannot update {}", path.display()))?;
        }
    }
    if !content.contains(&format!("[{VAPID_KEY_SECTION}]")) {
        let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
        file.write_all(vapid_key()?.as_bytes()).with_context(|| format!("cannot update {}", path.display()))?;
    }
    Ok(())
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_data_directory_gains_the_push_key_and_keeps_its_secrets() {
        let data = tempfile::tempdir().unwrap();
        let path = data.path().join("secrets.toml");
        let before = "[auth]\nservice_token_secret = \"kept\"\n\n[user.encryption_keys]\nk1 = \"kept-too\"\n";
        std::fs::write(&path, before).unwrap();
        add_missing_secrets(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(before), "{after}");
        assert_eq!(after.matches("[notification.push]").count(), 1, "{after}");
        assert!(after.contains("vapid_private_key = \""), "{after}");
        add_missing_secrets(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), after, "nothing added twice");

        let fresh = tempfile::tempdir().unwrap();
        let generated = std::fs::read_to_string(ensure_generated_secrets(fresh.path()).unwrap()).unwrap();
        assert_eq!(generated.matches("[notification.push]").count(), 1, "{generated}");
    }
}
