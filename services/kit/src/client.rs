//! Outbound gRPC: every call carries a deadline (the caller's remaining budget,
//! capped by a default), the W3C trace context and this service's token.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};

use crate::auth::{KeySource, PublicKey, RevocationSource, RevocationStream, ServiceTokens, TokenVerifier};
use crate::config::AuthConfig;
use crate::proto::user::internal_user_service_client::InternalUserServiceClient;
use crate::proto::user::user_service_client::UserServiceClient;
use crate::proto::user::{GetSigningKeysRequest, WatchRevocationsRequest};

pub type OutboundChannel = InterceptedService<Channel, OutboundInterceptor>;

/// A lazily connecting channel: a service starts even when its peers are not
/// up yet, and reconnects on its own.
pub fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(3))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .connect_lazy())
}

/// Adds deadline, trace context and credentials to every outbound request.
#[derive(Clone)]
pub struct OutboundInterceptor {
    tokens: Option<Arc<ServiceTokens>>,
    default_timeout: Duration,
}

impl OutboundInterceptor {
    /// `tokens`: None for calls to public methods only (key fetching).
    pub fn new(tokens: Option<Arc<ServiceTokens>>, default_timeout: Duration) -> Self {
        Self { tokens, default_timeout }
    }

    pub fn wrap(&self, channel: Channel) -> OutboundChannel {
        InterceptedService::new(channel, self.clone())
    }
}

impl Interceptor for OutboundInterceptor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let timeout = match crate::server::remaining_budget() {
            Some(left) if left.is_zero() => {
                return Err(Status::deadline_exceeded("the caller's deadline passed before this call"));
            }
            Some(left) => left.min(self.default_timeout),
            None => self.default_timeout,
        };
        request.set_timeout(timeout);
        crate::telemetry::inject_current_context(request.metadata_mut());
        if let Some(tokens) = &self.tokens {
            let token = tokens.token().map_err(crate::error::internal)?;
            let value = format!("Bearer {token}").parse().map_err(crate::error::internal)?;
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

/// A lazily connecting channel to another service's internal API: every
/// call carries `tokens`' service token and at most `timeout` as deadline.
pub fn internal_channel(url: &str, tokens: Arc<ServiceTokens>, timeout: Duration) -> anyhow::Result<OutboundChannel> {
    Ok(OutboundInterceptor::new(Some(tokens), timeout).wrap(channel(url)?))
}

/// The user service's internal API, as another service calls it.
pub fn internal_user_client(
    url: &str,
    tokens: Arc<ServiceTokens>,
    timeout: Duration,
) -> anyhow::Result<InternalUserServiceClient<OutboundChannel>> {
    Ok(InternalUserServiceClient::new(internal_channel(url, tokens, timeout)?))
}

/// Fetches the user service's published keys over gRPC.
pub struct GrpcKeySource {
    client: UserServiceClient<OutboundChannel>,
}

impl GrpcKeySource {
    pub fn new(user_service_url: &str) -> anyhow::Result<Self> {
        let interceptor = OutboundInterceptor::new(None, Duration::from_secs(5));
        Ok(Self { client: UserServiceClient::new(interceptor.wrap(channel(user_service_url)?)) })
    }
}

#[async_trait]
impl KeySource for GrpcKeySource {
    async fn fetch(&self) -> anyhow::Result<Vec<PublicKey>> {
        let keys = self.client.clone().get_signing_keys(GetSigningKeysRequest {}).await?.into_inner().keys;
        Ok(keys.into_iter().map(|k| PublicKey { kid: k.kid, x: k.x }).collect())
    }
}

/// Follows the user service's revocation feed over gRPC. No deadline: the
/// watch lasts as long as the connection.
pub struct GrpcRevocationSource {
    client: UserServiceClient<Channel>,
}

impl GrpcRevocationSource {
    pub fn new(user_service_url: &str) -> anyhow::Result<Self> {
        Ok(Self { client: UserServiceClient::new(channel(user_service_url)?) })
    }
}

#[async_trait]
impl RevocationSource for GrpcRevocationSource {
    async fn watch(&self) -> anyhow::Result<RevocationStream> {
        use futures::StreamExt;
        let stream = self.client.clone().watch_revocations(WatchRevocationsRequest {}).await?.into_inner();
        Ok(Box::pin(stream.map(|message| message.map_err(anyhow::Error::from))))
    }
}

/// How long start-up waits for the first list of revocations before going
/// on without (access tokens are refused until it arrives).
const REVOCATIONS_AT_START: Duration = Duration::from_secs(5);

/// The token verifier of a service or the gateway: keys and revoked sessions
/// from the user service at `auth.user_service_url`. `service_secret`: the
/// secret of service tokens to accept (None: none are).
pub async fn remote_verifier(
    auth: &AuthConfig,
    service_secret: Option<&secrecy::SecretString>,
) -> anyhow::Result<Arc<TokenVerifier>> {
    let url = &auth.user_service_url;
    let verifier = TokenVerifier::new(Arc::new(GrpcKeySource::new(url)?), &auth.issuer, &auth.audience, service_secret)
        .with_revocations(Arc::new(GrpcRevocationSource::new(url)?), auth.revocation_grace);
    if let Err(e) = verifier.refresh().await {
        tracing::warn!(error = %e, "token keys not fetched at start; fetching again on first use");
    }
    if !verifier.wait_for_revocations(REVOCATIONS_AT_START).await {
        tracing::warn!(%url, "no revocation list from the user service yet; access tokens are refused until it comes");
    }
    Ok(Arc::new(verifier))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn outbound(timeout: Duration) -> Result<Request<()>, Status> {
        let secret = secrecy::SecretString::from("test-secret");
        let tokens = Arc::new(ServiceTokens::new("test", &secret));
        OutboundInterceptor::new(Some(tokens), timeout).call(Request::new(()))
    }

    fn grpc_timeout(request: &Request<()>) -> Duration {
        let value = request.metadata().get("grpc-timeout").unwrap().to_str().unwrap();
        let (digits, unit) = value.split_at(value.len() - 1);
        assert_eq!(unit, "u", "tonic encodes microseconds: {value}");
        Duration::from_micros(digits.parse().unwrap())
    }

    #[test]
    fn calls_carry_a_service_token_and_the_default_deadline() {
        let request = outbound(Duration::from_secs(5)).unwrap();
        let auth = request.metadata().get("authorization").unwrap().to_str().unwrap();
        assert!(auth.starts_with("Bearer ey"), "{auth}");
        assert_eq!(grpc_timeout(&request), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn calls_inherit_the_callers_remaining_budget() {
        let deadline = Some(Instant::now() + Duration::from_millis(200));
        let request =
            crate::server::DEADLINE.scope(deadline, async { outbound(Duration::from_secs(5)) }).await.unwrap();
        assert!(grpc_timeout(&request) <= Duration::from_millis(200));

        let passed = Some(Instant::now() - Duration::from_millis(1));
        let refused = crate::server::DEADLINE.scope(passed, async { outbound(Duration::from_secs(5)) }).await;
        assert_eq!(refused.unwrap_err().code(), tonic::Code::DeadlineExceeded);
    }
}
