//! Resource ids. Every service issues UUIDv7 strings, opaque to clients so
//! that nothing can be enumerated; one rule checks every id a request names,
//! whichever service issued it.

use crate::error::FieldViolations;

/// The longest id: a UUID is 36 characters; the rest is room for ids other
/// systems issue (a payment provider's charge ids, `ch_` and a UUID's 32 hex
/// digits).
pub const MAX_ID_LEN: usize = 64;

/// A new id: a UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `id` can be an HMS id: 1 to 64 ASCII letters, digits, `-` or `_`.
/// That is every id the services issue, and nothing that could need
/// escaping in a query, a log line or a URL.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Adds a violation naming `field` when the id is missing or breaks the rule.
pub fn check_id(v: &mut FieldViolations, field: &str, id: &str) {
    if id.is_empty() {
        v.add(field, "is required");
    } else if !is_valid_id(id) {
        v.add(field, "must be at most 64 letters, digits, '-' or '_'");
    }
}

/// [`check_id`] for an optional id: an empty one is fine.
pub fn check_optional_id(v: &mut FieldViolations, field: &str, id: &str) {
    if !id.is_empty() {
        check_id(v, field, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_issued_id_passes_and_nothing_odd_does() {
        assert!(is_valid_id(&new_id()));
        assert!(is_valid_id(&format!("ch_{}", uuid::Uuid::now_v7().simple())));
        assert!(is_valid_id("patient-1"));
        for odd in ["", "p 1", "a/b", "x\n", "é", &"x".repeat(65)] {
            assert!(!is_valid_id(odd), "{odd:?}");
        }
        let mut v = FieldViolations::new();
        check_id(&mut v, "a", "");
        check_id(&mut v, "b", "p 1");
        check_optional_id(&mut v, "c", "");
        check_optional_id(&mut v, "d", "d-1");
        assert_eq!(v.into_status().message(), "a: is required; b: must be at most 64 letters, digits, '-' or '_'");
    }
}
