//! The reminder worker: sends each planned reminder once. Marking a reminder
//! sent and writing its outbox events is one local transaction guarded by
//! `sent_at IS NULL`, so several replicas (or a restart mid-way) never send
//! it twice; the outbox relay then delivers with an idempotency key. A
//! cancelled or moved appointment has no unsent reminder left for its old
//! start (see `store::release_holds`), and the worker checks again anyway.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::storage::Db;
use jiff::tz::TimeZone;

use crate::events::Facts;
use crate::store;

pub struct ReminderWorker {
    pub db: Db,
    pub zone: TimeZone,
    pub poll_interval: Duration,
}

impl ReminderWorker {
    /// Sends due reminders until `stop` resolves.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "reminder pass failed");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// One pass over the due reminders; returns how many were sent.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = jiff::Timestamp::now().as_second();
        let mut sent = 0;
        for due in store::due_reminders(&self.db, now, 64).await? {
            let appointment = store::get_appointment(&self.db, &due.appointment_id).await?;
            let notices = match &appointment {
                Some(a) if a.status.is_open() && a.start_at == due.start_at => {
                    let service = store::get_service(&self.db, &a.service_id).await?;
                    let name = service.map(|s| s.name).unwrap_or_default();
                    Facts { zone: &self.zone, appointment: a, service_name: &name }.reminders()
                }
                // Cancelled, moved or gone: mark it done without a message.
                _ => Vec::new(),
            };
            if store::mark_reminder_sent(&self.db, &due, &notices, now).await? && !notices.is_empty() {
                sent += 1;
            }
        }
        Ok(sent)
    }
}
