//! The EHR service through its gRPC API with real tokens, on SQLite and on
//! the MongoDB-wire server: the access matrix, optimistic concurrency, the
//! audit chain, idempotent internal RPCs, field checks, paging and sealing.

mod common;

use common::*;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::ehr::*;
use serde_json::json;
use tonic::Code;

fn diagnosis(code: &str, primary: bool) -> Diagnosis {
    Diagnosis {
        icd10_code: code.into(),
        description: format!("{code} description"),
        is_primary: primary,
        ..Default::default()
    }
}

fn notes(text: &str) -> EncounterNotes {
    EncounterNotes {
        chief_complaint: format!("{text} complaint"),
        history_of_present_illness: format!("{text} history"),
        physical_examination_findings: format!("{text} findings"),
        clinical_notes: format!("{text} notes"),
    }
}

/// A patient linked to a doctor through a confirmed appointment today.
struct Care {
    patient: (String, String),
    doctor: (String, String),
    encounter: String,
}

async fn care(w: &World, tag: &str) -> Care {
    let patient = w.patient(&format!("pat.{tag}")).await;
    let doctor = w.staff(&format!("doc.{tag}"), Role::Doctor).await;
    let linked =
        w.link(&patient.0, &doctor.0, &format!("appt-{tag}"), AppointmentStage::Confirmed, now()).await.unwrap();
    Care { patient, doctor, encounter: linked.encounter_id }
}

fn get_record(patient: &str) -> GetMedicalRecordRequest {
    GetMedicalRecordRequest { patient_id: patient.into() }
}

fn get_encounter(patient: &str, encounter: &str) -> GetEncounterRequest {
    GetEncounterRequest { patient_id: patient.into(), encounter_id: encounter.into() }
}

fn vitals_request(patient: &str, encounter: &str, heart_rate: i32) -> AddVitalSignsRequest {
    AddVitalSignsRequest {
        patient_id: patient.into(),
        encounter_id: encounter.into(),
        vital_signs: Some(VitalSigns {
            heart_rate: Some(heart_rate),
            systolic_bp: Some(120),
            diastolic_bp: Some(80),
            temperature_celsius: Some(36.9),
            ..Default::default()
        }),
    }
}

