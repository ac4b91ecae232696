//! Encounter listing benchmark: one patient with N encounters (sealed notes,
//! a diagnosis and vital signs each) on the EHR served over gRPC, read page
//! by page by the treating doctor, as a client would. Every page is a real
//! request: token verification, the care-relationship check, the query,
//! unsealing the notes and the audit append. Prints p50/p99/max per page.
//!
//! cargo bench -p hms-ehr --bench encounters -- [--backend sqlite|mongo]
//!     [--encounters 1000] [--page-size 50] [--rounds 10]
//! MongoDB uses HMS_TEST_MONGODB_URI.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Docs, World, authed};
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::ehr::*;
use hms_kit::testing::percentile;

struct Args {
    docs: Docs,
    encounters: usize,
    page_size: i32,
    rounds: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args { docs: Docs::Sqlite, encounters: 1000, page_size: 50, rounds: 10 };
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
            "--encounters" => args.encounters = value()?.parse()?,
            "--page-size" => args.page_size = value()?.parse()?,
            "--rounds" => args.rounds = value()?.parse()?,
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

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let w = World::new(args.docs).await.ok_or_else(|| anyhow::anyhow!("backend not configured"))?;
    let (patient, _) = w.patient("bench.patient").await;
    let (doctor_id, doctor) = w.staff("bench.doctor", Role::Doctor).await;
    w.link(&patient, &doctor_id, "bench-appt", AppointmentStage::Confirmed, common::now())
        .await
        .map_err(|s| anyhow::anyhow!("link: {s:?}"))?;

    // Seed through the API so the documents are exactly what clients write.
    let seeding = Instant::now();
    let mut ehr = w.ehr().await;
    for i in 0..args.encounters.saturating_sub(1) {
        let mut at = common::now();
        at.seconds -= 3600 * (i as i64 + 1);
        let encounter = ehr
            .create_encounter(authed(
                CreateEncounterRequest {
                    patient_id: patient.clone(),
                    encounter_time: Some(at),
                    notes: Some(EncounterNotes {
                        chief_complaint: format!("headache and fever, visit {i}"),
                        history_of_present_illness: "Three days of frontal headache, worse in the morning. ".repeat(4),
                        physical_examination_findings: "Alert, afebrile, no neck stiffness. ".repeat(4),
                        clinical_notes: "Advised rest and fluids.".into(),
                    }),
                    status: EncounterStatus::InProgress.into(),
                },
                &doctor,
            ))
            .await?
            .into_inner()
            .encounter
            .unwrap_or_default();
        ehr.add_diagnosis(authed(
            AddDiagnosisRequest {
                patient_id: patient.clone(),
                encounter_id: encounter.encounter_id.clone(),
                diagnosis: Some(Diagnosis {
                    icd10_code: "R51".into(),
                    description: "Headache".into(),
                    is_primary: true,
                    ..Default::default()
                }),
            },
            &doctor,
        ))
        .await?;
        ehr.add_vital_signs(authed(
            AddVitalSignsRequest {
                patient_id: patient.clone(),
                encounter_id: encounter.encounter_id,
                vital_signs: Some(VitalSigns {
                    heart_rate: Some(78),
                    systolic_bp: Some(124),
                    diastolic_bp: Some(82),
                    temperature_celsius: Some(37.4),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &doctor,
        ))
        .await?;
    }
    println!("seeded             {} encounters in {:.1} s", args.encounters, seeding.elapsed().as_secs_f64());

    let mut pages = Vec::new();
    let mut listed = 0;
    for round in 0..=args.rounds {
        let mut token = String::new();
        let mut seen = 0;
        loop {
            let started = Instant::now();
            let page = ehr
                .list_encounters(authed(
                    ListEncountersRequest {
                        patient_id: patient.clone(),
                        page: Some(PageRequest { page_size: args.page_size, page_token: token }),
                    },
                    &doctor,
                ))
                .await?
                .into_inner();
            // Round 0 warms caches and connections; it is not counted.
            if round > 0 {
                pages.push(started.elapsed());
            }
            seen += page.encounters.len();
            token = page.page.unwrap_or_default().next_page_token;
            if token.is_empty() {
                break;
            }
        }
        anyhow::ensure!(seen == args.encounters, "listed {seen} of {} encounters", args.encounters);
        listed += seen;
    }
    pages.sort();
    let backend = match args.docs {
        Docs::Sqlite => "sqlite",
        Docs::Mongo => "mongodb",
    };
    println!("backend            {backend}");
    println!("encounters         {} (listed {} times)", args.encounters, listed / args.encounters.max(1));
    println!("pages              {} of {}", pages.len(), args.page_size);
    println!(
        "page latency       p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&pages, 0.5)),
        ms(percentile(&pages, 0.99)),
        ms(pages.last().copied().unwrap_or_default())
    );
    let verified = w.verify().await;
    println!("audit entries      {} (chain intact: {})", verified.checked, verified.intact);
    anyhow::ensure!(
        verified.intact,
        "the audit chain is broken at {}: {}",
        verified.first_broken_sequence,
        verified.problem
    );
    Ok(())
}
