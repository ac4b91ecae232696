//! Accession numbers: what a sample's label and the report carry. The
//! collection day in the clinic's time zone and that day's sequence,
//! `L261207-000042`, so a number read aloud at the bench is short and sorts
//! by day; the store keeps one counter per day and a unique index on them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Accession {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// 1 for a day's first sample.
    pub sequence: u32,
}

/// Past this a day's numbers would no longer have six digits.
pub const MAX_SEQUENCE: u32 = 999_999;

impl Accession {
    /// None for a date outside 2000–2099 or a sequence out of range.
    pub fn new(year: u16, month: u8, day: u8, sequence: u32) -> Option<Accession> {
        let valid = (2000..=2099).contains(&year)
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && (1..=MAX_SEQUENCE).contains(&sequence);
        valid.then_some(Accession { year, month, day, sequence })
    }

    pub fn parse(text: &str) -> Option<Accession> {
        let rest = text.strip_prefix('L')?;
        let (date, sequence) = rest.split_once('-')?;
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(date, 6) || !all_digits(sequence, 6) {
            return None;
        }
        let sequence = sequence.parse().ok()?;
        let number = |range: std::ops::Range<usize>| date[range].parse::<u8>().ok();
        Accession::new(2000 + u16::from(number(0..2)?), number(2..4)?, number(4..6)?, sequence)
    }
}

impl fmt::Display for Accession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{:02}{:02}{:02}-{:06}", self.year % 100, self.month, self.day, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_read_back() {
        let a = Accession::new(2026, 12, 7, 42).unwrap();
        assert_eq!(a.to_string(), "L261207-000042");
        assert_eq!(Accession::parse("L261207-000042"), Some(a));
        let last = Accession::new(2026, 1, 31, MAX_SEQUENCE).unwrap();
        assert_eq!(Accession::parse(&last.to_string()), Some(last));
    }

    #[test]
    fn they_sort_by_day_then_sequence() {
        let mut numbers = [
            Accession::new(2026, 12, 8, 1).unwrap(),
            Accession::new(2026, 12, 7, 900).unwrap(),
            Accession::new(2026, 12, 7, 2).unwrap(),
        ];
        numbers.sort();
        let printed: Vec<String> = numbers.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["L261207-000002", "L261207-000900", "L261208-000001"]);
        // The printed form sorts the same way.
        let mut sorted = printed.clone();
        sorted.sort();
        assert_eq!(sorted, printed);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "L261207",
            "X261207-000042",
            "L261307-000042",
            "L261200-000042",
            "L261207-000000",
            "L261207-42",
            "L26120-0000042",
            "L261207-00004a",
            "l261207-000042",
            "L261207-0000042",
        ] {
            assert_eq!(Accession::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Accession::new(2026, 12, 7, MAX_SEQUENCE + 1), None);
        assert_eq!(Accession::new(1999, 12, 7, 1), None);
    }
}
