//! The shared server bootstrap: health follows the store, and the access layer
//! guards every method.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hms_kit::auth::{KeySource, PublicKey, TokenVerifier};
use hms_kit::config::ServerConfig;
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
