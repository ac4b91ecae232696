//! Same unary call (`UserService/GetSigningKeys`, public) five ways:
//! directly over gRPC, through the gateway's gRPC passthrough and through its
//! REST route (`GET /api/v1/users/keys`), each with the gateway reaching the
//! service over a socket (separate processes) and in process (`hms up`), at
//! 1, 16 and 64 concurrent clients for a bounded time each. Prints
//! throughput and p50/p99.
//!
//! `cargo bench -p hms-gateway` (release). `HMS_BENCH_SECS` sets the time per
//! cell (default 3). `HMS_BENCH_ONLY=GatewayRest:16` runs one cell (for a profiler).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hms_gateway::{GatewayConfig, RateLimitBackend};
use hms_kit::config::AuthConfig;
use hms_kit::proto::user::GetSigningKeysRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::testing::{Relational, TestServer};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tonic::transport::Channel;

#[derive(Clone, Copy, Debug)]
enum Mode {
    DirectGrpc,
    GatewayGrpc,
    GatewayRest,
    InProcessGrpc,
    InProcessRest,
}

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs: u64 = std::env::var("HMS_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let db = hms_kit::testing::database(Relational::Sqlite).await.expect("sqlite");
    let user_config = hms_user::UserConfig {
        database_url: db.url.clone(),
        encryption_keys: BTreeMap::from([("k1".into(), SecretString::from(hms_kit::auth::random_secret(32)?))]),
        initial_admin: hms_user::InitialAdmin {
            password: Some(SecretString::from("bench-admin-password")),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut auth = AuthConfig { service_token_secret: Some(SecretString::from("bench-secret")), ..Default::default() };
    let built = hms_user::build(&user_config, &auth).await?;
    let user = TestServer::start(built.service, built.verifier).await;
    auth.user_service_url = user.url();

    let mut config = GatewayConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        routes: BTreeMap::from([("hms.user.v1".into(), user.url())]),
        ..GatewayConfig::default()
    };
    config.rate_limit.backend = RateLimitBackend::Off;
    let gateway_auth = AuthConfig { service_token_secret: None, ..auth.clone() };
    let gateway_url = start_gateway(&config, &gateway_auth).await?;
    config.in_process_upstreams = true;
    let in_process_url = start_gateway(&config, &gateway_auth).await?;

    println!("GetSigningKeys, {secs} s per cell, release build, 2 cores shared by clients and servers\n");
    println!("{:<14} {:>7} {:>12} {:>10} {:>10}", "mode", "clients", "req/s", "p50 µs", "p99 µs");
    let only = std::env::var("HMS_BENCH_ONLY").ok();
    for clients in [1_usize, 16, 64] {
        for mode in [Mode::DirectGrpc, Mode::GatewayGrpc, Mode::GatewayRest, Mode::InProcessGrpc, Mode::InProcessRest] {
            if only.as_ref().is_some_and(|only| *only != format!("{mode:?}:{clients}")) {
                continue;
            }
            let target = match mode {
                Mode::DirectGrpc => user.url(),
                Mode::GatewayGrpc | Mode::GatewayRest => gateway_url.clone(),
                Mode::InProcessGrpc | Mode::InProcessRest => in_process_url.clone(),
            };
            let (rate, p50, p99) = run(mode, &target, clients, Duration::from_secs(secs)).await?;
            println!("{:<14} {:>7} {:>12.0} {:>10} {:>10}", format!("{mode:?}"), clients, rate, p50, p99);
        }
    }
    Ok(())
}

async fn start_gateway(config: &GatewayConfig, auth: &AuthConfig) -> anyhow::Result<String> {
    let listener = TcpListener::bind(config.listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(hms_gateway::build(config, auth).await?.serve(listener, std::future::pending()));
    Ok(url)
}

async fn run(mode: Mode, url: &str, clients: usize, duration: Duration) -> anyhow::Result<(f64, u128, u128)> {
    let channel = Channel::from_shared(url.to_owned())?.tcp_nodelay(true).connect().await?;
    let http = reqwest::Client::builder().tcp_nodelay(true).pool_max_idle_per_host(clients).build()?;
    let rest_url = Arc::new(format!("{url}/api/v1/users/keys"));
    // Warm up connections and caches.
    call(mode, &channel, &http, &rest_url).await?;

    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (channel, http, rest_url) = (channel.clone(), http.clone(), rest_url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            while Instant::now() < deadline {
                let t = Instant::now();
                call(mode, &channel, &http, &rest_url).await?;
                latencies.push(t.elapsed().as_micros());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 - 1.0) * p) as usize];
    Ok((all.len() as f64 / elapsed, pct(0.50), pct(0.99)))
}

async fn call(mode: Mode, channel: &Channel, http: &reqwest::Client, rest_url: &str) -> anyhow::Result<()> {
    match mode {
        Mode::DirectGrpc | Mode::GatewayGrpc | Mode::InProcessGrpc => {
            let keys = UserServiceClient::new(channel.clone()).get_signing_keys(GetSigningKeysRequest {}).await?;
            anyhow::ensure!(!keys.get_ref().keys.is_empty());
        }
        Mode::GatewayRest | Mode::InProcessRest => {
            let response = http.get(rest_url).send().await?;
            anyhow::ensure!(response.status().is_success(), "status {}", response.status());
            let _ = response.bytes().await?;
        }
    }
    Ok(())
}
