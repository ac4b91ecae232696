//! Bookings written together on MySQL.
//!
//! MariaDB spends most of a booking's CPU on the statements themselves
//! (parsing the packet, opening tables, locking, the commit), not on the rows
//! they write: the same bookings written eight to a transaction with
//! multi-row statements cost it less than half the CPU each. So on MySQL the
//! bookings that arrive while [`RUNNERS`] transactions are already writing
//! wait for the next free one and are written together in it; a booking that
//! arrives when one is free is written alone at once, as on SQLite (whose
//! writer already shares its commits, see `hms_kit::storage`).
//!
//! A transaction of several bookings writes every booking's holds, keeps
//! the bookings that got all of theirs, and takes back the holds of the
//! others, which are then written alone: that decides, against what is now
//! committed, whether the doctor or the patient was taken (a booking may
//! also have lost only to another of the same transaction that failed).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hms_kit::storage::{Backend, Db, Statement, Value};
use sqlx::{AnyConnection, Row};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::HoldError;
use super::appointments::{
    APPOINTMENT_COLUMNS, APPOINTMENT_VALUES, NewBooking, appointment_values, event_inserts, insert_appointment,
};
use crate::domain::{granule_of, granules};

/// Transactions writing bookings at once on MySQL. Fewer make bigger
/// batches (less CPU per booking) but longer waits.
const RUNNERS: usize = 2;
/// Most bookings in one transaction.
const MAX_BATCH: usize = 32;

/// Writes bookings; on MySQL, several to a transaction when they queue.
#[derive(Clone)]
pub struct BookingWriter {
    db: Db,
    queue: Option<mpsc::Sender<Job>>,
    /// Read by the bench's ceiling and the tests only.
    #[cfg_attr(not(any(test, feature = "bench")), allow(dead_code))]
    counts: Arc<Counts>,
}

/// Transactions of several bookings and the bookings they committed.
#[derive(Default)]
struct Counts {
    transactions: AtomicU64,
    bookings: AtomicU64,
}

struct Job {
    booking: Arc<NewBooking>,
    reply: oneshot::Sender<Result<(), HoldError>>,
}

impl BookingWriter {
    pub fn new(db: Db) -> Self {
        let counts = Arc::new(Counts::default());
        let queue = (db.backend == Backend::MySql).then(|| {
            let (queue, jobs) = mpsc::channel(1024);
            tokio::spawn(dispatch(db.clone(), jobs, counts.clone()));
            queue
        });
        Self { db, queue, counts }
    }

    /// Writes `booking` (see [`insert_appointment`] for what is checked).
    pub async fn insert(&self, booking: Arc<NewBooking>) -> Result<(), HoldError> {
        let Some(queue) = &self.queue else { return insert_appointment(&self.db, &booking).await };
        let (reply, replied) = oneshot::channel();
        queue.send(Job { booking, reply }).await.map_err(|_| HoldError::Store(sqlx::Error::PoolClosed))?;
        replied.await.map_err(|_| HoldError::Store(sqlx::Error::PoolClosed))?
    }

    /// Transactions that wrote several bookings so far, and the bookings
    /// they committed.
    #[cfg(any(test, feature = "bench"))]
    pub fn shared_transactions(&self) -> (u64, u64) {
        (self.counts.transactions.load(Ordering::Relaxed), self.counts.bookings.load(Ordering::Relaxed))
    }
}

/// Hands the queued bookings to the next free runner, as many as wait.
async fn dispatch(db: Db, mut jobs: mpsc::Receiver<Job>, counts: Arc<Counts>) {
    let runners = Arc::new(Semaphore::new(RUNNERS));
    loop {
        let Ok(runner) = runners.clone().acquire_owned().await else { return };
        let Some(first) = jobs.recv().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // A caller that gave up gets no booking it no longer waits for.
        batch.retain(|job| !job.reply.is_closed());
        let (db, counts) = (db.clone(), counts.clone());
        tokio::spawn(async move { write(&db, batch, runner, &counts).await });
    }
}

