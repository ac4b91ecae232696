//! What the lag mode reads of the running system: the backlog and what was
//! delivered so far (outbox rows, queued deliveries), the CPU spent, and,
//! once the load is over, when each booking's notices arrived.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hms_kit::docstore::{DocumentStore, Filter, Query};
use hms_kit::time::to_micros;
use serde_json::json;

const DELIVERIES: &str = "notification_deliveries";

/// Reads the backlog and what was delivered so far, and the CPU spent.
pub(crate) struct Probe {
    appointment: sqlx::AnyPool,
    user: sqlx::AnyPool,
    pub docs: Arc<dyn DocumentStore>,
    /// The MariaDB server's /proc entry, when it runs on this machine.
    mariadbd: Option<PathBuf>,
}

/// One reading of the [`Probe`].
#[derive(Clone, Copy, Default)]
pub(crate) struct Counts {
    pub at: Option<Instant>,
    pub booked: u64,
    pub appointment_pending: i64,
    pub appointment_delivered: i64,
    pub user_pending: i64,
    pub user_delivered: i64,
    /// Deliveries queued or being sent.
    pub queued: u64,
    /// Deliveries made (emails sent, in-app notifications stored).
    pub delivered: u64,
    pub cpu: Duration,
    pub mariadbd_cpu: Option<Duration>,
    /// Resident memory of the process (load generator and every service in it), KiB.
    pub rss_kib: u64,
}

impl Counts {
    /// Events waiting anywhere on their way: outbox rows and queued deliveries.
    pub fn backlog(&self) -> i64 {
        self.appointment_pending + self.user_pending + i64::try_from(self.queued).unwrap_or(i64::MAX)
    }
}

impl Probe {
    /// Connects to the stores: the appointment and user services' databases
    /// and the notification service's document store.
    pub async fn open(appointment_url: &str, user_url: &str, notifications_url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let mariadbd = if appointment_url.starts_with("mysql:") { find_process(&["mariadbd", "mysqld"]) } else { None };
        Ok(Self {
            appointment: sqlx::AnyPool::connect(appointment_url).await?,
            user: sqlx::AnyPool::connect(user_url).await?,
            docs: hms_kit::docstore::connect(notifications_url).await?,
            mariadbd,
        })
    }

    /// A reading; one that fails is told and tried again, twice (a count
    /// may time out on a busy store).
    pub async fn read(&self, booked: u64) -> anyhow::Result<Counts> {
        let mut tries = 1;
        loop {
            match self.read_once(booked).await {
                Ok(counts) => return Ok(counts),
                Err(e) if tries < 3 => eprintln!("reading the backlog failed (try {tries} of 3): {e:#}"),
                Err(e) => return Err(e),
            }
            tries += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn read_once(&self, booked: u64) -> anyhow::Result<Counts> {
        let (appointment_pending, appointment_delivered) = outbox(&self.appointment).await?;
        let (user_pending, user_delivered) = outbox(&self.user).await?;
        let status =
            |statuses: &[&str]| vec![("status".to_owned(), Filter::In(statuses.iter().map(|s| json!(s)).collect()))];
        Ok(Counts {
            at: Some(Instant::now()),
            booked,
            appointment_pending,
            appointment_delivered,
            user_pending,
            user_delivered,
            queued: self.docs.count(DELIVERIES, &status(&["QUEUED", "SENDING"])).await?,
            delivered: self.docs.count(DELIVERIES, &status(&["SENT", "DELIVERED"])).await?,
            cpu: cpu_time(Path::new("/proc/self")).unwrap_or_default(),
            rss_kib: resident_kib(Path::new("/proc/self")).unwrap_or_default(),
            mariadbd_cpu: self.mariadbd.as_deref().and_then(cpu_time),
        })
    }
}

/// An outbox's undelivered events and delivered ones; both counts walk the
/// relay's own index.
async fn outbox(pool: &sqlx::AnyPool) -> anyhow::Result<(i64, i64)> {
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE delivered_at IS NULL AND failed_at IS NULL")
            .fetch_one(pool)
            .await?;
    let delivered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM hms_outbox WHERE delivered_at IS NOT NULL").fetch_one(pool).await?;
    Ok((pending, delivered))
}

/// User plus system CPU time of a process, from its /proc/<pid>/stat.
fn cpu_time(proc_dir: &Path) -> Option<Duration> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    // Fields after the command name, which may hold spaces: utime and
    // stime are the 14th and 15th, in clock ticks (USER_HZ, 100 on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resident set size of a process, from the `VmRSS` line of its /proc/<pid>/status.
fn resident_kib(proc_dir: &Path) -> Option<u64> {
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The /proc entry of the first process with one of these names.
fn find_process(names: &[&str]) -> Option<PathBuf> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| std::fs::read_to_string(path.join("comm")).is_ok_and(|comm| names.contains(&comm.trim())))
}

/// When each booking's notices arrived (Unix µs), by appointment id.
#[derive(Default)]
pub(crate) struct Arrivals {
    pub inbox: HashMap<String, i64>,
    pub email: HashMap<String, i64>,
    /// Patients' booking notices that ended otherwise (failed, suppressed).
    pub lost: usize,
}

/// Reads the patients' booking notices from the notification store, and
/// the mail directory's files, matched to them by Message-ID.
pub(crate) async fn arrivals(docs: &dyn DocumentStore, mail_dir: &Path) -> anyhow::Result<Arrivals> {
    let mut arrivals = Arrivals::default();
    let mut emails = HashMap::new();
    let mut after = None;
    loop {
        let page = docs.find(DELIVERIES, &Query { limit: 1000, after, ..Query::default() }).await?;
        for delivery in page.items {
            let body = &delivery.body;
            let (Some(kind), Some(appointment)) = (body["kind"].as_str(), body["data"]["appointment_id"].as_str())
            else {
                continue;
            };
            if !(kind.starts_with("APPOINTMENT_") && kind.ends_with("_PATIENT")) {
                continue;
            }
            match (body["channel"].as_str(), body["status"].as_str(), body["sent_at"].as_i64()) {
                (Some("IN_APP"), Some("DELIVERED"), Some(at)) => {
                    arrivals.inbox.insert(appointment.to_owned(), at);
                }
                (Some("EMAIL"), Some("SENT"), Some(_)) => {
                    emails.insert(delivery.id, appointment.to_owned());
                }
                _ => arrivals.lost += 1,
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    for entry in std::fs::read_dir(mail_dir)? {
        let path = entry?.path();
        let written = to_micros(std::fs::metadata(&path)?.modified()?);
        let eml = std::fs::read_to_string(&path)?;
        let id = eml.split_once("Message-ID: <").and_then(|(_, rest)| rest.split_once('@')).map(|(id, _)| id);
        if let Some(appointment) = id.and_then(|id| emails.get(id)) {
            arrivals.email.insert(appointment.clone(), written);
        }
    }
    Ok(arrivals)
}
