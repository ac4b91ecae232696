//! REST/JSON through the gateway to the real user service, at the seed paths.

mod common;

use base64::Engine as _;
use common::{PASSWORD, Stack, violated_fields};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_user_flow_at_seed_paths_with_trailing_slashes() {
    let s = Stack::start().await;

    let user = s.register("an.nguyen").await;
    assert_eq!(user["username"], "an.nguyen");
    assert_eq!(user["first_name"], "Test", "proto field names on output: {user}");
    assert_eq!(user["role"], "ROLE_PATIENT");
    assert_eq!(user["is_staff"], false, "defaults are emitted: {user}");
    assert!(user["date_joined"].as_str().unwrap().ends_with('Z'));

    let (status, login) = s.login("an.nguyen", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let access = login["tokens"]["access_token"].as_str().unwrap().to_owned();
    let refresh = login["tokens"]["refresh_token"].as_str().unwrap().to_owned();

    let (status, me) = s.call(Method::GET, "/api/v1/users/me/", Some(&access), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["id"], user["id"]);
    let (status, me) = s.call(Method::GET, "/api/v1/users/me", Some(&access), None).await;
    assert_eq!(status, StatusCode::OK, "without the slash too: {me}");

    let (status, updated) = s
        .call(Method::PUT, "/api/v1/users/me/", Some(&access), Some(json!({"firstName": "Anh", "last_name": "Ng"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["user"]["first_name"], "Anh");
    assert_eq!(updated["user"]["last_name"], "Ng");

    // Refresh rotates; presenting the used token again once its successor
    // was used revokes the session.
    let (status, rotated) =
        s.call(Method::POST, "/api/v1/users/token/refresh/", None, Some(json!({"refresh_token": refresh}))).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let successor = rotated["tokens"]["refresh_token"].as_str().unwrap();
    assert_ne!(successor, refresh);
    let (status, rotated) =
        s.call(Method::POST, "/api/v1/users/token/refresh/", None, Some(json!({"refresh_token": successor}))).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let (status, reused) =
        s.call(Method::POST, "/api/v1/users/token/refresh/", None, Some(json!({"refreshToken": refresh}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reused}");
    assert_eq!(reused["code"], 16);
    assert!(reused["details"].as_array().unwrap().iter().any(|d| d["reason"] == "REFRESH_TOKEN_REUSED"), "{reused}");

    // Logout closes the session: the service refuses its access token at once.
    let access = s.token("an.nguyen", PASSWORD).await;
    let (status, body) = s.call(Method::POST, "/api/v1/users/logout/", Some(&access), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s.call(Method::GET, "/api/v1/users/me/", Some(&access), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Password change.
    let access = s.token("an.nguyen", PASSWORD).await;
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/users/password/change/",
            Some(&access),
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.login("an.nguyen", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    s.token("an.nguyen", "a brand new password").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_lists_users_with_nested_and_enum_query_parameters() {
    let s = Stack::start().await;
    for name in ["p.one", "p.two", "p.three"] {
        s.register(name).await;
    }
    let admin = s.admin_token().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/users/?page.page_size=2&role=ROLE_PATIENT".to_owned();
    loop {
        let (status, page) = s.call(Method::GET, &path, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let users = page["users"].as_array().unwrap();
        assert!(users.len() <= 2, "{page}");
        for u in users {
            assert_eq!(u["role"], "ROLE_PATIENT");
            seen.push(u["username"].as_str().unwrap().to_owned());
        }
        let next = page["page"]["next_page_token"].as_str().unwrap_or_default();
        if next.is_empty() {
            break;
        }
        path = format!("/api/v1/admin/users?page.page_size=2&role=ROLE_PATIENT&page.pageToken={next}");
    }
    seen.sort();
    assert_eq!(seen, ["p.one", "p.three", "p.two"]);

    // Path parameters.
    let (_, page) = s.call(Method::GET, "/api/v1/admin/users?query=p.two", Some(&admin), None).await;
    let id = page["users"][0]["id"].as_str().unwrap().to_owned();
    let (status, got) = s.call(Method::GET, &format!("/api/v1/admin/users/{id}/"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["user"]["username"], "p.two");
    let (status, body) = s
        .call(Method::POST, &format!("/api/v1/admin/users/{id}/active"), Some(&admin), Some(json!({"active": false})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_mapped_with_decoded_details() {
    let s = Stack::start().await;
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/users/register",
            None,
            Some(json!({"username": "x", "password": "short", "email": "not-an-email"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], 3);
    let fields = violated_fields(&body);
    assert!(fields.contains(&"email".to_owned()) && fields.contains(&"password".to_owned()), "{body}");

    let response = s.http.get(s.url("/api/v1/users/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 16);

    let (status, _) = s.call(Method::GET, "/api/v1/users/me", Some("not.a.token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    s.register("pat").await;
    let patient = s.token("pat", PASSWORD).await;
    let (status, body) = s.call(Method::GET, "/api/v1/admin/users/", Some(&patient), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], 7);

    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/users/register",
            None,
            Some(json!({"username": "pat", "password": PASSWORD, "email": "other@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], 6);

    let (status, body) = s.call(Method::GET, "/api/v1/nothing/here", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], 5);
    let (status, _) = s.call(Method::DELETE, "/api/v1/users/me", Some(&patient), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_the_edge_and_never_forwarded() {
    let s = Stack::start().await;
    let valid = json!({"username": "edge.case", "password": PASSWORD, "email": "edge@example.com"});
    let mut valid_text = serde_json::to_string(&valid).unwrap();

    let cases: Vec<(&str, String)> = vec![
        ("malformed JSON", valid_text[..valid_text.len() - 1].to_owned()),
        ("unknown field", valid_text.replace("\"username\"", "\"bogus\":1,\"username\"")),
        ("wrong type", valid_text.replace("\"edge@example.com\"", "42")),
        ("not an object", "[1,2]".to_owned()),
        ("oversized", {
            let mut padded = valid_text.clone();
            padded.insert_str(1, &" ".repeat(70 * 1024));
            padded
        }),
    ];
    for (what, body) in cases {
        let response = s
            .http
            .post(s.url("/api/v1/users/register/"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], 3, "{what}: {body}");
        assert!(!body["message"].as_str().unwrap().is_empty(), "{what}");
        assert_eq!(violated_fields(&body), ["body"], "{what}: {body}");
    }
    // None of them reached the service: the account does not exist yet.
    let (status, body) = s.login("edge.case", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    valid_text.push(' ');
    let response = s.http.post(s.url("/api/v1/users/register")).body(valid_text).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Query parameters of unknown names or wrong types, each named.
    let admin = s.admin_token().await;
    for (query, field) in
        [("?bogus=1", "bogus"), ("?page.page_size=many", "page.page_size"), ("?role=ROLE_NOPE", "role")]
    {
        let (status, body) = s.call(Method::GET, &format!("/api/v1/admin/users{query}"), Some(&admin), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(violated_fields(&body), [field], "{query}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_methods_have_no_rest_route() {
    let s = Stack::start().await;
    let admin = s.admin_token().await;
    let user = s.register("someone").await;
    let id = user["id"].as_str().unwrap();
    let (status, body) =
        s.call(Method::GET, &format!("/api/v1/admin/users/{id}/contact-info"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) =
        s.call(Method::POST, "/api/v1/users/token/verify", Some(&admin), Some(json!({"token": admin}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // With a service token too.
    let service = hms_kit::auth::ServiceTokens::new("billing", &secrecy::SecretString::from(common::SERVICE_SECRET))
        .token()
        .unwrap();
    let (status, _) =
        s.call(Method::GET, &format!("/api/v1/admin/users/{id}/contact-info"), Some(&service), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_generated() {
    let s = Stack::start().await;
    let response = s.http.get(s.url("/api/v1/users/keys")).header("x-request-id", "req-123").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "req-123");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(!body["keys"].as_array().unwrap().is_empty());
    let response = s.http.get(s.url("/api/v1/users/keys")).send().await.unwrap();
    assert!(!response.headers()["x-request-id"].is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_with_retry_after() {
    let s = Stack::start_with(|c| c.rate_limit.strict_per_address = 2).await;
    s.register("limited").await;
    assert_eq!(s.login("limited", PASSWORD).await.0, StatusCode::OK);
    let response = s
        .http
        .post(s.url("/api/v1/users/login"))
        .json(&json!({"username": "limited", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 8);
    assert!(body["details"][0]["@type"].as_str().unwrap().ends_with("google.rpc.RetryInfo"), "{body}");
    // Other methods keep their own, larger budget.
    let (status, _) = s.call(Method::GET, "/api/v1/users/keys", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_uploads_have_their_own_body_limit() {
    // 64 KiB for ordinary bodies (the test stack's), 256 KiB for file content.
    let s = Stack::start_with(|config| config.max_upload_bytes = 256 * 1024).await;
    let big = "x".repeat(100 * 1024);
    let (status, body) =
        s.call(Method::POST, "/api/v1/users/login/", None, Some(json!({"username": big, "password": "p"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(violated_fields(&body), ["body"]);

    let admin = s.admin_token().await;
    let technician = json!({
        "username": "lab.upload", "password": PASSWORD, "email": "lab.upload@example.com",
        "role": "ROLE_LAB_TECHNICIAN",
    });
    let (status, body) = s.call(Method::POST, "/api/v1/admin/users", Some(&admin), Some(technician)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = s.token("lab.upload", PASSWORD).await;
    let upload = |bytes: usize| {
        let content = base64::engine::general_purpose::STANDARD.encode(vec![7_u8; bytes]);
        json!({"file_name": "run.pdf", "content": content})
    };
    let path = "/api/v1/lab/orders/o-1/items/i-1/files";
    // 150 KiB of file: past the ordinary limit, within the upload limit, so
    // the gateway forwards it (no laboratory runs in this stack).
    let (status, body) = s.call(Method::POST, path, Some(&token), Some(upload(150 * 1024))).await;
    assert_ne!(violated_fields(&body), ["body"], "{status} {body}");
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{body}");
    // 300 KiB: past the upload limit too.
    let (status, body) = s.call(Method::POST, path, Some(&token), Some(upload(300 * 1024))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(violated_fields(&body), ["body"]);
}
