//! In-process caches of what changes rarely, so that the calendar, the
//! busiest read, costs one query. Bookings never trust them: they re-read the
//! store inside their own checks.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hms_kit::storage::{Db, StoreError};

use crate::domain::slots::Interval;
use crate::store::{self, ScheduleRow, ServiceRow};

/// Doctors' display names, kept for a while: they change rarely, and the
/// calendar should not ask the user service on every request.
pub struct NameCache {
    ttl: Duration,
    names: Mutex<HashMap<String, (String, Instant)>>,
}

impl NameCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, names: Mutex::new(HashMap::new()) }
    }

    /// The fresh names among `ids`, and the ids still to fetch.
    pub fn lookup(&self, ids: Vec<String>) -> (HashMap<String, String>, Vec<String>) {
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            match names.get(&id) {
                Some((name, at)) if at.elapsed() < self.ttl => {
                    found.insert(id, name.clone());
                }
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    pub fn remember(&self, fetched: &HashMap<String, String>) {
        let now = Instant::now();
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        // Doctors are few; the bound only guards against a flood of ids.
        if names.len() > 10_000 {
            names.clear();
        }
        names.extend(fetched.iter().map(|(id, name)| (id.clone(), (name.clone(), now))));
    }
}

/// Schedules and services as the calendar and availability show them:
/// re-read at most every `ttl` (the staleness another replica's change can
/// have here), and at once after a change through this replica.
pub struct DisplayCache {
    ttl: Duration,
    /// Bumped by every change, so that a read that raced a change is not kept.
    generation: AtomicU64,
    schedules: Mutex<Option<(Instant, Arc<Vec<ScheduleRow>>)>>,
    services: Mutex<HashMap<String, (Instant, Arc<ServiceRow>)>>,
}

impl DisplayCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, generation: AtomicU64::new(0), schedules: Mutex::new(None), services: Mutex::new(HashMap::new()) }
    }

    /// Forgets everything; called after any schedule or catalog change.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.schedules.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.services.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    pub async fn schedules(&self, db: &Db) -> Result<Arc<Vec<ScheduleRow>>, StoreError> {
        if let Some((at, schedules)) = &*self.schedules.lock().unwrap_or_else(PoisonError::into_inner)
            && at.elapsed() < self.ttl
        {
            return Ok(schedules.clone());
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let schedules = Arc::new(store::schedules(db, None).await?);
        let mut slot = self.schedules.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::SeqCst) == generation {
            *slot = Some((Instant::now(), schedules.clone()));
        }
        Ok(schedules)
    }

    pub async fn service(&self, db: &Db, id: &str) -> Result<Option<Arc<ServiceRow>>, StoreError> {
        if let Some((at, service)) = self.services.lock().unwrap_or_else(PoisonError::into_inner).get(id)
            && at.elapsed() < self.ttl
        {
            return Ok(Some(service.clone()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(service) = store::get_service(db, id).await?.map(Arc::new) else { return Ok(None) };
        let mut services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::SeqCst) == generation {
            // The catalog is small; the bound only guards against a flood of ids.
            if services.len() > 10_000 {
                services.clear();
            }
            services.insert(id.to_owned(), (Instant::now(), service.clone()));
        }
        Ok(Some(service))
    }
}

/// The doctors' busy intervals, which the calendar reads on every request:
/// kept per doctor for a while and changed at once by this replica's own
/// bookings, moves and cancellations, so that this replica never shows its
/// own bookings as free. Another replica's changes show after at most `ttl`;
/// a slot shown free by mistake is refused by the booking's holds, with
/// alternatives, as any raced slot is.
pub struct BusyCache {
    ttl: Duration,
    state: Mutex<BusyState>,
}

#[derive(Default)]
struct BusyState {
    /// Numbers this replica's changes, so that a load can replay the ones
    /// that raced it.
    sequence: u64,
    doctors: HashMap<String, KnownBusy>,
    /// This replica's recent changes, oldest first.
    recent: VecDeque<BusyChange>,
}

/// A doctor's live intervals overlapping `window`, as loaded at `loaded`.
struct KnownBusy {
    loaded: Instant,
    window: Interval,
    intervals: Vec<Interval>,
}

/// Doctors to read from the store, over `window`; `sequence` is the last
/// change this replica had made when the read began.
struct Load<'a> {
    doctors: Vec<&'a str>,
    window: Interval,
    sequence: u64,
    started: Instant,
}

