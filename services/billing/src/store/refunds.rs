//! Refunds: begun PENDING with their amount held on the payment (the
//! conditional UPDATE that never lets refunds exceed the payment), then
//! settled as the provider answers: the invoice's paid amount lowered, or
//! the hold released.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::storage::{Db, StoreError, retry_transient};
use hms_kit::time::now_micros;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::decode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "PENDING",
            RefundStatus::Succeeded => "SUCCEEDED",
            RefundStatus::Failed => "FAILED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PENDING" => RefundStatus::Pending,
            "SUCCEEDED" => RefundStatus::Succeeded,
            "FAILED" => RefundStatus::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct RefundRow {
    pub id: String,
    pub payment_id: String,
    pub invoice_id: String,
    pub amount: i64,
    pub status: RefundStatus,
    pub reason: String,
    pub idempotency_key: String,
    pub fingerprint: String,
    pub provider_refund_id: String,
    pub failure_reason: String,
    pub created_by: String,
    pub created_at: i64,
}

const REFUND_COLUMNS: &str = "id, payment_id, invoice_id, amount, status, reason, idempotency_key, fingerprint, \
                              provider_refund_id, failure_reason, created_by, created_at";

fn refund_row(row: &AnyRow) -> Result<RefundRow, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(RefundRow {
        id: row.try_get("id")?,
        payment_id: row.try_get("payment_id")?,
        invoice_id: row.try_get("invoice_id")?,
        amount: row.try_get("amount")?,
        status: decode("refund status", RefundStatus::parse(&status))?,
        reason: row.try_get("reason")?,
        idempotency_key: row.try_get("idempotency_key")?,
        fingerprint: row.try_get("fingerprint")?,
        provider_refund_id: row.try_get("provider_refund_id")?,
        failure_reason: row.try_get("failure_reason")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn refund_by_key(db: &Db, key: &str) -> Result<Option<RefundRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE idempotency_key = ?"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(refund_row).transpose()?)
}

pub async fn refunds_of(db: &Db, invoice_id: &str) -> Result<Vec<RefundRow>, StoreError> {
    let rows =
        sqlx::query(&format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE invoice_id = ? ORDER BY created_at, id"))
            .bind(invoice_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.iter().map(refund_row).collect::<sqlx::Result<_>>()?)
}

/// Refunds still PENDING that began before `before` (micros), oldest first.
pub async fn pending_refunds(db: &Db, before: i64, limit: i64) -> Result<Vec<RefundRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE status = 'PENDING' AND created_at < ? ORDER BY created_at LIMIT ?"
    ))
    .bind(before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(refund_row).collect::<sqlx::Result<_>>()?)
}

#[derive(Debug)]
pub enum RefundBegun {
    New(RefundRow),
    /// The key was used before; the caller compares fingerprints.
    Existing(RefundRow),
    /// More than the payment's unrefunded amount, or a payment that cannot
    /// be refunded (not successful).
    Exceeds,
}

/// Starts a refund: its row, its amount held on the payment, and its
/// audit-log entry, in one transaction.
pub async fn begin_refund(db: &Db, refund: &RefundRow, action: &AdminActionEvent) -> Result<RefundBegun, StoreError> {
    let attempt: Result<RefundBegun, StoreError> = retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO refunds ({REFUND_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&refund.id)
        .bind(&refund.payment_id)
        .bind(&refund.invoice_id)
        .bind(refund.amount)
        .bind(refund.status.as_str())
        .bind(&refund.reason)
        .bind(&refund.idempotency_key)
        .bind(&refund.fingerprint)
        .bind(&refund.provider_refund_id)
        .bind(&refund.failure_reason)
        .bind(&refund.created_by)
        .bind(refund.created_at)
        .bind(refund.created_at)
        .execute(&mut *tx)
        .await?;
        let held = sqlx::query(
            "UPDATE payments SET refunded = refunded + ?, updated_at = ? \
             WHERE id = ? AND status = 'SUCCESS' AND refunded + ? <= amount",
        )
        .bind(refund.amount)
        .bind(now_micros())
        .bind(&refund.payment_id)
        .bind(refund.amount)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(RefundBegun::Exceeds);
        }
        admin_audit::enqueue(&mut tx, action).await?;
        tx.commit().await?;
        db.outbox_written();
        Ok(RefundBegun::New(refund.clone()))
    })
    .await;
    match attempt {
        Err(e) if e.is_unique_violation() => match refund_by_key(db, &refund.idempotency_key).await? {
            Some(existing) => Ok(RefundBegun::Existing(existing)),
            None => Err(e),
        },
        other => other,
    }
}

/// How the provider settled a refund.
pub enum RefundSettled<'a> {
    Succeeded { provider_refund_id: &'a str },
    Failed { provider_refund_id: &'a str, reason: &'a str },
}

/// Settles a PENDING refund; false when it was settled already. Succeeded:
/// the invoice's paid amount falls by it (a paid invoice is open again) and
/// a payment refunded in full is REFUNDED. Failed: the hold is released.
pub async fn settle_refund(db: &Db, refund: &RefundRow, outcome: RefundSettled<'_>) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let now = now_micros();
        let (status, provider_id, reason) = match &outcome {
            RefundSettled::Succeeded { provider_refund_id } => ("SUCCEEDED", *provider_refund_id, ""),
            RefundSettled::Failed { provider_refund_id, reason } => ("FAILED", *provider_refund_id, *reason),
        };
        let done = sqlx::query(
            "UPDATE refunds SET status = ?, provider_refund_id = ?, failure_reason = ?, updated_at = ? \
             WHERE id = ? AND status = 'PENDING'",
        )
        .bind(status)
        .bind(provider_id)
        .bind(reason)
        .bind(now)
        .bind(&refund.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if matches!(outcome, RefundSettled::Succeeded { .. }) {
            // The status first: both dialects then read the old amounts.
            sqlx::query(
                "UPDATE invoices SET status = CASE WHEN status NOT IN ('PAID', 'PARTIALLY_PAID') THEN status \
                 WHEN paid_patient + paid_insurance - ? <= 0 THEN 'PENDING_PATIENT' ELSE 'PARTIALLY_PAID' END, \
                 paid_patient = paid_patient - ?, updated_at = ? WHERE id = ?",
            )
            .bind(refund.amount)
            .bind(refund.amount)
            .bind(now)
            .bind(&refund.invoice_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE payments SET status = CASE WHEN refunded >= amount THEN 'REFUNDED' ELSE status END, \
                 updated_at = ? WHERE id = ?",
            )
            .bind(now)
            .bind(&refund.payment_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("UPDATE payments SET refunded = refunded - ?, updated_at = ? WHERE id = ?")
                .bind(refund.amount)
                .bind(now)
                .bind(&refund.payment_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    })
    .await
}
