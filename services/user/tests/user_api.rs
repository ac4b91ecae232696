//! The user service through its gRPC API, on every relational backend.

mod common;

use std::collections::HashSet;

use common::*;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::google::r#type::Date;
use hms_kit::proto::user::*;
use sqlx::Row;
use tonic::{Code, Request};

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

async fn wrong_password_and_missing_token_are_unauthenticated(h: Harness) {
    h.register("binh").await;
    assert_code(h.login("binh", "wrong password!").await, Code::Unauthenticated);
    assert_code(h.login("nobody", PASSWORD).await, Code::Unauthenticated);
    let mut users = h.users().await;
    assert_code(users.get_me(GetMeRequest {}).await, Code::Unauthenticated);
    assert_code(users.get_me(authed(GetMeRequest {}, "garbage.token.value")).await, Code::Unauthenticated);
}

async fn refresh_rotates_and_reuse_revokes_the_session(h: Harness) {
    h.register("chi").await;
    let tokens = h.login("chi", PASSWORD).await.unwrap().tokens.unwrap();
    let mut users = h.users().await;
    let refresh = |token: &str| RefreshTokenRequest { refresh_token: token.into() };

    let second = users.refresh_token(refresh(&tokens.refresh_token)).await.unwrap().into_inner().tokens.unwrap();
    assert_ne!(second.refresh_token, tokens.refresh_token);
    users.get_me(authed(GetMeRequest {}, &second.access_token)).await.unwrap();

    // The first token again: reuse. The whole session is revoked.
    let status = assert_code(users.refresh_token(refresh(&tokens.refresh_token)).await, Code::Unauthenticated);
    assert_eq!(reason(&status), "REFRESH_TOKEN_REUSED");
    assert_code(users.refresh_token(refresh(&second.refresh_token)).await, Code::Unauthenticated);
    assert_code(users.get_me(authed(GetMeRequest {}, &second.access_token)).await, Code::Unauthenticated);

    // Another login still works: only that session died.
    h.login("chi", PASSWORD).await.unwrap();
}

async fn concurrent_refreshes_with_one_token_succeed_at_most_once(h: Harness) {
    h.register("dung").await;
    let tokens = h.login("dung", PASSWORD).await.unwrap().tokens.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let mut users = h.users().await;
        let token = tokens.refresh_token.clone();
        tasks
            .push(tokio::spawn(async move { users.refresh_token(RefreshTokenRequest { refresh_token: token }).await }));
    }
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(status) => assert_eq!(status.code(), Code::Unauthenticated),
        }
    }
    assert!(successes <= 1, "{successes} refreshes succeeded with one token");
}

async fn logout_ends_the_session(h: Harness) {
    h.register("giang").await;
    let tokens = h.login("giang", PASSWORD).await.unwrap().tokens.unwrap();
    let mut users = h.users().await;
    users.logout(authed(LogoutRequest {}, &tokens.access_token)).await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &tokens.access_token)).await, Code::Unauthenticated);
    assert_code(
        users.refresh_token(RefreshTokenRequest { refresh_token: tokens.refresh_token }).await,
        Code::Unauthenticated,
    );
}