struct BusyChange {
    sequence: u64,
    at: Instant,
    doctor_id: String,
    interval: Interval,
    busy: bool,
}

/// How long a change is kept for loads that raced it; far longer than a query.
const RACE_MEMORY: Duration = Duration::from_secs(30);
/// The widest window kept per doctor: a month of calendar and its margins.
const WIDEST_WINDOW_SECS: i64 = 62 * 86_400;

impl KnownBusy {
    /// Adds or removes `interval`; doing so twice is doing it once, so a
    /// change may be replayed on rows that already hold it. Live intervals of
    /// one doctor never overlap, so an interval names its appointment.
    fn apply(&mut self, interval: Interval, busy: bool) {
        let position = self.intervals.iter().position(|known| *known == interval);
        match (position, busy) {
            (None, true) => {
                let at = self.intervals.partition_point(|known| known.start < interval.start);
                self.intervals.insert(at, interval);
            }
            (Some(at), false) => {
                self.intervals.remove(at);
            }
            _ => {}
        }
    }
}

impl BusyCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, state: Mutex::new(BusyState::default()) }
    }

    /// Busy intervals of `doctor_ids` overlapping `[from, to)`, sorted.
    pub async fn busy<'a>(
        &self,
        db: &Db,
        doctor_ids: &[&'a str],
        from: i64,
        to: i64,
    ) -> Result<HashMap<&'a str, Vec<Interval>>, StoreError> {
        let wanted = Interval { start: from, end: to };
        let (mut busy, load) = self.lookup(doctor_ids, wanted);
        if let Some(load) = load {
            let fetched = store::doctors_busy(db, &load.doctors, load.window.start, load.window.end).await?;
            self.learn(load, fetched, wanted, &mut busy);
        }
        Ok(busy)
    }

    /// What is known of `doctor_ids` over `wanted`, and the load of the rest.
    fn lookup<'a>(
        &self,
        doctor_ids: &[&'a str],
        wanted: Interval,
    ) -> (HashMap<&'a str, Vec<Interval>>, Option<Load<'a>>) {
        let mut busy = HashMap::with_capacity(doctor_ids.len());
        let mut doctors = Vec::new();
        let mut window = wanted;
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for id in doctor_ids {
            let fresh = state.doctors.get(*id).filter(|known| known.loaded.elapsed() < self.ttl);
            match fresh {
                Some(known) if known.window.contains(&wanted) => {
                    let overlapping = known.intervals.iter().filter(|b| b.overlaps(&wanted));
                    busy.insert(*id, overlapping.copied().collect());
                }
                _ => {
                    doctors.push(*id);
                    // Widened to what was known, so that the calendar and the
                    // alternatives around one slot do not evict each other.
                    if let Some(known) = fresh {
                        window = Interval {
                            start: window.start.min(known.window.start),
                            end: window.end.max(known.window.end),
                        };
                    }
                }
            }
        }
        if window.end - window.start > WIDEST_WINDOW_SECS {
            window = wanted;
        }
        let load = Load { doctors, window, sequence: state.sequence, started: Instant::now() };
        (busy, (!load.doctors.is_empty()).then_some(load))
    }

    /// Keeps what `load` fetched, with this replica's changes that raced it.
    fn learn<'a>(
        &self,
        load: Load<'a>,
        mut fetched: HashMap<String, Vec<Interval>>,
        wanted: Interval,
        busy: &mut HashMap<&'a str, Vec<Interval>>,
    ) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let BusyState { doctors, recent, .. } = &mut *state;
        let raced = recent.partition_point(|c| c.sequence <= load.sequence);
        for id in load.doctors {
            let intervals = fetched.remove(id).unwrap_or_default();
            let mut known = KnownBusy { loaded: load.started, window: load.window, intervals };
            for change in recent.range(raced..).filter(|c| c.doctor_id == id) {
                known.apply(change.interval, change.busy);
            }
            busy.insert(id, known.intervals.iter().filter(|b| b.overlaps(&wanted)).copied().collect());
            doctors.insert(id.to_owned(), known);
        }
    }

    /// This replica made `interval` of `doctor_id` busy (`true`) or free.
    pub fn changed(&self, doctor_id: &str, interval: Interval, busy: bool) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.sequence += 1;
        let sequence = state.sequence;
        if let Some(known) = state.doctors.get_mut(doctor_id) {
            known.apply(interval, busy);
        }
        while state.recent.front().is_some_and(|c| now.duration_since(c.at) > RACE_MEMORY) {
            state.recent.pop_front();
        }
        state.recent.push_back(BusyChange { sequence, at: now, doctor_id: doctor_id.to_owned(), interval, busy });
    }
}

