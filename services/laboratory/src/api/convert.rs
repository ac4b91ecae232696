//! Between the API's messages and the store's documents, with the
//! validation of what clients send.

use hms_kit::docstore::audit::Entry;
use hms_kit::error::FieldViolations;
use hms_kit::proto::common::Money;
use hms_kit::proto::laboratory::*;
use hms_kit::time::micros_to_timestamp;

use jiff::tz::TimeZone;

use crate::app::{NewTest, Trend, applied_ranges, patient_at_collection};
use crate::domain::status::Status as Lab;
use crate::store::{ConversionDoc, FileDoc, ItemDoc, OrderDoc, ParameterDoc, RangeDoc, ResultDoc, TestDoc, Versioned};

const MAX_NAME: usize = 200;
const MAX_PARAMETERS: usize = 60;
const MAX_RANGES: usize = 40;
/// 150 years, the oldest age band's end.
const MAX_AGE_DAYS: i32 = 150 * 366;

fn money(amount: i64, currency: &str) -> Option<Money> {
    Some(Money { amount_minor: amount, currency: currency.to_owned() })
}

fn check_money(v: &mut FieldViolations, field: &str, m: Option<&Money>) -> (i64, String) {
    let Some(m) = m else {
        v.add(field, "is required");
        return (0, "VND".into());
    };
    if m.amount_minor < 0 {
        v.add(format!("{field}.amount_minor"), "must not be negative");
    }
    let currency = if m.currency.is_empty() { "VND".to_owned() } else { m.currency.to_uppercase() };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        v.add(format!("{field}.currency"), "must be an ISO 4217 code such as VND");
    }
    (m.amount_minor, currency)
}

