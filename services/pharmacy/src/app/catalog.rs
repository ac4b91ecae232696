//! The medication catalog: the starter set on first start, admins' entries,
//! and search by the start of a word of the name or the generic name. Each
//! medication has its stock document from the start.

use hms_kit::admin_audit::{ADMIN_ACTION_TOPIC, AdminActionEvent};
use hms_kit::auth::Caller;
use hms_kit::error::{internal, refusal};
use hms_kit::ids::new_id;
use hms_kit::outbox::Event;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::{ATTEMPTS, State, contended};
use crate::domain::catalog::{search_terms, starter};
use crate::store::{MedicationDoc, StockDoc, StoreError, Versioned};

/// The currency of the starter catalog's prices.
const STARTER_CURRENCY: &str = "VND";

impl State {
    /// Loads the starter catalog into an empty one. Replicas starting
    /// together insert the same codes; the code index lets one win each.
    pub async fn seed_catalog(&self) -> anyhow::Result<usize> {
        if self.store.any_medication().await? {
            return Ok(0);
        }
        let mut added = 0;
        for e in starter().map_err(anyhow::Error::msg)? {
            let doc = MedicationDoc {
                name_key: e.name.to_lowercase(),
                code: e.code,
                name: e.name,
                generic_name: e.generic_name,
                classes: e.classes,
                ingredients: e.ingredients,
                manufacturer: e.manufacturer,
                dosage_form: e.dosage_form,
                strength: e.strength,
                unit_price: e.unit_price_vnd,
                currency: STARTER_CURRENCY.into(),
                reorder_level: e.reorder_level,
                active: true,
                created_at: now_micros(),
                revision: 1,
                outbox: Default::default(),
            };
            match self.add_medication(None, doc).await {
                Ok(_) => added += 1,
                Err(e) if e.code() == Code::AlreadyExists => {}
                Err(e) => anyhow::bail!("loading the starter catalog: {}", e.message()),
            }
        }
        tracing::info!(medications = added, "starter catalog loaded");
        Ok(added)
    }

    /// Adds a medication with its empty stock and its search terms; an
    /// admin's addition goes to the admin audit log with it.
    pub async fn add_medication(
        &self,
        by: Option<&Caller>,
        mut doc: MedicationDoc,
    ) -> Result<Versioned<MedicationDoc>, Status> {
        let id = new_id();
        doc.revision = 1;
        if let Some(c) = by {
            let mut action = AdminActionEvent::by(&c.principal, &c.address, "medication.created", "medication", &id);
            action.after = summary(&doc);
            push_action(&mut doc, &id, &action)?;
        }
        let saved = self.store.insert_medication(&id, &doc).await.map_err(code_taken)?;
        let stock = StockDoc {
            medication_id: id.clone(),
            medication_name: doc.name.clone(),
            name_key: doc.name_key.clone(),
            reorder_level: doc.reorder_level,
            batches: Vec::new(),
            on_hand: 0,
            low: doc.reorder_level > 0,
            next_expiry: None,
            journal: Vec::new(),
            outbox: Default::default(),
        };
        match self.store.insert_stock(&stock).await {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.set_terms(&id, &search_terms(&doc.name, &doc.generic_name), doc.active).await?;
        Ok(saved)
    }

    /// Replaces a catalog entry an admin read at `revision`; its stock
    /// follows the new name and reorder level. Audited in the admin log.
    pub async fn update_medication(
        &self,
        c: &Caller,
        id: &str,
        doc: MedicationDoc,
        revision: i64,
    ) -> Result<Versioned<MedicationDoc>, Status> {
        let mut saved = None;
        for attempt in 0..ATTEMPTS {
            let current = self.store.medication(id).await?.ok_or_else(|| Status::not_found("no such medication"))?;
            if current.doc.revision != revision {
                return Err(StoreError::Conflict.into());
            }
            let mut next = MedicationDoc {
                created_at: current.doc.created_at,
                revision: current.doc.revision,
                outbox: current.doc.outbox.clone(),
                ..doc.clone()
            };
            let mut action = AdminActionEvent::by(&c.principal, &c.address, "medication.updated", "medication", id);
            action.before = summary(&current.doc);
            action.after = summary(&next);
            push_action(&mut next, id, &action)?;
            match self.store.save_medication(id, &next, current.version).await {
                Ok(done) => {
                    saved = Some(done);
                    break;
                }
                Err(StoreError::Conflict) => contended(attempt).await,
                Err(e) => return Err(code_taken(e)),
            }
        }
        let saved = saved.ok_or(StoreError::Conflict)?;
        self.store.set_terms(id, &search_terms(&doc.name, &doc.generic_name), doc.active).await?;
        for attempt in 0..ATTEMPTS {
            let Some(stock) = self.store.stock(id).await? else { break };
            let mut next = stock.doc.clone();
            next.medication_name = doc.name.clone();
            next.name_key = doc.name_key.clone();
            next.reorder_level = doc.reorder_level;
            next.low = next.on_hand < next.reorder_level;
            match self.store.save_stock(&next, stock.version).await {
                Ok(_) => break,
                Err(StoreError::Conflict) => contended(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(saved)
    }

    /// The catalog in name order, or the medications a word of whose names
    /// starts with `query`, in the order of the matching word.
    pub async fn find_medications(
        &self,
        query: &str,
        include_inactive: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Versioned<MedicationDoc>>, Option<String>), Status> {
        let prefix = query.trim().to_lowercase();
        if prefix.is_empty() {
            return Ok(self.store.list_medications(include_inactive, after, limit).await?);
        }
        let (terms, next) = self.store.search_terms(&prefix, include_inactive, after, limit).await?;
        let mut ids: Vec<&str> = Vec::with_capacity(terms.len());
        for t in &terms {
            if !ids.contains(&t.medication_id.as_str()) {
                ids.push(&t.medication_id);
            }
        }
        let mut found = self.store.medications(&ids).await?;
        found.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
        Ok((found, next))
    }
}

fn code_taken(e: StoreError) -> Status {
    match e {
        StoreError::AlreadyExists => refusal(Code::AlreadyExists, "CODE_TAKEN", "another medication has this code"),
        e => e.into(),
    }
}

/// What the admin log shows of an entry: no clinical detail, the catalog's
/// own facts.
fn summary(m: &MedicationDoc) -> String {
    format!(
        "{} {} ({}), {} {} per unit, reorder at {}, {}",
        m.code,
        m.name,
        m.generic_name,
        m.unit_price,
        m.currency,
        m.reorder_level,
        if m.active { "active" } else { "inactive" }
    )
}

fn push_action(doc: &mut MedicationDoc, id: &str, action: &AdminActionEvent) -> Result<(), Status> {
    let event = Event::new(ADMIN_ACTION_TOPIC, id, action).map_err(internal)?;
    doc.outbox.push(event).map_err(internal)
}
