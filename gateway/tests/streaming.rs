//! Server-streaming RPCs over REST: the notification stream as NDJSON and as
//! server-sent events, through the gateway, fed by the real pipeline.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notification_stream_is_served_as_ndjson_and_as_sse() {
    let stack = Stack::start().await;
    let user = stack.register("an.stream").await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let token = stack.token("an.stream", PASSWORD).await;

    let mut ndjson =
        stack.http.get(stack.url("/api/v1/notifications/stream")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ndjson.status(), StatusCode::OK);
    assert_eq!(ndjson.headers()["content-type"], "application/x-ndjson");
    send_in_app(&stack, &user_id, "first").await;
    let text = read_until(&mut ndjson, "\n").await;
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["notification"]["subject"], "Chào mừng đến với HMS", "Vietnamese by default");
    assert_eq!(line["notification"]["recipient_id"], user_id.as_str());

    let mut sse = stack
        .http
        .get(stack.url("/api/v1/notifications/stream/"))
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(sse.headers()["content-type"], "text/event-stream");
    send_in_app(&stack, &user_id, "second").await;
    let text = read_until(&mut sse, "\n\n").await;
    let data = text.lines().find_map(|l| l.strip_prefix("data:")).expect("an SSE data line");
    let event: Value = serde_json::from_str(data.trim()).unwrap();
    assert_eq!(event["notification"]["body"], "Xin chào An, tài khoản của bạn đã sẵn sàng.");

    // Plain REST reads of the same service, int64 rendered as a string.
    let (status, body) = stack.call(Method::GET, "/api/v1/notifications/unread-count", Some(&token), None).await;
    assert_eq!((status, body["unread"].as_str()), (StatusCode::OK, Some("2")));
    // Without a token the stream is refused at the edge.
    let (status, _) = stack.call(Method::GET, "/api/v1/notifications/stream", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
