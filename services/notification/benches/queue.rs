//! The delivery queue's throughput and latency, whatever its history: a
//! program, not a test (nothing here asserts a timing).
//!
//! ```text
//! cargo bench -p hms-notification --bench queue -- \
//!     [--backend sqlite|mongo] [--history N] [--deliveries M] [--workers W] \
//!     [--recipients R] [--mode live|drain] [--batch B] [--concurrency C] \
//!     [--mongo-uri URI]
//! ```
//!
//! It starts the real user service (SQLite) and the notification service in
//! process, with email written as files, fills the notification store with
//! N delivered deliveries of history (in bulk), then queues M email
//! deliveries through `Send` while W workers deliver them (`live`), or
//! queues them all first and then starts the workers (`drain`). It prints
//! deliveries/s (first queued to last sent) and p50/p99 of each delivery's
//! time from queued to sent.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hms_kit::config::AuthConfig;
use hms_kit::docstore::{self, Filter, Order, Query};
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::{Channel, NotificationType, SendRequest};
use hms_kit::proto::user::RegisterRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::testing::{self, Relational, TestServer, authed, percentile};
use hms_notification::{EmailConfig, EmailMode, NotificationConfig, WorkerConfig};
use secrecy::SecretString;
use serde_json::json;
use tonic::transport::Channel as GrpcChannel;

const SECRET: &str = "notification-bench-service-secret";
const DELIVERIES: &str = "notification_deliveries";

struct Args {
    backend: String,
    history: usize,
    deliveries: usize,
    workers: usize,
    recipients: usize,
    mode: String,
    mongo_uri: String,
    batch: usize,
    concurrency: usize,
}

