//! Pure rules of the appointment service: slot computation over wall-clock
//! schedules, the status machine and the booking policy. No I/O.

pub mod report;
pub mod slots;
pub mod status;

/// Length of a hold granule: bookings start on multiples of it and last a
/// whole number of them.
pub const GRANULE_SECS: i64 = 300;

/// The longest service, so the longest appointment: 8 hours.
pub const MAX_DURATION_MINUTES: i64 = 480;

/// The start of the granule that holds `instant`.
pub fn granule_of(instant: i64) -> i64 {
    instant.div_euclid(GRANULE_SECS) * GRANULE_SECS
}

/// Start instants (Unix seconds) of every granule of `[start, end)`.
pub fn granules(start: i64, end: i64) -> Vec<i64> {
    let first = granule_of(start);
    (0..).map(|i| first + i * GRANULE_SECS).take_while(|g| *g < end).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granules_cover_the_interval() {
        assert_eq!(granules(600, 1500), vec![600, 900, 1200]);
        assert_eq!(granules(600, 900), vec![600]);
        assert!(granules(600, 600).is_empty());
    }
}
