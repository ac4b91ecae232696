//! The starter catalog shipped in `data/` (sources named in each file's
//! header, checked by `data/check.py`), read into typed rows.

const TESTS: &str = include_str!("../../data/tests.tsv");
const PARAMETERS: &str = include_str!("../../data/parameters.tsv");
const RANGES: &str = include_str!("../../data/ranges.tsv");
const ORDINALS: &str = include_str!("../../data/ordinals.tsv");
const CONVERSIONS: &str = include_str!("../../data/conversions.tsv");

/// One orderable test.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// LOINC where one exists.
    pub code: String,
    pub name: String,
    pub sample_type: String,
    pub turnaround_hours: u32,
    /// In minor units of `currency` (VND has none).
    pub price: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number with a unit, judged against ranges.
    Quantitative,
    /// One of a scale (a dipstick's negative, trace, 1+ …).
    Ordinal,
}

/// One value a test reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub test_code: String,
    pub code: String,
    pub name: String,
    /// UCUM.
    pub unit: String,
    pub kind: Kind,
    pub decimals: u8,
    pub display_order: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// Whom a range applies to; `None` sex is either.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub parameter_code: String,
    pub sex: Option<Sex>,
    /// Age in days at collection, `age_min_days <= age < age_max_days`.
    pub age_min_days: u32,
    pub age_max_days: u32,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub critical_low: Option<f64>,
    pub critical_high: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ordinal {
    pub parameter_code: String,
    pub allowed: Vec<String>,
    pub normal: Vec<String>,
}

/// `catalog unit value = value × factor + offset` for a value given in `unit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    pub parameter_code: String,
    pub unit: String,
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub tests: Vec<Test>,
    pub parameters: Vec<Parameter>,
    pub ranges: Vec<Range>,
    pub ordinals: Vec<Ordinal>,
    pub conversions: Vec<Conversion>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file} line {line}: {problem}")]
pub struct TableError {
    pub file: &'static str,
    pub line: usize,
    pub problem: String,
}

impl Catalog {
    /// The catalog shipped with the service.
    pub fn starter() -> Result<Catalog, TableError> {
        let catalog = Catalog {
            tests: rows("tests.tsv", TESTS, 6, |c| {
                Ok(Test {
                    code: c[0].into(),
                    name: c[1].into(),
                    sample_type: c[2].into(),
                    turnaround_hours: number(c[3])?,
                    price: number(c[4])?,
                    currency: c[5].into(),
                })
            })?,
            parameters: rows("parameters.tsv", PARAMETERS, 7, |c| {
                Ok(Parameter {
                    test_code: c[0].into(),
                    code: c[1].into(),
                    name: c[2].into(),
                    unit: c[3].into(),
                    kind: match c[4] {
                        "QUANTITATIVE" => Kind::Quantitative,
                        "ORDINAL" => Kind::Ordinal,
                        other => return Err(format!("unknown kind {other}")),
                    },
                    decimals: number(c[5])?,
                    display_order: number(c[6])?,
                })
            })?,
            ranges: rows("ranges.tsv", RANGES, 9, |c| {
                Ok(Range {
                    parameter_code: c[0].into(),
                    sex: match c[1] {
                        "M" => Some(Sex::Male),
                        "F" => Some(Sex::Female),
                        "ANY" => None,
                        other => return Err(format!("unknown sex {other}")),
                    },
                    age_min_days: number(c[2])?,
                    age_max_days: number(c[3])?,
                    low: limit(c[4])?,
                    high: limit(c[5])?,
                    critical_low: limit(c[6])?,
                    critical_high: limit(c[7])?,
                    source: c[8].into(),
                })
            })?,
            ordinals: rows("ordinals.tsv", ORDINALS, 3, |c| {
                let list = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
                Ok(Ordinal { parameter_code: c[0].into(), allowed: list(c[1]), normal: list(c[2]) })
            })?,
            conversions: rows("conversions.tsv", CONVERSIONS, 4, |c| {
                Ok(Conversion {
                    parameter_code: c[0].into(),
                    unit: c[1].into(),
                    factor: number(c[2])?,
                    offset: number(c[3])?,
                })
            })?,
        };
        catalog.check()?;
        Ok(catalog)
    }

