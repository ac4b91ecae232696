//! The test catalog: the starter set, search, admins' tests with their
//! ranges checked, versions, and deletion refused for a test orders use.

mod common;

use common::*;
use hms_kit::proto::common::{Money, PageRequest, Role};
use hms_kit::proto::laboratory::*;
use tonic::Code;

fn list(query: &str, include_inactive: bool) -> ListLabTestsRequest {
    ListLabTestsRequest {
        query: query.into(),
        include_inactive,
        page: Some(PageRequest { page_size: 100, page_token: String::new() }),
    }
}

fn new_test(code: &str) -> LabTest {
    LabTest {
        code: code.into(),
        name: format!("Ferritin {code}"),
        sample_type: "SERUM".into(),
        turnaround_hours: 24,
        price: Some(Money { amount_minor: 95_000, currency: "VND".into() }),
        parameters: vec![LabParameter {
            code: "2276-4".into(),
            name: "Ferritin [Mass/volume] in Serum or Plasma".into(),
            kind: ParameterKind::Quantitative.into(),
            unit: "ug/L".into(),
            decimals: 0,
            ranges: vec![
                ReferenceRange {
                    sex: Sex::Male.into(),
                    age_min_days: 6574,
                    age_max_days: 43830,
                    low: Some(30.0),
                    high: Some(400.0),
                    source: "test".into(),
                    ..Default::default()
                },
                ReferenceRange {
                    sex: Sex::Female.into(),
                    age_min_days: 6574,
                    age_max_days: 43830,
                    low: Some(13.0),
                    high: Some(150.0),
                    source: "test".into(),
                    ..Default::default()
                },
            ],
            conversions: vec![UnitConversion { unit: "ng/mL".into(), factor: 1.0, offset: 0.0 }],
            ..Default::default()
        }],
        active: true,
        ..Default::default()
    }
}

async fn the_starter_catalog_is_searchable_by_word_and_code(w: World) {
    let (_, doctor) = w.staff("doc.catalog", Role::Doctor).await;
    let mut lab = w.lab().await;
    let found = lab.list_lab_tests(authed(list("gluc", false), &doctor)).await.unwrap().into_inner().tests;
    assert!(found.iter().any(|t| t.code == "14771-0"), "{found:?}");
    let by_code = lab.list_lab_tests(authed(list("3016", false), &doctor)).await.unwrap().into_inner().tests;
    assert_eq!(by_code.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(), ["3016-3"]);
    let all = lab.list_lab_tests(authed(list("", false), &doctor)).await.unwrap().into_inner().tests;
    assert!(all.len() >= 10, "{}", all.len());
    let cbc = all.iter().find(|t| t.code == "57021-8").unwrap();
    assert!(cbc.parameters.len() > 10 && cbc.parameters.iter().all(|p| !p.ranges.is_empty()));
    // Paged: two pages of 4 are the first 8.
    let first = lab
        .list_lab_tests(authed(
            ListLabTestsRequest {
                page: Some(PageRequest { page_size: 4, page_token: String::new() }),
                ..list("", false)
            },
            &doctor,
        ))
        .await
        .unwrap()
        .into_inner();
    let token = first.page.unwrap().next_page_token;
    let second = lab
        .list_lab_tests(authed(
            ListLabTestsRequest { page: Some(PageRequest { page_size: 4, page_token: token }), ..list("", false) },
            &doctor,
        ))
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<_> = first.tests.iter().chain(&second.tests).map(|t| t.test_id.clone()).collect();
    assert_eq!(ids, all.iter().take(8).map(|t| t.test_id.clone()).collect::<Vec<_>>());
}

