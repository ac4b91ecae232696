//! The message templates, and the admins' changes to them that the admin
//! audit log has not recorded yet.
//!
//! The document store has no transaction across documents, so a template
//! carries its own outbox: an admin's change is written into the template
//! document in the same replace as the change itself, and the auditor
//! (`crate::audit`) records it in the admin audit log, then takes it out. A
//! deleted template stays as a tombstone that carries its deletion; reads
//! skip tombstones, and there are few (one id per type, channel and
//! language), so they are kept.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::docstore::DocError;
use hms_kit::docstore::typed::{from_stored, to_value};
use hms_kit::time::now_micros;
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError, TEMPLATES, Versioned};

/// How often a write that lost a race reads again before giving up.
const RETRIES: usize = 5;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TemplateDoc {
    pub kind: String,
    pub channel: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// When an admin deleted it: the document is a tombstone from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// Changes not yet in the admin audit log, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unaudited: Vec<UnauditedAction>,
    /// Present while `unaudited` holds anything: the auditor finds the
    /// templates to record by an index on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audit_pending: bool,
    /// The stored version at which the texts last changed. Recording a
    /// change in the audit log writes the document again, moving its version
    /// but not its texts: an admin's edit from a read at or after this
    /// version is no conflict. Unset (documents from before): the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts_version: Option<i64>,
}

/// An admin action waiting in its template for the admin audit log; its id
/// is the log entry's, so recording it twice records it once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnauditedAction {
    pub id: String,
    pub action: AdminActionEvent,
}

impl TemplateDoc {
    /// Whether a read at version `read` saw the texts stored now, at `stored`.
    pub fn texts_unchanged_since(&self, read: i64, stored: i64) -> bool {
        read <= stored && read >= self.texts_version.unwrap_or(stored)
    }

    /// The texts replaced in the write over version `stored`.
    pub fn with_new_texts_over(self, stored: i64) -> Self {
        Self { texts_version: Some(stored + 1), ..self }
    }

    /// Adds an action to record with the write that makes it.
    pub fn with_action(mut self, action: AdminActionEvent) -> Self {
        self.unaudited.push(UnauditedAction { id: hms_kit::ids::new_id(), action });
        self.audit_pending = true;
        self
    }
}

impl Store {
    /// The live template with this id (not a deleted one).
    pub async fn template(&self, id: &str) -> Result<Option<Versioned<TemplateDoc>>> {
        Ok(self.stored_template(id).await?.filter(|t| t.doc.deleted_at.is_none()))
    }

    async fn stored_template(&self, id: &str) -> Result<Option<Versioned<TemplateDoc>>> {
        self.docs.get(TEMPLATES, id).await?.map(from_stored).transpose()
    }

    /// Writes a template that must not exist yet, not even deleted (the
    /// shipped templates at start-up).
    pub async fn insert_template(&self, id: &str, doc: &TemplateDoc) -> Result<Versioned<TemplateDoc>> {
        let doc = doc.clone().with_new_texts_over(0);
        from_stored(self.docs.insert(TEMPLATES, id, &to_value(&doc)?).await?)
    }

    /// Creates a template, over its tombstone if it was deleted before (the
    /// tombstone's unrecorded actions are kept).
    pub async fn create_template(&self, id: &str, doc: TemplateDoc) -> Result<Versioned<TemplateDoc>> {
        for _ in 0..RETRIES {
            let new = doc.clone().with_new_texts_over(0);
            let existing = match self.docs.insert(TEMPLATES, id, &to_value(&new)?).await {
                Ok(stored) => return from_stored(stored),
                Err(DocError::AlreadyExists { .. }) => self.stored_template(id).await?,
                Err(e) => return Err(e.into()),
            };
            let Some(tombstone) = existing else { continue };
            if tombstone.doc.deleted_at.is_none() {
                return Err(StoreError::AlreadyExists);
            }
            let mut unaudited = tombstone.doc.unaudited;
            unaudited.extend(doc.unaudited.iter().cloned());
            let revived = TemplateDoc { audit_pending: !unaudited.is_empty(), unaudited, ..doc.clone() }
                .with_new_texts_over(tombstone.version);
            match self.replace_template(id, &revived, tombstone.version).await {
                Err(StoreError::Conflict | StoreError::NotFound) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }

    /// Writes `doc` over the template at `version`; build `doc` from the
    /// template read at that version, so its unrecorded actions are kept.
    pub async fn replace_template(&self, id: &str, doc: &TemplateDoc, version: i64) -> Result<Versioned<TemplateDoc>> {
        from_stored(self.docs.replace(TEMPLATES, id, &to_value(doc)?, version).await?)
    }

    /// Deletes a live template, leaving a tombstone with `action`; false when
    /// there is none.
    pub async fn delete_template(&self, id: &str, action: AdminActionEvent) -> Result<bool> {
        for _ in 0..RETRIES {
            let Some(live) = self.template(id).await? else { return Ok(false) };
            let tombstone = TemplateDoc { deleted_at: Some(now_micros()), ..live.doc }.with_action(action.clone());
            match self.replace_template(id, &tombstone, live.version).await {
                Ok(_) => return Ok(true),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// A page of live templates; a page may hold fewer than `limit` where
    /// it passed tombstones.
    pub async fn list_templates(
        &self,
        kind: Option<&str>,
        channel: Option<&str>,
        language: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Versioned<TemplateDoc>>, Option<String>)> {
        let query = Self::templates_query(kind, channel, language, after, limit);
        let page = self.docs.find(TEMPLATES, &query).await?;
        let live = page
            .items
            .into_iter()
            .map(from_stored::<TemplateDoc>)
            .filter(|t| t.as_ref().map_or(true, |t| t.doc.deleted_at.is_none()));
        Ok((live.collect::<Result<_>>()?, page.next))
    }

    /// The channels that have a live template for `kind` (any language).
    pub async fn template_channels(&self, kind: &str) -> Result<Vec<String>> {
        let query = Self::template_channels_query(kind);
        let mut channels = Vec::new();
        for stored in self.docs.find(TEMPLATES, &query).await?.items {
            let template = from_stored::<TemplateDoc>(stored)?;
            if template.doc.deleted_at.is_none() {
                channels.push(template.doc.channel);
            }
        }
        channels.sort();
        channels.dedup();
        Ok(channels)
    }

    /// Templates, live or deleted, with changes the audit log lacks.
    pub async fn unaudited_templates(&self, limit: usize) -> Result<Vec<Versioned<TemplateDoc>>> {
        let page = self.docs.find(TEMPLATES, &Self::unaudited_templates_query(limit)).await?;
        page.items.into_iter().map(from_stored).collect()
    }

    /// Takes the actions with these ids out of the template once the log has
    /// them; actions added since stay.
    pub async fn mark_audited(&self, id: &str, recorded: &[String]) -> Result<()> {
        for _ in 0..RETRIES {
            let Some(mut template) = self.stored_template(id).await? else { return Ok(()) };
            let before = template.doc.unaudited.len();
            template.doc.unaudited.retain(|a| !recorded.contains(&a.id));
            if template.doc.unaudited.len() == before {
                return Ok(());
            }
            template.doc.audit_pending = !template.doc.unaudited.is_empty();
            match self.replace_template(id, &template.doc, template.version).await {
                Err(StoreError::Conflict) => continue,
                other => return other.map(|_| ()),
            }
        }
        Err(StoreError::Conflict)
    }
}
