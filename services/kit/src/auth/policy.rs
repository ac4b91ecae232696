//! Enforces each RPC's declared `(hms.common.v1.access)` policy, read from the
//! descriptor set, in one tower layer every server and the gateway install.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use prost_reflect::{DescriptorPool, Value};
use tonic::Status;
use tower::{Layer, Service};

use super::{Principal, TokenVerifier, VerifyError};
use crate::proto::common::{AccessPolicy, Audience, Role};

/// Who may call one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    Public,
    /// Any of these roles (every role when empty). SERVICE is never implied.
    Authenticated(Vec<Role>),
    Internal,
}

impl Policy {
    /// Decides on an already-verified caller (None: no token).
    pub fn check(&self, caller: Option<&Principal>) -> Result<(), Status> {
        match (self, caller) {
            (Policy::Public, _) => Ok(()),
            (_, None) => Err(Status::unauthenticated("this call needs an access token")),
            (Policy::Internal, Some(p)) if p.is_service() => Ok(()),
            (Policy::Internal, Some(_)) => Err(Status::permission_denied("this call is reserved to HMS services")),
            (Policy::Authenticated(_), Some(p)) if p.is_service() => {
                Err(Status::permission_denied("service tokens may call internal methods only"))
            }
            (Policy::Authenticated(roles), Some(p)) if roles.is_empty() || roles.contains(&p.role) => Ok(()),
            (Policy::Authenticated(_), Some(_)) => Err(Status::permission_denied("your role may not call this method")),
        }
    }
}

/// Every method's policy, by gRPC path (`/hms.user.v1.UserService/Login`).
#[derive(Debug, Clone, Default)]
pub struct Policies {
    by_path: HashMap<String, Policy>,
}

impl Policies {
    /// Reads the policies of every `hms.*` method in an encoded descriptor set.
    /// A method that declares none is refused to everyone.
    pub fn from_descriptor_set(bytes: &[u8]) -> anyhow::Result<Self> {
        let pool = DescriptorPool::decode(bytes)?;
        let extension = pool
            .get_extension_by_name("hms.common.v1.access")
            .ok_or_else(|| anyhow::anyhow!("descriptor set lacks hms.common.v1.access"))?;
        let mut by_path = HashMap::new();
        for service in pool.services().filter(|s| s.full_name().starts_with("hms.")) {
            for method in service.methods() {
                let options = method.options();
                let declared = match options.get_extension(&extension).as_ref() {
                    Value::Message(m) if options.has_extension(&extension) => Some(m.transcode_to::<AccessPolicy>()?),
                    _ => None,
                };
                let policy = match declared {
                    Some(p) => match p.audience() {
                        Audience::Public => Policy::Public,
                        Audience::Internal => Policy::Internal,
                        Audience::Authenticated => Policy::Authenticated(p.roles().collect()),
                        Audience::Unspecified => continue,
                    },
                    None => continue,
                };
                by_path.insert(format!("/{}/{}", service.full_name(), method.name()), policy);
            }
        }
        Ok(Self { by_path })
    }

    /// The compiled-in HMS contracts.
    pub fn hms() -> anyhow::Result<Self> {
        Self::from_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
    }

