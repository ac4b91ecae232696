//! The admin audit log's hash chain, as the EHR audit's: each entry's hash
//! is SHA-256 over a canonical encoding of its fields and the previous
//! entry's hash, so changing, removing or reordering a stored entry breaks
//! the chain from that entry on.

use ring::digest::{SHA256, digest};

/// The hash the first entry names as its predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub seq: i64,
    /// The reporting service's event id (its idempotency key).
    pub id: String,
    pub service: String,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// When the action was done, Unix microseconds.
    pub action_at: i64,
    /// When this service recorded it, Unix microseconds.
    pub recorded_at: i64,
    pub client_address: String,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this entry must carry: every field but `hash`, each written
    /// as its length, a colon and its bytes, so no two field lists encode
    /// the same way.
    pub fn compute_hash(&self) -> String {
        let mut canonical = Vec::with_capacity(512);
        let (seq, action_at, recorded_at) =
            (self.seq.to_string(), self.action_at.to_string(), self.recorded_at.to_string());
        for field in [
            seq.as_str(),
            &self.id,
            &self.service,
            &self.actor_id,
            &self.actor_role,
            &self.action,
            &self.target_type,
            &self.target_id,
            action_at.as_str(),
            recorded_at.as_str(),
            &self.client_address,
            &self.before,
            &self.after,
            &self.prev_hash,
        ] {
            canonical.extend_from_slice(field.len().to_string().as_bytes());
            canonical.push(b':');
            canonical.extend_from_slice(field.as_bytes());
        }
        digest(&SHA256, &canonical).as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Seals the entry at position `seq` after `prev_hash`.
    pub fn chained(mut self, seq: i64, prev_hash: &str) -> Entry {
        self.seq = seq;
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.compute_hash();
        self
    }
}

/// Walks the chain in sequence order and reports its first broken entry.
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
    /// Checks the next entry; the problem when it is broken.
    pub fn check(&mut self, entry: &Entry) -> Result<(), String> {
        self.checked += 1;
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
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// After the last entry: the head the store keeps must name it, so
    /// entries removed from the end are found too.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), String> {
        if head_seq != self.prev_seq || head_hash != self.prev_hash {
            return Err(format!("the log ends at {} but its head names entry {head_seq}", self.prev_seq));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let e = Entry { id: format!("e{seq}"), actor_id: format!("a{seq}"), ..Entry::default() }
                    .chained(seq, &prev);
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    fn verify(entries: &[Entry]) -> Result<i64, (i64, String)> {
        let mut v = Verifier::default();
        for e in entries {
            v.check(e).map_err(|p| (e.seq, p))?;
        }
        Ok(v.checked)
    }

    #[test]
    fn an_untouched_chain_verifies_and_tampering_is_found_where_it_starts() {
        assert_eq!(verify(&chain(4)), Ok(4));
        let mut edited = chain(4);
        edited[1].after = "forged".into();
        assert_eq!(verify(&edited).unwrap_err().0, 2);
        let mut rehashed = chain(4);
        rehashed[1].after = "forged".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(verify(&rehashed).unwrap_err().0, 3);
        let mut removed = chain(4);
        removed.remove(1);
        assert_eq!(verify(&removed).unwrap_err().0, 3);
    }

    #[test]
    fn a_truncated_tail_disagrees_with_the_head() {
        let entries = chain(3);
        let mut v = Verifier::default();
        for e in &entries[..2] {
            v.check(e).unwrap();
        }
        assert!(v.finish(3, &entries[2].hash).is_err());
        v.check(&entries[2]).unwrap();
        assert!(v.finish(3, &entries[2].hash).is_ok());
    }

    #[test]
    fn field_boundaries_matter() {
        let a = Entry { actor_id: "ab".into(), actor_role: "c".into(), ..Entry::default() }.chained(1, GENESIS);
        let b = Entry { actor_id: "a".into(), actor_role: "bc".into(), ..Entry::default() }.chained(1, GENESIS);
        assert_ne!(a.hash, b.hash);
    }
}
