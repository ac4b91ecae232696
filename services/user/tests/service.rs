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

async fn oversized_messages_are_refused(h: Harness) {
    let huge = RegisterRequest { username: "x".repeat(5 * 1024 * 1024), ..Default::default() };
    assert_code(h.users().await.register(huge).await, Code::OutOfRange);
    h.register("still.fine").await;
}

on_every_backend!(
    other_services_verify_tokens_and_call_internal_rpcs,
    oversized_messages_are_refused,
    health_and_reflection_are_served,
    data_and_keys_survive_a_restart,
);
