//! The load generator's lag mode (`--lag SECONDS`): bookings keep coming for
//! that long, at full speed or at `--rate N` per second, with the events'
//! whole path of `hms up` running in this process: the appointment and user
//! services' outbox relays, the notification service with its delivery
//! worker, and the file mailer. For every booking it records the time from
//! its answer until the patient's in-app notification is stored and until
//! the patient's email is written, and prints those lags, the backlog every
//! 5 s, each relay's events/s and the CPU spent per event (what it reads of
//! the running system is in `readings.rs`).
//!
//! The lags come from what the system records itself, read once the load is
//! over: the in-app notification's `sent_at` in the notification store
//! (stamped by the worker as it stores it) and the .eml file's modification
//! time (the email's Message-ID is its delivery's id). Following the live
//! stream instead would add a subscription per patient, each re-reading the
//! store, to the load being measured; this way the only reads during the load
//! are the backlog counts every 5 s.
//!
//! Each booking takes a slot of its own (doctor and start follow from the
//! booking's number), as in the outside runs of issue #22, so none is
//! refused and none reads a calendar: what is measured is booking and telling.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::testing::{self, Relational, TestDb, percentile};
use hms_kit::time::now_micros;
use hms_testkit::DocStore;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use crate::patient::{Booking, Patient, Start};
use crate::readings::{Counts, Probe, arrivals};
use crate::{ADMIN_PASSWORD, Args, Clinic, Via};

/// Slots of 30 minutes from 08:00 to 17:00, as the seeded schedules have.
const SLOTS_PER_DAY: u64 = 18;
/// The booking horizon: far enough for every slot a run can take.
const HORIZON_DAYS: u32 = 3650;
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// The services a booking involves, as `hms up` wires them, in this process.
struct System {
    user_url: String,
    appointment_url: String,
    auth: AuthConfig,
    appointment_db: TestDb,
    user_db: TestDb,
    notifications: DocStore,
    mail_dir: PathBuf,
    _mail: tempfile::TempDir,
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<anyhow::Result<()>>)>,
}

async fn start(args: &Args) -> anyhow::Result<System> {
    let appointment_db =
        testing::database(args.backend).await.ok_or_else(|| anyhow::anyhow!("set HMS_TEST_MYSQL_URL"))?;
    let user_db = testing::database(Relational::Sqlite).await.ok_or_else(|| anyhow::anyhow!("no sqlite"))?;
    let notifications =
        args.docstore.store("notification.db").ok_or_else(|| anyhow::anyhow!("set HMS_TEST_MONGODB_URI"))?;
    let mail = tempfile::tempdir()?;
    let mail_dir = mail.path().join("mail");

    // Every listener first: each service learns the others' addresses.
    let user_listener = TcpListener::bind("127.0.0.1:0").await?;
    let notification_listener = TcpListener::bind("127.0.0.1:0").await?;
    let appointment_listener = TcpListener::bind("127.0.0.1:0").await?;
    let user_url = format!("http://{}", user_listener.local_addr()?);
    let notification_url = format!("http://{}", notification_listener.local_addr()?);
    let appointment_url = format!("http://{}", appointment_listener.local_addr()?);
    let auth = AuthConfig {
        service_token_secret: Some(SecretString::from(hms_kit::auth::random_secret(32)?)),
        user_service_url: user_url.clone(),
        ..AuthConfig::default()
    };
    let user = hms_user::UserConfig {
        database_url: user_db.url.clone(),
        encryption_keys: BTreeMap::from([("k1".to_owned(), SecretString::from(hms_kit::auth::random_secret(32)?))]),
        initial_admin: hms_user::InitialAdmin {
            password: Some(SecretString::from(ADMIN_PASSWORD)),
            ..Default::default()
        },
        notification_url: Some(notification_url.clone()),
        // The patients sign in once: their tokens outlast a soak and its drain.
        access_token_ttl_secs: run_secs(args).max(hms_user::UserConfig::default().access_token_ttl_secs),
        ..hms_user::UserConfig::default()
    };
    let appointment = hms_appointment::AppointmentConfig {
        database_url: appointment_db.url.clone(),
        notification_url: Some(notification_url),
        booking_horizon_days: HORIZON_DAYS,
        ..Default::default()
    };
    let notification = hms_notification::NotificationConfig {
        store_url: notifications.url.clone(),
        email: hms_notification::EmailConfig {
            mode: hms_notification::EmailMode::File,
            file_dir: mail_dir.clone(),
            ..Default::default()
        },
        encryption: hms_kit::crypto::EncryptionConfig::random()?,
        ..Default::default()
    };

    let (stop, stopping) = watch::channel(false);
    let stopped = || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    // As under `hms up`: the user service ready before the others, which
    // fetch its keys as they start.
    let built = hms_user::build(&user, &auth).await?;
    let user_stopped = stopped();
    let tasks = vec![
        (
            "user",
            tokio::spawn(
                async move { hms_user::serve(built, &ServerConfig::default(), user_listener, user_stopped).await },
            ),
        ),
        (
            "notification",
            tokio::spawn(hms_notification::run(notification, auth.clone(), notification_listener, stopped())),
        ),
        ("appointment", tokio::spawn(hms_appointment::run(appointment, auth.clone(), appointment_listener, stopped()))),
    ];
    Ok(System {
        user_url,
        appointment_url,
        auth,
        appointment_db,
        user_db,
        notifications,
        mail_dir,
        _mail: mail,
        stop,
        tasks,
    })
}