fn args() -> Args {
    let mut args = Args {
        backend: "sqlite".into(),
        history: 0,
        deliveries: 2_000,
        workers: 1,
        recipients: 20,
        mode: "live".into(),
        batch: WorkerConfig::default().batch_size,
        concurrency: WorkerConfig::default().concurrency,
        mongo_uri: std::env::var("HMS_TEST_MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into()),
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        // `cargo bench` adds `--bench`; nothing else is expected.
        if flag == "--bench" {
            continue;
        }
        let value = given.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = || value.replace('_', "").parse::<usize>().unwrap_or_else(|e| panic!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--backend" => args.backend.clone_from(&value),
            "--history" => args.history = number(),
            "--deliveries" => args.deliveries = number(),
            "--workers" => args.workers = number().max(1),
            "--recipients" => args.recipients = number().max(1),
            "--mode" => args.mode.clone_from(&value),
            "--batch" => args.batch = number().max(1),
            "--concurrency" => args.concurrency = number().max(1),
            "--mongo-uri" => args.mongo_uri.clone_from(&value),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(matches!(args.backend.as_str(), "sqlite" | "mongo"), "--backend sqlite|mongo");
    assert!(matches!(args.mode.as_str(), "live" | "drain"), "--mode live|drain");
    args
}

async fn channel(url: String) -> GrpcChannel {
    GrpcChannel::from_shared(url).unwrap().connect().await.unwrap()
}

/// One delivered email of history, as the worker leaves it.
fn history_doc(i: usize, recipient: &str, at: i64) -> serde_json::Value {
    json!({
        "request_id": format!("history-{i}"),
        "kind": "USER_REGISTERED",
        "recipient_id": recipient,
        "channel": "EMAIL",
        "status": "SENT",
        "data": {"user_name": "History"},
        "attempts": 1,
        "next_attempt_at": at,
        "created_at": at,
        "language": "en",
        "subject": "Welcome",
        "body": "Welcome to the clinic.",
        "recipient_contact": format!("{recipient}@example.com"),
        "error": "",
        "sent_at": at + 1_000,
        "read_at": null,
    })
}

/// Writes `n` delivered deliveries: multi-row inserts in large
/// transactions on SQLite, many inserts in flight on MongoDB.
async fn fill_history(store_url: &str, n: usize, recipients: &[String]) {
    if n == 0 {
        return;
    }
    let started = Instant::now();
    let base = hms_kit::time::now_micros() - 365 * 24 * 3_600 * 1_000_000;
    let doc = |i: usize| {
        let id = format!("h{i:09}");
        let body = history_doc(i, &recipients[i % recipients.len()], base + i64::try_from(i).unwrap() * 1_000);
        (id, body)
    };
    if let Some(path) = store_url.strip_prefix("sqlite://") {
        use sqlx::ConnectOptions;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
        let mut conn = options.connect().await.unwrap();
        const ROWS: usize = 400;
        for chunk in (0..n).collect::<Vec<_>>().chunks(20_000) {
            let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
            for rows in chunk.chunks(ROWS) {
                let values = vec!["(?, 1, ?)"; rows.len()].join(", ");
                let sql = format!("INSERT INTO doc_{DELIVERIES} (id, version, body) VALUES {values}");
                let mut query = sqlx::query(&sql);
                for i in rows {
                    let (id, body) = doc(*i);
                    query = query.bind(id).bind(body.to_string());
                }
                query.execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    } else {
        let docs = docstore::connect(store_url).await.unwrap();
        futures::stream::iter(0..n)
            .map(|i| {
                let docs = docs.clone();
                let (id, body) = doc(i);
                async move { docs.insert(DELIVERIES, &id, &body).await.unwrap() }
            })
            .buffer_unordered(128)
            .count()
            .await;
    }
    eprintln!("history: {n} delivered deliveries written in {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();

    // The user service, for contacts (BatchGetContactInfo) and recipients.
    let auth = AuthConfig { service_token_secret: Some(SecretString::from(SECRET)), ..AuthConfig::default() };
    let user_db = testing::database(Relational::Sqlite).await.unwrap();
    let user_config = hms_user::UserConfig {
        database_url: user_db.url.clone(),
        encryption_keys: BTreeMap::from([(
            "k1".to_owned(),
            SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
        )]),
        ..hms_user::UserConfig::default()
    };
    let built = hms_user::build(&user_config, &auth).await.unwrap();
    let user = TestServer::start(built.service, built.verifier).await;
    let auth = AuthConfig { user_service_url: user.url(), ..auth };
    let mut users = UserServiceClient::new(channel(user.url()).await);
    let run = uuid::Uuid::now_v7().simple().to_string();
    let mut recipients = Vec::new();
    for i in 0..args.recipients {
        let username = format!("bench{i}x{}", &run[run.len() - 6..]);
        let registered = users
            .register(RegisterRequest {
                username: username.clone(),
                password: "correct horse battery".into(),
                email: format!("{username}@example.com"),
                first_name: "Bench".into(),
                last_name: format!("{i}"),
                preferred_language: "en".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        recipients.push(registered.into_inner().user.unwrap().id);
    }

    let store_url = match args.backend.as_str() {
        "sqlite" => format!("sqlite://{}", dir.path().join("notification.db").display()),
        _ => format!("{}/hms_bench_{run}", args.mongo_uri.trim_end_matches('/')),
    };
    let mail_dir = dir.path().join("mail");
    let config = NotificationConfig {
        store_url: store_url.clone(),
        email: EmailConfig { mode: EmailMode::File, file_dir: mail_dir.clone(), ..EmailConfig::default() },
        worker: WorkerConfig {
            poll_interval: Duration::from_millis(20),
            batch_size: args.batch,
            concurrency: args.concurrency,
            ..WorkerConfig::default()
        },
        encryption: hms_kit::crypto::EncryptionConfig::random().unwrap(),
        workers_enabled: false,
        ..NotificationConfig::default()
    };
    // The service (its store, tables and indexes), then the history under it.
    let service = hms_notification::build(&config, &auth).await.unwrap();
    fill_history(&store_url, args.history, &recipients).await;
    let server = TestServer::start(service.service, service.verifier).await;
    drop(service.worker);

    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let start_workers = || async {
        let mut handles = Vec::new();
        for _ in 0..args.workers {
            let built = hms_notification::build(&config, &auth).await.unwrap();
            let mut stopped = stopped.clone();
            handles.push(tokio::spawn(built.worker.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })));
        }
        handles
    };

    let token = hms_kit::auth::ServiceTokens::new("appointment", &SecretString::from(SECRET)).token().unwrap();
    let internal = InternalNotificationServiceClient::new(channel(server.url()).await);
    let mut handles = if args.mode == "live" { start_workers().await } else { Vec::new() };
    let started = Instant::now();
    let first_queued = hms_kit::time::now_micros();
    futures::stream::iter(0..args.deliveries)
        .map(|i| {
            let mut internal = internal.clone();
            let request = SendRequest {
                r#type: NotificationType::UserRegistered.into(),
                recipient_id: recipients[i % recipients.len()].clone(),
                channel_preferences: vec![Channel::Email.into()],
                data: [("user_name".to_owned(), format!("Bench {i}"))].into(),
                idempotency_key: format!("bench-{run}-{i}"),
            };
            let token = token.clone();
            async move { internal.send(authed(request, &token)).await.unwrap() }
        })
        .buffer_unordered(16)
        .count()
        .await;
    let queued_in = started.elapsed();
    let mut workers_started = first_queued;
    if args.mode == "drain" {
        handles = start_workers().await;
        workers_started = hms_kit::time::now_micros();
    }

    // Until nothing is queued or being sent.
    let docs = docstore::connect(&store_url).await.unwrap();
    let pending = vec![("status".to_owned(), Filter::In(vec![json!("QUEUED"), json!("SENDING")]))];
    let deadline = Instant::now() + Duration::from_secs(1_800);
    while docs.count(DELIVERIES, &pending).await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "the queue did not empty in 30 minutes");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let elapsed = started.elapsed();
    let _ = stopping.send(true);
    for handle in handles {
        handle.await.unwrap();
    }

    // Each new delivery's time from queued to sent.
    let mut waits = Vec::with_capacity(args.deliveries);
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut last_sent = first_queued;
    let mut after = None;
    loop {
        let query = Query {
            filters: vec![("created_at".to_owned(), Filter::Gte(json!(first_queued)))],
            sort: vec![("created_at".to_owned(), Order::Desc)],
            limit: 500,
            after,
        };
        let page = docs.find(DELIVERIES, &query).await.unwrap();
        for stored in &page.items {
            let body = &stored.body;
            *statuses.entry(body["status"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
            if let (Some(created), Some(sent)) = (body["created_at"].as_i64(), body["sent_at"].as_i64()) {
                waits.push(Duration::from_micros(u64::try_from(sent - created).unwrap_or(0)));
                last_sent = last_sent.max(sent);
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    waits.sort();
    let span =
        Duration::from_micros(u64::try_from(last_sent - first_queued).unwrap_or(0)).max(Duration::from_millis(1));
    let mails = std::fs::read_dir(&mail_dir).map(|d| d.count()).unwrap_or(0);
    println!(
        "backend={} history={} deliveries={} workers={} recipients={} mode={} batch={} concurrency={}",
        args.backend,
        args.history,
        args.deliveries,
        args.workers,
        args.recipients,
        args.mode,
        config.worker.batch_size,
        config.worker.concurrency,
    );
    println!("statuses: {statuses:?}; mail files written: {mails}");
    println!(
        "queued in {:.2} s; all sent after {:.2} s; {:.0} deliveries/s (first queued to last sent)",
        queued_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        waits.len() as f64 / span.as_secs_f64(),
    );
    if args.mode == "drain" {
        let drained = Duration::from_micros(u64::try_from(last_sent - workers_started).unwrap_or(0));
        println!(
            "drained by the workers in {:.2} s: {:.0} deliveries/s",
            drained.as_secs_f64(),
            waits.len() as f64 / drained.as_secs_f64().max(1e-3),
        );
    }
    println!(
        "queue to sent: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&waits, 0.50).as_secs_f64() * 1e3,
        percentile(&waits, 0.99).as_secs_f64() * 1e3,
        waits.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    server.abort().await;
    user.abort().await;
}
