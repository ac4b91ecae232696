//! A hash-chained audit trail in one collection of a document store, for
//! the services that keep one (EHR, pharmacy, laboratory). Each entry's hash
//! is SHA-256 over a canonical encoding of its fields and the previous
//! entry's hash, so changing, removing or reordering a stored entry breaks
//! the chain from that entry on.
//!
//! An entry's document key is its sequence number, so of two writers (in one
//! process or in two replicas) taking the same number only one insert
//! succeeds; the other reads the new tail and tries the next number.
//!
//! Appends in one process share their writes: while one batch is written
//! the next appenders wait together, and the next turn writes them all in
//! order at once (one transaction on SQLite, one `insertMany` on MongoDB),
//! so a busy service appends at the store's batch rate rather than one
//! round trip per entry.

use std::sync::Arc;

use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};

use super::typed::{PageOf, StoreError, eq, from_stored, to_value};
use super::{DocError, DocumentStore, IndexSpec, Order, Query};

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

fn answer_all(waiting: impl IntoIterator<Item = Waiting>, error: &StoreError) {
    for (_, answer) in waiting {
        let _ = answer.send(Err(error.clone()));
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

/// One audit chain in one collection of a document store; cheap to clone (Arc inside).
#[derive(Clone)]
pub struct AuditChain {
    docs: Arc<dyn DocumentStore>,
    collection: &'static str,
    /// The last entry this process knows of (sequence, hash). Batches in one
    /// process take turns on this lock; other replicas are caught by the
    /// unique document key, after which the tail is read again.
    tail: Arc<tokio::sync::Mutex<Option<(i64, String)>>>,
    /// Entries waiting for the next turn, each with where its answer goes.
    waiting: Arc<std::sync::Mutex<Vec<Waiting>>>,
}

type Waiting = (Entry, tokio::sync::oneshot::Sender<Result<Entry, StoreError>>);

/// Most entries one turn writes.
const BATCH: usize = 256;

impl AuditChain {
    /// Declares the chain's indexes (chain, by_patient, by_actor) on `collection`.
    pub async fn open(docs: Arc<dyn DocumentStore>, collection: &'static str) -> Result<Self, DocError> {
        for spec in Self::indexes() {
            docs.ensure_index(collection, &spec).await?;
        }
        Ok(Self { docs, collection, tail: Arc::default(), waiting: Arc::default() })
    }

    /// The chain's indexes: `chain` (a non-unique index on the sequence,
    /// since the key already is the sequence number and MongoDB walks only
    /// a non-unique index, ending in the `_id` tie-break, in a listing's
    /// order), `by_patient` and `by_actor`.
    pub fn indexes() -> Vec<IndexSpec> {
        let index = |name: &str, fields: &[(&str, Order)]| IndexSpec {
            name: name.to_owned(),
            fields: fields.iter().map(|(f, o)| ((*f).to_owned(), *o)).collect(),
            unique: false,
        };
        vec![
            index("chain", &[("seq", Order::Desc)]),
            index("by_patient", &[("patient_id", Order::Asc), ("seq", Order::Desc)]),
            index("by_actor", &[("actor_id", Order::Asc), ("seq", Order::Desc)]),
        ]
    }

    async fn last(&self) -> Result<(i64, String), StoreError> {
        let query = Self::last_query();
        match self.docs.find(self.collection, &query).await?.items.into_iter().next() {
            Some(stored) => {
                let last = from_stored::<Entry>(stored)?.doc;
                Ok((last.seq, last.hash))
            }
            None => Ok((0, GENESIS.to_owned())),
        }
    }

    /// Appends `entry` (its `seq`, `prev_hash` and `hash` are set here) to
    /// the chain and returns it as stored.
    pub async fn append(&self, entry: Entry) -> Result<Entry, StoreError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.lock_waiting().push((entry, answer));
        // The turn runs in a task of its own: an appender that goes away (a
        // cancelled request) must not take the others' entries with it.
        let chain = self.clone();
        tokio::spawn(async move { chain.take_turn().await });
        answered.await.map_err(|_| StoreError::Backend("the audit writer stopped".into()))?
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes every entry waiting, in order, after the tail; nothing when an
    /// earlier turn took them.
    async fn take_turn(&self) {
        let mut tail = self.tail.lock().await;
        loop {
            let batch: Vec<Waiting> = {
                let mut waiting = self.lock_waiting();
                let n = waiting.len().min(BATCH);
                waiting.drain(..n).collect()
            };
            if batch.is_empty() {
                return;
            }
            self.write(&mut tail, batch).await;
        }
    }

    async fn write(&self, tail: &mut Option<(i64, String)>, batch: Vec<Waiting>) {
        let mut rest = std::collections::VecDeque::from(batch);
        for attempt in 0..64_u64 {
            let (seq, prev_hash) = match tail.take() {
                Some(known) => known,
                None => match self.last().await {
                    Ok(last) => last,
                    Err(e) => return answer_all(rest, &e),
                },
            };
            let mut prev = (seq, prev_hash);
            let mut sealed = Vec::with_capacity(rest.len());
            for (entry, _) in &rest {
                let entry = entry.clone().chained(prev.0 + 1, &prev.1);
                prev = (entry.seq, entry.hash.clone());
                sealed.push(entry);
            }
            let bodies = match sealed.iter().map(to_value).collect::<Result<Vec<_>, _>>() {
                Ok(bodies) => bodies,
                Err(e) => return answer_all(rest, &e),
            };
            let keys: Vec<String> = sealed.iter().map(|e| document_key(e.seq)).collect();
            let docs: Vec<(&str, &serde_json::Value)> = keys.iter().map(String::as_str).zip(&bodies).collect();
            for (result, entry) in self.docs.insert_in_order(self.collection, &docs).await.into_iter().zip(sealed) {
                match result {
                    Ok(_) => {
                        *tail = Some((entry.seq, entry.hash.clone()));
                        if let Some((_, answer)) = rest.pop_front() {
                            // The appender may have gone away; its entry is stored all the same.
                            let _ = answer.send(Ok(entry));
                        }
                    }
                    Err(DocError::AlreadyExists { .. }) => {
                        // Another replica appended meanwhile: read the tail
                        // again, backing off a little so that contending
                        // replicas spread out.
                        *tail = None;
                        tokio::time::sleep(std::time::Duration::from_micros(200 * attempt.min(10))).await;
                        break;
                    }
                    Err(e) => {
                        *tail = None;
                        return answer_all(rest, &e.into());
                    }
                }
            }
            if rest.is_empty() {
                return;
            }
        }
        answer_all(rest, &StoreError::Conflict);
    }

    /// A page of the trail, newest first, optionally where one field
    /// (`patient_id` or `actor_id`) has one value.
    pub async fn events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<Entry>, StoreError> {
        let query = Self::events_query(filter, after, limit);
        let page = self.docs.find(self.collection, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_, _>>()?, page.next))
    }

    /// Recomputes the whole chain in order; the number of entries checked and
    /// the first broken one (sequence, problem), if any.
    pub async fn verify(&self) -> Result<(i64, Option<(i64, String)>), StoreError> {
        let mut verifier = Verifier::default();
        let mut after = None;
        loop {
            let query = Self::chain_query(after);
            let page = self.docs.find(self.collection, &query).await?;
            for stored in page.items {
                let key = stored.id.clone();
                let position = verifier.checked + 1;
                let entry = match from_stored::<Entry>(stored) {
                    Ok(v) => v.doc,
                    Err(_) => return Ok((verifier.checked + 1, Some((position, "unreadable entry".into())))),
                };
                if let Err(problem) = verifier.check(&key, &entry) {
                    return Ok((verifier.checked, Some((entry.seq.max(position), problem))));
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok((verifier.checked, None)),
            }
        }
    }

    // --- the queries above: a service's query-plan tests hold each to an index ---

    /// The newest entry.
    pub fn last_query() -> Query {
        Query { filters: vec![], sort: vec![("seq".into(), Order::Desc)], limit: 1, after: None }
    }

    /// A page of [`AuditChain::events`].
    pub fn events_query(filter: Option<(&str, &str)>, after: Option<String>, limit: usize) -> Query {
        let filters = filter.map(|(field, value)| vec![eq(field, value)]).unwrap_or_default();
        Query { filters, sort: vec![("seq".into(), Order::Desc)], limit, after }
    }

    /// The whole chain in order: by key, which is the sequence number
    /// ([`document_key`]), so that every backend walks its id index.
    pub fn chain_query(after: Option<String>) -> Query {
        Query { filters: vec![], sort: vec![], limit: 500, after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docstore::Read;
    use crate::testing::Planner;

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

    fn stored_entry(actor: &str, patient: &str) -> Entry {
        Entry { patient_id: patient.into(), ..entry(actor) }
    }

    async fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn DocumentStore> {
        let url = format!("sqlite://{}", dir.path().join("audit.db").display());
        crate::docstore::connect(&url).await.unwrap()
    }

    /// Two replicas (two chains on two connections to one database) appending
    /// at once still build one unbroken chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appenders_in_two_replicas_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditChain::open(sqlite(&dir).await, "audit").await.unwrap();
        let b = AuditChain::open(sqlite(&dir).await, "audit").await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let chain = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move { chain.append(entry(&format!("d{i}"))).await.unwrap().seq }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
        assert_eq!(a.verify().await.unwrap(), (40, None));
    }

    /// Appenders that go away (a cancelled request) take nobody's entry with
    /// them: every entry whose appender stayed is stored, the chain has no
    /// hole, and an entry is stored at most once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appenders_that_go_away_lose_no_one_elses_entry() {
        let dir = tempfile::tempdir().unwrap();
        let chain = AuditChain::open(sqlite(&dir).await, "audit").await.unwrap();
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        for i in 0..200 {
            let chain = chain.clone();
            let task = tokio::spawn(async move { chain.append(entry(&format!("d{i}"))).await.unwrap().actor_id });
            if i % 3 == 0 { dropped.push(task) } else { kept.push(task) }
        }
        for task in &dropped {
            task.abort();
        }
        let mut answered = Vec::new();
        for task in kept {
            answered.push(task.await.unwrap());
        }
        let (checked, broken) = chain.verify().await.unwrap();
        assert_eq!(broken, None);
        let (stored, _) = chain.events(None, None, 500).await.unwrap();
        assert_eq!(stored.len() as i64, checked);
        let actors: std::collections::HashSet<String> = stored.into_iter().map(|e| e.doc.actor_id).collect();
        assert_eq!(actors.len() as i64, checked, "no entry stored twice");
        assert!(answered.iter().all(|a| actors.contains(a)), "every answered entry is stored");
        assert!(checked >= answered.len() as i64);
    }

    #[tokio::test]
    async fn a_stored_chain_lists_verifies_and_reports_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let docs = sqlite(&dir).await;
        let chain = AuditChain::open(docs.clone(), "audit").await.unwrap();
        assert_eq!(chain.verify().await.unwrap(), (0, None));
        for i in 0..6 {
            chain.append(stored_entry(&format!("d{}", i % 2), &format!("p{}", i % 3))).await.unwrap();
        }
        assert_eq!(chain.verify().await.unwrap(), (6, None));

        let (newest, next) = chain.events(None, None, 2).await.unwrap();
        assert_eq!(newest.iter().map(|v| v.doc.seq).collect::<Vec<_>>(), [6, 5]);
        let (older, _) = chain.events(None, next, 2).await.unwrap();
        assert_eq!(older.iter().map(|v| v.doc.seq).collect::<Vec<_>>(), [4, 3]);
        let (of_p0, _) = chain.events(Some(("patient_id", "p0")), None, 10).await.unwrap();
        assert_eq!(of_p0.iter().map(|v| v.doc.seq).collect::<Vec<_>>(), [4, 1]);
        let (of_d1, _) = chain.events(Some(("actor_id", "d1")), None, 10).await.unwrap();
        assert_eq!(of_d1.iter().map(|v| v.doc.seq).collect::<Vec<_>>(), [6, 4, 2]);

        let third = docs.get("audit", &document_key(3)).await.unwrap().unwrap();
        let mut body = third.body.clone();
        body["actor_id"] = "someone else".into();
        docs.replace("audit", &third.id, &body, third.version).await.unwrap();
        let (checked, broken) = chain.verify().await.unwrap();
        assert_eq!((checked, broken.map(|(seq, _)| seq)), (3, Some(3)));
    }

    #[tokio::test]
    async fn every_query_reads_an_index_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let docs = sqlite(&dir).await;
        let chain = AuditChain::open(docs.clone(), "audit").await.unwrap();
        for i in 0..50 {
            chain.append(stored_entry(&format!("d{}", i % 5), &format!("p{}", i % 7))).await.unwrap();
        }
        let mut reads =
            vec![("audit", Read::Find(AuditChain::last_query())), ("audit", Read::Find(AuditChain::chain_query(None)))];
        for filter in [None, Some(("patient_id", "p1")), Some(("actor_id", "d1"))] {
            reads.push(("audit", Read::Find(AuditChain::events_query(filter, None, 5))));
        }
        let indexes: Vec<_> = AuditChain::indexes().into_iter().map(|spec| ("audit", spec)).collect();
        crate::testing::assert_reads_use_indexes(docs.as_ref(), &reads, &indexes, Planner::Faithful).await;
    }
}
