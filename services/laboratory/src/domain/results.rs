//! How one result is judged: its value brought to the catalog's unit, and
//! its flag computed from the ranges for the patient's sex and age at
//! collection, never typed in.

use super::catalog::{Catalog, Kind, Parameter, Range, Sex};

/// FHIR's observation interpretation codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Normal,
    Low,
    High,
    CriticalLow,
    CriticalHigh,
    /// An ordinal value off its normal ones (a positive dipstick).
    Abnormal,
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::Normal => "N",
            Flag::Low => "L",
            Flag::High => "H",
            Flag::CriticalLow => "LL",
            Flag::CriticalHigh => "HH",
            Flag::Abnormal => "A",
        }
    }

    /// A value the ordering doctor must hear of at once.
    pub fn is_critical(self) -> bool {
        matches!(self, Flag::CriticalLow | Flag::CriticalHigh)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResultError {
    #[error("unknown parameter {0}")]
    UnknownParameter(String),
    #[error("unit {given} is not accepted for {parameter}: use {}", accepted.join(" or "))]
    WrongUnit { parameter: String, given: String, accepted: Vec<String> },
    #[error("{parameter} takes one of {}", allowed.join(", "))]
    NotOnScale { parameter: String, allowed: Vec<String> },
    #[error("{parameter} takes a number")]
    NotANumber { parameter: String },
}

/// A value as the technician entered it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entered<'a> {
    Number { value: f64, unit: &'a str },
    Scale(&'a str),
}

/// A value in the catalog's terms, with its flag (none when no range
/// applies to this patient).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub value: Value,
    pub flag: Option<Flag>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// In the parameter's catalog unit.
    Number(f64),
    Scale(String),
}

/// The patient as the ranges need them: sex (unknown matches only ranges for
/// either sex) and age in days at collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patient {
    pub sex: Option<Sex>,
    pub age_days: u32,
}

pub fn judge(
    catalog: &Catalog,
    parameter_code: &str,
    entered: &Entered<'_>,
    patient: Patient,
) -> Result<Judged, ResultError> {
    let parameter =
        catalog.parameter(parameter_code).ok_or_else(|| ResultError::UnknownParameter(parameter_code.to_owned()))?;
    match (parameter.kind, entered) {
        (Kind::Quantitative, Entered::Number { value, unit }) => {
            let value = to_catalog_unit(catalog, parameter, *value, unit)?;
            let flag = range_for(catalog, parameter_code, patient).and_then(|range| flag_of(value, range));
            Ok(Judged { value: Value::Number(value), flag })
        }
        (Kind::Quantitative, Entered::Scale(_)) => {
            Err(ResultError::NotANumber { parameter: parameter_code.to_owned() })
        }
        (Kind::Ordinal, entered) => {
            let scale = catalog.ordinals.iter().find(|o| o.parameter_code == parameter_code);
            let on_scale = match entered {
                Entered::Scale(given) => scale.filter(|s| s.allowed.iter().any(|a| a == given)).map(|s| (s, *given)),
                Entered::Number { .. } => None,
            };
            let Some((scale, given)) = on_scale else {
                let allowed = scale.map(|s| s.allowed.clone()).unwrap_or_default();
                return Err(ResultError::NotOnScale { parameter: parameter_code.to_owned(), allowed });
            };
            let flag = if scale.normal.iter().any(|n| n == given) { Flag::Normal } else { Flag::Abnormal };
            Ok(Judged { value: Value::Scale(given.to_owned()), flag: Some(flag) })
        }
    }
}

/// The value in the catalog's unit: as given when the units match (UCUM
/// codes are case-sensitive), else through the catalog's conversion.
fn to_catalog_unit(catalog: &Catalog, parameter: &Parameter, value: f64, unit: &str) -> Result<f64, ResultError> {
    if !value.is_finite() {
        return Err(ResultError::NotANumber { parameter: parameter.code.clone() });
    }
    if unit == parameter.unit {
        return Ok(value);
    }
    let conversions = || catalog.conversions.iter().filter(|c| c.parameter_code == parameter.code);
    match conversions().find(|c| c.unit == unit) {
        Some(c) => Ok(value * c.factor + c.offset),
        None => Err(ResultError::WrongUnit {
            parameter: parameter.code.clone(),
            given: unit.to_owned(),
            accepted: std::iter::once(parameter.unit.clone()).chain(conversions().map(|c| c.unit.clone())).collect(),
        }),
    }
}

