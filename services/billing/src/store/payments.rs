//! Payments: card payments begun PENDING and settled later, immediate
//! (manual) payments, each once per idempotency key and never beyond the
//! invoice's balance.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, StoreError, retry_transient};
use hms_kit::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{decode, get_invoice};
use crate::domain::{Method, open_statuses_sql};
use crate::provider::Charge;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Success,
    Failed,
    /// Refunded in full.
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Success => "SUCCESS",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::Refunded => "REFUNDED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PENDING" => PaymentStatus::Pending,
            "SUCCESS" => PaymentStatus::Success,
            "FAILED" => PaymentStatus::Failed,
            "REFUNDED" => PaymentStatus::Refunded,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: String,
    pub invoice_id: String,
    pub patient_id: String,
    pub amount: i64,
    pub method: Method,
    pub status: PaymentStatus,
    pub idempotency_key: String,
    pub fingerprint: String,
    /// The provider's id: of the charge, or of the intent or order while
    /// the payer has not finished.
    pub transaction_id: String,
    pub card_last4: String,
    pub failure_reason: String,
    pub created_at: i64,
    /// The provider of a card payment; empty for manual ones.
    pub provider: String,
    pub card_brand: String,
    /// Refunded so far, succeeded or pending.
    pub refunded: i64,
}

const PAYMENT_COLUMNS: &str = "id, invoice_id, patient_id, amount, method, status, idempotency_key, fingerprint, \
                               transaction_id, card_last4, failure_reason, created_at, provider, card_brand, refunded";

fn payment_row(row: &AnyRow) -> Result<PaymentRow, sqlx::Error> {
    let method: String = row.try_get("method")?;
    let status: String = row.try_get("status")?;
    Ok(PaymentRow {
        id: row.try_get("id")?,
        invoice_id: row.try_get("invoice_id")?,
        patient_id: row.try_get("patient_id")?,
        amount: row.try_get("amount")?,
        method: decode("payment method", Method::parse(&method))?,
        status: decode("payment status", PaymentStatus::parse(&status))?,
        idempotency_key: row.try_get("idempotency_key")?,
        fingerprint: row.try_get("fingerprint")?,
        transaction_id: row.try_get("transaction_id")?,
        card_last4: row.try_get("card_last4")?,
        failure_reason: row.try_get("failure_reason")?,
        created_at: row.try_get("created_at")?,
        provider: row.try_get("provider")?,
        card_brand: row.try_get("card_brand")?,
        refunded: row.try_get("refunded")?,
    })
}

pub async fn payment_by_key(db: &Db, key: &str) -> Result<Option<PaymentRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = ?"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(payment_row).transpose()?)
}

pub async fn payment_by_id(db: &Db, id: &str) -> Result<Option<PaymentRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(payment_row).transpose()?)
}

/// Card payments still PENDING that began before `before` (micros), oldest
/// first: what the reconciliation worker asks the providers about.
pub async fn pending_card_payments(db: &Db, before: i64, limit: i64) -> Result<Vec<PaymentRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE status = 'PENDING' AND created_at < ? ORDER BY created_at LIMIT ?"
    ))
    .bind(before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(payment_row).collect::<sqlx::Result<_>>()?)
}

