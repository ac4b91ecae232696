//! A real grpc-web client in Node (`tests/js`, Connect's grpc-web transport)
//! against the gateway. Needs `npm ci --prefix gateway/tests/js` first;
//! skipped without it unless `HMS_TEST_REQUIRE_BACKENDS=1`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{PASSWORD, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_grpc_web_client_logs_in_and_watches_health() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    if !js.join("node_modules/@connectrpc/connect-node").exists() {
        assert!(
            std::env::var("HMS_TEST_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "run `npm ci --prefix gateway/tests/js` first"
        );
        eprintln!("skipped: run `npm ci --prefix gateway/tests/js` first");
        return;
    }
    let s = Stack::start().await;
    s.register("node.user").await;
    let dir = tempfile::tempdir().unwrap();
    let hms = dir.path().join("hms.binpb");
    let health = dir.path().join("health.binpb");
    std::fs::write(&hms, hms_proto::FILE_DESCRIPTOR_SET).unwrap();
    std::fs::write(&health, tonic_health::pb::FILE_DESCRIPTOR_SET).unwrap();

    let gateway = s.gateway.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("grpc_web.test.mjs")
            .current_dir(&js)
            .env("GATEWAY_URL", gateway)
            .env("HMS_DESCRIPTORS", &hms)
            .env("HEALTH_DESCRIPTORS", &health)
            .env("USERNAME", "node.user")
            .env("PASSWORD", PASSWORD)
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "node grpc-web test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