impl System {
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        for (name, task) in self.tasks {
            task.await.map_err(|e| anyhow::anyhow!("the {name} service panicked: {e}"))??;
        }
        Ok(())
    }
}

/// How long a lag run may take, load and drain, with room for the seeding.
fn run_secs(args: &Args) -> u64 {
    (args.lag.unwrap_or_default() + args.drain_secs) as u64 + 600
}

/// The doctor (index) and start of booking number `k`: the doctors take
/// turns, each patient at most once per start (see [`run`]).
fn slot(k: u64, doctors: usize, first: jiff::civil::Date, zone: &jiff::tz::TimeZone) -> anyhow::Result<(usize, i64)> {
    let doctors = doctors as u64;
    let (doctor, nth) = ((k % doctors) as usize, k / doctors);
    let day = first.checked_add(jiff::Span::new().days(i64::try_from(nth / SLOTS_PER_DAY)?))?;
    let minutes = 8 * 60 + (nth % SLOTS_PER_DAY) * 30;
    let start = day.at(i8::try_from(minutes / 60)?, i8::try_from(minutes % 60)?, 0, 0).to_zoned(zone.clone())?;
    Ok((doctor, start.timestamp().as_second()))
}

/// What the bookers did.
#[derive(Default)]
struct Load {
    /// Each booking's appointment id and when its answer came (Unix µs).
    booked: Vec<(String, i64)>,
    latencies: Vec<Duration>,
    refused: usize,
    errors: usize,
}

