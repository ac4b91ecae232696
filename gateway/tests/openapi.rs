//! `/openapi.json` documents every exposed route; `/docs` renders it; the
//! document passes `openapi-spec-validator` (PyPI) when it is installed
//! (required with `HMS_TEST_REQUIRE_BACKENDS=1`).

mod common;

use common::Stack;
use hms_kit::auth::{Policies, Policy};
use hms_proto::google::api::HttpRule;
use hms_proto::google::api::http_rule::Pattern;
use prost_reflect::{DescriptorPool, Value as PValue};
use serde_json::Value;

/// Every annotated, non-internal method's (OpenAPI path, method), read
/// straight from the descriptor set.
fn expected_operations() -> Vec<(String, String)> {
    let pool = DescriptorPool::decode(hms_proto::FILE_DESCRIPTOR_SET).unwrap();
    let policies = Policies::hms().unwrap();
    let http = pool.get_extension_by_name("google.api.http").unwrap();
    let mut out = Vec::new();
    for service in pool.services().filter(|s| s.full_name().starts_with("hms.")) {
        for method in service.methods() {
            let path = format!("/{}/{}", service.full_name(), method.name());
            if matches!(policies.get(&path), Some(Policy::Internal) | None) || !method.options().has_extension(&http) {
                continue;
            }
            let PValue::Message(rule) = method.options().get_extension(&http).into_owned() else { continue };
            let rule: HttpRule = rule.transcode_to().unwrap();
            let (verb, template) = match rule.pattern.unwrap() {
                Pattern::Get(t) => ("get", t),
                Pattern::Put(t) => ("put", t),
                Pattern::Post(t) => ("post", t),
                Pattern::Delete(t) => ("delete", t),
                Pattern::Patch(t) => ("patch", t),
                Pattern::Custom(c) => panic!("custom {}", c.kind),
            };
            out.push((template, verb.to_owned()));
        }
    }
    assert!(out.len() >= 10, "{out:?}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_validates() {
    let s = Stack::start().await;
    let response = s.http.get(s.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, verb) in expected_operations() {
        assert!(doc["paths"][&path][&verb].is_object(), "{verb} {path} is not documented");
    }
    for internal in ["/api/v1/users/token/verify", "/api/v1/admin/users/{user_id}/contact-info"] {
        assert!(doc["paths"][internal].is_null(), "internal route {internal} documented");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["google.rpc.Status"]["properties"]["details"].is_object());
    assert_eq!(doc["components"]["schemas"]["hms.user.v1.User"]["properties"]["date_joined"]["format"], "date-time");

    let docs = s.http.get(s.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("/openapi.json") && !html.contains("https://"), "the page is self-contained");

    validate(&doc);
}

fn validate(doc: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let output = std::process::Command::new("python3").args(["-m", "openapi_spec_validator"]).arg(&file).output();
    let output = match output {
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named") => None,
        Ok(o) => Some(o),
        Err(_) => None,
    };
    let Some(output) = output else {
        assert!(
            std::env::var("HMS_TEST_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "openapi-spec-validator is not installed (python3 -m pip install openapi-spec-validator)"
        );
        eprintln!("skipped validation: openapi-spec-validator is not installed");
        return;
    };
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