/// Keeps the provider's id of a payment the payer is finishing (the
/// Stripe intent, the VNPay order).
pub async fn set_payment_reference(db: &Db, payment_id: &str, reference: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE payments SET transaction_id = ?, updated_at = ? WHERE id = ? AND status = 'PENDING'")
        .bind(reference)
        .bind(now_micros())
        .bind(payment_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether a provider's event was handled before.
pub async fn provider_event_seen(db: &Db, provider: &str, event_id: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 FROM provider_events WHERE provider = ? AND event_id = ?")
        .bind(provider)
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Records a handled event; false when it was recorded already (a replay
/// racing this one). Handling is idempotent by itself (settling is
/// conditional on PENDING); this keeps the replay's answer and the log.
pub async fn record_provider_event(
    db: &Db,
    provider: &str,
    event_id: &str,
    payment_id: &str,
    outcome: &str,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO provider_events (provider, event_id, payment_id, outcome, received_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(provider)
    .bind(event_id)
    .bind(payment_id)
    .bind(outcome)
    .bind(now_micros())
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) => {
            let e = StoreError::from(e);
            if e.is_unique_violation() { Ok(false) } else { Err(e) }
        }
    }
}

pub async fn payments_of(db: &Db, invoice_id: &str) -> Result<Vec<PaymentRow>, StoreError> {
    let rows =
        sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE invoice_id = ? ORDER BY created_at, id"))
            .bind(invoice_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.iter().map(payment_row).collect::<sqlx::Result<_>>()?)
}

/// What starting a payment found.
#[derive(Debug)]
pub enum Begun {
    /// Written: PENDING (card, amount reserved) or SUCCESS (cash, applied).
    New(PaymentRow),
    /// The key was used before; the caller compares fingerprints.
    Existing(PaymentRow),
    /// The amount exceeds the balance.
    Overpayment,
    /// The invoice does not take payments in its status.
    NotOpen,
}

pub(super) async fn insert_payment(tx: &mut Transaction<'static, Any>, p: &PaymentRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO payments ({PAYMENT_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&p.id)
    .bind(&p.invoice_id)
    .bind(&p.patient_id)
    .bind(p.amount)
    .bind(p.method.as_str())
    .bind(p.status.as_str())
    .bind(&p.idempotency_key)
    .bind(&p.fingerprint)
    .bind(&p.transaction_id)
    .bind(&p.card_last4)
    .bind(&p.failure_reason)
    .bind(p.created_at)
    .bind(&p.provider)
    .bind(&p.card_brand)
    .bind(p.refunded)
    .bind(p.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The CASE that recomputes an invoice's status when `?` is credited: set
/// first in an UPDATE, so both dialects evaluate it on the old amounts.
pub(super) const CREDITED_STATUS: &str =
    "status = CASE WHEN paid_patient + paid_insurance + ? >= total THEN 'PAID' ELSE 'PARTIALLY_PAID' END";

/// Starts a payment: the payment row and, in the same transaction, either
/// the reservation of its amount (`pending`, for a card charge still to be
/// made) or its crediting (an immediate payment). The conditional UPDATE is
/// what refuses overpayment, whatever runs concurrently.
/// An admin's manual payment comes with `by_admin`, its audit-log entry.
pub async fn begin_payment(
    db: &Db,
    payment: &PaymentRow,
    event: Option<&Event>,
    by_admin: Option<&AdminActionEvent>,
) -> Result<Begun, StoreError> {
    match retry_transient(|| try_begin_payment(db, payment, event, by_admin)).await {
        Err(e) if e.is_unique_violation() => match payment_by_key(db, &payment.idempotency_key).await? {
            Some(existing) => Ok(Begun::Existing(existing)),
            None => Err(e),
        },
        other => other,
    }
}

async fn try_begin_payment(
    db: &Db,
    payment: &PaymentRow,
    event: Option<&Event>,
    by_admin: Option<&AdminActionEvent>,
) -> Result<Begun, StoreError> {
    let mut tx = db.pool.begin().await?;
    insert_payment(&mut tx, payment).await?;
    let open = open_statuses_sql();
    let done = if payment.status == PaymentStatus::Pending {
        sqlx::query(&format!(
            "UPDATE invoices SET pending = pending + ?, updated_at = ? WHERE id = ? AND status IN ({open}) \
             AND paid_patient + paid_insurance + pending + ? <= total"
        ))
        .bind(payment.amount)
        .bind(now_micros())
        .bind(&payment.invoice_id)
        .bind(payment.amount)
        .execute(&mut *tx)
        .await?
    } else {
        let column = if payment.method == Method::InsurancePayout { "paid_insurance" } else { "paid_patient" };
        sqlx::query(&format!(
            "UPDATE invoices SET {CREDITED_STATUS}, {column} = {column} + ?, updated_at = ? WHERE id = ? \
             AND status IN ({open}) AND paid_patient + paid_insurance + pending + ? <= total"
        ))
        .bind(payment.amount)
        .bind(payment.amount)
        .bind(now_micros())
        .bind(&payment.invoice_id)
        .bind(payment.amount)
        .execute(&mut *tx)
        .await?
    };
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        let open = get_invoice(db, &payment.invoice_id).await?.is_some_and(|i| i.status.is_open());
        return Ok(if open { Begun::Overpayment } else { Begun::NotOpen });
    }
    if let Some(event) = event {
        outbox::enqueue_events(&mut tx, std::slice::from_ref(event)).await?;
    }
    if let Some(action) = by_admin {
        admin_audit::enqueue(&mut tx, action).await?;
    }
    tx.commit().await?;
    db.outbox_written();
    Ok(Begun::New(payment.clone()))
}

/// Settles a PENDING card payment as charged: credits the invoice and
/// releases the reservation. False when it was settled already (by a
/// concurrent replay or reconciliation).
pub async fn complete_payment(
    db: &Db,
    payment: &PaymentRow,
    charge: &Charge,
    event: &Event,
) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE payments SET status = 'SUCCESS', transaction_id = ?, card_last4 = ?, card_brand = ?, \
             updated_at = ? WHERE id = ? AND status = 'PENDING'",
        )
        .bind(&charge.id)
        .bind(&charge.card_last4)
        .bind(&charge.card_brand)
        .bind(now_micros())
        .bind(&payment.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(&format!(
            "UPDATE invoices SET {CREDITED_STATUS}, paid_patient = paid_patient + ?, pending = pending - ?, \
             updated_at = ? WHERE id = ?"
        ))
        .bind(payment.amount)
        .bind(payment.amount)
        .bind(payment.amount)
        .bind(now_micros())
        .bind(&payment.invoice_id)
        .execute(&mut *tx)
        .await?;
        outbox::enqueue_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await?;
        db.outbox_written();
        Ok(true)
    })
    .await
}

/// The card a failed attempt used, as far as the provider told.
#[derive(Default)]
pub struct Card<'a> {
    pub brand: &'a str,
    pub last4: &'a str,
}

/// Settles a PENDING card payment as failed and releases its reservation.
pub async fn fail_payment(db: &Db, payment: &PaymentRow, reason: &str, card: &Card<'_>) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE payments SET status = 'FAILED', failure_reason = ?, card_last4 = ?, card_brand = ?, \
             updated_at = ? WHERE id = ? AND status = 'PENDING'",
        )
        .bind(reason)
        .bind(card.last4)
        .bind(card.brand)
        .bind(now_micros())
        .bind(&payment.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE invoices SET pending = pending - ?, updated_at = ? WHERE id = ?")
            .bind(payment.amount)
            .bind(now_micros())
            .bind(&payment.invoice_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    })
    .await
}