/// Writes `batch` and answers each booking. The runner is free again once
/// the shared transaction ended: the bookings it sends back to be written
/// alone do not hold up the next batch.
async fn write(db: &Db, batch: Vec<Job>, runner: OwnedSemaphorePermit, counts: &Counts) {
    if batch.len() < 2 {
        for job in batch {
            let outcome = insert_appointment(db, &job.booking).await;
            let _ = job.reply.send(outcome);
        }
        return;
    }
    let bookings: Vec<&NewBooking> = batch.iter().map(|job| &*job.booking).collect();
    let together = write_together(db, &bookings).await;
    drop(runner);
    let outcomes = match together {
        Ok(outcomes) => outcomes,
        // A deadlock or anything else undid the whole transaction: each
        // booking is written alone, as if it had come alone.
        Err(error) => {
            tracing::debug!(%error, bookings = batch.len(), "bookings written together failed; writing them alone");
            vec![Together::Lost; batch.len()]
        }
    };
    let written = outcomes.iter().filter(|o| **o == Together::Written).count();
    if written > 0 {
        counts.transactions.fetch_add(1, Ordering::Relaxed);
        counts.bookings.fetch_add(written as u64, Ordering::Relaxed);
    }
    let answers = batch.into_iter().zip(outcomes).map(|(job, outcome)| async move {
        let answer = match outcome {
            Together::Written => Ok(()),
            Together::Changed => Err(HoldError::Changed),
            Together::Lost => insert_appointment(db, &job.booking).await,
        };
        let _ = job.reply.send(answer);
    });
    futures::future::join_all(answers).await;
}

/// What a transaction of several bookings did with one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Together {
    Written,
    /// Its service or the doctor's schedule changed since it was decided.
    Changed,
    /// It did not get all its holds (or the transaction failed): to be
    /// written alone.
    Lost,
}

/// Writes `bookings` in one transaction on a kept connection; Err when the
/// transaction failed and wrote nothing.
async fn write_together(db: &Db, bookings: &[&NewBooking]) -> Result<Vec<Together>, sqlx::Error> {
    let Some(kept) = db.kept_connection().await else {
        return Err(sqlx::Error::Configuration("bookings are written together on MySQL only".into()));
    };
    let mut kept = kept?;
    let outcome = decide_and_write(kept.connection(), bookings).await;
    kept.end(matches!(&outcome, Ok(outcomes) if outcomes.contains(&Together::Written))).await?;
    outcome
}

/// The statements of a shared transaction, up to its end: the revisions
/// checked, every booking's holds written, then the appointments and events
/// of those that got all theirs.
async fn decide_and_write(conn: &mut AnyConnection, bookings: &[&NewBooking]) -> Result<Vec<Together>, sqlx::Error> {
    let mut outcomes = current(conn, bookings).await?;
    let live: Vec<usize> = (0..bookings.len()).filter(|&i| outcomes[i] != Together::Changed).collect();
    if live.is_empty() {
        return Ok(outcomes);
    }
    let mut all_held = true;
    for side in [Side::Doctor, Side::Patient] {
        let (holds, wanted) = hold_all(side, live.iter().map(|&i| bookings[i]));
        all_held &= holds.execute(conn).await?.rows_affected() == wanted;
    }
    // When every hold went in, no booking lost one: nothing to read back.
    let held = if all_held { None } else { Some(own_holds(conn, &live, bookings).await?) };
    let mut lost_holds = Vec::new();
    for &i in &live {
        let wanted = granules(bookings[i].row.start_at, bookings[i].row.end_at).len();
        let (doctor, patient) = match &held {
            None => (wanted, wanted),
            Some(held) => held.get(&i).copied().unwrap_or_default(),
        };
        if doctor == wanted && patient == wanted {
            outcomes[i] = Together::Written;
        } else if doctor + patient > 0 {
            lost_holds.push(bookings[i]);
        }
    }
    if !lost_holds.is_empty() {
        for side in [Side::Doctor, Side::Patient] {
            release_all(side, &lost_holds).execute(conn).await?;
        }
    }
    let written: Vec<&NewBooking> =
        (0..bookings.len()).filter(|&i| outcomes[i] == Together::Written).map(|i| bookings[i]).collect();
    if written.is_empty() {
        return Ok(outcomes);
    }
    let rows = vec![format!("({APPOINTMENT_VALUES})"); written.len()].join(", ");
    let args = written.iter().flat_map(|b| appointment_values(&b.row)).collect();
    Statement::new(format!("INSERT INTO appointments ({APPOINTMENT_COLUMNS}, start_set_at) VALUES {rows}"), args)
        .execute(conn)
        .await?;
    for insert in event_inserts(&written) {
        insert.execute(conn).await?;
    }
    Ok(outcomes)
}

