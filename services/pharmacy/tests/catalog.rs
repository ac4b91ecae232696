//! The catalog: the starter set, search by the start of a word of either
//! name with paging, admins' additions and changes (checked, versioned,
//! in the admin audit log), and who may do what.

mod common;

use common::*;
use hms_kit::proto::common::{Money, PageRequest, Role};
use hms_kit::proto::pharmacy::*;
use tonic::Code;

fn medication(code: &str, name: &str) -> Medication {
    Medication {
        code: code.into(),
        name: name.into(),
        generic_name: "testacillin".into(),
        drug_classes: vec!["penicillin".into()],
        ingredients: vec!["testacillin".into()],
        dosage_form: DosageForm::Capsule.into(),
        strength: "250 mg".into(),
        unit_price: Some(Money { amount_minor: 1200, currency: "vnd".into() }),
        reorder_level: 30,
        active: true,
        ..Default::default()
    }
}

async fn search(w: &World, token: &str, query: &str, page: Option<PageRequest>) -> ListMedicationsResponse {
    let request = ListMedicationsRequest { query: query.into(), include_inactive: false, page };
    w.rx().await.list_medications(authed(request, token)).await.unwrap().into_inner()
}

async fn the_starter_catalog_is_searchable_by_either_name_with_paging(w: World) {
    let (_, doctor) = w.staff("doc.search", Role::Doctor).await;
    let found = search(&w, &doctor, "Amox", None).await.medications;
    let codes: Vec<&str> = found.iter().map(|m| m.code.as_str()).collect();
    assert!(codes.contains(&"AMOX500C"), "{codes:?}");
    assert!(found.iter().all(|m| m.name.to_lowercase().contains("amox") || m.generic_name.contains("amox")));
    // By the generic name's later word: "clavulanic".
    let found = search(&w, &doctor, "clavul", None).await.medications;
    assert_eq!(found.len(), 1, "{found:?}");
    // Paging through the whole catalog, two at a time, misses nothing and repeats nothing.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = search(&w, &doctor, "", Some(PageRequest { page_size: 7, page_token: token.clone() })).await;
        seen.extend(page.medications.into_iter().map(|m| m.medication_id));
        token = page.page.unwrap().next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (61, 61));
    // Nobody but staff who prescribe, dispense or administer.
    let (_, patient) = w.patient("pat.search").await;
    let refused = w.rx().await.list_medications(authed(ListMedicationsRequest::default(), &patient)).await;
    assert_code(refused, Code::PermissionDenied);
}

async fn admins_add_and_change_entries_checked_versioned_and_audited(w: World) {
    let mut rx = w.rx().await;
    let admin = w.admin().to_owned();
    let created = rx
        .create_medication(authed(
            CreateMedicationRequest { medication: Some(medication("TESTA250", "Testacillin 250 mg capsule")) },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .medication
        .unwrap();
    assert_eq!((created.version, created.unit_price.as_ref().unwrap().currency.as_str()), (1, "VND"));
    // Its stock exists from the start, empty and low.
    let (_, pharmacist) = w.staff("pharm.catalog", Role::Pharmacist).await;
    let stock = w.stock(&pharmacist, &created.medication_id).await;
    assert_eq!((stock.on_hand, stock.low), (0, true));

    let taken = rx
        .create_medication(authed(
            CreateMedicationRequest { medication: Some(medication("TESTA250", "Other")) },
            &admin,
        ))
        .await;
    assert_eq!(reason(&assert_code(taken, Code::AlreadyExists)), "CODE_TAKEN");
    let bad =
        Medication { code: "x".into(), ingredients: vec![], dosage_form: 0, unit_price: None, ..medication("", "") };
    let refused = rx.create_medication(authed(CreateMedicationRequest { medication: Some(bad) }, &admin)).await;
    let mut fields = violated_fields(&assert_code(refused, Code::InvalidArgument));
    fields.sort();
    assert_eq!(
        fields,
        [
            "medication.code",
            "medication.dosage_form",
            "medication.ingredients",
            "medication.name",
            "medication.unit_price"
        ]
    );
    let (_, doctor) = w.staff("doc.catalog", Role::Doctor).await;
    let refused = rx
        .create_medication(authed(CreateMedicationRequest { medication: Some(medication("TESTB", "B")) }, &doctor))
        .await;
    assert_code(refused, Code::PermissionDenied);

    let changed =
        Medication { reorder_level: 5, name: "Testacillin 250 mg hard capsule".into(), ..medication("TESTA250", "") };
    let update = |version| UpdateMedicationRequest {
        medication_id: created.medication_id.clone(),
        medication: Some(changed.clone()),
        version,
    };
    let saved = rx.update_medication(authed(update(1), &admin)).await.unwrap().into_inner().medication.unwrap();
    assert_eq!((saved.version, saved.reorder_level), (2, 5));
    let stale = rx.update_medication(authed(update(1), &admin)).await;
    assert_eq!(reason(&assert_code(stale, Code::Aborted)), "CONCURRENT_UPDATE");
    // Searchable by its new name; the stock follows it.
    assert_eq!(search(&w, &doctor, "hard", None).await.medications.len(), 1);
    assert_eq!(w.stock(&pharmacist, &created.medication_id).await.reorder_level, 5);

    // The admin log has both, from the pharmacy.
    let log = w.admin_service.as_ref().unwrap();
    eventually("the admin log", || async { log.entries("pharmacy", &admin).await.len() == 2 }).await;
    let entries = log.entries("pharmacy", &admin).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["medication.created", "medication.updated"]);
    assert!(entries[1].before.contains("reorder at 30") && entries[1].after.contains("reorder at 5"), "{entries:?}");
}

on_every_store!(the_starter_catalog_is_searchable_by_either_name_with_paging);

mod audited {
    use super::*;
    hms_testkit::on_every_store!(start = super::common::World::with_admin, threads = 4;
        admins_add_and_change_entries_checked_versioned_and_audited);
}