async fn the_access_matrix_holds_and_every_access_is_audited(w: World) {
    let c = care(&w, "matrix").await;
    let (patient, patient_token) = (&c.patient.0, &c.patient.1);
    let (other_patient, other_token) = w.patient("pat.other").await;
    let (_, stranger) = w.staff("doc.stranger", Role::Doctor).await;
    let (_, nurse) = w.staff("nurse.today", Role::Nurse).await;
    let (_, pharmacist) = w.staff("pharm.one", Role::Pharmacist).await;
    let mut ehr = w.ehr().await;

    // Patient: own record yes, another's no, and no writes.
    let own = ehr.get_medical_record(authed(get_record(patient), patient_token)).await.unwrap().into_inner();
    assert_eq!(own.record.unwrap().patient_id, *patient);
    ehr.get_encounter(authed(get_encounter(patient, &c.encounter), patient_token)).await.unwrap();
    let denied = assert_code(
        ehr.get_medical_record(authed(get_record(&other_patient), patient_token)).await,
        Code::PermissionDenied,
    );
    assert_eq!(reason(&denied), "NOT_YOUR_RECORD");
    assert_code(
        ehr.add_diagnosis(authed(
            AddDiagnosisRequest {
                patient_id: patient.clone(),
                encounter_id: c.encounter.clone(),
                diagnosis: Some(diagnosis("R51", true)),
            },
            patient_token,
        ))
        .await,
        Code::PermissionDenied,
    );
    let _ = other_token;

    // Doctor with a care relationship (the appointment link): reads and writes.
    let doctor = &c.doctor.1;
    ehr.get_medical_record(authed(get_record(patient), doctor)).await.unwrap();
    let added = ehr
        .add_diagnosis(authed(
            AddDiagnosisRequest {
                patient_id: patient.clone(),
                encounter_id: c.encounter.clone(),
                diagnosis: Some(diagnosis("r51", true)),
            },
            doctor,
        ))
        .await
        .unwrap()
        .into_inner()
        .encounter
        .unwrap();
    assert_eq!(added.diagnoses[0].icd10_code, "R51");

    // Doctor without one: refused, until break-glass.
    let refused =
        assert_code(ehr.get_medical_record(authed(get_record(patient), &stranger)).await, Code::PermissionDenied);
    assert_eq!(reason(&refused), "NO_CARE_RELATIONSHIP");
    assert_code(
        ehr.get_encounter(authed(get_encounter(patient, &c.encounter), &stranger)).await,
        Code::PermissionDenied,
    );
    let short = assert_code(
        ehr.break_glass(authed(BreakGlassRequest { patient_id: patient.clone(), reason: "urgent".into() }, &stranger))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&short), ["reason"]);
    let reason_text = "unconscious patient in the emergency room";
    let grant = ehr
        .break_glass(authed(BreakGlassRequest { patient_id: patient.clone(), reason: reason_text.into() }, &stranger))
        .await
        .unwrap()
        .into_inner()
        .grant
        .unwrap();
    let lasts = grant.expire_time.unwrap().seconds - grant.grant_time.unwrap().seconds;
    assert_eq!(lasts, 3600, "one hour of access");
    ehr.get_encounter(authed(get_encounter(patient, &c.encounter), &stranger)).await.unwrap();

    // Nurse: vitals on today's encounter, nothing on another day's, no reads.
    ehr.add_vital_signs(authed(vitals_request(patient, &c.encounter, 72), &nurse)).await.unwrap();
    let later =
        w.link(patient, &c.doctor.0, "appt-matrix-later", AppointmentStage::Confirmed, days_from_now(3)).await.unwrap();
    let not_today = assert_code(
        ehr.add_vital_signs(authed(vitals_request(patient, &later.encounter_id, 72), &nurse)).await,
        Code::PermissionDenied,
    );
    assert_eq!(reason(&not_today), "NO_ENCOUNTER_TODAY");
    assert_code(ehr.get_medical_record(authed(get_record(patient), &nurse)).await, Code::PermissionDenied);

    // Admin: no clinical content; other roles: nothing.
    assert_code(ehr.get_medical_record(authed(get_record(patient), w.admin())).await, Code::PermissionDenied);
    assert_code(
        ehr.get_encounter(authed(get_encounter(patient, &c.encounter), w.admin())).await,
        Code::PermissionDenied,
    );
    assert_code(ehr.get_medical_record(authed(get_record(patient), &pharmacist)).await, Code::PermissionDenied);
    assert_code(
        ehr.list_encounters(authed(ListEncountersRequest { patient_id: patient.clone(), page: None }, &pharmacist))
            .await,
        Code::PermissionDenied,
    );

    // The trail holds each access with its actor, outcome and break-glass reason.
    let trail = w.audit(patient).await;
    let summary: Vec<(String, String, String)> = trail
        .iter()
        .rev()
        .map(|e| (e.actor_role.clone(), e.action.clone(), e.outcome().as_str_name().to_owned()))
        .collect();
    let expect = |role: &str, action: &str, outcome: &str| {
        assert!(
            summary.contains(&(role.into(), action.into(), format!("AUDIT_OUTCOME_{outcome}"))),
            "{role} {action} {outcome} missing from {summary:#?}"
        );
    };
    expect("SERVICE", "LinkAppointment", "ALLOWED");
    expect("PATIENT", "GetMedicalRecord", "ALLOWED");
    expect("PATIENT", "GetEncounter", "ALLOWED");
    expect("DOCTOR", "GetMedicalRecord", "ALLOWED");
    expect("DOCTOR", "AddDiagnosis", "ALLOWED");
    expect("DOCTOR", "GetMedicalRecord", "DENIED");
    expect("DOCTOR", "BreakGlass", "ALLOWED");
    expect("NURSE", "AddVitalSigns", "ALLOWED");
    expect("NURSE", "AddVitalSigns", "DENIED");
    let other_trail = w.audit(&other_patient).await;
    assert_eq!(other_trail.len(), 1, "the other patient's record: one denied attempt");
    assert_eq!(other_trail[0].outcome(), AuditOutcome::Denied);
    let glass: Vec<_> = trail.iter().filter(|e| e.break_glass_reason == reason_text).collect();
    assert_eq!(glass.len(), 2, "the grant and the read under it carry the reason");
    assert!(trail.iter().all(|e| !e.client_address.is_empty() && e.event_time.is_some() && e.hash.len() == 64));
    assert_eq!(trail.iter().filter(|e| e.patient_id == *patient).count(), trail.len());

    // The patient sees who accessed the record; others do not.
    let log = ehr
        .list_record_access(authed(ListRecordAccessRequest { patient_id: patient.clone(), page: None }, patient_token))
        .await
        .unwrap()
        .into_inner()
        .accesses;
    assert_eq!(log.len(), trail.len());
    assert!(log.iter().any(|a| a.actor_role == "DOCTOR" && a.break_glass));
    assert_code(
        ehr.list_record_access(authed(
            ListRecordAccessRequest { patient_id: patient.clone(), page: None },
            &c.doctor.1,
        ))
        .await,
        Code::PermissionDenied,
    );
    assert_code(
        ehr.list_record_access(authed(
            ListRecordAccessRequest { patient_id: patient.clone(), page: None },
            &other_token_of(&w).await,
        ))
        .await,
        Code::PermissionDenied,
    );

    // Admins review break-glass grants.
    let grants = ehr
        .list_break_glass_grants(authed(
            ListBreakGlassGrantsRequest { patient_id: patient.clone(), ..Default::default() },
            w.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .grants;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].reason, reason_text);
    assert_code(
        ehr.list_break_glass_grants(authed(ListBreakGlassGrantsRequest::default(), &c.doctor.1)).await,
        Code::PermissionDenied,
    );
    assert!(w.verify().await.intact);
}

