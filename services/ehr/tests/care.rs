//! Care relationships through `LinkAppointment`, on SQLite and on the
//! MongoDB-wire server: each appointment stage, the doctor's access to the
//! record (read and write) after it, the encounter it moves, the audit entry
//! of each start and end, and late or repeated events.

mod common;

use std::collections::BTreeMap;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::ehr::*;
use hms_kit::testing::TestServer;
use serde_json::json;
use tonic::Code;

use AppointmentStage::{Cancelled, CheckedIn, Completed, Confirmed, NoShow};

/// A patient and a doctor with no relationship yet.
struct Pair {
    patient: String,
    patient_token: String,
    doctor: String,
    doctor_token: String,
}

async fn pair(w: &World, tag: &str) -> Pair {
    let (patient, patient_token) = w.patient(&format!("pat.{tag}")).await;
    let (doctor, doctor_token) = w.staff(&format!("doc.{tag}"), Role::Doctor).await;
    Pair { patient, patient_token, doctor, doctor_token }
}

impl Pair {
    async fn link(&self, w: &World, appointment: &str, stage: AppointmentStage) -> LinkAppointmentResponse {
        w.link(&self.patient, &self.doctor, appointment, stage, days_from_now(1)).await.unwrap()
    }

    /// The doctor reading the record and writing it: `Code::Ok` or the
    /// refusal of each (a refusal is PERMISSION_DENIED, NO_CARE_RELATIONSHIP).
    async fn access(&self, w: &World) -> (Code, Code) {
        access(w, &self.patient, &self.patient_token, &self.doctor_token).await
    }

    /// The patient's encounters as (appointment, status), oldest first.
    async fn encounters(&self, w: &World) -> Vec<(String, EncounterStatus)> {
        let request = ListEncountersRequest { patient_id: self.patient.clone(), page: None };
        let list = w.ehr().await.list_encounters(authed(request, &self.patient_token)).await.unwrap();
        let mut out: Vec<_> =
            list.into_inner().encounters.into_iter().map(|e| (e.appointment_id.clone(), e.status())).collect();
        out.sort();
        out
    }

    /// The care entries of the audit trail as (action, resource), oldest first.
    async fn care_trail(&self, w: &World) -> Vec<(String, String)> {
        let mut trail: Vec<_> = w
            .audit(&self.patient)
            .await
            .into_iter()
            .filter(|e| e.action.starts_with("Care"))
            .inspect(|e| assert_eq!((e.actor_role.as_str(), e.actor_id.as_str()), ("SERVICE", "appointment")))
            .map(|e| (e.action, e.resource))
            .collect();
        trail.reverse();
        trail
    }
}

fn entry(action: &str, doctor: &str, appointment: &str) -> (String, String) {
    (action.to_owned(), format!("care/{doctor}/appointment/{appointment}"))
}

/// Confirm → access; cancel → none for read and write, the planned
/// encounter cancelled; a late confirmation or a repeated cancellation
/// changes nothing.
async fn cancelling_ends_the_care_the_appointment_gave(w: World) {
    let p = pair(&w, "cancel").await;
    let (_, stranger) = w.staff("doc.cancel.stranger", Role::Doctor).await;
    // Before any appointment: no access.
    let before = w
        .ehr()
        .await
        .get_medical_record(authed(GetMedicalRecordRequest { patient_id: p.patient.clone() }, &p.doctor_token))
        .await;
    assert_eq!(reason(&assert_code(before, Code::PermissionDenied)), "NO_CARE_RELATIONSHIP");
    p.link(&w, "appt-c", Confirmed).await;
    assert_eq!(access(&w, &p.patient, &p.patient_token, &stranger).await, DENIED);
    assert_eq!(p.access(&w).await, ALLOWED);
    assert_eq!(p.encounters(&w).await, [("appt-c".into(), EncounterStatus::Planned)]);

    let cancelled = p.link(&w, "appt-c", Cancelled).await;
    assert_eq!(cancelled.status(), EncounterStatus::Cancelled);
    assert_eq!(p.access(&w).await, DENIED);
    assert_eq!(p.encounters(&w).await, [("appt-c".into(), EncounterStatus::Cancelled)]);

    // Redelivered and late events: still nothing.
    p.link(&w, "appt-c", Cancelled).await;
    let late = p.link(&w, "appt-c", Confirmed).await;
    assert_eq!(late.status(), EncounterStatus::Cancelled);
    p.link(&w, "appt-c", CheckedIn).await;
    assert_eq!(p.access(&w).await, DENIED);
    assert_eq!(p.encounters(&w).await, [("appt-c".into(), EncounterStatus::Cancelled)]);
    assert_eq!(
        p.care_trail(&w).await,
        [entry("CareStarted", &p.doctor, "appt-c"), entry("CareEnded", &p.doctor, "appt-c")]
    );
    assert!(w.verify().await.intact);
}

