//! In-process caches of what changes rarely, so that the calendar, the
//! busiest read, costs one query. Bookings never trust them: they re-read the
//! store inside their own checks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hms_kit::storage::Db;

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

    pub async fn schedules(&self, db: &Db) -> Result<Arc<Vec<ScheduleRow>>, sqlx::Error> {
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

    pub async fn service(&self, db: &Db, id: &str) -> Result<Option<Arc<ServiceRow>>, sqlx::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
