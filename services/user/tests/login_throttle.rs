//! The login throttle through the gRPC API, on every relational backend:
//! failures counted per account and per address, also when sent at once.

mod common;

use common::*;
use hms_kit::proto::user::*;
use tonic::{Code, Request};

async fn repeated_failures_throttle_the_account(h: Harness) {
    h.register("khanh").await;
    for _ in 0..3 {
        assert_code(h.login("khanh", "wrong password!").await, Code::Unauthenticated);
    }
    // Even the right password is refused while throttled.
    let status = assert_code(h.login("khanh", PASSWORD).await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
    // A client cannot pick its own address to escape the per-address count.
    let mut spoofed = Request::new(LoginRequest { username: "khanh".into(), password: PASSWORD.into() });
    spoofed.metadata_mut().insert("x-forwarded-for", "198.51.100.9".parse().unwrap());
    assert_code(h.users().await.login(spoofed).await, Code::ResourceExhausted);
    let events = h
        .users()
        .await
        .list_auth_events(authed(
            ListAuthEventsRequest { kind: AuthEventKind::LoginFailed.into(), ..Default::default() },
            &h.admin_token().await,
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(events.iter().all(|e| e.client_address == "127.0.0.1"), "{events:?}");
    // Another account from the same address is unaffected.
    h.register("linh").await;
    h.login("linh", PASSWORD).await.unwrap();
}

async fn repeated_failures_throttle_the_address(h: Harness) {
    // Restart the same store with a low per-address limit.
    let Harness { server, db, mut config, auth, .. } = h;
    server.shutdown().await.unwrap();
    config.max_failures_per_address = 4;
    config.max_failures_per_account = 100;
    let h = Harness::start_with(db, config, auth).await;
    h.register("victim").await;
    // Logins with the right password are no failures.
    for _ in 0..6 {
        h.login("victim", PASSWORD).await.unwrap();
    }
    // Guessing across many accounts from one address...
    for i in 0..4 {
        assert_code(h.login(&format!("guess{i}"), "wrong password!").await, Code::Unauthenticated);
    }
    // ...locks that address out, even for a correct password.
    let status = assert_code(h.login("victim", PASSWORD).await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
}

/// Wrong passwords sent at once are counted as they arrive: no more than the
/// limit are ever checked, the rest are refused unchecked.
async fn concurrent_failures_evaluate_at_most_the_limit(h: Harness) {
    let Harness { server, db, mut config, auth, .. } = h;
    server.shutdown().await.unwrap();
    config.max_failures_per_account = 5;
    let h = std::sync::Arc::new(Harness::start_with(db, config, auth).await);
    h.register("quoc").await;
    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.login("quoc", "wrong password!").await })
        })
        .collect();
    let (mut refused, mut throttled) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Err(status) if status.code() == Code::Unauthenticated => refused += 1,
            Err(status) if status.code() == Code::ResourceExhausted => throttled += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(refused + throttled, 16);
    assert_eq!(refused, 5, "{refused} wrong passwords were checked; the limit is 5");
    let admin = h.admin_token().await;
    let events = |kind: AuthEventKind| {
        let h = h.clone();
        let admin = admin.clone();
        async move {
            h.users()
                .await
                .list_auth_events(authed(ListAuthEventsRequest { kind: kind.into(), ..Default::default() }, &admin))
                .await
                .unwrap()
                .into_inner()
                .events
                .len()
        }
    };
    assert_eq!(events(AuthEventKind::LoginFailed).await, refused);
    assert_eq!(events(AuthEventKind::LoginThrottled).await, throttled);
    // And the account stays locked, even for the right password.
    assert_code(h.login("quoc", PASSWORD).await, Code::ResourceExhausted);
}

/// An account has one count of failures, whether it is named by username or
/// by email.
async fn failures_by_username_and_email_share_one_count(h: Harness) {
    let limit = h.config.max_failures_per_account;
    h.register("thao").await;
    for _ in 0..limit {
        assert_code(h.login("thao", "wrong password!").await, Code::Unauthenticated);
    }
    let status = assert_code(h.login("Thao@Example.com", "wrong password!").await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
    assert_code(h.login("thao@example.com", PASSWORD).await, Code::ResourceExhausted);
    // Names of no account are counted too, each on its own, and answer alike.
    for _ in 0..limit {
        assert_code(h.login("nobody.here", "wrong password!").await, Code::Unauthenticated);
    }
    assert_code(h.login("nobody.here", "wrong password!").await, Code::ResourceExhausted);
    assert_code(h.login("nobody.else", "wrong password!").await, Code::Unauthenticated);
}

on_every_backend!(
    repeated_failures_throttle_the_account,
    repeated_failures_throttle_the_address,
    concurrent_failures_evaluate_at_most_the_limit,
    failures_by_username_and_email_share_one_count,
);
