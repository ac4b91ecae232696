//! What happens to every request at the edge: request id, client address,
//! trace context, access log, CORS and dispatch by protocol. Admission is in
//! `admission`, which the protocols call.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderName, HeaderValue, Method, header};
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tracing::Instrument;

use crate::admission::RequestMeta;
use crate::config::GatewayConfig;
use crate::grpc::GrpcProxy;
use crate::{Shared, rest, web_app};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Request id (taken when sane, generated otherwise, echoed back), client
/// address, a span that continues the caller's trace, and an access log line.
pub async fn request_context(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| shared.config.trusted_proxies.client(c.0.ip(), request.headers()).to_string())
        .unwrap_or_default();

    let headers = request.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    // Services behind the gateway on other hosts read the client address
    // from here, when they trust the gateway's network (`trusted_proxies`).
    match HeaderValue::from_str(&client) {
        Ok(value) => headers.insert(FORWARDED_FOR, value),
        Err(_) => headers.remove(FORWARDED_FOR),
    };
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", %request_id, %method, %path, otel.kind = "server");
    hms_kit::telemetry::set_parent_from_headers(&span, request.headers());
    request.extensions_mut().insert(RequestMeta { request_id: request_id.clone(), client: client.clone() });

    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let grpc_status = response.headers().get("grpc-status").and_then(|v| v.to_str().ok()).unwrap_or("");
    let answered = response.status().as_u16() < 400 && matches!(grpc_status, "" | "0");
    if logged(shared.config.access_log_every, &shared.access_count, answered) {
        tracing::info!(
            target: "hms_gateway::access",
            %request_id, %client, %method, %path,
            status = response.status().as_u16(),
            grpc_status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "access"
        );
    }
    response
}

/// Whether this request gets an access log line: every refusal or error,
/// and one answered request in `every` (none when 0), so a load test need
/// not write a line per request. (A gRPC error that arrives in trailers
/// counts as answered here.)
fn logged(every: u32, count: &AtomicU64, answered: bool) -> bool {
    if !answered {
        return true;
    }
    match every {
        0 => false,
        1 => true,
        n => count.fetch_add(1, Ordering::Relaxed).is_multiple_of(u64::from(n)),
    }
}

/// CORS for browsers, exposing what grpc-web clients read.
pub fn cors(config: &GatewayConfig) -> CorsLayer {
    let origins = if config.cors_allowed_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(config.cors_allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("grpc-status"),
            HeaderName::from_static("grpc-message"),
            HeaderName::from_static("grpc-status-details-bin"),
            REQUEST_ID,
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(3600))
}

/// grpc-web, gRPC, the web app or REST, by content type and path.
pub async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("application/grpc-web") {
        let service = tonic_web::GrpcWebLayer::new().layer(GrpcProxy(shared));
        let Ok(response) = service.oneshot(request).await;
        response.map(Body::new)
    } else if content_type.starts_with("application/grpc") {
        let Ok(response) = GrpcProxy(shared).oneshot(request.map(tonic::body::Body::new)).await;
        response.map(Body::new)
    } else if web_app::serves(request.method(), request.uri().path()) {
        web_app::respond(request.method(), request.uri().path(), request.headers(), &shared.web_policy)
    } else {
        rest::handle(shared, request).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::logged;

    #[test]
    fn errors_are_always_logged_and_answers_one_in_every() {
        let count = AtomicU64::new(0);
        let lines = |every, answered| (0..100).filter(|_| logged(every, &count, answered)).count();
        assert_eq!(lines(1, true), 100);
        assert_eq!(lines(10, true), 10);
        assert_eq!(lines(0, true), 0);
        assert_eq!(lines(0, false), 100, "refusals and errors: every one");
        assert_eq!(lines(10, false), 100);
    }
}
