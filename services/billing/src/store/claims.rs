//! Insurance claims: submission, reads and lists, and moves through their
//! lifecycle (a payout credits the invoice in the same transaction).

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, StoreError, retry_transient};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::payments::{CREDITED_STATUS, insert_payment};
use super::{PaymentRow, PaymentStatus, built, decode, next_number};
use crate::domain::claim::ClaimStatus;
use crate::domain::{Method, open_statuses_sql};

#[derive(Debug, Clone)]
pub struct ClaimRow {
    pub id: String,
    pub claim_number: String,
    pub invoice_id: String,
    pub policy_id: String,
    pub patient_id: String,
    pub company_key: String,
    pub claim_amount: i64,
    pub approved_amount: i64,
    pub rejected_amount: i64,
    pub status: ClaimStatus,
    pub insurer_notes: String,
    pub hospital_notes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const CLAIM_COLUMNS: &str = "id, claim_number, invoice_id, policy_id, patient_id, company_key, claim_amount, \
                             approved_amount, rejected_amount, status, insurer_notes, hospital_notes, created_at, \
                             updated_at";

fn claim_row(row: &AnyRow) -> Result<ClaimRow, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(ClaimRow {
        id: row.try_get("id")?,
        claim_number: row.try_get("claim_number")?,
        invoice_id: row.try_get("invoice_id")?,
        policy_id: row.try_get("policy_id")?,
        patient_id: row.try_get("patient_id")?,
        company_key: row.try_get("company_key")?,
        claim_amount: row.try_get("claim_amount")?,
        approved_amount: row.try_get("approved_amount")?,
        rejected_amount: row.try_get("rejected_amount")?,
        status: decode("claim status", ClaimStatus::parse(&status))?,
        insurer_notes: row.try_get("insurer_notes")?,
        hospital_notes: row.try_get("hospital_notes")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts a claim with its event (built for the claim once it has its
/// number); the number is issued here.
pub async fn insert_claim(
    db: &Db,
    claim: &mut ClaimRow,
    event: impl Fn(&ClaimRow) -> serde_json::Result<Event>,
) -> Result<(), StoreError> {
    let row: &ClaimRow = claim;
    let number = retry_transient(|| try_insert_claim(db, row, &event)).await?;
    claim.claim_number = number;
    Ok(())
}

/// One attempt of [`insert_claim`]: the claim's number, issued in the transaction.
async fn try_insert_claim(
    db: &Db,
    claim: &ClaimRow,
    event: &impl Fn(&ClaimRow) -> serde_json::Result<Event>,
) -> Result<String, StoreError> {
    let mut tx = db.pool.begin().await?;
    let today = jiff::Timestamp::from_microsecond(claim.created_at)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or(jiff::civil::date(1970, 1, 1));
    let claim = ClaimRow { claim_number: next_number(&mut tx, "CLM", today, &claim.id).await?, ..claim.clone() };
    sqlx::query(&format!("INSERT INTO claims ({CLAIM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(&claim.id)
        .bind(&claim.claim_number)
        .bind(&claim.invoice_id)
        .bind(&claim.policy_id)
        .bind(&claim.patient_id)
        .bind(&claim.company_key)
        .bind(claim.claim_amount)
        .bind(claim.approved_amount)
        .bind(claim.rejected_amount)
        .bind(claim.status.as_str())
        .bind(&claim.insurer_notes)
        .bind(&claim.hospital_notes)
        .bind(claim.created_at)
        .bind(claim.updated_at)
        .execute(&mut *tx)
        .await?;
    outbox::enqueue_events(&mut tx, &[built(event, &claim)?]).await?;
    tx.commit().await?;
    db.outbox_written();
    Ok(claim.claim_number)
}

pub async fn get_claim(db: &Db, id: &str) -> Result<Option<ClaimRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(claim_row).transpose()?)
}

/// Claims after the cursor: newest first for admins, oldest first for an
/// insurer's pending queue.
pub async fn list_claims(
    db: &Db,
    company_key: Option<&str>,
    statuses: &[ClaimStatus],
    after: Option<&(i64, String)>,
    oldest_first: bool,
    limit: usize,
) -> Result<Vec<ClaimRow>, StoreError> {
    let mut sql = format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE 1 = 1");
    if company_key.is_some() {
        sql.push_str(" AND company_key = ?");
    }
    if !statuses.is_empty() {
        sql.push_str(&format!(" AND status IN ({})", hms_kit::storage::placeholders(statuses.len())));
    }
    let (cmp, order) = if oldest_first { (">", "ASC") } else { ("<", "DESC") };
    if after.is_some() {
        sql.push_str(&format!(" AND (created_at {cmp} ? OR (created_at = ? AND id {cmp} ?))"));
    }
    sql.push_str(&format!(" ORDER BY created_at {order}, id {order} LIMIT ?"));
    let mut query = sqlx::query(&sql);
    if let Some(company) = company_key {
        query = query.bind(company);
    }
    for status in statuses {
        query = query.bind(status.as_str());
    }
    if let Some((at, id)) = after {
        query = query.bind(*at).bind(*at).bind(id);
    }
    let rows = query.bind(i64::try_from(limit).unwrap_or(i64::MAX)).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(claim_row).collect::<sqlx::Result<_>>()?)
}

/// The outcome of a claim move.
#[derive(Debug, PartialEq, Eq)]
pub enum Moved {
    Done,
    /// Someone else moved it first: its status is no longer `from`.
    Stale,
    /// The payout does not fit in the invoice's open balance.
    PayoutExceedsBalance,
}

/// Moves a claim from the status it was read in, with its event; a move to
/// PAID_BY_INSURER also credits the approved amount to the invoice (an
/// INSURANCE_PAYOUT payment) in the same transaction.
/// The hospital's (an admin's) move comes with `by_admin`, its audit-log entry.
pub async fn move_claim(
    db: &Db,
    before: &ClaimRow,
    after: &ClaimRow,
    event: &Event,
    by_admin: Option<&AdminActionEvent>,
) -> Result<Moved, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE claims SET status = ?, approved_amount = ?, rejected_amount = ?, insurer_notes = ?, \
             hospital_notes = ?, updated_at = ? WHERE id = ? AND status = ?",
        )
        .bind(after.status.as_str())
        .bind(after.approved_amount)
        .bind(after.rejected_amount)
        .bind(&after.insurer_notes)
        .bind(&after.hospital_notes)
        .bind(after.updated_at)
        .bind(&before.id)
        .bind(before.status.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Moved::Stale);
        }
        if after.status == ClaimStatus::PaidByInsurer {
            let credited = sqlx::query(&format!(
                "UPDATE invoices SET {CREDITED_STATUS}, paid_insurance = paid_insurance + ?, updated_at = ? \
                 WHERE id = ? AND status IN ({}) AND paid_patient + paid_insurance + pending + ? <= total",
                open_statuses_sql()
            ))
            .bind(after.approved_amount)
            .bind(after.approved_amount)
            .bind(after.updated_at)
            .bind(&after.invoice_id)
            .bind(after.approved_amount)
            .execute(&mut *tx)
            .await?;
            if credited.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Moved::PayoutExceedsBalance);
            }
            let payout = PaymentRow {
                id: hms_kit::ids::new_id(),
                invoice_id: after.invoice_id.clone(),
                patient_id: after.patient_id.clone(),
                amount: after.approved_amount,
                method: Method::InsurancePayout,
                status: PaymentStatus::Success,
                // One payout per claim, whatever happens.
                idempotency_key: format!("claim-payout:{}", after.id),
                fingerprint: String::new(),
                transaction_id: after.claim_number.clone(),
                card_last4: String::new(),
                failure_reason: String::new(),
                created_at: after.updated_at,
                provider: String::new(),
                card_brand: String::new(),
                refunded: 0,
            };
            insert_payment(&mut tx, &payout).await?;
        }
        outbox::enqueue_events(&mut tx, std::slice::from_ref(event)).await?;
        if let Some(action) = by_admin {
            admin_audit::enqueue(&mut tx, action).await?;
        }
        tx.commit().await?;
        db.outbox_written();
        Ok(Moved::Done)
    })
    .await
}
