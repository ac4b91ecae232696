//! Authentication and authorisation shared by every service and the gateway.
//!
//! - Access tokens: EdDSA JWTs signed by the user service ([`TokenSigner`])
//!   and verified everywhere against its published keys ([`TokenVerifier`]).
//! - Service tokens: short-lived HS256 JWTs minted from a shared secret
//!   ([`ServiceTokens`]) for service-to-service calls; their role is SERVICE.
//! - [`policy`]: the tower layer enforcing each RPC's `(hms.common.v1.access)`.
//! - [`revocation`]: sessions revoked before their access tokens expire,
//!   followed from the user service by every verifier.

pub mod policy;
pub mod revocation;
mod tokens;

pub use policy::{AccessLayer, Policies, Policy};
pub use revocation::{RevocationList, RevocationSource, RevocationStream, session_digest};
pub use tokens::{
    AccessClaims, KeySource, PublicKey, ServiceTokens, SigningKeyPair, TOKEN_LEEWAY, TokenSigner, TokenVerifier,
    VerifyError,
};

use tonic::{Request, Status};

use crate::proto::common::Role;

/// Who is calling, as established from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id, or the service name for a service.
    pub subject: String,
    pub role: Role,
    /// The login session an access token belongs to; None for services.
    pub session_id: Option<String>,
    /// Expiry of the presented token, Unix seconds.
    pub expires_at: i64,
}

impl Principal {
    pub fn is_service(&self) -> bool {
        self.role == Role::Service
    }
}

/// The verified caller of a request; UNAUTHENTICATED when there is none
/// (only possible on a public method).
pub fn principal<T>(request: &Request<T>) -> Result<&Principal, Status> {
    request.extensions().get::<Principal>().ok_or_else(|| Status::unauthenticated("this call needs an access token"))
}

/// The verified caller of a request and the address it called from: what
/// use cases check access with and audit trails record. It reads as its
/// [`Principal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub principal: Principal,
    pub address: String,
}

impl Caller {
    /// The caller of `request`; UNAUTHENTICATED when there is none.
    pub fn of<T>(request: &Request<T>) -> Result<Self, Status> {
        Ok(Self { principal: principal(request)?.clone(), address: client_address(request) })
    }
}

impl std::ops::Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

/// The client's address as the server layer resolved it (see
/// `ServerConfig::trusted_proxies`), for audit trails and throttling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

pub fn client_address<T>(request: &Request<T>) -> String {
    match request.extensions().get::<ClientAddress>() {
        Some(ClientAddress(address)) => address.clone(),
        None => request.remote_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
    }
}

/// Role names as they appear in tokens: the enum's suffix (`PATIENT`).
pub fn role_name(role: Role) -> &'static str {
    role.as_str_name().strip_prefix("ROLE_").unwrap_or("UNSPECIFIED")
}

pub fn role_from_name(name: &str) -> Option<Role> {
    Role::from_str_name(&format!("ROLE_{name}")).filter(|r| *r != Role::Unspecified)
}

/// Generated secrets live with the rest of the cryptography; here too for
/// the callers that make tokens.
pub use crate::crypto::random_secret;