    pub fn parameter(&self, code: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.code == code)
    }

    /// Every row names a test or parameter that exists, and each parameter's
    /// ranges never overlap for one sex (data/check.py checks the rest).
    fn check(&self) -> Result<(), TableError> {
        let fail = |file, problem: String| Err(TableError { file, line: 0, problem });
        for p in &self.parameters {
            if !self.tests.iter().any(|t| t.code == p.test_code) {
                return fail("parameters.tsv", format!("{} names unknown test {}", p.code, p.test_code));
            }
        }
        for r in &self.ranges {
            if self.parameter(&r.parameter_code).is_none() {
                return fail("ranges.tsv", format!("unknown parameter {}", r.parameter_code));
            }
            if r.age_min_days >= r.age_max_days {
                return fail("ranges.tsv", format!("{}: empty age band", r.parameter_code));
            }
        }
        let mut bands: Vec<&Range> = self.ranges.iter().collect();
        bands.sort_by_key(|r| (&r.parameter_code, r.sex.map(|sex| sex as u8), r.age_min_days));
        for pair in bands.windows(2) {
            let same = pair[0].parameter_code == pair[1].parameter_code && pair[0].sex == pair[1].sex;
            if same && pair[1].age_min_days < pair[0].age_max_days {
                return fail("ranges.tsv", format!("{}: overlapping age bands", pair[0].parameter_code));
            }
        }
        for o in &self.ordinals {
            if o.normal.iter().any(|n| !o.allowed.contains(n)) {
                return fail("ordinals.tsv", format!("{}: a normal value is not allowed", o.parameter_code));
            }
        }
        for c in &self.conversions {
            if self.parameter(&c.parameter_code).is_none() || c.factor == 0.0 {
                return fail(
                    "conversions.tsv",
                    format!("{} {}: unknown parameter or zero factor", c.parameter_code, c.unit),
                );
            }
        }
        Ok(())
    }
}

/// The data rows of a table (after its comments and its header line).
fn rows<T>(
    file: &'static str,
    text: &str,
    columns: usize,
    parse: impl Fn(&[&str]) -> Result<T, String>,
) -> Result<Vec<T>, TableError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    lines.next(); // the header
    lines
        .map(|(n, line)| {
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            let error = |problem| TableError { file, line: n + 1, problem };
            if cells.len() < columns {
                return Err(error(format!("{} columns, expected {columns}", cells.len())));
            }
            parse(&cells).map_err(error)
        })
        .collect()
}

fn number<T: std::str::FromStr>(cell: &str) -> Result<T, String> {
    cell.parse().map_err(|_| format!("{cell:?} is not a number"))
}

fn limit(cell: &str) -> Result<Option<f64>, String> {
    if cell.is_empty() { Ok(None) } else { number(cell).map(Some) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_catalog_reads_whole() {
        let catalog = Catalog::starter().unwrap();
        assert_eq!(catalog.tests.len(), 11);
        assert_eq!(catalog.parameters.len(), 43);
        assert_eq!(catalog.ranges.len(), 206);
        assert_eq!(catalog.ordinals.len(), 7);
        assert_eq!(catalog.conversions.len(), 28);
        let cbc = catalog.tests.iter().find(|t| t.code == "57021-8").unwrap();
        assert_eq!(cbc.sample_type, "WHOLE_BLOOD");
        let hemoglobin = catalog.parameter("718-7").unwrap();
        assert_eq!((hemoglobin.unit.as_str(), hemoglobin.kind), ("g/L", Kind::Quantitative));
    }

    #[test]
    fn overlapping_age_bands_are_refused() {
        let mut catalog = Catalog::starter().unwrap();
        let mut overlapping = catalog.ranges[0].clone();
        overlapping.age_min_days += 1;
        overlapping.age_max_days += 1;
        catalog.ranges.push(overlapping);
        assert!(catalog.check().unwrap_err().problem.contains("overlapping"));
    }

    #[test]
    fn a_bad_row_names_its_file_and_line() {
        let text = "# comment\ncode\tn\n7\tx\nnot-a-number\ty\n";
        let err = rows("t.tsv", text, 2, |c| number::<u32>(c[0])).unwrap_err();
        assert_eq!((err.file, err.line), ("t.tsv", 4));
        let err = rows("t.tsv", "h\tx\nonly-one\n", 2, |c| Ok(c[0].to_owned())).unwrap_err();
        assert!(err.problem.contains("1 columns"), "{err}");
    }
}
