use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};

use super::revocation::{RevocationList, RevocationSource, follow};
use super::{Principal, role_from_name, role_name};
use crate::proto::common::Role;
use crate::time::now_seconds;

/// Audience of service tokens; never accepted as an access token.
const SERVICE_AUDIENCE: &str = "hms-internal";
const SERVICE_TOKEN_TTL: Duration = Duration::from_secs(300);
/// Unknown key ids trigger at most one key fetch per this interval, so a flood
/// of forged tokens cannot turn into a flood of fetches.
const KEY_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(10);
/// Clock skew tolerated past a token's `exp` (and before its `iat`).
pub const TOKEN_LEEWAY: Duration = Duration::from_secs(30);

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub role: String,
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct ServiceClaims {
    sub: String,
    role: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// An Ed25519 key pair in PKCS#8, with its key id.
pub struct SigningKeyPair {
    pub kid: String,
    pub pkcs8: Vec<u8>,
}

impl SigningKeyPair {
    pub fn generate() -> anyhow::Result<Self> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not generate an Ed25519 key"))?;
        Ok(Self { kid: uuid::Uuid::now_v7().to_string(), pkcs8: pkcs8.as_ref().to_vec() })
    }

    /// The public half as a JWK `x` (base64url, no padding).
    pub fn public_key(&self) -> anyhow::Result<PublicKey> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&self.pkcs8)
            .map_err(|_| anyhow::anyhow!("stored signing key {} is not valid PKCS#8", self.kid))?;
        Ok(PublicKey { kid: self.kid.clone(), x: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()) })
    }
}

/// A published verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    pub x: String,
}

/// Signs access tokens (user service only).
pub struct TokenSigner {
    kid: String,
    key: EncodingKey,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl TokenSigner {
    pub fn new(pair: &SigningKeyPair, issuer: &str, audience: &str, ttl: Duration) -> Self {
        Self {
            kid: pair.kid.clone(),
            key: EncodingKey::from_ed_der(&pair.pkcs8),
            issuer: issuer.into(),
            audience: audience.into(),
            ttl,
        }
    }

    /// Returns the token and its expiry (Unix seconds).
    pub fn sign(&self, user_id: &str, role: Role, session_id: &str) -> anyhow::Result<(String, i64)> {
        let iat = now_seconds();
        let exp = iat + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = AccessClaims {
            sub: user_id.into(),
            role: role_name(role).into(),
            sid: session_id.into(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok((jsonwebtoken::encode(&header, &claims, &self.key)?, exp))
    }
}

/// Where a verifier gets the user service's public keys.
#[async_trait]
pub trait KeySource: Send + Sync + 'static {
    async fn fetch(&self) -> anyhow::Result<Vec<PublicKey>>;
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is signed with an unknown key")]
    UnknownKey,
    #[error("the token is invalid")]
    Invalid,
    /// Genuine (its signature checked) but past its expiry.
    #[error("the token has expired; refresh it or log in again")]
    Expired,
    #[error("the verification keys cannot be fetched right now")]
    KeysUnavailable,
    #[error("the session of this token has ended; log in again")]
    Revoked,
    #[error("token revocations cannot be checked right now")]
    RevocationsUnavailable,
}

/// Expiry is checked after the signature, so only a genuine token is told
/// apart as expired.
fn refused(error: jsonwebtoken::errors::Error) -> VerifyError {
    match error.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => VerifyError::Expired,
        _ => VerifyError::Invalid,
    }
}

/// Verifies access tokens and service tokens.
pub struct TokenVerifier {
    source: Arc<dyn KeySource>,
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_fetch: Mutex<Option<Instant>>,
    access_validation: Validation,
    service_key: Option<DecodingKey>,
    service_validation: Validation,
    /// Access tokens already verified, by their exact text, until they
    /// expire. Checking an Ed25519 signature is the dearest step of a
    /// request, and the gateway and then the service check the same token on
    /// every call. Emptied whenever the keys are fetched, so a withdrawn key
    /// stops its tokens at once.
    verified: std::sync::Mutex<HashMap<String, Principal>>,
    /// Sessions revoked before their tokens expire; None checks signatures
    /// only (tests without a user service).
    revocations: Option<Arc<RevocationList>>,
    /// Follows the revocation feed for as long as this verifier lives.
    watcher: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TokenVerifier {
    fn drop(&mut self) {
        if let Some(watcher) = &self.watcher {
            watcher.abort();
        }
    }
}

/// Verified tokens remembered at most; past it, expired ones are dropped
/// (all of them if none has expired).
const VERIFIED_TOKENS_KEPT: usize = 10_000;

impl TokenVerifier {
    pub fn new(
        source: Arc<dyn KeySource>,
        issuer: &str,
        audience: &str,
        service_secret: Option<&SecretString>,
    ) -> Self {
        let mut access_validation = Validation::new(Algorithm::EdDSA);
        access_validation.set_issuer(&[issuer]);
        access_validation.set_audience(&[audience]);
        access_validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        access_validation.leeway = TOKEN_LEEWAY.as_secs();
        let mut service_validation = Validation::new(Algorithm::HS256);
        service_validation.set_audience(&[SERVICE_AUDIENCE]);
        service_validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        service_validation.leeway = TOKEN_LEEWAY.as_secs();
        Self {
            source,
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
            access_validation,
            service_key: service_secret.map(|s| DecodingKey::from_secret(s.expose_secret().as_bytes())),
            service_validation,
            verified: std::sync::Mutex::new(HashMap::new()),
            revocations: None,
            watcher: None,
        }
    }

