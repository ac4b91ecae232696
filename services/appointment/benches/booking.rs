//! Booking load generator: N simulated patients, each registered with the
//! real user service, look at a service calendar and book a slot picked at
//! random from it, concurrently, against a seeded clinic served over gRPC.
//! Prints throughput, p50/p99 latencies of availability queries and bookings,
//! and the double bookings found by a final consistency check (always 0
//! unless the invariant broke).
//!
//! cargo bench -p hms-appointment --bench booking -- [--backend sqlite|mysql]
//!     [--patients 32] [--doctors 4] [--rounds 10] [--days 3]
//! MySQL/MariaDB uses HMS_TEST_MYSQL_URL (a server URL; a fresh database is
//! created).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hms_kit::config::AuthConfig;
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::schedule_service_client::ScheduleServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::google::r#type::{Date, TimeOfDay};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::{self, Relational, TestServer};
use secrecy::SecretString;
use sqlx::Row;
use tonic::Request;
use tonic::transport::Channel;

const PASSWORD: &str = "bench-password-1";
const ADMIN_PASSWORD: &str = "bench-admin-password";

struct Args {
    backend: Relational,
    patients: usize,
    doctors: usize,
    rounds: usize,
    days: i64,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args { backend: Relational::Sqlite, patients: 32, doctors: 4, rounds: 10, days: 3 };
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
            "--patients" => args.patients = value()?.parse()?,
            "--doctors" => args.doctors = value()?.parse()?,
            "--rounds" => args.rounds = value()?.parse()?,
            "--days" => args.days = value()?.parse()?,
            // `cargo bench` passes --bench to every bench target.
            "--bench" => {}
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A tiny deterministic generator; the bench needs spread, not quality.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}

#[derive(Default)]
struct Tally {
    availability: Vec<Duration>,
    bookings: Vec<Duration>,
    booked: usize,
    refused: usize,
    errors: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
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

    // Seed: one 30-minute service, doctors consulting 08:00-17:00 daily.
    let mut users = UserServiceClient::connect(user.url()).await?;
    let admin = login(&mut users, "admin", ADMIN_PASSWORD).await?;
    let mut schedules = ScheduleServiceClient::new(channel.clone());
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
    for d in 0..args.doctors {
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
                    doctor_id: doctor.id,
                    specialty: "General".into(),
                    location: format!("Room {d}"),
                    blocks,
                },
                &admin,
            ))
            .await?;
    }
    let mut tokens = Vec::with_capacity(args.patients);
    for p in 0..args.patients {
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
    let zone = jiff::tz::TimeZone::get(&config.time_zone)?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let date = |offset: i64| -> anyhow::Result<Date> {
        let d = today.checked_add(jiff::Span::new().days(offset))?;
        Ok(Date { year: i32::from(d.year()), month: i32::from(d.month()), day: i32::from(d.day()) })
    };
    let (first, last) = (date(1)?, date(args.days)?);

    println!(
        "backend {:?}: {} patients x {} rounds, {} doctors, {} days of 18 slots each",
        args.backend, args.patients, args.rounds, args.doctors, args.days
    );
    let started = Instant::now();
    let service_id = Arc::new(service.id.clone());
    let tasks = tokens.into_iter().enumerate().map(|(i, token)| {
        let channel = channel.clone();
        let service_id = service_id.clone();
        let rounds = args.rounds;
        tokio::spawn(async move {
            let mut schedules = ScheduleServiceClient::new(channel.clone());
            let mut appointments = AppointmentServiceClient::new(channel);
            let mut random = XorShift(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
            let mut tally = Tally::default();
            for _ in 0..rounds {
                let t = Instant::now();
                let calendar = schedules
                    .get_service_calendar(authed(
                        GetServiceCalendarRequest {
                            service_id: service_id.to_string(),
                            start_date: Some(first),
                            end_date: Some(last),
                        },
                        &token,
                    ))
                    .await;
                tally.availability.push(t.elapsed());
                let Ok(calendar) = calendar else {
                    tally.errors += 1;
                    continue;
                };
                let slots: Vec<Slot> =
                    calendar.into_inner().days.into_iter().flat_map(|d| d.doctors).flat_map(|d| d.slots).collect();
                if slots.is_empty() {
                    break;
                }
                let slot = &slots[random.next(slots.len())];
                let t = Instant::now();
                let booked = appointments
                    .book_appointment(authed(
                        BookAppointmentRequest {
                            service_id: service_id.to_string(),
                            doctor_id: slot.doctor_id.clone(),
                            start_time: slot.start_time,
                            ..Default::default()
                        },
                        &token,
                    ))
                    .await;
                tally.bookings.push(t.elapsed());
                match booked {
                    Ok(_) => tally.booked += 1,
                    Err(status) if status.code() == tonic::Code::FailedPrecondition => tally.refused += 1,
                    Err(status) => {
                        tally.errors += 1;
                        eprintln!("booking failed: {status:?}");
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

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await?;
    let double_bookings: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM appointments a JOIN appointments b ON a.id < b.id \
         AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id) \
         AND a.start_at < b.end_at AND b.start_at < a.end_at \
         WHERE a.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR') \
         AND b.status NOT IN ('CANCELLED_PATIENT', 'CANCELLED_DOCTOR')",
    )
    .fetch_one(&pool)
    .await?
    .try_get("n")?;

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
    anyhow::ensure!(double_bookings == 0, "the no-double-booking invariant broke");
    Ok(())
}
