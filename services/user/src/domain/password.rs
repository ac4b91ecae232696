//! Password policy and Argon2id hashing.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 8;
/// Argon2 input is bounded so a huge "password" cannot be used to burn CPU.
pub const MAX_LENGTH: usize = 128;

/// Why a password is refused, or None when it is acceptable.
pub fn policy_violation(password: &str, username: &str, email: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some("must have at least 8 characters");
    }
    if length > MAX_LENGTH {
        return Some("must have at most 128 characters");
    }
    let lower = password.to_lowercase();
    if (!username.is_empty() && lower == username.to_lowercase())
        || (!email.is_empty() && lower == email.to_lowercase())
    {
        return Some("must not be the username or the email");
    }
    None
}

fn argon2() -> Argon2<'static> {
    // OWASP's first Argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A valid hash of a random password, verified against when the account does
/// not exist so that a login takes as long either way.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&uuid::Uuid::now_v7().to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(policy_violation("short", "u", "e@x.io"), Some("must have at least 8 characters"));
        assert_eq!(
            policy_violation("Alice.Smith", "alice.smith", "a@x.io"),
            Some("must not be the username or the email")
        );
        assert_eq!(
            policy_violation("a@example.com", "alice", "A@Example.com"),
            Some("must not be the username or the email")
        );
        assert_eq!(policy_violation(&"x".repeat(129), "u", "e"), Some("must have at most 128 characters"));
        assert_eq!(policy_violation("correct horse", "alice", "a@x.io"), None);
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse", &a));
        assert!(!verify("wrong horse", &a));
        assert!(!verify("correct horse", "not a hash"));
    }
}
