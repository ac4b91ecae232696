//! Results: entered by a technician one value per parameter, judged by the
//! item's own catalog terms for the patient's sex and age at collection; a
//! critical value tells the ordering doctor at once; release by a doctor;
//! a change after release kept as an amendment.

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, internal, refusal};
use hms_kit::proto::common::Role;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::judging::{catalog_of, decimals_of, flag_code, patient_at_collection};
use super::orders::{settle, status_of};
use super::{State, order_not_found};
use crate::domain::results::{Entered, ResultError, Value, judge, range_for, range_text};
use crate::domain::status::{Status as Lab, Step};
use crate::events::{Notice, ResultReference};
use crate::store::{OrderDoc, ParameterDoc, ResultDoc, Versioned};

/// One value as a technician entered it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub parameter_code: String,
    pub value: Option<f64>,
    pub unit: String,
    pub scale_value: String,
}

fn item_not_found() -> Status {
    Status::not_found("no such item in this lab order")
}

/// "5.4 mmol/L", "97 mg/dL", "2+": what was entered, as entered.
fn entered_text(entry: &Entry) -> String {
    match entry.value {
        Some(v) => format!("{v} {}", entry.unit).trim_end().to_owned(),
        None => entry.scale_value.clone(),
    }
}

fn violation(v: &mut FieldViolations, n: usize, error: &ResultError) {
    let field = match error {
        ResultError::UnknownParameter(_) => "parameter_code",
        ResultError::WrongUnit { .. } => "unit",
        ResultError::NotOnScale { .. } => "scale_value",
        ResultError::NotANumber { .. } => "value",
    };
    v.add(format!("results[{n}].{field}"), error.to_string());
}

/// A patient's released values of one parameter, oldest first.
pub struct Trend {
    /// The parameter as the newest order with it names it.
    pub parameter: Option<ParameterDoc>,
    /// Each value with the order it came from and its collection instant.
    pub points: Vec<(String, i64, ResultDoc)>,
}

/// The most orders a trend reads: five years of weekly panels.
const TREND_ORDERS: usize = 500;

impl State {
    /// The released values of `parameter_code` in the patient's orders
    /// placed since `since`, if the caller may see the patient's results;
    /// audited.
    pub async fn trend(&self, c: &Caller, patient_id: &str, parameter_code: &str, since: i64) -> Result<Trend, Status> {
        let result = match self.may_list(c, patient_id).await {
            Ok(()) => self.store.patient_orders_since(patient_id, since, TREND_ORDERS).await.map_err(Status::from),
            Err(e) => Err(e),
        };
        let outcome = super::access::outcome(&result);
        self.audit(c, "ListParameterTrend", patient_id, "lab-orders/trend", outcome, "").await?;
        let mut trend = Trend { parameter: None, points: Vec::new() };
        for order in result? {
            let collected = order.doc.collected_at.unwrap_or(order.doc.created_at);
            for item in order.doc.items.iter().filter(|i| i.status == Lab::Completed.name()) {
                let Some(result) = item.results.iter().find(|r| r.parameter_code == parameter_code) else { continue };
                if trend.parameter.is_none() {
                    trend.parameter = item.parameters.iter().find(|p| p.code == parameter_code).cloned();
                }
                trend.points.push((order.id.clone(), collected, result.clone()));
            }
        }
        trend.points.sort_by_key(|(_, at, _)| *at);
        Ok(trend)
    }

