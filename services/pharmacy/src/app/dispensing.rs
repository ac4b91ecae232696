//! Dispensing, earliest-expiring unexpired batches first, never below zero.
//!
//! The document store has no transaction over two documents, so a dispense
//! is three conditional writes, each safe to repeat:
//! 1. the prescription records the dispense under way (its id and what it
//!    asks of each item): one dispense at a time per prescription;
//! 2. each medication's stock document takes its units from its batches and
//!    records the take under the dispense's id in the same write, so a
//!    repeated take finds it and takes nothing twice;
//! 3. the prescription records what was taken, its status, and the events
//!    (invoice, ready for pickup) in the same write, and drops the
//!    dispense under way.
//!
//! A dispense interrupted between the writes (a crash, a lost connection) is
//! finished by the next dispense of the prescription or by the recovery
//! worker, from the record of step 1. The takes' records leave the stock
//! documents some dispenses later (see [`FINISHED_KEPT`]): once a few are
//! open, a take of the medication, which writes the stock anyway, marks
//! those whose dispense is recorded, so a dispense costs no write of its own
//! to forget them.

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, refusal, refusal_with};
use hms_kit::ids::new_id;
use hms_kit::time::{duration_micros, now_micros};
use tonic::{Code, Status};

use super::{ATTEMPTS, State, contended};
use crate::domain::fefo::{self, Lot};
use crate::domain::status::{Status as Rx, Step};
use crate::events::{DispenseInvoice, InvoiceLine, Notice, StockLow};
use crate::store::{
    DispenseDoc, InFlight, JournalDoc, LineDoc, PickDoc, PrescriptionDoc, RequestDoc, StockDoc, StoreError, Versioned,
};

/// Finished takes kept per medication. Two finishers of one dispense (the
/// request and the recovery worker, or the recovery workers of two
/// replicas) could overlap; the later must find the take, not take again.
/// The request stops taking once it is halfway to the recovery's turn, and
/// the recovery reads the prescription before each take, so the later
/// finisher would have to lose a write to the earlier one and then, before
/// its immediate second read, see this many other dispenses of the
/// medication finish. Takes of dispenses not yet recorded are never
/// dropped. Kept small: the stock document is read and written whole by
/// every take.
const FINISHED_KEPT: usize = 8;

/// Open takes (their dispense not known to be recorded) on a stock
/// document before a take looks up which of them are recorded.
const OPEN_BEFORE_MARKING: usize = 8;

/// Who finishes a dispense: the request that began it, or the recovery of
/// an interrupted one.
#[derive(Clone, Copy)]
enum Finisher {
    Request,
    Recovery,
}

/// A line of a preview: the batches a dispense would take now.
pub struct PlannedLine {
    pub request: RequestDoc,
    pub medication_name: String,
    pub picks: Vec<PickDoc>,
}

pub type Plan = Vec<PlannedLine>;

fn not_found() -> Status {
    Status::not_found("no such prescription")
}

/// The journal key of one item's take in one dispense.
fn take_key(dispense_id: &str, item_id: &str) -> String {
    format!("{dispense_id}:{item_id}")
}

/// The stock's on-hand units, earliest expiry and low flag as of `today`.
pub(super) fn settle(stock: &mut StockDoc, today: &str) {
    stock.on_hand = stock.batches.iter().filter(|b| b.expiry.as_str() > today).map(|b| b.quantity).sum();
    stock.next_expiry = stock.batches.iter().filter(|b| b.quantity > 0).map(|b| b.expiry.clone()).min();
    stock.low = stock.on_hand < stock.reorder_level;
}

/// The event of a stock that fell below its reorder level with this write.
pub(super) fn crossed_low(before_low: bool, stock: &mut StockDoc) -> Result<(), Status> {
    if before_low || !stock.low {
        return Ok(());
    }
    let low = StockLow {
        medication_id: stock.medication_id.clone(),
        medication_name: stock.medication_name.clone(),
        quantity_left: stock.on_hand,
        reorder_level: stock.reorder_level,
    };
    let event = low.event().map_err(hms_kit::error::internal)?;
    stock.outbox.push(event).map_err(hms_kit::error::internal)
}