async fn other_token_of(w: &World) -> String {
    w.patient("pat.nosy").await.1
}

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

async fn a_modified_audit_entry_is_detected(w: World) {
    let c = care(&w, "tamper").await;
    let mut ehr = w.ehr().await;
    for _ in 0..3 {
        ehr.get_medical_record(authed(get_record(&c.patient.0), &c.doctor.1)).await.unwrap();
    }
    let before = w.verify().await;
    assert!(before.intact, "{before:?}");
    // The care the link started, the link, three reads.
    assert_eq!(before.checked, 5);

    // Someone with store access rewrites who read the record in entry 3.
    let raw = w.raw_store().await;
    let key = format!("{:020}", 3);
    let stored = raw.get("ehr_audit", &key).await.unwrap().unwrap();
    let mut body = stored.body.clone();
    body["actor_id"] = json!("someone-else");
    raw.replace("ehr_audit", &key, &body, stored.version).await.unwrap();

    let after = w.verify().await;
    assert!(!after.intact);
    assert_eq!(after.first_broken_sequence, 3);
    assert!(after.problem.contains("hash"), "{}", after.problem);

    // Removing an entry is found too.
    body["actor_id"] = stored.body["actor_id"].clone();
    let restored = raw.get("ehr_audit", &key).await.unwrap().unwrap();
    raw.replace("ehr_audit", &key, &body, restored.version).await.unwrap();
    assert!(w.verify().await.intact, "restoring the entry restores the chain");
    raw.delete("ehr_audit", &format!("{:020}", 2)).await.unwrap();
    let gap = w.verify().await;
    assert_eq!((gap.intact, gap.first_broken_sequence), (false, 3));

    // Only admins verify or read the trail.
    assert_code(ehr.verify_audit_chain(authed(VerifyAuditChainRequest {}, &c.doctor.1)).await, Code::PermissionDenied);
    assert_code(
        ehr.list_audit_events(authed(ListAuditEventsRequest::default(), &c.patient.1)).await,
        Code::PermissionDenied,
    );
}

