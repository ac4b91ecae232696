//! Form checks of clinical data. Each returns the problems found as
//! `(field, description)` pairs, so a request learns all of them at once.

/// Normalises an ICD-10 code (trimmed, upper case) if it is well formed: a
/// letter, a digit, a digit or letter (ICD-10-CM uses e.g. C4A), then
/// optionally a dot and one to four digits or letters (E11.9, S72.001A).
/// This checks the form, not membership in the classification.
pub fn icd10(code: &str) -> Result<String, &'static str> {
    let code = code.trim().to_ascii_uppercase();
    let bytes = code.as_bytes();
    let alnum = |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase();
    let (category, rest) = bytes.split_at(bytes.len().min(3));
    let category_ok =
        category.len() == 3 && category[0].is_ascii_uppercase() && category[1].is_ascii_digit() && alnum(&category[2]);
    let rest_ok = match rest {
        [] => true,
        [b'.', tail @ ..] => (1..=4).contains(&tail.len()) && tail.iter().all(alnum),
        _ => false,
    };
    if category_ok && rest_ok {
        Ok(code)
    } else {
        Err("is not an ICD-10 code (a letter, a digit, a digit or letter, optionally '.' and 1-4 more, e.g. E11.9)")
    }
}

pub const BLOOD_TYPES: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

/// A blood type, normalised to upper case; empty means unknown.
pub fn blood_type(value: &str) -> Result<String, &'static str> {
    let value = value.trim().to_ascii_uppercase();
    if value.is_empty() || BLOOD_TYPES.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err("must be one of A+, A-, B+, B-, AB+, AB-, O+, O- (or empty when unknown)")
    }
}

/// One set of measurements; each is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vitals {
    pub heart_rate: Option<i32>,
    pub systolic_bp: Option<i32>,
    pub diastolic_bp: Option<i32>,
    pub temperature_celsius: Option<f64>,
    pub respiratory_rate: Option<i32>,
    pub spo2_percent: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
}

/// Physiological ranges: values outside them are typing errors (or a patient
/// no longer measurable this way), so they are refused rather than stored.
pub fn vitals(v: &Vitals, prefix: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut int = |field: &str, value: Option<i32>, min: i32, max: i32, unit: &str| {
        if let Some(x) = value
            && !(min..=max).contains(&x)
        {
            problems.push((format!("{prefix}{field}"), format!("must be between {min} and {max} {unit}")));
        }
    };
    int("heart_rate", v.heart_rate, 20, 250, "beats per minute");
    int("systolic_bp", v.systolic_bp, 50, 260, "mmHg");
    int("diastolic_bp", v.diastolic_bp, 20, 160, "mmHg");
    int("respiratory_rate", v.respiratory_rate, 4, 60, "breaths per minute");
    int("spo2_percent", v.spo2_percent, 50, 100, "percent");
    let mut real = |field: &str, value: Option<f64>, min: f64, max: f64, unit: &str| {
        if let Some(x) = value
            && !(x.is_finite() && (min..=max).contains(&x))
        {
            problems.push((format!("{prefix}{field}"), format!("must be between {min} and {max} {unit}")));
        }
    };
    real("temperature_celsius", v.temperature_celsius, 30.0, 45.0, "°C");
    real("weight_kg", v.weight_kg, 0.3, 500.0, "kg");
    real("height_cm", v.height_cm, 20.0, 260.0, "cm");
    match (v.systolic_bp, v.diastolic_bp) {
        (Some(s), Some(d)) if s <= d => {
            problems.push((format!("{prefix}systolic_bp"), "must be above diastolic_bp".into()));
        }
        (Some(_), None) | (None, Some(_)) => {
            problems.push((format!("{prefix}diastolic_bp"), "systolic and diastolic pressure go together".into()));
        }
        _ => {}
    }
    let any = v.heart_rate.is_some()
        || v.systolic_bp.is_some()
        || v.temperature_celsius.is_some()
        || v.respiratory_rate.is_some()
        || v.spo2_percent.is_some()
        || v.weight_kg.is_some()
        || v.height_cm.is_some()
        || v.diastolic_bp.is_some();
    if !any {
        problems.push((prefix.trim_end_matches('.').to_owned(), "needs at least one measurement".into()));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_codes_are_checked_in_form() {
        for (input, normal) in
            [("R51", "R51"), ("e11.9", "E11.9"), (" S72.001A ", "S72.001A"), ("C4A.0", "C4A.0"), ("U07.1", "U07.1")]
        {
            assert_eq!(icd10(input).as_deref(), Ok(normal), "{input}");
        }
        for bad in ["", "R5", "51R", "RR1", "R51.", "R51.12345", "R51-1", "R51.1.2", "R5.1", "Ä51", "R51 .1"] {
            assert!(icd10(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blood_types() {
        assert_eq!(blood_type(" ab+ ").as_deref(), Ok("AB+"));
        assert_eq!(blood_type("").as_deref(), Ok(""));
        assert!(blood_type("C+").is_err());
        assert!(blood_type("A").is_err());
    }

    fn fields(v: &Vitals) -> Vec<String> {
        vitals(v, "vital_signs.").into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn vitals_inside_physiological_ranges_pass() {
        let normal = Vitals {
            heart_rate: Some(72),
            systolic_bp: Some(120),
            diastolic_bp: Some(80),
            temperature_celsius: Some(36.8),
            respiratory_rate: Some(16),
            spo2_percent: Some(98),
            weight_kg: Some(64.5),
            height_cm: Some(170.0),
        };
        assert!(fields(&normal).is_empty());
        assert!(fields(&Vitals { heart_rate: Some(20), ..Default::default() }).is_empty());
    }

    #[test]
    fn vitals_outside_them_are_refused_field_by_field() {
        let wrong = Vitals {
            heart_rate: Some(400),
            systolic_bp: Some(80),
            diastolic_bp: Some(90),
            temperature_celsius: Some(370.0),
            respiratory_rate: Some(0),
            spo2_percent: Some(101),
            weight_kg: Some(f64::NAN),
            height_cm: Some(-1.0),
        };
        assert_eq!(
            fields(&wrong),
            [
                "vital_signs.heart_rate",
                "vital_signs.respiratory_rate",
                "vital_signs.spo2_percent",
                "vital_signs.temperature_celsius",
                "vital_signs.weight_kg",
                "vital_signs.height_cm",
                "vital_signs.systolic_bp",
            ]
        );
        assert_eq!(fields(&Vitals::default()), ["vital_signs"]);
        assert_eq!(fields(&Vitals { systolic_bp: Some(120), ..Default::default() }), ["vital_signs.diastolic_bp"]);
    }
}
