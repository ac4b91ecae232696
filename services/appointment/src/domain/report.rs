//! Staff reports: the period a report covers and its utilisation.

use jiff::ToSpan;
use jiff::civil::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

/// First and last date of the period containing `date` (weeks start on Monday).
pub fn bounds(date: Date, period: Period) -> Option<(Date, Date)> {
    match period {
        Period::Day => Some((date, date)),
        Period::Week => {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            let monday = date.checked_sub(back.days()).ok()?;
            Some((monday, monday.checked_add(6.days()).ok()?))
        }
        Period::Month => Some((date.first_of_month(), date.last_of_month())),
    }
}

/// `booked / available` in basis points, capped at 100%; 0 when nothing was
/// available.
pub fn utilisation_bp(booked_minutes: i64, available_minutes: i64) -> i32 {
    if available_minutes <= 0 {
        return 0;
    }
    let bp = booked_minutes.max(0).saturating_mul(10_000) / available_minutes;
    i32::try_from(bp.min(10_000)).unwrap_or(10_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_cover_day_week_and_month() {
        // 2026-11-26 is a Thursday.
        let d = date(2026, 11, 26);
        assert_eq!(bounds(d, Period::Day), Some((d, d)));
        assert_eq!(bounds(d, Period::Week), Some((date(2026, 11, 23), date(2026, 11, 29))));
        assert_eq!(bounds(date(2026, 11, 23), Period::Week), Some((date(2026, 11, 23), date(2026, 11, 29))));
        assert_eq!(bounds(date(2026, 11, 29), Period::Week), Some((date(2026, 11, 23), date(2026, 11, 29))));
        assert_eq!(bounds(date(2028, 2, 10), Period::Month), Some((date(2028, 2, 1), date(2028, 2, 29))));
    }

    #[test]
    fn utilisation_is_a_capped_ratio() {
        assert_eq!(utilisation_bp(30, 120), 2500);
        assert_eq!(utilisation_bp(0, 0), 0);
        assert_eq!(utilisation_bp(200, 100), 10_000);
    }
}