    /// Also refuses access tokens of sessions revoked on `source`, which a
    /// task follows from now on (see [`super::revocation`]). `grace`: how long
    /// the last known list is trusted while the feed is silent.
    pub fn with_revocations(mut self, source: Arc<dyn RevocationSource>, grace: Duration) -> Self {
        let list = Arc::new(RevocationList::new(grace));
        if let Some(previous) = self.watcher.replace(tokio::spawn(follow(list.clone(), source))) {
            previous.abort();
        }
        self.revocations = Some(list);
        self
    }

    /// Whether a caller verified earlier may still be served: for streams,
    /// which the access layer checks once, when they open.
    pub fn check_still_valid(&self, principal: &Principal) -> Result<(), VerifyError> {
        match (&self.revocations, &principal.session_id) {
            (Some(list), Some(session)) => list.check(session, now_seconds()),
            _ => Ok(()),
        }
    }

    /// Waits at most `limit` for the first complete list of revocations;
    /// false if it has not come (access tokens are refused until it does).
    pub async fn wait_for_revocations(&self, limit: Duration) -> bool {
        match &self.revocations {
            Some(list) => list.wait_caught_up(limit).await,
            None => true,
        }
    }

    /// Fetches the keys now; callers at start-up log a failure and carry on,
    /// since the first token with an unknown key id fetches again.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        *self.last_fetch.lock().await = Some(Instant::now());
        let fetched = self.source.fetch().await?;
        let mut keys = HashMap::with_capacity(fetched.len());
        for key in fetched {
            let decoding = DecodingKey::from_ed_components(&key.x)
                .map_err(|e| anyhow::anyhow!("published key {} is invalid: {e}", key.kid))?;
            keys.insert(key.kid, decoding);
        }
        *self.keys.write().await = keys;
        self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        Ok(())
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, VerifyError> {
        let now = now_seconds();
        // Only access tokens are remembered, by their exact text: no need to
        // read the header again.
        let principal = match self.remembered(token, now) {
            Some(principal) => principal,
            None => {
                let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
                match header.alg {
                    Algorithm::EdDSA => {
                        self.verify_access(token, header.kid.ok_or(VerifyError::Malformed)?, now).await?
                    }
                    Algorithm::HS256 => self.verify_service(token)?,
                    _ => return Err(VerifyError::Malformed),
                }
            }
        };
        // Service tokens have no session and are not revocable.
        if let (Some(list), Some(session)) = (&self.revocations, &principal.session_id) {
            list.check(session, now)?;
        }
        Ok(principal)
    }

