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
    let third = users.refresh_token(refresh(&second.refresh_token)).await.unwrap().into_inner().tokens.unwrap();

    // The first token again, after its successor was used: reuse. The whole
    // session is revoked.
    let status = assert_code(users.refresh_token(refresh(&tokens.refresh_token)).await, Code::Unauthenticated);
    assert_eq!(reason(&status), "REFRESH_TOKEN_REUSED");
    assert_code(users.refresh_token(refresh(&third.refresh_token)).await, Code::Unauthenticated);
    assert_code(users.get_me(authed(GetMeRequest {}, &third.access_token)).await, Code::Unauthenticated);

    // Another login still works: only that session died.
    h.login("chi", PASSWORD).await.unwrap();
}

/// A refresh whose answer never arrived (a reload cut the request off) is
/// sent again with the same token: it gets a new pair, and the pair it never
/// received is dead; presenting that one later is reuse.
async fn a_retried_refresh_rotates_again_and_the_lost_token_is_dead(h: Harness) {
    h.register("hanh").await;
    let tokens = h.login("hanh", PASSWORD).await.unwrap().tokens.unwrap();
    let mut users = h.users().await;
    let refresh = |token: &str| RefreshTokenRequest { refresh_token: token.into() };

    let lost = users.refresh_token(refresh(&tokens.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    let retried = users.refresh_token(refresh(&tokens.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    assert_ne!(retried.refresh_token, lost.refresh_token);
    // And again: the retry's answer may be lost too.
    let retried = users.refresh_token(refresh(&tokens.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    let next = users.refresh_token(refresh(&retried.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    users.get_me(authed(GetMeRequest {}, &next.access_token)).await.unwrap();

    // The pair that was lost turns up (it was stolen): reuse, the session ends.
    let status = assert_code(users.refresh_token(refresh(&lost.refresh_token)).await, Code::Unauthenticated);
    assert_eq!(reason(&status), "REFRESH_TOKEN_REUSED");
    assert_code(users.get_me(authed(GetMeRequest {}, &next.access_token)).await, Code::Unauthenticated);
    assert_code(users.refresh_token(refresh(&next.refresh_token)).await, Code::Unauthenticated);
}

/// However many requests race with one token, at most one refresh token of
/// the session works afterwards.
async fn concurrent_refreshes_with_one_token_leave_one_usable_token(h: Harness) {
    h.register("dung").await;
    let tokens = h.login("dung", PASSWORD).await.unwrap().tokens.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let mut users = h.users().await;
        let token = tokens.refresh_token.clone();
        tasks
            .push(tokio::spawn(async move { users.refresh_token(RefreshTokenRequest { refresh_token: token }).await }));
    }
    let mut issued = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(answer) => issued.push(answer.into_inner().tokens.unwrap().refresh_token),
            Err(status) => assert_eq!(status.code(), Code::Unauthenticated),
        }
    }
    let mut users = h.users().await;
    let mut usable = 0;
    for token in issued {
        if users.refresh_token(RefreshTokenRequest { refresh_token: token }).await.is_ok() {
            usable += 1;
        }
    }
    assert!(usable <= 1, "{usable} refresh tokens of one session worked");
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
    a_retried_refresh_rotates_again_and_the_lost_token_is_dead,
    concurrent_refreshes_with_one_token_leave_one_usable_token,
    logout_ends_the_session,
);
