//! `GetBillingStats`, the dashboard's internal call: revenue since two
//! instants, outstanding and overdue balances by currency, claims by status.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;
use tonic::Code;

fn vnd_sum(amount: i64, count: i64) -> Vec<CurrencyAmount> {
    vec![CurrencyAmount { currency: "VND".into(), amount, count }]
}

async fn stats_sum_payments_balances_and_claims(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("stats.patient").await;
    h.appointment_invoice("appt-unpaid", &patient, 100_000).await;
    let partial = h.appointment_invoice("appt-partial", &patient, 100_000).await;
    let paid = h.appointment_invoice("appt-paid", &patient, 100_000).await;
    h.pay(&token, &partial.id, "stats-key-1", 40_000, "tok_ok_4242").await.unwrap();
    h.pay(&token, &paid.id, "stats-key-2", 100_000, "tok_ok_4242").await.unwrap();

    let mut internal = h.internal().await;
    let ask = |day: i64, week: i64| GetBillingStatsRequest {
        day_start_time: Some(prost_types::Timestamp { seconds: day, nanos: 0 }),
        week_start_time: Some(prost_types::Timestamp { seconds: week, nanos: 0 }),
    };
    let now = jiff::Timestamp::now().as_second();
    let stats = internal.get_billing_stats(authed(ask(now - 60, 0), h.service())).await.unwrap().into_inner();
    let stats = stats.stats.unwrap();
    assert_eq!(stats.revenue_today, vnd_sum(140_000, 2));
    assert_eq!(stats.revenue_week, vnd_sum(140_000, 2));
    assert_eq!(stats.outstanding, vnd_sum(160_000, 2), "the unpaid and the part-paid invoice");
    assert!(stats.overdue.is_empty());
    assert_eq!(stats.claims.len(), 8, "every claim status");
    assert!(stats.claims.iter().all(|c| c.count == 0));

    // Past due: both open invoices are overdue; payments before the day
    // started are the week's only.
    let after = today().checked_add(jiff::Span::new().days(31)).unwrap();
    assert_eq!(h.overdue.run_once(after).await.unwrap(), 2);
    let stats = internal.get_billing_stats(authed(ask(now + 60, now - 60), h.service())).await.unwrap().into_inner();
    let stats = stats.stats.unwrap();
    assert!(stats.revenue_today.is_empty());
    assert_eq!(stats.revenue_week, vnd_sum(140_000, 2));
    assert_eq!(stats.outstanding, vnd_sum(160_000, 2));
    assert_eq!(stats.overdue, vnd_sum(160_000, 2));

    // Bad input names its fields; people cannot call it, not even admins.
    let missing = internal.get_billing_stats(authed(GetBillingStatsRequest::default(), h.service())).await;
    assert_eq!(violated_fields(&assert_code(missing, Code::InvalidArgument)), ["day_start_time", "week_start_time"]);
    assert_code(internal.get_billing_stats(authed(ask(now, now), h.admin())).await, Code::PermissionDenied);
}

on_every_backend!(stats_sum_payments_balances_and_claims);