/// Check-in starts the encounter; a no-show then ends the care but leaves
/// the started encounter alone. A no-show of a confirmed appointment cancels
/// its planned encounter.
async fn a_no_show_ends_care_and_leaves_a_started_encounter(w: World) {
    let p = pair(&w, "noshow").await;
    p.link(&w, "appt-n1", Confirmed).await;
    let started = p.link(&w, "appt-n1", CheckedIn).await;
    assert_eq!(started.status(), EncounterStatus::InProgress);
    assert_eq!(p.access(&w).await, ALLOWED);

    let absent = p.link(&w, "appt-n1", NoShow).await;
    assert_eq!(absent.status(), EncounterStatus::InProgress, "a started encounter is the doctor's to close");
    assert_eq!(p.access(&w).await, DENIED);

    p.link(&w, "appt-n2", Confirmed).await;
    assert_eq!(p.access(&w).await, ALLOWED);
    assert_eq!(p.link(&w, "appt-n2", NoShow).await.status(), EncounterStatus::Cancelled);
    assert_eq!(p.access(&w).await, DENIED);
    assert_eq!(
        p.encounters(&w).await,
        [("appt-n1".into(), EncounterStatus::InProgress), ("appt-n2".into(), EncounterStatus::Cancelled)]
    );
    assert_eq!(
        p.care_trail(&w).await,
        [
            entry("CareStarted", &p.doctor, "appt-n1"),
            entry("CareEnded", &p.doctor, "appt-n1"),
            entry("CareStarted", &p.doctor, "appt-n2"),
            entry("CareEnded", &p.doctor, "appt-n2"),
        ]
    );
}

/// A completed visit keeps the care for the configured period (365 days by
/// default), then it lapses; with a period of 0 days it ends at completion.
async fn a_completed_visit_keeps_care_for_the_retention_period(w: World) {
    let p = pair(&w, "done").await;
    p.link(&w, "appt-d", Confirmed).await;
    p.link(&w, "appt-d", CheckedIn).await;
    let done = p.link(&w, "appt-d", Completed).await;
    assert_eq!(done.status(), EncounterStatus::InProgress);
    assert_eq!(p.access(&w).await, ALLOWED);
    // A late check-in or cancellation after the completion changes nothing.
    p.link(&w, "appt-d", CheckedIn).await;
    p.link(&w, "appt-d", Cancelled).await;
    assert_eq!(p.access(&w).await, ALLOWED);

    // The care document says until when: completion + 365 days.
    let raw = w.raw_store().await;
    let query = hms_kit::docstore::Query {
        filters: vec![("source_id".into(), hms_kit::docstore::Filter::Eq(json!("appt-d")))],
        ..Default::default()
    };
    let found = raw.find("ehr_care", &query).await.unwrap().items;
    let [care] = found.as_slice() else { panic!("one care document: {found:?}") };
    let until = care.body["until"].as_i64().unwrap();
    let expected = hms_kit::time::now_micros() + 365 * 86_400 * 1_000_000;
    assert!((expected - until).abs() < 120 * 1_000_000, "until {until}, expected about {expected}");
    assert_eq!(care.body["stage"], "COMPLETED");

    // Time passes: the period is over, the care lapses.
    let mut body = care.body.clone();
    body["until"] = json!(hms_kit::time::now_micros() - 1);
    raw.replace("ehr_care", &care.id, &body, care.version).await.unwrap();
    assert_eq!(p.access(&w).await, DENIED);

    // An EHR configured with 0 days (same store): completion ends the care.
    let config = hms_ehr::EhrConfig { care_retention_days: 0, ..w.config.clone() };
    let built = hms_ehr::build(&config, &w.auth).await.unwrap();
    let short = TestServer::start(built.service, built.verifier).await;
    let mut internal =
        hms_kit::proto::ehr::internal_ehr_service_client::InternalEhrServiceClient::connect(short.url()).await.unwrap();
    for stage in [Confirmed, Completed] {
        let request = LinkAppointmentRequest {
            patient_id: p.patient.clone(),
            appointment_id: "appt-d0".into(),
            doctor_id: p.doctor.clone(),
            appointment_time: Some(now()),
            stage: stage.into(),
        };
        internal.link_appointment(authed(request, &w.service_token())).await.unwrap();
        let expected = if stage == Confirmed { ALLOWED } else { DENIED };
        assert_eq!(p.access(&w).await, expected, "after {stage:?}");
    }
    let trail = p.care_trail(&w).await;
    let actions: Vec<_> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["CareStarted", "CareRetained", "CareStarted", "CareRetained"]);
    assert!(trail[1].1.starts_with(&format!("care/{}/appointment/appt-d/until/", p.doctor)), "{trail:?}");
}

