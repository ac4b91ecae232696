//! The admin audit log: services record their admin actions (idempotent on
//! the outbox event id, also through a real outbox relay that redelivers),
//! admins search it, and the hash chain shows tampering.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use hms_kit::admin_audit::{ADMIN_ACTION_TOPIC, AdminActionEvent, AdminActionSink};
use hms_kit::outbox::{DeliveryError, OutboxEvent, Relay, RelayConfig, Sink};
use hms_kit::proto::admin::*;
use hms_kit::proto::common::PageRequest;
use hms_kit::storage::{Db, Migrations};
use hms_kit::testing::Relational;
use tonic::Code;

static NO_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;

fn action(id: &str, actor: &str, what: &str, target: &str, at_secs: i64) -> AdminAction {
    AdminAction {
        id: id.into(),
        actor_id: actor.into(),
        actor_role: "ADMIN".into(),
        action: what.into(),
        target_type: "user".into(),
        target_id: target.into(),
        action_time: Some(prost_types::Timestamp { seconds: at_secs, nanos: 0 }),
        client_address: "10.1.2.3".into(),
        before: "role=PATIENT".into(),
        after: "role=NURSE".into(),
    }
}

async fn record(
    h: &Harness,
    service: &str,
    actions: Vec<AdminAction>,
) -> Result<RecordAdminActionsResponse, tonic::Status> {
    let request = RecordAdminActionsRequest { actions };
    h.internal().await.record_admin_actions(authed(request, &h.service(service))).await.map(|r| r.into_inner())
}

async fn list(h: &Harness, request: ListAuditLogsRequest) -> Result<ListAuditLogsResponse, tonic::Status> {
    h.admin_client().await.list_audit_logs(authed(request, h.admin())).await.map(|r| r.into_inner())
}

async fn verify(h: &Harness) -> VerifyAuditLogResponse {
    h.admin_client().await.verify_audit_log(authed(VerifyAuditLogRequest {}, h.admin())).await.unwrap().into_inner()
}