    /// The policy of a path. Health and reflection are public; anything else
    /// without a declared policy has none (and is refused).
    pub fn get(&self, path: &str) -> Option<&Policy> {
        static PUBLIC: Policy = Policy::Public;
        if path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection.") {
            return Some(&PUBLIC);
        }
        self.by_path.get(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = (&str, &Policy)> {
        self.by_path.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Tower layer: verifies the bearer token, enforces the method's policy and
/// puts the [`Principal`] in the request extensions for the handler.
#[derive(Clone)]
pub struct AccessLayer {
    policies: Arc<Policies>,
    verifier: Arc<TokenVerifier>,
}

impl AccessLayer {
    pub fn new(policies: Arc<Policies>, verifier: Arc<TokenVerifier>) -> Self {
        Self { policies, verifier }
    }
}

impl<S> Layer<S> for AccessLayer {
    type Service = AccessService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessService { inner, policies: self.policies.clone(), verifier: self.verifier.clone() }
    }
}

#[derive(Clone)]
pub struct AccessService<S> {
    inner: S,
    policies: Arc<Policies>,
    verifier: Arc<TokenVerifier>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> Service<http::Request<B>> for AccessService<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone is ready only once polled; swap so the ready one is used.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let policies = self.policies.clone();
        let verifier = self.verifier.clone();
        let path = request.uri().path().to_owned();
        let token = bearer_token(request.headers()).map(str::to_owned);
        Box::pin(async move {
            match authorize(&policies, &verifier, &path, token.as_deref()).await {
                Ok(Some(principal)) => {
                    request.extensions_mut().insert(principal);
                }
                Ok(None) => {}
                Err(status) => return Ok(status.into_http()),
            }
            inner.call(request).await
        })
    }
}

/// Verifies the caller of the method at `path` against its policy.
pub async fn authorize(
    policies: &Policies,
    verifier: &TokenVerifier,
    path: &str,
    token: Option<&str>,
) -> Result<Option<Principal>, Status> {
    let policy = policies.get(path).ok_or_else(|| {
        tracing::warn!(path, "refused a call to a method without an access policy");
        Status::permission_denied("this method is not available")
    })?;
    let principal = match token {
        Some(token) => match verifier.verify(token).await {
            Ok(principal) => Some(principal),
            Err(e @ VerifyError::KeysUnavailable) => return Err(status_of(&e)),
            Err(e) if *policy != Policy::Public => return Err(status_of(&e)),
            // A stale token on a public method (login) is ignored, not fatal.
            Err(_) => None,
        },
        None => None,
    };
    policy.check(principal.as_ref())?;
    Ok(principal)
}

/// The answer to a caller whose token failed verification: UNAVAILABLE when
/// the verifier cannot decide now (retry), UNAUTHENTICATED otherwise.
pub fn status_of(error: &VerifyError) -> Status {
    match error {
        VerifyError::KeysUnavailable => Status::unavailable("token verification keys are unavailable, retry later"),
        VerifyError::RevocationsUnavailable => {
            Status::unavailable("token revocations cannot be checked right now, retry later")
        }
        VerifyError::Revoked => crate::error::refusal(tonic::Code::Unauthenticated, "TOKEN_REVOKED", error.to_string()),
        VerifyError::Expired => crate::error::refusal(tonic::Code::Unauthenticated, "TOKEN_EXPIRED", error.to_string()),
        VerifyError::Malformed | VerifyError::UnknownKey | VerifyError::Invalid => {
            Status::unauthenticated(error.to_string())
        }
    }
}

pub fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Principal {
        Principal { subject: "u".into(), role, session_id: Some("s".into()), expires_at: 0 }
    }

    #[test]
    fn every_hms_method_declares_a_policy() {
        let policies = Policies::hms().unwrap();
        let pool = DescriptorPool::decode(crate::proto::FILE_DESCRIPTOR_SET).unwrap();
        for service in pool.services().filter(|s| s.full_name().starts_with("hms.")) {
            for method in service.methods() {
                let path = format!("/{}/{}", service.full_name(), method.name());
                assert!(policies.get(&path).is_some(), "{path} has no access policy");
            }
        }
        assert_eq!(policies.get("/hms.user.v1.UserService/Login"), Some(&Policy::Public));
        assert_eq!(policies.get("/hms.user.v1.UserService/ListUsers"), Some(&Policy::Authenticated(vec![Role::Admin])));
        assert_eq!(policies.get("/hms.user.v1.InternalUserService/GetContactInfo"), Some(&Policy::Internal));
        assert_eq!(policies.get("/hms.user.v1.UserService/Nope"), None);
    }

    #[test]
    fn internal_methods_are_named_so() {
        for (path, policy) in Policies::hms().unwrap().paths() {
            let internal_name = path.contains("/Internal") || path.contains(".Internal");
            assert_eq!(*policy == Policy::Internal, internal_name, "{path}: internal policy and name disagree");
        }
    }

    #[test]
    fn decisions() {
        let admin_only = Policy::Authenticated(vec![Role::Admin]);
        let service = Principal { subject: "billing".into(), role: Role::Service, session_id: None, expires_at: 0 };
        assert!(Policy::Public.check(None).is_ok());
        assert_eq!(admin_only.check(None).unwrap_err().code(), tonic::Code::Unauthenticated);
        assert_eq!(admin_only.check(Some(&user(Role::Patient))).unwrap_err().code(), tonic::Code::PermissionDenied);
        assert!(admin_only.check(Some(&user(Role::Admin))).is_ok());
        assert!(Policy::Authenticated(vec![]).check(Some(&user(Role::Nurse))).is_ok());
        assert_eq!(
            Policy::Authenticated(vec![]).check(Some(&service)).unwrap_err().code(),
            tonic::Code::PermissionDenied
        );
        assert!(Policy::Internal.check(Some(&service)).is_ok());
        assert_eq!(Policy::Internal.check(Some(&user(Role::Admin))).unwrap_err().code(), tonic::Code::PermissionDenied);
    }

    #[test]
    fn bearer_tokens_are_parsed_leniently_on_scheme_case_only() {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(http::header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(http::header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
