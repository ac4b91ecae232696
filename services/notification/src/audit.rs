//! Records the admins' template changes in the admin audit log: the changes
//! wait in their template documents (see `store::templates`), and each pass
//! sends them to the admin service, then takes them out. The log keeps each
//! under its id, so a pass that dies between the two, or two replicas
//! passing at once, record nothing twice.

use hms_kit::admin_audit::AdminActionSink;
use hms_kit::outbox::DeliveryError;

use crate::store::{Store, StoreError};

/// Templates looked at per pass.
const BATCH: usize = 50;

pub struct TemplateAuditor {
    pub(crate) store: Store,
    pub(crate) sink: AdminActionSink,
}

impl TemplateAuditor {
    /// Records what waits, in the order it was done (action ids are UUIDv7),
    /// in one call; returns how many actions the log received.
    pub async fn run_once(&self) -> Result<usize, AuditError> {
        let templates = self.store.unaudited_templates(BATCH).await?;
        let mut actions: Vec<_> = templates.iter().flat_map(|t| t.doc.unaudited.iter().cloned()).collect();
        if actions.is_empty() {
            return Ok(0);
        }
        actions.sort_by(|a, b| a.id.cmp(&b.id));
        let count = actions.len();
        self.sink.record(actions.into_iter().map(|a| (a.id, a.action))).await?;
        for template in &templates {
            let recorded: Vec<String> = template.doc.unaudited.iter().map(|a| a.id.clone()).collect();
            self.store.mark_audited(&template.id, &recorded).await?;
        }
        Ok(count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("reading or clearing the template changes: {0}")]
    Store(#[from] StoreError),
    #[error("recording in the admin audit log: {0}")]
    Admin(#[from] DeliveryError),
}
