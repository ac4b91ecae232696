//! Booking load generator: N simulated patients, each registered with the
//! real user service, look at a service calendar and book a slot picked at
//! random from it, concurrently, against a seeded clinic served over gRPC.
//! Prints throughput, p50/p99 latencies of availability queries and bookings,
//! and the double bookings found by a final consistency check (always 0
//! unless the invariant broke). Last, it runs the booking transaction alone on
//! a fresh database with as many writers as patients and prints that ceiling.
//!
//! cargo bench -p hms-appointment --bench booking -- [--backend sqlite|mysql]
//!     [--via grpc|rest|rest-socket] [--view starts|slots] [--patients 32] [--doctors 4] [--rounds 10]
//!     [--warmup 5] [--days 3]
//! Each patient first reads the calendar `--warmup` times, unmeasured.
//! `--view` is the calendar view asked for: the slots' starts (as a client
//! drawing a grid of times asks) or every slot in full.
//! `--via rest` sends the calendar reads and the bookings as REST/JSON through
//! the gateway, as browsers and SDKs do; the gateway calls the services in
//! process, as under `hms up`. `--via rest-socket` makes it reach them over
//! loopback sockets instead, as when each runs in its own process.
//! MySQL/MariaDB uses HMS_TEST_MYSQL_URL (a server URL; a fresh database is
//! created).
//!
//! `--lag SECONDS` books instead for that long, at full speed or `--rate N`
//! bookings/s, with the events' whole path running, and follows every
//! booking's notifications to the inbox and the mailbox (see `lag.rs`);
//! `--history N` first fills the notification store's delivery log with N
//! delivered notifications, to show whether history slows the queue.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use hms_kit::config::AuthConfig;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::google::r#type::{Date, TimeOfDay};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::{self, Relational, TestServer, XorShift, percentile};
use hms_testkit::Docs;
use secrecy::SecretString;
use sqlx::Row;
use tonic::Request;
use tonic::transport::Channel;

mod lag;
mod patient;
mod readings;

use patient::{Booking, Patient, Tally};

const PASSWORD: &str = "bench-password-1";
const ADMIN_PASSWORD: &str = "bench-admin-password";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Grpc,
    Rest,
    RestSocket,
}

struct Args {
    backend: Relational,
    via: Via,
    view: CalendarView,
    patients: usize,
    doctors: usize,
    rounds: usize,
    warmup: usize,
    days: i64,
    /// Lag mode: book for this many seconds and follow every notification.
    lag: Option<f64>,
    /// Lag mode: bookings per second to aim at; full speed when unset.
    rate: Option<f64>,
    /// Lag mode: how long the notifications may take to arrive once the load stops.
    drain_secs: f64,
    /// Lag mode: the notification service's store.
    docstore: Docs,
    /// Lag mode: delivered notifications put in the store's history before the load.
    history: u64,
}

const USAGE: &str = "usage: booking [--backend sqlite|mysql] [--via grpc|rest|rest-socket] [--view starts|slots] \
                     [--patients 32] [--doctors 4] [--rounds 10] [--warmup 5] [--days 3]\n       \
                     booking --lag SECONDS [--rate N] [--drain 120] [--docstore sqlite|mongo] [--history N] \
                     [--backend ...] [--via ...] [--patients 32] [--doctors 4]";

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        backend: Relational::Sqlite,
        via: Via::Grpc,
        view: CalendarView::Starts,
        patients: 32,
        doctors: 4,
        rounds: 10,
        warmup: 5,
        days: 3,
        lag: None,
        rate: None,
        drain_secs: 120.0,
        docstore: Docs::Sqlite,
        history: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => {
                args.backend = match value()?.as_str() {
                    "sqlite" => Relational::Sqlite,
                    "mysql" | "mariadb" => Relational::MySql,
                    other => anyhow::bail!("unknown backend {other}"),
                }
            }
            "--via" => {
                args.via = match value()?.as_str() {
                    "grpc" => Via::Grpc,
                    "rest" => Via::Rest,
                    "rest-socket" => Via::RestSocket,
                    other => anyhow::bail!("unknown path {other} (grpc, rest or rest-socket)"),
                }
            }
            "--patients" => args.patients = value()?.parse()?,
            "--doctors" => args.doctors = value()?.parse()?,
            "--view" => {
                args.view = match value()?.as_str() {
                    "starts" => CalendarView::Starts,
                    "slots" => CalendarView::Slots,
                    other => anyhow::bail!("unknown calendar view {other} (starts or slots)"),
                }
            }
            "--rounds" => args.rounds = value()?.parse()?,
            "--warmup" => args.warmup = value()?.parse()?,
            "--days" => args.days = value()?.parse()?,
            "--lag" => args.lag = Some(value()?.parse()?),
            "--rate" => args.rate = Some(value()?.parse()?),
            "--drain" => args.drain_secs = value()?.parse()?,
            "--history" => args.history = value()?.parse()?,
            "--docstore" => {
                args.docstore = match value()?.as_str() {
                    "sqlite" => Docs::Sqlite,
                    "mongo" | "mongodb" => Docs::Mongo,
                    other => anyhow::bail!("unknown document store {other} (sqlite or mongo)"),
                }
            }
            // `cargo bench` passes --bench to every bench target.
            "--bench" => {}
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    Ok(args)
}

fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    if let Ok(value) = format!("Bearer {token}").parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

async fn login(users: &mut UserServiceClient<Channel>, username: &str, password: &str) -> anyhow::Result<String> {
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await?;
    login.into_inner().tokens.map(|t| t.access_token).ok_or_else(|| anyhow::anyhow!("no tokens"))
}

/// The gateway in front of the user and appointment services; its base URL.
async fn start_gateway(
    auth: &AuthConfig,
    user_url: &str,
    appointment_url: &str,
    in_process: bool,
) -> anyhow::Result<String> {
    let mut config = hms_gateway::GatewayConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        routes: BTreeMap::from([
            ("hms.user.v1".to_owned(), user_url.to_owned()),
            ("hms.appointment.v1".to_owned(), appointment_url.to_owned()),
        ]),
        ..hms_gateway::GatewayConfig::default()
    };
    config.rate_limit.backend = hms_gateway::RateLimitBackend::Off;
    config.in_process_upstreams = in_process;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let gateway = hms_gateway::build(&config, &AuthConfig { service_token_secret: None, ..auth.clone() }).await?;
    tokio::spawn(gateway.serve(listener, std::future::pending()));
    Ok(base)
}

/// What the load books: the service, its doctors, the patients' access tokens.
pub(crate) struct Clinic {
    pub service_id: String,
    pub doctors: Vec<String>,
    pub tokens: Vec<String>,
}

/// Seeds one 30-minute service, doctors consulting 08:00-17:00 daily, and
/// registered patients, logged in.
pub(crate) async fn seed(
    user_url: &str,
    channel: Channel,
    doctor_count: usize,
    patients: usize,
) -> anyhow::Result<Clinic> {
    let mut users = UserServiceClient::connect(user_url.to_owned()).await?;
    let admin = login(&mut users, "admin", ADMIN_PASSWORD).await?;
    let mut schedules = ScheduleServiceClient::new(channel);
    let service = schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest {
                code: "BENCH".into(),
                service: Some(MedicalServiceInput {
                    name: "Bench check-up".into(),
                    kind: ServiceKind::GeneralCheckup.into(),
                    duration_minutes: 30,
                    price: Some(Money { amount_minor: 100_000, currency: "VND".into() }),
                    active: true,
                    ..Default::default()
                }),
            },
            &admin,
        ))
        .await?
        .into_inner()
        .service
        .ok_or_else(|| anyhow::anyhow!("no service"))?;
    let mut doctors = Vec::with_capacity(doctor_count);
    for d in 0..doctor_count {
        let username = format!("bench.doctor{d}");
        let doctor = users
            .create_user(authed(
                CreateUserRequest {
                    username: username.clone(),
                    password: PASSWORD.into(),
                    email: format!("{username}@clinic.example"),
                    role: Role::Doctor.into(),
                    ..Default::default()
                },
                &admin,
            ))
            .await?
            .into_inner()
            .user
            .ok_or_else(|| anyhow::anyhow!("no user"))?;
        let blocks = (1..=7)
            .map(|day| WeeklyBlock {
                day_of_week: day,
                start_time: Some(TimeOfDay { hours: 8, ..Default::default() }),
                end_time: Some(TimeOfDay { hours: 17, ..Default::default() }),
                ..Default::default()
            })
            .collect();
        schedules
            .set_doctor_schedule(authed(
                SetDoctorScheduleRequest {
                    doctor_id: doctor.id.clone(),
                    specialty: "General".into(),
                    location: format!("Room {d}"),
                    blocks,
                },
                &admin,
            ))
            .await?;
        doctors.push(doctor.id);
    }
    let mut tokens = Vec::with_capacity(patients);
    for p in 0..patients {
        let username = format!("bench.patient{p}");
        users
            .register(RegisterRequest {
                username: username.clone(),
                password: PASSWORD.into(),
                email: format!("{username}@example.com"),
                ..Default::default()
            })
            .await?;
        tokens.push(login(&mut users, &username, PASSWORD).await?);
    }
    Ok(Clinic { service_id: service.id, doctors, tokens })
}