impl State {
    /// What a dispense of everything left would take now; changes nothing.
    pub async fn preview(&self, c: &Caller, id: &str) -> Result<Plan, Status> {
        let rx = self.store.prescription(id).await?.ok_or_else(not_found)?;
        let today = self.today();
        let mut plan = Vec::new();
        for request in remaining(&rx.doc) {
            let stock = self.store.stock(&request.medication_id).await?;
            let picks = stock.map(|s| plan_picks(&s.doc, &today, request.requested)).unwrap_or_default();
            let medication_name = item_name(&rx.doc, &request.item_id);
            plan.push(PlannedLine { request, medication_name, picks });
        }
        let patient = rx.doc.patient_id.clone();
        self.audited(c, "PreviewDispense", &patient, id, "", Ok(plan)).await
    }

    /// Dispenses `wanted` (item id, units; empty: everything left) of a
    /// verified prescription; audited.
    pub async fn dispense(
        &self,
        c: &Caller,
        id: &str,
        wanted: &[(String, i64)],
    ) -> Result<(Versioned<PrescriptionDoc>, DispenseDoc), Status> {
        let rx = self.store.prescription(id).await?.ok_or_else(not_found)?;
        let patient = rx.doc.patient_id.clone();
        let result = async {
            let (claimed, in_flight) = self.claim(c, rx, wanted).await?;
            let (saved, dispense) = self.complete(claimed, &in_flight, Finisher::Request).await?;
            // None: finished by the recovery worker meanwhile, with nothing taken.
            dispense.map(|d| (saved, d)).ok_or_else(|| out_of_stock(false))
        }
        .await;
        self.audited(c, "DispensePrescription", &patient, id, "", result).await
    }

