//! The gateway of `hms up`, calling the services of its own process without a
//! socket: REST (unary and streaming), gRPC passthrough and error bodies
//! behave as they do over the network.

mod common;

use common::{PASSWORD, Stack, read_until, send_in_app};
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{GetMeRequest, LoginRequest};
use hms_kit::testing::authed;
use reqwest::{Method, StatusCode};
use tonic::Code;
use tonic::transport::Channel;

async fn in_process_stack() -> Stack {
    let stack = Stack::start_with(|config| config.in_process_upstreams = true).await;
    for server in [&stack.user, &stack.notification] {
        assert!(hms_kit::server::local_service(server.addr).is_some(), "{} is served in this process", server.addr);
    }
    stack
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_calls_and_their_errors_reach_services_in_process() {
    let s = in_process_stack().await;
    s.register("local.user").await;
    let token = s.token("local.user", PASSWORD).await;
    let (status, me) = s.call(Method::GET, "/api/v1/users/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "local.user");

    // Refused by the service itself (the edge lets a public login through).
    let (status, body) = s.login("local.user", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], 16, "{body}");
    // Refused by the service's own access layer, which runs in process too.
    let (status, body) = s.call(Method::GET, "/api/v1/users/me", Some("not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_passthrough_reaches_services_in_process() {
    let s = in_process_stack().await;
    s.register("local.grpc").await;
    let mut users = UserServiceClient::new(Channel::from_shared(s.gateway.url()).unwrap().connect().await.unwrap());
    let login = users
        .login(LoginRequest { username: "local.grpc".into(), password: PASSWORD.into() })
        .await
        .expect("login through the gateway")
        .into_inner();
    let token = login.tokens.unwrap().access_token;
    let me = users.get_me(authed(GetMeRequest {}, &token)).await.unwrap().into_inner();
    assert_eq!(me.user.unwrap().username, "local.grpc");
    let refused = users.login(LoginRequest { username: "local.grpc".into(), password: "nope".into() }).await;
    assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stream_reaches_the_client_in_process() {
    let s = in_process_stack().await;
    let user = s.register("local.stream").await;
    let token = s.token("local.stream", PASSWORD).await;
    let mut stream = s.http.get(s.url("/api/v1/notifications/stream")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    send_in_app(&s, user["id"].as_str().unwrap(), "local").await;
    let text = read_until(&mut stream, "\n").await;
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["notification"]["recipient_id"], user["id"]);
}
