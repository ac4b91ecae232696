//! Field checks of clinical data (diagnoses, vital signs, record fields) and
//! closed encounters, on SQLite and on the MongoDB-wire server.

mod common;

use common::*;
use hms_kit::proto::ehr::*;
use tonic::Code;

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
        ..Default::default()
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

on_every_store!(invalid_clinical_data_is_refused_with_field_violations,);