    async fn verify_access(&self, token: &str, kid: String, now: i64) -> Result<Principal, VerifyError> {
        if !self.keys.read().await.contains_key(&kid) {
            self.refresh_for_unknown_key().await?;
        }
        let keys = self.keys.read().await;
        let key = keys.get(&kid).ok_or(VerifyError::UnknownKey)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.access_validation).map_err(refused)?;
        let role = role_from_name(&data.claims.role).filter(|r| *r != Role::Service).ok_or(VerifyError::Invalid)?;
        let principal = Principal {
            subject: data.claims.sub,
            role,
            session_id: Some(data.claims.sid),
            expires_at: data.claims.exp,
        };
        self.remember(token, &principal, now);
        Ok(principal)
    }

    /// A token verified before and not expired yet (the leeway granted to a
    /// full check is not granted here).
    fn remembered(&self, token: &str, now: i64) -> Option<Principal> {
        let verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        verified.get(token).filter(|principal| principal.expires_at > now).cloned()
    }

    fn remember(&self, token: &str, principal: &Principal, now: i64) {
        let mut verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if verified.len() >= VERIFIED_TOKENS_KEPT {
            verified.retain(|_, principal| principal.expires_at > now);
            if verified.len() >= VERIFIED_TOKENS_KEPT {
                verified.clear();
            }
        }
        verified.insert(token.to_owned(), principal.clone());
    }

    async fn refresh_for_unknown_key(&self) -> Result<(), VerifyError> {
        {
            let last = self.last_fetch.lock().await;
            if last.is_some_and(|at| at.elapsed() < KEY_REFRESH_MIN_INTERVAL) {
                return Ok(());
            }
        }
        self.refresh().await.map_err(|e| {
            tracing::warn!(error = %e, "fetching verification keys failed");
            VerifyError::KeysUnavailable
        })
    }

    fn verify_service(&self, token: &str) -> Result<Principal, VerifyError> {
        let key = self.service_key.as_ref().ok_or(VerifyError::Invalid)?;
        let data = jsonwebtoken::decode::<ServiceClaims>(token, key, &self.service_validation).map_err(refused)?;
        if data.claims.role != role_name(Role::Service) {
            return Err(VerifyError::Invalid);
        }
        Ok(Principal { subject: data.claims.sub, role: Role::Service, session_id: None, expires_at: data.claims.exp })
    }
}

/// Mints this service's tokens for calls to other services, reusing one until
/// it is close to expiry.
pub struct ServiceTokens {
    name: String,
    key: EncodingKey,
    cached: std::sync::Mutex<Option<(String, i64)>>,
}

impl ServiceTokens {
    pub fn new(service_name: &str, secret: &SecretString) -> Self {
        Self {
            name: service_name.into(),
            key: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            cached: std::sync::Mutex::new(None),
        }
    }

    pub fn token(&self) -> anyhow::Result<String> {
        let now = now_seconds();
        let mut cached = self.cached.lock().map_err(|_| anyhow::anyhow!("service token cache poisoned"))?;
        if let Some((token, exp)) = cached.as_ref()
            && *exp - now > 60
        {
            return Ok(token.clone());
        }
        let exp = now + i64::try_from(SERVICE_TOKEN_TTL.as_secs()).unwrap_or(300);
        let claims = ServiceClaims {
            sub: self.name.clone(),
            role: role_name(Role::Service).into(),
            aud: SERVICE_AUDIENCE.into(),
            iat: now,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)?;
        *cached = Some((token.clone(), exp));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::auth::Policies;
    use crate::auth::policy::authorize;
    use crate::proto::user::{RevokedSession, WatchRevocationsResponse};

    struct Keys {
        keys: std::sync::Mutex<Vec<PublicKey>>,
        fetches: AtomicUsize,
    }

    #[async_trait]
    impl KeySource for Keys {
        async fn fetch(&self) -> anyhow::Result<Vec<PublicKey>> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            Ok(self.keys.lock().unwrap().clone())
        }
    }

