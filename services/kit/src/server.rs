//! Server bootstrap shared by every service: health reporting the store's
//! state, reflection v1 and v1alpha, the access-policy layer, request spans
//! with trace context, deadlines, and graceful shutdown (NOT_SERVING, then drain).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower::{Layer, Service};
use tracing::Instrument;

use crate::auth::{AccessLayer, ClientAddress, Policies, TokenVerifier};
use crate::config::ServerConfig;
use crate::proxies::TrustedProxies;

/// Reports whether the service's store answers.
#[async_trait]
pub trait StoreProbe: Send + Sync + 'static {
    async fn ping(&self) -> anyhow::Result<()>;

    /// Pool usage and outbox backlog for metrics, read with each probe.
    async fn stats(&self) -> crate::metrics::StoreStats {
        crate::metrics::StoreStats::default()
    }
}

/// One service ready to serve: its routes, the names it reports health for,
/// and how to check its store.
pub struct ServiceDef {
    pub name: &'static str,
    pub routes: Routes,
    /// Fully-qualified gRPC service names (`hms.user.v1.UserService`).
    pub grpc_names: Vec<&'static str>,
    pub probe: Arc<dyn StoreProbe>,
}

/// Accepted connections with TCP_NODELAY set. tonic sets it only on
/// listeners it binds itself; without it, small responses wait on delayed
/// ACKs, which costs tens of milliseconds at p99.
fn accept_without_delay(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    TcpListenerStream::new(listener).map(|accepted| {
        accepted.and_then(|stream| {
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    })
}

/// A service's whole request stack (metrics, request context, access
/// policy, routes) as one callable value, for callers in the same process.
pub type LocalService = tower::util::BoxCloneSyncService<
    http::Request<tonic::body::Body>,
    http::Response<tonic::body::Body>,
    std::convert::Infallible,
>;

/// The services this process serves, by the address they listen on.
static LOCAL_SERVICES: LazyLock<RwLock<HashMap<SocketAddr, LocalService>>> = LazyLock::new(Default::default);

/// The service this process serves at `address`, if any: calling it skips
/// the socket and both HTTP/2 codecs, and runs the same layers as a call
/// that arrives over the network.
pub fn local_service(address: SocketAddr) -> Option<LocalService> {
    LOCAL_SERVICES.read().unwrap_or_else(PoisonError::into_inner).get(&address).cloned()
}

/// Keeps a service callable in process for as long as it lives, so a server
/// that stops (or whose task is aborted) is never called that way again.
struct LocalRegistration(SocketAddr);

impl LocalRegistration {
    fn new(address: SocketAddr, service: LocalService) -> Self {
        LOCAL_SERVICES.write().unwrap_or_else(PoisonError::into_inner).insert(address, service);
        Self(address)
    }
}

impl Drop for LocalRegistration {
    fn drop(&mut self) {
        LOCAL_SERVICES.write().unwrap_or_else(PoisonError::into_inner).remove(&self.0);
    }
}

/// Serves `service` on `listener` until `shutdown` resolves, then reports
/// NOT_SERVING, waits `config.shutdown_delay` and drains in-flight requests.
/// While it serves, the same stack is callable in process ([`local_service`]).
pub async fn serve(
    service: ServiceDef,
    listener: TcpListener,
    config: &ServerConfig,
    verifier: Arc<TokenVerifier>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let names = service.grpc_names.clone();
    // The first probe completes before the first connection is accepted, so a
    // health check never finds the service unregistered.
    let first = probe_once(&*service.probe).await;
    set_all(&reporter, &names, first).await;
    crate::metrics::record_store_stats(service.name, &service.probe.stats().await);
    let probe_task = tokio::spawn(probe_store(
        reporter.clone(),
        service.name,
        names.clone(),
        service.probe,
        config.health_interval,
        first,
    ));

    let policies = Arc::new(Policies::hms()?);
    let metrics_task = match config.metrics_listen {
        Some(address) => {
            let metrics_listener = TcpListener::bind(address)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {address} for {} metrics: {e}", service.name))?;
            tracing::info!(service = service.name, address = %metrics_listener.local_addr()?, "serving metrics");
            Some(tokio::spawn(crate::metrics::serve_metrics(metrics_listener, std::future::pending())))
        }
        None => None,
    };
    let known = policies.clone();
    let method_label: crate::metrics::MethodLabel = Arc::new(move |_, uri, _| {
        let path = uri.path();
        if known.get(path).is_some() || path.starts_with("/grpc.") { path.to_owned() } else { "unknown".to_owned() }
    });
    let routes = service.routes.add_service(health_service).add_service(reflection_v1).add_service(reflection_v1alpha);
    let delay = config.shutdown_delay;
    let name = service.name;
    let address = listener.local_addr()?;
    // The same layers for calls over the network and in process. An
    // in-process call has no peer: its caller (this process's gateway)
    // passes the client's address as an [`InProcessClient`] extension.
    let layers = tower::ServiceBuilder::new()
        .layer(crate::metrics::MetricsLayer::new(name, method_label.clone()))
        .layer(RequestContextLayer { trusted_proxies: config.trusted_proxies.clone() })
        .layer(AccessLayer::new(policies.clone(), verifier.clone()));
    let stack = tower::ServiceBuilder::new()
        .map_response(|response: http::Response<_>| response.map(tonic::body::Body::new))
        .layer(layers.clone())
        .service(routes.clone());
    let _local = LocalRegistration::new(address, LocalService::new(stack));
    let draining = Arc::new(tokio::sync::Notify::new());
    let drain_started = draining.clone();
    let stop = async move {
        shutdown.await;
        tracing::info!(service = name, "shutting down: reporting NOT_SERVING, then draining");
        probe_task.abort();
        set_all(&reporter, &names, ServingStatus::NotServing).await;
        tokio::time::sleep(delay).await;
        drain_started.notify_one();
    };

    tracing::info!(service = name, %address, "serving");
    let incoming = accept_without_delay(listener);
    let server = tonic::transport::Server::builder()
        .timeout(config.request_timeout)
        .layer(layers)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, stop);
    // Draining waits for every client to acknowledge GOAWAY; one that never
    // does must not keep the process alive past the drain timeout.
    let drain_timeout = config.drain_timeout;
    tokio::select! {
        result = server => result?,
        () = async { draining.notified().await; tokio::time::sleep(drain_timeout).await } => {
            tracing::warn!(service = name, "drain timed out; closing the remaining connections");
        }
    }
    if let Some(task) = metrics_task {
        task.abort();
    }
    tracing::info!(service = name, "stopped");
    Ok(())
}

/// Tells background work beside a server (outbox relays, delivery workers)
/// that the service is stopping.
#[derive(Clone)]
pub struct Stopping(tokio::sync::watch::Receiver<bool>);

impl Stopping {
    /// A new signal and the sender that fires it (send `true`).
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Self) {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        (stop, Self(stopping))
    }

    /// Resolves once stopping has begun.
    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// [`serve`], with background work that `start` spawns beside it: told to
/// stop when shutdown begins, and awaited after the server has drained.
pub async fn serve_with_background(
    service: ServiceDef,
    listener: TcpListener,
    config: &ServerConfig,
    verifier: Arc<TokenVerifier>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    start: impl FnOnce(Stopping) -> Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<()> {
    let (stop, stopping) = Stopping::new();
    let background = start(stopping);
    let served = serve(service, listener, config, verifier, async move {
        shutdown.await;
        let _ = stop.send(true);
    })
    .await;
    for task in background {
        task.await?;
    }
    served
}

async fn set_all(reporter: &HealthReporter, names: &[&'static str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in names {
        reporter.set_service_status(*name, status).await;
    }
}

async fn probe_once(probe: &dyn StoreProbe) -> ServingStatus {
    match probe.ping().await {
        Ok(()) => ServingStatus::Serving,
        Err(e) => {
            tracing::warn!(error = %e, "store probe failed");
            ServingStatus::NotServing
        }
    }
}

async fn probe_store(
    reporter: HealthReporter,
    service: &'static str,
    names: Vec<&'static str>,
    probe: Arc<dyn StoreProbe>,
    every: Duration,
    mut last: ServingStatus,
) {
    loop {
        tokio::time::sleep(every).await;
        let status = probe_once(&*probe).await;
        crate::metrics::record_store_stats(service, &probe.stats().await);
        if last != status {
            set_all(&reporter, &names, status).await;
            last = status;
        }
    }
}

/// A future resolving on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

tokio::task_local! {
    /// The deadline of the request being served, so outbound calls inherit the
    /// caller's remaining budget.
    pub(crate) static DEADLINE: Option<Instant>;
}

/// Remaining time of the request being served, if its client set a deadline.
pub fn remaining_budget() -> Option<Duration> {
    DEADLINE.try_with(|d| d.map(|at| at.saturating_duration_since(Instant::now()))).ok().flatten()
}

/// The client's address, attached to a call by a caller in the same
/// process (the gateway of `hms up`) as an http extension: unlike a header,
/// nothing that arrives over the network can carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InProcessClient(pub String);

/// Opens a span per request (child of the incoming trace context), records
/// the client's deadline for [`remaining_budget`] and resolves the client's
/// address ([`ClientAddress`]).
#[derive(Clone)]
pub struct RequestContextLayer {
    pub trusted_proxies: TrustedProxies,
}

impl<S> Layer<S> for RequestContextLayer {
    type Service = RequestContext<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestContext { inner, trusted_proxies: self.trusted_proxies.clone() }
    }
}

#[derive(Clone)]
pub struct RequestContext<S> {
    inner: S,
    trusted_proxies: TrustedProxies,
}

impl<S, B> Service<http::Request<B>> for RequestContext<S>
where
    S: Service<http::Request<B>> + Send,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let address = client_address_of(&request, &self.trusted_proxies);
        request.extensions_mut().insert(ClientAddress(address));
        let span = tracing::info_span!("grpc", rpc = %request.uri().path(), otel.kind = "server");
        crate::telemetry::set_parent_from_headers(&span, request.headers());
        let deadline = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout)
            .map(|d| Instant::now() + d);
        let future = self.inner.call(request);
        Box::pin(DEADLINE.scope(deadline, future.instrument(span)))
    }
}

