//! Accounts through the gRPC API, on every relational backend: registration,
//! login and the caller's own account, input checks, sealed patient fields,
//! concurrent registrations.

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::google::r#type::Date;
use hms_kit::proto::user::*;
use sqlx::Row;
use tonic::Code;

async fn register_login_and_me(h: Harness) {
    let mut users = h.users().await;
    let registered = users
        .register(RegisterRequest {
            username: "an.nguyen".into(),
            password: PASSWORD.into(),
            email: "An.Nguyen@Example.com".into(),
            phone_number: "+84901234567".into(),
            first_name: "An".into(),
            last_name: "Nguyen".into(),
            preferred_language: "en".into(),
            patient_profile: Some(PatientProfile {
                date_of_birth: Some(Date { year: 1990, month: 5, day: 17 }),
                blood_type: "O+".into(),
                national_id: "079190001234".into(),
                insurance_number: "HS4790123456789".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!(registered.role(), Role::Patient, "self-registration creates patients only");
    assert!(registered.is_active && !registered.is_staff);
    assert!(registered.date_joined.is_some());

    // Email logins are case-insensitive.
    let login = h.login("an.nguyen@example.com", PASSWORD).await.unwrap();
    let tokens = login.tokens.unwrap();
    assert!(!tokens.access_token.is_empty() && !tokens.refresh_token.is_empty());

    let me = users.get_me(authed(GetMeRequest {}, &tokens.access_token)).await.unwrap().into_inner().user.unwrap();
    assert_eq!(me, registered);
    match me.profile.and_then(|p| p.kind) {
        Some(profile::Kind::Patient(p)) => assert_eq!(p.national_id, "079190001234"),
        other => panic!("expected the patient profile, got {other:?}"),
    }

    let updated = users
        .update_me(authed(
            UpdateMeRequest { first_name: "Bình".into(), preferred_language: "vi".into(), ..Default::default() },
            &tokens.access_token,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!((updated.first_name.as_str(), updated.last_name.as_str()), ("Bình", "Nguyen"));
    assert_eq!(updated.preferred_language, "vi");
}

async fn bad_input_names_every_field(h: Harness) {
    let mut users = h.users().await;
    let status = assert_code(
        users
            .register(RegisterRequest {
                username: "x".into(),
                password: "short".into(),
                email: "not-an-email".into(),
                phone_number: "0901".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["username", "email", "password", "phone_number"]);

    let status = assert_code(
        users
            .register(RegisterRequest {
                username: "same.as.password".into(),
                password: "same.as.password".into(),
                email: "s@example.com".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["password"]);

    h.register("taken").await;
    let duplicate = |username: &str, email: &str| RegisterRequest {
        username: username.into(),
        password: PASSWORD.into(),
        email: email.into(),
        ..Default::default()
    };
    let status = assert_code(users.register(duplicate("TAKEN", "other@example.com")).await, Code::AlreadyExists);
    assert_eq!(violated_fields(&status), ["username"]);
    let status = assert_code(users.register(duplicate("other", "Taken@Example.com")).await, Code::AlreadyExists);
    assert_eq!(violated_fields(&status), ["email"]);
}

async fn patient_fields_are_encrypted_at_rest(h: Harness) {
    let mut users = h.users().await;
    users
        .register(RegisterRequest {
            username: "oanh".into(),
            password: PASSWORD.into(),
            email: "oanh@example.com".into(),
            patient_profile: Some(PatientProfile {
                national_id: "NATIONAL-ID-987654".into(),
                address: "12 Nguyen Hue, District 1".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let sql = h.sql().await;
    let row = sqlx::query("SELECT profile_body, profile_key_id FROM users WHERE username = 'oanh'")
        .fetch_one(&sql)
        .await
        .unwrap();
    let body: Vec<u8> = row.try_get(0).unwrap();
    let key_id: String = row.try_get(1).unwrap();
    assert_eq!(key_id, "k1");
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains("NATIONAL-ID") && !text.contains("Nguyen Hue"), "plaintext at rest");
}

async fn concurrent_registrations_of_one_username_create_one_account(h: Harness) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let mut users = h.users().await;
        tasks.push(tokio::spawn(async move {
            users
                .register(RegisterRequest {
                    username: "race".into(),
                    password: PASSWORD.into(),
                    email: format!("race{i}@example.com"),
                    ..Default::default()
                })
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(status) => assert_eq!(status.code(), Code::AlreadyExists, "{status:?}"),
        }
    }
    assert_eq!(created, 1);
}

on_every_backend!(
    register_login_and_me,
    bad_input_names_every_field,
    patient_fields_are_encrypted_at_rest,
    concurrent_registrations_of_one_username_create_one_account,
);
