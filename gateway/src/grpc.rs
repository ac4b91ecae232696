//! gRPC (and, behind tonic-web, grpc-web) at the gateway: health and
//! reflection answered here, everything else admitted at the edge and
//! forwarded as is to the service owning the method's package.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hms_kit::server::InProcessClient;
use http::{HeaderValue, Version};
use tonic::Status;
use tonic::body::Body;
use tower::{Service, ServiceExt};

use crate::Shared;
use crate::admission::{self, RequestMeta};

/// Methods the gateway answers itself, after admission like any other.
const WEB_SESSION_PREFIX: &str = "/hms.web.v1.WebSessionService/";

#[derive(Clone)]
pub struct GrpcProxy(pub Arc<Shared>);

impl Service<http::Request<Body>> for GrpcProxy {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let shared = self.0.clone();
        Box::pin(async move { Ok(forward(shared, request).await.unwrap_or_else(Status::into_http)) })
    }
}

async fn forward(shared: Arc<Shared>, mut request: http::Request<Body>) -> Result<http::Response<Body>, Status> {
    let path = request.uri().path().to_owned();
    if path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection.") {
        let Ok(response) = shared.local.clone().oneshot(request).await;
        return Ok(response);
    }
    let meta = RequestMeta::of(request.extensions());
    if let Err(status) = shared.admit(&path, request.headers(), &meta).await {
        if request.version() < Version::HTTP_2 {
            admission::drain(request.into_body(), shared.config.max_body_bytes).await;
        }
        return Err(status);
    }
    if path.starts_with(WEB_SESSION_PREFIX) {
        // HTTP/2 carries the host in the URI only; the session's cookie rules need it.
        if let Some(authority) = request.uri().authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
            request.headers_mut().entry(http::header::HOST).or_insert(authority);
        }
        let Ok(response) = shared.local.clone().oneshot(request).await;
        return Ok(response);
    }
    let upstream =
        shared.upstreams.for_path(&path).ok_or_else(|| Status::unimplemented(format!("no service serves {path}")))?;

    request.extensions_mut().insert(InProcessClient(meta.client.clone()));
    let timeout = admission::deadline(&shared.config, request.headers());
    let headers = std::mem::take(request.headers_mut());
    let mut metadata = tonic::metadata::MetadataMap::from_headers(headers);
    hms_kit::telemetry::inject_current_context(&mut metadata);
    let mut headers = metadata.into_headers();
    headers.insert("grpc-timeout", grpc_timeout(timeout));
    headers.remove(http::header::HOST);
    headers.remove(http::header::CONNECTION);
    // The web session's cookies are for the gateway alone.
    headers.remove(http::header::COOKIE);
    *request.headers_mut() = headers;
    *request.version_mut() = Version::HTTP_2;

    match tokio::time::timeout(timeout + std::time::Duration::from_millis(500), upstream.oneshot(request)).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, %path, "upstream unreachable");
            Err(Status::unavailable("the service is unavailable, retry later"))
        }
        Err(_) => Err(Status::deadline_exceeded("the service did not answer in time")),
    }
}

/// `grpc-timeout` in milliseconds (at most 8 digits).
pub fn grpc_timeout(timeout: std::time::Duration) -> HeaderValue {
    let millis = timeout.as_millis().clamp(1, 99_999_999);
    HeaderValue::from_str(&format!("{millis}m")).unwrap_or(HeaderValue::from_static("15S"))
}
