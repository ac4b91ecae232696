//! `GetUserStats`, the dashboard's internal call: patients who joined since
//! the start of the day and of the week.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::*;
use tonic::Code;

async fn stats_count_new_patients(h: Harness) {
    let before = (hms_kit::time::now_micros() / 1_000_000) - 1;
    h.register("new.one").await;
    h.register("new.two").await;
    let admin = h.admin_token().await;
    // Staff accounts are not patients.
    h.users()
        .await
        .create_user(authed(
            CreateUserRequest {
                username: "dr.new".into(),
                password: PASSWORD.into(),
                email: "dr.new@clinic.example".into(),
                role: Role::Doctor.into(),
                first_name: "Dr".into(),
                last_name: "New".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap();
    let at = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let mut internal = h.internal().await;
    let ask = |day, week| GetUserStatsRequest { day_start_time: at(day), week_start_time: at(week) };
    let later = (hms_kit::time::now_micros() / 1_000_000) + 60;
    let got = internal.get_user_stats(authed(ask(before, 0), &h.service_token())).await.unwrap().into_inner();
    assert_eq!(got.stats, Some(UserStats { new_patients_today: 2, new_patients_week: 2 }));
    let got = internal.get_user_stats(authed(ask(later, before), &h.service_token())).await.unwrap().into_inner();
    assert_eq!(got.stats, Some(UserStats { new_patients_today: 0, new_patients_week: 2 }));

    // Bad input names its fields; people cannot call it, not even admins.
    let missing = internal.get_user_stats(authed(GetUserStatsRequest::default(), &h.service_token())).await;
    assert_eq!(violated_fields(&assert_code(missing, Code::InvalidArgument)), ["day_start_time", "week_start_time"]);
    assert_code(internal.get_user_stats(authed(ask(0, 0), &admin)).await, Code::PermissionDenied);
}

on_every_backend!(stats_count_new_patients);
