//! `GetAppointmentStats`, the dashboard's internal call: counts by status and
//! utilisation of a day and its week, for service tokens only.

mod common;

use common::*;
use hms_kit::auth::ServiceTokens;
use hms_kit::proto::appointment::internal_appointment_service_client::InternalAppointmentServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use secrecy::SecretString;
use tonic::Code;

async fn stats_count_a_day_and_its_week(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let checkup = h.service("GEN-CHECKUP", 30, &["General"]).await;
    let (an, _) = h.staff("dr.an", Role::Doctor).await;
    h.every_day(&an, "General", "Room 101").await;
    let (_, mai) = h.patient("mai").await;
    let (_, lan) = h.patient("lan").await;
    let date = clinic_date(3);
    h.book(&mai, &checkup.id, &an, at(date, 9, 0)).await.unwrap();
    let cancelled = h.book(&lan, &checkup.id, &an, at(date, 10, 0)).await.unwrap();
    h.cancel(&lan, &cancelled.id, "cannot come").await.unwrap();
    // Another day of the same week, or of the next: not in the day.
    let next_week = date.checked_add(jiff::Span::new().days(7)).unwrap();
    h.book(&mai, &checkup.id, &an, at(next_week, 9, 0)).await.unwrap();

    let mut stats = InternalAppointmentServiceClient::new(h.channel().await);
    let token = ServiceTokens::new("admin", &SecretString::from(SECRET)).token().unwrap();
    let request = GetAppointmentStatsRequest { date: Some(day(date)) };
    let got = stats.get_appointment_stats(authed(request, &token)).await.unwrap().into_inner().stats.unwrap();
    assert_eq!(got.time_zone, "Asia/Ho_Chi_Minh");
    let today = got.today.unwrap();
    let count = |p: &AppointmentPeriodStats, s: AppointmentStatus| {
        p.counts.iter().find(|c| c.status() == s).map(|c| c.count).unwrap()
    };
    assert_eq!(today.counts.len(), 7, "every status");
    assert_eq!(count(&today, AppointmentStatus::Pending), 1);
    assert_eq!(count(&today, AppointmentStatus::CancelledPatient), 1);
    assert_eq!((today.booked_minutes, today.available_minutes), (30, 9 * 60));
    assert_eq!(today.utilisation_bp, 555);
    assert_eq!(today.start_date, Some(day(date)));
    let week = got.week.unwrap();
    assert_eq!(week.available_minutes, 7 * 9 * 60);
    assert_eq!(week.booked_minutes, 30, "next week's booking is not this week's");
    assert_eq!(week.start_date.unwrap().day, {
        let monday = date.checked_sub(jiff::Span::new().days(date.weekday().to_monday_zero_offset())).unwrap();
        i32::from(monday.day())
    });

    // Bad input names its field; people cannot call it, not even admins.
    let missing = stats.get_appointment_stats(authed(GetAppointmentStatsRequest { date: None }, &token)).await;
    assert_eq!(violated_fields(&assert_code(missing, Code::InvalidArgument)), ["date"]);
    assert_code(stats.get_appointment_stats(authed(request, h.admin())).await, Code::PermissionDenied);
}

on_every_backend!(stats_count_a_day_and_its_week);
