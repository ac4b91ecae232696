//! Opaque tokens and field encryption at rest (AES-256-GCM, key id stored
//! beside the ciphertext so keys can be rotated).

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// `n` random bytes as standard base64: generated secrets and keys.
pub fn random_secret(n: usize) -> anyhow::Result<String> {
    let mut bytes = vec![0_u8; n];
    SystemRandom::new().fill(&mut bytes).map_err(|_| anyhow::anyhow!("no randomness available"))?;
    Ok(STANDARD.encode(bytes))
}

/// A random token for a client to hold (refresh, password reset): 256 bits.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0_u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| anyhow::anyhow!("no randomness available"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token: its SHA-256, hex. A leaked table
/// yields no usable token.
pub fn token_digest(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = digest(&SHA256, token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.as_ref() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// The keys of one service's field encryption, as configured: for example
/// `HMS_EHR__ENCRYPTION__KEYS__K1` with `key_id = "k1"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncryptionConfig {
    /// Id of the key that seals new data.
    pub key_id: String,
    /// Key id to base64 of 32 random bytes; keep old ids for rotation.
    #[serde(serialize_with = "crate::config::redacted::serialize")]
    pub keys: BTreeMap<String, SecretString>,
}

impl Default for EncryptionConfig {
    fn default() -> Self {
        Self { key_id: "k1".into(), keys: BTreeMap::new() }
    }
}

impl EncryptionConfig {
    /// One fresh key `k1`, for a system whose sealed data may die with it
    /// (tests, benchmarks).
    pub fn random() -> anyhow::Result<Self> {
        let key = random_secret(32)?;
        Ok(Self { key_id: "k1".into(), keys: BTreeMap::from([("k1".into(), SecretString::from(key))]) })
    }

    /// `section` names the configuration section in the error, e.g. `ehr`.
    pub fn sealer(&self, section: &str) -> anyhow::Result<Sealer> {
        anyhow::ensure!(
            !self.keys.is_empty(),
            "{section}.encryption.keys is empty: set HMS_{}__ENCRYPTION__KEYS__K1 to base64 of 32 random bytes \
             (e.g. `openssl rand -base64 32`)",
            section.to_uppercase()
        );
        let keys: Vec<(String, String)> =
            self.keys.iter().map(|(id, key)| (id.clone(), key.expose_secret().to_owned())).collect();
        Sealer::new(&self.key_id, &keys)
    }
}

/// Seals and opens byte strings with AES-256-GCM. New data uses the current
/// key; older keys stay available for opening until data is re-sealed.
pub struct Sealer {
    current: String,
    keys: HashMap<String, LessSafeKey>,
}

impl Sealer {
    /// `keys`: key id to base64 of 32 bytes; `current` must be among them.
    pub fn new(current: &str, keys: &[(String, String)]) -> anyhow::Result<Self> {
        let mut parsed = HashMap::new();
        for (kid, encoded) in keys {
            let bytes =
                STANDARD.decode(encoded.trim()).map_err(|_| anyhow::anyhow!("encryption key {kid} is not base64"))?;
            anyhow::ensure!(bytes.len() == 32, "encryption key {kid} must be 32 bytes, found {}", bytes.len());
            let key =
                UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| anyhow::anyhow!("encryption key {kid} rejected"))?;
            parsed.insert(kid.clone(), LessSafeKey::new(key));
        }
        anyhow::ensure!(parsed.contains_key(current), "current encryption key id {current} has no key");
        Ok(Self { current: current.to_owned(), keys: parsed })
    }

    /// nonce ‖ ciphertext ‖ tag. `context` (the owner's id) is authenticated,
    /// so a sealed value cannot be moved to another row.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> anyhow::Result<(String, Vec<u8>)> {
        let key = self.keys.get(&self.current).ok_or_else(|| anyhow::anyhow!("current key missing"))?;
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| anyhow::anyhow!("no randomness available"))?;
        let mut buffer = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Ok((self.current.clone(), out))
    }

    pub fn open(&self, key_id: &str, sealed: &[u8], context: &str) -> anyhow::Result<Vec<u8>> {
        let key = self.keys.get(key_id).ok_or_else(|| anyhow::anyhow!("no key with id {key_id} is configured"))?;
        anyhow::ensure!(sealed.len() > NONCE_LEN, "sealed value is truncated");
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buffer = body.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| anyhow::anyhow!("sealed value failed authentication"))?;
        Ok(plain.to_vec())
    }
}

