//! The delivery queue under pressure: a worker stopped with a backlog ends
//! promptly and puts back what it did not send, uncounted; a restarted one
//! delivers everything exactly once; an SMTP server that refuses everything
//! pauses its channel instead of using up every delivery's attempts; and the
//! user service answers a batch's contacts in one call. On SQLite and on the
//! MongoDB-wire server.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hms_kit::proto::common::PageRequest;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::notification::notification_service_client::NotificationServiceClient;
use hms_kit::proto::notification::*;
use hms_kit::proto::user::BatchGetContactInfoRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::testing::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tonic::transport::Channel as GrpcChannel;

/// An SMTP server that takes its time: each message is acknowledged (and
/// counted as received) `delay` after its data ends.
#[derive(Clone)]
struct SlowSmtp {
    port: u16,
    delay: Arc<Mutex<Duration>>,
    /// Message-IDs received, in order.
    received: Arc<Mutex<Vec<String>>>,
}

impl SlowSmtp {
    async fn start(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Self {
            port: listener.local_addr().unwrap().port(),
            delay: Arc::new(Mutex::new(delay)),
            received: Arc::default(),
        };
        let shared = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(shared.clone().session(socket));
            }
        });
        sink
    }

    fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    async fn session(self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        if write.write_all(b"220 slow ESMTP\r\n").await.is_err() {
            return;
        }
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250-slow\r\n250 8BITMIME\r\n",
                "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                "DATA" => {
                    if write.write_all(b"354 go ahead\r\n").await.is_err() {
                        return;
                    }
                    let mut id = String::new();
                    while let Ok(Some(data)) = lines.next_line().await {
                        if data == "." {
                            break;
                        }
                        if let Some(value) = data.strip_prefix("Message-ID:") {
                            id = value.trim().to_owned();
                        }
                    }
                    let delay = *self.delay.lock().unwrap();
                    tokio::time::sleep(delay).await;
                    self.received.lock().unwrap().push(id);
                    b"250 2.0.0 queued\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => b"502 5.5.2 unknown command\r\n",
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}

/// A notification server without a worker, on the world's store, for
/// queueing and reading the log while workers come and go.
async fn api_only(w: &World) -> TestServer {
    w.replica(false).await.0
}

async fn channel(server: &TestServer) -> GrpcChannel {
    GrpcChannel::from_shared(server.url()).unwrap().connect().await.unwrap()
}

async fn queue(w: &World, server: &TestServer, recipient: &str, key: &str) {
    let request = SendRequest {
        r#type: REGISTERED.into(),
        recipient_id: recipient.into(),
        channel_preferences: vec![Channel::Email.into()],
        data: [("user_name".to_owned(), "Queue".to_owned())].into(),
        idempotency_key: key.into(),
    };
    let mut internal = InternalNotificationServiceClient::new(channel(server).await);
    internal.send(authed(request, &w.service_token())).await.unwrap();
}

async fn log(w: &World, server: &TestServer, recipient: &str) -> Vec<Delivery> {
    let request = ListDeliveriesRequest {
        recipient_id: recipient.into(),
        page: Some(PageRequest { page_size: 500, page_token: String::new() }),
        ..Default::default()
    };
    let admin = w.admin_token().await;
    let mut api = NotificationServiceClient::new(channel(server).await);
    api.list_deliveries(authed(request, &admin)).await.unwrap().into_inner().deliveries
}

/// A worker of its own on the world's store, with `tune` applied to its
/// configuration, and the sender that stops it.
async fn worker(
    w: &World,
    tune: impl FnOnce(&mut hms_notification::NotificationConfig),
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    worker_with(w, w.auth.clone(), tune).await
}

async fn worker_with(
    w: &World,
    auth: hms_kit::config::AuthConfig,
    tune: impl FnOnce(&mut hms_notification::NotificationConfig),
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let mut config = w.config.clone();
    tune(&mut config);
    let built = hms_notification::build(&config, &auth).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(built.worker.run(async move {
        let _ = stopped.await;
    }));
    (stop, handle)
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..1_500 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 30 s");
}