    /// Enters values for one item of an order read at `version`. Answers
    /// the order and the codes of this entry's critical values.
    pub async fn enter_results(
        &self,
        c: &Caller,
        order_id: &str,
        item_id: &str,
        entries: &[Entry],
        amend_reason: &str,
        version: i64,
    ) -> Result<(Versioned<OrderDoc>, Vec<String>), Status> {
        let order = self.store.order(order_id).await?.ok_or_else(order_not_found)?;
        let patient = order.doc.patient_id.clone();
        let now = now_micros();
        let me = c.principal.subject.clone();
        let result = self
            .change_order(order_id, Some(version), |doc| {
                let person = patient_at_collection(doc, &self.zone, now).map_err(internal)?;
                let (doctor, patient_id) = (doc.doctor_id.clone(), doc.patient_id.clone());
                let item = doc.items.iter_mut().find(|i| i.id == item_id).ok_or_else(item_not_found)?;
                let from = status_of(item)?;
                if !from.takes_results() {
                    return Err(refusal(
                        Code::FailedPrecondition,
                        "INVALID_TRANSITION",
                        format!("no results while {}", from.name()),
                    ));
                }
                let released = from == Lab::Completed;
                if released && amend_reason.is_empty() {
                    return Err(refusal(
                        Code::FailedPrecondition,
                        "AMEND_REASON_REQUIRED",
                        "these results were released: a correction needs a reason",
                    ));
                }
                let catalog = catalog_of(&item.parameters);
                let mut v = FieldViolations::new();
                let mut critical = Vec::new();
                for (n, entry) in entries.iter().enumerate() {
                    let Some(parameter) = item.parameters.iter().find(|p| p.code == entry.parameter_code) else {
                        v.add(format!("results[{n}].parameter_code"), "is not a parameter of this test");
                        continue;
                    };
                    let entered = match entry.value {
                        Some(value) => Entered::Number { value, unit: &entry.unit },
                        None => Entered::Scale(&entry.scale_value),
                    };
                    let judged = match judge(&catalog, &parameter.code, &entered, person) {
                        Ok(judged) => judged,
                        Err(e) => {
                            violation(&mut v, n, &e);
                            continue;
                        }
                    };
                    if judged.flag.is_some_and(|f| f.is_critical()) {
                        critical.push(parameter.code.clone());
                    }
                    let (value, scale_value) = match judged.value {
                        Value::Number(x) => (Some(x), String::new()),
                        Value::Scale(s) => (None, s),
                    };
                    let old = item.results.iter().position(|r| r.parameter_code == parameter.code);
                    let range = range_for(&catalog, &parameter.code, person);
                    let mut result = ResultDoc {
                        parameter_code: parameter.code.clone(),
                        value,
                        scale_value,
                        entered: entered_text(entry),
                        range: range.map(|r| range_text(r, decimals_of(parameter))).unwrap_or_default(),
                        range_low: range.and_then(|r| r.low),
                        range_high: range.and_then(|r| r.high),
                        flag: flag_code(judged.flag),
                        status: "PRELIMINARY".into(),
                        entered_by: me.clone(),
                        entered_at: now,
                        previous: String::new(),
                        amend_reason: String::new(),
                    };
                    if released {
                        let before = old.map(|i| &item.results[i]);
                        let same =
                            before.is_some_and(|b| b.value == result.value && b.scale_value == result.scale_value);
                        result.status = if same { "CORRECTED" } else { "AMENDED" }.into();
                        result.previous = before.map(|b| b.entered.clone()).unwrap_or_default();
                        result.amend_reason = amend_reason.to_owned();
                    }
                    match old {
                        Some(i) => item.results[i] = result,
                        None => item.results.push(result),
                    }
                }
                v.into_result()?;
                let complete = item.parameters.iter().all(|p| item.results.iter().any(|r| r.parameter_code == p.code));
                let mut notices = Vec::new();
                if complete && let Some(to) = from.after(Step::ResultsEntered) {
                    item.status = to.name().to_owned();
                    notices.push((Notice::ready_for_review(&doctor, order_id, &patient_id), item_id.to_owned()));
                }
                if !critical.is_empty() {
                    notices.push((Notice::critical(&doctor, order_id, &patient_id), format!("{item_id}:{now}")));
                }
                if released {
                    for (recipient, who) in [(&doctor, "doctor"), (&patient_id, "patient")] {
                        let notice = Notice::amended(recipient, order_id, &patient_id, &doctor);
                        notices.push((notice, format!("{item_id}:{now}:{who}")));
                    }
                }
                for (notice, key) in notices {
                    doc.outbox.push(notice.event(&key).map_err(internal)?).map_err(internal)?;
                }
                settle(doc);
                Ok(critical)
            })
            .await;
        let reason = if amend_reason.is_empty() { "" } else { amend_reason };
        self.audited(c, "EnterLabResults", &patient, order_id, reason, result).await
    }

