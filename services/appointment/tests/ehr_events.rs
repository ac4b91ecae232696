//! The EHR events each appointment step writes to the outbox, on SQLite and
//! on MariaDB: every step of a confirmed appointment (confirmation, check-in,
//! completion, cancellation, no-show) reaches the EHR, which ends the care
//! relationship on a cancellation or a no-show; a pending appointment sends
//! nothing. The EHR URL points nowhere, so the events stay in the outbox to
//! be read.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use sqlx::Row;

/// The stages of the EHR events written for each appointment, in order.
async fn ehr_stages(h: &Harness, appointment: &str) -> Vec<String> {
    let pool = h.sql().await;
    let rows =
        sqlx::query("SELECT payload FROM hms_outbox WHERE topic = 'ehr.link_appointment' ORDER BY created_at, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    rows.iter()
        .map(|row| serde_json::from_slice::<serde_json::Value>(&row.try_get::<Vec<u8>, _>("payload").unwrap()).unwrap())
        .filter(|event| event["appointment_id"] == appointment)
        .map(|event| event["stage"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_step_of_a_confirmed_appointment_reaches_the_ehr(kind: Relational) {
    let nowhere = |c: &mut hms_appointment::AppointmentConfig| c.ehr_url = Some("http://127.0.0.1:9".into());
    let Some(h) = Harness::start_with(kind, nowhere).await else { return };
    let mut api = h.appointments().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    let (an, an_token) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let (_, nurse) = h.staff("nurse.hoa", Role::Nurse).await;
    let pool = h.sql().await;
    let date = clinic_date(3);

    let book = |hour| h.book(&mai, &checkup.id, &an, at(date, hour, 0));
    let confirm = |id: &str| ConfirmAppointmentRequest { appointment_id: id.into() };
    let check_in = |id: &str| CheckInAppointmentRequest { appointment_id: id.into() };
    let no_show = |id: &str| MarkNoShowRequest { appointment_id: id.into() };
    // Time passes: the appointment started a while ago (a no-show needs that).
    let started = |id: String| {
        let pool = pool.clone();
        async move {
            sqlx::query("UPDATE appointments SET start_at = start_at - 864000, end_at = end_at - 864000 WHERE id = ?")
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
        }
    };

    let visit = book(9).await.unwrap();
    api.confirm_appointment(authed(confirm(&visit.id), &an_token)).await.unwrap();
    api.check_in_appointment(authed(check_in(&visit.id), &nurse)).await.unwrap();
    let complete = CompleteAppointmentRequest { appointment_id: visit.id.clone(), doctor_notes: String::new() };
    api.complete_appointment(authed(complete, &an_token)).await.unwrap();
    assert_eq!(ehr_stages(&h, &visit.id).await, ["Confirmed", "CheckedIn", "Completed"]);

    let missed = book(10).await.unwrap();
    api.confirm_appointment(authed(confirm(&missed.id), &an_token)).await.unwrap();
    started(missed.id.clone()).await;
    api.mark_no_show(authed(no_show(&missed.id), &nurse)).await.unwrap();
    assert_eq!(ehr_stages(&h, &missed.id).await, ["Confirmed", "NoShow"]);

    let left = book(11).await.unwrap();
    api.confirm_appointment(authed(confirm(&left.id), &an_token)).await.unwrap();
    api.check_in_appointment(authed(check_in(&left.id), &nurse)).await.unwrap();
    started(left.id.clone()).await;
    api.mark_no_show(authed(no_show(&left.id), &nurse)).await.unwrap();
    assert_eq!(ehr_stages(&h, &left.id).await, ["Confirmed", "CheckedIn", "NoShow"]);

    let cancelled = book(12).await.unwrap();
    api.confirm_appointment(authed(confirm(&cancelled.id), &an_token)).await.unwrap();
    h.cancel(&mai, &cancelled.id, "feeling better").await.unwrap();
    assert_eq!(ehr_stages(&h, &cancelled.id).await, ["Confirmed", "Cancelled"]);

    // Never confirmed: the EHR never heard of it, and hears nothing now.
    let pending = book(13).await.unwrap();
    h.cancel(&mai, &pending.id, "feeling better").await.unwrap();
    assert!(ehr_stages(&h, &pending.id).await.is_empty());
}

on_every_backend!(every_step_of_a_confirmed_appointment_reaches_the_ehr);