const BACKLOG: usize = 40;

async fn a_stopped_worker_ends_promptly_and_a_restarted_one_delivers_the_rest_exactly_once(mut w: World) {
    let (user, _) = w.patient("backlog", "en").await;
    w.kill().await;
    let server = api_only(&w).await;
    for i in 0..BACKLOG {
        queue(&w, &server, &user, &format!("b{i}")).await;
    }
    let slow = SlowSmtp::start(Duration::from_millis(150)).await;
    let port = slow.port;
    let (stop, running) = worker(&w, |c| {
        c.email.smtp_port = port;
        c.worker.concurrency = 2;
        c.worker.batch_size = 16;
    })
    .await;
    wait_until("the first mails", async || slow.received().len() >= 3).await;

    stop.send(()).unwrap();
    // Liveness, not speed: it ends, with the sends in flight finished.
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("the stopped worker ended").unwrap();
    let received = slow.received();
    let deliveries = log(&w, &server, &user).await;
    assert_eq!(deliveries.len(), BACKLOG);
    let sent: Vec<_> = deliveries.iter().filter(|d| d.status() == DeliveryStatus::Sent).collect();
    let queued: Vec<_> = deliveries.iter().filter(|d| d.status() == DeliveryStatus::Queued).collect();
    assert_eq!(sent.len() + queued.len(), BACKLOG, "nothing left SENDING: {deliveries:?}");
    assert!(!queued.is_empty(), "stopped with a backlog left");
    assert_eq!(sent.len(), received.len(), "every acknowledged mail recorded as sent, and only those");
    assert!(sent.iter().all(|d| d.attempts == 1), "{sent:?}");
    assert!(queued.iter().all(|d| d.attempts == 0), "no attempt counted for the ones not sent: {queued:?}");

    // A restarted worker sends the rest, each once.
    slow.set_delay(Duration::ZERO);
    let (stop, running) = worker(&w, |c| c.email.smtp_port = port).await;
    wait_until("the rest of the backlog", async || {
        log(&w, &server, &user).await.iter().all(|d| d.status() == DeliveryStatus::Sent)
    })
    .await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("ended").unwrap();
    let mut ids = slow.received();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((total, ids.len()), (BACKLOG, BACKLOG), "each notification exactly once");
    assert!(log(&w, &server, &user).await.iter().all(|d| d.attempts == 1));
}

async fn a_send_that_hangs_does_not_hold_up_the_stop(mut w: World) {
    let (user, _) = w.patient("hanging", "en").await;
    w.kill().await;
    let server = api_only(&w).await;
    for i in 0..3 {
        queue(&w, &server, &user, &format!("h{i}")).await;
    }
    // Longer than the liveness bound below: only abandoning the send ends the worker in time.
    let hanging = SlowSmtp::start(Duration::from_secs(600)).await;
    let port = hanging.port;
    let (stop, running) = worker(&w, |c| {
        c.email.smtp_port = port;
        c.email.smtp_timeout = Duration::from_millis(600_000);
    })
    .await;
    wait_until("the first send under way", async || {
        log(&w, &server, &user).await.iter().any(|d| d.status() == DeliveryStatus::Sending)
    })
    .await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(60), running).await.expect("the stopped worker ended").unwrap();
    let deliveries = log(&w, &server, &user).await;
    assert!(
        deliveries.iter().all(|d| d.status() == DeliveryStatus::Queued && d.attempts == 0),
        "abandoned at the stop, put back, uncounted: {deliveries:?}"
    );
    assert!(hanging.received().is_empty());
}

