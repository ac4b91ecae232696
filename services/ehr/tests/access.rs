//! Who may read and write a patient's record, through the gRPC API on SQLite
//! and on the MongoDB-wire server: the access matrix, every access audited.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::*;
use tonic::Code;

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

on_every_store!(the_access_matrix_holds_and_every_access_is_audited,);
