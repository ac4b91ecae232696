//! The invariants under concurrent requests, held by conditional writes in
//! the store: accession numbers never repeat, a sample is collected (and
//! invoiced) once however many technicians press at once, and a test is
//! never deleted from under an order placed with it.

mod common;

use std::collections::BTreeSet;

use common::*;
use hms_kit::proto::common::{Money, Role};
use hms_kit::proto::laboratory::laboratory_service_client::LaboratoryServiceClient;
use hms_kit::proto::laboratory::*;
use tonic::Code;

async fn concurrent_collections_never_share_an_accession_number(w: World) {
    let glucose = w.test("14771-0").await;
    let (_, tech) = w.staff("tech.many", Role::LabTechnician).await;
    let mut orders = Vec::new();
    for n in 0..12 {
        let care = w.care(&format!("acc{n}")).await;
        orders.push(w.order(&care, &[&glucose], Priority::Routine).await.unwrap());
    }
    let mut tasks = Vec::new();
    for order in orders {
        let (url, tech) = (w.lab.url(), tech.clone());
        tasks.push(tokio::spawn(async move {
            let mut lab = LaboratoryServiceClient::connect(url).await.unwrap();
            let request = UpdateLabOrderStatusRequest {
                order_id: order.order_id.clone(),
                step: LabStep::CollectSample.into(),
                reason: String::new(),
                version: order.version,
            };
            lab.update_lab_order_status(authed(request, &tech)).await.unwrap().into_inner().order.unwrap()
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        numbers.insert(task.await.unwrap().accession_number);
    }
    assert_eq!(numbers.len(), 12, "{numbers:?}");
    let sequences: Vec<u32> = numbers.iter().map(|n| n.rsplit('-').next().unwrap().parse().unwrap()).collect();
    assert_eq!(sequences.last().unwrap() - sequences[0], 11, "consecutive: {numbers:?}");
}

async fn a_sample_is_collected_and_invoiced_once_whoever_presses(w: World) {
    let care = w.care("once").await;
    let glucose = w.test("14771-0").await;
    let order = w.order(&care, &[&glucose], Priority::Urgent).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..6 {
        let (_, tech) = w.staff(&format!("tech.once{n}"), Role::LabTechnician).await;
        let (url, order) = (w.lab.url(), order.clone());
        tasks.push(tokio::spawn(async move {
            let mut lab = LaboratoryServiceClient::connect(url).await.unwrap();
            let request = UpdateLabOrderStatusRequest {
                order_id: order.order_id.clone(),
                step: LabStep::CollectSample.into(),
                reason: String::new(),
                version: order.version,
            };
            lab.update_lab_order_status(authed(request, &tech)).await
        }));
    }
    let mut collected = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => collected += 1,
            Err(status) => assert!(matches!(status.code(), Code::Aborted | Code::FailedPrecondition), "{status:?}"),
        }
    }
    assert_eq!(collected, 1);
    eventually("the invoice", || async { w.invoices(&care).await.len() == 1 }).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(w.invoices(&care).await.len(), 1);
}

async fn a_test_is_never_deleted_from_under_an_order(w: World) {
    let admin = w.admin().to_owned();
    for round in 0..4 {
        let care = w.care(&format!("race{round}")).await;
        let test = LabTest {
            code: format!("RACE-{round}"),
            name: format!("Race {round}"),
            sample_type: "SERUM".into(),
            turnaround_hours: 4,
            price: Some(Money { amount_minor: 1000, currency: "VND".into() }),
            parameters: vec![LabParameter {
                code: format!("RACE-{round}P"),
                name: "Analyte".into(),
                kind: ParameterKind::Quantitative.into(),
                unit: "mmol/L".into(),
                ..Default::default()
            }],
            active: true,
            ..Default::default()
        };
        let mut lab = w.lab().await;
        let test = lab.create_lab_test(authed(CreateLabTestRequest { test: Some(test) }, &admin)).await.unwrap();
        let test = test.into_inner().test.unwrap();
        let delete = {
            let (url, admin, request) = (
                w.lab.url(),
                admin.clone(),
                DeleteLabTestRequest { test_id: test.test_id.clone(), version: test.version },
            );
            tokio::spawn(async move {
                let mut lab = LaboratoryServiceClient::connect(url).await.unwrap();
                lab.delete_lab_test(authed(request, &admin)).await
            })
        };
        let ordered = w.order(&care, &[&test], Priority::Routine).await;
        let deleted = delete.await.unwrap();
        match (&ordered, &deleted) {
            (Ok(_), Ok(_)) => panic!("round {round}: an order was placed with a test that was deleted"),
            (Err(o), Err(d)) => panic!("round {round}: both refused: {o:?} {d:?}"),
            (Ok(_), Err(d)) => assert!(matches!(d.code(), Code::FailedPrecondition | Code::Aborted), "{d:?}"),
            (Err(o), Ok(_)) => assert_eq!(violated_fields(o), ["test_ids[0]"]),
        }
    }
}

async fn two_technicians_entering_one_item_at_once_one_wins(w: World) {
    let care = w.care("twice").await;
    let glucose = w.test("14771-0").await;
    let order = w.order(&care, &[&glucose], Priority::Routine).await.unwrap();
    let (_, first) = w.staff("tech.first", Role::LabTechnician).await;
    let (_, second) = w.staff("tech.second", Role::LabTechnician).await;
    let order = w.step(&first, &order, LabStep::CollectSample, "").await.unwrap();
    let mut tasks = Vec::new();
    for (tech, value) in [(first, 5.0), (second, 9.0)] {
        let (url, order) = (w.lab.url(), order.clone());
        tasks.push(tokio::spawn(async move {
            let mut lab = LaboratoryServiceClient::connect(url).await.unwrap();
            let request = EnterLabResultsRequest {
                order_id: order.order_id.clone(),
                item_id: order.items[0].item_id.clone(),
                results: vec![number("14771-0", value, "mmol/L")],
                amend_reason: String::new(),
                version: order.version,
            };
            lab.enter_lab_results(authed(request, &tech)).await.map(|r| (value, r.into_inner()))
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok((value, _)) => won.push(value),
            Err(status) => assert_eq!(reason(&assert_code(Err::<(), _>(status), Code::Aborted)), "CONCURRENT_UPDATE"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    // What is stored is the winner's value, entered once.
    let stored = w.get(&care.doctor.1, &order.order_id).await;
    assert_eq!(stored.items[0].results.len(), 1);
    assert_eq!(stored.items[0].results[0].value, Some(won[0]));
}

on_every_store!(
    two_technicians_entering_one_item_at_once_one_wins,
    concurrent_collections_never_share_an_accession_number,
    a_sample_is_collected_and_invoiced_once_whoever_presses,
    a_test_is_never_deleted_from_under_an_order,
);
