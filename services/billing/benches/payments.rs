//! Load generator for the billing service's hot paths, printing figures (not
//! a timed assertion): invoice creation through the internal RPC, then card
//! payments, each at a given concurrency, against a real server over gRPC.
//!
//! cargo bench -p hms-billing --bench payments -- --backend sqlite --invoices 400 --concurrency 16
//! HMS_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 cargo bench -p hms-billing --bench payments -- --backend mysql

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::StreamExt;
use hms_kit::testing::Relational;

struct Args {
    backend: Relational,
    invoices: usize,
    concurrency: usize,
}

fn args() -> Args {
    let mut args = Args { backend: Relational::Sqlite, invoices: 400, concurrency: 16 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--backend" => {
                args.backend = match it.next().as_deref() {
                    Some("mysql") => Relational::MySql,
                    _ => Relational::Sqlite,
                }
            }
            "--invoices" => args.invoices = it.next().and_then(|v| v.parse().ok()).unwrap_or(args.invoices),
            "--concurrency" => args.concurrency = it.next().and_then(|v| v.parse().ok()).unwrap_or(args.concurrency),
            // cargo bench passes --bench; anything unknown is ignored.
            _ => {}
        }
    }
    args
}

fn report(label: &str, mut latencies: Vec<Duration>, wall: Duration) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label:<28} {:>6} calls  {:>8.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        latencies.len(),
        latencies.len() as f64 / wall.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let Some(h) = Harness::start(args.backend).await else {
        eprintln!("backend not configured (set HMS_TEST_MYSQL_URL for mysql)");
        return;
    };
    let (patient, token) = h.patient("bench.patient").await;
    println!("billing bench: backend {:?}, {} invoices, concurrency {}", args.backend, args.invoices, args.concurrency);

    let internal = h.internal().await;
    let started = Instant::now();
    let created: Vec<(Duration, String)> = futures::stream::iter(0..args.invoices)
        .map(|i| {
            let mut client = internal.clone();
            let request = authed(appointment_request(&format!("bench-appt-{i}"), &patient, 150_000), h.service());
            async move {
                let t = Instant::now();
                let invoice = client.create_invoice_for_appointment(request).await.expect("create").into_inner();
                (t.elapsed(), invoice.invoice.unwrap().id)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    report("create invoice (appointment)", created.iter().map(|(d, _)| *d).collect(), started.elapsed());

    let billing = h.billing().await;
    let started = Instant::now();
    let paid: Vec<Duration> = futures::stream::iter(created.iter().enumerate())
        .map(|(i, (_, id))| {
            let mut client = billing.clone();
            let request = authed(
                hms_kit::proto::billing::PayInvoiceRequest {
                    invoice_id: id.clone(),
                    idempotency_key: format!("bench-pay-{i:06}"),
                    amount: Some(vnd(150_000)),
                    card_token: "tok_ok_4242".into(),
                },
                &token,
            );
            async move {
                let t = Instant::now();
                client.pay_invoice(request).await.expect("pay");
                t.elapsed()
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    report("pay invoice (card)", paid, started.elapsed());

    // Replays of paid keys: the idempotent answer without a charge.
    let started = Instant::now();
    let replayed: Vec<Duration> = futures::stream::iter(created.iter().enumerate())
        .map(|(i, (_, id))| {
            let mut client = billing.clone();
            let request = authed(
                hms_kit::proto::billing::PayInvoiceRequest {
                    invoice_id: id.clone(),
                    idempotency_key: format!("bench-pay-{i:06}"),
                    amount: Some(vnd(150_000)),
                    card_token: "tok_ok_4242".into(),
                },
                &token,
            );
            async move {
                let t = Instant::now();
                client.pay_invoice(request).await.expect("replay");
                t.elapsed()
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    report("pay replay (same key)", replayed, started.elapsed());
    assert_eq!(h.provider.charges_made(), args.invoices, "one charge per invoice");
}
