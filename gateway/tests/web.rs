//! The web app at the gateway: embedded files with their caching and
//! security headers, the app's router paths, and the browser session kept
//! in cookies (`hms.web.v1.WebSessionService` over grpc-web).

mod common;

use std::time::Duration;

use common::{PASSWORD, Stack, web_client};
use hms_kit::proto::user::GetMeRequest;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_proto::web::web_session_service_client::WebSessionServiceClient;
use hms_proto::web::{RefreshRequest, SignInRequest, SignOutRequest};
use tonic::metadata::MetadataMap;
use tonic::{Code, Request};

/// The first script the app's index loads.
fn entry_script(index: &str) -> String {
    let start = index.find("/assets/").expect("the index loads an asset");
    let end = index[start..].find('"').expect("a quoted asset path") + start;
    index[start..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_with_its_router_paths_caching_and_a_strict_policy() {
    let s = Stack::start().await;
    let index = s.http.get(s.url("/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    let headers = index.headers().clone();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(headers["cache-control"], "no-cache", "a new release is picked up at once");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"), "{policy}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "reset links carry a token");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let index = index.text().await.unwrap();

    // The pages the emails link to, and any other path of the app's router.
    for page in ["/reset-password?token=abc", "/feedback?appointment=1", "/patient/book"] {
        let response = s.http.get(s.url(page)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{page}");
        assert_eq!(response.text().await.unwrap(), index, "{page} gets the app");
    }

    let script = entry_script(&index);
    let asset = s.http.get(s.url(&script)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable", "hashed names");
    assert!(asset.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let etag = asset.headers()["etag"].clone();
    let again = s.http.get(s.url(&script)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);

    let missing = s.http.get(s.url("/assets/nothing-here.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404, "a missing file is not the app");
    let api = s.http.get(s.url("/api/v1/no-such-route")).send().await.unwrap();
    assert_eq!(api.status(), 404);
    assert!(api.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "the API answers JSON");
    let docs = s.http.get(s.url("/openapi.json")).send().await.unwrap();
    assert!(docs.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_gzipped_for_browsers_that_accept_it() {
    let s = Stack::start().await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let index = s.http.get(s.url("/")).send().await.unwrap().text().await.unwrap();
    let script = entry_script(&index);
    let plain = raw.get(s.url(&script)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let zipped = raw.get(s.url(&script)).header("accept-encoding", "gzip, br").send().await.unwrap();
    if plain.len() > 1024 {
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert!(zipped.bytes().await.unwrap().len() < plain.len());
    }
}

/// The cookies a response sets, as `name=value; attributes`.
fn set_cookies(metadata: &MetadataMap) -> Vec<String> {
    metadata.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn cookie_value(cookies: &[String], name: &str) -> String {
    let prefix = format!("{name}=");
    let cookie = cookies.iter().find(|c| c.starts_with(&prefix)).unwrap_or_else(|| panic!("{name} in {cookies:?}"));
    cookie[prefix.len()..].split(';').next().unwrap().to_owned()
}

/// A call as the page makes it: the cookies the browser holds, and the CSRF
/// header when given.
fn from_page<T>(message: T, cookies: &[(&str, &str)], csrf: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    let jar = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    if !jar.is_empty() {
        request.metadata_mut().insert("cookie", jar.parse().unwrap());
    }
    if let Some(csrf) = csrf {
        request.metadata_mut().insert("x-csrf-token", csrf.parse().unwrap());
    }
    request
}

fn bearer<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_session_lives_in_cookies_the_page_cannot_read() {
    web_session_walk(&Stack::start().await).await;
}

/// As under `hms up`, where the gateway calls the user service in process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_session_works_with_the_user_service_in_process() {
    web_session_walk(&Stack::start_with(|config| config.in_process_upstreams = true).await).await;
}

async fn web_session_walk(s: &Stack) {
    s.register("web.session").await;
    let (service, origin) = web_client(s);
    let mut sessions = WebSessionServiceClient::with_origin(service.clone(), origin.clone());
    let mut users = UserServiceClient::with_origin(service, origin);

    let wrong = sessions.sign_in(SignInRequest { username: "web.session".into(), password: "wrong".into() }).await;
    assert_eq!(wrong.unwrap_err().code(), Code::Unauthenticated);
    let empty = sessions.sign_in(SignInRequest::default()).await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument, "the user service's validation comes through");

    let signed_in =
        sessions.sign_in(SignInRequest { username: "web.session".into(), password: PASSWORD.into() }).await.unwrap();
    let cookies = set_cookies(signed_in.metadata());
    let session = signed_in.into_inner().session.unwrap();
    assert_eq!(session.user.as_ref().unwrap().username, "web.session");
    let refresh_cookie = cookies.iter().find(|c| c.starts_with("hms_refresh=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/hms.web.v1.WebSessionService/"] {
        assert!(refresh_cookie.contains(attribute), "{refresh_cookie} lacks {attribute}");
    }
    assert!(!refresh_cookie.contains("Secure"), "plain HTTP on this machine: a Secure cookie would be dropped");
    let csrf_cookie = cookies.iter().find(|c| c.starts_with("hms_csrf=")).unwrap();
    assert!(!csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"), "{csrf_cookie}");
    let refresh = cookie_value(&cookies, "hms_refresh");
    let csrf = cookie_value(&cookies, "hms_csrf");
    assert!(!format!("{session:?}").contains(&refresh), "the page never sees the refresh token");
    let me = users.get_me(bearer(GetMeRequest {}, &session.access_token)).await.unwrap().into_inner();
    assert_eq!(me.user.unwrap().username, "web.session");

    // Refresh needs the cookie and the CSRF header repeating its cookie.
    let none = sessions.refresh(from_page(RefreshRequest {}, &[], None)).await.unwrap_err();
    assert_eq!(none.code(), Code::Unauthenticated);
    let jar = [("hms_refresh", refresh.as_str()), ("hms_csrf", csrf.as_str())];
    let forged = sessions.refresh(from_page(RefreshRequest {}, &jar, None)).await.unwrap_err();
    assert_eq!(forged.code(), Code::PermissionDenied, "no CSRF header: {forged:?}");
    let forged = sessions.refresh(from_page(RefreshRequest {}, &jar, Some("guessed"))).await.unwrap_err();
    assert_eq!(forged.code(), Code::PermissionDenied);

    let refreshed = sessions.refresh(from_page(RefreshRequest {}, &jar, Some(&csrf))).await.unwrap();
    let cookies = set_cookies(refreshed.metadata());
    let renewed = refreshed.into_inner().session.unwrap();
    assert_eq!(renewed.user.unwrap().username, "web.session", "a reloaded page learns who is signed in");
    let rotated = cookie_value(&cookies, "hms_refresh");
    let new_csrf = cookie_value(&cookies, "hms_csrf");
    assert_ne!(rotated, refresh);
    assert_ne!(new_csrf, csrf);

    // Another site's page is refused, whatever it sends.
    let mut cross_site = from_page(
        RefreshRequest {},
        &[("hms_refresh", rotated.as_str()), ("hms_csrf", new_csrf.as_str())],
        Some(&new_csrf),
    );
    cross_site.metadata_mut().insert("origin", "https://evil.example".parse().unwrap());
    assert_eq!(sessions.refresh(cross_site).await.unwrap_err().code(), Code::PermissionDenied);

    // Signing out ends the session everywhere and clears the cookies.
    let jar = [("hms_refresh", rotated.as_str()), ("hms_csrf", new_csrf.as_str())];
    let signed_out = sessions.sign_out(from_page(SignOutRequest {}, &jar, Some(&new_csrf))).await.unwrap();
    let cleared = set_cookies(signed_out.metadata());
    assert!(cleared.iter().any(|c| c.starts_with("hms_refresh=;") && c.contains("Max-Age=0")), "{cleared:?}");
    assert!(cleared.iter().any(|c| c.starts_with("hms_csrf=;") && c.contains("Max-Age=0")), "{cleared:?}");
    let after = sessions.refresh(from_page(RefreshRequest {}, &jar, Some(&new_csrf))).await.unwrap_err();
    assert_eq!(after.code(), Code::Unauthenticated);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        match users.get_me(bearer(GetMeRequest {}, &renewed.access_token)).await {
            Err(status) if status.code() == Code::Unauthenticated => break,
            _ if tokio::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the access token still works 2 s after signing out: {other:?}"),
        }
    }
    // Signing out again, or without any session, is fine.
    sessions.sign_out(from_page(SignOutRequest {}, &[], None)).await.unwrap();
}
