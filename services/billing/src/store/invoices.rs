//! Invoices and their items: creation (one per source), reads and lists, the
//! access log, an admin's discount, cancellation and write-off, and the
//! overdue job's update.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::outbox::{self, Event};
use hms_kit::storage::{Db, StoreError, retry_transient};
use hms_kit::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{built, decode, next_number};
use crate::domain::{InvoiceStatus, ItemType, Line, Totals, open_statuses_sql};

#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub id: String,
    pub invoice_number: String,
    pub patient_id: String,
    pub issue_date: String,
    pub due_date: String,
    pub currency: String,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub paid_patient: i64,
    pub paid_insurance: i64,
    pub pending: i64,
    pub status: InvoiceStatus,
    pub status_reason: String,
    pub source_type: String,
    pub source_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl InvoiceRow {
    /// What can still be paid: total − paid − payments in flight.
    pub fn balance(&self) -> i64 {
        self.total - self.paid_patient - self.paid_insurance - self.pending
    }
}

const INVOICE_COLUMNS: &str = "id, invoice_number, patient_id, issue_date, due_date, currency, subtotal, discount, \
                               tax, total, paid_patient, paid_insurance, pending, status, status_reason, \
                               source_type, source_id, created_at, updated_at";

fn invoice_row(row: &AnyRow) -> Result<InvoiceRow, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(InvoiceRow {
        id: row.try_get("id")?,
        invoice_number: row.try_get("invoice_number")?,
        patient_id: row.try_get("patient_id")?,
        issue_date: row.try_get("issue_date")?,
        due_date: row.try_get("due_date")?,
        currency: row.try_get("currency")?,
        subtotal: row.try_get("subtotal")?,
        discount: row.try_get("discount")?,
        tax: row.try_get("tax")?,
        total: row.try_get("total")?,
        paid_patient: row.try_get("paid_patient")?,
        paid_insurance: row.try_get("paid_insurance")?,
        pending: row.try_get("pending")?,
        status: decode("invoice status", InvoiceStatus::parse(&status))?,
        status_reason: row.try_get("status_reason")?,
        source_type: row.try_get("source_type")?,
        source_id: row.try_get("source_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub line: Line,
    pub total: i64,
}

/// An invoice to create.
pub struct NewInvoice {
    pub patient_id: String,
    pub issue_date: jiff::civil::Date,
    pub due_date: jiff::civil::Date,
    pub currency: String,
    pub lines: Vec<Line>,
    pub totals: Totals,
    pub source_type: &'static str,
    pub source_id: Option<String>,
}

/// Creates an invoice with its event (INVOICE_GENERATED, built for the new
/// row); for a source that
/// already has one, returns that one and false. Concurrent calls for one
/// source meet at the unique key: one inserts, the others read its row.
/// An admin's invoice comes with `by_admin`, its entry for the admin audit log
/// (the new invoice becomes its target), written in the same transaction.
pub async fn create_invoice(
    db: &Db,
    new: &NewInvoice,
    event: impl Fn(&InvoiceRow) -> serde_json::Result<Event>,
    by_admin: Option<&AdminActionEvent>,
) -> Result<(InvoiceRow, bool), StoreError> {
    if let Some(source_id) = &new.source_id
        && let Some(existing) = invoice_by_source(db, new.source_type, source_id).await?
    {
        return Ok((existing, false));
    }
    match retry_transient(|| try_create_invoice(db, new, &event, by_admin)).await {
        Ok(row) => Ok((row, true)),
        Err(e) if e.is_unique_violation() && new.source_id.is_some() => {
            let source_id = new.source_id.as_deref().unwrap_or_default();
            match invoice_by_source(db, new.source_type, source_id).await? {
                Some(existing) => Ok((existing, false)),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

async fn try_create_invoice(
    db: &Db,
    new: &NewInvoice,
    event: &impl Fn(&InvoiceRow) -> serde_json::Result<Event>,
    by_admin: Option<&AdminActionEvent>,
) -> Result<InvoiceRow, StoreError> {
    let now = now_micros();
    let mut tx = db.pool.begin().await?;
    let id = hms_kit::ids::new_id();
    let number = next_number(&mut tx, "INV", new.issue_date, &id).await?;
    let row = InvoiceRow {
        id,
        invoice_number: number,
        patient_id: new.patient_id.clone(),
        issue_date: new.issue_date.to_string(),
        due_date: new.due_date.to_string(),
        currency: new.currency.clone(),
        subtotal: new.totals.subtotal,
        discount: new.totals.discount,
        tax: new.totals.tax,
        total: new.totals.total,
        paid_patient: 0,
        paid_insurance: 0,
        pending: 0,
        // An invoice of nothing (a free service) is settled from the start.
        status: if new.totals.total == 0 { InvoiceStatus::Paid } else { InvoiceStatus::PendingPatient },
        status_reason: String::new(),
        source_type: new.source_type.to_owned(),
        source_id: new.source_id.clone(),
        created_at: now,
        updated_at: now,
    };
    sqlx::query(&format!(
        "INSERT INTO invoices ({INVOICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&row.id)
    .bind(&row.invoice_number)
    .bind(&row.patient_id)
    .bind(&row.issue_date)
    .bind(&row.due_date)
    .bind(&row.currency)
    .bind(row.subtotal)
    .bind(row.discount)
    .bind(row.tax)
    .bind(row.total)
    .bind(row.paid_patient)
    .bind(row.paid_insurance)
    .bind(row.pending)
    .bind(row.status.as_str())
    .bind(&row.status_reason)
    .bind(&row.source_type)
    .bind(&row.source_id)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(&mut *tx)
    .await?;
    for (position, line) in new.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_items (invoice_id, position, item_type, description, quantity, unit_price, total) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(line.item_type.as_str())
        .bind(&line.description)
        .bind(line.quantity)
        .bind(line.unit_price)
        .bind(line.total().unwrap_or(0))
        .execute(&mut *tx)
        .await?;
    }
    outbox::enqueue_events(&mut tx, &[built(event, &row)?]).await?;
    if let Some(action) = by_admin {
        let action = AdminActionEvent { target_id: row.id.clone(), ..action.clone() };
        admin_audit::enqueue(&mut tx, &action).await?;
    }
    tx.commit().await?;
    db.outbox_written();
    Ok(row)
}

pub async fn invoice_by_source(db: &Db, source_type: &str, source_id: &str) -> Result<Option<InvoiceRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE source_type = ? AND source_id = ?"))
        .bind(source_type)
        .bind(source_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(invoice_row).transpose()?)
}

/// Several invoices in one query, in no particular order.
pub async fn invoices_by_ids(db: &Db, ids: &[String]) -> Result<Vec<InvoiceRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql =
        format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id IN ({})", hms_kit::storage::placeholders(ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(invoice_row).collect::<sqlx::Result<_>>()?)
}

pub async fn get_invoice(db: &Db, id: &str) -> Result<Option<InvoiceRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(invoice_row).transpose()?)
}

/// The items of several invoices at once, by invoice id.
pub async fn items(db: &Db, invoice_ids: &[String]) -> Result<Vec<(String, ItemRow)>, StoreError> {
    if invoice_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT invoice_id, item_type, description, quantity, unit_price, total FROM invoice_items \
         WHERE invoice_id IN ({}) ORDER BY invoice_id, position",
        hms_kit::storage::placeholders(invoice_ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in invoice_ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    let items = rows
        .iter()
        .map(|row| {
            let item_type: String = row.try_get("item_type")?;
            Ok((
                row.try_get("invoice_id")?,
                ItemRow {
                    line: Line {
                        item_type: decode("item type", ItemType::parse(&item_type))?,
                        description: row.try_get("description")?,
                        quantity: row.try_get("quantity")?,
                        unit_price: row.try_get("unit_price")?,
                    },
                    total: row.try_get("total")?,
                },
            ))
        })
        .collect::<sqlx::Result<_>>()?;
    Ok(items)
}

/// Filters of an invoice list; the empty filter matches everything.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct InvoiceFilter {
    pub patient_id: Option<String>,
    pub statuses: Vec<String>,
    pub source_type: Option<String>,
    pub number_prefix: Option<String>,
}

/// Invoices newest first, after the `(created_at, id)` cursor.
pub async fn list_invoices(
    db: &Db,
    filter: &InvoiceFilter,
    after: Option<&(i64, String)>,
    limit: usize,
) -> Result<Vec<InvoiceRow>, StoreError> {
    let mut sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE 1 = 1");
    if filter.patient_id.is_some() {
        sql.push_str(" AND patient_id = ?");
    }
    if !filter.statuses.is_empty() {
        sql.push_str(&format!(" AND status IN ({})", hms_kit::storage::placeholders(filter.statuses.len())));
    }
    if filter.source_type.is_some() {
        sql.push_str(" AND source_type = ?");
    }
    if filter.number_prefix.is_some() {
        sql.push_str(" AND invoice_number LIKE ?");
    }
    if after.is_some() {
        sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    if let Some(patient) = &filter.patient_id {
        query = query.bind(patient);
    }
    for status in &filter.statuses {
        query = query.bind(status);
    }
    if let Some(source) = &filter.source_type {
        query = query.bind(source);
    }
    if let Some(prefix) = &filter.number_prefix {
        // Prefixes are validated to [A-Z0-9-], so no LIKE wildcard can slip in.
        query = query.bind(format!("{prefix}%"));
    }
    if let Some((at, id)) = after {
        query = query.bind(*at).bind(*at).bind(id);
    }
    let rows = query.bind(i64::try_from(limit).unwrap_or(i64::MAX)).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(invoice_row).collect::<sqlx::Result<_>>()?)
}

/// Records who accessed which invoices, how.
pub async fn log_access(
    db: &Db,
    invoice_ids: &[String],
    actor: &str,
    role: &str,
    action: &str,
) -> Result<(), StoreError> {
    if invoice_ids.is_empty() {
        return Ok(());
    }
    let values = vec!["(?, ?, ?, ?, ?)"; invoice_ids.len()].join(", ");
    let sql = format!("INSERT INTO invoice_access_log (invoice_id, actor_id, actor_role, action, at) VALUES {values}");
    let mut query = sqlx::query(&sql);
    let now = now_micros();
    for id in invoice_ids {
        query = query.bind(id).bind(actor).bind(role).bind(action).bind(now);
    }
    query.execute(&db.pool).await?;
    Ok(())
}

/// Sets the discount with its recomputed totals, unless the new total would
/// fall below what was paid or is in flight, with the admin's action for the
/// audit log in the same transaction. False when refused.
pub async fn apply_discount(db: &Db, id: &str, totals: &Totals, action: &AdminActionEvent) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE invoices SET status = CASE WHEN paid_patient + paid_insurance >= ? AND pending = 0 THEN 'PAID' \
             ELSE status END, discount = ?, tax = ?, total = ?, updated_at = ? \
             WHERE id = ? AND status IN ({}) AND paid_patient + paid_insurance + pending <= ?",
            open_statuses_sql()
        ))
        .bind(totals.total)
        .bind(totals.discount)
        .bind(totals.tax)
        .bind(totals.total)
        .bind(now_micros())
        .bind(id)
        .bind(totals.total)
        .execute(&mut *tx)
        .await?;
        logged_if_done(tx, done.rows_affected() == 1, action).await
    })
    .await
}