async fn internal_rpcs_are_idempotent_on_their_source(w: World) {
    let (patient, patient_token) = w.patient("pat.idem").await;
    let (doctor, doctor_token) = w.staff("doc.idem", Role::Doctor).await;
    let first = w.link(&patient, &doctor, "appt-1", AppointmentStage::Confirmed, now()).await.unwrap();
    let again = w.link(&patient, &doctor, "appt-1", AppointmentStage::Confirmed, now()).await.unwrap();
    assert_eq!(first.encounter_id, again.encounter_id);
    assert_eq!(first.status(), EncounterStatus::Planned);
    let started = w.link(&patient, &doctor, "appt-1", AppointmentStage::Completed, now()).await.unwrap();
    assert_eq!(
        (started.encounter_id.as_str(), started.status()),
        (first.encounter_id.as_str(), EncounterStatus::InProgress)
    );
    let replayed = w.link(&patient, &doctor, "appt-1", AppointmentStage::Confirmed, now()).await.unwrap();
    assert_eq!(replayed.status(), EncounterStatus::InProgress, "a late replay does not move it back");
    let cancelled = w.link(&patient, &doctor, "appt-1", AppointmentStage::Cancelled, now()).await.unwrap();
    assert_eq!(cancelled.status(), EncounterStatus::InProgress, "a started encounter is the doctor's to close");
    let nothing = w.link(&patient, &doctor, "appt-never-confirmed", AppointmentStage::Cancelled, now()).await.unwrap();
    assert!(nothing.encounter_id.is_empty(), "a cancellation creates nothing: {nothing:?}");

    // Concurrent deliveries of one link make one encounter.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let request = LinkAppointmentRequest {
            patient_id: patient.clone(),
            appointment_id: "appt-2".into(),
            doctor_id: doctor.clone(),
            appointment_time: Some(now()),
            stage: AppointmentStage::Confirmed.into(),
        };
        let (mut client, token) = (w.internal().await, w.service_token());
        tasks.push(tokio::spawn(async move { client.link_appointment(authed(request, &token)).await }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().into_inner().encounter_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let list = w
        .ehr()
        .await
        .list_encounters(authed(ListEncountersRequest { patient_id: patient.clone(), page: None }, &patient_token))
        .await
        .unwrap()
        .into_inner()
        .encounters;
    assert_eq!(list.len(), 2);

    let mut internal = w.internal().await;
    let rx = AddPrescriptionReferenceRequest {
        patient_id: patient.clone(),
        prescription_id: "rx-1".into(),
        encounter_id: first.encounter_id.clone(),
        issue_time: Some(now()),
        medications_summary: "Paracetamol 500 mg".into(),
    };
    let created =
        internal.add_prescription_reference(authed(rx.clone(), &w.service_token())).await.unwrap().into_inner();
    let replay =
        internal.add_prescription_reference(authed(rx.clone(), &w.service_token())).await.unwrap().into_inner();
    assert!(created.created && !replay.created);
    assert_eq!(created.reference, replay.reference);
    let lab = AddLabResultReferenceRequest {
        patient_id: patient.clone(),
        lab_order_item_id: "item-1".into(),
        encounter_id: first.encounter_id.clone(),
        test_name: "Complete blood count".into(),
        result_time: Some(now()),
        summary_status: "Normal".into(),
    };
    assert!(
        internal.add_lab_result_reference(authed(lab.clone(), &w.service_token())).await.unwrap().into_inner().created
    );
    assert!(
        !internal.add_lab_result_reference(authed(lab.clone(), &w.service_token())).await.unwrap().into_inner().created
    );
    let elsewhere = AddLabResultReferenceRequest {
        patient_id: "another-patient".into(),
        encounter_id: String::new(),
        ..lab.clone()
    };
    let conflict = assert_code(
        internal.add_lab_result_reference(authed(elsewhere, &w.service_token())).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&conflict), "REFERENCE_CONFLICT");
    let foreign = AddPrescriptionReferenceRequest {
        prescription_id: "rx-2".into(),
        encounter_id: "not-an-encounter".into(),
        ..rx
    };
    let bad = assert_code(
        internal.add_prescription_reference(authed(foreign, &w.service_token())).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&bad), ["encounter_id"]);

    let encounter = w
        .ehr()
        .await
        .get_encounter(authed(get_encounter(&patient, &first.encounter_id), &doctor_token))
        .await
        .unwrap()
        .into_inner()
        .encounter
        .unwrap();
    assert_eq!(encounter.prescription_references.len(), 1);
    assert_eq!(encounter.lab_result_references.len(), 1);
    assert_eq!(encounter.lab_result_references[0].summary_status, "Normal");
    let record =
        w.ehr().await.get_medical_record(authed(get_record(&patient), &patient_token)).await.unwrap().into_inner();
    assert_eq!((record.prescription_references.len(), record.lab_result_references.len()), (1, 1));

    // Internal RPCs take service tokens only.
    let link = LinkAppointmentRequest {
        patient_id: patient.clone(),
        appointment_id: "appt-3".into(),
        doctor_id: doctor.clone(),
        appointment_time: Some(now()),
        stage: AppointmentStage::Confirmed.into(),
    };
    assert_code(internal.link_appointment(authed(link.clone(), &doctor_token)).await, Code::PermissionDenied);
    assert_code(internal.link_appointment(link).await, Code::Unauthenticated);
}

