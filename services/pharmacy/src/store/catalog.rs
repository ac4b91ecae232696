//! The medication catalog and its search terms (one document per word of a
//! medication's names, so that a prefix search walks an index).

use hms_kit::docstore::outbox::Outbox;
use hms_kit::docstore::{DocError, Filter, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{MEDICATIONS, PageOf, Result, Store, TERMS, Versioned, eq, from_stored, to_value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationDoc {
    pub code: String,
    pub name: String,
    /// The name in lower case: the catalog's order.
    pub name_key: String,
    pub generic_name: String,
    pub classes: Vec<String>,
    pub ingredients: Vec<String>,
    pub manufacturer: String,
    pub dosage_form: String,
    pub strength: String,
    pub unit_price: i64,
    pub currency: String,
    pub reorder_level: i64,
    pub active: bool,
    pub created_at: i64,
    /// Counts the entry's own changes: the version admins write against
    /// (the relay's deliveries move the document's version too).
    #[serde(default)]
    pub revision: i64,
    #[serde(flatten)]
    pub outbox: Outbox,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermDoc {
    pub term: String,
    pub medication_id: String,
    pub active: bool,
}

impl Store {
    pub async fn medication(&self, id: &str) -> Result<Option<Versioned<MedicationDoc>>> {
        self.docs.get(MEDICATIONS, id).await?.map(from_stored).transpose()
    }

    pub async fn medications(&self, ids: &[&str]) -> Result<Vec<Versioned<MedicationDoc>>> {
        self.docs.get_many(MEDICATIONS, ids).await?.into_iter().map(from_stored).collect()
    }

    pub async fn any_medication(&self) -> Result<bool> {
        let query = Query { limit: 1, ..Query::default() };
        Ok(!self.docs.find(MEDICATIONS, &query).await?.items.is_empty())
    }

    /// Inserts a medication; `AlreadyExists` when its code is taken.
    pub async fn insert_medication(&self, id: &str, doc: &MedicationDoc) -> Result<Versioned<MedicationDoc>> {
        let stored = self.docs.insert(MEDICATIONS, id, &to_value(doc)?).await?;
        from_stored(stored)
    }

    /// Replaces the entry if it is still at `version`, as its next revision.
    pub async fn save_medication(
        &self,
        id: &str,
        doc: &MedicationDoc,
        version: i64,
    ) -> Result<Versioned<MedicationDoc>> {
        let next = MedicationDoc { revision: doc.revision + 1, ..doc.clone() };
        from_stored(self.docs.replace(MEDICATIONS, id, &to_value(&next)?, version).await?)
    }

    /// Makes the medication's search terms `terms`, each carrying `active`.
    pub async fn set_terms(&self, medication_id: &str, terms: &[String], active: bool) -> Result<()> {
        let query = Query { filters: vec![eq("medication_id", medication_id)], limit: 500, ..Query::default() };
        for stored in self.docs.find(TERMS, &query).await?.items {
            let doc: TermDoc = from_stored(stored.clone())?.doc;
            if !terms.contains(&doc.term) {
                self.docs.delete(TERMS, &stored.id).await?;
            } else if doc.active != active {
                let doc = TermDoc { active, ..doc };
                match self.docs.replace(TERMS, &stored.id, &to_value(&doc)?, stored.version).await {
                    Ok(_) | Err(DocError::VersionConflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        for term in terms {
            let doc = TermDoc { term: term.clone(), medication_id: medication_id.to_owned(), active };
            match self.docs.insert(TERMS, &format!("{term}|{medication_id}"), &to_value(&doc)?).await {
                Ok(_) | Err(DocError::AlreadyExists { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The catalog in name order.
    pub async fn list_medications(
        &self,
        include_inactive: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<MedicationDoc>> {
        let query = Self::catalog_query(include_inactive, after, limit);
        let page = self.docs.find(MEDICATIONS, &query).await?;
        Ok((page.items.into_iter().map(from_stored).collect::<Result<_>>()?, page.next))
    }

    /// Search terms starting with `prefix`, in term order.
    pub async fn search_terms(
        &self,
        prefix: &str,
        include_inactive: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<TermDoc>, Option<String>)> {
        let query = Self::terms_query(prefix, include_inactive, after, limit);
        let page = self.docs.find(TERMS, &query).await?;
        let terms = page.items.into_iter().map(|s| from_stored(s).map(|v| v.doc)).collect::<Result<_>>()?;
        Ok((terms, page.next))
    }

    // --- the queries above ---

    pub(super) fn catalog_query(include_inactive: bool, after: Option<String>, limit: usize) -> Query {
        let filters = if include_inactive { vec![] } else { vec![eq("active", true)] };
        Query { filters, sort: vec![("name_key".into(), Order::Asc)], limit, after }
    }

    pub(super) fn terms_query(prefix: &str, include_inactive: bool, after: Option<String>, limit: usize) -> Query {
        // Every string starting with `prefix` sorts below prefix + U+FFFF.
        let mut filters = vec![
            ("term".to_owned(), Filter::Gte(json!(prefix))),
            ("term".to_owned(), Filter::Lt(json!(format!("{prefix}\u{ffff}")))),
        ];
        if !include_inactive {
            filters.push(eq("active", true));
        }
        Query { filters, sort: vec![("term".into(), Order::Asc)], limit, after }
    }
}