/// Commits an admin's change with its audit-log entry when it was made;
/// rolls back (nothing to log) when it was refused. Whether it was made.
async fn logged_if_done(
    mut tx: Transaction<'_, Any>,
    done: bool,
    action: &AdminActionEvent,
) -> Result<bool, StoreError> {
    if !done {
        tx.rollback().await?;
        return Ok(false);
    }
    admin_audit::enqueue(&mut tx, action).await?;
    tx.commit().await?;
    Ok(true)
}

/// Cancels an open invoice nothing was paid on or is being paid (an admin's
/// action, logged in the same transaction).
pub async fn cancel_invoice(db: &Db, id: &str, reason: &str, action: &AdminActionEvent) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE invoices SET status = 'CANCELLED', status_reason = ?, updated_at = ? WHERE id = ? \
             AND status IN ('DRAFT', {}) AND paid_patient = 0 AND paid_insurance = 0 AND pending = 0",
            open_statuses_sql()
        ))
        .bind(reason)
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        logged_if_done(tx, done.rows_affected() == 1, action).await
    })
    .await
}

/// Writes off an open invoice with no card payment in flight (an admin's
/// action, logged in the same transaction).
pub async fn write_off_invoice(db: &Db, id: &str, reason: &str, action: &AdminActionEvent) -> Result<bool, StoreError> {
    retry_transient(|| async {
        let mut tx = db.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE invoices SET status = 'WRITTEN_OFF', status_reason = ?, updated_at = ? WHERE id = ? \
             AND status IN ({}) AND pending = 0",
            open_statuses_sql()
        ))
        .bind(reason)
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        logged_if_done(tx, done.rows_affected() == 1, action).await
    })
    .await
}

/// Marks open, unpaid-or-part-paid invoices due before `today` OVERDUE.
/// Idempotent: replicas running it at once only repeat a no-op.
pub async fn mark_overdue(db: &Db, today: jiff::civil::Date) -> Result<u64, StoreError> {
    retry_transient(|| async {
        let done = sqlx::query(
            "UPDATE invoices SET status = 'OVERDUE', updated_at = ? \
             WHERE status IN ('PENDING_PATIENT', 'PARTIALLY_PAID') AND due_date < ?",
        )
        .bind(now_micros())
        .bind(today.to_string())
        .execute(&db.pool)
        .await?;
        Ok(done.rows_affected())
    })
    .await
}