/// Books until `deadline` from `clients.len()` connections, booking number
/// k at `start + k / rate` when a rate is set.
async fn book(
    clients: Vec<Patient>,
    clinic: Arc<Clinic>,
    via: Via,
    rate: Option<f64>,
    (started, deadline): (Instant, Instant),
    booked: Arc<AtomicU64>,
) -> anyhow::Result<Load> {
    let zone = jiff::tz::TimeZone::get(&hms_appointment::AppointmentConfig::default().time_zone)?;
    // Two days ahead: no reminder falls due during the run.
    let first = jiff::Timestamp::now().to_zoned(zone.clone()).date().checked_add(jiff::Span::new().days(2))?;
    let next = Arc::new(AtomicU64::new(0));
    let tasks = clients.into_iter().map(|mut client| {
        let (clinic, next, booked, zone) = (clinic.clone(), next.clone(), booked.clone(), zone.clone());
        tokio::spawn(async move {
            let mut load = Load::default();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if let Some(rate) = rate {
                    let due = started + Duration::from_secs_f64(k as f64 / rate);
                    if due >= deadline {
                        break;
                    }
                    tokio::time::sleep_until(due.into()).await;
                } else if Instant::now() >= deadline {
                    break;
                }
                let (doctor, start) = slot(k, clinic.doctors.len(), first, &zone)?;
                let start = match via {
                    Via::Grpc => Start::Seconds(start),
                    Via::Rest | Via::RestSocket => Start::Text(jiff::Timestamp::from_second(start)?.to_string()),
                };
                let token = &clinic.tokens[(k % clinic.tokens.len() as u64) as usize];
                let t = Instant::now();
                let answer = client.book(&clinic.service_id, clinic.doctors[doctor].as_bytes(), &start, token).await;
                load.latencies.push(t.elapsed());
                match answer {
                    Booking::Booked(id) => {
                        load.booked.push((id, now_micros()));
                        booked.fetch_add(1, Ordering::Relaxed);
                    }
                    Booking::Refused => load.refused += 1,
                    Booking::Failed(error) => {
                        load.errors += 1;
                        eprintln!("booking failed: {error}");
                    }
                }
            }
            anyhow::Ok(load)
        })
    });
    let mut total = Load::default();
    for load in futures::future::join_all(tasks).await {
        let load = load??;
        total.booked.extend(load.booked);
        total.latencies.extend(load.latencies);
        total.refused += load.refused;
        total.errors += load.errors;
    }
    total.latencies.sort();
    Ok(total)
}

