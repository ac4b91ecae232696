//! Prometheus metrics shared by every server: request counts and latency by
//! method and code, in-flight requests, outbox backlog and age, store pool
//! usage; served as text on a separate listener (`<service>.server.metrics_listen`).
//!
//! One process-wide registry: `hms up` runs several services in one process,
//! so every series carries a `service` label.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use http_body::Frame;
use prometheus::{GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tower::{Layer, Service};

/// The process's metrics.
pub struct Metrics {
    pub registry: Registry,
    /// `hms_requests_total{service, method, code}`.
    pub requests: IntCounterVec,
    /// `hms_request_duration_seconds{service, method, code}`, until the response's end.
    pub duration: HistogramVec,
    /// `hms_requests_in_flight{service}`.
    pub in_flight: IntGaugeVec,
    /// `hms_outbox_backlog{service}`: events neither delivered nor parked as failed.
    pub outbox_backlog: IntGaugeVec,
    /// `hms_outbox_oldest_age_seconds{service}`: age of the oldest such event (0 when none).
    pub outbox_oldest_age: GaugeVec,
    /// `hms_store_pool_connections{service, state="idle"|"in_use"|"max"}`.
    pub pool_connections: IntGaugeVec,
}

/// The process-wide metrics, registered on first use.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics::new().expect("metric definitions are valid"))
}

impl Metrics {
    fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("hms_requests_total", "Requests served, by method and status code"),
            &["service", "method", "code"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new("hms_request_duration_seconds", "Request latency until the response ended")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["service", "method", "code"],
        )?;
        let in_flight =
            IntGaugeVec::new(Opts::new("hms_requests_in_flight", "Requests being served right now"), &["service"])?;
        let outbox_backlog =
            IntGaugeVec::new(Opts::new("hms_outbox_backlog", "Outbox events waiting for delivery"), &["service"])?;
        let outbox_oldest_age = GaugeVec::new(
            Opts::new("hms_outbox_oldest_age_seconds", "Age of the oldest outbox event waiting for delivery"),
            &["service"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("hms_store_pool_connections", "Store connection pool: idle, in use and maximum"),
            &["service", "state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_oldest_age.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        Ok(Self { registry, requests, duration, in_flight, outbox_backlog, outbox_oldest_age, pool_connections })
    }

    /// The registry in the Prometheus text format.
    pub fn render(&self) -> String {
        TextEncoder::new().encode_to_string(&self.registry.gather()).unwrap_or_default()
    }
}

/// What a store reports for metrics; gathered with each health probe.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StoreStats {
    pub pool: Option<PoolStats>,
    pub outbox: Option<OutboxStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub idle: i64,
    pub in_use: i64,
    pub max: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxStats {
    pub backlog: i64,
    pub oldest_age_secs: f64,
}

/// Publishes a service's store statistics.
pub fn record_store_stats(service: &str, stats: &StoreStats) {
    let m = metrics();
    if let Some(pool) = stats.pool {
        m.pool_connections.with_label_values(&[service, "idle"]).set(pool.idle);
        m.pool_connections.with_label_values(&[service, "in_use"]).set(pool.in_use);
        m.pool_connections.with_label_values(&[service, "max"]).set(pool.max);
    }
    if let Some(outbox) = stats.outbox {
        m.outbox_backlog.with_label_values(&[service]).set(outbox.backlog);
        m.outbox_oldest_age.with_label_values(&[service]).set(outbox.oldest_age_secs);
    }
}

/// Serves `GET /metrics` (Prometheus text format) on `listener` until
/// `shutdown` resolves. A deliberately tiny HTTP/1.1 responder: one request
/// per connection.
pub async fn serve_metrics(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let (mut stream, _) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics listener cannot accept");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(async move {
            let mut head = Vec::with_capacity(1024);
            let mut buf = [0_u8; 1024];
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                Ok::<_, std::io::Error>(())
            })
            .await;
            if !matches!(read, Ok(Ok(()))) {
                return;
            }
            let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
            let line = String::from_utf8_lossy(line);
            let mut parts = line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let path = path.split('?').next().unwrap_or("");
            let (status, content_type, body) = match (method, path) {
                ("GET" | "HEAD", "/metrics") => {
                    ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics().render())
                }
                ("GET" | "HEAD", _) => ("404 Not Found", "text/plain; charset=utf-8", "not found\n".to_owned()),
                _ => ("405 Method Not Allowed", "text/plain; charset=utf-8", "method not allowed\n".to_owned()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            if method != "HEAD" {
                let _ = stream.write_all(body.as_bytes()).await;
            }
            let _ = stream.shutdown().await;
        });
    }
}

/// Names the method of a request for the `method` label; must keep the label
/// set small (unknown paths map to one value).
pub type MethodLabel = Arc<dyn Fn(&http::Method, &http::Uri, &http::HeaderMap) -> String + Send + Sync>;

