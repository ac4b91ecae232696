//! Dispensing benchmark: pharmacists dispense verified prescriptions at
//! once over a set of medications, each a real gRPC request (token
//! verification, the prescription's and the stock's conditional writes,
//! earliest-expiry picking, the events written with them, the audit
//! append), while the relay delivers the EHR references. Prints dispenses
//! per second and p50/p99/max latency, then checks that no batch went below
//! zero and that the units dispensed are the units taken.
//!
//! cargo bench -p hms-pharmacy --bench dispense -- [--backend sqlite|mongo]
//!     [--pharmacists 32] [--medications 20] [--prescriptions 3200]
//! MongoDB uses HMS_TEST_MONGODB_URI.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Docs, World, authed, item};
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::pharmacy::*;
use hms_kit::testing::percentile;

struct Args {
    docs: Docs,
    pharmacists: usize,
    medications: usize,
    prescriptions: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args { docs: Docs::Sqlite, pharmacists: 32, medications: 20, prescriptions: 3200 };
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
            "--pharmacists" => args.pharmacists = value()?.parse()?,
            "--medications" => args.medications = value()?.parse()?,
            "--prescriptions" => args.prescriptions = value()?.parse()?,
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

/// Units each prescription asks for.
const EACH: i32 = 3;

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let w = Arc::new(World::new(args.docs).await.ok_or_else(|| anyhow::anyhow!("backend not configured"))?);
    let care = Arc::new(w.care("bench").await);
    let (_, pharmacist) = w.staff("bench.pharmacist", Role::Pharmacist).await;
    let mut client = w.rx().await;

    // Medications with three batches each, enough for every prescription.
    let per_medication = (args.prescriptions.div_ceil(args.medications) as i32) * EACH;
    let mut medications = Vec::new();
    for m in 0..args.medications {
        let request = CreateMedicationRequest {
            medication: Some(Medication {
                code: format!("BENCH{m}"),
                name: format!("Benchmycin {m} 100 mg tablet"),
                generic_name: format!("benchmycin{m}"),
                ingredients: vec![format!("benchmycin{m}")],
                dosage_form: DosageForm::Tablet.into(),
                strength: "100 mg".into(),
                unit_price: Some(Money { amount_minor: 500, currency: "VND".into() }),
                reorder_level: 10,
                active: true,
                ..Default::default()
            }),
        };
        let id =
            client.create_medication(authed(request, w.admin())).await?.into_inner().medication.unwrap().medication_id;
        for (lot, days, share) in [("A", 60, 3), ("B", 120, 3), ("C", 240, 4)] {
            w.receive(&pharmacist, &id, lot, days, per_medication * share / 10 + 1).await;
        }
        medications.push(id);
    }

    // Verified prescriptions through the API, 32 writers at once.
    let seeding = Instant::now();
    let medications = Arc::new(medications);
    let per_writer = args.prescriptions.div_ceil(args.pharmacists);
    // Spawned all at once (collected), then awaited.
    let writers: Vec<_> = (0..args.pharmacists)
        .map(|n| {
            let (w, care, medications, pharmacist) = (w.clone(), care.clone(), medications.clone(), pharmacist.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..per_writer {
                    let medication = &medications[(n * per_writer + i) % medications.len()];
                    let rx = w.prescribe(&care, vec![item(medication, EACH)], "").await.expect("prescribe");
                    ids.push(w.verify(&pharmacist, &rx).await.prescription_id);
                }
                ids
            })
        })
        .collect();
    let mut queues = Vec::new();
    for writer in writers {
        queues.push(writer.await?);
    }
    let total: usize = queues.iter().map(Vec::len).sum();
    println!(
        "seeded {total} verified prescriptions over {} medications in {:.1} s",
        args.medications,
        seeding.elapsed().as_secs_f64()
    );

    // The measured part: every pharmacist dispenses their queue.
    let started = Instant::now();
    let workers: Vec<_> = queues
        .into_iter()
        .map(|queue| {
            let (w, pharmacist) = (w.clone(), pharmacist.clone());
            tokio::spawn(async move {
                let mut client = w.rx().await;
                let mut latencies = Vec::with_capacity(queue.len());
                let mut delayed = 0;
                for id in queue {
                    let begun = Instant::now();
                    let request = DispensePrescriptionRequest { prescription_id: id, items: vec![] };
                    match client.dispense_prescription(authed(request, &pharmacist)).await {
                        Ok(_) => latencies.push(begun.elapsed()),
                        // Past half of `interrupted_after` the request gives
                        // up and the recovery worker finishes the dispense.
                        Err(status) if status.code() == tonic::Code::Unavailable => delayed += 1,
                        Err(status) => panic!("dispense: {status:?}"),
                    }
                }
                (latencies, delayed)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut delayed = 0;
    for worker in workers {
        let (done, late) = worker.await?;
        latencies.extend(done);
        delayed += late;
    }
    let elapsed = started.elapsed();
    if delayed > 0 {
        println!(
            "delayed            {delayed} dispenses answered DISPENSE_DELAYED; waiting for the recovery to finish them"
        );
        w.no_dispense_under_way().await;
    }
    latencies.sort();
    println!(
        "dispense           {} pharmacists, {} medications: {:.0} dispenses/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        args.pharmacists,
        args.medications,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );

    // Nothing below zero, and the units taken are the units dispensed.
    let mut negative = 0;
    let mut taken = 0;
    for id in medications.iter() {
        for (_, _, quantity) in w.raw_batches(id).await {
            negative += usize::from(quantity < 0);
            taken += quantity;
        }
    }
    let stocked: i64 = medications.len() as i64
        * [3, 3, 4].iter().map(|share| i64::from(per_medication * share / 10 + 1)).sum::<i64>();
    let dispensed = ((latencies.len() + delayed) as i64) * i64::from(EACH);
    println!("stock check        negative batches {negative}, units taken {} = dispensed {dispensed}", stocked - taken);
    anyhow::ensure!(negative == 0 && stocked - taken == dispensed, "the stock does not add up");
    Ok(())
}