async fn invalid_clinical_data_is_refused_with_field_violations(w: World) {
    let c = care(&w, "invalid").await;
    let (patient, doctor) = (&c.patient.0, &c.doctor.1);
    let mut ehr = w.ehr().await;
    for code in ["", "51R", "R5", "R51.12345", "R51-1"] {
        let bad = assert_code(
            ehr.add_diagnosis(authed(
                AddDiagnosisRequest {
                    patient_id: patient.clone(),
                    encounter_id: c.encounter.clone(),
                    diagnosis: Some(diagnosis(code, false)),
                },
                doctor,
            ))
            .await,
            Code::InvalidArgument,
        );
        assert_eq!(violated_fields(&bad), ["diagnosis.icd10_code"], "{code}");
    }
    let wild = AddVitalSignsRequest {
        patient_id: patient.clone(),
        encounter_id: c.encounter.clone(),
        vital_signs: Some(VitalSigns {
            heart_rate: Some(400),
            temperature_celsius: Some(73.0),
            spo2_percent: Some(120),
            ..Default::default()
        }),
    };
    let bad = assert_code(ehr.add_vital_signs(authed(wild, doctor)).await, Code::InvalidArgument);
    assert_eq!(
        violated_fields(&bad),
        ["vital_signs.heart_rate", "vital_signs.spo2_percent", "vital_signs.temperature_celsius"]
    );
    let empty =
        AddVitalSignsRequest { vital_signs: Some(VitalSigns::default()), ..vitals_request(patient, &c.encounter, 70) };
    assert_eq!(
        violated_fields(&assert_code(ehr.add_vital_signs(authed(empty, doctor)).await, Code::InvalidArgument)),
        ["vital_signs"]
    );

    let record =
        ehr.get_medical_record(authed(get_record(patient), doctor)).await.unwrap().into_inner().record.unwrap();
    let fields = RecordFields {
        blood_type: "C+".into(),
        allergies: vec![Allergy { substance: "Penicillin".into(), reaction: "rash".into(), criticality: 0 }],
        chronic_conditions: vec![ChronicCondition { description: "Hypertension".into(), icd10_code: "I10x".into() }],
        immunizations: vec![Immunization { vaccine: "BCG".into(), date: None, dose_number: 1 }],
        ..Default::default()
    };
    let bad = assert_code(
        ehr.update_medical_record(authed(
            UpdateMedicalRecordRequest { patient_id: patient.clone(), fields: Some(fields), version: record.version },
            doctor,
        ))
        .await,
        Code::InvalidArgument,
    );
    assert_eq!(
        violated_fields(&bad),
        [
            "fields.blood_type",
            "fields.allergies[0].criticality",
            "fields.chronic_conditions[0].icd10_code",
            "fields.immunizations[0].date"
        ]
    );

    // A finished encounter is closed to clinical changes; illegal moves are refused.
    let status = |to: EncounterStatus, version| UpdateEncounterStatusRequest {
        patient_id: patient.clone(),
        encounter_id: c.encounter.clone(),
        status: to.into(),
        version,
    };
    let refused = assert_code(
        ehr.update_encounter_status(authed(status(EncounterStatus::Finished, 1), doctor)).await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&refused), "INVALID_TRANSITION");
    let started = ehr.update_encounter_status(authed(status(EncounterStatus::InProgress, 1), doctor)).await.unwrap();
    let version = started.into_inner().encounter.unwrap().version;
    ehr.update_encounter_status(authed(status(EncounterStatus::Finished, version), doctor)).await.unwrap();
    let closed = assert_code(
        ehr.add_diagnosis(authed(
            AddDiagnosisRequest {
                patient_id: patient.clone(),
                encounter_id: c.encounter.clone(),
                diagnosis: Some(diagnosis("R51", true)),
            },
            doctor,
        ))
        .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&closed), "ENCOUNTER_CLOSED");
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
    the_access_matrix_holds_and_every_access_is_audited,
    concurrent_encounter_updates_one_wins_the_other_is_aborted,
    a_modified_audit_entry_is_detected,
    internal_rpcs_are_idempotent_on_their_source,
    invalid_clinical_data_is_refused_with_field_violations,
    encounters_page_newest_first_and_notes_are_sealed_at_rest,
);