    fn setup() -> (SigningKeyPair, Arc<Keys>, TokenVerifier) {
        let pair = SigningKeyPair::generate().unwrap();
        let keys = Arc::new(Keys {
            keys: std::sync::Mutex::new(vec![pair.public_key().unwrap()]),
            fetches: AtomicUsize::new(0),
        });
        let secret = SecretString::from("service-secret-for-tests");
        let verifier = TokenVerifier::new(keys.clone(), "hms-user", "hms", Some(&secret));
        (pair, keys, verifier)
    }

    #[tokio::test]
    async fn access_tokens_verify_and_fetch_keys_on_an_unknown_kid() {
        let (pair, keys, verifier) = setup();
        let signer = TokenSigner::new(&pair, "hms-user", "hms", Duration::from_secs(60));
        let (token, _) = signer.sign("u1", Role::Doctor, "s1").unwrap();
        let principal = verifier.verify(&token).await.unwrap();
        assert_eq!((principal.subject.as_str(), principal.role), ("u1", Role::Doctor));
        assert_eq!(principal.session_id.as_deref(), Some("s1"));
        assert!(principal.expires_at > now_seconds());
        assert_eq!(keys.fetches.load(Ordering::SeqCst), 1);
        verifier.verify(&token).await.unwrap();
        assert_eq!(keys.fetches.load(Ordering::SeqCst), 1, "known kid needs no fetch");
    }

