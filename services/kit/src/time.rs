//! Instants as integer microseconds since the Unix epoch: the one portable
//! representation across SQLite, MySQL and MongoDB.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_micros() -> i64 {
    to_micros(SystemTime::now())
}

pub fn to_micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// The proleptic Gregorian (year, month, day) of a count of days from
/// 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn micros_to_timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: i32::try_from(micros.rem_euclid(1_000_000) * 1000).unwrap_or(0),
    }
}

/// The microseconds of a required timestamp field, or a violation naming
/// the field when it is missing or outside what microseconds can hold.
pub fn required_micros(
    v: &mut crate::error::FieldViolations,
    field: &str,
    time: Option<&prost_types::Timestamp>,
) -> Option<i64> {
    let Some(t) = time else {
        v.add(field, "is required");
        return None;
    };
    let micros = (0..1_000_000_000)
        .contains(&t.nanos)
        .then(|| t.seconds.checked_mul(1_000_000)?.checked_add(i64::from(t.nanos / 1000)))
        .flatten();
    if micros.is_none() {
        v.add(field, "is not a valid timestamp");
    }
    micros
}

pub fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_timestamps_are_checked() {
        let mut v = crate::error::FieldViolations::new();
        let t = |seconds, nanos| prost_types::Timestamp { seconds, nanos };
        assert_eq!(required_micros(&mut v, "a", Some(&t(2, 5000))), Some(2_000_005));
        assert!(v.is_empty());
        assert_eq!(required_micros(&mut v, "b", None), None);
        assert_eq!(required_micros(&mut v, "c", Some(&t(i64::MAX, 0))), None);
        assert_eq!(required_micros(&mut v, "d", Some(&t(0, -1))), None);
        assert!(!v.is_empty());
    }

    #[test]
    fn days_become_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(-719_162), (1, 1, 1));
    }

    #[test]
    fn timestamps_round_trip_before_and_after_the_epoch() {
        let ts = micros_to_timestamp(1_500_000);
        assert_eq!((ts.seconds, ts.nanos), (1, 500_000_000));
        let ts = micros_to_timestamp(-1);
        assert_eq!((ts.seconds, ts.nanos), (-1, 999_999_000));
    }
}
