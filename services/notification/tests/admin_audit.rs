//! The admins' template changes reach the admin audit log exactly once
//! (issue 24), although the document store has no transaction to write them
//! with: made while the admin service is not configured (or down), they wait
//! in the templates, a deleted template included, and are recorded once it
//! answers, however many workers pass over them.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hms_kit::proto::admin::AuditLogEntry;
use hms_kit::proto::notification::*;
use hms_testkit::admin::AdminService;
use tonic::Code;

/// The notification service's entries, oldest first.
async fn entries(admin: &AdminService, token: &str) -> Vec<AuditLogEntry> {
    admin.entries("notification", token).await
}

/// Waits until the log holds `count` entries of notification, and a little
/// longer, to see that no more come.
async fn logged(admin: &AdminService, token: &str, count: usize) -> Vec<AuditLogEntry> {
    let started = Instant::now();
    while entries(admin, token).await.len() < count {
        assert!(started.elapsed() < Duration::from_secs(15), "the template changes never reached the log");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    entries(admin, token).await
}

fn sms_template(body: &str) -> Template {
    Template {
        r#type: NotificationType::FeedbackRequested.into(),
        channel: Channel::Sms.into(),
        language: "vi".into(),
        body_text: body.into(),
        ..Default::default()
    }
}

async fn template_changes_are_logged_once_even_when_the_log_was_away(mut w: World) {
    let token = w.admin_token().await;
    let mut client = w.notifications().await;

    // No admin service configured: the changes wait in the templates.
    let create = CreateTemplateRequest { template: Some(sms_template("HMS: {{ feedback_link }}")) };
    let created = client.create_template(authed(create, &token)).await.unwrap().into_inner().template.unwrap();
    let update = UpdateTemplateRequest {
        template: Some(Template {
            id: created.id.clone(),
            version: created.version,
            ..sms_template("Cảm ơn! {{ feedback_link }}")
        }),
    };
    client.update_template(authed(update, &token)).await.unwrap();
    // An update from a stale read is refused and logs nothing.
    let stale = UpdateTemplateRequest {
        template: Some(Template {
            id: created.id.clone(),
            version: created.version,
            ..sms_template("lost {{ feedback_link }}")
        }),
    };
    assert_eq!(client.update_template(authed(stale, &token)).await.unwrap_err().code(), Code::Aborted);
    client.delete_template(authed(DeleteTemplateRequest { template_id: created.id.clone() }, &token)).await.unwrap();

    // The deleted template is gone for every reader, though its deletion waits in it.
    let gone = client.get_template(authed(GetTemplateRequest { template_id: created.id.clone() }, &token)).await;
    assert_eq!(gone.unwrap_err().code(), Code::NotFound);
    let listed = client
        .list_templates(authed(
            ListTemplatesRequest { r#type: NotificationType::FeedbackRequested.into(), ..Default::default() },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .templates;
    assert!(listed.iter().all(|t| t.id != created.id), "{listed:?}");
    let again = DeleteTemplateRequest { template_id: created.id.clone() };
    assert_eq!(client.delete_template(authed(again, &token)).await.unwrap_err().code(), Code::NotFound);
    // Created again over its tombstone.
    let create = CreateTemplateRequest { template: Some(sms_template("Again {{ feedback_link }}")) };
    let recreated = client.create_template(authed(create, &token)).await.unwrap().into_inner().template.unwrap();
    assert_eq!(recreated.id, created.id);

    // A built-in edited, then reset to the shipped text.
    let built_in = "APPOINTMENT_CONFIRMED_PATIENT.EMAIL.en";
    let shipped = client
        .get_template(authed(GetTemplateRequest { template_id: built_in.into() }, &token))
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    let edit = UpdateTemplateRequest {
        template: Some(Template { body_text: "Booked: {{ appointment_time }}".into(), ..shipped.clone() }),
    };
    client.update_template(authed(edit, &token)).await.unwrap();
    client.reset_template(authed(ResetTemplateRequest { template_id: built_in.into() }, &token)).await.unwrap();

    // The admin service appears; two workers (this replica's and another's)
    // pass over the waiting changes.
    let admin = AdminService::start(&w.auth).await;
    w.config.admin_url = Some(admin.url());
    w.kill().await;
    w.start().await;
    let (_replica, _worker) = w.replica(true).await;
    let log = logged(&admin, &token, 6).await;
    let summary: Vec<(&str, &str)> = log.iter().map(|e| (e.action.as_str(), e.target_id.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("notification.template_created", created.id.as_str()),
            ("notification.template_updated", created.id.as_str()),
            ("notification.template_deleted", created.id.as_str()),
            ("notification.template_created", created.id.as_str()),
            ("notification.template_updated", built_in),
            ("notification.template_reset", built_in),
        ]
    );
    for entry in &log {
        assert_eq!(
            (entry.actor_id.as_str(), entry.actor_role.as_str()),
            (log[0].actor_id.as_str(), "ADMIN"),
            "{entry:?}"
        );
        assert_eq!(entry.target_type, "notification_template");
    }
    assert!(!log[0].actor_id.is_empty());
    assert!(log[1].before.contains("HMS: {{ feedback_link }}") && log[1].after.contains("Cảm ơn!"), "{:?}", log[1]);
    assert!(log[2].after.is_empty() && log[2].before.contains("Cảm ơn!"), "{:?}", log[2]);
    assert!(log[5].before.contains("Booked: {{ appointment_time }}"), "{:?}", log[5]);

    // Live: a change made now is logged within moments, once.
    let now = client
        .get_template(authed(GetTemplateRequest { template_id: created.id.clone() }, &token))
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    let update =
        UpdateTemplateRequest { template: Some(Template { body_text: "Live {{ feedback_link }}".into(), ..now }) };
    let read = client.update_template(authed(update, &token)).await.unwrap().into_inner().template.unwrap();
    let log = logged(&admin, &token, 7).await;
    assert_eq!(log.len(), 7, "every change once: {log:?}");
    assert!(log[6].after.contains("Live {{ feedback_link }}"), "{:?}", log[6]);

    // Recording the change moved the stored version, not the texts: an edit
    // from the read before it is no conflict (it was refused as one).
    let after_audit = UpdateTemplateRequest {
        template: Some(Template { body_text: "After the audit {{ feedback_link }}".into(), ..read.clone() }),
    };
    client.update_template(authed(after_audit, &token)).await.expect("an edit of the texts as last read");
    // But the read from before that edit is stale.
    let stale =
        UpdateTemplateRequest { template: Some(Template { body_text: "stale {{ feedback_link }}".into(), ..read }) };
    assert_eq!(client.update_template(authed(stale, &token)).await.unwrap_err().code(), Code::Aborted);
    logged(&admin, &token, 8).await;

    // Nothing is left waiting in the store.
    let waiting = w.raw_documents("notification_templates").await;
    assert!(waiting.iter().all(|doc| !doc.contains("audit_pending")), "{waiting:?}");
}

on_every_store!(template_changes_are_logged_once_even_when_the_log_was_away);