    #[tokio::test]
    async fn forged_expired_and_foreign_tokens_are_refused() {
        let (pair, _keys, verifier) = setup();
        let other = SigningKeyPair { kid: pair.kid.clone(), pkcs8: SigningKeyPair::generate().unwrap().pkcs8 };
        let forged = TokenSigner::new(&other, "hms-user", "hms", Duration::from_secs(60))
            .sign("u1", Role::Admin, "s")
            .unwrap()
            .0;
        assert!(matches!(verifier.verify(&forged).await, Err(VerifyError::Invalid)));
        let wrong_aud = TokenSigner::new(&pair, "hms-user", "elsewhere", Duration::from_secs(60))
            .sign("u1", Role::Admin, "s")
            .unwrap()
            .0;
        assert!(verifier.verify(&wrong_aud).await.is_err());
        assert!(matches!(verifier.verify("not.a.token").await, Err(VerifyError::Malformed)));
        let expired = {
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(pair.kid.clone());
            let claims = AccessClaims {
                sub: "u".into(),
                role: "ADMIN".into(),
                sid: "s".into(),
                iss: "hms-user".into(),
                aud: "hms".into(),
                iat: 0,
                exp: 1000,
                jti: "j".into(),
            };
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&pair.pkcs8)).unwrap()
        };
        assert!(matches!(verifier.verify(&expired).await, Err(VerifyError::Expired)));
        let status = super::super::policy::status_of(&VerifyError::Expired);
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        let details = tonic_types::StatusExt::get_error_details(&status);
        assert_eq!(details.error_info().map(|i| i.reason.as_str()), Some("TOKEN_EXPIRED"), "clients refresh on it");
    }

    /// A token verified once is not verified again while it lasts, but
    /// a withdrawn key stops it at the next key fetch, and a token differing
    /// in one character is checked in full.
    #[tokio::test]
    async fn remembered_tokens_stop_when_their_key_is_withdrawn() {
        let (pair, keys, verifier) = setup();
        let signer = TokenSigner::new(&pair, "hms-user", "hms", Duration::from_secs(60));
        let (token, _) = signer.sign("u1", Role::Doctor, "s1").unwrap();
        assert_eq!(verifier.verify(&token).await.unwrap().subject, "u1");
        assert_eq!(verifier.verify(&token).await.unwrap().subject, "u1");
        // One character of the claims changed.
        let at = token.find('.').unwrap() + 5;
        let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
        assert!(verifier.verify(&tampered).await.is_err());

        let successor = SigningKeyPair::generate().unwrap();
        *keys.keys.lock().unwrap() = vec![successor.public_key().unwrap()];
        verifier.refresh().await.unwrap();
        assert!(verifier.verify(&token).await.is_err(), "the withdrawn key's token still passed");
        let (fresh, _) = TokenSigner::new(&successor, "hms-user", "hms", Duration::from_secs(60))
            .sign("u2", Role::Patient, "s2")
            .unwrap();
        assert_eq!(verifier.verify(&fresh).await.unwrap().subject, "u2");
    }

    /// A revocation feed the test writes to.
    struct Feed(
        std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<anyhow::Result<WatchRevocationsResponse>>>>,
    );

    #[async_trait]
    impl RevocationSource for Feed {
        async fn watch(&self) -> anyhow::Result<crate::auth::RevocationStream> {
            match self.0.lock().unwrap().take() {
                Some(rx) => Ok(Box::pin(tokio_stream::wrappers::UnboundedReceiverStream::new(rx))),
                None => Ok(Box::pin(futures::stream::pending())),
            }
        }
    }

    #[tokio::test]
    async fn revoked_sessions_are_refused_even_once_remembered_and_service_tokens_never_are() {
        let (pair, _keys, verifier) = setup();
        let (feed, rx) = tokio::sync::mpsc::unbounded_channel();
        let verifier =
            verifier.with_revocations(Arc::new(Feed(std::sync::Mutex::new(Some(rx)))), Duration::from_secs(60));
        let signer = TokenSigner::new(&pair, "hms-user", "hms", Duration::from_secs(60));
        let (ended, _) = signer.sign("u1", Role::Patient, "s1").unwrap();
        let (live, _) = signer.sign("u1", Role::Patient, "s2").unwrap();
        let service = ServiceTokens::new("billing", &SecretString::from("service-secret-for-tests")).token().unwrap();

        // Before the first snapshot nothing is vouched for, but services are.
        assert!(matches!(verifier.verify(&ended).await, Err(VerifyError::RevocationsUnavailable)));
        verifier.verify(&service).await.unwrap();
        let policies = Policies::hms().unwrap();
        let me = "/hms.user.v1.UserService/GetMe";
        let status = authorize(&policies, &verifier, me, Some(&ended)).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unavailable, "retryable, not a reason to log in again");
        let login = authorize(&policies, &verifier, "/hms.user.v1.UserService/Login", Some(&ended)).await;
        assert_eq!(login.unwrap(), None, "a public method ignores the token");
        feed.send(Ok(WatchRevocationsResponse { sessions: vec![], caught_up: true })).unwrap();
        assert!(verifier.wait_for_revocations(Duration::from_secs(5)).await);
        verifier.verify(&ended).await.unwrap();

        let revoked = RevokedSession {
            session_digest: crate::auth::session_digest("s1"),
            expire_time: Some(prost_types::Timestamp { seconds: now_seconds() + 60, nanos: 0 }),
        };
        feed.send(Ok(WatchRevocationsResponse { sessions: vec![revoked], caught_up: true })).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while verifier.verify(&ended).await.is_ok() {
            assert!(Instant::now() < deadline, "the remembered token of a revoked session still verifies");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(matches!(verifier.verify(&ended).await, Err(VerifyError::Revoked)));
        let status = authorize(&policies, &verifier, me, Some(&ended)).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        verifier.verify(&live).await.unwrap();
        verifier.verify(&service).await.unwrap();
    }

    #[tokio::test]
    async fn service_tokens_carry_the_service_role_only_with_the_right_secret() {
        let (_pair, _keys, verifier) = setup();
        let good = ServiceTokens::new("appointment", &SecretString::from("service-secret-for-tests"));
        let principal = verifier.verify(&good.token().unwrap()).await.unwrap();
        assert_eq!((principal.subject.as_str(), principal.role), ("appointment", Role::Service));
        let bad = ServiceTokens::new("appointment", &SecretString::from("guessed"));
        assert!(verifier.verify(&bad.token().unwrap()).await.is_err());
    }
}
