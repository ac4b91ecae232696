//! Revocation reaches every verifier within 2 s: this service's own access
//! layer and other services' verifiers (following the feed over gRPC) refuse
//! the access tokens of a session revoked by logout, refresh token reuse,
//! password change, deactivation or role change; and a verifier resyncs after
//! the user service restarts or another replica revokes.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hms_kit::auth::{TokenVerifier, VerifyError};
use hms_kit::client::remote_verifier;
use hms_kit::config::{AuthConfig, ServerConfig};
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::user::*;
use hms_kit::testing::TestServer;
use tonic::Code;

/// How soon a revocation must reach every verifier.
const WITHIN: Duration = Duration::from_secs(2);

/// Waits until `refused` holds, failing after [`WITHIN`] from `since`.
async fn within<F: Future<Output = bool>>(since: Instant, what: &str, mut refused: impl FnMut() -> F) {
    while !refused().await {
        assert!(since.elapsed() < WITHIN, "{what}: still accepted {:?} after the revocation", since.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// As another service verifies: keys and revocations from the user service at `url`.
async fn verifier_of(h: &Harness, url: &str) -> Arc<TokenVerifier> {
    let auth = AuthConfig { user_service_url: url.to_owned(), ..h.auth.clone() };
    let verifier = remote_verifier(&auth, None).await.unwrap();
    assert!(verifier.wait_for_revocations(Duration::from_secs(5)).await);
    verifier
}

async fn revoked(verifier: &TokenVerifier, token: &str) -> bool {
    matches!(verifier.verify(token).await, Err(VerifyError::Revoked))
}

/// Creates an administrator (whose tokens can call ListUsers, which
/// trusts the access layer alone) and returns their id.
async fn admin(h: &Harness, username: &str) -> String {
    let request = CreateUserRequest {
        username: username.into(),
        password: PASSWORD.into(),
        email: format!("{username}@clinic.example"),
        role: Role::Admin.into(),
        ..Default::default()
    };
    let created = h.users().await.create_user(authed(request, &h.admin_token().await)).await.unwrap();
    created.into_inner().user.unwrap().id
}

fn list_users() -> ListUsersRequest {
    ListUsersRequest { page: Some(PageRequest { page_size: 1, page_token: String::new() }), ..Default::default() }
}

/// Refused by this service's own access layer with TOKEN_REVOKED, and by
/// another service's verifier, within [`WITHIN`] of `since`.
async fn refused_everywhere(h: &Harness, verifier: &TokenVerifier, token: &str, since: Instant, what: &str) {
    let mut users = h.users().await;
    within(since, what, || {
        let mut users = users.clone();
        async move {
            match users.list_users(authed(list_users(), token)).await {
                Err(status) if status.code() == Code::Unauthenticated => {
                    assert_eq!(reason(&status), "TOKEN_REVOKED", "{status:?}");
                    true
                }
                _ => false,
            }
        }
    })
    .await;
    within(since, what, || revoked(verifier, token)).await;
    // Logout with it is refused too: nothing more is done with a revoked token.
    assert_code(users.logout(authed(LogoutRequest {}, token)).await, Code::Unauthenticated);
}

async fn accepted_everywhere(h: &Harness, verifier: &TokenVerifier, token: &str) {
    h.users().await.list_users(authed(list_users(), token)).await.expect("a live token is served");
    verifier.verify(token).await.expect("a live token verifies");
}

async fn each_cause_of_revocation_reaches_every_verifier(h: Harness) {
    let verifier = verifier_of(&h, &h.server.url()).await;
    let mut users = h.users().await;
    let operator = admin(&h, "operator").await;
    let auditor = admin(&h, "auditor").await;
    let root = h.admin_token().await;

    // Logout.
    let session = h.login("operator", PASSWORD).await.unwrap().tokens.unwrap();
    accepted_everywhere(&h, &verifier, &session.access_token).await;
    users.logout(authed(LogoutRequest {}, &session.access_token)).await.unwrap();
    refused_everywhere(&h, &verifier, &session.access_token, Instant::now(), "logout").await;

    // Refresh token reuse revokes the family: the first access token and the rotated one.
    let session = h.login("operator", PASSWORD).await.unwrap().tokens.unwrap();
    let refresh = |token: &str| RefreshTokenRequest { refresh_token: token.to_owned() };
    let rotated = users.refresh_token(refresh(&session.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    accepted_everywhere(&h, &verifier, &rotated.access_token).await;
    // The successor used, so the first token again is no retry of a lost answer.
    let rotated = users.refresh_token(refresh(&rotated.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    let status = assert_code(users.refresh_token(refresh(&session.refresh_token)).await, Code::Unauthenticated);
    assert_eq!(reason(&status), "REFRESH_TOKEN_REUSED");
    let at = Instant::now();
    refused_everywhere(&h, &verifier, &session.access_token, at, "refresh reuse").await;
    refused_everywhere(&h, &verifier, &rotated.access_token, at, "refresh reuse").await;

    // A password change ends the other sessions, not the one that made it.
    let other = h.access_token("operator", PASSWORD).await;
    let this = h.access_token("operator", PASSWORD).await;
    accepted_everywhere(&h, &verifier, &other).await;
    let change = ChangePasswordRequest { current_password: PASSWORD.into(), new_password: "another secret".into() };
    users.change_password(authed(change, &this)).await.unwrap();
    refused_everywhere(&h, &verifier, &other, Instant::now(), "password change").await;
    accepted_everywhere(&h, &verifier, &this).await;

    // Deactivation ends every session.
    users.set_user_active(authed(SetUserActiveRequest { user_id: operator, active: false }, &root)).await.unwrap();
    refused_everywhere(&h, &verifier, &this, Instant::now(), "deactivation").await;

    // So does a role change.
    let session = h.access_token("auditor", PASSWORD).await;
    accepted_everywhere(&h, &verifier, &session).await;
    let change = ChangeUserRoleRequest { user_id: auditor, role: Role::Nurse.into() };
    users.change_user_role(authed(change, &root)).await.unwrap();
    refused_everywhere(&h, &verifier, &session, Instant::now(), "role change").await;

    // Sessions revoked before a verifier starts are refused by it at once.
    let late = verifier_of(&h, &h.server.url()).await;
    assert!(revoked(&late, &session).await && revoked(&late, &other).await);
    assert!(late.verify(&root).await.is_ok());
}

/// A replica of the user service on the harness's store, on `listener`.
async fn replica(h: &Harness, listener: tokio::net::TcpListener) -> (TestServer, Arc<hms_user::RevocationFeed>) {
    let built = hms_user::build(&h.config, &h.auth).await.expect("build a replica");
    let server = TestServer::start_on(listener, built.service, built.verifier, ServerConfig::default());
    (server, built.revocations)
}

async fn watchers_resync_across_replicas_and_restarts(h: Harness) {
    // The verifier follows replica A; the harness's server (B) shares its store.
    let (a, feed) = replica(&h, tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let a_address = a.addr;
    let verifier = verifier_of(&h, &a.url()).await;
    h.register("tam").await;
    let mut b = h.users().await;

    // Revoked on B: A reads it from the store.
    let first = h.access_token("tam", PASSWORD).await;
    verifier.verify(&first).await.unwrap();
    b.logout(authed(LogoutRequest {}, &first)).await.unwrap();
    within(Instant::now(), "revoked on another replica", || revoked(&verifier, &first)).await;

    // A stops (its watches end, so it drains at once); B revokes meanwhile.
    let second = h.access_token("tam", PASSWORD).await;
    verifier.verify(&second).await.unwrap();
    feed.close();
    a.shutdown().await.unwrap();
    b.logout(authed(LogoutRequest {}, &second)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(verifier.verify(&second).await.is_ok(), "no replica the verifier follows is up: it cannot know yet");

    // A is back on the same address: the verifier resyncs from its snapshot.
    let listener = tokio::net::TcpListener::bind(a_address).await.expect("rebind A's address");
    let (_a, _feed) = replica(&h, listener).await;
    let restarted = Instant::now();
    within(restarted, "revoked while the verifier was disconnected", || revoked(&verifier, &second)).await;
    assert!(revoked(&verifier, &first).await, "the snapshot keeps what was known before");
    let third = h.access_token("tam", PASSWORD).await;
    verifier.verify(&third).await.expect("live sessions are still served");
}

/// The feed opens with every revoked session, by digest and with the expiry
/// of the last token it may have had, then speaks at least every second.
async fn the_feed_opens_with_a_snapshot_then_speaks_every_second(h: Harness) {
    h.register("vy.le").await;
    let tokens = h.login("vy.le", PASSWORD).await.unwrap().tokens.unwrap();
    let verifier = verifier_of(&h, &h.server.url()).await;
    let session = verifier.verify(&tokens.access_token).await.unwrap().session_id.unwrap();
    let mut users = h.users().await;
    users.logout(authed(LogoutRequest {}, &tokens.access_token)).await.unwrap();

    let mut feed = users.watch_revocations(WatchRevocationsRequest {}).await.unwrap().into_inner();
    let first = feed.message().await.unwrap().unwrap();
    assert!(first.caught_up);
    assert_eq!(first.sessions.len(), 1, "{first:?}");
    let entry = &first.sessions[0];
    assert_eq!(entry.session_digest, hms_kit::auth::session_digest(&session));
    let expires = entry.expire_time.as_ref().unwrap().seconds;
    let now = hms_kit::time::now_micros() / 1_000_000;
    // Access token lifetime + verifier leeway + request timeout.
    let horizon = i64::try_from(h.config.access_token_ttl_secs).unwrap() + 30 + 30;
    assert!((now + horizon - 5..=now + horizon + 1).contains(&expires), "{expires} vs {now}");

    let started = Instant::now();
    let next = tokio::time::timeout(Duration::from_secs(3), feed.message()).await.unwrap().unwrap().unwrap();
    assert!(next.caught_up && next.sessions.is_empty(), "{next:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

on_every_backend!(
    each_cause_of_revocation_reaches_every_verifier,
    watchers_resync_across_replicas_and_restarts,
    the_feed_opens_with_a_snapshot_then_speaks_every_second,
);
