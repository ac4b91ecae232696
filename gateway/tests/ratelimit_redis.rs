//! Two gateway replicas sharing Redis share one rate limit.
//! Redis: `HMS_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); skipped when
//! unreachable unless `HMS_TEST_REQUIRE_BACKENDS=1`.

mod common;

use common::{PASSWORD, Stack};
use hms_gateway::RateLimitBackend;
use reqwest::StatusCode;
use serde_json::json;

async fn redis_url() -> Option<String> {
    let url = std::env::var("HMS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let reachable = async {
        let client = redis::Client::open(url.as_str()).ok()?;
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut conn).await.ok()
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), reachable).await.ok().flatten() {
        Some(_) => Some(url),
        None => {
            assert!(
                std::env::var("HMS_TEST_REQUIRE_BACKENDS").as_deref() != Ok("1"),
                "HMS_TEST_REQUIRE_BACKENDS=1 but Redis at {url} does not answer"
            );
            eprintln!("skipped: Redis at {url} does not answer");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_redis_hit_the_shared_limit() {
    let Some(url) = redis_url().await else { return };
    let prefix = format!("hms:test:{}", uuid::Uuid::now_v7().simple());
    let s = Stack::start_with(|c| {
        c.rate_limit.backend = RateLimitBackend::Redis;
        c.rate_limit.redis_url = url.clone();
        c.rate_limit.key_prefix = prefix.clone();
        c.rate_limit.strict_per_address = 3;
    })
    .await;
    let replica = common::start_gateway(s.config.clone(), &s.gateway_auth).await;
    s.register("shared").await; // 1 (registration is strict too)

    let login = |base: String| {
        let http = s.http.clone();
        async move {
            http.post(format!("{base}/api/v1/users/login"))
                .json(&json!({"username": "shared", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(login(replica.url()).await.status(), StatusCode::OK); // 2
    assert_eq!(login(s.gateway.url()).await.status(), StatusCode::OK); // 3
    let refused = login(replica.url()).await; // 4: over the shared budget
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(login(s.gateway.url()).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // Non-strict methods still pass.
    let keys = s.http.get(format!("{}/api/v1/users/keys", replica.url())).send().await.unwrap();
    assert_eq!(keys.status(), StatusCode::OK);
}
