//! The internal RPCs (appointment links, prescription and lab result
//! references) on SQLite and on the MongoDB-wire server: idempotent on their
//! source, for services only.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::*;
use tonic::Code;

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

on_every_store!(internal_rpcs_are_idempotent_on_their_source,);