/// Access holds while any basis does: another live appointment, or a
/// completed visit, outlives a cancellation.
async fn another_basis_keeps_care_when_one_appointment_ends(w: World) {
    let p = pair(&w, "two").await;
    p.link(&w, "appt-a", Confirmed).await;
    p.link(&w, "appt-b", Confirmed).await;
    p.link(&w, "appt-a", Cancelled).await;
    assert_eq!(p.access(&w).await, ALLOWED, "appointment b is still confirmed");
    p.link(&w, "appt-b", CheckedIn).await;
    p.link(&w, "appt-b", Completed).await;
    p.link(&w, "appt-c", Confirmed).await;
    p.link(&w, "appt-c", NoShow).await;
    assert_eq!(p.access(&w).await, ALLOWED, "the completed visit of appointment b still holds");
    assert_eq!(
        p.encounters(&w).await,
        [
            ("appt-a".into(), EncounterStatus::Cancelled),
            ("appt-b".into(), EncounterStatus::InProgress),
            ("appt-c".into(), EncounterStatus::Cancelled),
        ]
    );
}

/// Events that arrive late, twice or at once: a cancellation that overtakes
/// the confirmation leaves nothing behind; concurrent deliveries of one
/// cancellation end the care once.
async fn late_and_repeated_events_never_bring_care_back(w: World) {
    let p = pair(&w, "late").await;
    let first = p.link(&w, "appt-x", Cancelled).await;
    assert!(first.encounter_id.is_empty(), "a cancellation creates no encounter: {first:?}");
    let late = p.link(&w, "appt-x", Confirmed).await;
    assert!(late.encounter_id.is_empty(), "{late:?}");
    w.ehr()
        .await
        .get_medical_record(authed(GetMedicalRecordRequest { patient_id: p.patient.clone() }, &p.doctor_token))
        .await
        .map(|_| ())
        .expect_err("no access from a cancelled appointment");
    assert!(p.encounters(&w).await.is_empty());

    p.link(&w, "appt-y", Confirmed).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let request = LinkAppointmentRequest {
            patient_id: p.patient.clone(),
            appointment_id: "appt-y".into(),
            doctor_id: p.doctor.clone(),
            appointment_time: Some(days_from_now(1)),
            stage: Cancelled.into(),
        };
        let (mut client, token) = (w.internal().await, w.service_token());
        tasks.push(tokio::spawn(async move { client.link_appointment(authed(request, &token)).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(p.access(&w).await, DENIED);
    assert_eq!(
        p.care_trail(&w).await,
        [entry("CareStarted", &p.doctor, "appt-y"), entry("CareEnded", &p.doctor, "appt-y")],
        "a cancellation that overtook its confirmation ended nothing"
    );
}

/// A confirmation by another doctor (the appointment moved to them) moves
/// the care with it: the first doctor's ends.
async fn a_new_doctor_takes_the_care_of_a_moved_appointment(w: World) {
    let p = pair(&w, "move").await;
    let (other, other_token) = w.staff("doc.move.other", Role::Doctor).await;
    p.link(&w, "appt-m", Confirmed).await;
    assert_eq!(p.access(&w).await, ALLOWED);
    let moved = w.link(&p.patient, &other, "appt-m", Confirmed, days_from_now(2)).await.unwrap();
    assert_eq!(moved.status(), EncounterStatus::Planned);
    assert_eq!(p.access(&w).await, DENIED);
    assert_eq!(access(&w, &p.patient, &p.patient_token, &other_token).await, ALLOWED);
    assert_eq!(
        p.care_trail(&w).await,
        [
            entry("CareStarted", &p.doctor, "appt-m"),
            entry("CareEnded", &p.doctor, "appt-m"),
            entry("CareStarted", &other, "appt-m"),
        ]
    );
}

/// A break-glass reason that is too short or too long is refused with the
/// bounds it must keep.
async fn a_bad_break_glass_reason_says_how_long_it_must_be(w: World) {
    let p = pair(&w, "glass").await;
    let mut ehr = w.ehr().await;
    let mut said = BTreeMap::new();
    for (name, text) in [("empty", String::new()), ("short", "urgent".into()), ("long", "x".repeat(1001))] {
        let request = BreakGlassRequest { patient_id: p.patient.clone(), reason: text };
        let status = assert_code(ehr.break_glass(authed(request, &p.doctor_token)).await, Code::InvalidArgument);
        let [(field, description)] = violations(&status).try_into().unwrap();
        assert_eq!(field, "reason");
        said.insert(name, description);
    }
    assert!(said["empty"].starts_with("is required") && said["empty"].contains("at least 10 characters"), "{said:?}");
    assert!(said["short"].contains("at least 10 characters"), "{said:?}");
    assert!(said["long"].contains("at most 1000 characters"), "{said:?}");
}

on_every_store!(
    cancelling_ends_the_care_the_appointment_gave,
    a_no_show_ends_care_and_leaves_a_started_encounter,
    a_completed_visit_keeps_care_for_the_retention_period,
    another_basis_keeps_care_when_one_appointment_ends,
    late_and_repeated_events_never_bring_care_back,
    a_new_doctor_takes_the_care_of_a_moved_appointment,
    a_bad_break_glass_reason_says_how_long_it_must_be,
);
