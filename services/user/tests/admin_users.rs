//! The admins' user management through the gRPC API, on every relational
//! backend: roles enforced, staff managed, users listed and searched, the
//! authentication audit trail.

mod common;

use common::*;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::user::*;
use tonic::{Code, Request};

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

/// The active accounts of a staff role, for notices to all of them.
async fn services_list_the_active_staff_of_a_role(h: Harness) {
    let admin = h.admin_token().await;
    let mut users = h.users().await;
    let mut ids = Vec::new();
    for name in ["ph.an", "ph.binh", "ph.chi"] {
        let request = CreateUserRequest {
            username: name.into(),
            password: PASSWORD.into(),
            email: format!("{name}@clinic.vn"),
            role: Role::Pharmacist.into(),
            first_name: "Pharm".into(),
            last_name: name.into(),
            ..Default::default()
        };
        ids.push(users.create_user(authed(request, &admin)).await.unwrap().into_inner().user.unwrap().id);
    }
    let away = SetUserActiveRequest { user_id: ids[2].clone(), active: false };
    users.set_user_active(authed(away, &admin)).await.unwrap();
    let mut internal = h.internal().await;
    let ask = |role: Role| ListStaffIdsRequest { role: role.into() };
    let mut found =
        internal.list_staff_ids(authed(ask(Role::Pharmacist), &h.service_token())).await.unwrap().into_inner().user_ids;
    found.sort();
    assert_eq!(found, ids[..2].to_vec(), "active pharmacists only");
    assert_code(internal.list_staff_ids(authed(ask(Role::Patient), &h.service_token())).await, Code::InvalidArgument);
    assert_code(internal.list_staff_ids(authed(ask(Role::Pharmacist), &admin)).await, Code::PermissionDenied);
}

on_every_backend!(
    services_list_the_active_staff_of_a_role,
    roles_are_enforced,
    admins_manage_staff,
    admins_list_and_search_with_paging,
    authentication_events_are_audited,
);
