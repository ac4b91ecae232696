//! W3C trace context flows from an incoming request to outgoing calls, with
//! or without an exporter configured.

use std::time::Duration;

use hms_kit::client::OutboundInterceptor;
use hms_kit::config::TelemetryConfig;
use tonic::Request;
use tonic::service::Interceptor;

#[test]
fn incoming_trace_context_is_passed_on_to_outgoing_calls() {
    let _guard = hms_kit::telemetry::init("trace-test", &TelemetryConfig::default()).unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());

    let span = tracing::info_span!("handler");
    hms_kit::telemetry::set_parent_from_headers(&span, &headers);
    let outgoing =
        span.in_scope(|| OutboundInterceptor::new(None, Duration::from_secs(1)).call(Request::new(())).unwrap());

    let traceparent = outgoing.metadata().get("traceparent").expect("traceparent sent").to_str().unwrap();
    let parts: Vec<_> = traceparent.split('-').collect();
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "a new span of this hop");
}
