//! The HMS gateway: the single entry point for browsers, curl, SDKs and
//! grpcurl. One listener (HTTP/1.1 and h2c) serves
//!
//! - REST/JSON transcoded from the `google.api.http` annotations ([`transcode`]),
//! - grpc-web (binary and text) through tonic-web,
//! - plain gRPC passthrough to the service owning the method's package, with
//!   health and reflection answered by the gateway itself,
//! - `/openapi.json` and `/docs` (Swagger UI, embedded),
//! - the web app ([`web_app`], embedded) and its session ([`web_session`]), kept in cookies only the gateway reads.
//!
//! Every call is checked at the edge: the method's access policy with the
//! bearer token (internal methods are never reachable), rate limits, a
//! deadline, a request id, the client address and the trace context.

mod admission;
mod config;
mod docs;
mod edge;
mod errors;
mod grpc;
mod idempotency;
mod openapi;
mod ratelimit;
mod rest;
mod transcode;
mod upstream;
mod web_app;
mod web_session;
mod webhooks;
mod wire_json;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use hms_kit::auth::{Policies, Policy, TokenVerifier};
use hms_kit::client::remote_verifier;
use hms_kit::config::AuthConfig;
use tokio::net::TcpListener;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

pub use config::{GatewayConfig, RateLimitBackend, RateLimitConfig};
pub use errors::http_status;

use crate::ratelimit::RateLimiter;
use crate::transcode::Transcoder;
use crate::upstream::Upstreams;

/// What every request handler shares.
pub(crate) struct Shared {
    pub config: GatewayConfig,
    pub transcoder: Arc<Transcoder>,
    pub policies: Policies,
    pub verifier: Arc<TokenVerifier>,
    pub upstreams: Upstreams,
    pub limiter: RateLimiter,
    pub local: tonic::service::Routes,
    pub openapi: bytes::Bytes,
    /// The web app's Content-Security-Policy.
    pub web_policy: http::HeaderValue,
    /// Answered requests so far, for `access_log_every`.
    pub access_count: std::sync::atomic::AtomicU64,
}

/// A built gateway, ready to serve.
pub struct Gateway {
    shared: Arc<Shared>,
    health: HealthReporter,
}

/// Builds the gateway: routes from the descriptor set, channels to the
/// services, the token verifier (fed by the user service's published keys)
/// and the rate limiter.
pub async fn build(config: &GatewayConfig, auth: &AuthConfig) -> anyhow::Result<Gateway> {
    let descriptors = hms_proto::FILE_DESCRIPTOR_SET;
    let policies = Policies::from_descriptor_set(descriptors)?;
    // Internal methods get no REST route at all.
    let transcoder = Transcoder::new(descriptors, |path| !matches!(policies.get(path), Some(Policy::Internal) | None))?;
    // No service-token secret: a service token presented at the edge never verifies.
    let verifier = remote_verifier(auth, None).await?;
    let limiter = RateLimiter::new(&config.rate_limit).await?;
    let upstreams = Upstreams::new(&config.package_routes(), config.in_process_upstreams)?;

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_service_status("", ServingStatus::Serving).await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptors)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptors)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let web_sessions = web_session::WebSessions::new(upstreams.clone(), config.cors_allowed_origins.clone());
    let local = tonic::service::Routes::new(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(hms_proto::web::web_session_service_server::WebSessionServiceServer::new(web_sessions))
        .prepare();

    web_app::load();
    let openapi = serde_json::to_vec_pretty(&openapi::document(&transcoder, &policies))?.into();
    let shared = Arc::new(Shared {
        config: config.clone(),
        transcoder: Arc::new(transcoder),
        policies,
        verifier,
        upstreams,
        limiter,
        local,
        openapi,
        web_policy: web_app::content_security_policy(&config.payment_origins)?,
        access_count: std::sync::atomic::AtomicU64::new(0),
    });
    Ok(Gateway { shared, health })
}

impl Gateway {
    /// The HTTP application (for embedding; [`Gateway::serve`] uses it).
    pub fn router(&self) -> Router {
        let shared = self.shared.clone();
        let webhooks = Router::new()
            .route("/webhooks/stripe", post(webhooks::stripe))
            .route("/webhooks/vnpay/ipn", get(webhooks::vnpay_ipn))
            .layer(DefaultBodyLimit::max(webhooks::MAX_BODY_BYTES));
        docs::routes(Router::new().route("/openapi.json", get(openapi::serve_document)))
            .merge(webhooks)
            .fallback(edge::dispatch)
            .layer(axum::middleware::from_fn_with_state(shared.clone(), edge::request_context))
            .layer(edge::cors(&shared.config))
            .layer(hms_kit::metrics::MetricsLayer::new("gateway", method_label(shared.clone())))
            .with_state(shared)
    }

    /// Serves on `listener` until `shutdown` resolves, then reports
    /// NOT_SERVING and drains in-flight requests (at most `drain_timeout`).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = self.router().into_make_service_with_connect_info::<SocketAddr>();
        let health = self.health.clone();
        let drain = self.shared.config.drain_timeout;
        let draining = Arc::new(tokio::sync::Notify::new());
        let started = draining.clone();
        let stop = async move {
            shutdown.await;
            tracing::info!("gateway shutting down: NOT_SERVING, then draining");
            health.set_service_status("", ServingStatus::NotServing).await;
            started.notify_one();
        };
        let metrics = match self.shared.config.metrics_listen {
            Some(address) => {
                let metrics_listener = TcpListener::bind(address)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on {address} for gateway metrics: {e}"))?;
                tracing::info!(address = %metrics_listener.local_addr()?, "gateway serving metrics");
                Some(tokio::spawn(hms_kit::metrics::serve_metrics(metrics_listener, std::future::pending())))
            }
            None => None,
        };
        tracing::info!(address = %listener.local_addr()?, "gateway serving");
        use axum::serve::ListenerExt;
        // Without TCP_NODELAY small responses wait for delayed ACKs (40 ms stalls).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let server = axum::serve(listener, app).with_graceful_shutdown(stop);
        tokio::select! {
            result = server => result?,
            () = async { draining.notified().await; tokio::time::sleep(drain).await } => {
                tracing::warn!("gateway drain timed out; closing the remaining connections");
            }
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        tracing::info!("gateway stopped");
        Ok(())
    }
}

/// The `method` label of the gateway's metrics: the gRPC method a request
/// calls (REST routes by the method they transcode to), a fixed path of the
/// gateway's own, or `unknown`, so the label set stays small.
fn method_label(shared: Arc<Shared>) -> hms_kit::metrics::MethodLabel {
    Arc::new(move |method, uri, headers| {
        let path = uri.path();
        let grpc =
            headers.get(http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
        if grpc {
            if shared.policies.get(path).is_some() || path.starts_with("/grpc.") {
                return path.to_owned();
            }
        } else if let Ok(matched) = shared.transcoder.route(method, path) {
            return matched.route.grpc_path.clone();
        } else if path == "/openapi.json"
            || path == "/webhooks/stripe"
            || path == "/webhooks/vnpay/ipn"
            || docs::is_docs_path(path)
        {
            return path.to_owned();
        }
        "unknown".to_owned()
    })
}

/// Builds and serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: GatewayConfig,
    auth: AuthConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    build(&config, &auth).await?.serve(listener, shutdown).await
}
