//! REST/JSON: route by the annotations, admit, build the request message,
//! call the service over gRPC and render the answer (or the error) as JSON.
//! Server-streaming methods answer NDJSON, or SSE with `Accept: text/event-stream`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use hms_kit::server::InProcessClient;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tonic::Status;
use tonic::client::Grpc;
use tonic::metadata::{MetadataMap, MetadataValue};

use crate::Shared;
use crate::admission::{self, RequestMeta};
use crate::errors::{http_status, invalid_argument};
use crate::transcode::{NoRoute, Transcoder};
use crate::upstream::RawCodec;

pub async fn handle(shared: Arc<Shared>, request: Request) -> Response {
    match call(&shared, request).await {
        Ok(response) => response,
        Err(status) => error_response(&shared.transcoder, &status),
    }
}

async fn call(shared: &Shared, request: Request) -> Result<Response, Status> {
    let (parts, body) = request.into_parts();
    let matched = match shared.transcoder.route(&parts.method, parts.uri.path()) {
        Ok(matched) => matched,
        Err(NoRoute::OtherMethod) => {
            return Err(Status::not_found(format!("{} is not allowed on {}", parts.method, parts.uri.path())));
        }
        Err(NoRoute::UnknownPath) => {
            return Err(Status::not_found(format!("no route for {} {}", parts.method, parts.uri.path())));
        }
    };
    let route = matched.route;
    let limit = if route.takes_file { shared.config.max_upload_bytes } else { shared.config.max_body_bytes };
    let meta = RequestMeta::of(&parts.extensions);
    if let Err(status) = shared.admit(&route.grpc_path, &parts.headers, &meta).await {
        admission::drain(body, limit).await;
        return Err(status);
    }

    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Err(invalid_argument("body", &format!("the request body exceeds the limit of {limit} bytes")));
        }
        Err(e) => return Err(invalid_argument("body", &format!("cannot read the request body: {e}"))),
    };
    let idempotency_key = crate::idempotency::header_value(&parts.headers)?;
    let message = shared.transcoder.encode_request(&matched, parts.uri.query(), &body, idempotency_key.as_deref())?;

    let upstream = shared
        .upstreams
        .get(&route.package)
        .ok_or_else(|| Status::unimplemented(format!("no service serves {}", route.package)))?;
    let timeout = admission::deadline(&shared.config, &parts.headers);
    let mut request = tonic::Request::new(message);
    *request.metadata_mut() = forwarded_metadata(&parts.headers, &meta);
    request.extensions_mut().insert(InProcessClient(meta.client.clone()));
    request.set_timeout(timeout);
    let path = route.grpc_path.parse().map_err(crate::errors::internal)?;
    let mut grpc = Grpc::new(upstream);
    grpc.ready().await.map_err(|e| Status::unavailable(format!("the service is unavailable: {e}")))?;

    if route.server_streaming {
        let sse = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"));
        let stream = grpc.server_streaming(request, path, RawCodec).await?.into_inner();
        return Ok(streaming_response(shared, route.clone(), stream, sse));
    }

    let response = tokio::time::timeout(timeout + Duration::from_millis(500), grpc.unary(request, path, RawCodec))
        .await
        .map_err(|_| Status::deadline_exceeded("the service did not answer in time"))??;
    if let Some((content_type, data)) = Transcoder::http_body(route, response.get_ref())? {
        return Ok(raw_response(&content_type, data));
    }
    let json = shared.transcoder.render_response(route, response.get_ref())?;
    Ok(json_response(StatusCode::OK, json))
}

/// A `google.api.HttpBody` answer: its bytes under its Content-Type, which
/// the browser must not second-guess (a PDF stays a PDF).
fn raw_response(content_type: &str, data: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(data));
    let value = HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(header::CONTENT_TYPE, value);
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// What the service learns about the caller: token, request id, client
/// address and trace context. The deadline travels as `grpc-timeout`.
fn forwarded_metadata(headers: &http::HeaderMap, meta: &RequestMeta) -> MetadataMap {
    let mut metadata = MetadataMap::new();
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| MetadataValue::try_from(v.as_bytes()).ok()) {
        metadata.insert("authorization", value);
    }
    for (name, value) in [("x-request-id", &meta.request_id), ("x-forwarded-for", &meta.client)] {
        if let Ok(value) = MetadataValue::try_from(value.as_str()) {
            metadata.insert(name, value);
        }
    }
    hms_kit::telemetry::inject_current_context(&mut metadata);
    metadata
}

fn streaming_response(
    shared: &Shared,
    route: crate::transcode::Route,
    stream: tonic::Streaming<Bytes>,
    sse: bool,
) -> Response {
    let transcoder = shared.transcoder.clone();
    let body = stream.map(move |item| {
        let (event, json) = match item {
            Ok(bytes) => match transcoder.render_response(&route, &bytes) {
                Ok(json) => ("message", json),
                Err(status) => ("error", transcoder.render_status(&status)),
            },
            Err(status) => ("error", transcoder.render_status(&status)),
        };
        let mut frame = Vec::with_capacity(json.len() + 32);
        if sse {
            frame.extend_from_slice(format!("event: {event}\ndata: ").as_bytes());
            frame.extend_from_slice(&json);
            frame.extend_from_slice(b"\n\n");
        } else if event == "error" {
            frame.extend_from_slice(b"{\"error\":");
            frame.extend_from_slice(&json);
            frame.extend_from_slice(b"}\n");
        } else {
            frame.extend_from_slice(&json);
            frame.push(b'\n');
        }
        Ok::<_, std::convert::Infallible>(Bytes::from(frame))
    });
    let mut response = Response::new(Body::from_stream(body));
    let content_type = if sse { "text/event-stream" } else { "application/x-ndjson" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_response(status: StatusCode, json: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(json));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A status as HTTP: the mapped code and a JSON `google.rpc.Status`, with
/// `Retry-After` on 429 and `WWW-Authenticate` on 401.
pub fn error_response(transcoder: &Transcoder, status: &Status) -> Response {
    let code = http_status(status.code());
    let mut response = json_response(code, transcoder.render_status(status));
    if code == StatusCode::TOO_MANY_REQUESTS {
        let secs = Transcoder::retry_after(status).unwrap_or(1).max(1);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if code == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
