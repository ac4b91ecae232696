//! Sessions through the gRPC API, on every relational backend: bad
//! credentials, refresh-token rotation and reuse, logout.

mod common;

use common::*;
use hms_kit::proto::user::*;
use tonic::Code;

async fn wrong_password_and_missing_token_are_unauthenticated(h: Harness) {
    h.register("binh").await;
    assert_code(h.login("binh", "wrong password!").await, Code::Unauthenticated);
    assert_code(h.login("nobody", PASSWORD).await, Code::Unauthenticated);
    let mut users = h.users().await;
    assert_code(users.get_me(GetMeRequest {}).await, Code::Unauthenticated);
    assert_code(users.get_me(authed(GetMeRequest {}, "garbage.token.value")).await, Code::Unauthenticated);
}

async fn refresh_rotates_and_reuse_revokes_the_session(h: Harness) {
    h.register("chi").await;
    let tokens = h.login("chi", PASSWORD).await.unwrap().tokens.unwrap();
    let mut users = h.users().await;
    let refresh = |token: &str| RefreshTokenRequest { refresh_token: token.into() };

    let second = users.refresh_token(refresh(&tokens.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    assert_ne!(second.refresh_token, tokens.refresh_token);
    users.get_me(authed(GetMeRequest {}, &second.access_token)).await.unwrap();

    // The first token again: reuse. The whole session is revoked.
    let status = assert_code(users.refresh_token(refresh(&tokens.refresh_token)).await, Code::Unauthenticated);
    assert_eq!(reason(&status), "REFRESH_TOKEN_REUSED");
    assert_code(users.refresh_token(refresh(&second.refresh_token)).await, Code::Unauthenticated);
    assert_code(users.get_me(authed(GetMeRequest {}, &second.access_token)).await, Code::Unauthenticated);

    // Another login still works: only that session died.
    h.login("chi", PASSWORD).await.unwrap();
}

async fn concurrent_refreshes_with_one_token_succeed_at_most_once(h: Harness) {
    h.register("dung").await;
    let tokens = h.login("dung", PASSWORD).await.unwrap().tokens.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let mut users = h.users().await;
        let token = tokens.refresh_token.clone();
        tasks
            .push(tokio::spawn(async move { users.refresh_token(RefreshTokenRequest { refresh_token: token }).await }));
    }
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(status) => assert_eq!(status.code(), Code::Unauthenticated),
        }
    }
    assert!(successes <= 1, "{successes} refreshes succeeded with one token");
}

async fn logout_ends_the_session(h: Harness) {
    h.register("giang").await;
    let tokens = h.login("giang", PASSWORD).await.unwrap().tokens.unwrap();
    let mut users = h.users().await;
    users.logout(authed(LogoutRequest {}, &tokens.access_token)).await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &tokens.access_token)).await, Code::Unauthenticated);
    assert_code(
        users.refresh_token(RefreshTokenRequest { refresh_token: tokens.refresh_token }).await,
        Code::Unauthenticated,
    );
}

on_every_backend!(
    wrong_password_and_missing_token_are_unauthenticated,
    refresh_rotates_and_reuse_revokes_the_session,
    concurrent_refreshes_with_one_token_succeed_at_most_once,
    logout_ends_the_session,
);
