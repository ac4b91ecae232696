//! Encounters through the gRPC API on SQLite and on the MongoDB-wire server:
//! optimistic concurrency, paging newest first, notes sealed at rest.

mod common;

use common::*;
use hms_kit::proto::common::PageRequest;
use hms_kit::proto::ehr::*;
use tonic::Code;

async fn concurrent_encounter_updates_one_wins_the_other_is_aborted(w: World) {
    let c = care(&w, "race").await;
    let (patient, doctor) = (&c.patient.0, &c.doctor.1);
    let encounter = w.ehr().await.get_encounter(authed(get_encounter(patient, &c.encounter), doctor)).await.unwrap();
    let version = encounter.into_inner().encounter.unwrap().version;
    let update = |text: &str| UpdateEncounterRequest {
        patient_id: patient.clone(),
        encounter_id: c.encounter.clone(),
        notes: Some(notes(text)),
        version,
    };
    let (mut a, mut b) = (w.ehr().await, w.ehr().await);
    let (first, second) = tokio::join!(
        a.update_encounter(authed(update("first"), doctor)),
        b.update_encounter(authed(update("second"), doctor))
    );
    let (won, lost) = match (first, second) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won.into_inner().encounter.unwrap(), lost),
        other => panic!("exactly one update must win: {other:?}"),
    };
    assert_eq!(lost.code(), Code::Aborted);
    assert_eq!(reason(&lost), "CONCURRENT_UPDATE");
    let stored = w.ehr().await.get_encounter(authed(get_encounter(patient, &c.encounter), doctor)).await.unwrap();
    let stored = stored.into_inner().encounter.unwrap();
    assert_eq!(stored.notes, won.notes, "the winner's notes are stored, not overwritten");
    assert_eq!(stored.version, version + 1);

    // A stale version is refused even without a race; the trail records the
    // refused writes as allowed-but-failed.
    assert_code(w.ehr().await.update_encounter(authed(update("stale"), doctor)).await, Code::Aborted);
    let failed = w
        .audit(patient)
        .await
        .into_iter()
        .filter(|e| e.action == "UpdateEncounter" && e.outcome() == AuditOutcome::Failed)
        .count();
    assert_eq!(failed, 2);

    // Appends from many writers at once are all kept.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let mut client = w.ehr().await;
        let request = authed(vitals_request(patient, &c.encounter, 60 + i), doctor);
        tasks.push(tokio::spawn(async move { client.add_vital_signs(request).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let stored = w.ehr().await.get_encounter(authed(get_encounter(patient, &c.encounter), doctor)).await.unwrap();
    let mut rates: Vec<i32> =
        stored.into_inner().encounter.unwrap().vital_signs.iter().filter_map(|v| v.heart_rate).collect();
    rates.sort();
    assert_eq!(rates, (60..68).collect::<Vec<_>>());

    // Record updates are versioned the same way.
    let mut ehr = w.ehr().await;
    let record =
        ehr.get_medical_record(authed(get_record(patient), doctor)).await.unwrap().into_inner().record.unwrap();
    let fields = RecordFields { blood_type: "o+".into(), ..Default::default() };
    let request =
        |version| UpdateMedicalRecordRequest { patient_id: patient.clone(), fields: Some(fields.clone()), version };
    let updated = ehr.update_medical_record(authed(request(record.version), doctor)).await.unwrap().into_inner();
    assert_eq!(updated.record.unwrap().fields.unwrap().blood_type, "O+");
    assert_code(ehr.update_medical_record(authed(request(record.version), doctor)).await, Code::Aborted);
}

async fn encounters_page_newest_first_and_notes_are_sealed_at_rest(w: World) {
    let c = care(&w, "pages").await;
    let (patient, doctor) = (&c.patient.0, &c.doctor.1);
    let mut ehr = w.ehr().await;
    for i in 0..23 {
        let mut at = now();
        at.seconds -= 86_400 * (i + 1);
        ehr.create_encounter(authed(
            CreateEncounterRequest {
                patient_id: patient.clone(),
                encounter_time: Some(at),
                notes: Some(notes(&format!("secret-{i}"))),
                status: EncounterStatus::Unspecified.into(),
            },
            doctor,
        ))
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = ehr
            .list_encounters(authed(
                ListEncountersRequest {
                    patient_id: patient.clone(),
                    page: Some(PageRequest { page_size: 10, page_token: token }),
                },
                &c.patient.1,
            ))
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.encounters);
        token = page.page.unwrap().next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 24);
    let times: Vec<i64> = seen.iter().map(|e| e.encounter_time.unwrap().seconds).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    assert_eq!(seen[1].notes.as_ref().unwrap().chief_complaint, "secret-0 complaint");

    // A token is bound to its patient.
    let first = ehr
        .list_encounters(authed(
            ListEncountersRequest {
                patient_id: patient.clone(),
                page: Some(PageRequest { page_size: 5, page_token: String::new() }),
            },
            doctor,
        ))
        .await
        .unwrap()
        .into_inner();
    let (other, _) = w.patient("pat.pages2").await;
    w.link(&other, &c.doctor.0, "appt-pages2", AppointmentStage::Confirmed, now()).await.unwrap();
    let foreign = ListEncountersRequest {
        patient_id: other,
        page: Some(PageRequest { page_size: 5, page_token: first.page.unwrap().next_page_token }),
    };
    assert_code(ehr.list_encounters(authed(foreign, doctor)).await, Code::InvalidArgument);

    // At rest the narrative and the history are ciphertext.
    let fields =
        RecordFields { medical_history_summary: "secret-history appendectomy 2019".into(), ..Default::default() };
    let record =
        ehr.get_medical_record(authed(get_record(patient), doctor)).await.unwrap().into_inner().record.unwrap();
    ehr.update_medical_record(authed(
        UpdateMedicalRecordRequest { patient_id: patient.clone(), fields: Some(fields), version: record.version },
        doctor,
    ))
    .await
    .unwrap();
    ehr.add_treatment_plan(authed(
        AddTreatmentPlanRequest {
            patient_id: patient.clone(),
            encounter_id: seen[1].encounter_id.clone(),
            treatment_plan: Some(TreatmentPlan {
                description: "secret-plan rest".into(),
                follow_up_instructions: "secret-follow-up".into(),
                ..Default::default()
            }),
        },
        doctor,
    ))
    .await
    .unwrap();
    let raw = w.raw_store().await;
    let stored = raw.get("ehr_encounters", &seen[1].encounter_id).await.unwrap().unwrap().body.to_string();
    let stored_record = raw.get("ehr_records", patient).await.unwrap().unwrap().body.to_string();
    for text in [&stored, &stored_record] {
        assert!(!text.contains("secret-"), "plaintext at rest: {text}");
    }
    let back = ehr.get_medical_record(authed(get_record(patient), &c.patient.1)).await.unwrap().into_inner();
    assert_eq!(back.record.unwrap().fields.unwrap().medical_history_summary, "secret-history appendectomy 2019");
    let plan =
        ehr.get_encounter(authed(get_encounter(patient, &seen[1].encounter_id), doctor)).await.unwrap().into_inner();
    assert_eq!(plan.encounter.unwrap().treatment_plans[0].follow_up_instructions, "secret-follow-up");
}

on_every_store!(
    concurrent_encounter_updates_one_wins_the_other_is_aborted,
    encounters_page_newest_first_and_notes_are_sealed_at_rest,
);
