//! Following the configuration: the watch stream (snapshot, changes,
//! resume by revision) and the reconnecting follower services use.

mod common;

use std::time::Duration;

use common::*;
use hms_kit::proto::admin::*;
use hms_kit::proto::common::Role;
use hms_kit::settings::{Snapshot, follow};
use hms_kit::testing::Relational;
use serde_json::json;
use tokio::time::timeout;
use tonic::Code;

async fn set(h: &Harness, key: &str, new: serde_json::Value, expected_version: i64) -> i64 {
    let request = UpdateSystemConfigurationRequest {
        key: key.into(),
        value: Some(value(new)),
        expected_version,
        reason: String::new(),
    };
    let response = h.admin_client().await.update_system_configuration(authed(request, h.admin())).await.unwrap();
    response.into_inner().change.unwrap().revision
}

async fn watch(
    h: &Harness,
    keys: &[&str],
    after_revision: i64,
) -> Result<tonic::Streaming<WatchConfigurationResponse>, tonic::Status> {
    let request = WatchConfigurationRequest { keys: keys.iter().map(|k| (*k).to_owned()).collect(), after_revision };
    h.internal().await.watch_configuration(authed(request, &h.service("appointment"))).await.map(|r| r.into_inner())
}

async fn next(stream: &mut tonic::Streaming<WatchConfigurationResponse>) -> WatchConfigurationResponse {
    timeout(Duration::from_secs(2), stream.message()).await.expect("a message within 2 s").unwrap().unwrap()
}

async fn a_watch_sends_a_snapshot_then_each_change_and_resumes(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    set(&h, "billing.invoice_due_days", json!(14), 0).await;
    let mut stream = watch(&h, &["appointment.reschedule_notice_hours", "billing.invoice_due_days"], 0).await.unwrap();
    let snapshot = next(&mut stream).await;
    assert!(snapshot.snapshot);
    assert_eq!(snapshot.revision, 1);
    let values: Vec<_> = snapshot.configurations.iter().map(|c| (c.key.as_str(), c.value.clone())).collect();
    assert_eq!(
        values,
        [
            ("appointment.reschedule_notice_hours", Some(value(json!(2)))),
            ("billing.invoice_due_days", Some(value(json!(14))))
        ]
    );

    // A change of a followed key arrives at once; others are not sent.
    set(&h, "clinic.name", json!("An Bình"), 0).await;
    let revision = set(&h, "appointment.reschedule_notice_hours", json!(6), 0).await;
    let change = next(&mut stream).await;
    assert!(!change.snapshot);
    assert_eq!(change.revision, revision);
    assert_eq!(change.configurations.len(), 1);
    assert_eq!(change.configurations[0].key, "appointment.reschedule_notice_hours");
    assert_eq!((change.configurations[0].version, change.configurations[0].value.clone()), (1, Some(value(json!(6)))));

    // Resuming after a revision sends what came after it, and no snapshot.
    let later = set(&h, "appointment.reschedule_notice_hours", json!(8), 1).await;
    let mut resumed = watch(&h, &[], revision).await.unwrap();
    let message = next(&mut resumed).await;
    assert!(!message.snapshot);
    assert_eq!(message.revision, later);
    assert_eq!(message.configurations[0].value, Some(value(json!(8))));

    // A revision this store never reached is refused: the watcher starts over.
    let status = assert_code(watch(&h, &[], later + 5).await, Code::OutOfRange);
    assert_eq!(reason(&status), "REVISION_AHEAD");
    let status = assert_code(watch(&h, &["no.such.key"], 0).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["keys[0]"]);
}

async fn only_services_may_watch(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let request = WatchConfigurationRequest::default();
    assert_code(
        h.internal().await.watch_configuration(authed(request.clone(), h.admin())).await,
        Code::PermissionDenied,
    );
    let (_, nurse) = h.staff("nurse_joy", Role::Nurse).await;
    assert_code(h.internal().await.watch_configuration(authed(request, &nurse)).await, Code::PermissionDenied);
}

async fn wait_for(rx: &mut tokio::sync::watch::Receiver<Snapshot>, what: impl Fn(&Snapshot) -> bool) -> Snapshot {
    timeout(Duration::from_secs(10), rx.wait_for(|s| what(s))).await.expect("in time").unwrap().clone()
}

async fn the_follower_applies_changes_within_two_seconds_and_survives_a_restart(kind: Relational) {
    let Some(mut h) = Harness::start(kind).await else { return };
    let keys = vec!["appointment.reschedule_notice_hours".to_owned(), "appointment.reminder_offsets".to_owned()];
    let (mut rx, task) = follow(&h.url(), h.tokens("appointment"), keys, std::future::pending()).unwrap();
    let first = wait_for(&mut rx, |s| !s.values.is_empty()).await;
    assert_eq!(first.integer("appointment.reschedule_notice_hours"), Some(2));
    assert_eq!(first.durations("appointment.reminder_offsets"), Some(vec![86_400, 3600]));
    assert_eq!(first.values.len(), 2, "only the followed keys");
    assert_eq!(first.stored_integer("appointment.reschedule_notice_hours"), None, "the default, not stored");

    let started = std::time::Instant::now();
    set(&h, "appointment.reschedule_notice_hours", json!(5), 0).await;
    let changed = wait_for(&mut rx, |s| s.integer("appointment.reschedule_notice_hours") == Some(5)).await;
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(changed.stored_integer("appointment.reschedule_notice_hours"), Some(5));

    // The service crashes and comes back; a change made meanwhile arrives.
    h.restart().await;
    set(&h, "appointment.reminder_offsets", json!(["2h"]), 0).await;
    let resumed = wait_for(&mut rx, |s| s.durations("appointment.reminder_offsets") == Some(vec![7200])).await;
    assert!(resumed.revision > changed.revision);
    assert_eq!(resumed.integer("appointment.reschedule_notice_hours"), Some(5));
    task.abort();
}

async fn stopping_ends_open_watches_so_the_server_drains_at_once(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(hms_admin::run(h.config.clone(), h.auth.clone(), listener, async {
        let _ = stopped.await;
    }));
    let mut client =
        hms_kit::proto::admin::internal_admin_service_client::InternalAdminServiceClient::connect(url).await.unwrap();
    let request = authed(WatchConfigurationRequest::default(), &h.service("appointment"));
    let mut stream = client.watch_configuration(request).await.unwrap().into_inner();
    assert!(next(&mut stream).await.snapshot);
    stop.send(()).unwrap();
    // Without the feed closing its watches the server would wait out its
    // drain timeout (30 s) for the stream.
    let served = timeout(Duration::from_secs(10), server).await.expect("stopped within 10 s").unwrap();
    served.unwrap();
    let end = timeout(Duration::from_secs(2), stream.message()).await.expect("the stream ended");
    assert!(!matches!(end, Ok(Some(_))), "{end:?}");
}

on_every_backend!(
    stopping_ends_open_watches_so_the_server_drains_at_once,
    a_watch_sends_a_snapshot_then_each_change_and_resumes,
    only_services_may_watch,
    the_follower_applies_changes_within_two_seconds_and_survives_a_restart,
);
