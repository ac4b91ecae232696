//! Web Push: a message to a browser's push service (RFC 8030), its payload
//! encrypted for that browser alone (RFC 8291, the `aes128gcm` content
//! coding of RFC 8188), the request signed with the server's VAPID key
//! (RFC 8292), so the push service knows who sends and the browser takes
//! only what was sent with the key it subscribed with.
//!
//! Everything is `ring`: ECDH on P-256 with a one-use key per message,
//! HKDF-SHA256, AES-128-GCM, and ECDSA P-256 SHA-256 for the VAPID JWT.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Section `[notification.push]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// Send Web Push at all. On without a VAPID key, push stays off (with a
    /// warning at start): a key made up at each start would orphan every
    /// browser's subscription at the next.
    pub enabled: bool,
    /// The VAPID signing key: standard base64 of a PKCS#8 P-256 key
    /// (`hms up` generates it into `data/secrets.toml`). Changing it orphans
    /// every subscription: browsers subscribed with its public key.
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub vapid_private_key: Option<SecretString>,
    /// The VAPID `sub` claim: how a push service reaches the operator
    /// (`mailto:` or `https:`).
    pub subject: String,
    /// Longest exchange with a push service; a timeout is retried.
    #[serde(with = "hms_kit::config::millis", alias = "timeout_ms")]
    pub timeout: Duration,
    /// How long a push service keeps a message for a browser that is offline
    /// (RFC 8030 `TTL`, sent in whole seconds).
    #[serde(with = "hms_kit::config::millis", alias = "ttl_ms")]
    pub ttl: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            vapid_private_key: None,
            subject: "mailto:admin@hms.local".into(),
            timeout: Duration::from_millis(10_000),
            ttl: Duration::from_millis(86_400_000),
        }
    }
}

/// A fresh VAPID key as `vapid_private_key` takes it: standard base64 of PKCS#8.
pub fn generate_vapid_key() -> anyhow::Result<String> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
    Ok(STANDARD.encode(pkcs8.as_ref()))
}

/// The server's VAPID identity (RFC 8292).
pub struct Vapid {
    key: EcdsaKeyPair,
    /// base64url of the uncompressed public point: the `k=` parameter and
    /// the browser's `applicationServerKey`.
    public_key: String,
    subject: String,
}

/// How long a VAPID token is valid (RFC 8292 §2: at most 24 hours).
const VAPID_VALIDITY_SECS: i64 = 12 * 3600;

impl Vapid {
    pub fn new(private_key: &SecretString, subject: &str) -> anyhow::Result<Self> {
        let der = STANDARD
            .decode(private_key.expose_secret().trim())
            .map_err(|_| anyhow::anyhow!("notification.push.vapid_private_key is not base64"))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("notification.push.vapid_private_key is not a PKCS#8 P-256 key"))?;
        anyhow::ensure!(
            subject.starts_with("mailto:") || subject.starts_with("https:"),
            "notification.push.subject must be a mailto: or https: URI"
        );
        let public_key = URL_SAFE_NO_PAD.encode(key.public_key().as_ref());
        Ok(Self { key, public_key, subject: subject.to_owned() })
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292 §3) for a
    /// request to `endpoint`: an ES256 JWT whose `aud` is the endpoint's
    /// origin, expiring `VAPID_VALIDITY_SECS` after `now` (Unix seconds).
    pub fn authorization(&self, endpoint: &reqwest::Url, now: i64) -> Result<String, String> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": endpoint.origin().ascii_serialization(),
            "exp": now + VAPID_VALIDITY_SECS,
            "sub": self.subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| "the VAPID token cannot be signed".to_owned())?;
        Ok(format!("vapid t={signing_input}.{}, k={}", URL_SAFE_NO_PAD.encode(signature.as_ref()), self.public_key))
    }
}

/// The record size announced in the header (RFC 8188 §2.1): one record
/// holds the whole message.
const RECORD_SIZE: u32 = 4096;
/// salt (16) ‖ rs (4) ‖ idlen (1) ‖ keyid (65): RFC 8291 §4.
const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// What a push service must accept (RFC 8030 §7.2) is 4096 bytes of body:
/// the header, the plaintext, its delimiter and the 16-byte tag.
pub const MAX_PLAINTEXT: usize = 4096 - HEADER_LEN - 1 - 16;

