//! Stock: receiving batches, adjusting them with a reason, the stock list
//! and the expiry report.

use hms_kit::auth::Caller;
use hms_kit::error::{refusal, refusal_with};
use hms_kit::ids::new_id;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::dispensing::{crossed_low, settle};
use super::{ATTEMPTS, State, contended};
use crate::store::{BatchDoc, MoveDoc, PageOf, StockDoc, StoreError, Versioned};

pub struct Receipt {
    pub lot: String,
    /// ISO date.
    pub expiry: String,
    pub quantity: i64,
    pub unit_cost: i64,
    pub currency: String,
}

pub struct Adjustment {
    pub batch_id: String,
    pub delta: i64,
    /// DAMAGE, COUNT_CORRECTION, EXPIRED_DISPOSAL, RETURN_TO_SUPPLIER.
    pub reason: String,
    pub note: String,
}

pub enum StockChange {
    Receive(Receipt),
    Adjust(Adjustment),
}

impl State {
    /// Receives a batch or adjusts one, in one conditional write of the
    /// medication's stock; logged as a stock move.
    pub async fn update_stock(
        &self,
        c: &Caller,
        medication_id: &str,
        change: StockChange,
    ) -> Result<Versioned<StockDoc>, Status> {
        let today = self.today();
        for attempt in 0..ATTEMPTS {
            let stock = self
                .store
                .stock(medication_id)
                .await?
                .ok_or_else(|| Status::not_found("no such medication in the catalog"))?;
            let mut next = stock.doc.clone();
            let before_low = next.low;
            let movement = match &change {
                StockChange::Receive(r) => {
                    if r.expiry.as_str() <= today.as_str() {
                        return Err(refusal(
                            Code::FailedPrecondition,
                            "BATCH_EXPIRED",
                            "this batch has expired already",
                        ));
                    }
                    let id = new_id();
                    next.batches.push(BatchDoc {
                        id: id.clone(),
                        lot: r.lot.clone(),
                        expiry: r.expiry.clone(),
                        quantity: r.quantity,
                        unit_cost: r.unit_cost,
                        currency: r.currency.clone(),
                        received_at: now_micros(),
                    });
                    (id, "RECEIVE".to_owned(), r.quantity, format!("lot {}", r.lot))
                }
                StockChange::Adjust(a) => {
                    let batch = next
                        .batches
                        .iter_mut()
                        .find(|b| b.id == a.batch_id)
                        .ok_or_else(|| Status::not_found("no such batch of this medication"))?;
                    if batch.quantity + a.delta < 0 {
                        return Err(refusal_with(
                            Code::FailedPrecondition,
                            "INSUFFICIENT_STOCK",
                            format!("the batch holds {} unit(s)", batch.quantity),
                            [("on_hand", batch.quantity.to_string())],
                        ));
                    }
                    batch.quantity += a.delta;
                    (a.batch_id.clone(), a.reason.clone(), a.delta, a.note.clone())
                }
            };
            settle(&mut next, &today);
            crossed_low(before_low, &mut next)?;
            match self.store.save_stock(&next, stock.version).await {
                Ok(saved) => {
                    let (batch_id, kind, delta, note) = movement;
                    let record = MoveDoc {
                        medication_id: medication_id.to_owned(),
                        batch_id,
                        kind,
                        delta,
                        note,
                        by: c.principal.subject.clone(),
                        at: now_micros(),
                    };
                    self.store.insert_move(&new_id(), &record).await?;
                    tracing::info!(medication = medication_id, kind = %record.kind, delta, "stock updated");
                    return Ok(saved);
                }
                Err(StoreError::Conflict) => contended(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    pub async fn list_stock(
        &self,
        low_only: bool,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<StockDoc>, Status> {
        Ok(self.store.list_stock(low_only, after, limit).await?)
    }

    /// Batches with units left that expire before `cutoff` (ISO date),
    /// soonest first, with their medication.
    pub async fn expiring(&self, cutoff: &str) -> Result<Vec<(StockDoc, BatchDoc)>, Status> {
        let mut found = Vec::new();
        for stock in self.store.expiring(cutoff, 500).await? {
            for batch in &stock.batches {
                if batch.quantity > 0 && batch.expiry.as_str() < cutoff {
                    found.push((stock.clone(), batch.clone()));
                }
            }
        }
        found.sort_by(|a, b| a.1.expiry.cmp(&b.1.expiry));
        Ok(found)
    }
}
