//! System configuration through the gRPC API: typed keys with defaults,
//! validation, optimistic concurrency, history and the audit record.

mod common;

use common::*;
use hms_kit::proto::admin::*;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::testing::Relational;
use serde_json::json;
use tonic::Code;

async fn update(
    h: &Harness,
    token: &str,
    key: &str,
    new: serde_json::Value,
    expected_version: i64,
) -> Result<UpdateSystemConfigurationResponse, tonic::Status> {
    let request = UpdateSystemConfigurationRequest {
        key: key.into(),
        value: Some(value(new)),
        expected_version,
        reason: "policy review".into(),
    };
    h.admin_client().await.update_system_configuration(authed(request, token)).await.map(|r| r.into_inner())
}

async fn every_key_has_its_default_until_set(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let listed = h
        .admin_client()
        .await
        .list_system_configurations(authed(ListSystemConfigurationsRequest {}, h.admin()))
        .await
        .unwrap()
        .into_inner()
        .configurations;
    let keys: Vec<&str> = listed.iter().map(|c| c.key.as_str()).collect();
    for key in [
        "clinic.name",
        "clinic.time_zone",
        "appointment.reschedule_notice_hours",
        "appointment.reminder_offsets",
        "billing.invoice_due_days",
        "user.login_throttle.max_failures_per_account",
        "user.login_throttle.window_minutes",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert!(listed.iter().all(|c| c.version == 0 && c.value == c.default_value && c.update_time.is_none()));
    let notice = listed.iter().find(|c| c.key == "appointment.reschedule_notice_hours").unwrap();
    assert_eq!(notice.r#type(), ConfigurationType::Integer);
    assert_eq!((notice.minimum, notice.maximum, notice.unit.as_str()), (0, 720, "hours"));
    assert_eq!(notice.value, Some(value(json!(2))));
    let offsets = listed.iter().find(|c| c.key == "appointment.reminder_offsets").unwrap();
    assert_eq!(offsets.value, Some(value(json!(["24h", "1h"]))));

    let status = assert_code(
        h.admin_client()
            .await
            .get_system_configuration(authed(GetSystemConfigurationRequest { key: "no.such.key".into() }, h.admin()))
            .await,
        Code::NotFound,
    );
    assert_eq!(reason(&status), "CONFIGURATION_KEY_NOT_FOUND");
    assert_code(update(&h, h.admin(), "no.such.key", json!(1), 0).await, Code::NotFound);
}

async fn a_change_is_validated_versioned_and_recorded(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let changed = update(&h, h.admin(), "appointment.reschedule_notice_hours", json!(4), 0).await.unwrap();
    let configuration = changed.configuration.unwrap();
    assert_eq!((configuration.version, configuration.value), (1, Some(value(json!(4)))));
    assert!(configuration.update_time.is_some() && !configuration.updated_by.is_empty());
    let change = changed.change.unwrap();
    assert_eq!((change.old_value, change.new_value), (Some(value(json!(2))), Some(value(json!(4)))));
    assert_eq!((change.version, change.actor_role.as_str(), change.reason.as_str()), (1, "ADMIN", "policy review"));
    assert_eq!(change.client_address, "127.0.0.1");

    // A stale version changes nothing.
    let stale =
        assert_code(update(&h, h.admin(), "appointment.reschedule_notice_hours", json!(6), 0).await, Code::Aborted);
    assert_eq!(reason(&stale), "CONCURRENT_UPDATE");
    update(&h, h.admin(), "appointment.reschedule_notice_hours", json!(6), 1).await.unwrap();

    // Values outside their type or bounds are refused on `value`.
    for (key, bad) in [
        ("appointment.reschedule_notice_hours", json!(721)),
        ("appointment.reschedule_notice_hours", json!("4")),
        ("clinic.time_zone", json!("Mars/Olympus")),
        ("clinic.name", json!("")),
        ("appointment.reminder_offsets", json!(["1h", "60m"])),
        ("billing.invoice_due_days", json!(-1)),
    ] {
        let status = assert_code(update(&h, h.admin(), key, bad.clone(), 0).await, Code::InvalidArgument);
        assert_eq!(violated_fields(&status), ["value"], "{key} = {bad}");
    }
    let missing = UpdateSystemConfigurationRequest { key: "clinic.name".into(), ..Default::default() };
    let status = assert_code(
        h.admin_client().await.update_system_configuration(authed(missing, h.admin())).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["value"]);

    // Durations are stored in canonical form, longest first.
    let offsets = update(&h, h.admin(), "appointment.reminder_offsets", json!(["90m", "48h"]), 0).await.unwrap();
    assert_eq!(offsets.configuration.unwrap().value, Some(value(json!(["48h", "1h 30m"]))));
    let zone = update(&h, h.admin(), "clinic.time_zone", json!("Europe/Paris"), 0).await.unwrap();
    assert_eq!(zone.configuration.unwrap().value, Some(value(json!("Europe/Paris"))));

    // The history, newest first and paged.
    let mut client = h.admin_client().await;
    let request = |token: String| ListSystemConfigurationChangesRequest {
        key: "appointment.reschedule_notice_hours".into(),
        page: Some(PageRequest { page_size: 1, page_token: token }),
    };
    let first = client.list_system_configuration_changes(authed(request(String::new()), h.admin())).await.unwrap();
    let first = first.into_inner();
    assert_eq!(first.changes[0].new_value, Some(value(json!(6))));
    assert_eq!(first.changes[0].old_value, Some(value(json!(4))));
    let token = first.page.unwrap().next_page_token;
    let second = client.list_system_configuration_changes(authed(request(token), h.admin())).await.unwrap();
    let second = second.into_inner();
    assert_eq!(second.changes.len(), 1);
    assert_eq!(second.changes[0].version, 1);
    assert!(second.page.unwrap().next_page_token.is_empty());

    // Every change is in the admin audit log, chained.
    let logged = h
        .admin_client()
        .await
        .list_audit_logs(authed(
            ListAuditLogsRequest { target_id: "appointment.reschedule_notice_hours".into(), ..Default::default() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0].action, "system_configuration.updated");
    assert_eq!((logged[0].before.as_str(), logged[0].after.as_str()), ("4", "6"));
    assert_eq!(logged[0].service, "admin");
    assert_eq!(logged[0].client_address, "127.0.0.1");
}

async fn concurrent_changes_of_one_version_leave_one_winner(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let attempts = (0..6).map(|n| {
        let h = &h;
        async move { update(h, h.admin(), "billing.invoice_due_days", json!(10 + n), 0).await }
    });
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|s| s.code() == Code::Aborted));
    let pool = h.sql().await;
    let (changes,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM config_changes").fetch_one(&pool).await.unwrap();
    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!((changes, entries), (1, 1), "a refused change leaves neither history nor audit entry");
}

async fn only_admins_reach_the_configuration(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (_, doctor) = h.staff("dr_who", Role::Doctor).await;
    assert_code(
        h.admin_client().await.list_system_configurations(authed(ListSystemConfigurationsRequest {}, &doctor)).await,
        Code::PermissionDenied,
    );
    assert_code(update(&h, &doctor, "clinic.name", json!("Mine"), 0).await, Code::PermissionDenied);
    assert_code(update(&h, &h.service("appointment"), "clinic.name", json!("Mine"), 0).await, Code::PermissionDenied);
    assert_code(
        h.admin_client()
            .await
            .list_system_configurations(tonic::Request::new(ListSystemConfigurationsRequest {}))
            .await,
        Code::Unauthenticated,
    );
}

on_every_backend!(
    every_key_has_its_default_until_set,
    a_change_is_validated_versioned_and_recorded,
    concurrent_changes_of_one_version_leave_one_winner,
    only_admins_reach_the_configuration,
);