/// A length for HKDF-Expand's output.
struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Vec<u8> {
    let mut out = vec![0_u8; len];
    Salt::new(HKDF_SHA256, salt)
        .extract(ikm)
        .expand(info, Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .expect("HKDF-SHA256 output of at most 32 bytes");
    out
}

/// RFC 8291 §3.4 and RFC 8188 §2, once the ECDH secret is known: the whole
/// `aes128gcm` body for one record. Split from `encrypt` so that the RFC's
/// worked example (Appendix A), with its fixed keys and salt, checks it.
fn encrypt_with(
    ecdh_secret: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    auth_secret: &[u8],
    salt: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, String> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(format!("the push message is {} bytes, more than {MAX_PLAINTEXT}", plaintext.len()));
    }
    // PRK_key = HKDF-Extract(auth_secret, ecdh_secret); IKM = HKDF-Expand(PRK_key,
    // "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32).
    let ikm = hkdf(auth_secret, ecdh_secret, &[b"WebPush: info\0", ua_public, as_public], 32);
    // RFC 8188 §2.2 and §2.3: CEK and NONCE from PRK = HKDF-Extract(salt, IKM).
    let cek = hkdf(salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16);
    let nonce = hkdf(salt, &ikm, &[b"Content-Encoding: nonce\0"], 12);
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| "bad content key".to_owned())?);
    // The only record is the last: its padding delimiter is 0x02, with no
    // padding after it. Record 0's nonce is NONCE itself (XOR 0).
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(2);
    let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| "bad nonce".to_owned())?;
    key.seal_in_place_append_tag(nonce, Aad::empty(), &mut record).map_err(|_| "encryption failed".to_owned())?;
    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(u8::try_from(as_public.len()).map_err(|_| "bad key".to_owned())?);
    body.extend_from_slice(as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// Encrypts `plaintext` for the browser whose subscription keys are
/// `ua_public` (p256dh, 65 bytes) and `auth_secret` (16 bytes): RFC 8291,
/// with a fresh ECDH key and salt for each message.
pub fn encrypt(plaintext: &[u8], ua_public: &[u8], auth_secret: &[u8]) -> Result<Vec<u8>, String> {
    let rng = SystemRandom::new();
    let mut salt = [0_u8; 16];
    rng.fill(&mut salt).map_err(|_| "no randomness available".to_owned())?;
    let private = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| "no ECDH key".to_owned())?;
    let as_public = private.compute_public_key().map_err(|_| "no ECDH key".to_owned())?;
    let peer = UnparsedPublicKey::new(&ECDH_P256, ua_public);
    agree_ephemeral(private, &peer, |secret| {
        encrypt_with(secret, ua_public, as_public.as_ref(), auth_secret, &salt, plaintext)
    })
    .map_err(|_| "the subscription's p256dh key is not a P-256 point".to_owned())?
}

/// Whether `bytes` is an uncompressed P-256 point on the curve: what a
/// subscription's p256dh must be.
pub fn is_p256_point(bytes: &[u8]) -> bool {
    if bytes.len() != 65 || bytes[0] != 4 {
        return false;
    }
    // ring checks the point when it agrees on a secret with it.
    let Ok(private) = EphemeralPrivateKey::generate(&ECDH_P256, &SystemRandom::new()) else { return false };
    agree_ephemeral(private, &UnparsedPublicKey::new(&ECDH_P256, bytes), |_| ()).is_ok()
}

/// A browser's subscription, as the sender needs it.
pub struct Target<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a [u8],
    pub auth: &'a [u8],
}

/// Why a push did not reach one browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// 404 or 410: the subscription is gone (RFC 8030 §7.3); never try it again.
    Gone(String),
    /// Will not succeed as is (400, 413, other refusals).
    Permanent(String),
    /// Worth another try (429, 5xx, timeouts, refused connections).
    Transient(String),
}

/// Sends pushes over HTTP: one POST per browser.
pub struct PushSender {
    client: reqwest::Client,
    vapid: Vapid,
    ttl_secs: u64,
}

impl PushSender {
    /// None when push is off, or on without a key (logged).
    pub fn from_config(config: &PushConfig) -> anyhow::Result<Option<Self>> {
        if !config.enabled {
            return Ok(None);
        }
        // An empty key (an unset variable passed through) is no key.
        let key = config.vapid_private_key.as_ref().filter(|k| !k.expose_secret().trim().is_empty());
        let Some(key) = key else {
            tracing::warn!(
                "Web Push is off: notification.push.vapid_private_key is not set \
                 (HMS_NOTIFICATION__PUSH__VAPID_PRIVATE_KEY; `hms up` generates it)"
            );
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            // A push service answers; it does not send us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Some(Self { client, vapid: Vapid::new(key, &config.subject)?, ttl_secs: config.ttl.as_secs() }))
    }

    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }

    /// Delivers `payload` to one browser (RFC 8030 §5) with the `Urgency` given.
    pub async fn send(&self, target: &Target<'_>, payload: &[u8], urgency: &str) -> Result<(), PushError> {
        let url =
            reqwest::Url::parse(target.endpoint).map_err(|e| PushError::Permanent(format!("bad endpoint: {e}")))?;
        let body = encrypt(payload, target.p256dh, target.auth).map_err(PushError::Permanent)?;
        let authorization = self.vapid.authorization(&url, hms_kit::time::now_micros() / 1_000_000);
        let authorization = authorization.map_err(PushError::Transient)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let response = self
            .client
            .post(url)
            .header("TTL", self.ttl_secs.to_string())
            .header("Urgency", urgency)
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", authorization)
            .body(body)
            .send()
            .await
            // The URL is the browser's secret: errors name its host only.
            .map_err(|e| {
                let e = e.without_url();
                if e.is_timeout() {
                    PushError::Transient(format!("push service {host} timed out"))
                } else {
                    PushError::Transient(format!("push service {host} unreachable: {e}"))
                }
            })?;
        classify(response.status().as_u16(), &host)
    }
}