async fn admins_write_tests_whose_ranges_are_checked(w: World) {
    let mut lab = w.lab().await;
    let admin = w.admin().to_owned();
    let mut bad = new_test("FERR-X");
    bad.parameters[0].ranges[0].low = Some(500.0);
    bad.parameters[0].ranges[1].sex = Sex::Male.into();
    bad.parameters[0].unit = String::new();
    let refused = lab.create_lab_test(authed(CreateLabTestRequest { test: Some(bad) }, &admin)).await;
    let fields = hms_testkit::violated_fields_sorted(&assert_code(refused, Code::InvalidArgument));
    assert_eq!(
        fields,
        ["test.parameters[0].ranges[0]", "test.parameters[0].ranges[1]", "test.parameters[0].unit"],
        "{fields:?}"
    );

    let created = lab
        .create_lab_test(authed(CreateLabTestRequest { test: Some(new_test("FERR-1")) }, &admin))
        .await
        .unwrap()
        .into_inner()
        .test
        .unwrap();
    let again = lab.create_lab_test(authed(CreateLabTestRequest { test: Some(new_test("FERR-1")) }, &admin)).await;
    assert_eq!(reason(&assert_code(again, Code::AlreadyExists)), "CODE_TAKEN");
    // Not the doctors' to write.
    let (_, doctor) = w.staff("doc.writer", Role::Doctor).await;
    let theirs = lab.create_lab_test(authed(CreateLabTestRequest { test: Some(new_test("FERR-2")) }, &doctor)).await;
    assert_code(theirs, Code::PermissionDenied);

    let mut changed = new_test("FERR-1");
    changed.active = false;
    let update =
        |version| UpdateLabTestRequest { test_id: created.test_id.clone(), test: Some(changed.clone()), version };
    let updated =
        lab.update_lab_test(authed(update(created.version), &admin)).await.unwrap().into_inner().test.unwrap();
    assert!(!updated.active);
    assert_code(lab.update_lab_test(authed(update(created.version), &admin)).await, Code::Aborted);
    // Inactive: the admin sees it, a doctor does not.
    let mine = lab.list_lab_tests(authed(list("ferritin", true), &admin)).await.unwrap().into_inner().tests;
    assert_eq!(mine.len(), 1);
    let theirs = lab.list_lab_tests(authed(list("ferritin", true), &doctor)).await.unwrap().into_inner().tests;
    assert!(theirs.is_empty());

    // An unused test is deleted, its code free again.
    let delete = DeleteLabTestRequest { test_id: created.test_id.clone(), version: updated.version };
    lab.delete_lab_test(authed(delete, &admin)).await.unwrap();
    let gone = lab.get_lab_test(authed(GetLabTestRequest { test_id: created.test_id.clone() }, &admin)).await;
    assert_code(gone, Code::NotFound);
    lab.create_lab_test(authed(CreateLabTestRequest { test: Some(new_test("FERR-1")) }, &admin)).await.unwrap();
}

async fn a_test_orders_use_is_deactivated_not_deleted(w: World) {
    let care = w.care("inuse").await;
    let mut lab = w.lab().await;
    let admin = w.admin().to_owned();
    let test = lab
        .create_lab_test(authed(CreateLabTestRequest { test: Some(new_test("FERR-U")) }, &admin))
        .await
        .unwrap()
        .into_inner()
        .test
        .unwrap();
    let order = w.order(&care, &[&test], Priority::Routine).await.unwrap();
    let current = lab.get_lab_test(authed(GetLabTestRequest { test_id: test.test_id.clone() }, &admin)).await.unwrap();
    let current = current.into_inner().test.unwrap();
    assert_eq!(current.version, test.version, "being used is no change of the admin's");
    let delete = DeleteLabTestRequest { test_id: test.test_id.clone(), version: current.version };
    let refused = lab.delete_lab_test(authed(delete, &admin)).await;
    assert_eq!(reason(&assert_code(refused, Code::FailedPrecondition)), "LAB_TEST_IN_USE");

    // Deactivated: no new orders; the one placed keeps its terms.
    let mut inactive = new_test("FERR-U");
    inactive.active = false;
    inactive.parameters[0].ranges.clear();
    let request =
        UpdateLabTestRequest { test_id: test.test_id.clone(), test: Some(inactive), version: current.version };
    lab.update_lab_test(authed(request, &admin)).await.unwrap();
    let refused = w.order(&care, &[&test], Priority::Routine).await;
    assert_eq!(violated_fields(&assert_code(refused, Code::InvalidArgument)), ["test_ids[0]"]);
    let (_, tech) = w.staff("tech.inuse", Role::LabTechnician).await;
    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    let entered = w.enter(&tech, &order, 0, vec![number("2276-4", 10.0, "ng/mL")], "").await.unwrap();
    // The patient is a woman of 40: low by the ranges the order was placed with.
    assert_eq!(entered.order.unwrap().items[0].results[0].flag(), Flag::Low);
}

on_every_store!(
    the_starter_catalog_is_searchable_by_word_and_code,
    admins_write_tests_whose_ranges_are_checked,
    a_test_orders_use_is_deactivated_not_deleted,
);