/// Reads until the backlog is empty; the reading then, or an error after `timeout`.
async fn drain(probe: &Probe, booked: u64, timeout: Duration, mut show: impl FnMut(&Counts)) -> anyhow::Result<Counts> {
    let deadline = Instant::now() + timeout;
    let mut shown = Instant::now();
    loop {
        let counts = probe.read(booked).await?;
        if counts.backlog() == 0 {
            return Ok(counts);
        }
        if shown.elapsed() >= SAMPLE_EVERY {
            show(&counts);
            shown = Instant::now();
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} events still undelivered after {:.0} s of waiting (--drain)",
            counts.backlog(),
            timeout.as_secs_f64()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn per_second(count: f64, over: Duration) -> f64 {
    count / over.as_secs_f64().max(1e-9)
}

/// One line of the table: rates since `previous`, backlog now.
fn show(started: Instant, previous: &Counts, now: &Counts) {
    let (Some(then), Some(at)) = (previous.at, now.at) else { return };
    let span = at - then;
    println!(
        "{:>6.1} {:>9.1} {:>10.1} {:>8} {:>10.1} {:>8} {:>12.1} {:>8} {:>8} {:>8.1}",
        (at - started).as_secs_f64(),
        per_second((now.booked - previous.booked) as f64, span),
        per_second((now.appointment_delivered - previous.appointment_delivered) as f64, span),
        now.appointment_pending,
        per_second((now.user_delivered - previous.user_delivered) as f64, span),
        now.user_pending,
        per_second((now.delivered - previous.delivered) as f64, span),
        now.queued,
        now.backlog(),
        now.rss_kib as f64 / 1024.0,
    );
}

/// Lag figures of one channel: p50, p99, max, and the share arrived by `by`.
fn lags(name: &str, booked: &[(String, i64)], arrived: &HashMap<String, i64>, by: i64) -> usize {
    let mut lags: Vec<Duration> = booked
        .iter()
        .filter_map(|(id, answered)| arrived.get(id).map(|at| (at - answered).max(0)))
        .map(|micros| Duration::from_micros(micros.unsigned_abs()))
        .collect();
    lags.sort();
    let on_time = booked.iter().filter(|(id, _)| arrived.get(id).is_some_and(|at| *at <= by)).count();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "lag {name:<14} p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {:.1} % arrived by the end of the load, {} never",
        ms(percentile(&lags, 0.5)),
        ms(percentile(&lags, 0.99)),
        ms(lags.last().copied().unwrap_or_default()),
        100.0 * on_time as f64 / booked.len().max(1) as f64,
        booked.len() - lags.len(),
    );
    booked.len() - lags.len()
}

/// Writes `count` notifications delivered over the past year into the
/// notification store's delivery log, as a clinic's history would hold them
/// (half emails sent, half in-app notices, most of them read), through the
/// store's own indexes; none is due, so the worker's queue must pass them by.
async fn seed_history(store_url: &str, count: u64) -> anyhow::Result<()> {
    use hms_kit::docstore::Write;
    const YEAR_MICROS: i64 = 365 * 86_400 * 1_000_000;
    let docs = hms_kit::docstore::connect(store_url).await?;
    let now = now_micros();
    let mut written = 0;
    while written < count {
        let chunk: Vec<(String, serde_json::Value)> = (written..count.min(written + 2_000))
            .map(|n| {
                let at = now - YEAR_MICROS + (n as i64 * (YEAR_MICROS / count.max(1) as i64));
                let in_app = n % 2 == 1;
                let body = serde_json::json!({
                    "request_id": format!("history-{}", n / 2),
                    "kind": "APPOINTMENT_REMINDER_PATIENT",
                    "recipient_id": format!("history-patient-{}", n % 5_000),
                    "channel": if in_app { "IN_APP" } else { "EMAIL" },
                    "status": if in_app { "DELIVERED" } else { "SENT" },
                    "data": {"service_name": "Khám tổng quát", "start_time": "08:00"},
                    "attempts": 1,
                    "next_attempt_at": at,
                    "created_at": at,
                    "language": "vi",
                    "subject": "Nhắc lịch hẹn",
                    "body": "Bạn có lịch hẹn khám tổng quát lúc 08:00 ngày mai.",
                    "recipient_contact": if in_app { String::new() } else { format!("p{}@example.com", n % 5_000) },
                    "error": "",
                    "sent_at": at + 1_000_000,
                    "read_at": if in_app && n % 3 != 0 { Some(at + 3_600_000_000) } else { None },
                });
                (format!("history-{n:08}"), body)
            })
            .collect();
        let writes: Vec<Write> = chunk.iter().map(|(id, body)| Write::Insert { id, body }).collect();
        for result in docs.write_many("notification_deliveries", &writes).await {
            result?;
        }
        written += chunk.len() as u64;
    }
    // A clinic's history sits in the database file, not in a write-ahead log
    // a minute old: checkpoint it before the load, so the load does not pay
    // for the seeding.
    if store_url.starts_with("sqlite:") {
        let pool = sqlx::AnyPool::connect(store_url).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await?;
        pool.close().await;
    }
    Ok(())
}

/// Lag mode: see the module's description.
pub(crate) async fn run(args: &Args, seconds: f64) -> anyhow::Result<()> {
    // Booking k goes to doctor k mod doctors and patient k mod patients:
    // with as many patients as doctors, nobody is booked twice at one start.
    anyhow::ensure!(
        args.doctors > 0 && args.patients >= args.doctors,
        "--lag needs a doctor, and at least as many patients as doctors"
    );
    let system = start(args).await?;
    let channel = Channel::from_shared(system.appointment_url.clone())?.connect().await?;
    let clinic = Arc::new(crate::seed(&system.user_url, channel.clone(), args.doctors, args.patients).await?);
    let gateway = match args.via {
        Via::Grpc => None,
        Via::Rest => Some(crate::start_gateway(&system.auth, &system.user_url, &system.appointment_url, true).await?),
        Via::RestSocket => {
            Some(crate::start_gateway(&system.auth, &system.user_url, &system.appointment_url, false).await?)
        }
    };
    let http = reqwest::Client::new();
    let clients: Vec<Patient> = (0..args.patients)
        .map(|_| match &gateway {
            None => Patient::Grpc {
                schedules: tonic::client::Grpc::new(channel.clone()),
                appointments: AppointmentServiceClient::new(channel.clone()),
            },
            Some(base) => Patient::Rest { http: http.clone(), base: base.clone() },
        })
        .collect();
    let probe = Probe::open(&system.appointment_db.url, &system.user_db.url, &system.notifications.url).await?;
    let drain_timeout = Duration::from_secs_f64(args.drain_secs);
    // The seeding's own events (welcome emails) out of the way first.
    drain(&probe, 0, drain_timeout, |_| {}).await.context("before the load, the seeded accounts' welcome emails")?;
    if args.history > 0 {
        let started = Instant::now();
        seed_history(&system.notifications.url, args.history).await.context("seeding the delivery history")?;
        println!(
            "history            {} delivered notifications written in {:.1} s",
            args.history,
            started.elapsed().as_secs_f64()
        );
    }

    let pace = args.rate.map_or_else(|| "full speed".to_owned(), |rate| format!("{rate} bookings/s"));
    println!(
        "lag mode: backend {:?} via {:?}, notification store {:?}: {seconds} s at {pace} from {} connections, {} doctors",
        args.backend, args.via, args.docstore, args.patients, args.doctors
    );
    println!(
        "{:>6} {:>9} {:>10} {:>8} {:>10} {:>8} {:>12} {:>8} {:>8} {:>8}",
        "t (s)",
        "booked/s",
        "appt ev/s",
        "pending",
        "user ev/s",
        "pending",
        "deliveries/s",
        "queued",
        "backlog",
        "RSS MiB"
    );
    let booked = Arc::new(AtomicU64::new(0));
    let first = probe.read(0).await?;
    let started = first.at.unwrap_or_else(Instant::now);
    show(started, &first, &first);
    let deadline = started + Duration::from_secs_f64(seconds);
    let load = tokio::spawn(book(clients, clinic, args.via, args.rate, (started, deadline), booked.clone()));
    let mut samples = vec![first];
    while !load.is_finished() {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let last = samples.last().and_then(|s| s.at).unwrap_or(started);
        if last.elapsed() >= SAMPLE_EVERY && Instant::now() + SAMPLE_EVERY / 2 < deadline {
            let counts = probe.read(booked.load(Ordering::Relaxed)).await?;
            show(started, samples.last().unwrap_or(&first), &counts);
            samples.push(counts);
        }
    }
    let load = load.await??;
    let load_end = now_micros();
    let end = probe.read(load.booked.len() as u64).await?;
    show(started, samples.last().unwrap_or(&first), &end);
    samples.push(end);
    let mut previous = end;
    let drained = drain(&probe, end.booked, drain_timeout, |counts| {
        show(started, &previous, counts);
        previous = *counts;
    })
    .await;
    let drained = match drained {
        Ok(drained) => drained,
        Err(e) => {
            system.stop().await?;
            return Err(e.context("after the load"));
        }
    };
    let loaded = end.at.unwrap_or(started) - started;

    let booked = load.booked.len();
    println!(
        "bookings           {booked} booked in {:.1} s ({:.1}/s), {} refused, {} errors; booking p50 {:.1} ms, p99 {:.1} ms",
        loaded.as_secs_f64(),
        per_second(booked as f64, loaded),
        load.refused,
        load.errors,
        percentile(&load.latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&load.latencies, 0.99).as_secs_f64() * 1e3,
    );
    // Bounded: over the load's second half the backlog grew by less than
    // 5 % of what came in (a booking brings 2 outbox events, 4 deliveries).
    let middle = samples[(samples.len() - 1) / 2];
    let (grown, inflow) = (end.backlog() - middle.backlog(), (end.booked - middle.booked) * 6);
    let verdict = match grown as f64 <= 0.05 * inflow as f64 {
        // Two readings in the load at least, besides its start and end.
        _ if samples.len() < 4 => "too short a load to tell",
        true => "bounded",
        false => "growing",
    };
    println!(
        "backlog            {} at the start, {} at the end of the load ({} over its second half): {verdict}",
        first.backlog(),
        end.backlog(),
        if grown >= 0 { format!("+{grown}") } else { grown.to_string() },
    );

    // Memory over the load's second half, per minute: a soak's leak shows here.
    if let (Some(then), Some(at)) = (middle.at, end.at) {
        let minutes = (at - then).as_secs_f64() / 60.0;
        let growth = (end.rss_kib as f64 - middle.rss_kib as f64) / 1024.0;
        println!(
            "resident memory    {:.1} MiB at the start, {:.1} MiB mid-load, {:.1} MiB at the end: {:+.2} MiB/min over the second half",
            first.rss_kib as f64 / 1024.0,
            middle.rss_kib as f64 / 1024.0,
            end.rss_kib as f64 / 1024.0,
            growth / minutes.max(1e-9),
        );
    }

    let arrivals = arrivals(probe.docs.as_ref(), &system.mail_dir).await?;
    let last_arrival = arrivals.inbox.values().chain(arrivals.email.values()).copied().max().unwrap_or(load_end);
    println!(
        "drain              every notice delivered {:.2} s after the load stopped",
        (last_arrival - load_end).max(0) as f64 / 1e6
    );
    let missing = lags("inbox (in-app)", &load.booked, &arrivals.inbox, load_end)
        + lags("email (.eml)", &load.booked, &arrivals.email, load_end);

    let total = drained.at.unwrap_or(started) - started;
    let appointment_events = (drained.appointment_delivered - first.appointment_delivered) as f64;
    let user_events = (drained.user_delivered - first.user_delivered) as f64;
    let deliveries = (drained.delivered - first.delivered) as f64;
    println!(
        "events/s           appointment relay {:.1} during the load ({:.0} events), user relay {:.1} ({:.0}), \
         notification worker {:.1} deliveries/s ({:.0}); over load and drain {:.1}, {:.1}, {:.1}",
        per_second((end.appointment_delivered - first.appointment_delivered) as f64, loaded),
        appointment_events,
        per_second((end.user_delivered - first.user_delivered) as f64, loaded),
        user_events,
        per_second((end.delivered - first.delivered) as f64, loaded),
        deliveries,
        per_second(appointment_events, total),
        per_second(user_events, total),
        per_second(deliveries, total),
    );
    let cpu = drained.cpu.saturating_sub(first.cpu);
    let events = appointment_events + user_events + deliveries;
    let per = |count: f64| cpu.as_secs_f64() * 1e3 / count.max(1.0);
    println!(
        "CPU                {:.1} s in this process over {:.1} s ({:.2} cores): {:.3} ms per event \
         (relayed or delivered), {:.3} ms per booking with its events",
        cpu.as_secs_f64(),
        total.as_secs_f64(),
        cpu.as_secs_f64() / total.as_secs_f64().max(1e-9),
        per(events),
        per(booked as f64),
    );
    if let (Some(before), Some(after)) = (first.mariadbd_cpu, drained.mariadbd_cpu) {
        let database = after.saturating_sub(before);
        println!(
            "                   {:.1} s in mariadbd ({:.3} ms per event)",
            database.as_secs_f64(),
            database.as_secs_f64() * 1e3 / events.max(1.0)
        );
    }
    let double_bookings = crate::double_bookings(&system.appointment_db.url).await?;
    println!("double bookings    {double_bookings}");
    system.stop().await?;
    anyhow::ensure!(double_bookings == 0, "the no-double-booking invariant broke");
    anyhow::ensure!(
        missing == 0 && arrivals.lost == 0,
        "{missing} notices never arrived ({} patients' notices failed or were suppressed)",
        arrivals.lost
    );
    Ok(())
}