/// What a push service's answer means for the subscription (RFC 8030 §5,
/// §7.3, §8.4; RFC 8292 §4).
fn classify(status: u16, host: &str) -> Result<(), PushError> {
    let error = format!("push service {host} answered HTTP {status}");
    match status {
        200..=299 => Ok(()),
        404 | 410 => Err(PushError::Gone(error)),
        408 | 429 | 500..=599 => Err(PushError::Transient(error)),
        _ => Err(PushError::Permanent(error)),
    }
}

#[cfg(test)]
mod tests {
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    use super::*;

    fn b64(text: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text).unwrap()
    }

    /// RFC 8291, Appendix A: the worked example, byte for byte.
    #[test]
    fn the_rfc_8291_example_encrypts_to_its_published_body() {
        let plaintext = b"When I grow up, I want to be a watermelon";
        let as_private = p256::SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        let as_public = as_private.public_key().to_encoded_point(false);
        assert_eq!(
            as_public.as_bytes(),
            b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
        );
        let ua_public = b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        let auth = b64("BTBZMqHH6r4Tts7J_aSIgg");
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let ua_key = p256::PublicKey::from_sec1_bytes(&ua_public).unwrap();
        let shared = p256::ecdh::diffie_hellman(as_private.to_nonzero_scalar(), ua_key.as_affine());
        let ecdh_secret = shared.raw_secret_bytes();
        assert_eq!(ecdh_secret.as_slice(), b64("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"));
        let body = encrypt_with(ecdh_secret, &ua_public, as_public.as_bytes(), &auth, &salt, plaintext).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK\
             6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn a_message_too_long_for_one_record_is_refused() {
        let ua = p256::SecretKey::from_slice(&[3; 32]).unwrap();
        let public = ua.public_key().to_encoded_point(false);
        assert!(encrypt(&vec![b'x'; MAX_PLAINTEXT], public.as_bytes(), &[7; 16]).is_ok());
        assert!(encrypt(&vec![b'x'; MAX_PLAINTEXT + 1], public.as_bytes(), &[7; 16]).is_err());
        assert!(encrypt(b"hi", &[4; 65], &[7; 16]).is_err(), "not a point on the curve");
    }

    #[test]
    fn only_points_on_the_curve_are_subscription_keys() {
        let ua = p256::SecretKey::from_slice(&[5; 32]).unwrap();
        assert!(is_p256_point(ua.public_key().to_encoded_point(false).as_bytes()));
        assert!(!is_p256_point(ua.public_key().to_encoded_point(true).as_bytes()), "compressed");
        assert!(!is_p256_point(&[4; 65]));
    }

    #[test]
    fn a_key_made_by_openssl_is_a_vapid_key() {
        // openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -nocrypt -outform DER
        let openssl = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYmT3Vaca9mnCDpbPvq2dtEX08JRQqslC4g60S+sVV66hRANCAATy\
                       DC9kwHnamME6pr32b3gTmiSXzf5wL/69cVhecYZZ+FlZMu4deMT7wmPAAuK+lQ0llWhJB0VO1WHLLAa6/0It";
        let vapid = Vapid::new(&SecretString::from(openssl), "mailto:ops@example.com").unwrap();
        assert_eq!(vapid.public_key().len(), 87, "65 bytes, base64url");
        assert!(Vapid::new(&SecretString::from("bm90IGEga2V5"), "mailto:ops@example.com").is_err());
    }

    #[test]
    fn answers_are_sent_gone_final_or_worth_a_retry() {
        assert!([200, 201, 202].iter().all(|s| classify(*s, "h").is_ok()));
        assert!([404, 410].iter().all(|s| matches!(classify(*s, "h"), Err(PushError::Gone(_)))));
        assert!([400, 403, 413].iter().all(|s| matches!(classify(*s, "h"), Err(PushError::Permanent(_)))));
        assert!([429, 500, 503].iter().all(|s| matches!(classify(*s, "h"), Err(PushError::Transient(_)))));
    }

    #[test]
    fn the_vapid_key_is_redacted_when_the_configuration_is_shown() {
        let key = generate_vapid_key().unwrap();
        let config = PushConfig { vapid_private_key: Some(SecretString::from(key.clone())), ..PushConfig::default() };
        let shown = serde_json::to_string(&config).unwrap();
        assert!(shown.contains("\"vapid_private_key\":\"[REDACTED]\"") && !shown.contains(&key), "{shown}");
        assert!(PushSender::from_config(&config).unwrap().is_some());
        assert!(PushSender::from_config(&PushConfig::default()).unwrap().is_none(), "no key: off");
        let empty = PushConfig { vapid_private_key: Some(SecretString::from(" ")), ..PushConfig::default() };
        assert!(PushSender::from_config(&empty).unwrap().is_none(), "an empty key: off");
        let off = PushConfig { enabled: false, ..config.clone() };
        assert!(PushSender::from_config(&off).unwrap().is_none());
        let bad_subject = PushConfig { subject: "admin@hms.local".into(), ..config };
        assert!(PushSender::from_config(&bad_subject).is_err());
    }
}
