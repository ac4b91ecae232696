//! Laboratory benchmark: technicians enter the eight values of a basic
//! metabolic panel per order at once, each entry a real gRPC request (token
//! verification, the order's conditional write, unit conversion and flags,
//! the events written with it, the audit append), while the relay delivers
//! the review notices; then reports are rendered for released orders, and a
//! patient's glucose trend over five years of monthly panels is read. Prints
//! entries per second and p50/p99/max latency, the report's and the trend's,
//! then checks that every order got its own accession number and waits for
//! review.
//!
//! cargo bench -p hms-laboratory --bench results -- [--backend sqlite|mongo]
//!     [--technicians 16] [--orders 800] [--reports 50] [--trends 200]
//! MongoDB uses HMS_TEST_MONGODB_URI.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Docs, World, authed, number};
use hms_kit::proto::common::Role;
use hms_kit::proto::laboratory::*;
use hms_kit::testing::percentile;

struct Args {
    docs: Docs,
    technicians: usize,
    orders: usize,
    reports: usize,
    trends: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args { docs: Docs::Sqlite, technicians: 16, orders: 800, reports: 50, trends: 200 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => {
                args.docs = match value()?.as_str() {
                    "sqlite" => Docs::Sqlite,
                    "mongo" | "mongodb" => Docs::Mongo,
                    other => anyhow::bail!("unknown backend {other}"),
                }
            }
            "--technicians" => args.technicians = value()?.parse()?,
            "--orders" => args.orders = value()?.parse()?,
            "--reports" => args.reports = value()?.parse()?,
            "--trends" => args.trends = value()?.parse()?,
            // `cargo bench` passes --bench to every bench target.
            "--bench" => {}
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(what: &str, latencies: &mut [Duration], elapsed: Duration) -> String {
    latencies.sort();
    format!(
        "{what:<18} {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(latencies, 0.50)),
        ms(percentile(latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    )
}

/// A basic metabolic panel within its adult ranges, glucose in mg/dL.
fn panel() -> Vec<ResultInput> {
    vec![
        number("14749-6", 95.0, "mg/dL"),
        number("22664-7", 5.0, "mmol/L"),
        number("14682-9", 80.0, "umol/L"),
        number("2951-2", 140.0, "mmol/L"),
        number("2823-3", 4.2, "mmol/L"),
        number("2075-0", 102.0, "mmol/L"),
        number("2028-9", 25.0, "mmol/L"),
        number("2000-8", 2.3, "mmol/L"),
    ]
}

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let w = Arc::new(World::new(args.docs).await.ok_or_else(|| anyhow::anyhow!("backend not configured"))?);
    let care = Arc::new(w.care("bench").await);
    let (_, tech) = w.staff("bench.tech", Role::LabTechnician).await;
    let bmp = Arc::new(w.test("24321-2").await);

    // Orders placed and collected through the API, the technicians at once.
    let seeding = Instant::now();
    let per_technician = args.orders.div_ceil(args.technicians);
    let writers: Vec<_> = (0..args.technicians)
        .map(|_| {
            let (w, care, bmp, tech) = (w.clone(), care.clone(), bmp.clone(), tech.clone());
            tokio::spawn(async move {
                let mut collected = Vec::with_capacity(per_technician);
                for _ in 0..per_technician {
                    let order = w.order(&care, &[&bmp], Priority::Routine).await.expect("order");
                    collected.push(w.step(&tech, &order, LabStep::CollectSample, "").await.expect("collect"));
                }
                collected
            })
        })
        .collect();
    let mut queues = Vec::new();
    for writer in writers {
        queues.push(writer.await?);
    }
    let accessions: BTreeSet<String> = queues.iter().flatten().map(|o| o.accession_number.clone()).collect();
    let total: usize = queues.iter().map(Vec::len).sum();
    println!("seeded {total} collected orders in {:.1} s", seeding.elapsed().as_secs_f64());

    // The measured part: each technician enters their orders' panels.
    let started = Instant::now();
    let workers: Vec<_> = queues
        .into_iter()
        .map(|queue| {
            let (w, tech) = (w.clone(), tech.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(queue.len());
                let mut entered = Vec::with_capacity(queue.len());
                for order in queue {
                    let begun = Instant::now();
                    let answer = w.enter(&tech, &order, 0, panel(), "").await.expect("enter");
                    latencies.push(begun.elapsed());
                    entered.push(answer.order.unwrap());
                }
                (latencies, entered)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut entered = Vec::new();
    for worker in workers {
        let (done, orders) = worker.await?;
        latencies.extend(done);
        entered.extend(orders);
    }
    let elapsed = started.elapsed();
    println!("{}", summary(&format!("enter results ×{}", args.technicians), &mut latencies, elapsed));

    // Reports of released orders, one at a time.
    let mut reports = Vec::new();
    let started = Instant::now();
    for order in entered.iter().take(args.reports) {
        let released = w.release(&care.doctor.1, order).await.expect("release");
        let begun = Instant::now();
        let request = GetLabReportRequest { order_id: released.order_id.clone(), language: String::new() };
        let pdf = w.lab().await.get_lab_report(authed(request, &care.doctor.1)).await?.into_inner();
        anyhow::ensure!(pdf.data.starts_with(b"%PDF-"), "not a PDF");
        reports.push(begun.elapsed());
    }
    println!("{}", summary("report (PDF)", &mut reports, started.elapsed()));

    // A patient with five years of monthly panels, released: their glucose trend.
    let months = 60;
    let long = w.care("trend").await;
    for _ in 0..months {
        let order = w.order(&long, &[&bmp], Priority::Routine).await.expect("order");
        let order = w.step(&tech, &order, LabStep::CollectSample, "").await.expect("collect");
        let order = w.enter(&tech, &order, 0, panel(), "").await.expect("enter").order.unwrap();
        w.release(&long.doctor.1, &order).await.expect("release");
    }
    let mut lab = w.lab().await;
    let mut trends = Vec::new();
    let started = Instant::now();
    for _ in 0..args.trends {
        let request = ListParameterTrendRequest {
            patient_id: long.patient.0.clone(),
            parameter_code: "14749-6".into(),
            since: None,
        };
        let begun = Instant::now();
        let trend = lab.list_parameter_trend(authed(request, &long.patient.1)).await?.into_inner();
        trends.push(begun.elapsed());
        anyhow::ensure!(trend.points.len() == months, "{} points of {months}", trend.points.len());
    }
    println!("{}", summary(&format!("trend ({months} panels)"), &mut trends, started.elapsed()));

    let waiting = entered.iter().filter(|o| o.status() == LabOrderStatus::ResultsPendingReview).count();
    println!(
        "check              {} accession numbers for {total} orders, {waiting} waiting for review",
        accessions.len()
    );
    anyhow::ensure!(accessions.len() == total && waiting == total, "an accession number repeats or an entry was lost");
    Ok(())
}