/// A sealed string as JSON documents and outbox payloads carry it: a secret
/// (a reset link, say) travelling through a store that must not hold it
/// readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedText {
    pub key_id: String,
    /// Base64 of nonce ‖ ciphertext ‖ tag.
    pub sealed: String,
}

impl Sealer {
    /// Seals `text`, bound to `context` (the owning record's id).
    pub fn seal_text(&self, text: &str, context: &str) -> anyhow::Result<SealedText> {
        let (key_id, sealed) = self.seal(text.as_bytes(), context)?;
        Ok(SealedText { key_id, sealed: STANDARD.encode(sealed) })
    }

    pub fn open_text(&self, sealed: &SealedText, context: &str) -> anyhow::Result<String> {
        let bytes = STANDARD.decode(&sealed.sealed).map_err(|_| anyhow::anyhow!("sealed text is not base64"))?;
        String::from_utf8(self.open(&sealed.key_id, &bytes, context)?)
            .map_err(|_| anyhow::anyhow!("sealed text is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(current: &str) -> Sealer {
        let k1 = STANDARD.encode([1_u8; 32]);
        let k2 = STANDARD.encode([2_u8; 32]);
        Sealer::new(current, &[("k1".into(), k1), ("k2".into(), k2)]).unwrap()
    }

    #[test]
    fn seals_open_with_their_key_and_context_only() {
        let (kid, sealed) = sealer("k1").seal(b"national id 0123", "user-1").unwrap();
        assert_eq!(kid, "k1");
        assert!(!sealed.windows(4).any(|w| w == b"0123"), "plaintext must not appear");
        // After rotation to k2 the old value still opens with k1.
        let rotated = sealer("k2");
        assert_eq!(rotated.open(&kid, &sealed, "user-1").unwrap(), b"national id 0123");
        assert!(rotated.open(&kid, &sealed, "user-2").is_err());
        assert!(rotated.open("k2", &sealed, "user-1").is_err());
        assert!(rotated.open("k1", &sealed[..5], "user-1").is_err());
    }

    #[test]
    fn configured_keys_build_a_sealer() {
        let mut config = EncryptionConfig::default();
        let error = config.sealer("ehr").err().unwrap().to_string();
        assert!(error.contains("HMS_EHR__ENCRYPTION__KEYS__K1"), "{error}");
        config.keys.insert("k1".into(), STANDARD.encode([7_u8; 32]).into());
        let (kid, sealed) = config.sealer("ehr").unwrap().seal(b"note", "p1").unwrap();
        assert_eq!(config.sealer("ehr").unwrap().open(&kid, &sealed, "p1").unwrap(), b"note");
    }

    #[test]
    fn sealed_text_round_trips_through_json_without_its_plaintext() {
        let sealer = sealer("k1");
        let sealed = sealer.seal_text("https://hms/reset?token=s3cret", "user-1").unwrap();
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        let back: SealedText = serde_json::from_str(&json).unwrap();
        assert_eq!(sealer.open_text(&back, "user-1").unwrap(), "https://hms/reset?token=s3cret");
        assert!(sealer.open_text(&back, "user-2").is_err(), "bound to its owner");
    }

    #[test]
    fn keys_are_checked() {
        assert!(Sealer::new("k1", &[("k1".into(), STANDARD.encode([0_u8; 16]))]).is_err());
        assert!(Sealer::new("k9", &[("k1".into(), STANDARD.encode([0_u8; 32]))]).is_err());
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = new_token().unwrap();
        assert_ne!(a, new_token().unwrap());
        assert_eq!(a.len(), 43);
        assert_eq!(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
