//! The store's ceiling for bookings: bookings written as the service writes
//! them (holds, appointment and notices; on MySQL several to a transaction
//! when they queue, see [`BookingWriter`]), by concurrent writers with no
//! RPC, authentication or availability check in front of them. The load
//! generator prints it beside its own figures, so the distance between the
//! service and what the database allows is visible.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fixtures::{check_up, pending_booking};
use crate::store::{self, BookingWriter};

const SERVICE_ID: &str = "ceiling-service";

/// What the ceiling run measured.
#[derive(Debug, Clone)]
pub struct Ceiling {
    pub bookings: usize,
    pub elapsed: Duration,
    /// Sorted latencies of the booking transactions.
    pub latencies: Vec<Duration>,
    /// Transactions that wrote several bookings, and the bookings they wrote
    /// (see [`BookingWriter`]; none on SQLite).
    pub shared: (u64, u64),
}

impl Ceiling {
    pub fn per_second(&self) -> f64 {
        self.bookings as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `writers` concurrent writers, each booking `per_writer` consecutive
/// slots for a doctor and a patient of its own, on a fresh database at
/// `database_url`. No booking collides, so every one does the whole work.
pub async fn measure(database_url: &str, writers: usize, per_writer: usize) -> anyhow::Result<Ceiling> {
    let db = crate::connect(database_url).await?;
    let first_start = (hms_kit::time::now_seconds() / 3600 + 24 * 30) * 3600;
    // The booking checks the revisions of its service and doctor's schedule.
    store::insert_service(&db, &check_up(SERVICE_ID, "CEILING"), None).await?;
    for writer in 0..writers {
        store::set_schedule(&db, &doctor(writer), "", "Room 1", &[], 0, None).await?;
    }
    let bookings = BookingWriter::new(db);
    let started = Instant::now();
    let tasks = (0..writers).map(|w| {
        let bookings = bookings.clone();
        tokio::spawn(async move { book_in_a_row(&bookings, w, per_writer, first_start).await })
    });
    let mut latencies = Vec::with_capacity(writers * per_writer);
    for task in futures::future::join_all(tasks).await {
        latencies.extend(task??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(Ceiling { bookings: latencies.len(), elapsed, latencies, shared: bookings.shared_transactions() })
}

async fn book_in_a_row(
    bookings: &BookingWriter,
    writer: usize,
    count: usize,
    first_start: i64,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(count);
    for i in 0..count {
        let start = first_start + 1800 * i as i64;
        let booking = pending_booking(SERVICE_ID, &format!("ceiling-patient-{writer}"), &doctor(writer), start, 30);
        let t = Instant::now();
        bookings.insert(Arc::new(booking)).await.map_err(|e| anyhow::anyhow!("ceiling booking failed: {e:?}"))?;
        latencies.push(t.elapsed());
    }
    Ok(latencies)
}

fn doctor(writer: usize) -> String {
    format!("ceiling-doctor-{writer}")
}
