//! Which insurance company an insurance-provider user works for: the company
//! name of their profile in the user service. Billing asks with the caller's
//! own token (`GetMe`), so it needs no extra right to read other accounts.

use std::time::Duration;

use async_trait::async_trait;
use hms_kit::client::{OutboundChannel, OutboundInterceptor, channel};
use hms_kit::proto::user::GetMeRequest;
use hms_kit::proto::user::profile::Kind;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use tonic::Status;

#[async_trait]
pub trait CompanyDirectory: Send + Sync + 'static {
    /// The company name of the caller presenting `authorization` (the whole
    /// header value); None when their profile names none.
    async fn company_of_caller(&self, authorization: &str) -> Result<Option<String>, Status>;
}

pub struct UserServiceCompanies {
    users: UserServiceClient<OutboundChannel>,
}

impl UserServiceCompanies {
    pub fn new(user_service_url: &str) -> anyhow::Result<Self> {
        // No service token: the call carries the caller's own.
        let interceptor = OutboundInterceptor::new(None, Duration::from_secs(5));
        Ok(Self { users: UserServiceClient::new(interceptor.wrap(channel(user_service_url)?)) })
    }
}

#[async_trait]
impl CompanyDirectory for UserServiceCompanies {
    async fn company_of_caller(&self, authorization: &str) -> Result<Option<String>, Status> {
        let mut request = tonic::Request::new(GetMeRequest {});
        let value = authorization.parse().map_err(|_| Status::unauthenticated("malformed authorization header"))?;
        request.metadata_mut().insert("authorization", value);
        let me = self.users.clone().get_me(request).await.map_err(|s| {
            tracing::warn!(code = ?s.code(), "user service did not answer who the caller is");
            Status::unavailable("the user service is unavailable, retry later")
        })?;
        let company = me.into_inner().user.and_then(|u| u.profile).and_then(|p| p.kind).and_then(|k| match k {
            Kind::InsuranceProvider(p) => Some(p.company_name),
            _ => None,
        });
        Ok(company.filter(|c| !c.trim().is_empty()))
    }
}