    /// Releases items waiting for review (all of them when `item_ids` is
    /// empty) to the patient: the ordering doctor, or one with a care
    /// relationship. The EHR gets a reference to each.
    pub async fn release(
        &self,
        c: &Caller,
        order_id: &str,
        item_ids: &[String],
        version: i64,
    ) -> Result<Versioned<OrderDoc>, Status> {
        let order = self.store.order(order_id).await?.ok_or_else(order_not_found)?;
        let patient = order.doc.patient_id.clone();
        let result = self.release_at(c, order, item_ids, version).await;
        self.audited(c, "ReleaseLabResults", &patient, order_id, "", result).await
    }

    async fn release_at(
        &self,
        c: &Caller,
        order: Versioned<OrderDoc>,
        item_ids: &[String],
        version: i64,
    ) -> Result<Versioned<OrderDoc>, Status> {
        let me = c.principal.subject.clone();
        let allowed = c.principal.role == Role::Doctor
            && (order.doc.doctor_id == me || self.context(&me, &order.doc.patient_id, "").await?.care);
        if !allowed {
            return Err(refusal(
                Code::PermissionDenied,
                "NOT_YOUR_PATIENT",
                "only the ordering doctor or one caring for the patient releases results",
            ));
        }
        let now = now_micros();
        let (saved, ()) = self
            .change_order(&order.id, Some(version), |doc| {
                for id in item_ids {
                    let item = doc.items.iter().find(|i| &i.id == id).ok_or_else(item_not_found)?;
                    let from = status_of(item)?;
                    if from != Lab::ResultsPendingReview {
                        return Err(refusal(
                            Code::FailedPrecondition,
                            "INVALID_TRANSITION",
                            format!("not possible while {}", from.name()),
                        ));
                    }
                }
                let mut references = Vec::new();
                for item in doc.items.iter_mut() {
                    let chosen = item_ids.is_empty() || item_ids.contains(&item.id);
                    if !chosen || item.status != Lab::ResultsPendingReview.name() {
                        continue;
                    }
                    item.status = Lab::Completed.name().to_owned();
                    item.released_by = me.clone();
                    item.released_at = Some(now);
                    for r in item.results.iter_mut().filter(|r| r.status == "PRELIMINARY") {
                        r.status = "FINAL".into();
                    }
                    let abnormal = item.results.iter().any(|r| !r.flag.is_empty() && r.flag != "N");
                    references.push(ResultReference {
                        patient_id: doc.patient_id.clone(),
                        item_id: item.id.clone(),
                        encounter_id: doc.encounter_id.clone(),
                        test_name: item.test_name.clone(),
                        released_at: now,
                        summary: if abnormal { "Abnormal" } else { "Normal" }.into(),
                    });
                }
                if references.is_empty() {
                    return Err(refusal(Code::FailedPrecondition, "NOTHING_TO_RELEASE", "no results wait for review"));
                }
                for reference in &references {
                    doc.outbox.push(reference.event().map_err(internal)?).map_err(internal)?;
                }
                let notice = Notice::released(&doc.patient_id, &order.id, &doc.doctor_id);
                doc.outbox.push(notice.event(&format!("{}:{now}", order.id)).map_err(internal)?).map_err(internal)?;
                settle(doc);
                Ok(())
            })
            .await?;
        Ok(saved)
    }
}
