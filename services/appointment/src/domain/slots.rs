//! Free slots from a weekly wall-clock schedule: blocks on weekdays within
//! their validity, plus extra hours, minus unavailable dates or hours, minus
//! busy intervals, aligned to the service's duration. Wall-clock times are
//! read in the clinic's IANA zone; a time that does not exist (a DST gap) is
//! moved forward, an ambiguous one (a DST fold) takes the earlier instant.

use std::ops::RangeInclusive;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// A half-open interval of instants, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: i64,
    pub end: i64,
}

impl Interval {
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Minutes after midnight, `0..=1440`.
pub type Minute = i32;

/// A weekly block: `weekday` 1 (Monday) to 7 (Sunday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub weekday: i8,
    pub start: Minute,
    pub end: Minute,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionKind {
    Unavailable,
    ExtraHours,
}

/// An exception on every date of `start..=end`; `hours` None is the whole day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub kind: ExceptionKind,
    pub start: Date,
    pub end: Date,
    pub hours: Option<(Minute, Minute)>,
}

/// A doctor's weekly schedule with its exceptions.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub blocks: Vec<Block>,
    pub exceptions: Vec<Exception>,
}

/// The instant of wall-clock `minute` on `date` in `tz` (1440 is the next midnight).
pub fn local_instant(tz: &TimeZone, date: Date, minute: Minute) -> Option<i64> {
    let (date, minute) = if minute >= 1440 { (date.tomorrow().ok()?, minute - 1440) } else { (date, minute) };
    let time = Time::new(i8::try_from(minute / 60).ok()?, i8::try_from(minute % 60).ok()?, 0, 0).ok()?;
    let zoned = date.to_datetime(time).to_zoned(tz.clone()).ok()?;
    Some(zoned.timestamp().as_second())
}

/// The civil date of an instant in `tz`.
pub fn local_date(tz: &TimeZone, instant: i64) -> Option<Date> {
    Some(jiff::Timestamp::from_second(instant).ok()?.to_zoned(tz.clone()).date())
}

/// Sorted, merged intervals.
fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| i.start < i.end);
    intervals.sort_by_key(|i| i.start);
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

/// `intervals` minus `holes`, both merged.
fn subtract(intervals: Vec<Interval>, holes: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for mut interval in intervals {
        for hole in holes {
            if !hole.overlaps(&interval) {
                continue;
            }
            if hole.start > interval.start {
                out.push(Interval { start: interval.start, end: hole.start });
            }
            interval.start = interval.start.max(hole.end);
            if interval.start >= interval.end {
                break;
            }
        }
        if interval.start < interval.end {
            out.push(interval);
        }
    }
    out
}

impl Schedule {
    /// The consulting windows of one civil date, as merged instants.
    pub fn windows(&self, tz: &TimeZone, date: Date) -> Vec<Interval> {
        let to_interval = |(start, end): (Minute, Minute)| {
            Some(Interval { start: local_instant(tz, date, start)?, end: local_instant(tz, date, end)? })
        };
        let weekday = date.weekday().to_monday_one_offset();
        let covers = |e: &Exception| e.start <= date && date <= e.end;
        let mut open: Vec<Interval> = self
            .blocks
            .iter()
            .filter(|b| b.weekday == weekday)
            .filter(|b| b.valid_from.is_none_or(|from| from <= date) && b.valid_to.is_none_or(|to| date <= to))
            .filter_map(|b| to_interval((b.start, b.end)))
            .collect();
        open.extend(
            self.exceptions
                .iter()
                .filter(|e| e.kind == ExceptionKind::ExtraHours && covers(e))
                .filter_map(|e| e.hours.and_then(to_interval)),
        );
        let mut closed = Vec::new();
        for e in self.exceptions.iter().filter(|e| e.kind == ExceptionKind::Unavailable && covers(e)) {
            match e.hours {
                None => return Vec::new(),
                Some(hours) => closed.extend(to_interval(hours)),
            }
        }
        subtract(merge(open), &merge(closed))
    }

    /// True when `[start, end)` lies inside one consulting window.
    pub fn fits(&self, tz: &TimeZone, wanted: Interval) -> bool {
        local_date(tz, wanted.start)
            .is_some_and(|date| self.windows(tz, date).iter().any(|window| window.contains(&wanted)))
    }