#[cfg(test)]
mod tests {
    use hms_kit::testing::{Relational, database};

    use super::*;

    const DAY: Interval = Interval { start: 0, end: 86_400 };

    fn at(hour: i64) -> Interval {
        Interval { start: hour * 3600, end: hour * 3600 + 1800 }
    }

    /// An appointment written to the store as another replica would: the
    /// cache under test is not told.
    async fn booked_elsewhere(db: &Db, id: &str, doctor_id: &str, slot: Interval) {
        sqlx::query(
            "INSERT INTO appointments (id, patient_id, doctor_id, service_id, start_at, end_at, status, reason, \
             doctor_notes, cancellation_reason, cancelled_by, reschedule_count, location, created_at, updated_at) \
             VALUES (?, 'p', ?, 's', ?, ?, 'PENDING', '', '', '', '', 0, '', 0, 0)",
        )
        .bind(id)
        .bind(doctor_id)
        .bind(slot.start)
        .bind(slot.end)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    async fn busy_of(cache: &BusyCache, db: &Db, doctor_id: &str) -> Vec<Interval> {
        cache.busy(db, &[doctor_id], DAY.start, DAY.end).await.unwrap().remove(doctor_id).unwrap()
    }

    #[tokio::test]
    async fn own_changes_show_at_once_and_other_replicas_after_the_ttl() {
        let store = database(Relational::Sqlite).await.unwrap();
        let db = crate::connect(&store.url).await.unwrap();
        let cache = BusyCache::new(Duration::from_millis(300));
        booked_elsewhere(&db, "a1", "d1", at(8)).await;
        assert_eq!(busy_of(&cache, &db, "d1").await, [at(8)]);

        booked_elsewhere(&db, "a2", "d1", at(9)).await;
        cache.changed("d1", at(10), true);
        assert_eq!(busy_of(&cache, &db, "d1").await, [at(8), at(10)], "own booking at once, the other not yet");
        cache.changed("d1", at(8), false);
        assert_eq!(busy_of(&cache, &db, "d1").await, [at(10)], "own cancellation at once");

        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(busy_of(&cache, &db, "d1").await, [at(8), at(9)], "the store's word after the ttl");
        let narrow = cache.busy(&db, &["d1"], at(9).start, at(9).end).await.unwrap();
        assert_eq!(narrow["d1"], [at(9)], "a narrower window is served from the wider one");
    }

    #[test]
    fn changes_that_raced_a_load_are_replayed_on_it() {
        let cache = BusyCache::new(Duration::from_secs(60));
        let (_, load) = cache.lookup(&["d1", "d2"], DAY);
        let load = load.expect("nothing is known yet");
        // Made while the read ran: the read may or may not have seen them.
        cache.changed("d1", at(10), true);
        cache.changed("d1", at(8), false);
        cache.changed("d2", at(11), true);
        let fetched = HashMap::from([("d1".to_owned(), vec![at(8), at(10)]), ("d2".to_owned(), vec![at(9)])]);
        let mut busy = HashMap::new();
        cache.learn(load, fetched, DAY, &mut busy);
        assert_eq!(busy["d1"], [at(10)]);
        assert_eq!(busy["d2"], [at(9), at(11)]);
        let (known, load) = cache.lookup(&["d1", "d2"], DAY);
        assert!(load.is_none(), "both are known now");
        assert_eq!(known, busy);

        // A change before the next read began is in what that read fetches.
        cache.changed("d3", at(12), true);
        let (_, load) = cache.lookup(&["d3"], DAY);
        let mut busy = HashMap::new();
        cache.learn(load.unwrap(), HashMap::new(), DAY, &mut busy);
        assert_eq!(busy["d3"], [], "not replayed on a read that began after it");
    }

    #[test]
    fn names_are_kept_until_their_time_runs_out() {
        let cache = NameCache::new(Duration::from_millis(50));
        cache.remember(&HashMap::from([("d1".to_owned(), "Dr An".to_owned())]));
        let (found, missing) = cache.lookup(vec!["d1".into(), "d2".into()]);
        assert_eq!(found.get("d1").map(String::as_str), Some("Dr An"));
        assert_eq!(missing, ["d2"]);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.lookup(vec!["d1".into()]).1, ["d1"]);
    }
}