/// A catalog code: LOINC ("2345-7") or the clinic's own, 1 to 20 letters,
/// digits and '-'.
fn is_code(code: &str) -> bool {
    (1..=20).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A UCUM unit as written: printable ASCII without spaces, at most 20.
fn is_unit(unit: &str) -> bool {
    unit.len() <= 20 && unit.bytes().all(|b| b.is_ascii_graphic())
}

fn range_from_proto(v: &mut FieldViolations, field: &str, r: &ReferenceRange) -> RangeDoc {
    let sex = match Sex::try_from(r.sex) {
        Ok(Sex::Male) => "M",
        Ok(Sex::Female) => "F",
        Ok(Sex::Unspecified) => "",
        Err(_) => {
            v.add(format!("{field}.sex"), "is not a sex");
            ""
        }
    };
    if r.age_min_days < 0 || r.age_max_days <= r.age_min_days || r.age_max_days > MAX_AGE_DAYS {
        v.add(format!("{field}.age_max_days"), "the age band must be [min, max) with 0 ≤ min < max ≤ 54900 days");
    }
    let limits =
        [("low", r.low), ("high", r.high), ("critical_low", r.critical_low), ("critical_high", r.critical_high)];
    for (name, limit) in limits {
        if limit.is_some_and(|l| !l.is_finite()) {
            v.add(format!("{field}.{name}"), "must be a finite number");
        }
    }
    let ordered = |a: Option<f64>, b: Option<f64>| a.zip(b).is_none_or(|(a, b)| a <= b);
    if !ordered(r.low, r.high) || !ordered(r.critical_low, r.low) || !ordered(r.high, r.critical_high) {
        v.add(field, "limits must be ordered: critical low ≤ low ≤ high ≤ critical high");
    }
    v.text(&format!("{field}.source"), &r.source, 500, false);
    RangeDoc {
        sex: sex.into(),
        age_min_days: i64::from(r.age_min_days),
        age_max_days: i64::from(r.age_max_days),
        low: r.low,
        high: r.high,
        critical_low: r.critical_low,
        critical_high: r.critical_high,
        source: r.source.trim().to_owned(),
    }
}

fn parameter_from_proto(v: &mut FieldViolations, field: &str, p: &LabParameter) -> ParameterDoc {
    if !is_code(p.code.trim()) {
        v.add(format!("{field}.code"), "must be 1 to 20 letters, digits or '-' (a LOINC code where one exists)");
    }
    v.text(&format!("{field}.name"), &p.name, MAX_NAME, true);
    let kind = match ParameterKind::try_from(p.kind) {
        Ok(ParameterKind::Quantitative) => "QUANTITATIVE",
        Ok(ParameterKind::Ordinal) => "ORDINAL",
        _ => {
            v.add(format!("{field}.kind"), "is required: QUANTITATIVE or ORDINAL");
            ""
        }
    };
    if kind == "QUANTITATIVE" && (p.unit.is_empty() || !is_unit(&p.unit)) {
        v.add(format!("{field}.unit"), "is required: a UCUM unit such as mmol/L");
    }
    if !(0..=6).contains(&p.decimals) {
        v.add(format!("{field}.decimals"), "must be 0 to 6");
    }
    if p.ranges.len() > MAX_RANGES {
        v.add(format!("{field}.ranges"), format!("at most {MAX_RANGES}"));
    }
    let ranges: Vec<RangeDoc> =
        p.ranges.iter().enumerate().map(|(n, r)| range_from_proto(v, &format!("{field}.ranges[{n}]"), r)).collect();
    for (n, a) in ranges.iter().enumerate() {
        let overlaps = ranges[..n]
            .iter()
            .any(|b| a.sex == b.sex && a.age_min_days < b.age_max_days && b.age_min_days < a.age_max_days);
        if overlaps {
            v.add(format!("{field}.ranges[{n}]"), "overlaps another range of the same sex");
        }
    }
    let mut conversions = Vec::with_capacity(p.conversions.len());
    for (n, c) in p.conversions.iter().enumerate() {
        if c.unit.is_empty() || !is_unit(&c.unit) || c.unit == p.unit {
            v.add(format!("{field}.conversions[{n}].unit"), "must be another UCUM unit");
        }
        if !c.factor.is_finite() || c.factor == 0.0 || !c.offset.is_finite() {
            v.add(format!("{field}.conversions[{n}].factor"), "must be a finite, non-zero number");
        }
        conversions.push(ConversionDoc { unit: c.unit.clone(), factor: c.factor, offset: c.offset });
    }
    if kind == "ORDINAL" {
        if p.scale.len() < 2 || p.scale.iter().any(|s| s.trim().is_empty() || s.len() > 40) {
            v.add(format!("{field}.scale"), "an ordinal needs at least two values of 1 to 40 characters");
        }
        if p.normal_values.is_empty() || p.normal_values.iter().any(|n| !p.scale.contains(n)) {
            v.add(format!("{field}.normal_values"), "must be values of the scale, at least one");
        }
    }
    ParameterDoc {
        code: p.code.trim().to_owned(),
        name: p.name.trim().to_owned(),
        kind: kind.into(),
        unit: p.unit.clone(),
        decimals: i64::from(p.decimals),
        ranges,
        conversions,
        scale: p.scale.iter().map(|s| s.trim().to_owned()).collect(),
        normal: p.normal_values.iter().map(|s| s.trim().to_owned()).collect(),
    }
}

pub fn test_from_proto(v: &mut FieldViolations, t: Option<&LabTest>) -> Option<NewTest> {
    let Some(t) = t else {
        v.add("test", "is required");
        return None;
    };
    let code = t.code.trim().to_uppercase();
    if !is_code(&code) {
        v.add("test.code", "must be 1 to 20 letters, digits or '-' (a LOINC code where one exists)");
    }
    v.text("test.name", &t.name, MAX_NAME, true);
    v.text("test.sample_type", &t.sample_type, 100, true);
    if !(1..=24 * 60).contains(&t.turnaround_hours) {
        v.add("test.turnaround_hours", "must be 1 to 1440 hours");
    }
    let (price, currency) = check_money(v, "test.price", t.price.as_ref());
    if t.parameters.is_empty() || t.parameters.len() > MAX_PARAMETERS {
        v.add("test.parameters", format!("1 to {MAX_PARAMETERS} parameters"));
    }
    let parameters: Vec<ParameterDoc> = t
        .parameters
        .iter()
        .enumerate()
        .map(|(n, p)| parameter_from_proto(v, &format!("test.parameters[{n}]"), p))
        .collect();
    for (n, p) in parameters.iter().enumerate() {
        if parameters[..n].iter().any(|q| q.code == p.code) {
            v.add(format!("test.parameters[{n}].code"), "appears twice in this test");
        }
    }
    Some(NewTest {
        code,
        name: t.name.trim().to_owned(),
        sample_type: t.sample_type.trim().to_owned(),
        turnaround_hours: i64::from(t.turnaround_hours),
        price,
        currency,
        parameters,
        active: t.active,
    })
}

fn sex_to_proto(code: &str) -> i32 {
    match code {
        "M" => Sex::Male.into(),
        "F" => Sex::Female.into(),
        _ => Sex::Unspecified.into(),
    }
}

fn parameter_to_proto(p: &ParameterDoc) -> LabParameter {
    LabParameter {
        code: p.code.clone(),
        name: p.name.clone(),
        kind: ParameterKind::from_str_name(&format!("PARAMETER_KIND_{}", p.kind)).unwrap_or_default().into(),
        unit: p.unit.clone(),
        decimals: i32::try_from(p.decimals).unwrap_or(0),
        ranges: p
            .ranges
            .iter()
            .map(|r| ReferenceRange {
                sex: sex_to_proto(&r.sex),
                age_min_days: i32::try_from(r.age_min_days).unwrap_or(0),
                age_max_days: i32::try_from(r.age_max_days).unwrap_or(i32::MAX),
                low: r.low,
                high: r.high,
                critical_low: r.critical_low,
                critical_high: r.critical_high,
                source: r.source.clone(),
            })
            .collect(),
        conversions: p
            .conversions
            .iter()
            .map(|c| UnitConversion { unit: c.unit.clone(), factor: c.factor, offset: c.offset })
            .collect(),
        scale: p.scale.clone(),
        normal_values: p.normal.clone(),
    }
}

pub fn test_to_proto(t: &Versioned<TestDoc>) -> LabTest {
    LabTest {
        test_id: t.id.clone(),
        code: t.doc.code.clone(),
        name: t.doc.name.clone(),
        sample_type: t.doc.sample_type.clone(),
        turnaround_hours: i32::try_from(t.doc.turnaround_hours).unwrap_or(0),
        price: money(t.doc.price, &t.doc.currency),
        parameters: t.doc.parameters.iter().map(parameter_to_proto).collect(),
        active: t.doc.active,
        version: t.doc.revision,
    }
}

pub fn status_to_proto(status: &str) -> i32 {
    LabOrderStatus::from_str_name(&format!("LAB_ORDER_STATUS_{status}")).unwrap_or_default().into()
}

pub fn status_from_proto(status: i32) -> Option<Lab> {
    LabOrderStatus::try_from(status)
        .ok()
        .and_then(|s| s.as_str_name().strip_prefix("LAB_ORDER_STATUS_").and_then(Lab::parse))
}

fn flag_to_proto(code: &str) -> i32 {
    let flag = match code {
        "N" => Flag::Normal,
        "L" => Flag::Low,
        "H" => Flag::High,
        "LL" => Flag::CriticalLow,
        "HH" => Flag::CriticalHigh,
        "A" => Flag::Abnormal,
        _ => Flag::Unspecified,
    };
    flag.into()
}

fn result_to_proto(r: &ResultDoc, p: Option<&ParameterDoc>) -> LabResult {
    LabResult {
        parameter_code: r.parameter_code.clone(),
        parameter_name: p.map(|p| p.name.clone()).unwrap_or_default(),
        value: r.value,
        scale_value: r.scale_value.clone(),
        unit: p.map(|p| p.unit.clone()).unwrap_or_default(),
        entered: r.entered.clone(),
        reference_range: r.range.clone(),
        flag: flag_to_proto(&r.flag),
        status: ResultStatus::from_str_name(&format!("RESULT_STATUS_{}", r.status)).unwrap_or_default().into(),
        entered_by: r.entered_by.clone(),
        enter_time: Some(micros_to_timestamp(r.entered_at)),
        previous: r.previous.clone(),
        amend_reason: r.amend_reason.clone(),
        decimals: p.map(|p| i32::try_from(p.decimals).unwrap_or(0)).unwrap_or(0),
        range_low: r.range_low,
        range_high: r.range_high,
    }
}

pub fn file_to_proto(f: &FileDoc) -> ResultFile {
    ResultFile {
        file_id: f.id.clone(),
        file_name: f.name.clone(),
        content_type: f.content_type.clone(),
        size_bytes: f.size,
        attached_by: f.by.clone(),
        attach_time: Some(micros_to_timestamp(f.at)),
    }
}

/// An item as `sees_results` allows: before release, a patient sees that
/// results are pending and nothing of them.
fn item_to_proto(i: &ItemDoc, sees_results: bool) -> LabOrderItem {
    let shown = sees_results || i.status == Lab::Completed.name();
    // Those with a value first, in the catalog's order.
    let results = if shown {
        i.parameters
            .iter()
            .filter_map(|p| i.results.iter().find(|r| r.parameter_code == p.code).map(|r| result_to_proto(r, Some(p))))
            .collect()
    } else {
        Vec::new()
    };
    LabOrderItem {
        item_id: i.id.clone(),
        test_id: i.test_id.clone(),
        test_code: i.test_code.clone(),
        test_name: i.test_name.clone(),
        sample_type: i.sample_type.clone(),
        status: status_to_proto(&i.status),
        price: money(i.price, &i.currency),
        results,
        files: if shown { i.files.iter().map(file_to_proto).collect() } else { Vec::new() },
        results_pending: !shown && i.status != Lab::Cancelled.name(),
        cancel_reason: i.cancel_reason.clone(),
        released_by: i.released_by.clone(),
        release_time: i.released_at.map(micros_to_timestamp),
        parameters: Vec::new(),
        applied_ranges: Vec::new(),
    }
}

pub fn order_to_proto(o: &Versioned<OrderDoc>, sees_results: bool) -> LabOrder {
    let d = &o.doc;
    LabOrder {
        order_id: o.id.clone(),
        patient_id: d.patient_id.clone(),
        doctor_id: d.doctor_id.clone(),
        encounter_id: d.encounter_id.clone(),
        priority: Priority::from_str_name(&format!("PRIORITY_{}", d.priority)).unwrap_or_default().into(),
        notes: d.notes.clone(),
        status: status_to_proto(&d.status),
        items: d.items.iter().map(|i| item_to_proto(i, sees_results)).collect(),
        accession_number: d.accession.clone(),
        collected_by: d.collected_by.clone(),
        collect_time: d.collected_at.map(micros_to_timestamp),
        create_time: Some(micros_to_timestamp(d.created_at)),
        invoice_requested: d.invoiced,
        version: d.revision,
    }
}

/// A single order as read on its own: for staff, each item with the catalog
/// terms it was placed with and, once collected, the ranges that apply to
/// this patient (the forms that enter its values need them).
pub fn order_with_terms(o: &Versioned<OrderDoc>, sees_results: bool, zone: &TimeZone) -> LabOrder {
    let mut order = order_to_proto(o, sees_results);
    if !sees_results {
        return order;
    }
    let patient = o.doc.collected_at.and_then(|at| patient_at_collection(&o.doc, zone, at).ok());
    for (item, doc) in order.items.iter_mut().zip(&o.doc.items) {
        item.parameters = doc.parameters.iter().map(parameter_to_proto).collect();
        let Some(patient) = patient else { continue };
        item.applied_ranges = applied_ranges(&doc.parameters, patient)
            .into_iter()
            .map(|(range, text)| AppliedRange {
                parameter_code: range.parameter_code,
                low: range.low,
                high: range.high,
                critical_low: range.critical_low,
                critical_high: range.critical_high,
                reference_range: text,
            })
            .collect();
    }
    order
}

pub fn trend_to_proto(code: &str, trend: &Trend) -> ListParameterTrendResponse {
    let p = trend.parameter.as_ref();
    ListParameterTrendResponse {
        parameter_code: code.to_owned(),
        parameter_name: p.map(|p| p.name.clone()).unwrap_or_default(),
        unit: p.map(|p| p.unit.clone()).unwrap_or_default(),
        decimals: p.map(|p| i32::try_from(p.decimals).unwrap_or(0)).unwrap_or(0),
        points: trend
            .points
            .iter()
            .map(|(order_id, at, r)| TrendPoint {
                order_id: order_id.clone(),
                collect_time: Some(micros_to_timestamp(*at)),
                value: r.value,
                scale_value: r.scale_value.clone(),
                flag: flag_to_proto(&r.flag),
                reference_range: r.range.clone(),
                range_low: r.range_low,
                range_high: r.range_high,
                status: ResultStatus::from_str_name(&format!("RESULT_STATUS_{}", r.status)).unwrap_or_default().into(),
            })
            .collect(),
    }
}

pub fn audit_to_proto(e: &Entry) -> AuditEvent {
    AuditEvent {
        sequence: e.seq,
        actor_id: e.actor_id.clone(),
        actor_role: e.actor_role.clone(),
        action: e.action.clone(),
        patient_id: e.patient_id.clone(),
        resource: e.resource.clone(),
        event_time: Some(micros_to_timestamp(e.at)),
        client_address: e.client_address.clone(),
        outcome: AuditOutcome::from_str_name(&format!("AUDIT_OUTCOME_{}", e.outcome)).unwrap_or_default().into(),
        reason: e.break_glass_reason.clone(),
        previous_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}
