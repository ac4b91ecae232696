//! The shared server bootstrap: health follows the store, and the access layer
//! guards every method.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::{KeySource, PublicKey, TokenVerifier};
use hms_kit::config::ServerConfig;
use hms_kit::proto::user::GetMeRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::server::{ServiceDef, StoreProbe};
use hms_kit::testing::TestServer;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

struct Switch(AtomicBool);

#[async_trait]
impl StoreProbe for Switch {
    async fn ping(&self) -> anyhow::Result<()> {
        if self.0.load(Ordering::SeqCst) { Ok(()) } else { anyhow::bail!("store down") }
    }
}

struct NoKeys;

#[async_trait]
impl KeySource for NoKeys {
    async fn fetch(&self) -> anyhow::Result<Vec<PublicKey>> {
        Ok(Vec::new())
    }
}

async fn status(client: &mut HealthClient<tonic::transport::Channel>, service: &str) -> ServingStatus {
    client.check(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner().status()
}

async fn wait_for(client: &mut HealthClient<tonic::transport::Channel>, expected: ServingStatus) {
    for _ in 0..100 {
        if status(client, "hms.test.v1.TestService").await == expected {
            assert_eq!(status(client, "").await, expected, "overall status follows");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("health never became {expected:?}");
}

#[tokio::test]
async fn health_reports_not_serving_while_the_store_is_unreachable() {
    let store = Arc::new(Switch(AtomicBool::new(true)));
    // No routes of its own: the bootstrap's health service and the probe are what matter.
    let service = ServiceDef {
        name: "test",
        routes: tonic::service::Routes::default(),
        grpc_names: vec!["hms.test.v1.TestService"],
        probe: store.clone(),
    };
    let verifier = Arc::new(TokenVerifier::new(Arc::new(NoKeys), "hms-user", "hms", None));
    let config = ServerConfig { health_interval: Duration::from_millis(20), ..ServerConfig::default() };
    let server = TestServer::start_with(service, verifier, config).await;
    let mut health =
        HealthClient::new(tonic::transport::Channel::from_shared(server.url()).unwrap().connect().await.unwrap());

    wait_for(&mut health, ServingStatus::Serving).await;
    store.0.store(false, Ordering::SeqCst);
    wait_for(&mut health, ServingStatus::NotServing).await;
    store.0.store(true, Ordering::SeqCst);
    wait_for(&mut health, ServingStatus::Serving).await;
    server.shutdown().await.unwrap();
}

fn test_service(store: Arc<Switch>) -> (ServiceDef, Arc<TokenVerifier>) {
    let service = ServiceDef {
        name: "test",
        routes: tonic::service::Routes::default(),
        grpc_names: vec!["hms.test.v1.TestService"],
        probe: store,
    };
    (service, Arc::new(TokenVerifier::new(Arc::new(NoKeys), "hms-user", "hms", None)))
}

fn free_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

async fn scrape(address: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for _ in 0..100 {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(address).await {
            stream.write_all(format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n").as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            return response;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("metrics endpoint {address} never answered");
}

#[tokio::test]
async fn metrics_count_requests_by_method_and_code() {
    let (service, verifier) = test_service(Arc::new(Switch(AtomicBool::new(true))));
    let metrics_address = free_port();
    let config = ServerConfig { metrics_listen: Some(metrics_address), ..ServerConfig::default() };
    let server = TestServer::start_with(service, verifier, config).await;
    let channel = tonic::transport::Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let mut health = HealthClient::new(channel.clone());
    assert_eq!(status(&mut health, "").await, ServingStatus::Serving);
    assert_eq!(status(&mut health, "").await, ServingStatus::Serving);
    // A method nobody serves: one label for every unknown path.
    let missing = health.check(HealthCheckRequest { service: "no.such.Service".into() }).await.unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);

    let response = scrape(metrics_address, "/metrics").await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("content-type: text/plain; version=0.0.4"), "{response}");
    let counter = |code: &str| {
        response
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "hms_requests_total{{code=\"{code}\",method=\"/grpc.health.v1.Health/Check\",service=\"test\"}}"
                ))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    assert!(counter("OK").is_some_and(|n| n >= 2), "{response}");
    assert!(counter("NOT_FOUND").is_some_and(|n| n >= 1), "{response}");
    assert!(response.contains("hms_request_duration_seconds_bucket{code=\"OK\",method=\"/grpc.health.v1.Health/Check\",service=\"test\",le="), "{response}");
    assert!(response.contains("hms_requests_in_flight{service=\"test\"} 0"), "{response}");
    assert!(scrape(metrics_address, "/other").await.starts_with("HTTP/1.1 404"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_service_is_callable_in_process_while_it_serves() {
    let (service, verifier) = test_service(Arc::new(Switch(AtomicBool::new(true))));
    let server = TestServer::start(service, verifier).await;
    let address = server.addr;
    let mut local = None;
    for _ in 0..100 {
        local = hms_kit::server::local_service(address);
        if local.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let local = local.expect("registered while serving");

    let mut health = HealthClient::new(local.clone());
    let check = health.check(HealthCheckRequest { service: "hms.test.v1.TestService".into() }).await.unwrap();
    assert_eq!(check.into_inner().status(), ServingStatus::Serving);
    // The access layer runs in process as it does over the network.
    let refused = UserServiceClient::new(local).get_me(GetMeRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{refused:?}");

    server.shutdown().await.unwrap();
    assert!(hms_kit::server::local_service(address).is_none(), "a stopped service is not called in process");
}

#[tokio::test]
async fn the_healthcheck_binary_exits_zero_only_when_serving() {
    let store = Arc::new(Switch(AtomicBool::new(true)));
    let (service, verifier) = test_service(store.clone());
    let config = ServerConfig { health_interval: Duration::from_millis(20), ..ServerConfig::default() };
    let server = TestServer::start_with(service, verifier, config).await;
    let address = server.url().trim_start_matches("http://").to_owned();
    let run = |args: Vec<String>| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_hms-healthcheck")).args(args).output().await.unwrap()
    };

    let ok = run(vec![address.clone()]).await;
    assert!(ok.status.success(), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("SERVING"));
    let named = run(vec![address.clone(), "--service".into(), "hms.test.v1.TestService".into()]).await;
    assert!(named.status.success(), "{named:?}");
    let unknown = run(vec![address.clone(), "--service".into(), "no.such.Service".into()]).await;
    assert_eq!(unknown.status.code(), Some(1), "{unknown:?}");

    store.0.store(false, Ordering::SeqCst);
    let mut health =
        HealthClient::new(tonic::transport::Channel::from_shared(server.url()).unwrap().connect().await.unwrap());
    wait_for(&mut health, ServingStatus::NotServing).await;
    let down = run(vec![address.clone()]).await;
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(String::from_utf8_lossy(&down.stderr).contains("NOT_SERVING"), "{down:?}");
    server.shutdown().await.unwrap();

    let closed = run(vec![free_port().to_string(), "--timeout-ms".into(), "500".into()]).await;
    assert_eq!(closed.status.code(), Some(1), "{closed:?}");
    let usage = run(vec!["--bogus".into()]).await;
    assert_eq!(usage.status.code(), Some(2), "{usage:?}");
}