/// The address an in-process caller passed, or the TCP peer's, or (from a
/// trusted proxy) the client it names; empty when there is none.
fn client_address_of<B>(request: &http::Request<B>, trusted_proxies: &TrustedProxies) -> String {
    if let Some(InProcessClient(address)) = request.extensions().get::<InProcessClient>() {
        return address.clone();
    }
    request
        .extensions()
        .get::<tonic::transport::server::TcpConnectInfo>()
        .and_then(|info| info.remote_addr())
        .map(|peer| trusted_proxies.client(peer.ip(), request.headers()).to_string())
        .unwrap_or_default()
}

/// Parses the `grpc-timeout` header ("100m", "5S", …).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let request = |peer: &str, in_process: Option<&str>| {
            let mut request =
                http::Request::builder().header("x-forwarded-for", "198.51.100.66, 203.0.113.7").body(()).unwrap();
            let info = tonic::transport::server::TcpConnectInfo {
                local_addr: None,
                remote_addr: Some(SocketAddr::new(peer.parse().unwrap(), 40000)),
            };
            request.extensions_mut().insert(info);
            if let Some(address) = in_process {
                request.extensions_mut().insert(InProcessClient(address.to_owned()));
            }
            request
        };
        let nobody = TrustedProxies::default();
        let gateway: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        assert_eq!(client_address_of(&request("10.1.2.3", None), &nobody), "10.1.2.3");
        assert_eq!(client_address_of(&request("192.0.2.1", None), &gateway), "192.0.2.1");
        assert_eq!(client_address_of(&request("10.1.2.3", None), &gateway), "203.0.113.7");
        assert_eq!(client_address_of(&request("10.1.2.3", Some("192.0.2.9")), &nobody), "192.0.2.9");
        let no_peer = http::Request::builder().header("x-forwarded-for", "203.0.113.7").body(()).unwrap();
        assert_eq!(client_address_of(&no_peer, &gateway), "", "no peer, no header believed");
    }

    #[test]
    fn grpc_timeouts_parse() {
        assert_eq!(parse_grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse_grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_grpc_timeout("5x"), None);
        assert_eq!(parse_grpc_timeout("m"), None);
    }

    #[tokio::test]
    async fn accepted_connections_do_not_wait_for_acks() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut incoming = Box::pin(accept_without_delay(listener));
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let accepted = incoming.next().await.unwrap().unwrap();
        assert!(accepted.nodelay().unwrap());
    }
}
