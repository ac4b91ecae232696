//! The service as a whole, on every relational backend: health and
//! reflection, a restart, the internal API other services call, the message
//! size limit.

mod common;

use std::collections::HashSet;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::*;
use tonic::Code;

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

/// The laboratory's question: a patient's name, sex and date of birth, from
/// the sealed profile; nobody else's.
async fn a_patients_demographics_are_given_to_services(h: Harness) {
    let born = hms_kit::proto::google::r#type::Date { year: 1990, month: 4, day: 30 };
    let request = RegisterRequest {
        username: "tam".into(),
        password: PASSWORD.into(),
        email: "tam@example.com".into(),
        first_name: "Tâm".into(),
        last_name: "Nguyễn".into(),
        patient_profile: Some(PatientProfile {
            date_of_birth: Some(born),
            gender: Gender::Female.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let tam = h.users().await.register(request).await.unwrap().into_inner().user.unwrap();
    let bare = h.register("bare").await;
    let mut internal = h.internal().await;
    let ask = |user_id: &str| authed(GetPatientDemographicsRequest { user_id: user_id.into() }, &h.service_token());
    let answer = internal.get_patient_demographics(ask(&tam.id)).await.unwrap().into_inner();
    assert_eq!((answer.gender(), answer.date_of_birth), (Gender::Female, Some(born)));
    assert_eq!(answer.display_name, "Tâm Nguyễn");
    // No profile given: unknown sex and date of birth, not an error.
    let answer = internal.get_patient_demographics(ask(&bare.id)).await.unwrap().into_inner();
    assert_eq!((answer.gender(), answer.date_of_birth), (Gender::Unspecified, None));
    // Staff are no patients; an unknown id is nobody.
    let admin = h.login("admin", ADMIN_PASSWORD).await.unwrap().user.unwrap();
    assert_code(internal.get_patient_demographics(ask(&admin.id)).await, Code::NotFound);
    assert_code(internal.get_patient_demographics(ask(&hms_kit::ids::new_id())).await, Code::NotFound);
    // Internal only: a patient's own token is refused.
    let token = h.access_token("tam", PASSWORD).await;
    let theirs = GetPatientDemographicsRequest { user_id: tam.id.clone() };
    assert_code(internal.get_patient_demographics(authed(theirs, &token)).await, Code::PermissionDenied);
}

async fn oversized_messages_are_refused(h: Harness) {
    let huge = RegisterRequest { username: "x".repeat(5 * 1024 * 1024), ..Default::default() };
    assert_code(h.users().await.register(huge).await, Code::OutOfRange);
    h.register("still.fine").await;
}

on_every_backend!(
    other_services_verify_tokens_and_call_internal_rpcs,
    a_patients_demographics_are_given_to_services,
    oversized_messages_are_refused,
    health_and_reflection_are_served,
    data_and_keys_survive_a_restart,
);
