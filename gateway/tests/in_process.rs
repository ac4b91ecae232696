//! The gateway of `hms up`, calling the services of its own process without a
//! socket: REST (unary and streaming) and error bodies behave as they do over
//! the network. gRPC and grpc-web in process are in `grpc.rs`.

mod common;

use common::{PASSWORD, Stack, read_until, send_in_app};
use reqwest::{Method, StatusCode};

async fn in_process_stack() -> Stack {
    in_process_stack_with(|_| {}).await
}

async fn in_process_stack_with(adjust: impl FnOnce(&mut hms_gateway::GatewayConfig)) -> Stack {
    let stack = Stack::start_with(|config| {
        config.in_process_upstreams = true;
        adjust(config);
    })
    .await;
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

/// A login with `x-forwarded-for` set by the client, through the gateway,
/// and the address the authentication audit recorded for it.
async fn audited_login_address(s: &Stack, username: &str, forwarded_for: &str) -> String {
    let login = s
        .http
        .post(s.url("/api/v1/users/login/"))
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    last_login_address(s, username).await
}

async fn last_login_address(s: &Stack, username: &str) -> String {
    let admin = s.admin_token().await;
    let (_, users) = s.call(Method::GET, &format!("/api/v1/admin/users?query={username}"), Some(&admin), None).await;
    let user_id = users["users"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/admin/auth-events?user_id={user_id}&kind=AUTH_EVENT_KIND_LOGIN_SUCCEEDED");
    let (status, body) = s.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["events"][0]["client_address"].as_str().unwrap().to_owned()
}

/// Behind a proxy the gateway trusts, the service learns the client's address
/// from the gateway in process, without a header (the service itself trusts
/// no proxy, and an in-process call has no peer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_records_the_client_behind_the_gateway() {
    let s = in_process_stack_with(|config| config.trusted_proxies = "127.0.0.0/8".parse().unwrap()).await;
    s.register("local.audit").await;
    assert_eq!(audited_login_address(&s, "local.audit", "198.51.100.66, 203.0.113.7").await, "203.0.113.7");
    // gRPC passed through in process too.
    assert_eq!(grpc_login_address(&s, &s.gateway.url(), "local.audit", "203.0.113.8").await, "203.0.113.8");
}

/// A gRPC login sent to `url` with `x-forwarded-for`, and the address audited.
async fn grpc_login_address(s: &Stack, url: &str, username: &str, forwarded_for: &str) -> String {
    use hms_kit::proto::user::LoginRequest;
    use hms_kit::proto::user::user_service_client::UserServiceClient;

    let mut client = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let mut login = tonic::Request::new(LoginRequest { username: username.into(), password: PASSWORD.into() });
    login.metadata_mut().insert("x-forwarded-for", forwarded_for.parse().unwrap());
    client.login(login).await.unwrap();
    last_login_address(s, username).await
}

/// Without trusted proxies neither the gateway nor a service believes a
/// client's `x-forwarded-for`: the audit names the real peer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_from_clients_are_ignored() {
    let s = in_process_stack().await;
    s.register("local.spoof").await;
    assert_eq!(audited_login_address(&s, "local.spoof", "203.0.113.7").await, "127.0.0.1");

    assert_eq!(grpc_login_address(&s, &s.gateway.url(), "local.spoof", "203.0.113.8").await, "127.0.0.1");
    // Straight to the service, past the gateway.
    assert_eq!(grpc_login_address(&s, &s.user.url(), "local.spoof", "198.51.100.23").await, "127.0.0.1");
}
