//! Between the API's messages and the store's documents.

use hms_kit::docstore::audit::Entry;
use hms_kit::error::FieldViolations;
use hms_kit::ids::check_id;
use hms_kit::proto::common::Money;
use hms_kit::proto::pharmacy::*;
use hms_kit::time::{date_from_proto, iso_date_to_proto, micros_to_timestamp};

use crate::app::{Adjustment, NewItem, NewPrescription, PlannedLine, Receipt, StockChange, finding_to_proto};
use crate::domain::catalog::{DOSAGE_FORMS, is_code};
use crate::domain::status::Status as Rx;
use crate::store::{BatchDoc, DispenseDoc, LineDoc, MedicationDoc, PickDoc, PrescriptionDoc, StockDoc, Versioned};

const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 2000;
const MAX_ITEMS: usize = 50;
const MAX_LIST: usize = 20;
/// Units of one item or one batch.
const MAX_QUANTITY: i64 = 1_000_000;
const MAX_DAYS: i64 = 3650;

fn money(amount: i64, currency: &str) -> Option<Money> {
    Some(Money { amount_minor: amount, currency: currency.to_owned() })
}

/// Upper case ISO 4217, three letters.
fn check_money(v: &mut FieldViolations, field: &str, m: Option<&Money>, required: bool) -> (i64, String) {
    let Some(m) = m else {
        if required {
            v.add(field, "is required");
        }
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

fn words(v: &mut FieldViolations, field: &str, list: &[String]) -> Vec<String> {
    if list.len() > MAX_LIST {
        v.add(field, format!("at most {MAX_LIST} entries"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (n, w) in list.iter().enumerate() {
        let w = w.trim().to_lowercase();
        if w.is_empty() || w.chars().count() > 100 {
            v.add(format!("{field}[{n}]"), "must be 1 to 100 characters");
        }
        out.push(w);
    }
    out
}

pub fn medication_from_proto(v: &mut FieldViolations, m: Option<&Medication>) -> Option<MedicationDoc> {
    let Some(m) = m else {
        v.add("medication", "is required");
        return None;
    };
    let code = m.code.trim().to_uppercase();
    if !is_code(&code) {
        v.add("medication.code", "must be 2 to 16 upper case letters or digits");
    }
    v.text("medication.name", &m.name, MAX_NAME, true);
    v.text("medication.generic_name", &m.generic_name, MAX_NAME, true);
    v.text("medication.manufacturer", &m.manufacturer, MAX_NAME, false);
    v.text("medication.strength", &m.strength, 100, true);
    let classes = words(v, "medication.drug_classes", &m.drug_classes);
    let ingredients = words(v, "medication.ingredients", &m.ingredients);
    if ingredients.is_empty() {
        v.add("medication.ingredients", "at least one ingredient is required");
    }
    let form = DosageForm::try_from(m.dosage_form)
        .ok()
        .and_then(|f| f.as_str_name().strip_prefix("DOSAGE_FORM_"))
        .filter(|f| DOSAGE_FORMS.contains(f));
    if form.is_none() {
        v.add("medication.dosage_form", "is required");
    }
    let (unit_price, currency) = check_money(v, "medication.unit_price", m.unit_price.as_ref(), true);
    if m.reorder_level < 0 {
        v.add("medication.reorder_level", "must not be negative");
    }
    let name = m.name.trim().to_owned();
    Some(MedicationDoc {
        name_key: name.to_lowercase(),
        code,
        name,
        generic_name: m.generic_name.trim().to_owned(),
        classes,
        ingredients,
        manufacturer: m.manufacturer.trim().to_owned(),
        dosage_form: form.unwrap_or_default().to_owned(),
        strength: m.strength.trim().to_owned(),
        unit_price,
        currency,
        reorder_level: i64::from(m.reorder_level),
        active: m.active,
        created_at: 0,
        revision: 0,
        outbox: Default::default(),
    })
}

pub fn medication_to_proto(m: &Versioned<MedicationDoc>) -> Medication {
    let d = &m.doc;
    Medication {
        medication_id: m.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        generic_name: d.generic_name.clone(),
        drug_classes: d.classes.clone(),
        ingredients: d.ingredients.clone(),
        manufacturer: d.manufacturer.clone(),
        dosage_form: DosageForm::from_str_name(&format!("DOSAGE_FORM_{}", d.dosage_form)).unwrap_or_default().into(),
        strength: d.strength.clone(),
        unit_price: money(d.unit_price, &d.currency),
        reorder_level: i32::try_from(d.reorder_level).unwrap_or(i32::MAX),
        active: d.active,
        version: d.revision,
    }
}

pub fn prescription_from_proto(v: &mut FieldViolations, r: CreatePrescriptionRequest) -> NewPrescription {
    check_id(v, "patient_id", &r.patient_id);
    check_id(v, "encounter_id", &r.encounter_id);
    v.text("notes", &r.notes, MAX_TEXT, false);
    v.text("override_reason", &r.override_reason, MAX_TEXT, false);
    if r.items.is_empty() {
        v.add("items", "at least one item is required");
    }
    if r.items.len() > MAX_ITEMS {
        v.add("items", format!("at most {MAX_ITEMS} items"));
    }
    let mut items = Vec::with_capacity(r.items.len());
    for (n, i) in r.items.into_iter().enumerate() {
        let field = |name: &str| format!("items[{n}].{name}");
        check_id(v, &field("medication_id"), &i.medication_id);
        v.text(&field("dosage"), &i.dosage, MAX_NAME, true);
        v.text(&field("frequency"), &i.frequency, MAX_NAME, true);
        v.text(&field("instructions"), &i.instructions, MAX_TEXT, false);
        if !(1..=MAX_DAYS).contains(&i64::from(i.duration_days)) {
            v.add(field("duration_days"), format!("must be 1 to {MAX_DAYS}"));
        }
        if !(1..=MAX_QUANTITY).contains(&i64::from(i.quantity)) {
            v.add(field("quantity"), format!("must be 1 to {MAX_QUANTITY}"));
        }
        if items.iter().any(|earlier: &NewItem| earlier.medication_id == i.medication_id) {
            v.add(field("medication_id"), "appears twice; give one item the whole quantity");
        }
        items.push(NewItem {
            medication_id: i.medication_id,
            dosage: i.dosage.trim().to_owned(),
            frequency: i.frequency.trim().to_owned(),
            duration_days: i64::from(i.duration_days),
            quantity: i64::from(i.quantity),
            instructions: i.instructions.trim().to_owned(),
        });
    }
    NewPrescription {
        patient_id: r.patient_id,
        encounter_id: r.encounter_id,
        items,
        notes: r.notes.trim().to_owned(),
        override_reason: r.override_reason.trim().to_owned(),
    }
}

fn status_to_proto(status: &str) -> PrescriptionStatus {
    PrescriptionStatus::from_str_name(&format!("PRESCRIPTION_STATUS_{status}")).unwrap_or_default()
}

pub fn status_from_proto(status: i32) -> Option<Rx> {
    let name = PrescriptionStatus::try_from(status).ok()?.as_str_name().strip_prefix("PRESCRIPTION_STATUS_")?;
    Rx::parse(name)
}

fn pick_to_proto(p: &PickDoc) -> BatchPick {
    BatchPick {
        batch_id: p.batch_id.clone(),
        lot: p.lot.clone(),
        expiry_date: iso_date_to_proto(&p.expiry),
        quantity: i32::try_from(p.quantity).unwrap_or(i32::MAX),
    }
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn line_to_proto(l: &LineDoc) -> DispenseLine {
    DispenseLine {
        item_id: l.item_id.clone(),
        medication_id: l.medication_id.clone(),
        medication_name: l.medication_name.clone(),
        requested_quantity: count(l.requested),
        quantity: count(l.quantity),
        picks: l.picks.iter().map(pick_to_proto).collect(),
        unit_price: money(l.unit_price, &l.currency),
    }
}

pub fn planned_to_proto(p: &PlannedLine) -> DispenseLine {
    DispenseLine {
        item_id: p.request.item_id.clone(),
        medication_id: p.request.medication_id.clone(),
        medication_name: p.medication_name.clone(),
        requested_quantity: count(p.request.requested),
        quantity: count(p.picks.iter().map(|x| x.quantity).sum()),
        picks: p.picks.iter().map(pick_to_proto).collect(),
        unit_price: None,
    }
}

pub fn dispense_to_proto(d: &DispenseDoc) -> Dispense {
    let total = d.lines.iter().map(|l| l.unit_price.saturating_mul(l.quantity)).sum();
    let currency = d.lines.first().map(|l| l.currency.as_str()).unwrap_or("VND");
    Dispense {
        dispense_id: d.id.clone(),
        dispensed_by: d.by.clone(),
        dispense_time: Some(micros_to_timestamp(d.at)),
        lines: d.lines.iter().map(line_to_proto).collect(),
        total: money(total, currency),
    }
}

pub fn prescription_to_proto(rx: &Versioned<PrescriptionDoc>) -> Prescription {
    let d = &rx.doc;
    Prescription {
        prescription_id: rx.id.clone(),
        patient_id: d.patient_id.clone(),
        doctor_id: d.doctor_id.clone(),
        encounter_id: d.encounter_id.clone(),
        status: status_to_proto(&d.status).into(),
        items: d
            .items
            .iter()
            .map(|i| PrescriptionItem {
                item_id: i.id.clone(),
                medication_id: i.medication_id.clone(),
                medication_name: i.medication_name.clone(),
                dosage: i.dosage.clone(),
                frequency: i.frequency.clone(),
                duration_days: count(i.duration_days),
                quantity: count(i.quantity),
                dispensed_quantity: count(i.dispensed),
                instructions: i.instructions.clone(),
            })
            .collect(),
        notes: d.notes.clone(),
        create_time: Some(micros_to_timestamp(d.created_at)),
        overridden_findings: d.overridden.iter().map(finding_to_proto).collect(),
        override_reason: d.override_reason.clone(),
        verified_by: d.verified_by.clone(),
        verify_time: d.verified_at.map(micros_to_timestamp),
        dispenses: d.dispenses.iter().map(dispense_to_proto).collect(),
        cancel_reason: d.cancel_reason.clone(),
        version: d.revision,
    }
}

pub fn batch_to_proto(b: &BatchDoc, today: &str) -> Batch {
    Batch {
        batch_id: b.id.clone(),
        lot: b.lot.clone(),
        expiry_date: iso_date_to_proto(&b.expiry),
        quantity: count(b.quantity),
        unit_cost: money(b.unit_cost, &b.currency),
        receive_time: Some(micros_to_timestamp(b.received_at)),
        expired: b.expiry.as_str() <= today,
    }
}

/// The stock as of `today`, batches in dispensing order.
pub fn stock_to_proto(s: &Versioned<StockDoc>, today: &str) -> StockLevel {
    let d = &s.doc;
    let mut batches: Vec<&BatchDoc> = d.batches.iter().filter(|b| b.quantity > 0).collect();
    batches.sort_by(|a, b| a.expiry.cmp(&b.expiry).then(a.id.cmp(&b.id)));
    let on_hand: i64 = batches.iter().filter(|b| b.expiry.as_str() > today).map(|b| b.quantity).sum();
    let expired: i64 = batches.iter().filter(|b| b.expiry.as_str() <= today).map(|b| b.quantity).sum();
    StockLevel {
        medication_id: d.medication_id.clone(),
        medication_name: d.medication_name.clone(),
        on_hand: count(on_hand),
        expired_quantity: count(expired),
        reorder_level: count(d.reorder_level),
        low: on_hand < d.reorder_level,
        batches: batches.into_iter().map(|b| batch_to_proto(b, today)).collect(),
        version: s.version,
    }
}

pub fn stock_change_from_proto(v: &mut FieldViolations, r: &UpdateStockRequest) -> Option<StockChange> {
    check_id(v, "medication_id", &r.medication_id);
    match &r.change {
        None => {
            v.add("change", "receive or adjust is required");
            None
        }
        Some(update_stock_request::Change::Receive(b)) => {
            v.text("receive.lot", &b.lot, 100, true);
            let expiry = date_from_proto(v, "receive.expiry_date", b.expiry_date.as_ref());
            if !(1..=MAX_QUANTITY).contains(&i64::from(b.quantity)) {
                v.add("receive.quantity", format!("must be 1 to {MAX_QUANTITY}"));
            }
            let (unit_cost, currency) = check_money(v, "receive.unit_cost", b.unit_cost.as_ref(), false);
            Some(StockChange::Receive(Receipt {
                lot: b.lot.trim().to_owned(),
                expiry: expiry.map(|d| d.to_string()).unwrap_or_default(),
                quantity: i64::from(b.quantity),
                unit_cost,
                currency,
            }))
        }
        Some(update_stock_request::Change::Adjust(a)) => {
            check_id(v, "adjust.batch_id", &a.batch_id);
            if a.delta == 0 || i64::from(a.delta).abs() > MAX_QUANTITY {
                v.add("adjust.delta", format!("must be non-zero and at most {MAX_QUANTITY} either way"));
            }
            let reason = AdjustmentReason::try_from(a.reason)
                .ok()
                .filter(|r| *r != AdjustmentReason::Unspecified)
                .and_then(|r| r.as_str_name().strip_prefix("ADJUSTMENT_REASON_"))
                .map(str::to_owned);
            if reason.is_none() {
                v.add("adjust.reason", "is required");
            }
            v.text("adjust.note", &a.note, MAX_TEXT, false);
            Some(StockChange::Adjust(Adjustment {
                batch_id: a.batch_id.clone(),
                delta: i64::from(a.delta),
                reason: reason.unwrap_or_default(),
                note: a.note.trim().to_owned(),
            }))
        }
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
