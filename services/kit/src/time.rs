//! Instants as integer microseconds since the Unix epoch (the one portable
//! representation across SQLite, MySQL and MongoDB), and the conversions of
//! every service between the API's `google.protobuf.Timestamp`,
//! `google.type.Date` and `google.type.TimeOfDay` and these, jiff's civil
//! dates and minutes of the day.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::civil::Date;

use crate::error::FieldViolations;
use crate::proto::google::r#type::{Date as ProtoDate, TimeOfDay};

pub fn now_micros() -> i64 {
    to_micros(SystemTime::now())
}

/// Now, in whole Unix seconds: the clock of what is kept in seconds
/// (appointments, token expiries).
pub fn now_seconds() -> i64 {
    now_micros().div_euclid(1_000_000)
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

/// The day and week starts, in microseconds, of a request for the
/// dashboard's figures; INVALID_ARGUMENT naming each one missing or invalid.
pub fn stats_window(
    day_start: Option<&prost_types::Timestamp>,
    week_start: Option<&prost_types::Timestamp>,
) -> Result<(i64, i64), tonic::Status> {
    let mut v = FieldViolations::new();
    let day = required_micros(&mut v, "day_start_time", day_start);
    let week = required_micros(&mut v, "week_start_time", week_start);
    v.into_result()?;
    day.zip(week).ok_or_else(|| crate::error::invalid_field("day_start_time", "is required"))
}

pub fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The timestamp of whole Unix seconds.
pub fn seconds_to_timestamp(seconds: i64) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds, nanos: 0 }
}

pub fn jiff_to_timestamp(t: jiff::Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: t.as_second(), nanos: t.subsec_nanosecond() }
}

/// The calendar date a `google.type.Date` names; none for a partial date
/// (a zero year, month or day) or a day no calendar has.
pub fn civil_date(date: &ProtoDate) -> Option<Date> {
    let year = i16::try_from(date.year).ok().filter(|year| *year >= 1)?;
    Date::new(year, i8::try_from(date.month).ok()?, i8::try_from(date.day).ok()?).ok()
}

/// The date of a required date field, or a violation naming the field when
/// it is missing or not a calendar date.
pub fn date_from_proto(v: &mut FieldViolations, field: &str, date: Option<&ProtoDate>) -> Option<Date> {
    let Some(date) = date else {
        v.add(field, "is required");
        return None;
    };
    let parsed = civil_date(date);
    if parsed.is_none() {
        v.add(field, "is not a valid calendar date");
    }
    parsed
}

pub fn date_to_proto(date: Date) -> ProtoDate {
    ProtoDate { year: i32::from(date.year()), month: i32::from(date.month()), day: i32::from(date.day()) }
}

/// A stored ISO date (`2026-01-31`) as the API's date; none when unreadable.
pub fn iso_date_to_proto(iso: &str) -> Option<ProtoDate> {
    iso.parse().ok().map(date_to_proto)
}

/// Minutes after midnight of a required wall-clock time in whole minutes;
/// 24:00 only when it is an `end`. A violation naming the field otherwise.
pub fn minute_of_day_from_proto(
    v: &mut FieldViolations,
    field: &str,
    time: Option<&TimeOfDay>,
    end: bool,
) -> Option<i32> {
    let Some(t) = time else {
        v.add(field, "is required");
        return None;
    };
    let valid_hour = (0..24).contains(&t.hours) || (end && t.hours == 24 && t.minutes == 0);
    if !valid_hour || !(0..60).contains(&t.minutes) || t.seconds != 0 || t.nanos != 0 {
        v.add(field, "must be a time of day in whole minutes (24:00 only as an end)");
        return None;
    }
    Some(t.hours * 60 + t.minutes)
}

pub fn minute_of_day_to_proto(minute: i32) -> TimeOfDay {
    TimeOfDay { hours: minute / 60, minutes: minute % 60, seconds: 0, nanos: 0 }
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

    fn fields(v: FieldViolations) -> Vec<String> {
        let status = v.into_status();
        status.message().split("; ").map(|m| m.split(':').next().unwrap_or_default().to_owned()).collect()
    }

    #[test]
    fn dates_are_whole_calendar_days() {
        let d = |year, month, day| ProtoDate { year, month, day };
        let mut v = FieldViolations::new();
        assert!(date_from_proto(&mut v, "a", Some(&d(2026, 2, 29))).is_none());
        assert!(date_from_proto(&mut v, "b", Some(&d(0, 2, 1))).is_none());
        assert!(date_from_proto(&mut v, "c", None).is_none());
        let leap = date_from_proto(&mut v, "d", Some(&d(2028, 2, 29))).unwrap();
        assert_eq!(date_to_proto(leap), d(2028, 2, 29));
        assert_eq!(iso_date_to_proto("2026-01-31"), Some(d(2026, 1, 31)));
        assert_eq!(iso_date_to_proto("someday"), None);
        assert_eq!(fields(v), ["a", "b", "c"]);
    }

    #[test]
    fn times_of_day_are_whole_minutes() {
        let t = |hours, minutes| TimeOfDay { hours, minutes, seconds: 0, nanos: 0 };
        let mut v = FieldViolations::new();
        assert_eq!(minute_of_day_from_proto(&mut v, "a", Some(&t(9, 30)), false), Some(570));
        assert_eq!(minute_of_day_from_proto(&mut v, "b", Some(&t(24, 0)), true), Some(1440));
        assert!(v.is_empty());
        assert_eq!(minute_of_day_from_proto(&mut v, "c", Some(&t(24, 0)), false), None);
        assert_eq!(minute_of_day_from_proto(&mut v, "d", Some(&TimeOfDay { seconds: 1, ..t(9, 0) }), false), None);
        assert_eq!(minute_of_day_from_proto(&mut v, "e", None, false), None);
        assert_eq!(fields(v), ["c", "d", "e"]);
        assert_eq!(minute_of_day_to_proto(570), t(9, 30));
    }

    #[test]
    fn a_stats_window_needs_both_starts() {
        let t = prost_types::Timestamp { seconds: 2, nanos: 0 };
        assert_eq!(stats_window(Some(&t), Some(&t)).unwrap(), (2_000_000, 2_000_000));
        let missing = stats_window(Some(&t), None).unwrap_err();
        assert_eq!(missing.code(), tonic::Code::InvalidArgument);
        assert!(missing.message().contains("week_start_time"), "{}", missing.message());
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
