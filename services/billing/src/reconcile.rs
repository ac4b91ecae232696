//! The reconciliation job: card payments left PENDING (an answer lost, a
//! webhook missed, a payer who walked away) are settled against their
//! provider. Past `patience` a payment still waiting for its payer is
//! abandoned at the provider, so its amount is free to be paid again.
//! Refunds left PENDING are asked for again (the provider makes one per id).
//! Settling is conditional on PENDING, so replicas running it at the same
//! time, or a webhook arriving meanwhile, never credit twice.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::time::now_micros;

use crate::app::State;
use crate::store::{self, PaymentStatus, RefundStatus};

pub struct ReconcileWorker {
    pub state: Arc<State>,
    pub poll_interval: Duration,
    /// A payment younger than this is left to its payer and webhooks.
    pub grace: Duration,
    /// A payment still waiting for its payer after this is abandoned.
    pub patience: Duration,
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub settled: usize,
    pub abandoned: usize,
    pub still_pending: usize,
    pub refunds_settled: usize,
}

/// Payments looked at per pass; the rest wait for the next.
const PASS_SIZE: i64 = 100;

impl ReconcileWorker {
    /// Runs passes until `stop` resolves.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            match self.run_once().await {
                Ok(pass) if pass == Pass::default() => {}
                Ok(pass) => tracing::info!(?pass, "card payments reconciled"),
                Err(e) => tracing::warn!(error = %e, "reconciliation pass failed"),
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    pub async fn run_once(&self) -> anyhow::Result<Pass> {
        let now = now_micros();
        let before = now - micros(self.grace);
        let mut pass = Pass::default();
        for payment in store::pending_card_payments(&self.state.db, before, PASS_SIZE).await? {
            let stale = payment.created_at < now - micros(self.patience);
            let id = payment.id.clone();
            let asked = if stale { self.state.abandon(payment).await } else { self.state.reconcile(payment, "").await };
            if let Err(status) = asked {
                tracing::debug!(payment = %id, %status, "reconciliation answer");
            }
            match store::payment_by_id(&self.state.db, &id).await?.map(|p| p.status) {
                Some(PaymentStatus::Pending) | None => pass.still_pending += 1,
                Some(_) if stale => pass.abandoned += 1,
                Some(_) => pass.settled += 1,
            }
        }
        for refund in store::pending_refunds(&self.state.db, before, PASS_SIZE).await? {
            let Some(payment) = store::payment_by_id(&self.state.db, &refund.payment_id).await? else { continue };
            let currency = self.state.reload(&refund.invoice_id).await.map(|i| i.currency).unwrap_or_default();
            match self.state.execute_refund(refund, &payment, &currency).await {
                Ok(r) if r.status != RefundStatus::Pending => pass.refunds_settled += 1,
                Ok(_) | Err(_) => pass.still_pending += 1,
            }
        }
        Ok(pass)
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
