//! `/openapi.json` documents every exposed route under plain parameter
//! names; `/docs` serves Swagger UI with a strict CSP; the document passes
//! `openapi-spec-validator` (PyPI) when it is installed (required with
//! `HMS_TEST_REQUIRE_BACKENDS=1`). `docs_ui.rs` drives the page in Chromium.

mod common;

use common::Stack;
use hms_kit::auth::{Policies, Policy};
use hms_proto::google::api::HttpRule;
use hms_proto::google::api::http_rule::Pattern;
use prost_reflect::{DescriptorPool, Value as PValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
            // The additional bindings (seed 003's spellings) are routes too.
            for rule in std::iter::once(rule.clone()).chain(rule.additional_bindings) {
                let (verb, template) = match rule.pattern.unwrap() {
                    Pattern::Get(t) => ("get", t),
                    Pattern::Put(t) => ("put", t),
                    Pattern::Post(t) => ("post", t),
                    Pattern::Delete(t) => ("delete", t),
                    Pattern::Patch(t) => ("patch", t),
                    Pattern::Custom(c) => panic!("custom {}", c.kind),
                };
                out.push((plain_names(&template), verb.to_owned()));
            }
        }
    }
    assert!(out.len() >= 10, "{out:?}");
    out
}

/// `{template.id}` as the document names it: `{template_id}`.
fn plain_names(template: &str) -> String {
    let mut inside = false;
    template
        .chars()
        .map(|c| {
            inside = (inside || c == '{') && c != '}';
            if inside && c == '.' { '_' } else { c }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_validates() {
    let s = Stack::start().await;
    let response = s.http.get(s.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let expected = expected_operations();
    assert!(expected.iter().any(|(path, verb)| path == "/api/v1/doctors/{doctor_id}/schedule" && verb == "post"));
    for (path, verb) in expected {
        assert!(doc["paths"][&path][&verb].is_object(), "{verb} {path} is not documented");
    }
    for internal in ["/api/v1/users/token/verify", "/api/v1/admin/users/{user_id}/contact-info"] {
        assert!(doc["paths"][internal].is_null(), "internal route {internal} documented");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["google.rpc.Status"]["properties"]["details"].is_object());
    assert_eq!(doc["components"]["schemas"]["hms.user.v1.User"]["properties"]["date_joined"]["format"], "date-time");

    for (path, content_type) in [
        ("/docs", "text/html"),
        ("/docs/", "text/html"),
        ("/docs/swagger-ui-bundle.js", "text/javascript"),
        ("/docs/swagger-ui.css", "text/css"),
        ("/docs/hms-docs.js", "text/javascript"),
        ("/docs/hms-docs.css", "text/css"),
    ] {
        let response = s.http.get(s.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(content_type), "{path}: {headers:?}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{path}: {csp}");
        let text = response.text().await.unwrap();
        if content_type == "text/html" {
            assert!(!text.contains("https://") && !text.contains("http://"), "the page loads nothing from elsewhere");
            assert!(text.contains("src=\"/docs/hms-docs.js\""), "{text}");
        }
    }
    let init = s.http.get(s.url("/docs/hms-docs.js")).send().await.unwrap().text().await.unwrap();
    assert!(init.contains("\"/openapi.json\""), "Swagger UI reads the gateway's own document");

    validate(&doc);
}

/// No path parameter has a dotted name (client generators and schemathesis
/// read `template.id` as a property access), and the documented path of a
/// nested variable still reaches its method.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_parameters_have_plain_names_that_route() {
    let s = Stack::start().await;
    let doc: Value = s.http.get(s.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_path: Vec<&str> = path.split('{').skip(1).map(|p| p.split('}').next().unwrap()).collect();
        assert!(in_path.iter().all(|name| !name.contains('.')), "{path}");
        for (verb, op) in item.as_object().unwrap() {
            for parameter in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                let name = parameter["name"].as_str().unwrap();
                assert!(!name.contains('.') && in_path.contains(&name), "{verb} {path}: {name}");
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "{checked} path parameters");

    let documented = "/api/v1/admin/notification-templates/{template_id}";
    let put = &doc["paths"][documented]["put"];
    assert_eq!(put["parameters"][0]["name"], "template_id", "{put}");
    let admin = s.admin_token().await;
    let (status, listed) =
        s.call(Method::GET, "/api/v1/admin/notification-templates?page.page_size=1", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let template = &listed["templates"][0];
    let id = template["id"].as_str().unwrap();
    let path = documented.replace("{template_id}", id);
    let body = json!({"body_text": "Updated through the documented path", "version": template["version"]});
    let (status, updated) = s.call(Method::PUT, &path, Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["template"]["id"], id);
    assert_eq!(updated["template"]["body_text"], "Updated through the documented path");
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
