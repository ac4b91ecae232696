//! Prometheus metrics of the gateway (and, in this one process, the services
//! behind it), scraped after real calls.

mod common;

use common::Stack;
use reqwest::StatusCode;

fn counter(text: &str, service: &str, method: &str, code: &str) -> Option<u64> {
    let prefix = format!("hms_requests_total{{code=\"{code}\",method=\"{method}\",service=\"{service}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).and_then(|n| n.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_by_method_and_code() {
    let metrics = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let s = Stack::start_with(|config| config.metrics_listen = Some(metrics)).await;
    s.register("mai.tran").await;
    let keys = s.http.get(s.url("/api/v1/users/keys")).send().await.unwrap();
    assert_eq!(keys.status(), StatusCode::OK);
    let missing = s.http.get(s.url("/api/v1/no/such/route")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let scrape = s.http.get(format!("http://{metrics}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(scrape.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.unwrap();
    assert!(counter(&text, "gateway", "/hms.user.v1.UserService/Register", "200").is_some_and(|n| n >= 1), "{text}");
    assert!(
        counter(&text, "gateway", "/hms.user.v1.UserService/GetSigningKeys", "200").is_some_and(|n| n >= 1),
        "{text}"
    );
    assert!(counter(&text, "gateway", "unknown", "404").is_some_and(|n| n >= 1), "{text}");
    // The user service behind it counted the same call, with its gRPC code.
    assert!(counter(&text, "user", "/hms.user.v1.UserService/Register", "OK").is_some_and(|n| n >= 1), "{text}");
    assert!(text.contains("hms_request_duration_seconds_count{code=\"200\",method=\"/hms.user.v1.UserService/Register\",service=\"gateway\"}"), "{text}");
    assert!(text.contains("hms_requests_in_flight{service=\"gateway\"}"), "{text}");
}
