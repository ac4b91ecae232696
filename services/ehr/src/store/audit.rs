//! The audit trail: a hash chain of entries keyed by their sequence number.

use hms_kit::docstore::{DocError, Order, Query};

use super::{AUDIT, PageOf, Result, Store, StoreError, eq, from_stored, to_value};
use crate::domain::audit::{self, Entry, GENESIS, Verifier};

impl Store {
    async fn audit_last(&self) -> Result<(i64, String)> {
        let query = Self::audit_last_query();
        match self.docs.find(AUDIT, &query).await?.items.into_iter().next() {
            Some(stored) => {
                let last = from_stored::<Entry>(stored)?.doc;
                Ok((last.seq, last.hash))
            }
            None => Ok((0, GENESIS.to_owned())),
        }
    }

    /// Appends `entry` to the chain. The entry's key is its sequence number,
    /// so of two writers (here or in another replica) taking the same number
    /// only one insert succeeds; the other reads the new tail and tries the
    /// next number.
    pub async fn append_audit(&self, entry: Entry) -> Result<Entry> {
        let mut tail = self.audit_tail.lock().await;
        for attempt in 0..64_u64 {
            let (seq, prev_hash) = match tail.take() {
                Some(known) => known,
                None => self.audit_last().await?,
            };
            let sealed = entry.clone().chained(seq + 1, &prev_hash);
            match self.docs.insert(AUDIT, &audit::document_key(sealed.seq), &to_value(&sealed)?).await {
                Ok(_) => {
                    *tail = Some((sealed.seq, sealed.hash.clone()));
                    return Ok(sealed);
                }
                Err(DocError::AlreadyExists { .. }) => {
                    // Another replica appended meanwhile; back off a little
                    // so that contending replicas spread out.
                    tokio::time::sleep(std::time::Duration::from_micros(200 * attempt.min(10))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict)
    }

    /// A page of the audit trail, newest first, optionally for one patient or actor.
    pub async fn audit_events(
        &self,
        filter: Option<(&str, &str)>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<Entry>> {
        let query = Self::audit_events_query(filter, after, limit);
        let page = self.docs.find(AUDIT, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// Recomputes the whole chain in order; the number of entries checked and
    /// the first broken one (sequence, problem), if any.
    pub async fn verify_audit(&self) -> Result<(i64, Option<(i64, String)>)> {
        let mut verifier = Verifier::default();
        let mut after = None;
        loop {
            let query = Self::chain_query(after);
            let page = self.docs.find(AUDIT, &query).await?;
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

    // --- the queries above: `query_plans` holds each to an index ---

    pub(super) fn audit_last_query() -> Query {
        Query { filters: vec![], sort: vec![("seq".into(), Order::Desc)], limit: 1, after: None }
    }

    pub(super) fn audit_events_query(filter: Option<(&str, &str)>, after: Option<String>, limit: usize) -> Query {
        let filters = filter.map(|(field, value)| vec![eq(field, value)]).unwrap_or_default();
        Query { filters, sort: vec![("seq".into(), Order::Desc)], limit, after }
    }

    /// The whole chain in order: by key, which is the sequence number
    /// (`audit::document_key`), so that every backend walks its id index.
    pub(super) fn chain_query(after: Option<String>) -> Query {
        Query { filters: vec![], sort: vec![], limit: 500, after }
    }
}
