//! Between the stored catalog terms and the domain's rules: an item's
//! parameters as a one-test catalog to judge results by, the starter
//! catalog as stored tests, and the patient's age at collection.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::domain::catalog::{Catalog, Conversion, Kind, Ordinal, Parameter, Range, Sex, Test};
use crate::domain::results::{self, Flag, Patient};
use crate::store::{ConversionDoc, OrderDoc, ParameterDoc, PatientDoc, RangeDoc, TestDoc};

fn sex_of(code: &str) -> Option<Sex> {
    match code {
        "M" => Some(Sex::Male),
        "F" => Some(Sex::Female),
        _ => None,
    }
}

fn sex_code(sex: Option<Sex>) -> &'static str {
    match sex {
        Some(Sex::Male) => "M",
        Some(Sex::Female) => "F",
        None => "",
    }
}

fn clamp_days(days: i64) -> u32 {
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

/// The parameters of one item as a catalog of their own.
pub fn catalog_of(parameters: &[ParameterDoc]) -> Catalog {
    let mut catalog = Catalog {
        tests: vec![Test {
            code: String::new(),
            name: String::new(),
            sample_type: String::new(),
            turnaround_hours: 0,
            price: 0,
            currency: String::new(),
        }],
        parameters: Vec::new(),
        ranges: Vec::new(),
        ordinals: Vec::new(),
        conversions: Vec::new(),
    };
    for (n, p) in parameters.iter().enumerate() {
        catalog.parameters.push(Parameter {
            test_code: String::new(),
            code: p.code.clone(),
            name: p.name.clone(),
            unit: p.unit.clone(),
            kind: if p.kind == "ORDINAL" { Kind::Ordinal } else { Kind::Quantitative },
            decimals: u8::try_from(p.decimals.clamp(0, 6)).unwrap_or(0),
            display_order: u32::try_from(n).unwrap_or(u32::MAX),
        });
        catalog.ranges.extend(p.ranges.iter().map(|r| Range {
            parameter_code: p.code.clone(),
            sex: sex_of(&r.sex),
            age_min_days: clamp_days(r.age_min_days),
            age_max_days: clamp_days(r.age_max_days),
            low: r.low,
            high: r.high,
            critical_low: r.critical_low,
            critical_high: r.critical_high,
            source: r.source.clone(),
        }));
        if p.kind == "ORDINAL" {
            catalog.ordinals.push(Ordinal {
                parameter_code: p.code.clone(),
                allowed: p.scale.clone(),
                normal: p.normal.clone(),
            });
        }
        catalog.conversions.extend(p.conversions.iter().map(|c| Conversion {
            parameter_code: p.code.clone(),
            unit: c.unit.clone(),
            factor: c.factor,
            offset: c.offset,
        }));
    }
    catalog
}

/// The shipped starter catalog as stored tests (without ids).
pub fn starter_tests(now: i64) -> anyhow::Result<Vec<TestDoc>> {
    let catalog = Catalog::starter().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let tests = catalog
        .tests
        .iter()
        .map(|t| {
            let mut params: Vec<&Parameter> = catalog.parameters.iter().filter(|p| p.test_code == t.code).collect();
            params.sort_by_key(|p| p.display_order);
            TestDoc {
                code: t.code.clone(),
                name: t.name.clone(),
                name_key: t.name.to_lowercase(),
                sample_type: t.sample_type.clone(),
                turnaround_hours: i64::from(t.turnaround_hours),
                price: t.price,
                currency: t.currency.clone(),
                parameters: params.into_iter().map(|p| parameter_doc(&catalog, p)).collect(),
                active: true,
                in_use: false,
                deleted: false,
                created_at: now,
                revision: 1,
                outbox: Default::default(),
            }
        })
        .collect();
    Ok(tests)
}

fn parameter_doc(catalog: &Catalog, p: &Parameter) -> ParameterDoc {
    let ordinal = catalog.ordinals.iter().find(|o| o.parameter_code == p.code);
    ParameterDoc {
        code: p.code.clone(),
        name: p.name.clone(),
        kind: match p.kind {
            Kind::Quantitative => "QUANTITATIVE".into(),
            Kind::Ordinal => "ORDINAL".into(),
        },
        unit: p.unit.clone(),
        decimals: i64::from(p.decimals),
        ranges: catalog
            .ranges
            .iter()
            .filter(|r| r.parameter_code == p.code)
            .map(|r| RangeDoc {
                sex: sex_code(r.sex).into(),
                age_min_days: i64::from(r.age_min_days),
                age_max_days: i64::from(r.age_max_days),
                low: r.low,
                high: r.high,
                critical_low: r.critical_low,
                critical_high: r.critical_high,
                source: r.source.clone(),
            })
            .collect(),
        conversions: catalog
            .conversions
            .iter()
            .filter(|c| c.parameter_code == p.code)
            .map(|c| ConversionDoc { unit: c.unit.clone(), factor: c.factor, offset: c.offset })
            .collect(),
        scale: ordinal.map(|o| o.allowed.clone()).unwrap_or_default(),
        normal: ordinal.map(|o| o.normal.clone()).unwrap_or_default(),
    }
}

/// The patient as the ranges see them on `day` (the collection day): an
/// unknown date of birth counts as an adult's age, so that the adult
/// ranges apply rather than none.
pub fn patient_on(patient: &PatientDoc, day: Date) -> Patient {
    const ADULT_DAYS: u32 = 30 * 365;
    let age_days = patient
        .birth_date
        .parse::<Date>()
        .ok()
        .and_then(|born| (day - born).get_days().try_into().ok())
        .unwrap_or(ADULT_DAYS);
    Patient { sex: sex_of(&patient.sex), age_days }
}

/// The patient as the ranges see them on the order's collection day (in
/// the clinic's zone); before collection, on the day of `now`.
pub fn patient_at_collection(order: &OrderDoc, zone: &TimeZone, now: i64) -> Result<Patient, jiff::Error> {
    let collected = order.collected_at.unwrap_or(now);
    let day = jiff::Timestamp::from_microsecond(collected)?.to_zoned(zone.clone()).date();
    Ok(patient_on(&order.patient, day))
}

/// Each parameter's range for `patient`, with its printed form; parameters
/// no range applies to are left out.
pub fn applied_ranges(parameters: &[ParameterDoc], patient: Patient) -> Vec<(Range, String)> {
    let catalog = catalog_of(parameters);
    parameters
        .iter()
        .filter_map(|p| {
            let range = results::range_for(&catalog, &p.code, patient)?;
            let text = results::range_text(range, decimals_of(p));
            Some((range.clone(), text))
        })
        .collect()
}

/// The decimals a parameter's values and limits are shown with.
pub fn decimals_of(parameter: &ParameterDoc) -> u8 {
    u8::try_from(parameter.decimals.clamp(0, 6)).unwrap_or(0)
}

pub fn flag_code(flag: Option<Flag>) -> String {
    flag.map(|f| f.code().to_owned()).unwrap_or_default()
}

pub fn flag_of_code(code: &str) -> Option<Flag> {
    [Flag::Normal, Flag::Low, Flag::High, Flag::CriticalLow, Flag::CriticalHigh, Flag::Abnormal]
        .into_iter()
        .find(|f| f.code() == code)
}
