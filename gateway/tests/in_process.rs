//! The gateway of `hms up`, calling the services of its own process without a
//! socket: REST (unary and streaming) and error bodies behave as they do over
//! the network. gRPC and grpc-web in process are in `grpc.rs`.

mod common;

use common::{PASSWORD, Stack, read_until, send_in_app};
use reqwest::{Method, StatusCode};

async fn in_process_stack() -> Stack {
    let stack = Stack::start_with(|config| config.in_process_upstreams = true).await;
    // A server registers itself in process once its task has started, which
    // may be after `start` returned (as `a_service_is_callable_in_process_while_it_serves`
    // in hms-kit waits too).
    for server in [&stack.user, &stack.notification] {
        let mut registered = false;
        for _ in 0..500 {
            registered = hms_kit::server::local_service(server.addr).is_some();
            if registered {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(registered, "{} is served in this process", server.addr);
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

/// The service learns the client's address from the gateway, as it would
/// from a trusted proxy: the authentication audit names the real client.
/// (Over the network, this test stack's user service does not trust
/// `x-forwarded-for` and would record the gateway's own address.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_records_the_client_behind_the_gateway() {
    let s = Stack::start_with(|config| {
        config.in_process_upstreams = true;
        config.trust_forwarded_for = true;
    })
    .await;
    let user = s.register("local.audit").await;
    let login = s
        .http
        .post(s.url("/api/v1/users/login/"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&serde_json::json!({"username": "local.audit", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    let admin = s.admin_token().await;
    let user_id = user["id"].as_str().unwrap();
    let path = format!("/api/v1/admin/auth-events?user_id={user_id}&kind=AUTH_EVENT_KIND_LOGIN_SUCCEEDED");
    let (status, body) = s.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"][0]["client_address"], "203.0.113.7", "{body}");
}
