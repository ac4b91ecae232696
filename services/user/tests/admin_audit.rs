//! Admin actions on users reach the admin audit log exactly once (issue 24):
//! each is written to the outbox in the change's transaction, so one made
//! while no relay runs (the service killed before relaying) is delivered by
//! the next start's relay, and a redelivery (a relay that died after
//! delivering, before marking) records nothing twice.

mod common;

use common::*;
use hms_kit::proto::admin::AuditLogEntry;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::*;
use hms_kit::testing::TestServer;
use hms_testkit::admin::AdminService;

async fn start_admin(h: &Harness) -> AdminService {
    let auth = hms_kit::config::AuthConfig { user_service_url: h.server.url(), ..h.auth.clone() };
    AdminService::start(&auth).await
}

/// The entries the user service reported, oldest first.
async fn user_entries(admin: &AdminService, token: &str) -> Vec<AuditLogEntry> {
    admin.entries("user", token).await
}

async fn undelivered(h: &Harness) -> i64 {
    hms_testkit::outbox::undelivered_admin_actions(&h.sql().await).await
}

/// Runs the relay of a fresh start of the user service on `h`'s database,
/// with the admin service configured, until the outbox has no admin action
/// left to deliver.
async fn relay_until_drained(h: &Harness, admin: &AdminService) {
    let config = hms_user::UserConfig { admin_url: Some(admin.url()), ..h.config.clone() };
    let built = hms_user::build(&config, &h.auth).await.unwrap();
    let relay = built.relay.expect("a relay, the admin service being configured");
    hms_testkit::outbox::relay_until_drained(relay, &h.db.url).await;
}

async fn admin_actions_are_logged_once_even_across_a_kill(h: Harness) {
    let admin_service = start_admin(&h).await;
    let token = h.admin_token().await;
    let admin_id = h.users().await.get_me(authed(GetMeRequest {}, &token)).await.unwrap().into_inner().user.unwrap().id;

    // The actions are made on a start whose relay never runs: killed before it
    // relayed anything.
    let config = hms_user::UserConfig { admin_url: Some(admin_service.server.url()), ..h.config.clone() };
    let built = hms_user::build(&config, &h.auth).await.unwrap();
    let unrelayed = built.relay;
    let killed = TestServer::start(built.service, built.verifier).await;
    let mut users = hms_kit::proto::user::user_service_client::UserServiceClient::connect(killed.url()).await.unwrap();
    let created = users
        .create_user(authed(
            CreateUserRequest {
                username: "nurse.ba".into(),
                password: PASSWORD.into(),
                email: "ba@example.com".into(),
                first_name: "Ba".into(),
                last_name: "Nguyen".into(),
                role: Role::Patient.into(),
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    users
        .change_user_role(authed(
            ChangeUserRoleRequest { user_id: created.id.clone(), role: Role::Nurse.into() },
            &token,
        ))
        .await
        .unwrap();
    users
        .set_user_active(authed(SetUserActiveRequest { user_id: created.id.clone(), active: false }, &token))
        .await
        .unwrap();
    // A refused change is no admin action.
    let refused = users
        .change_user_role(authed(ChangeUserRoleRequest { user_id: admin_id.clone(), role: Role::Nurse.into() }, &token))
        .await;
    assert!(refused.is_err());
    drop(killed);
    drop(unrelayed);
    assert!(user_entries(&admin_service, &token).await.is_empty(), "nothing is delivered without a relay");
    assert_eq!(undelivered(&h).await, 3, "the actions wait in the outbox");

    relay_until_drained(&h, &admin_service).await;
    let entries = user_entries(&admin_service, &token).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user.created", "user.role_changed", "user.deactivated"]);
    for entry in &entries {
        assert_eq!((entry.actor_id.as_str(), entry.actor_role.as_str()), (admin_id.as_str(), "ADMIN"));
        assert_eq!((entry.target_type.as_str(), entry.target_id.as_str()), ("user", created.id.as_str()));
        assert!(!entry.client_address.is_empty(), "{entry:?}");
    }
    let summaries: Vec<(&str, &str)> = entries.iter().map(|e| (e.before.as_str(), e.after.as_str())).collect();
    assert_eq!(
        summaries,
        [
            ("", "username=nurse.ba role=PATIENT active"),
            ("username=nurse.ba role=PATIENT active", "username=nurse.ba role=NURSE active"),
            ("username=nurse.ba role=NURSE active", "username=nurse.ba role=NURSE inactive"),
        ]
    );

    // A relay that delivered but died before marking delivers again: the log
    // keeps one entry per action.
    let pool = h.sql().await;
    sqlx::query("UPDATE hms_outbox SET delivered_at = NULL WHERE topic = 'admin.action'").execute(&pool).await.unwrap();
    relay_until_drained(&h, &admin_service).await;
    let again = user_entries(&admin_service, &token).await;
    assert_eq!(
        again.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()
    );
}

on_every_backend!(admin_actions_are_logged_once_even_across_a_kill);