/// The range for this patient: one for their sex before one for either.
pub fn range_for<'c>(catalog: &'c Catalog, parameter_code: &str, patient: Patient) -> Option<&'c Range> {
    let applies =
        |r: &&Range| r.parameter_code == parameter_code && (r.age_min_days..r.age_max_days).contains(&patient.age_days);
    let own_sex = patient.sex.and_then(|sex| catalog.ranges.iter().filter(applies).find(|r| r.sex == Some(sex)));
    own_sex.or_else(|| catalog.ranges.iter().filter(applies).find(|r| r.sex.is_none()))
}

/// The reference interval as printed: "3.5–5.3", "≤ 5.2", "≥ 40", or empty
/// when the range has no reference limit.
pub fn range_text(range: &Range, decimals: u8) -> String {
    let show = |v: f64| format!("{v:.*}", usize::from(decimals));
    match (range.low, range.high) {
        (Some(low), Some(high)) => format!("{}–{}", show(low), show(high)),
        (None, Some(high)) => format!("≤ {}", show(high)),
        (Some(low), None) => format!("≥ {}", show(low)),
        (None, None) => String::new(),
    }
}

/// Critical limits first (a value past one is critical whatever else holds);
/// a value on a limit is inside it. None when the range has no limit at all.
fn flag_of(value: f64, range: &Range) -> Option<Flag> {
    let below = |limit: Option<f64>| limit.is_some_and(|l| value < l);
    let above = |limit: Option<f64>| limit.is_some_and(|l| value > l);
    if below(range.critical_low) {
        Some(Flag::CriticalLow)
    } else if above(range.critical_high) {
        Some(Flag::CriticalHigh)
    } else if below(range.low) {
        Some(Flag::Low)
    } else if above(range.high) {
        Some(Flag::High)
    } else if range.low.is_some() || range.high.is_some() {
        Some(Flag::Normal)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::starter().unwrap()
    }

    const ADULT_MAN: Patient = Patient { sex: Some(Sex::Male), age_days: 40 * 365 };
    const ADULT_WOMAN: Patient = Patient { sex: Some(Sex::Female), age_days: 40 * 365 };

    fn flag(parameter: &str, value: f64, unit: &str, patient: Patient) -> Option<Flag> {
        judge(&catalog(), parameter, &Entered::Number { value, unit }, patient).unwrap().flag
    }

    /// The shipped table's own adult rows, read back rather than restated.
    fn adult(parameter: &str, sex: Option<Sex>) -> Range {
        let catalog = catalog();
        range_for(&catalog, parameter, Patient { sex, age_days: 40 * 365 }).cloned().unwrap()
    }

    #[test]
    fn flags_follow_the_patients_range() {
        // Hemoglobin (718-7, g/L): the adult ranges differ by sex.
        let (man, woman) = (adult("718-7", Some(Sex::Male)), adult("718-7", Some(Sex::Female)));
        assert_ne!(man.low, woman.low, "the shipped adult hemoglobin ranges differ by sex");
        let between = (man.low.unwrap() + woman.low.unwrap()) / 2.0;
        let (low_for_one, normal_for_other) =
            if man.low > woman.low { (ADULT_MAN, ADULT_WOMAN) } else { (ADULT_WOMAN, ADULT_MAN) };
        assert_eq!(flag("718-7", between, "g/L", low_for_one), Some(Flag::Low));
        assert_eq!(flag("718-7", between, "g/L", normal_for_other), Some(Flag::Normal));
        assert_eq!(flag("718-7", man.high.unwrap() + 1.0, "g/L", ADULT_MAN), Some(Flag::High));
        assert_eq!(flag("718-7", man.critical_low.unwrap() - 1.0, "g/L", ADULT_MAN), Some(Flag::CriticalLow));
        // A value on a limit is inside it.
        assert_eq!(flag("718-7", man.low.unwrap(), "g/L", ADULT_MAN), Some(Flag::Normal));
    }

    /// Every row of the shipped ranges.tsv at its edges: its first and last
    /// day of age pick it (for its own sex, or a patient of unknown sex for
    /// an either-sex row), the day after its band does not; a value on a
    /// limit is inside it, one just past it is flagged, and just past a
    /// critical limit is critical.
    #[test]
    fn every_band_edge_of_the_shipped_table() {
        let catalog = catalog();
        let mut checked = 0;
        for row in catalog.ranges.iter().filter(|r| catalog.parameter(&r.parameter_code).is_some()) {
            let code = row.parameter_code.as_str();
            let parameter = catalog.parameter(code).unwrap();
            if parameter.kind != Kind::Quantitative {
                continue;
            }
            let at = |age_days| Patient { sex: row.sex, age_days };
            for age in [row.age_min_days, row.age_max_days - 1] {
                assert_eq!(range_for(&catalog, code, at(age)), Some(row), "{code} at {age} days");
            }
            if let Some(next) = range_for(&catalog, code, at(row.age_max_days)) {
                assert_ne!(next, row, "{code}: the band ends at {} days", row.age_max_days);
            }
            let judged = |value: f64| {
                judge(&catalog, code, &Entered::Number { value, unit: &parameter.unit }, at(row.age_min_days))
                    .unwrap()
                    .flag
            };
            // Just past a limit: a thousandth of its size, at least 1e-6.
            let past = |limit: f64| (limit.abs() / 1000.0).max(1e-6);
            if let Some(low) = row.low {
                assert_eq!(judged(low), Some(Flag::Normal), "{code} on its low limit {low}");
                let below = low - past(low);
                let expected = if row.critical_low.is_some_and(|c| below < c) { Flag::CriticalLow } else { Flag::Low };
                assert_eq!(judged(below), Some(expected), "{code} just below {low}");
            }
            if let Some(high) = row.high {
                assert_eq!(judged(high), Some(Flag::Normal), "{code} on its high limit {high}");
                let above = high + past(high);
                let expected =
                    if row.critical_high.is_some_and(|c| above > c) { Flag::CriticalHigh } else { Flag::High };
                assert_eq!(judged(above), Some(expected), "{code} just above {high}");
            }
            if let Some(critical) = row.critical_low {
                assert_eq!(judged(critical - past(critical)), Some(Flag::CriticalLow), "{code} below {critical}");
                assert_ne!(judged(critical), Some(Flag::CriticalLow), "{code} on its critical low {critical}");
            }
            if let Some(critical) = row.critical_high {
                assert_eq!(judged(critical + past(critical)), Some(Flag::CriticalHigh), "{code} above {critical}");
                assert_ne!(judged(critical), Some(Flag::CriticalHigh), "{code} on its critical high {critical}");
            }
            if row.low.is_none() && row.high.is_none() && row.critical_low.is_none() && row.critical_high.is_none() {
                assert_eq!(judged(1.0), None, "{code}: a band with no limits gives no flag");
            }
            checked += 1;
        }
        assert!(checked > 100, "only {checked} rows checked");
    }

    #[test]
    fn a_newborn_is_judged_by_the_newborn_range() {
        let catalog = catalog();
        let newborn = Patient { sex: None, age_days: 2 };
        let range = range_for(&catalog, "718-7", newborn).unwrap();
        assert!(range.age_min_days <= 2 && range.age_max_days > 2);
        // Low for a newborn, normal for an adult man.
        let value = range.low.unwrap() - 1.0;
        let man = adult("718-7", Some(Sex::Male));
        assert!(man.low.unwrap() <= value && value <= man.high.unwrap());
        assert_eq!(flag("718-7", value, "g/L", newborn), Some(Flag::Low));
        assert_eq!(flag("718-7", value, "g/L", ADULT_MAN), Some(Flag::Normal));
    }

    #[test]
    fn critical_values_are_critical_both_ways() {
        let potassium = adult("2823-3", None);
        let (low, high) = (potassium.critical_low.unwrap(), potassium.critical_high.unwrap());
        let critical_high = flag("2823-3", high + 0.1, "mmol/L", ADULT_WOMAN).unwrap();
        assert_eq!(critical_high, Flag::CriticalHigh);
        assert!(critical_high.is_critical());
        assert_eq!(flag("2823-3", low - 0.1, "mmol/L", ADULT_WOMAN), Some(Flag::CriticalLow));
        assert_eq!(Flag::CriticalLow.code(), "LL");
    }

    #[test]
    fn other_units_convert_and_wrong_ones_are_refused() {
        let catalog = catalog();
        // Glucose (14749-6) is kept in mmol/L; mg/dL converts through the catalog.
        let glucose = catalog.parameter("14749-6").unwrap();
        let conversion = catalog.conversions.iter().find(|c| c.parameter_code == "14749-6").unwrap();
        let entered = Entered::Number { value: 90.0, unit: &conversion.unit };
        let judged = judge(&catalog, "14749-6", &entered, ADULT_MAN).unwrap();
        assert_eq!(judged.value, Value::Number(90.0 * conversion.factor + conversion.offset));
        let wrong = judge(&catalog, "14749-6", &Entered::Number { value: 5.0, unit: "g/L" }, ADULT_MAN).unwrap_err();
        let ResultError::WrongUnit { accepted, .. } = &wrong else { panic!("{wrong:?}") };
        assert!(accepted.contains(&glucose.unit) && accepted.contains(&conversion.unit), "{wrong}");
        // UCUM is case-sensitive: mmol/l is not mmol/L.
        assert!(judge(&catalog, "14749-6", &Entered::Number { value: 5.0, unit: "mmol/l" }, ADULT_MAN).is_err());
        let nan = Entered::Number { value: f64::NAN, unit: &glucose.unit };
        assert!(matches!(judge(&catalog, "14749-6", &nan, ADULT_MAN), Err(ResultError::NotANumber { .. })));
    }

    #[test]
    fn ordinal_values_come_from_their_scale() {
        let catalog = catalog();
        let scale = &catalog.ordinals[0];
        let code = scale.parameter_code.as_str();
        let normal = judge(&catalog, code, &Entered::Scale(&scale.normal[0]), ADULT_MAN).unwrap();
        assert_eq!(normal.flag, Some(Flag::Normal));
        let positive = scale.allowed.iter().find(|a| !scale.normal.contains(a)).unwrap();
        assert_eq!(judge(&catalog, code, &Entered::Scale(positive), ADULT_MAN).unwrap().flag, Some(Flag::Abnormal));
        assert!(matches!(judge(&catalog, code, &Entered::Scale("5+"), ADULT_MAN), Err(ResultError::NotOnScale { .. })));
        assert!(judge(&catalog, code, &Entered::Number { value: 1.0, unit: "1" }, ADULT_MAN).is_err());
        assert!(matches!(
            judge(&catalog, "14749-6", &Entered::Scale("trace"), ADULT_MAN),
            Err(ResultError::NotANumber { .. })
        ));
        assert!(matches!(
            judge(&catalog, "0000-0", &Entered::Scale("x"), ADULT_MAN),
            Err(ResultError::UnknownParameter(_))
        ));
    }

    #[test]
    fn no_range_means_no_flag() {
        let range = Range {
            parameter_code: "x".into(),
            sex: None,
            age_min_days: 0,
            age_max_days: 10,
            low: None,
            high: None,
            critical_low: None,
            critical_high: None,
            source: String::new(),
        };
        assert_eq!(flag_of(5.0, &range), None);
        assert_eq!(flag_of(5.0, &Range { critical_high: Some(4.0), ..range.clone() }), Some(Flag::CriticalHigh));
    }
}
