//! The admin dashboard's billing figures: a few grouped sums, each read off
//! an index (payments by status and time, invoices by status, claims by
//! status), so the dashboard's cost does not grow with paid history.

use std::collections::BTreeMap;

use hms_kit::storage::{Db, StoreError};
use sqlx::Row;

use crate::domain::claim::ClaimStatus;
use crate::domain::{InvoiceStatus, open_statuses_sql};

/// Sums and counts by currency, in currency order.
pub type Sums = BTreeMap<String, (i64, i64)>;

/// The dashboard's figures.
#[derive(Debug)]
pub struct Figures {
    pub revenue_today: Sums,
    pub revenue_week: Sums,
    pub outstanding: Sums,
    pub overdue: Sums,
    /// Every claim status with its count, zeros included.
    pub claims: Vec<(ClaimStatus, i64)>,
}

/// Successful payments made at or after `since` (microseconds), by the
/// currency of their invoice.
async fn revenue_since(db: &Db, since: i64) -> Result<Sums, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.currency AS currency, CAST(SUM(p.amount) AS SIGNED) AS amount, COUNT(*) AS n \
         FROM payments p JOIN invoices i ON i.id = p.invoice_id \
         WHERE p.status = 'SUCCESS' AND p.created_at >= ? GROUP BY i.currency",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    let mut sums = Sums::new();
    for row in &rows {
        sums.insert(row.try_get("currency")?, (row.try_get("amount")?, row.try_get("n")?));
    }
    Ok(sums)
}

/// Unpaid balances of open invoices by currency: all of them, and the
/// overdue ones.
async fn balances(db: &Db) -> Result<(Sums, Sums), sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT currency, status, CAST(SUM(total - paid_patient - paid_insurance) AS SIGNED) AS amount, \
         COUNT(*) AS n FROM invoices WHERE status IN ({}) GROUP BY currency, status",
        open_statuses_sql()
    ))
    .fetch_all(&db.pool)
    .await?;
    let (mut outstanding, mut overdue) = (Sums::new(), Sums::new());
    for row in &rows {
        let currency: String = row.try_get("currency")?;
        let status: String = row.try_get("status")?;
        let (amount, n): (i64, i64) = (row.try_get("amount")?, row.try_get("n")?);
        let all = outstanding.entry(currency.clone()).or_default();
        *all = (all.0 + amount, all.1 + n);
        if status == InvoiceStatus::Overdue.as_str() {
            let late = overdue.entry(currency).or_default();
            *late = (late.0 + amount, late.1 + n);
        }
    }
    Ok((outstanding, overdue))
}

/// Every claim status with its count, zeros included.
async fn claims(db: &Db) -> Result<Vec<(ClaimStatus, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM claims GROUP BY status").fetch_all(&db.pool).await?;
    let mut counts = BTreeMap::new();
    for row in &rows {
        let status: String = row.try_get("status")?;
        counts.insert(status, row.try_get::<i64, _>("n")?);
    }
    Ok(ClaimStatus::ALL.iter().map(|status| (*status, counts.get(status.as_str()).copied().unwrap_or(0))).collect())
}

/// The figures, with revenue counted from `day_start` and `week_start`.
pub async fn billing_stats(db: &Db, day_start: i64, week_start: i64) -> Result<Figures, StoreError> {
    let (revenue_today, revenue_week, (outstanding, overdue), claims) =
        tokio::try_join!(revenue_since(db, day_start), revenue_since(db, week_start), balances(db), claims(db))?;
    Ok(Figures { revenue_today, revenue_week, outstanding, overdue, claims })
}
