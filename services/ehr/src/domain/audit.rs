//! The audit hash chain. Each entry's hash is SHA-256 over a canonical
//! encoding of its fields and the previous entry's hash, so changing,
//! removing or reordering a stored entry breaks the chain from that entry on.

use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};

/// The hash the first entry names as its predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry as stored: its fields, its place in the chain, its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub patient_id: String,
    pub resource: String,
    /// Unix microseconds.
    pub at: i64,
    pub client_address: String,
    /// ALLOWED, DENIED or FAILED.
    pub outcome: String,
    pub break_glass_reason: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this entry must carry: every field but `hash`, each written
    /// as its length, a colon and its bytes, so no two field lists encode the
    /// same way.
    pub fn compute_hash(&self) -> String {
        let mut canonical = Vec::with_capacity(256);
        let seq = self.seq.to_string();
        let at = self.at.to_string();
        for field in [
            seq.as_str(),
            &self.actor_id,
            &self.actor_role,
            &self.action,
            &self.patient_id,
            &self.resource,
            at.as_str(),
            &self.client_address,
            &self.outcome,
            &self.break_glass_reason,
            &self.prev_hash,
        ] {
            canonical.extend_from_slice(field.len().to_string().as_bytes());
            canonical.push(b':');
            canonical.extend_from_slice(field.as_bytes());
        }
        hex(digest(&SHA256, &canonical).as_ref())
    }

    /// Seals a new entry after `prev_hash` at position `seq`.
    pub fn chained(mut self, seq: i64, prev_hash: &str) -> Entry {
        self.seq = seq;
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.compute_hash();
        self
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Walks a chain in sequence order and reports its first broken entry.
#[derive(Debug)]
pub struct Verifier {
    prev_seq: i64,
    prev_hash: String,
    pub checked: i64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self { prev_seq: 0, prev_hash: GENESIS.to_owned(), checked: 0 }
    }
}

impl Verifier {
    /// Checks the next entry (`key` is its document id); the problem if broken.
    pub fn check(&mut self, key: &str, entry: &Entry) -> Result<(), String> {
        self.checked += 1;
        if key != document_key(entry.seq) {
            return Err(format!("stored under key {key} but claims sequence {}", entry.seq));
        }
        if entry.seq != self.prev_seq + 1 {
            return Err(format!("sequence {} follows {}: entries are missing", entry.seq, self.prev_seq));
        }
        if entry.prev_hash != self.prev_hash {
            return Err("does not name the previous entry's hash".into());
        }
        if entry.hash != entry.compute_hash() {
            return Err("its content does not match its hash".into());
        }
        self.prev_seq = entry.seq;
        self.prev_hash = entry.hash.clone();
        Ok(())
    }
}

/// The document key of an entry: its sequence number, zero-padded so keys
/// sort as numbers do. Two writers cannot both store the same number.
pub fn document_key(seq: i64) -> String {
    format!("{seq:020}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str) -> Entry {
        Entry {
            seq: 0,
            actor_id: actor.into(),
            actor_role: "DOCTOR".into(),
            action: "GetEncounter".into(),
            patient_id: "p1".into(),
            resource: "encounter/e1".into(),
            at: 1_700_000_000_000_000,
            client_address: "10.0.0.1".into(),
            outcome: "ALLOWED".into(),
            break_glass_reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let e = entry(&format!("d{seq}")).chained(seq, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[Entry]) -> Result<i64, (i64, String)> {
        let mut v = Verifier::default();
        for e in entries {
            v.check(&document_key(e.seq), e).map_err(|p| (e.seq, p))?;
        }
        Ok(v.checked)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(chain(1)[0].hash.len(), 64);
    }

    #[test]
    fn edits_removals_and_reorderings_are_found_where_they_start() {
        let mut edited = chain(5);
        edited[2].actor_id = "someone else".into();
        assert_eq!(verify(&edited).unwrap_err().0, 3);

        let mut rehashed = chain(5);
        rehashed[2].actor_id = "someone else".into();
        rehashed[2].hash = rehashed[2].compute_hash();
        assert_eq!(verify(&rehashed).unwrap_err().0, 4, "re-hashing one entry breaks the next link");

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify(&removed).unwrap_err().0, 3);

        let mut swapped = chain(5);
        swapped.swap(1, 2);
        assert!(verify(&swapped).is_err());
    }

    #[test]
    fn field_boundaries_matter() {
        let a = Entry { actor_id: "ab".into(), actor_role: "c".into(), ..entry("") }.chained(1, GENESIS);
        let b = Entry { actor_id: "a".into(), actor_role: "bc".into(), ..entry("") }.chained(1, GENESIS);
        assert_ne!(a.hash, b.hash);
    }
}
