//! gRPC passthrough, reflection and health at the gateway, grpc-web (binary
//! and text, unary and server streaming) and CORS.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{PASSWORD, SERVICE_SECRET, Stack, web_client};
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{GetContactInfoRequest, GetMeRequest, LoginRequest};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

async fn channel(s: &Stack) -> Channel {
    Channel::from_shared(s.gateway.url()).unwrap().connect().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_passthrough_login_and_authenticated_calls() {
    grpc_login_and_get_me(&Stack::start().await).await;
}

/// As under `hms up`, where the gateway calls the user service in process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_passthrough_reaches_a_service_in_process() {
    grpc_login_and_get_me(&Stack::start_with(|config| config.in_process_upstreams = true).await).await;
}

async fn grpc_login_and_get_me(s: &Stack) {
    s.register("grpc.user").await;
    let mut users = UserServiceClient::new(channel(s).await);
    let login = users
        .login(LoginRequest { username: "grpc.user".into(), password: PASSWORD.into() })
        .await
        .expect("login through the gateway")
        .into_inner();
    let token = login.tokens.unwrap().access_token;
    let me = users.get_me(authed(GetMeRequest {}, &token)).await.unwrap().into_inner();
    assert_eq!(me.user.unwrap().username, "grpc.user");
    let err = users.get_me(GetMeRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_methods_are_refused_over_grpc_even_with_a_service_token() {
    let s = Stack::start().await;
    let user = s.register("victim").await;
    let service =
        hms_kit::auth::ServiceTokens::new("billing", &secrecy::SecretString::from(SERVICE_SECRET)).token().unwrap();
    let request = GetContactInfoRequest { user_id: user["id"].as_str().unwrap().into() };
    // Directly the service accepts the service token ...
    let mut direct = InternalUserServiceClient::connect(s.user.url()).await.unwrap();
    direct.get_contact_info(authed(request.clone(), &service)).await.expect("direct internal call");
    // ... the gateway never forwards it.
    let mut internal = InternalUserServiceClient::new(channel(&s).await);
    let err = internal.get_contact_info(authed(request.clone(), &service)).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let admin = s.admin_token().await;
    let err = internal.get_contact_info(authed(request, &admin)).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_at_the_gateway_lists_every_service() {
    let s = Stack::start().await;
    let mut reflection = ServerReflectionClient::new(channel(&s).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection.server_reflection_info(tokio_stream::once(request)).await.unwrap().into_inner();
    let response = responses.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else { panic!("{response:?}") };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in ["hms.user.v1.UserService", "hms.user.v1.InternalUserService", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    let mut health = HealthClient::new(channel(&s).await);
    let status = health.check(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner();
    assert_eq!(status.status(), ServingStatus::Serving);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_web_unary_and_server_streaming_over_http1() {
    grpc_web_login_and_watch(&Stack::start().await).await;
}

/// As under `hms up`, where the gateway calls the user service in process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_web_reaches_a_service_in_process() {
    grpc_web_login_and_watch(&Stack::start_with(|config| config.in_process_upstreams = true).await).await;
}

async fn grpc_web_login_and_watch(s: &Stack) {
    s.register("web.user").await;
    let (service, origin) = web_client(s);
    let mut users = UserServiceClient::with_origin(service.clone(), origin.clone());
    let login = users
        .login(LoginRequest { username: "web.user".into(), password: PASSWORD.into() })
        .await
        .expect("grpc-web login")
        .into_inner();
    let token = login.tokens.unwrap().access_token;
    let me = users.get_me(authed(GetMeRequest {}, &token)).await.unwrap().into_inner();
    assert_eq!(me.user.unwrap().username, "web.user");
    let err = users.get_me(GetMeRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    let mut internal = InternalUserServiceClient::with_origin(service.clone(), origin.clone());
    let err = internal.get_contact_info(authed(GetContactInfoRequest { user_id: "x".into() }, &token)).await;
    assert_eq!(err.unwrap_err().code(), Code::PermissionDenied);

    let mut health = HealthClient::with_origin(service, origin);
    let mut watch = health.watch(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner();
    let first: HealthCheckResponse = watch.next().await.expect("a first status").unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
}

/// grpc-web-text by hand: base64 frames in, base64 frames out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_web_text() {
    let s = Stack::start().await;
    // One uncompressed frame holding an empty HealthCheckRequest.
    let body = STANDARD.encode([0_u8, 0, 0, 0, 0]);
    let response = s
        .http
        .post(s.url("/grpc.health.v1.Health/Check"))
        .header("content-type", "application/grpc-web-text")
        .header("accept", "application/grpc-web-text")
        .header("x-grpc-web", "1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/grpc-web-text"));
    let text = response.text().await.unwrap();
    // Each chunk is padded base64 on its own.
    let mut bytes = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let end = rest.find('=').map_or(rest.len(), |i| {
            let tail = &rest[i..];
            i + tail.len() - tail.trim_start_matches('=').len()
        });
        bytes.extend(STANDARD.decode(&rest[..end]).unwrap());
        rest = &rest[end..];
    }
    assert_eq!(bytes[0], 0, "a data frame first");
    let len = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    let message = &bytes[5..5 + len];
    assert_eq!(message, [8, 1], "status SERVING");
    let trailers = &bytes[5 + len..];
    assert_eq!(trailers[0], 0x80, "then the trailers frame");
    assert!(String::from_utf8_lossy(&trailers[5..]).contains("grpc-status:0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_and_exposed_grpc_headers() {
    let s = Stack::start().await;
    let preflight = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/hms.user.v1.UserService/Login"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-grpc-web,x-user-agent,authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
    let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed.contains("x-grpc-web") && allowed.contains("authorization"), "{allowed}");
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("POST"));

    let actual = s
        .http
        .post(s.url("/grpc.health.v1.Health/Check"))
        .header("origin", "http://localhost:3000")
        .header("content-type", "application/grpc-web+proto")
        .body(vec![0_u8, 0, 0, 0, 0])
        .send()
        .await
        .unwrap();
    assert_eq!(actual.status(), 200);
    let exposed = actual.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    for name in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }

    let foreign = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/api/v1/users/login"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_login_is_rate_limited_with_resource_exhausted() {
    let s = Stack::start_with(|c| c.rate_limit.strict_per_address = 1).await;
    let mut users = UserServiceClient::new(channel(&s).await);
    let login = || LoginRequest { username: "nobody".into(), password: PASSWORD.into() };
    assert_eq!(users.login(login()).await.unwrap_err().code(), Code::Unauthenticated);
    let err = users.login(login()).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    use tonic_types::StatusExt;
    assert!(err.get_error_details().retry_info().is_some());
}