/// Counts requests and measures them until their response body ends, by
/// method and code: the gRPC status (`OK`, `NOT_FOUND`, …) when the response
/// has one, else the HTTP status.
#[derive(Clone)]
pub struct MetricsLayer {
    service: &'static str,
    label: MethodLabel,
}

impl MetricsLayer {
    pub fn new(service: &'static str, label: MethodLabel) -> Self {
        Self { service, label }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService { inner, service: self.service, label: self.label.clone() }
    }
}

#[derive(Clone)]
pub struct MetricsService<S> {
    inner: S,
    service: &'static str,
    label: MethodLabel,
}

impl<S, B, ResBody> Service<http::Request<B>> for MetricsService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResBody>> + Send,
    S::Future: Send + 'static,
{
    type Response = http::Response<MetricsBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = (self.label)(request.method(), request.uri(), request.headers());
        let mut record = Record::start(self.service, method);
        let future = self.inner.call(request);
        Box::pin(async move {
            match future.await {
                Ok(response) => {
                    record.code = code_of_headers(&response);
                    Ok(response.map(|inner| MetricsBody { inner, record: Some(record) }))
                }
                Err(e) => {
                    record.set_code("error");
                    Err(e)
                }
            }
        })
    }
}

/// One request being measured; recorded when dropped (the response ended, or
/// the client went away: `CANCELLED`).
struct Record {
    service: &'static str,
    method: String,
    started: Instant,
    code: Option<String>,
}

impl Record {
    fn start(service: &'static str, method: String) -> Self {
        metrics().in_flight.with_label_values(&[service]).inc();
        Self { service, method, started: Instant::now(), code: None }
    }

    fn set_code(&mut self, code: &str) {
        self.code = Some(code.to_owned());
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let m = metrics();
        let code = self.code.as_deref().unwrap_or("CANCELLED");
        let labels = [self.service, self.method.as_str(), code];
        m.requests.with_label_values(&labels).inc();
        m.duration.with_label_values(&labels).observe(self.started.elapsed().as_secs_f64());
        m.in_flight.with_label_values(&[self.service]).dec();
    }
}

fn code_of_headers<B>(response: &http::Response<B>) -> Option<String> {
    if let Some(status) = response.headers().get("grpc-status") {
        return Some(grpc_code_name(status.as_bytes()).to_owned());
    }
    let grpc = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    // A gRPC response's status comes in its trailers.
    (!grpc).then(|| response.status().as_u16().to_string())
}

/// `OK`, `INVALID_ARGUMENT`, … for a `grpc-status` value.
pub fn grpc_code_name(value: &[u8]) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    std::str::from_utf8(value)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .and_then(|n| NAMES.get(n))
        .copied()
        .unwrap_or("UNKNOWN")
}

pin_project_lite::pin_project! {
    /// A response body that records its request's metrics when it ends.
    pub struct MetricsBody<B> {
        #[pin]
        inner: B,
        record: Option<Record>,
    }
}

impl<B: http_body::Body> http_body::Body for MetricsBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(status) = frame.trailers_ref().and_then(|t| t.get("grpc-status"))
                    && let Some(record) = this.record.as_mut()
                {
                    record.code = Some(grpc_code_name(status.as_bytes()).to_owned());
                }
            }
            Poll::Ready(Some(Err(_))) => {
                if let Some(record) = this.record.as_mut() {
                    record.code.get_or_insert_with(|| "error".into());
                }
            }
            Poll::Ready(None) => {
                if let Some(mut record) = this.record.take() {
                    // A gRPC stream that ended without trailers.
                    record.code.get_or_insert_with(|| "UNKNOWN".into());
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_codes_have_their_names() {
        assert_eq!(grpc_code_name(b"0"), "OK");
        assert_eq!(grpc_code_name(b"5"), "NOT_FOUND");
        assert_eq!(grpc_code_name(b"16"), "UNAUTHENTICATED");
        assert_eq!(grpc_code_name(b"99"), "UNKNOWN");
        assert_eq!(grpc_code_name(b"x"), "UNKNOWN");
    }

    #[test]
    fn store_stats_are_published() {
        record_store_stats(
            "unit-test",
            &StoreStats {
                pool: Some(PoolStats { idle: 2, in_use: 1, max: 4 }),
                outbox: Some(OutboxStats { backlog: 3, oldest_age_secs: 1.5 }),
            },
        );
        let text = metrics().render();
        assert!(text.contains(r#"hms_outbox_backlog{service="unit-test"} 3"#), "{text}");
        assert!(text.contains(r#"hms_outbox_oldest_age_seconds{service="unit-test"} 1.5"#), "{text}");
        assert!(text.contains(r#"hms_store_pool_connections{service="unit-test",state="in_use"} 1"#), "{text}");
    }
}
