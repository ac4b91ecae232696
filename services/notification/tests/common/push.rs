//! The outside of Web Push, played by the test: a push service (RFC 8030)
//! that records what it is sent and answers 201, or a scripted status, per
//! subscription; and browsers, each holding its P-256 key and auth secret,
//! that decrypt what reached them (RFC 8291 §3.4, the receiver's side) and
//! check the sender's VAPID token (RFC 8292) as a push service would.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

/// One message as the push service received it.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The subscription's name (the endpoint's last segment).
    pub subscription: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// What it was answered.
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    received: Vec<Pushed>,
    /// Per subscription, the statuses of its next answers; 201 after.
    script: HashMap<String, VecDeque<u16>>,
}

#[derive(Clone)]
pub struct PushService {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(subscription): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let mut inner = inner.lock().unwrap();
    let status = inner.script.get_mut(&subscription).and_then(VecDeque::pop_front).unwrap_or(201);
    let headers = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    inner.received.push(Pushed { subscription, headers, body: body.to_vec(), status });
    StatusCode::from_u16(status).unwrap()
}

impl PushService {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app =
            axum::Router::new().route("/push/{subscription}", axum::routing::post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { port, inner }
    }

    /// What `aud` a VAPID token for this service must name.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn endpoint(&self, subscription: &str) -> String {
        format!("{}/push/{subscription}", self.origin())
    }

    /// Answers the next messages to `subscription` so, in order.
    pub fn script(&self, subscription: &str, statuses: &[u16]) {
        self.inner.lock().unwrap().script.entry(subscription.to_owned()).or_default().extend(statuses);
    }

    pub fn received(&self) -> Vec<Pushed> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The messages `subscription` received and took (2xx).
    pub fn accepted(&self, subscription: &str) -> Vec<Pushed> {
        self.received().into_iter().filter(|p| p.subscription == subscription && p.status < 300).collect()
    }
}

/// A browser subscribed at `endpoint`.
pub struct Browser {
    key: p256::SecretKey,
    auth: [u8; 16],
    pub name: String,
    pub endpoint: String,
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Vec<u8> {
    let mut out = vec![0_u8; len];
    Salt::new(HKDF_SHA256, salt).extract(ikm).expand(info, Len(len)).unwrap().fill(&mut out).unwrap();
    out
}

impl Browser {
    /// A browser with keys derived from `seed`, subscribed at `push`.
    pub fn new(push: &PushService, name: &str, seed: u8) -> Self {
        let key = p256::SecretKey::from_slice(&[seed; 32]).unwrap();
        Self { key, auth: [seed.wrapping_mul(7); 16], name: name.to_owned(), endpoint: push.endpoint(name) }
    }

    /// `PushSubscription.getKey("p256dh")`, base64url.
    pub fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_key())
    }

    pub fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    fn public_key(&self) -> Vec<u8> {
        self.key.public_key().to_encoded_point(false).as_bytes().to_vec()
    }

    /// Decrypts an `aes128gcm` body (RFC 8188 §2, keys from RFC 8291 §3.4).
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let salt = &body[..16];
        let record_size = u32::from_be_bytes(body[16..20].try_into().unwrap());
        let id_len = usize::from(body[20]);
        assert_eq!(id_len, 65, "keyid: the sender's uncompressed P-256 key");
        let sender = &body[21..21 + id_len];
        let ciphertext = &body[21 + id_len..];
        assert!(ciphertext.len() <= record_size as usize, "one record");
        let sender_key = p256::PublicKey::from_sec1_bytes(sender).expect("a P-256 point");
        let shared = p256::ecdh::diffie_hellman(self.key.to_nonzero_scalar(), sender_key.as_affine());
        let ikm = hkdf(&self.auth, shared.raw_secret_bytes(), &[b"WebPush: info\0", &self.public_key(), sender], 32);
        let cek = hkdf(salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16);
        let nonce = hkdf(salt, &ikm, &[b"Content-Encoding: nonce\0"], 12);
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).unwrap());
        let mut record = ciphertext.to_vec();
        let plain = key
            .open_in_place(Nonce::try_assume_unique_for_key(&nonce).unwrap(), Aad::empty(), &mut record)
            .expect("the record opens with the browser's keys");
        let end = plain.iter().rposition(|b| *b != 0).expect("a delimiter");
        assert_eq!(plain[end], 2, "the last record's delimiter");
        plain[..end].to_vec()
    }

    /// The message as the service worker reads it.
    pub fn payload(&self, pushed: &Pushed) -> serde_json::Value {
        serde_json::from_slice(&self.decrypt(&pushed.body)).expect("JSON")
    }
}

/// Checks `Authorization: vapid t=…, k=…` as a push service does (RFC 8292
/// §2–§4): `k` is the server's public key, the JWT is ES256-signed with it,
/// names the push service's origin and expires within 24 hours. Its claims.
pub fn verify_vapid(authorization: &str, public_key: &str, origin: &str) -> serde_json::Value {
    let rest = authorization.strip_prefix("vapid ").unwrap_or_else(|| panic!("not VAPID: {authorization}"));
    let params: BTreeMap<&str, &str> = rest.split(',').map(|p| p.trim().split_once('=').expect("name=value")).collect();
    assert_eq!(params["k"], public_key, "k= is the key of GetPushSettings");
    let token = params["t"];
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let key = URL_SAFE_NO_PAD.decode(public_key).unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key)
        .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("the JWT is signed with the VAPID key");
    let (header, claims) = signed.split_once('.').unwrap();
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(exp > now && exp <= now + 24 * 3600, "exp within 24 hours: {exp} (now {now})");
    claims
}
