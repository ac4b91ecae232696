//! Background jobs: the reminder worker, which sends each reminder once. Reminders are found from
//! the open appointments (see `store::due_reminders`), so a booking or a move
//! plans nothing and a cancelled appointment has nothing left to send.
//! Recording a reminder sent and writing its outbox events is one local
//! transaction that checks the appointment is still open at that start, and
//! the record's primary key keeps several replicas (or a restart mid-way)
//! from sending it twice; the outbox relay then delivers with an idempotency
//! key.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hms_kit::storage::Db;
use jiff::tz::TimeZone;

use crate::events::{Facts, notice_events};
use crate::settings::ReminderOffsets;
use crate::store;

pub struct ReminderWorker {
    db: Db,
    zone: TimeZone,
    poll_interval: Duration,
    /// Seconds before the start, read at each pass (an admin may change them).
    offsets: ReminderOffsets,
    /// When the last complete pass looked; the next looks only at reminders
    /// that fell due since (less [`LATE_COMMIT`]). The first pass after a
    /// start looks at every appointment still ahead.
    looked_at: AtomicI64,
}

/// How long after its own clock reading a booking or a move may commit (lock
/// waits and retries included): a pass looks that far back, so one that
/// committed after the previous pass looked is still found. Reminders sent
/// in that stretch are passed over by the query, not sent again.
const LATE_COMMIT: i64 = 600;

/// Due reminders sent per query; a full batch sends the pass on.
const BATCH: i64 = 64;

impl ReminderWorker {
    pub fn new(db: Db, zone: TimeZone, poll_interval: Duration, offsets: ReminderOffsets) -> Self {
        Self { db, zone, poll_interval, offsets, looked_at: AtomicI64::new(i64::MIN) }
    }

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
        let now = hms_kit::time::now_seconds();
        let since = self.looked_at.load(Ordering::Relaxed).saturating_sub(LATE_COMMIT);
        let mut sent = 0;
        let mut service_names = HashMap::new();
        for offset in self.offsets.current() {
            loop {
                let due = store::due_reminders(&self.db, offset, since, now, BATCH).await?;
                let full = due.len() == usize::try_from(BATCH).unwrap_or(usize::MAX);
                let batch_sent = self.send(due, now, &mut service_names).await?;
                sent += batch_sent;
                // A batch of which none could be sent would only come back.
                if !full || batch_sent == 0 {
                    break;
                }
            }
        }
        self.looked_at.store(now, Ordering::Relaxed);
        Ok(sent)
    }

    /// Sends `due`; `service_names` keeps the names read this pass, so a
    /// service is looked up once however many of its appointments are due.
    async fn send(
        &self,
        due: Vec<store::DueReminder>,
        now: i64,
        service_names: &mut HashMap<String, String>,
    ) -> anyhow::Result<usize> {
        let mut sent = 0;
        for due in due {
            let a = &due.appointment;
            if !service_names.contains_key(&a.service_id) {
                let service = store::get_service(&self.db, &a.service_id).await?;
                service_names.insert(a.service_id.clone(), service.map(|s| s.name).unwrap_or_default());
            }
            let name = &service_names[&a.service_id];
            let notices = Facts { zone: &self.zone, appointment: a, service_name: name }.reminders();
            let events = notice_events(&a.id, &notices)?;
            // Not recorded (nor sent) if it was cancelled or moved since it was found.
            if store::mark_reminder_sent(&self.db, &due, &events, now).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }
}
