//! New invoices' due dates follow the admin service's system configuration
//! (issue 24): a stored `billing.invoice_due_days` is in effect within 2 s
//! without a restart; the file/env `billing.due_days` applies while the
//! admin service stores none (its own default does not override it) and
//! while it is unreachable.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hms_kit::testing::Relational;

const DUE_DAYS: &str = "billing.invoice_due_days";

fn due_after(days: i64) -> hms_kit::proto::google::r#type::Date {
    day(today().checked_add(jiff::Span::new().days(days)).unwrap())
}

async fn a_stored_due_period_applies_within_two_seconds_without_a_restart(kind: Relational) {
    // The admin service's default is 30 days.
    let Some(h) = Harness::start_with_admin(kind, |c| c.due_days = 14).await else { return };
    let (patient, _) = h.patient("mai").await;
    // Let the watch deliver the admin service's defaults first: they must
    // not replace the configured 14 days.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let invoice = h.appointment_invoice("appt-0", &patient, 100_000).await;
    assert_eq!(invoice.due_date, Some(due_after(14)));

    h.configure(DUE_DAYS, 7, 0).await;
    let changed = Instant::now();
    for n in 1.. {
        let invoice = h.appointment_invoice(&format!("appt-{n}"), &patient, 100_000).await;
        if invoice.due_date == Some(due_after(7)) {
            break;
        }
        assert_eq!(invoice.due_date, Some(due_after(14)), "only the configured or the stored period");
        assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());
    // Invoices already issued keep their due date.
    let first = h.get(h.admin(), &invoice.id).await.unwrap().invoice.unwrap();
    assert_eq!(first.due_date, Some(due_after(14)));
}

async fn an_unreachable_admin_service_leaves_the_configured_due_period(kind: Relational) {
    // Nothing listens on port 1.
    let Some(h) = Harness::start_with_admin(kind, |c| {
        c.due_days = 14;
        c.admin_url = Some("http://127.0.0.1:1".into());
    })
    .await
    else {
        return;
    };
    let (patient, _) = h.patient("mai").await;
    let invoice = h.appointment_invoice("appt-1", &patient, 100_000).await;
    assert_eq!(invoice.due_date, Some(due_after(14)));
}

on_every_backend!(
    a_stored_due_period_applies_within_two_seconds_without_a_restart,
    an_unreachable_admin_service_leaves_the_configured_due_period,
);