/// Which bookings were decided on the current revisions of their active
/// service and their doctor's schedule; these rows stay share-locked until
/// the transaction ends, so that neither changes before it commits.
async fn current(conn: &mut AnyConnection, bookings: &[&NewBooking]) -> Result<Vec<Together>, sqlx::Error> {
    let mut services: Vec<&str> = bookings.iter().map(|b| b.row.service_id.as_str()).collect();
    let mut doctors: Vec<&str> = bookings.iter().map(|b| b.row.doctor_id.as_str()).collect();
    for ids in [&mut services, &mut doctors] {
        ids.sort_unstable();
        ids.dedup();
    }
    let marks = |n: usize| vec!["?"; n].join(", ");
    let sql = format!(
        "SELECT s.id, s.revision, d.doctor_id, d.revision AS schedule_revision \
         FROM medical_services s JOIN doctor_schedules d \
         WHERE s.active = 1 AND s.id IN ({}) AND d.doctor_id IN ({}) LOCK IN SHARE MODE",
        marks(services.len()),
        marks(doctors.len())
    );
    let args = services.iter().chain(&doctors).map(|id| Value::from(*id)).collect();
    let rows = Statement::new(sql, args).fetch_all(conn).await?;
    let (mut service_revisions, mut schedule_revisions) = (HashMap::new(), HashMap::new());
    for row in &rows {
        service_revisions.insert(row.try_get::<String, _>("id")?, row.try_get::<i64, _>("revision")?);
        schedule_revisions.insert(row.try_get::<String, _>("doctor_id")?, row.try_get::<i64, _>("schedule_revision")?);
    }
    Ok(bookings
        .iter()
        .map(|b| {
            let service = service_revisions.get(b.row.service_id.as_str());
            let schedule = schedule_revisions.get(b.row.doctor_id.as_str());
            if (service, schedule) == (Some(&b.decided_on.service), Some(&b.decided_on.schedule)) {
                Together::Lost
            } else {
                Together::Changed
            }
        })
        .collect())
}

#[derive(Clone, Copy)]
enum Side {
    Doctor,
    Patient,
}

impl Side {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Side::Doctor => ("doctor_holds", "doctor_id"),
            Side::Patient => ("patient_holds", "patient_id"),
        }
    }

    fn owner(self, booking: &NewBooking) -> &str {
        match self {
            Side::Doctor => &booking.row.doctor_id,
            Side::Patient => &booking.row.patient_id,
        }
    }
}

/// One statement writing every booking's holds on `side`, in key order, so
/// that two such transactions lock in the same order, with the number of
/// holds. A hold already taken (by another appointment, or by an earlier
/// booking of the same statement) is skipped; when any was, [`own_holds`]
/// tells who got what. `IGNORE` skips only duplicate keys here: the other
/// errors it would turn into warnings cannot arise from these values (ids
/// are checked to fit, granules are integers).
fn hold_all<'a>(side: Side, bookings: impl Iterator<Item = &'a NewBooking>) -> (Statement<'a>, u64) {
    let (table, column) = side.table();
    let mut holds: Vec<(&str, i64, &str)> = bookings
        .flat_map(|b| {
            granules(b.row.start_at, b.row.end_at).into_iter().map(move |g| (side.owner(b), g, b.row.id.as_str()))
        })
        .collect();
    holds.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let count = holds.len() as u64;
    let rows = vec!["(?, ?, ?)"; holds.len()].join(", ");
    let args = holds.into_iter().flat_map(|(owner, granule, id)| [owner.into(), granule.into(), id.into()]).collect();
    let sql = format!("INSERT IGNORE INTO {table} ({column}, granule_start, appointment_id) VALUES {rows}");
    (Statement::new(sql, args), count)
}