    /// Free slots of `duration` seconds on every date of `from..=to`, each
    /// window cut from its start; slots overlapping `busy` or starting outside
    /// `starts` (not before now, not beyond the booking horizon) are left out.
    /// Returned with their civil date, by start.
    pub fn free_slots(
        &self,
        tz: &TimeZone,
        from: Date,
        to: Date,
        duration: i64,
        busy: &[Interval],
        starts: RangeInclusive<i64>,
    ) -> Vec<(Date, Interval)> {
        let mut slots = Vec::new();
        if duration <= 0 {
            return slots;
        }
        let busy = BusyIndex::new(busy);
        let mut date = from;
        while date <= to {
            for window in self.windows(tz, date) {
                let mut start = window.start;
                while start + duration <= window.end {
                    let slot = Interval { start, end: start + duration };
                    if starts.contains(&start) && !busy.overlaps(&slot) {
                        slots.push((date, slot));
                    }
                    start += duration;
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        slots
    }
}

/// Busy intervals sorted by start, so that an overlap check looks only at
/// the few that could touch a slot instead of all of them.
struct BusyIndex {
    sorted: Vec<Interval>,
    longest: i64,
}

impl BusyIndex {
    fn new(busy: &[Interval]) -> Self {
        let mut sorted = busy.to_vec();
        sorted.sort_unstable_by_key(|b| b.start);
        let longest = sorted.iter().map(|b| b.end - b.start).max().unwrap_or(0);
        Self { sorted, longest }
    }

    fn overlaps(&self, slot: &Interval) -> bool {
        // Only intervals starting in (slot.start - longest, slot.end) can overlap.
        let end = self.sorted.partition_point(|b| b.start < slot.end);
        self.sorted[..end].iter().rev().take_while(|b| b.start > slot.start - self.longest).any(|b| b.overlaps(slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn hcm() -> TimeZone {
        TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn block(weekday: i8, start: Minute, end: Minute) -> Block {
        Block { weekday, start, end, valid_from: None, valid_to: None }
    }

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn weekly_blocks_give_slots_in_the_clinic_zone() {
        // 2026-11-23 is a Monday; 08:00-10:00 in UTC+7 is 01:00-03:00Z.
        let schedule = Schedule { blocks: vec![block(1, 8 * 60, 10 * 60)], exceptions: vec![] };
        let slots = schedule.free_slots(&hcm(), date(2026, 11, 23), date(2026, 11, 24), 1800, &[], 0..=i64::MAX);
        let starts: Vec<i64> = slots.iter().map(|(_, s)| s.start).collect();
        assert_eq!(
            starts,
            vec![
                utc("2026-11-23T01:00:00Z"),
                utc("2026-11-23T01:30:00Z"),
                utc("2026-11-23T02:00:00Z"),
                utc("2026-11-23T02:30:00Z")
            ]
        );
        assert!(slots.iter().all(|(d, _)| *d == date(2026, 11, 23)), "Tuesday has no block");
    }

    #[test]
    fn busy_intervals_past_slots_and_leftovers_are_excluded() {
        let schedule = Schedule { blocks: vec![block(1, 8 * 60, 10 * 60 + 15)], exceptions: vec![] };
        let busy = [Interval { start: utc("2026-11-23T01:40:00Z"), end: utc("2026-11-23T01:50:00Z") }];
        let slots = schedule.free_slots(
            &hcm(),
            date(2026, 11, 23),
            date(2026, 11, 23),
            1800,
            &busy,
            utc("2026-11-23T01:00:01Z")..=i64::MAX,
        );
        let starts: Vec<i64> = slots.iter().map(|(_, s)| s.start).collect();
        // 08:00 is past, 08:30 overlaps the busy interval, 10:00 leaves only 15 minutes.
        assert_eq!(starts, vec![utc("2026-11-23T02:00:00Z"), utc("2026-11-23T02:30:00Z")]);
        // Slots starting beyond the booking horizon are not offered either.
        let slots = schedule.free_slots(
            &hcm(),
            date(2026, 11, 23),
            date(2026, 11, 23),
            1800,
            &busy,
            utc("2026-11-23T01:00:01Z")..=utc("2026-11-23T02:00:00Z"),
        );
        assert_eq!(slots.iter().map(|(_, s)| s.start).collect::<Vec<_>>(), vec![utc("2026-11-23T02:00:00Z")]);
    }

    #[test]
    fn validity_and_exceptions_shape_the_windows() {
        let mut monday = block(1, 8 * 60, 12 * 60);
        monday.valid_from = Some(date(2026, 11, 30));
        let schedule = Schedule {
            blocks: vec![monday, block(2, 8 * 60, 12 * 60)],
            exceptions: vec![
                // Leave on Tuesday the 1st.
                Exception {
                    kind: ExceptionKind::Unavailable,
                    start: date(2026, 12, 1),
                    end: date(2026, 12, 1),
                    hours: None,
                },
                // A meeting every day of the week of the 7th, 09:00-10:00.
                Exception {
                    kind: ExceptionKind::Unavailable,
                    start: date(2026, 12, 7),
                    end: date(2026, 12, 13),
                    hours: Some((9 * 60, 10 * 60)),
                },
                // Saturday the 5th, extra hours.
                Exception {
                    kind: ExceptionKind::ExtraHours,
                    start: date(2026, 12, 5),
                    end: date(2026, 12, 5),
                    hours: Some((13 * 60, 14 * 60)),
                },
            ],
        };
        let tz = hcm();
        assert!(schedule.windows(&tz, date(2026, 11, 23)).is_empty(), "before valid_from");
        assert_eq!(schedule.windows(&tz, date(2026, 11, 30)).len(), 1);
        assert!(schedule.windows(&tz, date(2026, 12, 1)).is_empty(), "on leave");
        assert_eq!(
            schedule.windows(&tz, date(2026, 12, 5)),
            vec![Interval { start: utc("2026-12-05T06:00:00Z"), end: utc("2026-12-05T07:00:00Z") }]
        );
        assert_eq!(
            schedule.windows(&tz, date(2026, 12, 7)),
            vec![
                Interval { start: utc("2026-12-07T01:00:00Z"), end: utc("2026-12-07T02:00:00Z") },
                Interval { start: utc("2026-12-07T03:00:00Z"), end: utc("2026-12-07T05:00:00Z") },
            ]
        );
        assert!(schedule.fits(&tz, Interval { start: utc("2026-12-07T03:00:00Z"), end: utc("2026-12-07T04:00:00Z") }));
        assert!(!schedule.fits(&tz, Interval { start: utc("2026-12-07T01:30:00Z"), end: utc("2026-12-07T02:30:00Z") }));
    }

    #[test]
    fn overlapping_blocks_do_not_duplicate_slots() {
        let schedule =
            Schedule { blocks: vec![block(1, 8 * 60, 9 * 60), block(1, 8 * 60 + 30, 10 * 60)], exceptions: vec![] };
        let slots = schedule.free_slots(&hcm(), date(2026, 11, 23), date(2026, 11, 23), 3600, &[], 0..=i64::MAX);
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn spring_forward_in_berlin_shortens_the_night_block() {
        // 2026-03-29 (Sunday): 02:00 local jumps to 03:00.
        let schedule = Schedule { blocks: vec![block(7, 60, 5 * 60)], exceptions: vec![] };
        let tz = berlin();
        let windows = schedule.windows(&tz, date(2026, 3, 29));
        // 01:00 CET = 00:00Z; 05:00 CEST = 03:00Z: three real hours, not four.
        assert_eq!(windows, vec![Interval { start: utc("2026-03-29T00:00:00Z"), end: utc("2026-03-29T03:00:00Z") }]);
        let slots = schedule.free_slots(&tz, date(2026, 3, 29), date(2026, 3, 29), 3600, &[], 0..=i64::MAX);
        assert_eq!(slots.len(), 3);
        // A block starting inside the gap begins when the gap ends.
        let gap = Schedule { blocks: vec![block(7, 2 * 60 + 30, 4 * 60)], exceptions: vec![] };
        assert_eq!(gap.windows(&tz, date(2026, 3, 29))[0].start, utc("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn fall_back_in_berlin_lengthens_the_night_block() {
        // 2026-10-25 (Sunday): 03:00 CEST goes back to 02:00 CET.
        let schedule = Schedule { blocks: vec![block(7, 60, 5 * 60)], exceptions: vec![] };
        let tz = berlin();
        // 01:00 CEST = 23:00Z the day before; 05:00 CET = 04:00Z: five real hours.
        let windows = schedule.windows(&tz, date(2026, 10, 25));
        assert_eq!(windows, vec![Interval { start: utc("2026-10-24T23:00:00Z"), end: utc("2026-10-25T04:00:00Z") }]);
        let slots = schedule.free_slots(&tz, date(2026, 10, 25), date(2026, 10, 25), 3600, &[], 0..=i64::MAX);
        assert_eq!(slots.len(), 5);
        assert!(slots.iter().all(|(d, _)| *d == date(2026, 10, 25)));
        // A normal weekday keeps its local times: 09:00 CET = 08:00Z.
        let weekday = Schedule { blocks: vec![block(1, 9 * 60, 10 * 60)], exceptions: vec![] };
        assert_eq!(weekday.windows(&tz, date(2026, 10, 26))[0].start, utc("2026-10-26T08:00:00Z"));
        assert_eq!(weekday.windows(&tz, date(2026, 10, 19))[0].start, utc("2026-10-19T07:00:00Z"));
    }

    #[test]
    fn a_block_may_end_at_midnight() {
        let schedule = Schedule { blocks: vec![block(1, 22 * 60, 1440)], exceptions: vec![] };
        let windows = schedule.windows(&hcm(), date(2026, 11, 23));
        assert_eq!(windows, vec![Interval { start: utc("2026-11-23T15:00:00Z"), end: utc("2026-11-23T17:00:00Z") }]);
    }

    #[test]
    fn the_busy_index_agrees_with_checking_every_interval() {
        let mut random = hms_kit::testing::XorShift(0x2545_F491_4F6C_DD1D);
        let mut next = |bound: i64| i64::try_from(random.below(u64::try_from(bound).unwrap())).unwrap();
        for _ in 0..200 {
            let busy: Vec<Interval> = (0..next(12))
                .map(|_| {
                    let start = next(500);
                    Interval { start, end: start + 1 + next(90) }
                })
                .collect();
            let index = BusyIndex::new(&busy);
            for _ in 0..50 {
                let start = next(600) - 50;
                let slot = Interval { start, end: start + 1 + next(60) };
                assert_eq!(index.overlaps(&slot), busy.iter().any(|b| b.overlaps(&slot)), "{busy:?} {slot:?}");
            }
        }
    }
}
