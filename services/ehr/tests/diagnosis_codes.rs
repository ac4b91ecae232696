//! The ICD-10 lookup (SearchDiagnosisCodes): doctors and nurses search the
//! table of common codes by code or by words; a bad query is refused with
//! field violations; other roles are refused. And vital signs named by the
//! appointment instead of the encounter (the nurse's desk). On SQLite and on
//! the MongoDB-wire server.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::*;
use tonic::Code;

fn search(query: &str, page_size: i32) -> SearchDiagnosisCodesRequest {
    SearchDiagnosisCodesRequest { query: query.into(), page_size }
}

async fn doctors_and_nurses_search_codes_by_code_or_words(w: World) {
    let (_, doctor) = w.staff("doc.codes", Role::Doctor).await;
    let (_, nurse) = w.staff("nurse.codes", Role::Nurse).await;
    let (_, patient) = w.patient("pat.codes").await;
    let mut ehr = w.ehr().await;

    let found = ehr.search_diagnosis_codes(authed(search("i10", 0), &doctor)).await.unwrap().into_inner();
    assert_eq!(found.codes[0].code, "I10");
    assert_eq!(found.codes[0].title, "Essential (primary) hypertension");
    assert!(!found.codes[0].title_vi.is_empty());
    assert_eq!(found.edition, "ICD-10-CM April 1, 2026");

    let e11 = ehr.search_diagnosis_codes(authed(search("E11", 3), &nurse)).await.unwrap().into_inner().codes;
    assert_eq!(e11.len(), 3);
    assert!(e11.iter().all(|c| c.code.starts_with("E11.")), "{e11:?}");

    let words = ehr.search_diagnosis_codes(authed(search("tang huyet ap", 5), &doctor)).await.unwrap().into_inner();
    assert_eq!(words.codes[0].code, "I10", "Vietnamese words, diacritics optional");
    let english = ehr.search_diagnosis_codes(authed(search("acute pharyngitis", 5), &doctor)).await.unwrap();
    assert!(english.into_inner().codes.iter().any(|c| c.code == "J02.9"));
    let none = ehr.search_diagnosis_codes(authed(search("qqqq", 5), &doctor)).await.unwrap().into_inner();
    assert!(none.codes.is_empty());
    let default = ehr.search_diagnosis_codes(authed(search("unspecified", 0), &doctor)).await.unwrap();
    assert_eq!(default.into_inner().codes.len(), 20, "0 means the default page of 20");

    assert_code(ehr.search_diagnosis_codes(authed(search("I10", 0), &patient)).await, Code::PermissionDenied);
    assert_code(ehr.search_diagnosis_codes(authed(search("I10", 0), w.admin())).await, Code::PermissionDenied);
    assert_code(ehr.search_diagnosis_codes(search("I10", 0)).await, Code::Unauthenticated);
}

async fn a_bad_query_is_refused_with_field_details(w: World) {
    let (_, doctor) = w.staff("doc.badquery", Role::Doctor).await;
    let mut ehr = w.ehr().await;
    for query in ["", "   ", "...", &"a".repeat(101)] {
        let bad =
            assert_code(ehr.search_diagnosis_codes(authed(search(query, 0), &doctor)).await, Code::InvalidArgument);
        assert_eq!(violated_fields(&bad), ["query"], "{query:?}");
    }
    for size in [-1, 51] {
        let bad =
            assert_code(ehr.search_diagnosis_codes(authed(search("I10", size), &doctor)).await, Code::InvalidArgument);
        assert_eq!(violated_fields(&bad), ["page_size"], "{size}");
    }
    let both = assert_code(ehr.search_diagnosis_codes(authed(search("", 99), &doctor)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&both), ["query", "page_size"]);
}

async fn vitals_go_to_the_encounter_of_an_appointment(w: World) {
    let c = care(&w, "byappt").await;
    let (_, nurse) = w.staff("nurse.byappt", Role::Nurse).await;
    let patient = &c.patient.0;
    let mut ehr = w.ehr().await;
    let by_appointment = |appointment: &str| AddVitalSignsRequest {
        appointment_id: appointment.into(),
        encounter_id: String::new(),
        ..vitals_request(patient, "", 88)
    };

    // The nurse knows the appointment (linked today), not its encounter.
    let stored = ehr.add_vital_signs(authed(by_appointment("appt-byappt"), &nurse)).await.unwrap().into_inner();
    assert_eq!(stored.vital_signs.unwrap().heart_rate, Some(88));
    let encounter = ehr
        .get_encounter(authed(get_encounter(patient, &c.encounter), &c.doctor.1))
        .await
        .unwrap()
        .into_inner()
        .encounter
        .unwrap();
    assert_eq!(encounter.vital_signs.len(), 1);
    assert_eq!(encounter.vital_signs[0].heart_rate, Some(88));
    let audited = w.audit(patient).await;
    assert!(
        audited.iter().any(|e| e.action == "AddVitalSigns"
            && e.resource.starts_with(&format!("encounter/{}/vitals/", c.encounter))
            && e.actor_role == "NURSE"),
        "{audited:?}"
    );

    // An appointment without an encounter: the doctor learns it is missing,
    // a nurse is refused (no encounter of today), both audited.
    let missing = ehr.add_vital_signs(authed(by_appointment("appt-none"), &c.doctor.1)).await;
    assert_code(missing, Code::NotFound);
    let refused =
        assert_code(ehr.add_vital_signs(authed(by_appointment("appt-none"), &nurse)).await, Code::PermissionDenied);
    assert_eq!(reason(&refused), "NO_ENCOUNTER_TODAY");
    // Another patient's appointment does not reach this one's encounter.
    let other = w.patient("pat.byappt.other").await;
    let elsewhere = AddVitalSignsRequest { patient_id: other.0.clone(), ..by_appointment("appt-byappt") };
    assert_code(ehr.add_vital_signs(authed(elsewhere, &nurse)).await, Code::PermissionDenied);

    // One of the two names, not both, not neither.
    let both = AddVitalSignsRequest { encounter_id: c.encounter.clone(), ..by_appointment("appt-byappt") };
    let bad = assert_code(ehr.add_vital_signs(authed(both, &nurse)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&bad), ["appointment_id"]);
    let neither = by_appointment("");
    let bad = assert_code(ehr.add_vital_signs(authed(neither, &nurse)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&bad), ["encounter_id"]);
}

on_every_store!(
    doctors_and_nurses_search_codes_by_code_or_words,
    a_bad_query_is_refused_with_field_details,
    vitals_go_to_the_encounter_of_an_appointment,
);