/// How many holds each of `live` (indexes into `bookings`) got, doctor's and
/// patient's: the holds of their keys that carry their appointment's id.
async fn own_holds(
    conn: &mut AnyConnection,
    live: &[usize],
    bookings: &[&NewBooking],
) -> Result<HashMap<usize, (usize, usize)>, sqlx::Error> {
    let mut parts = Vec::with_capacity(2);
    let mut args = Vec::with_capacity(live.len() * 6);
    for (side, name) in [(Side::Doctor, 0_i64), (Side::Patient, 1)] {
        let (table, column) = side.table();
        let ranges = vec![format!("({column} = ? AND granule_start >= ? AND granule_start < ?)"); live.len()];
        parts.push(format!("SELECT {name} AS side, appointment_id FROM {table} WHERE {}", ranges.join(" OR ")));
        for &i in live {
            let row = &bookings[i].row;
            args.extend([Value::from(side.owner(bookings[i])), granule_of(row.start_at).into(), row.end_at.into()]);
        }
    }
    let rows = Statement::new(parts.join(" UNION ALL "), args).fetch_all(conn).await?;
    let index: HashMap<&str, usize> = live.iter().map(|&i| (bookings[i].row.id.as_str(), i)).collect();
    let mut held: HashMap<usize, (usize, usize)> = HashMap::with_capacity(live.len());
    for row in &rows {
        let id: String = row.try_get("appointment_id")?;
        let Some(&i) = index.get(id.as_str()) else { continue };
        let counts = held.entry(i).or_default();
        match row.try_get::<i64, _>("side")? {
            0 => counts.0 += 1,
            _ => counts.1 += 1,
        }
    }
    Ok(held)
}

/// One statement taking back the holds `bookings` got on `side`.
fn release_all<'a>(side: Side, bookings: &[&'a NewBooking]) -> Statement<'a> {
    let (table, column) = side.table();
    let ranges = vec![
        format!("({column} = ? AND granule_start >= ? AND granule_start < ? AND appointment_id = ?)");
        bookings.len()
    ];
    let args = bookings
        .iter()
        .flat_map(|b| {
            [side.owner(b).into(), granule_of(b.row.start_at).into(), b.row.end_at.into(), b.row.id.as_str().into()]
        })
        .collect();
    Statement::new(format!("DELETE FROM {table} WHERE {}", ranges.join(" OR ")), args)
}

#[cfg(test)]
mod tests {
    use hms_kit::testing::{self, Relational};

    use super::*;
    use crate::fixtures::{check_up, pending_booking};

    const SERVICE: &str = "batch-service";
    const HOUR: i64 = 3600;

    /// A MariaDB store with a 30-minute service and doctors `a`, `b`, `c`.
    async fn store() -> Option<Db> {
        let db = testing::database(Relational::MySql).await?;
        let db = crate::connect(&db.url).await.expect("store");
        super::super::insert_service(&db, &check_up(SERVICE, "BATCH"), None).await.expect("service");
        for doctor in ["a", "b", "c"] {
            super::super::set_schedule(&db, doctor, "", "Room 1", &[], 0, None).await.expect("schedule");
        }
        Some(db)
    }

    fn booking(patient: &str, doctor: &str, start: i64, minutes: i64) -> Arc<NewBooking> {
        Arc::new(pending_booking(SERVICE, patient, doctor, start, minutes))
    }