async fn roles_are_enforced(h: Harness) {
    h.register("hoa").await;
    let patient = h.access_token("hoa", PASSWORD).await;
    let mut users = h.users().await;
    assert_code(users.list_users(authed(ListUsersRequest::default(), &patient)).await, Code::PermissionDenied);
    assert_code(
        users.create_user(authed(CreateUserRequest { username: "evil".into(), ..Default::default() }, &patient)).await,
        Code::PermissionDenied,
    );
    // Internal RPCs: never for people, whatever their role.
    let admin = h.admin_token().await;
    let mut internal = h.internal().await;
    let me = users.get_me(authed(GetMeRequest {}, &patient)).await.unwrap().into_inner().user.unwrap();
    let contact = || GetContactInfoRequest { user_id: me.id.clone() };
    assert_code(internal.get_contact_info(authed(contact(), &admin)).await, Code::PermissionDenied);
    assert_code(internal.get_contact_info(Request::new(contact())).await, Code::Unauthenticated);
    let info = internal.get_contact_info(authed(contact(), &h.service_token())).await.unwrap().into_inner();
    assert_eq!((info.email.as_str(), info.display_name.as_str()), ("hoa@example.com", "Test hoa"));
    // A service token is not a person's token.
    assert_code(users.get_me(authed(GetMeRequest {}, &h.service_token())).await, Code::PermissionDenied);

    let verified = internal
        .verify_token(authed(VerifyTokenRequest { token: patient.clone() }, &h.service_token()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((verified.user_id.as_str(), verified.role()), (me.id.as_str(), Role::Patient));
    let names = internal
        .batch_get_display_names(authed(
            BatchGetDisplayNamesRequest { user_ids: vec![me.id.clone(), "unknown".into()] },
            &h.service_token(),
        ))
        .await
        .unwrap()
        .into_inner()
        .display_names;
    assert_eq!(names.len(), 1);
    assert_eq!(names[&me.id], "Test hoa");
}

async fn admins_manage_staff(h: Harness) {
    let admin = h.admin_token().await;
    let mut users = h.users().await;
    let doctor = users
        .create_user(authed(
            CreateUserRequest {
                username: "dr.lan".into(),
                password: PASSWORD.into(),
                email: "lan@clinic.vn".into(),
                role: Role::Doctor.into(),
                first_name: "Lan".into(),
                last_name: "Tran".into(),
                profile: Some(Profile {
                    kind: Some(profile::Kind::Doctor(DoctorProfile {
                        specialty: "Cardiology".into(),
                        license_number: "BS-12345".into(),
                        years_of_experience: 12,
                        consultation_room: "Room 204".into(),
                        ..Default::default()
                    })),
                }),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!(doctor.role(), Role::Doctor);
    assert!(doctor.is_staff);

    // A profile that does not fit the role, and SERVICE as a role, are refused.
    let status = assert_code(
        users
            .create_user(authed(
                CreateUserRequest {
                    username: "nurse.x".into(),
                    password: PASSWORD.into(),
                    email: "x@clinic.vn".into(),
                    role: Role::Nurse.into(),
                    profile: Some(Profile { kind: Some(profile::Kind::Doctor(DoctorProfile::default())) }),
                    ..Default::default()
                },
                &admin,
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["profile"]);
    assert_code(
        users
            .create_user(authed(
                CreateUserRequest {
                    username: "robot".into(),
                    password: PASSWORD.into(),
                    email: "r@clinic.vn".into(),
                    role: Role::Service.into(),
                    ..Default::default()
                },
                &admin,
            ))
            .await,
        Code::InvalidArgument,
    );

    // Deactivation refuses logins and ends sessions at once.
    let doctor_token = h.access_token("dr.lan", PASSWORD).await;
    users
        .set_user_active(authed(SetUserActiveRequest { user_id: doctor.id.clone(), active: false }, &admin))
        .await
        .unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &doctor_token)).await, Code::Unauthenticated);
    let status = assert_code(h.login("dr.lan", PASSWORD).await, Code::PermissionDenied);
    assert_eq!(reason(&status), "ACCOUNT_DISABLED");
    users
        .set_user_active(authed(SetUserActiveRequest { user_id: doctor.id.clone(), active: true }, &admin))
        .await
        .unwrap();

    let changed = users
        .change_user_role(authed(
            ChangeUserRoleRequest { user_id: doctor.id.clone(), role: Role::Nurse.into() },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!(changed.role(), Role::Nurse);
    assert!(changed.profile.is_none(), "the doctor profile does not describe a nurse");
    let fetched = users.get_user(authed(GetUserRequest { user_id: doctor.id.clone() }, &admin)).await.unwrap();
    assert_eq!(fetched.into_inner().user.unwrap().role(), Role::Nurse);
    assert_code(users.get_user(authed(GetUserRequest { user_id: "missing".into() }, &admin)).await, Code::NotFound);
}

async fn admins_list_and_search_with_paging(h: Harness) {
    for name in ["p.one", "p.two", "p.three", "p.four", "p.five"] {
        h.register(name).await;
    }
    let admin = h.admin_token().await;
    let mut users = h.users().await;
    let list = |token: String, query: &str, role: Role| ListUsersRequest {
        page: Some(PageRequest { page_size: 2, page_token: token }),
        role: role.into(),
        query: query.into(),
    };
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = users.list_users(authed(list(token, "", Role::Patient), &admin)).await.unwrap().into_inner();
        assert!(page.users.len() <= 2);
        seen.extend(page.users.into_iter().map(|u| u.username));
        token = page.page.unwrap().next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ["p.one", "p.two", "p.three", "p.four", "p.five"]);

    let found = users.list_users(authed(list(String::new(), "THR", Role::Unspecified), &admin)).await.unwrap();
    let names: Vec<_> = found.into_inner().users.into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["p.three"]);
    // LIKE wildcards in the query are literal.
    let found = users.list_users(authed(list(String::new(), "%", Role::Unspecified), &admin)).await.unwrap();
    assert!(found.into_inner().users.is_empty());

    // A token is bound to its filters; negative sizes are refused.
    let first = users.list_users(authed(list(String::new(), "", Role::Patient), &admin)).await.unwrap();
    let token = first.into_inner().page.unwrap().next_page_token;
    let status =
        assert_code(users.list_users(authed(list(token, "", Role::Doctor), &admin)).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["page.page_token"]);
    let negative =
        ListUsersRequest { page: Some(PageRequest { page_size: -1, page_token: String::new() }), ..Default::default() };
    assert_code(users.list_users(authed(negative, &admin)).await, Code::InvalidArgument);
}

async fn repeated_failures_throttle_the_account(h: Harness) {
    h.register("khanh").await;
    for _ in 0..3 {
        assert_code(h.login("khanh", "wrong password!").await, Code::Unauthenticated);
    }
    // Even the right password is refused while throttled.
    let status = assert_code(h.login("khanh", PASSWORD).await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
    // A client cannot pick its own address to escape the per-address count.
    let mut spoofed = Request::new(LoginRequest { username: "khanh".into(), password: PASSWORD.into() });
    spoofed.metadata_mut().insert("x-forwarded-for", "198.51.100.9".parse().unwrap());
    assert_code(h.users().await.login(spoofed).await, Code::ResourceExhausted);
    let events = h
        .users()
        .await
        .list_auth_events(authed(
            ListAuthEventsRequest { kind: AuthEventKind::LoginFailed.into(), ..Default::default() },
            &h.admin_token().await,
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(events.iter().all(|e| e.client_address == "127.0.0.1"), "{events:?}");
    // Another account from the same address is unaffected.
    h.register("linh").await;
    h.login("linh", PASSWORD).await.unwrap();
}

async fn repeated_failures_throttle_the_address(h: Harness) {
    // Restart the same store with a low per-address limit.
    let Harness { server, db, mut config, auth, .. } = h;
    server.shutdown().await.unwrap();
    config.max_failures_per_address = 4;
    config.max_failures_per_account = 100;
    let h = Harness::start_with(db, config, auth).await;
    h.register("victim").await;
    // Logins with the right password are no failures.
    for _ in 0..6 {
        h.login("victim", PASSWORD).await.unwrap();
    }
    // Guessing across many accounts from one address...
    for i in 0..4 {
        assert_code(h.login(&format!("guess{i}"), "wrong password!").await, Code::Unauthenticated);
    }
    // ...locks that address out, even for a correct password.
    let status = assert_code(h.login("victim", PASSWORD).await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
}

/// Wrong passwords sent at once are counted as they arrive: no more than the
/// limit are ever checked, the rest are refused unchecked.
async fn concurrent_failures_evaluate_at_most_the_limit(h: Harness) {
    let Harness { server, db, mut config, auth, .. } = h;
    server.shutdown().await.unwrap();
    config.max_failures_per_account = 5;
    let h = std::sync::Arc::new(Harness::start_with(db, config, auth).await);
    h.register("quoc").await;
    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.login("quoc", "wrong password!").await })
        })
        .collect();
    let (mut refused, mut throttled) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Err(status) if status.code() == Code::Unauthenticated => refused += 1,
            Err(status) if status.code() == Code::ResourceExhausted => throttled += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(refused + throttled, 16);
    assert_eq!(refused, 5, "{refused} wrong passwords were checked; the limit is 5");
    let admin = h.admin_token().await;
    let events = |kind: AuthEventKind| {
        let h = h.clone();
        let admin = admin.clone();
        async move {
            h.users()
                .await
                .list_auth_events(authed(ListAuthEventsRequest { kind: kind.into(), ..Default::default() }, &admin))
                .await
                .unwrap()
                .into_inner()
                .events
                .len()
        }
    };
    assert_eq!(events(AuthEventKind::LoginFailed).await, refused);
    assert_eq!(events(AuthEventKind::LoginThrottled).await, throttled);
    // And the account stays locked, even for the right password.
    assert_code(h.login("quoc", PASSWORD).await, Code::ResourceExhausted);
}

/// An account has one count of failures, whether it is named by username or
/// by email.
async fn failures_by_username_and_email_share_one_count(h: Harness) {
    let limit = h.config.max_failures_per_account;
    h.register("thao").await;
    for _ in 0..limit {
        assert_code(h.login("thao", "wrong password!").await, Code::Unauthenticated);
    }
    let status = assert_code(h.login("Thao@Example.com", "wrong password!").await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
    assert_code(h.login("thao@example.com", PASSWORD).await, Code::ResourceExhausted);
    // Names of no account are counted too, each on its own, and answer alike.
    for _ in 0..limit {
        assert_code(h.login("nobody.here", "wrong password!").await, Code::Unauthenticated);
    }
    assert_code(h.login("nobody.here", "wrong password!").await, Code::ResourceExhausted);
    assert_code(h.login("nobody.else", "wrong password!").await, Code::Unauthenticated);
}

async fn password_reset_is_single_use_and_silent_about_unknown_emails(h: Harness) {
    h.register("minh").await;
    let mut users = h.users().await;
    users.request_password_reset(RequestPasswordResetRequest { email: "nobody@example.com".into() }).await.unwrap();
    users.request_password_reset(RequestPasswordResetRequest { email: "MINH@example.com".into() }).await.unwrap();

    // The token travels only in the outbox event for the notification
    // service, sealed with the service's key: the table never shows it.
    let sql = h.sql().await;
    let rows = sqlx::query("SELECT payload FROM hms_outbox WHERE topic = 'PASSWORD_RESET_REQUESTED'")
        .fetch_all(&sql)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the known email gets a reset");
    let payload: Vec<u8> = rows[0].try_get(0).unwrap();
    let text = String::from_utf8(payload.clone()).unwrap();
    assert!(!text.contains("token="), "the reset link is readable in the outbox: {text}");
    let event: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert!(event["data"].get("reset_link").is_none(), "{event}");
    let sealed: hms_kit::crypto::SealedText = serde_json::from_value(event["sealed"]["reset_link"].clone()).unwrap();
    let link = h.sealer().open_text(&sealed, event["recipient_id"].as_str().unwrap()).unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE token_hash = ?")
        .bind(&token)
        .fetch_one(&sql)
        .await
        .unwrap();
    assert_eq!(stored, 0, "the raw token is never stored");

    let old_session = h.access_token("minh", PASSWORD).await;
    let confirm = |password: &str| ConfirmPasswordResetRequest { token: token.clone(), new_password: password.into() };
    let status = assert_code(users.confirm_password_reset(confirm("minh")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["new_password"]);
    users.confirm_password_reset(confirm("a brand new secret")).await.unwrap();
    assert_code(h.login("minh", PASSWORD).await, Code::Unauthenticated);
    h.login("minh", "a brand new secret").await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &old_session)).await, Code::Unauthenticated);
    let status = assert_code(users.confirm_password_reset(confirm("yet another secret")).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["token"]);
}

async fn password_change_keeps_this_session_only(h: Harness) {
    h.register("nam").await;
    let other = h.access_token("nam", PASSWORD).await;
    let this = h.access_token("nam", PASSWORD).await;
    let mut users = h.users().await;
    let change =
        |current: &str, new: &str| ChangePasswordRequest { current_password: current.into(), new_password: new.into() };
    let status = assert_code(
        users.change_password(authed(change("wrong!", "another secret"), &this)).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["current_password"]);
    users.change_password(authed(change(PASSWORD, "another secret"), &this)).await.unwrap();
    users.get_me(authed(GetMeRequest {}, &this)).await.unwrap();
    assert_code(users.get_me(authed(GetMeRequest {}, &other)).await, Code::Unauthenticated);
    h.login("nam", "another secret").await.unwrap();
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

async fn authentication_events_are_audited(h: Harness) {
    let user = h.register("phuong").await;
    let _ = h.login("phuong", "wrong password!").await;
    h.login("phuong", PASSWORD).await.unwrap();
    let admin = h.admin_token().await;
    let events = h
        .users()
        .await
        .list_auth_events(authed(ListAuthEventsRequest { user_id: user.id.clone(), ..Default::default() }, &admin))
        .await
        .unwrap()
        .into_inner()
        .events;
    let kinds: Vec<_> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [AuthEventKind::LoginSucceeded, AuthEventKind::Registered], "newest first");
    let failed = h
        .users()
        .await
        .list_auth_events(authed(
            ListAuthEventsRequest { kind: AuthEventKind::LoginFailed.into(), ..Default::default() },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(failed.iter().any(|e| e.detail == "BAD_CREDENTIALS" && !e.success && !e.client_address.is_empty()));
}

async fn health_and_reflection_are_served(h: Harness) {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let mut health = HealthClient::new(h.channel().await);
    for service in ["", "hms.user.v1.UserService"] {
        let reply = health.check(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner();
        assert_eq!(reply.status(), ServingStatus::Serving);
    }

    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let mut reflection = ServerReflectionClient::new(h.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else { panic!("no service list") };
    let names: HashSet<_> = list.service.into_iter().map(|s| s.name).collect();
    for expected in ["hms.user.v1.UserService", "hms.user.v1.InternalUserService", "grpc.health.v1.Health"] {
        assert!(names.contains(expected), "{expected} missing from {names:?}");
    }
}

async fn data_and_keys_survive_a_restart(h: Harness) {
    h.register("quang").await;
    let token = h.access_token("quang", PASSWORD).await;
    let Harness { server, db, config, auth, .. } = h;
    server.shutdown().await.unwrap();
    let h = Harness::start_with(db, config, auth).await;
    // Same signing key: a token issued before the restart still verifies.
    h.users().await.get_me(authed(GetMeRequest {}, &token)).await.unwrap();
    h.login("quang", PASSWORD).await.unwrap();
    // The initial admin is created once only.
    h.login("admin", ADMIN_PASSWORD).await.unwrap();
}

async fn other_services_verify_tokens_and_call_internal_rpcs(h: Harness) {
    use std::sync::Arc;
    use std::time::Duration;

    use hms_kit::auth::{ServiceTokens, TokenVerifier};
    use hms_kit::client::{GrpcKeySource, internal_user_client};
    use secrecy::SecretString;

    h.register("son").await;
    let token = h.access_token("son", PASSWORD).await;
    // As any other service does: keys fetched from the user service over gRPC.
    let keys = Arc::new(GrpcKeySource::new(&h.server.url()).unwrap());
    let verifier = TokenVerifier::new(keys, "hms-user", "hms", None);
    let caller = verifier.verify(&token).await.unwrap();
    assert_eq!(caller.role, Role::Patient);

    let tokens = Arc::new(ServiceTokens::new("notification", &SecretString::from(SERVICE_SECRET)));
    let mut client = internal_user_client(&h.server.url(), tokens, Duration::from_secs(5)).unwrap();
    let info = client.get_contact_info(GetContactInfoRequest { user_id: caller.subject.clone() }).await.unwrap();
    assert_eq!(info.into_inner().email, "son@example.com");

    // A service token signed with another secret is refused.
    let forged = Arc::new(ServiceTokens::new("notification", &SecretString::from("guessed secret")));
    let mut client = internal_user_client(&h.server.url(), forged, Duration::from_secs(5)).unwrap();
    assert_code(
        client.get_contact_info(GetContactInfoRequest { user_id: caller.subject }).await,
        Code::Unauthenticated,
    );
}

async fn oversized_messages_are_refused(h: Harness) {
    let huge = RegisterRequest { username: "x".repeat(5 * 1024 * 1024), ..Default::default() };
    assert_code(h.users().await.register(huge).await, Code::OutOfRange);
    h.register("still.fine").await;
}

on_every_backend!(
    other_services_verify_tokens_and_call_internal_rpcs,
    oversized_messages_are_refused,
    register_login_and_me,
    bad_input_names_every_field,
    wrong_password_and_missing_token_are_unauthenticated,
    refresh_rotates_and_reuse_revokes_the_session,
    concurrent_refreshes_with_one_token_succeed_at_most_once,
    logout_ends_the_session,
    roles_are_enforced,
    admins_manage_staff,
    admins_list_and_search_with_paging,
    repeated_failures_throttle_the_account,
    repeated_failures_throttle_the_address,
    concurrent_failures_evaluate_at_most_the_limit,
    failures_by_username_and_email_share_one_count,
    password_reset_is_single_use_and_silent_about_unknown_emails,
    password_change_keeps_this_session_only,
    patient_fields_are_encrypted_at_rest,
    concurrent_registrations_of_one_username_create_one_account,
    authentication_events_are_audited,
    health_and_reflection_are_served,
    data_and_keys_survive_a_restart,
);