    /// Step 1: records the dispense under way on the prescription.
    async fn claim(
        &self,
        c: &Caller,
        read: Versioned<PrescriptionDoc>,
        wanted: &[(String, i64)],
    ) -> Result<(Versioned<PrescriptionDoc>, InFlight), Status> {
        let id = read.id.clone();
        // The caller's read first; after a conflict, a fresh one.
        let mut first = Some(read);
        for attempt in 0..ATTEMPTS {
            let rx = match first.take() {
                Some(rx) => rx,
                None => self.store.prescription(&id).await?.ok_or_else(not_found)?,
            };
            if let Some(earlier) = &rx.doc.dispensing {
                let interrupted = now_micros() - earlier.at > duration_micros(self.interrupted_after);
                if !interrupted {
                    return Err(refusal(Code::FailedPrecondition, "DISPENSE_UNDER_WAY", "it is being dispensed"));
                }
                let earlier = earlier.clone();
                self.complete(rx, &earlier, Finisher::Recovery).await?;
                continue;
            }
            super::prescribing::moved(&rx.doc, Step::Dispense)?;
            let requests = requests(&rx.doc, wanted)?;
            let now = now_micros();
            let in_flight = InFlight { id: new_id(), by: c.principal.subject.clone(), at: now, requests };
            let mut doc = rx.doc;
            doc.dispensing = Some(in_flight.clone());
            doc.dispensing_since = Some(now);
            match self.store.save_prescription(&id, &doc, rx.version).await {
                Ok(saved) => return Ok((saved, in_flight)),
                Err(StoreError::Conflict) => contended(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Steps 2 and 3 of `in_flight`, from wherever it stopped. The
    /// dispense, or none when it was finished meanwhile by another.
    async fn complete(
        &self,
        rx: Versioned<PrescriptionDoc>,
        in_flight: &InFlight,
        finisher: Finisher,
    ) -> Result<(Versioned<PrescriptionDoc>, Option<DispenseDoc>), Status> {
        let mut lines = Vec::with_capacity(in_flight.requests.len());
        let mut expired_only = false;
        let halfway = in_flight.at + duration_micros(self.interrupted_after) / 2;
        let deadline = match finisher {
            Finisher::Request => Some(halfway),
            Finisher::Recovery => None,
        };
        for request in &in_flight.requests {
            match finisher {
                Finisher::Request if now_micros() > halfway => return Err(delayed()),
                Finisher::Recovery => {
                    let current = self.store.prescription(&rx.id).await?.ok_or_else(not_found)?;
                    if current.doc.dispensing.as_ref().map(|d| d.id.as_str()) != Some(in_flight.id.as_str()) {
                        let done = current.doc.dispenses.iter().find(|d| d.id == in_flight.id).cloned();
                        return Ok((current, done));
                    }
                }
                Finisher::Request => {}
            }
            let key = take_key(&in_flight.id, &request.item_id);
            let (picks, expired) = self.take(&rx.id, &request.medication_id, &key, request.requested, deadline).await?;
            expired_only |= expired;
            let item = rx.doc.items.iter().find(|i| i.id == request.item_id);
            lines.push(LineDoc {
                item_id: request.item_id.clone(),
                medication_id: request.medication_id.clone(),
                medication_name: item.map(|i| i.medication_name.clone()).unwrap_or_default(),
                requested: request.requested,
                quantity: picks.iter().map(|p| p.quantity).sum(),
                picks,
                unit_price: item.map_or(0, |i| i.unit_price),
                currency: item.map(|i| i.currency.clone()).unwrap_or_default(),
            });
        }
        let dispense = DispenseDoc { id: in_flight.id.clone(), by: in_flight.by.clone(), at: now_micros(), lines };
        let taken: i64 = dispense.lines.iter().map(|l| l.quantity).sum();
        let mut current = rx;
        for attempt in 0..ATTEMPTS {
            if current.doc.dispensing.as_ref().map(|d| d.id.as_str()) != Some(in_flight.id.as_str()) {
                // Finished by another (the recovery worker, a second try).
                let done = current.doc.dispenses.iter().find(|d| d.id == in_flight.id).cloned();
                return Ok((current, done));
            }
            let mut doc = current.doc.clone();
            doc.dispensing = None;
            doc.dispensing_since = None;
            if taken > 0 {
                record(&mut doc, &dispense, &current.id, &self.pickup_location)?;
            }
            match self.store.save_prescription(&current.id, &doc, current.version).await {
                Ok(saved) => {
                    if taken == 0 {
                        return Err(out_of_stock(expired_only));
                    }
                    return Ok((saved, Some(dispense)));
                }
                Err(StoreError::Conflict) => {
                    contended(attempt).await;
                    current = self.store.prescription(&current.id).await?.ok_or_else(not_found)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Step 2 for one item of prescription `rx_id`: up to `wanted` units of
    /// the medication, earliest expiry first, recorded under `key`; the
    /// picks, and whether the only units on the shelf had expired. No
    /// attempt starts after `deadline` (the request's halfway mark).
    async fn take(
        &self,
        rx_id: &str,
        medication_id: &str,
        key: &str,
        wanted: i64,
        deadline: Option<i64>,
    ) -> Result<(Vec<PickDoc>, bool), Status> {
        for attempt in 0..ATTEMPTS {
            if deadline.is_some_and(|d| now_micros() > d) {
                return Err(delayed());
            }
            let Some(stock) = self.store.stock(medication_id).await? else { return Ok((Vec::new(), false)) };
            if let Some(done) = stock.doc.journal.iter().find(|j| j.dispense_id == key) {
                return Ok((done.picks.clone(), false));
            }
            let today = self.today();
            let picks = plan_picks(&stock.doc, &today, wanted);
            if picks.is_empty() {
                let expired = stock.doc.batches.iter().any(|b| b.quantity > 0);
                return Ok((picks, expired));
            }
            let mut next = stock.doc;
            let before_low = next.low;
            for pick in &picks {
                if let Some(batch) = next.batches.iter_mut().find(|b| b.id == pick.batch_id) {
                    batch.quantity -= pick.quantity;
                }
            }
            settle(&mut next, &today);
            crossed_low(before_low, &mut next)?;
            self.mark_recorded(&mut next.journal).await?;
            prune(&mut next.journal);
            next.journal.push(JournalDoc {
                dispense_id: key.to_owned(),
                prescription_id: rx_id.to_owned(),
                picks: picks.clone(),
                at: now_micros(),
                finished: false,
            });
            match self.store.save_stock(&next, stock.version).await {
                Ok(_) => return Ok((picks, false)),
                Err(StoreError::Conflict) => contended(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Marks finished the takes whose dispense is recorded: their
    /// prescription no longer has it under way. The take was written after
    /// the dispense was claimed, so a prescription without it has moved
    /// past it for good.
    /// Looked at once [`OPEN_BEFORE_MARKING`] are open, so that most takes
    /// spend no read on it.
    async fn mark_recorded(&self, journal: &mut [JournalDoc]) -> Result<(), Status> {
        let open = |j: &JournalDoc| !j.finished && !j.prescription_id.is_empty();
        let mut ids: Vec<&str> = journal.iter().filter(|j| open(j)).map(|j| j.prescription_id.as_str()).collect();
        if ids.len() < OPEN_BEFORE_MARKING {
            return Ok(());
        }
        ids.sort_unstable();
        ids.dedup();
        let current = self.store.prescriptions(&ids).await?;
        let now = now_micros();
        for j in journal.iter_mut().filter(|j| open(j)) {
            let dispense = j.dispense_id.split_once(':').map_or(j.dispense_id.as_str(), |(d, _)| d);
            let under_way = current
                .iter()
                .find(|rx| rx.id == j.prescription_id)
                .and_then(|rx| rx.doc.dispensing.as_ref())
                .is_some_and(|d| d.id == dispense);
            if !under_way {
                (j.finished, j.at) = (true, now);
            }
        }
        Ok(())
    }

    /// Finishes dispenses interrupted longer ago than `interrupted_after`;
    /// how many.
    pub async fn finish_interrupted(&self) -> Result<usize, Status> {
        let before = now_micros() - duration_micros(self.interrupted_after);
        let mut finished = 0;
        for rx in self.store.interrupted_dispenses(before, 32).await? {
            let Some(in_flight) = rx.doc.dispensing.clone() else { continue };
            tracing::warn!(prescription = %rx.id, dispense = %in_flight.id, "finishing an interrupted dispense");
            match self.complete(rx, &in_flight, Finisher::Recovery).await {
                Ok(_) => finished += 1,
                Err(e) if e.code() == Code::FailedPrecondition => finished += 1,
                Err(e) => tracing::warn!(error = %e.message(), "an interrupted dispense could not be finished yet"),
            }
        }
        Ok(finished)
    }
}

/// Drops all but the newest [`FINISHED_KEPT`] finished takes.
fn prune(journal: &mut Vec<JournalDoc>) {
    let finished = journal.iter().filter(|j| j.finished).count();
    if finished <= FINISHED_KEPT {
        return;
    }
    let mut ages: Vec<i64> = journal.iter().filter(|j| j.finished).map(|j| j.at).collect();
    ages.sort_unstable();
    let cutoff = ages[finished - FINISHED_KEPT];
    journal.retain(|j| !j.finished || j.at >= cutoff);
}

/// Records a dispense on the prescription, with its events.
fn record(doc: &mut PrescriptionDoc, dispense: &DispenseDoc, id: &str, location: &str) -> Result<(), Status> {
    for line in &dispense.lines {
        if let Some(item) = doc.items.iter_mut().find(|i| i.id == line.item_id) {
            item.dispensed += line.quantity;
        }
    }
    let complete = doc.items.iter().all(|i| i.dispensed >= i.quantity);
    doc.status = if complete { Rx::DispensedFull } else { Rx::DispensedPartial }.name().into();
    if complete {
        doc.queue = None;
    }
    doc.dispenses.push(dispense.clone());
    let invoice = DispenseInvoice {
        dispense_id: dispense.id.clone(),
        patient_id: doc.patient_id.clone(),
        lines: dispense
            .lines
            .iter()
            .filter(|l| l.quantity > 0)
            .map(|l| InvoiceLine {
                medication_name: l.medication_name.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                currency: l.currency.clone(),
            })
            .collect(),
    };
    let internal = hms_kit::error::internal;
    doc.outbox.push(invoice.event(id).map_err(internal)?).map_err(internal)?;
    let ready = Notice::ready_for_pickup(&doc.patient_id, id, location);
    doc.outbox.push(ready.event(&dispense.id).map_err(internal)?).map_err(internal)?;
    Ok(())
}

fn delayed() -> Status {
    refusal(
        Code::Unavailable,
        "DISPENSE_DELAYED",
        "the dispense is taking long; it will be finished shortly, read the prescription again",
    )
}

fn out_of_stock(expired_only: bool) -> Status {
    let message = if expired_only {
        "nothing on hand to dispense: the only units left have expired"
    } else {
        "nothing on hand to dispense"
    };
    refusal_with(Code::FailedPrecondition, "OUT_OF_STOCK", message, [("expired_only", expired_only.to_string())])
}

/// What is left to dispense of each item.
fn remaining(doc: &PrescriptionDoc) -> Vec<RequestDoc> {
    doc.items
        .iter()
        .filter(|i| i.dispensed < i.quantity)
        .map(|i| RequestDoc {
            item_id: i.id.clone(),
            medication_id: i.medication_id.clone(),
            requested: i.quantity - i.dispensed,
        })
        .collect()
}

/// The requests of a dispense of `wanted`, checked against what is left.
fn requests(doc: &PrescriptionDoc, wanted: &[(String, i64)]) -> Result<Vec<RequestDoc>, Status> {
    let requests = if wanted.is_empty() {
        remaining(doc)
    } else {
        let mut v = FieldViolations::new();
        let mut requests = Vec::with_capacity(wanted.len());
        for (n, (item_id, quantity)) in wanted.iter().enumerate() {
            let Some(item) = doc.items.iter().find(|i| &i.id == item_id) else {
                v.add(format!("items[{n}].item_id"), "is not an item of this prescription");
                continue;
            };
            if wanted[..n].iter().any(|(earlier, _)| earlier == item_id) {
                v.add(format!("items[{n}].item_id"), "appears twice");
            }
            let left = item.quantity - item.dispensed;
            if *quantity > left {
                return Err(refusal_with(
                    Code::FailedPrecondition,
                    "OVER_DISPENSE",
                    format!("only {left} unit(s) of {} are left to dispense", item.medication_name),
                    [("item_id", item.id.clone()), ("left", left.to_string())],
                ));
            }
            requests.push(RequestDoc {
                item_id: item.id.clone(),
                medication_id: item.medication_id.clone(),
                requested: *quantity,
            });
        }
        v.into_result()?;
        requests
    };
    if requests.is_empty() {
        return Err(refusal(Code::FailedPrecondition, "NOTHING_TO_DISPENSE", "everything was dispensed already"));
    }
    Ok(requests)
}

fn plan_picks(stock: &StockDoc, today: &str, wanted: i64) -> Vec<PickDoc> {
    let lots: Vec<Lot<'_>> =
        stock.batches.iter().map(|b| Lot { id: &b.id, expiry: &b.expiry, quantity: b.quantity }).collect();
    fefo::pick(&lots, today, wanted)
        .into_iter()
        .filter_map(|(id, quantity)| {
            let batch = stock.batches.iter().find(|b| b.id == id)?;
            Some(PickDoc { batch_id: batch.id.clone(), lot: batch.lot.clone(), expiry: batch.expiry.clone(), quantity })
        })
        .collect()
}

fn item_name(doc: &PrescriptionDoc, item_id: &str) -> String {
    doc.items.iter().find(|i| i.id == item_id).map(|i| i.medication_name.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::BatchDoc;

    fn stock(quantity: i64) -> StockDoc {
        StockDoc {
            medication_id: "m1".into(),
            medication_name: "Paracetamol 500 mg tablet".into(),
            name_key: "paracetamol 500 mg tablet".into(),
            reorder_level: 10,
            batches: vec![BatchDoc {
                id: "b1".into(),
                lot: "L1".into(),
                expiry: "2099-01-01".into(),
                quantity,
                unit_cost: 0,
                currency: "VND".into(),
                received_at: 0,
            }],
            on_hand: 0,
            low: false,
            next_expiry: None,
            journal: Vec::new(),
            outbox: Default::default(),
        }
    }

    /// Takes `units` as a dispense would; the events it wrote.
    fn take(s: &mut StockDoc, units: i64) -> usize {
        let before_low = s.low;
        s.batches[0].quantity -= units;
        settle(s, "2026-12-07");
        crossed_low(before_low, s).unwrap();
        std::mem::take(&mut s.outbox.outbox).len()
    }

    #[test]
    fn low_stock_is_announced_once_per_crossing() {
        let mut s = stock(12);
        settle(&mut s, "2026-12-07");
        assert!(!s.low);
        assert_eq!(take(&mut s, 1), 0, "11 is not below 10");
        assert_eq!(take(&mut s, 2), 1, "9 crossed below 10");
        assert_eq!(take(&mut s, 2), 0, "still below: no second alert");
        s.batches[0].quantity += 20;
        settle(&mut s, "2026-12-07");
        assert!(!s.low, "restocked");
        assert_eq!(take(&mut s, 20), 1, "a new crossing, a new alert");
    }

    #[test]
    fn only_the_newest_finished_takes_are_kept() {
        let mut journal: Vec<JournalDoc> = (0..100)
            .map(|n| JournalDoc {
                dispense_id: format!("d{n}"),
                prescription_id: format!("rx{n}"),
                picks: Vec::new(),
                at: n,
                finished: n % 10 != 0,
            })
            .collect();
        prune(&mut journal);
        let finished = journal.iter().filter(|j| j.finished).count();
        assert_eq!(finished, FINISHED_KEPT);
        assert_eq!(journal.iter().filter(|j| !j.finished).count(), 10, "unfinished takes are never dropped");
        let newest = 100 - i64::try_from(FINISHED_KEPT).unwrap() - 10;
        assert!(journal.iter().filter(|j| j.finished).all(|j| j.at >= newest), "the newest are kept");
    }
}
