//! `GetNotificationStats`, the dashboard's internal call: FAILED deliveries
//! of the last 24 hours and 7 days, on SQLite and the MongoDB-wire server.

mod common;

use common::*;
use hms_kit::proto::notification::*;
use serde_json::json;
use tonic::Code;

async fn stats_count_recent_failures(w: World) {
    // Deliveries as the worker leaves them, an hour, three days and ten days
    // old; and a delivered one.
    let docs = hms_kit::docstore::connect(&w.config.store_url).await.unwrap();
    let hour = 3_600_000_000_i64;
    let now = hms_kit::time::now_micros();
    for (id, status, age) in
        [("f1", "FAILED", hour), ("f2", "FAILED", 72 * hour), ("f3", "FAILED", 240 * hour), ("d1", "DELIVERED", hour)]
    {
        let doc = json!({
            "request_id": "r1", "kind": "WELCOME", "recipient_id": "u1", "channel": "EMAIL", "status": status,
            "data": {}, "attempts": 1, "next_attempt_at": now - age, "created_at": now - age,
        });
        docs.insert("notification_deliveries", id, &doc).await.unwrap();
    }

    let mut internal = w.internal().await;
    let got = internal
        .get_notification_stats(authed(GetNotificationStatsRequest {}, &w.service_token()))
        .await
        .unwrap()
        .into_inner()
        .stats
        .unwrap();
    assert_eq!((got.failed_last_day, got.failed_last_week), (1, 2));

    // People cannot call it, not even admins.
    let refused = internal.get_notification_stats(authed(GetNotificationStatsRequest {}, &w.admin_token().await)).await;
    assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);
}

on_every_store!(stats_count_recent_failures);
