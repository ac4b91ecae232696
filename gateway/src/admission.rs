//! Admission of every call, whatever its protocol: the facts the edge
//! established about the request, the access policy, token and rate limits,
//! the deadline an upstream call gets, and the draining of a refused body.

use std::time::Duration;

use hms_kit::auth::policy::{authorize, bearer_token};
use hms_kit::auth::{Policy, Principal, revocation};
use tonic::Status;

use crate::Shared;
use crate::config::GatewayConfig;
use crate::errors::rate_limited;

/// Facts about the request established at the edge (empty for a request
/// that did not pass through it).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    /// The client's IP address.
    pub client: String,
}

impl RequestMeta {
    /// The facts the edge attached to a request.
    pub fn of(extensions: &http::Extensions) -> Self {
        extensions.get::<Self>().cloned().unwrap_or_default()
    }
}

impl Shared {
    /// Admission of a call to `grpc_path`: internal methods (and the
    /// revocation feed, public for HMS verifiers only) are refused outright, the token is verified against the method's policy, and the
    /// rate limits are counted (the address before authentication, so bad
    /// tokens count too; the principal after).
    pub async fn admit(&self, grpc_path: &str, headers: &http::HeaderMap, meta: &RequestMeta) -> Result<(), Status> {
        if matches!(self.policies.get(grpc_path), Some(Policy::Internal)) || grpc_path == revocation::FEED_PATH {
            return Err(Status::permission_denied("this method is internal to HMS and not reachable from outside"));
        }
        self.limiter.check(grpc_path, &meta.client, None).await.map_err(|r| rate_limited(r.retry_after))?;
        let principal: Option<Principal> =
            authorize(&self.policies, &self.verifier, grpc_path, bearer_token(headers)).await?;
        if let Some(principal) = principal {
            self.limiter.check_principal(&principal.subject).await.map_err(|r| rate_limited(r.retry_after))?;
        }
        Ok(())
    }
}

/// Reads (and drops) what is left of a request body before an early answer,
/// so an HTTP/1.1 client still writing it does not meet a closed connection.
/// Bounded in size and time.
pub async fn drain<B>(body: B, limit: usize)
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    let limited = http_body_util::Limited::new(body, limit);
    let _ = tokio::time::timeout(Duration::from_secs(5), limited.collect()).await;
}

/// Deadline for an upstream call: the client's (`grpc-timeout`) capped by the
/// maximum, or the default.
pub fn deadline(config: &GatewayConfig, headers: &http::HeaderMap) -> Duration {
    headers
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(hms_kit::server::parse_grpc_timeout)
        .map_or(config.default_timeout, |d| d.min(config.max_timeout))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::deadline;
    use crate::config::GatewayConfig;

    #[test]
    fn the_clients_deadline_is_kept_capped_or_defaulted() {
        let config = GatewayConfig {
            default_timeout: Duration::from_secs(15),
            max_timeout: Duration::from_secs(60),
            ..GatewayConfig::default()
        };
        let with = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("grpc-timeout", value.parse().unwrap());
            deadline(&config, &headers)
        };
        assert_eq!(with("250m"), Duration::from_millis(250));
        assert_eq!(with("5M"), Duration::from_secs(60), "capped at max_timeout");
        assert_eq!(with("nonsense"), Duration::from_secs(15), "unreadable: the default");
        assert_eq!(deadline(&config, &http::HeaderMap::new()), Duration::from_secs(15));
        assert_eq!(crate::grpc::grpc_timeout(Duration::from_millis(250)), "250m", "passed on in milliseconds");
    }
}