/// Pairs of live appointments that overlap for a doctor or a patient:
/// always 0 unless the no-double-booking invariant broke.
pub(crate) async fn double_bookings(database_url: &str) -> anyhow::Result<i64> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await?;
    let count = sqlx::query(
        "SELECT COUNT(*) AS n FROM appointments a JOIN appointments b ON a.id < b.id \
         AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id) \
         AND a.start_at < b.end_at AND b.start_at < a.end_at \
         WHERE a.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR') \
         AND b.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR')",
    )
    .fetch_one(&pool)
    .await?
    .try_get("n")?;
    pool.close().await;
    Ok(count)
}

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args().unwrap_or_else(|e| {
        eprintln!("{e}\n{USAGE}");
        std::process::exit(2);
    });
    if let Some(seconds) = args.lag {
        return lag::run(&args, seconds).await;
    }
    let db = testing::database(args.backend).await.ok_or_else(|| anyhow::anyhow!("set HMS_TEST_MYSQL_URL"))?;
    let user_db = testing::database(Relational::Sqlite).await.ok_or_else(|| anyhow::anyhow!("no sqlite"))?;
    let auth = AuthConfig {
        service_token_secret: Some(SecretString::from(hms_kit::auth::random_secret(32)?)),
        ..AuthConfig::default()
    };
    let user_config = hms_user::UserConfig {
        database_url: user_db.url.clone(),
        encryption_keys: BTreeMap::from([("k1".to_owned(), SecretString::from(hms_kit::auth::random_secret(32)?))]),
        initial_admin: hms_user::InitialAdmin {
            password: Some(SecretString::from(ADMIN_PASSWORD)),
            ..Default::default()
        },
        ..hms_user::UserConfig::default()
    };
    let built = hms_user::build(&user_config, &auth).await?;
    let user = TestServer::start(built.service, built.verifier).await;
    let auth = AuthConfig { user_service_url: user.url(), ..auth };
    let config = hms_appointment::AppointmentConfig { database_url: db.url.clone(), ..Default::default() };
    let built = hms_appointment::build(&config, &auth).await?;
    let server = TestServer::start(built.service, built.verifier).await;
    let channel = Channel::from_shared(server.url())?.connect().await?;
    let gateway = match args.via {
        Via::Grpc => None,
        Via::Rest => Some(start_gateway(&auth, &user.url(), &server.url(), true).await?),
        Via::RestSocket => Some(start_gateway(&auth, &user.url(), &server.url(), false).await?),
    };
    let http = reqwest::Client::new();

    let clinic = seed(&user.url(), channel.clone(), args.doctors, args.patients).await?;
    let tokens = clinic.tokens;
    let zone = jiff::tz::TimeZone::get(&config.time_zone)?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let date = |offset: i64| -> anyhow::Result<Date> {
        let d = today.checked_add(jiff::Span::new().days(offset))?;
        Ok(Date { year: i32::from(d.year()), month: i32::from(d.month()), day: i32::from(d.day()) })
    };
    let (first, last) = (date(1)?, date(args.days)?);

    println!(
        "backend {:?} via {:?}, calendar view {}: {} patients x {} rounds, {} doctors, {} days of 18 slots each",
        args.backend,
        args.via,
        args.view.as_str_name(),
        args.patients,
        args.rounds,
        args.doctors,
        args.days
    );
    let service_id = Arc::new(clinic.service_id);
    let mut clients: Vec<Patient> = (0..tokens.len())
        .map(|_| match &gateway {
            None => Patient::Grpc {
                schedules: tonic::client::Grpc::new(channel.clone()),
                appointments: AppointmentServiceClient::new(channel.clone()),
            },
            Some(base) => Patient::Rest { http: http.clone(), base: base.clone() },
        })
        .collect();
    // Unmeasured reads first, so that connections, caches and the allocator
    // are warm when the clock starts (reads book nothing).
    let warmups = clients.iter_mut().zip(&tokens).map(|(client, token)| {
        let service_id = service_id.clone();
        async move {
            let mut random = XorShift(1);
            for _ in 0..args.warmup {
                client.calendar(&service_id, (first, last), args.view, token, &mut random).await?;
            }
            anyhow::Ok(())
        }
    });
    futures::future::try_join_all(warmups).await?;
    let started = Instant::now();
    let tasks = clients.into_iter().zip(tokens).enumerate().map(|(i, (mut client, token))| {
        let service_id = service_id.clone();
        let (rounds, view) = (args.rounds, args.view);
        tokio::spawn(async move {
            let mut random = XorShift(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
            let mut tally = Tally::default();
            for _ in 0..rounds {
                let t = Instant::now();
                let picked = client.calendar(&service_id, (first, last), view, &token, &mut random).await;
                tally.availability.push(t.elapsed());
                let Ok(picked) = picked else {
                    tally.errors += 1;
                    continue;
                };
                let Some((doctor_id, start)) = picked else { break };
                let t = Instant::now();
                let booked = client.book(&service_id, &doctor_id, &start, &token).await;
                tally.bookings.push(t.elapsed());
                match booked {
                    Booking::Booked(_) => tally.booked += 1,
                    Booking::Refused => tally.refused += 1,
                    Booking::Failed(error) => {
                        tally.errors += 1;
                        eprintln!("booking failed: {error}");
                    }
                }
            }
            tally
        })
    });
    let mut total = Tally::default();
    for tally in futures::future::join_all(tasks).await {
        let tally = tally?;
        total.availability.extend(tally.availability);
        total.bookings.extend(tally.bookings);
        total.booked += tally.booked;
        total.refused += tally.refused;
        total.errors += tally.errors;
    }
    let elapsed = started.elapsed();
    total.availability.sort();
    total.bookings.sort();

    let double_bookings = double_bookings(&db.url).await?;

    let attempts = total.bookings.len();
    println!("elapsed            {:.2} s", elapsed.as_secs_f64());
    println!(
        "bookings           {attempts} attempts, {} booked, {} refused (taken), {} errors",
        total.booked, total.refused, total.errors
    );
    println!(
        "throughput         {:.1} booking attempts/s, {:.1} requests/s",
        attempts as f64 / elapsed.as_secs_f64(),
        (attempts + total.availability.len()) as f64 / elapsed.as_secs_f64()
    );
    println!(
        "availability       p50 {:.1} ms, p99 {:.1} ms",
        percentile(&total.availability, 0.5).as_secs_f64() * 1e3,
        percentile(&total.availability, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "booking            p50 {:.1} ms, p99 {:.1} ms",
        percentile(&total.bookings, 0.5).as_secs_f64() * 1e3,
        percentile(&total.bookings, 0.99).as_secs_f64() * 1e3
    );
    println!("double bookings    {double_bookings}");
    server.shutdown().await?;
    user.shutdown().await?;

    // The same booking transaction straight on a fresh database: the limit
    // the service could reach if nothing but the store cost anything.
    let ceiling_db = testing::database(args.backend).await.ok_or_else(|| anyhow::anyhow!("no database"))?;
    let ceiling = hms_appointment::ceiling::measure(&ceiling_db.url, args.patients, args.rounds * 4).await?;
    println!(
        "store ceiling      {:.1} bookings/s, p50 {:.1} ms, p99 {:.1} ms ({} writers, the booking transaction alone)",
        ceiling.per_second(),
        percentile(&ceiling.latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&ceiling.latencies, 0.99).as_secs_f64() * 1e3,
        args.patients
    );
    let (transactions, together) = ceiling.shared;
    if transactions > 0 {
        println!(
            "                   {together} of its {} bookings written in {transactions} shared transactions",
            ceiling.bookings
        );
    }
    anyhow::ensure!(double_bookings == 0, "the no-double-booking invariant broke");
    Ok(())
}