async fn actions_are_recorded_once_and_searchable(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let day = 1_780_000_000;
    let batch = vec![
        action("ev-1", "admin-1", "user.role_changed", "u-1", day),
        action("ev-2", "admin-1", "user.deactivated", "u-2", day + 60),
        action("ev-3", "admin-2", "user.role_changed", "u-3", day + 120),
    ];
    assert_eq!(
        record(&h, "user", batch.clone()).await.unwrap(),
        RecordAdminActionsResponse { recorded: 3, duplicates: 0 }
    );
    // A redelivery (and a repeat inside one batch) records nothing twice.
    let again =
        vec![batch[1].clone(), action("ev-4", "admin-2", "invoice.updated", "inv-9", day + 180), batch[1].clone()];
    assert_eq!(record(&h, "billing", again).await.unwrap(), RecordAdminActionsResponse { recorded: 1, duplicates: 2 });

    let all = list(&h, ListAuditLogsRequest::default()).await.unwrap().entries;
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ev-4", "ev-3", "ev-2", "ev-1"], "newest first");
    assert_eq!(all[0].service, "billing", "the service is the token's subject");
    assert_eq!(all[3].service, "user");
    assert_eq!((all[3].before.as_str(), all[3].after.as_str()), ("role=PATIENT", "role=NURSE"));
    assert_eq!(all[3].action_time.as_ref().unwrap().seconds, day);
    assert_eq!(all[0].previous_hash, all[1].hash);

    let by = |request: ListAuditLogsRequest| {
        let h = &h;
        async move { list(h, request).await.unwrap().entries.into_iter().map(|e| e.id).collect::<Vec<_>>() }
    };
    assert_eq!(by(ListAuditLogsRequest { actor_id: "admin-2".into(), ..Default::default() }).await, ["ev-4", "ev-3"]);
    assert_eq!(
        by(ListAuditLogsRequest { action: "user.role_changed".into(), ..Default::default() }).await,
        ["ev-3", "ev-1"]
    );
    assert_eq!(
        by(ListAuditLogsRequest { target_type: "user".into(), target_id: "u-2".into(), ..Default::default() }).await,
        ["ev-2"]
    );
    assert_eq!(by(ListAuditLogsRequest { service: "billing".into(), ..Default::default() }).await, ["ev-4"]);
    let window = ListAuditLogsRequest {
        start_time: Some(prost_types::Timestamp { seconds: day + 60, nanos: 0 }),
        end_time: Some(prost_types::Timestamp { seconds: day + 180, nanos: 0 }),
        ..Default::default()
    };
    assert_eq!(by(window).await, ["ev-3", "ev-2"]);

    // Paged, with tokens bound to their filters.
    let first = list(
        &h,
        ListAuditLogsRequest {
            page: Some(PageRequest { page_size: 3, page_token: String::new() }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.entries.len(), 3);
    let token = first.page.unwrap().next_page_token;
    let rest = list(
        &h,
        ListAuditLogsRequest {
            page: Some(PageRequest { page_size: 3, page_token: token.clone() }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(rest.entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["ev-1"]);
    assert!(rest.page.unwrap().next_page_token.is_empty());
    let other = ListAuditLogsRequest {
        actor_id: "admin-1".into(),
        page: Some(PageRequest { page_size: 3, page_token: token }),
        ..Default::default()
    };
    assert_eq!(violated_fields(&assert_code(list(&h, other).await, Code::InvalidArgument)), ["page.page_token"]);

    let backwards = ListAuditLogsRequest {
        start_time: Some(prost_types::Timestamp { seconds: day, nanos: 0 }),
        end_time: Some(prost_types::Timestamp { seconds: day, nanos: 0 }),
        ..Default::default()
    };
    assert_eq!(violated_fields(&assert_code(list(&h, backwards).await, Code::InvalidArgument)), ["end_time"]);
    let verdict = verify(&h).await;
    assert!(verdict.intact, "{verdict:?}");
    assert_eq!(verdict.checked, 4);
}

async fn bad_actions_are_refused_with_their_fields(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut bad = action("ev 1", "", "user.role_changed", "u-1", 1_780_000_000);
    bad.action_time = None;
    bad.after = "x".repeat(4001);
    let status =
        assert_code(record(&h, "user", vec![action("ok-1", "a", "b", "c", 0), bad]).await, Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["actions[1].action_time", "actions[1].actor_id", "actions[1].after", "actions[1].id"]
    );
    assert_eq!(violated_fields(&assert_code(record(&h, "user", vec![]).await, Code::InvalidArgument)), ["actions"]);
    let many = (0..101).map(|n| action(&format!("ev-{n}"), "a", "b", "c", 0)).collect();
    assert_eq!(violated_fields(&assert_code(record(&h, "user", many).await, Code::InvalidArgument)), ["actions"]);
    assert!(list(&h, ListAuditLogsRequest::default()).await.unwrap().entries.is_empty(), "nothing of a refused batch");

    // Only services record; only admins read.
    let request = RecordAdminActionsRequest { actions: vec![action("ev-9", "a", "b", "c", 0)] };
    assert_code(h.internal().await.record_admin_actions(authed(request, h.admin())).await, Code::PermissionDenied);
    let read =
        h.admin_client().await.list_audit_logs(authed(ListAuditLogsRequest::default(), &h.service("user"))).await;
    assert_code(read, Code::PermissionDenied);
}

async fn tampering_breaks_the_chain_where_it_starts(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let actions =
        (1..=4).map(|n| action(&format!("ev-{n}"), "admin-1", "user.updated", "u-1", 1_780_000_000 + n)).collect();
    record(&h, "user", actions).await.unwrap();
    assert!(verify(&h).await.intact);
    let pool = h.sql().await;
    sqlx::query("UPDATE audit_log SET after_summary = 'role=ADMIN' WHERE seq = 2").execute(&pool).await.unwrap();
    let verdict = verify(&h).await;
    assert!(!verdict.intact);
    assert_eq!(verdict.first_broken_sequence, 2);
    assert!(verdict.problem.contains("hash"), "{}", verdict.problem);

    sqlx::query("UPDATE audit_log SET after_summary = 'role=NURSE' WHERE seq = 2").execute(&pool).await.unwrap();
    assert!(verify(&h).await.intact);
    // Removing the newest entry is found too: the head still names it.
    sqlx::query("DELETE FROM audit_log WHERE seq = 4").execute(&pool).await.unwrap();
    let verdict = verify(&h).await;
    assert_eq!((verdict.intact, verdict.first_broken_sequence), (false, 4), "{verdict:?}");
}

async fn concurrent_appends_keep_one_unbroken_chain(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let batches = (0..8).map(|b| {
        let h = &h;
        // Each batch repeats one id of the next, so concurrent redeliveries meet too.
        let actions = vec![
            action(&format!("ev-{b}-a"), "admin-1", "user.updated", "u-1", 1_780_000_000 + b),
            action(&format!("ev-{}-a", (b + 1) % 8), "admin-1", "user.updated", "u-1", 1_780_000_000 + b),
        ];
        async move { record(h, "user", actions).await.unwrap() }
    });
    let results = futures::future::join_all(batches).await;
    let recorded: i32 = results.iter().map(|r| r.recorded).sum();
    assert_eq!(recorded, 8, "{results:?}");
    let verdict = verify(&h).await;
    assert!(verdict.intact, "{verdict:?}");
    assert_eq!(verdict.checked, 8);
}

async fn configuration_changes_and_reported_actions_share_one_chain(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let keys = ["clinic.name", "billing.invoice_due_days", "appointment.max_reschedules"];
    for round in 0..3 {
        let changes = keys.iter().map(|key| {
            let h = &h;
            let new = if *key == "clinic.name" {
                serde_json::json!(format!("Clinic {round}"))
            } else {
                serde_json::json!(round + 5)
            };
            async move {
                let request = UpdateSystemConfigurationRequest {
                    key: (*key).into(),
                    value: Some(value(new)),
                    expected_version: round,
                    reason: String::new(),
                };
                h.admin_client().await.update_system_configuration(authed(request, h.admin())).await.unwrap();
            }
        });
        let reports = (0..3).map(|n| {
            let h = &h;
            async move {
                record(
                    h,
                    "user",
                    vec![action(&format!("ev-{round}-{n}"), "admin-1", "user.updated", "u-1", 1_780_000_000)],
                )
                .await
                .unwrap();
            }
        });
        futures::future::join(futures::future::join_all(changes), futures::future::join_all(reports)).await;
    }
    let verdict = verify(&h).await;
    assert!(verdict.intact, "{verdict:?}");
    assert_eq!(verdict.checked, 18);
}

/// Delivers, then fails the first time as a relay killed before it marks
/// the event delivered would: the relay delivers it again.
struct DiesOnce {
    inner: AdminActionSink,
    deliveries: AtomicUsize,
}

#[async_trait::async_trait]
impl Sink for DiesOnce {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        self.inner.deliver(event).await?;
        if self.deliveries.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(DeliveryError::Retryable("killed before marking it delivered".into()));
        }
        Ok(())
    }
}

async fn a_relay_redelivery_is_recorded_once(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    // The reporting service's own store and outbox.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("user.db").display());
    let db = Db::connect(&url, &Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS }).await.unwrap();
    hms_kit::outbox::ensure_schema(&db).await.unwrap();
    let event = AdminActionEvent {
        actor_id: "admin-1".into(),
        actor_role: "ADMIN".into(),
        action: "user.role_changed".into(),
        target_type: "user".into(),
        target_id: "u-7".into(),
        action_at: 1_780_000_000_000_000,
        client_address: "10.0.0.8".into(),
        before: "role=PATIENT".into(),
        after: "role=DOCTOR".into(),
    };
    let mut tx = db.begin_write().await.unwrap();
    let id = hms_kit::outbox::enqueue(&mut tx, ADMIN_ACTION_TOPIC, &event).await.unwrap();
    tx.commit().await.unwrap();

    let sink = Arc::new(DiesOnce {
        inner: AdminActionSink::new(&h.url(), h.tokens("user")).unwrap(),
        deliveries: AtomicUsize::new(0),
    });
    let config = RelayConfig {
        poll_interval: Duration::from_millis(20),
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(40),
        ..RelayConfig::default()
    };
    let relay = tokio::spawn(Relay::new(db.clone(), sink.clone(), config).run(std::future::pending()));
    for _ in 0..200 {
        if sink.deliveries.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relay.abort();
    assert!(sink.deliveries.load(Ordering::SeqCst) >= 2, "the relay delivered again");
    let entries = list(&h, ListAuditLogsRequest::default()).await.unwrap().entries;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((entries[0].id.as_str(), entries[0].service.as_str()), (id.as_str(), "user"));
    assert_eq!(entries[0].action_time.as_ref().unwrap().seconds, 1_780_000_000);
}

on_every_backend!(
    actions_are_recorded_once_and_searchable,
    bad_actions_are_refused_with_their_fields,
    tampering_breaks_the_chain_where_it_starts,
    concurrent_appends_keep_one_unbroken_chain,
    configuration_changes_and_reported_actions_share_one_chain,
    a_relay_redelivery_is_recorded_once,
);