async fn a_refusing_smtp_server_pauses_email_instead_of_using_up_every_attempt(mut w: World) {
    let (user, _) = w.patient("storm", "en").await;
    w.kill().await;
    let server = api_only(&w).await;
    for i in 0..20 {
        queue(&w, &server, &user, &format!("s{i}")).await;
    }
    w.sink.set_mode(Mode::Refuse);
    let (stop, running) = worker(&w, |c| {
        c.worker.breaker_failures = 3;
        c.worker.breaker_pause = Duration::from_millis(300);
        c.worker.breaker_max_pause = Duration::from_millis(600);
        c.worker.concurrency = 1;
    })
    .await;
    wait_until("the breaker opening", async || w.sink.refused() >= 3).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let refused = w.sink.refused();
    // Without the breaker: 20 deliveries × 3 attempts, all FAILED. With it:
    // three failures, then a probe per pause.
    assert!(refused <= 8, "{refused} refusals");
    let failed = log(&w, &server, &user).await.iter().filter(|d| d.status() == DeliveryStatus::Failed).count();
    assert!(failed <= 2, "{failed} deliveries used up their attempts");

    w.sink.set_mode(Mode::Accept);
    wait_until("the paused mail going out", async || {
        log(&w, &server, &user)
            .await
            .iter()
            .all(|d| matches!(d.status(), DeliveryStatus::Sent | DeliveryStatus::Failed))
    })
    .await;
    assert_eq!(w.sink.mails().len() + failed, 20);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("ended").unwrap();
}

async fn an_unreachable_user_service_uses_up_no_attempts(mut w: World) {
    let (user, _) = w.patient("nobody.home", "en").await;
    w.kill().await;
    let server = api_only(&w).await;
    for i in 0..5 {
        queue(&w, &server, &user, &format!("u{i}")).await;
    }
    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = hms_kit::config::AuthConfig { user_service_url: format!("http://{closed}"), ..w.auth.clone() };
    let (stop, running) = worker_with(&w, unreachable, |c| {
        c.worker.breaker_failures = 2;
        c.worker.breaker_pause = Duration::from_millis(100);
        c.worker.breaker_max_pause = Duration::from_millis(200);
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("ended").unwrap();
    let deliveries = log(&w, &server, &user).await;
    assert!(
        deliveries.iter().all(|d| d.status() == DeliveryStatus::Queued && d.attempts == 0),
        "waiting for the user service is no attempt: {deliveries:?}"
    );

    let (stop, running) = worker(&w, |_| {}).await;
    wait_until("delivery once the user service answers", async || {
        log(&w, &server, &user).await.iter().all(|d| d.status() == DeliveryStatus::Sent && d.attempts == 1)
    })
    .await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("ended").unwrap();
    assert_eq!(w.sink.mails().len(), 5);
}

async fn the_user_service_answers_a_batch_of_contacts_in_one_call(w: World) {
    let (first, _) = w.patient("batch.one", "en").await;
    let (second, patient) = w.patient("batch.two", "vi").await;
    let channel = GrpcChannel::from_shared(w.user.url()).unwrap().connect().await.unwrap();
    let mut internal = InternalUserServiceClient::new(channel);
    let request = || BatchGetContactInfoRequest { user_ids: vec![first.clone(), second.clone(), "unknown".into()] };
    let contacts: BTreeMap<_, _> = internal
        .batch_get_contact_info(authed(request(), &w.service_token()))
        .await
        .unwrap()
        .into_inner()
        .contacts
        .into_iter()
        .collect();
    let mut known = vec![&first, &second];
    known.sort();
    assert_eq!(contacts.keys().collect::<Vec<_>>(), known, "the unknown id left out");
    assert_eq!(contacts[&first].email, "batch.one@example.com");
    assert_eq!((contacts[&second].preferred_language.as_str(), contacts[&second].is_active), ("vi", true));
    assert_eq!(contacts[&second].display_name, "Test batch.two");
    let refused = internal.batch_get_contact_info(authed(request(), &patient)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");
}

on_every_store!(
    a_stopped_worker_ends_promptly_and_a_restarted_one_delivers_the_rest_exactly_once,
    a_refusing_smtp_server_pauses_email_instead_of_using_up_every_attempt,
    a_send_that_hangs_does_not_hold_up_the_stop,
    an_unreachable_user_service_uses_up_no_attempts,
    the_user_service_answers_a_batch_of_contacts_in_one_call,
);
