//! The message templates: listing, and the admins' changes (create, update,
//! delete, reset to the shipped text), each carrying the admin action the
//! audit log is to record (see `store::templates`); and the shipped templates
//! written at start-up.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::error::refusal;
use hms_kit::proto::notification::{Channel, NotificationType};
use tonic::{Code, Status};

use super::State;
use crate::domain::templates::{self, Texts};
use crate::domain::{channel_name, template_id, type_name};
use crate::store::{Store, StoreError, TemplateDoc, Versioned};

/// A validated new template.
pub struct NewTemplate {
    pub kind: NotificationType,
    pub channel: Channel,
    pub language: String,
    pub texts: Texts,
}

impl State {
    /// A page of live templates, by type, channel and language when given.
    pub async fn templates(
        &self,
        kind: Option<&str>,
        channel: Option<&str>,
        language: Option<&str>,
        after: Option<String>,
        size: usize,
    ) -> Result<(Vec<Versioned<TemplateDoc>>, Option<String>), Status> {
        Ok(self.store.list_templates(kind, channel, language, after, size).await?)
    }

    /// The live template with this id.
    pub async fn template(&self, id: &str) -> Result<Versioned<TemplateDoc>, Status> {
        self.store.template(id).await?.ok_or_else(|| Status::not_found("no template with this id"))
    }

    pub async fn create_template(
        &self,
        by: &impl Fn(&str) -> AdminActionEvent,
        t: NewTemplate,
    ) -> Result<Versioned<TemplateDoc>, Status> {
        let (kind, channel, texts) = (t.kind, t.channel, t.texts);
        let id = template_id(kind, channel, &t.language);
        let doc = TemplateDoc {
            kind: type_name(kind).to_owned(),
            channel: channel_name(channel).to_owned(),
            language: t.language,
            subject: texts.subject,
            body_text: texts.body_text,
            body_html: texts.body_html,
            ..TemplateDoc::default()
        };
        let action = by(&id).change("", template_summary(&doc));
        let created = self.store.create_template(&id, doc.with_action(action)).await.map_err(|e| match e {
            StoreError::AlreadyExists => Status::already_exists(format!("template {id} exists; update it instead")),
            other => other.into(),
        })?;
        self.hub.work.notify_waiters();
        Ok(created)
    }

    /// Writes new texts over `existing`, if the caller read them at `version`.
    pub async fn update_template(
        &self,
        by: &impl Fn(&str) -> AdminActionEvent,
        mut existing: Versioned<TemplateDoc>,
        texts: Texts,
        version: i64,
    ) -> Result<Versioned<TemplateDoc>, Status> {
        for _ in 0..5 {
            if !existing.doc.texts_unchanged_since(version, existing.version) {
                return Err(StoreError::Conflict.into());
            }
            let before = template_summary(&existing.doc);
            let doc = TemplateDoc {
                subject: texts.subject.clone(),
                body_text: texts.body_text.clone(),
                body_html: texts.body_html.clone(),
                ..existing.doc
            }
            .with_new_texts_over(existing.version);
            let action = by(&existing.id).change(before, template_summary(&doc));
            match self.store.replace_template(&existing.id, &doc.with_action(action), existing.version).await {
                Ok(updated) => {
                    self.hub.work.notify_waiters();
                    return Ok(updated);
                }
                // The auditor (or an admin) wrote in between: read again.
                Err(StoreError::Conflict) => {
                    existing = self.store.template(&existing.id).await?.ok_or(StoreError::NotFound)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    pub async fn delete_template(&self, by: &impl Fn(&str) -> AdminActionEvent, id: &str) -> Result<(), Status> {
        // Queued and future notifications of its type depend on it.
        if templates::shipped_by_id(id).is_some() {
            return Err(refusal(
                Code::FailedPrecondition,
                "BUILT_IN_TEMPLATE",
                "a built-in template cannot be deleted; edit it, or reset it to the shipped text",
            ));
        }
        let Some(existing) = self.store.template(id).await? else {
            return Err(Status::not_found("no template with this id"));
        };
        let action = by(id).change(template_summary(&existing.doc), "");
        if !self.store.delete_template(id, action).await? {
            return Err(Status::not_found("no template with this id"));
        }
        self.hub.work.notify_waiters();
        Ok(())
    }

    /// Puts a built-in template back to its shipped text (creating it again
    /// if it was deleted from an older store).
    pub async fn reset_template(
        &self,
        by: &impl Fn(&str) -> AdminActionEvent,
        id: &str,
    ) -> Result<Versioned<TemplateDoc>, Status> {
        let shipped =
            templates::shipped_by_id(id).ok_or_else(|| Status::not_found("no built-in template with this id"))?;
        let store = &self.store;
        // Read, then write at the version read: an admin's edit in between
        // makes us read again rather than lose the reset.
        for _ in 0..5 {
            let result = match store.template(id).await? {
                Some(existing) => {
                    let before = template_summary(&existing.doc);
                    let doc = TemplateDoc {
                        subject: shipped.subject.clone(),
                        body_text: shipped.body_text.clone(),
                        body_html: shipped.body_html.clone(),
                        ..existing.doc
                    }
                    .with_new_texts_over(existing.version);
                    let action = by(id).change(before, template_summary(&doc));
                    store.replace_template(id, &doc.with_action(action), existing.version).await
                }
                None => {
                    let doc = shipped_doc(id, shipped);
                    let action = by(id).change("", template_summary(&doc));
                    store.create_template(id, doc.with_action(action)).await
                }
            };
            match result {
                Ok(template) => {
                    self.hub.work.notify_waiters();
                    return Ok(template);
                }
                Err(StoreError::Conflict | StoreError::AlreadyExists | StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }
}

/// A shipped template's document; `id` is `TYPE.CHANNEL.language`.
fn shipped_doc(id: &str, texts: &Texts) -> TemplateDoc {
    let mut parts = id.splitn(3, '.');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    TemplateDoc {
        kind: next(),
        channel: next(),
        language: next(),
        subject: texts.subject.clone(),
        body_text: texts.body_text.clone(),
        body_html: texts.body_html.clone(),
        ..TemplateDoc::default()
    }
}

/// What the log keeps of a template: its texts, the long ones cut short.
fn template_summary(t: &TemplateDoc) -> String {
    let cut = |text: &str| -> String {
        let mut short: String = text.chars().take(120).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        short
    };
    format!(
        "{} {} {}: subject {:?}, text {:?}, html {} characters",
        t.kind,
        t.channel,
        t.language,
        cut(&t.subject),
        cut(&t.body_text),
        t.body_html.chars().count()
    )
}

/// Writes the shipped templates that are not in the store yet (a store from
/// before they could not be deleted may lack some). An admin's edits are kept.
pub async fn seed_templates(store: &Store) -> anyhow::Result<()> {
    for (kind, channel, language, texts) in templates::shipped().map_err(|e| anyhow::anyhow!(e))? {
        let id = template_id(kind, channel, language);
        match store.insert_template(&id, &shipped_doc(&id, &texts)).await {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(anyhow::anyhow!("seeding templates: {e}")),
        }
    }
    Ok(())
}