    /// Writes `bookings` as one batch, as the dispatcher hands it over.
    async fn write_batch(db: &Db, bookings: &[Arc<NewBooking>]) -> (Vec<Result<(), HoldError>>, (u64, u64)) {
        let counts = Counts::default();
        let (jobs, replies): (Vec<Job>, Vec<_>) = bookings
            .iter()
            .map(|booking| {
                let (reply, replied) = oneshot::channel();
                (Job { booking: booking.clone(), reply }, replied)
            })
            .unzip();
        let runner = Arc::new(Semaphore::new(1)).acquire_owned().await.expect("a fresh semaphore");
        write(db, jobs, runner, &counts).await;
        let mut outcomes = Vec::new();
        for replied in replies {
            outcomes.push(replied.await.expect("every booking is answered"));
        }
        (outcomes, (counts.transactions.into_inner(), counts.bookings.into_inner()))
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&db.pool).await.expect("count")
    }

    fn start() -> i64 {
        (hms_kit::time::now_seconds() / HOUR + 48) * HOUR
    }

    #[tokio::test]
    async fn a_batch_writes_its_bookings_in_one_transaction() {
        let Some(db) = store().await else { return };
        let t = start();
        let batch = [booking("p1", "a", t, 30), booking("p2", "b", t, 30), booking("p3", "a", t + HOUR, 60)];
        let (outcomes, shared) = write_batch(&db, &batch).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        assert_eq!(shared, (1, 3));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM appointments").await, 3);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM doctor_holds").await, 6 + 6 + 12);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM patient_holds").await, 6 + 6 + 12);
        // Two notices per booking, through the outbox.
        assert_eq!(count(&db, "SELECT COUNT(*) FROM hms_outbox").await, 6);
    }

    #[tokio::test]
    async fn bookings_of_one_batch_that_collide_are_refused_as_if_alone() {
        let Some(db) = store().await else { return };
        let t = start();
        let taken = booking("p0", "a", t, 30);
        insert_appointment(&db, &taken).await.expect("alone");
        let batch = [
            // The doctor is taken by a committed appointment.
            booking("p1", "a", t + 600, 30),
            // The doctor is taken by the booking before it in this batch.
            booking("p2", "b", t, 30),
            booking("p3", "b", t + 900, 30),
            // The patient is busy with the booking before it in this batch.
            booking("p4", "c", t + 3 * HOUR, 30),
            booking("p4", "b", t + 3 * HOUR, 60),
            // Lost its patient's holds to p5's booking of a taken doctor, which
            // fails: written alone afterwards, it gets them.
            booking("p5", "a", t, 30),
            booking("p5", "c", t, 30),
        ];
        let (outcomes, shared) = write_batch(&db, &batch).await;
        let refusal = |o: &Result<(), HoldError>| match o {
            Ok(()) => "booked",
            Err(HoldError::DoctorTaken) => "doctor taken",
            Err(HoldError::PatientBusy) => "patient busy",
            Err(other) => panic!("unexpected {other:?}"),
        };
        let got: Vec<&str> = outcomes.iter().map(refusal).collect();
        assert_eq!(got, ["doctor taken", "booked", "doctor taken", "booked", "patient busy", "doctor taken", "booked"]);
        assert_eq!(shared, (1, 2), "p2 and p4's first booking share a transaction, p5's second comes alone");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM appointments").await, 4);
        // Each appointment keeps exactly its own holds; the refused left none.
        for table in ["doctor_holds", "patient_holds"] {
            let stray = format!(
                "SELECT COUNT(*) FROM {table} h LEFT JOIN appointments a ON a.id = h.appointment_id WHERE a.id IS NULL"
            );
            assert_eq!(count(&db, &stray).await, 0, "{table}");
            assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {table}")).await, 4 * 6);
        }
    }

    #[tokio::test]
    async fn a_booking_decided_on_an_old_revision_is_sent_back_alone() {
        let Some(db) = store().await else { return };
        let t = start();
        let stale = {
            let mut b = (*booking("p1", "a", t, 30)).clone();
            b.decided_on.schedule = 7;
            Arc::new(b)
        };
        let batch = [stale, booking("p2", "b", t, 30)];
        let (outcomes, shared) = write_batch(&db, &batch).await;
        assert!(matches!(outcomes[0], Err(HoldError::Changed)), "{:?}", outcomes[0]);
        assert!(outcomes[1].is_ok(), "{:?}", outcomes[1]);
        assert_eq!(shared, (1, 1));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM doctor_holds WHERE doctor_id = 'a'").await, 0);
    }

    #[tokio::test]
    async fn concurrent_bookings_share_transactions_and_never_overlap() {
        let Some(db) = store().await else { return };
        let writer = BookingWriter::new(db.clone());
        let t = start();
        // 96 bookings over 3 doctors and 16 patients, 30 or 45 minutes long
        // on a 15-minute grid: many overlap, by doctor or by patient.
        let attempts = (0..96_i64).map(|i| {
            let doctor = ["a", "b", "c"][(i % 3) as usize];
            let b = booking(&format!("p{}", i % 16), doctor, t + (i * 7 % 24) * 900, 30 + (i % 2) * 15);
            let writer = writer.clone();
            tokio::spawn(async move { writer.insert(b).await })
        });
        let mut booked = 0;
        for outcome in futures::future::join_all(attempts).await {
            match outcome.expect("task") {
                Ok(()) => booked += 1,
                Err(HoldError::DoctorTaken | HoldError::PatientBusy) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        let (transactions, together) = writer.shared_transactions();
        assert!(transactions > 0 && together > transactions, "{transactions} shared transactions wrote {together}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM appointments").await, booked);
        let overlaps = "SELECT COUNT(*) FROM appointments x JOIN appointments y ON x.id < y.id \
                        AND (x.doctor_id = y.doctor_id OR x.patient_id = y.patient_id) \
                        AND x.start_at < y.end_at AND y.start_at < x.end_at";
        assert_eq!(count(&db, overlaps).await, 0);
    }
}
