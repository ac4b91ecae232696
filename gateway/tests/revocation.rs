//! The gateway follows the user service's revocation feed: it refuses a
//! revoked session's token itself, over gRPC and REST, and never forwards the
//! feed to clients.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, Stack};
use hms_kit::proto::billing::ListPatientInvoicesRequest;
use hms_kit::proto::billing::billing_service_client::BillingServiceClient;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{LogoutRequest, WatchRevocationsRequest};
use hms_kit::testing::authed;
use reqwest::{Method, StatusCode};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// No billing service listens behind this route: any answer other than
/// UNAVAILABLE comes from the gateway itself.
const NOWHERE: &str = "http://127.0.0.1:9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_itself_refuses_a_revoked_session_within_two_seconds() {
    let s = Stack::start_with(|config| {
        config.routes.insert("hms.billing.v1".into(), NOWHERE.into());
    })
    .await;
    let patient = s.register("revoked.at.edge").await;
    let patient_id = patient["id"].as_str().unwrap().to_owned();
    let token = s.token("revoked.at.edge", PASSWORD).await;
    let gateway = Channel::from_shared(s.gateway.url()).unwrap().connect().await.unwrap();
    let mut billing = BillingServiceClient::new(gateway.clone());
    let invoices =
        || authed(ListPatientInvoicesRequest { patient_id: patient_id.clone(), ..Default::default() }, &token);
    let rest_path = format!("/api/v1/patients/{patient_id}/invoices");

    // Admitted, then lost for want of a billing service.
    assert_eq!(billing.list_patient_invoices(invoices()).await.unwrap_err().code(), Code::Unavailable);

    UserServiceClient::new(gateway).logout(authed(LogoutRequest {}, &token)).await.unwrap();
    let revoked = Instant::now();
    loop {
        let status = billing.list_patient_invoices(invoices()).await.unwrap_err();
        if status.code() == Code::Unauthenticated {
            let reason = status.get_error_details().error_info().map(|info| info.reason.clone());
            assert_eq!(reason.as_deref(), Some("TOKEN_REVOKED"), "{status:?}");
            break;
        }
        assert!(revoked.elapsed() < Duration::from_secs(2), "still admitted after 2 s: {status:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = s.call(Method::GET, &rest_path, Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revocation_feed_is_for_verifiers_only() {
    let s = Stack::start().await;
    let mut direct = UserServiceClient::connect(s.user.url()).await.unwrap();
    let mut feed = direct.watch_revocations(WatchRevocationsRequest {}).await.unwrap().into_inner();
    assert!(feed.message().await.unwrap().unwrap().caught_up);

    let gateway = Channel::from_shared(s.gateway.url()).unwrap().connect().await.unwrap();
    let refused = UserServiceClient::new(gateway).watch_revocations(WatchRevocationsRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}
