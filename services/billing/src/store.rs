//! The repository: every query of the billing service. Amounts are BIGINT
//! minor units, instants Unix microseconds, civil dates ISO strings.
//!
//! The invariants live in the database: one invoice per source (unique key),
//! one payment per idempotency key (unique key), no overpayment (conditional
//! UPDATE on the amounts), claim moves conditional on the status they start
//! from. Each transaction starts with a write, so SQLite takes its write lock
//! up front instead of failing a read-to-write upgrade.

use hms_kit::admin_audit::{self, AdminActionEvent};
use hms_kit::error::is_unique_violation;
use hms_kit::outbox;
use hms_kit::storage::Db;
use hms_kit::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::claim::ClaimStatus;
use crate::domain::{self, InvoiceStatus, ItemType, Line, Method, Totals, open_statuses_sql};
use crate::events::{NOTIFICATION_TOPIC, Notice};

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

fn decode<T>(what: &str, value: Option<T>) -> Result<T, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::Decode(format!("unknown {what} in the store").into()))
}

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

/// Issues the next number of the sequence to `owner_id`, inside `tx`.
async fn next_number(
    tx: &mut Transaction<'static, Any>,
    prefix: &str,
    date: jiff::civil::Date,
    owner_id: &str,
) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO number_seq (owner_id, created_at) VALUES (?, ?)")
        .bind(owner_id)
        .bind(now_micros())
        .execute(&mut **tx)
        .await?;
    let seq: i64 =
        sqlx::query_scalar("SELECT seq FROM number_seq WHERE owner_id = ?").bind(owner_id).fetch_one(&mut **tx).await?;
    Ok(domain::document_number(prefix, date, seq))
}

/// Creates an invoice with its INVOICE_GENERATED notice; for a source that
/// already has one, returns that one and false. Concurrent calls for one
/// source meet at the unique key: one inserts, the others read its row.
/// An admin's invoice comes with `by_admin`, its entry for the admin audit log
/// (the new invoice becomes its target), written in the same transaction.
pub async fn create_invoice(
    db: &Db,
    new: &NewInvoice,
    notice: impl Fn(&InvoiceRow) -> Notice,
    by_admin: Option<&AdminActionEvent>,
) -> sqlx::Result<(InvoiceRow, bool)> {
    if let Some(source_id) = &new.source_id
        && let Some(existing) = invoice_by_source(db, new.source_type, source_id).await?
    {
        return Ok((existing, false));
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_create_invoice(db, new, &notice, by_admin).await {
            Ok(row) => return Ok((row, true)),
            Err(e) if is_unique_violation(&e) && new.source_id.is_some() => {
                let source_id = new.source_id.as_deref().unwrap_or_default();
                if let Some(existing) = invoice_by_source(db, new.source_type, source_id).await? {
                    return Ok((existing, false));
                }
                return Err(e);
            }
            Err(e) if is_deadlock(&e) && attempt < 5 => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A deadlock or lock wait timeout (MySQL) or a busy database (SQLite): the
/// transaction was rolled back and may simply be run again.
pub fn is_deadlock(error: &sqlx::Error) -> bool {
    hms_kit::storage::Transient::is_transient(error)
}

async fn try_create_invoice(
    db: &Db,
    new: &NewInvoice,
    notice: &impl Fn(&InvoiceRow) -> Notice,
    by_admin: Option<&AdminActionEvent>,
) -> sqlx::Result<InvoiceRow> {
    let now = now_micros();
    let mut tx = db.pool.begin().await?;
    let id = uuid::Uuid::now_v7().to_string();
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
    outbox::enqueue(&mut tx, NOTIFICATION_TOPIC, &notice(&row)).await?;
    if let Some(action) = by_admin {
        let action = AdminActionEvent { target_id: row.id.clone(), ..action.clone() };
        admin_audit::enqueue(&mut tx, &action).await?;
    }
    tx.commit().await?;
    Ok(row)
}

pub async fn invoice_by_source(db: &Db, source_type: &str, source_id: &str) -> sqlx::Result<Option<InvoiceRow>> {
    let row = sqlx::query(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE source_type = ? AND source_id = ?"))
        .bind(source_type)
        .bind(source_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(invoice_row).transpose()
}

/// Several invoices in one query, in no particular order.
pub async fn invoices_by_ids(db: &Db, ids: &[String]) -> sqlx::Result<Vec<InvoiceRow>> {
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
    rows.iter().map(invoice_row).collect()
}

pub async fn get_invoice(db: &Db, id: &str) -> sqlx::Result<Option<InvoiceRow>> {
    let row = sqlx::query(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(invoice_row).transpose()
}

/// The items of several invoices at once, by invoice id.
pub async fn items(db: &Db, invoice_ids: &[String]) -> sqlx::Result<Vec<(String, ItemRow)>> {
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
    rows.iter()
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
        .collect()
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
) -> sqlx::Result<Vec<InvoiceRow>> {
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
    rows.iter().map(invoice_row).collect()
}

/// Records who accessed which invoices, how.
pub async fn log_access(db: &Db, invoice_ids: &[String], actor: &str, role: &str, action: &str) -> sqlx::Result<()> {
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
pub async fn apply_discount(db: &Db, id: &str, totals: &Totals, action: &AdminActionEvent) -> sqlx::Result<bool> {
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
}

/// Commits an admin's change with its audit-log entry when it was made;
/// rolls back (nothing to log) when it was refused. Whether it was made.
async fn logged_if_done(mut tx: Transaction<'_, Any>, done: bool, action: &AdminActionEvent) -> sqlx::Result<bool> {
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
pub async fn cancel_invoice(db: &Db, id: &str, reason: &str, action: &AdminActionEvent) -> sqlx::Result<bool> {
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
}

/// Writes off an open invoice with no card payment in flight (an admin's
/// action, logged in the same transaction).
pub async fn write_off_invoice(db: &Db, id: &str, reason: &str, action: &AdminActionEvent) -> sqlx::Result<bool> {
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
}

/// Marks open, unpaid-or-part-paid invoices due before `today` OVERDUE.
/// Idempotent: replicas running it at once only repeat a no-op.
pub async fn mark_overdue(db: &Db, today: jiff::civil::Date) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE invoices SET status = 'OVERDUE', updated_at = ? \
         WHERE status IN ('PENDING_PATIENT', 'PARTIALLY_PAID') AND due_date < ?",
    )
    .bind(now_micros())
    .bind(today.to_string())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

// ---- payments ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Success,
    Failed,
}

impl PaymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Success => "SUCCESS",
            PaymentStatus::Failed => "FAILED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PENDING" => PaymentStatus::Pending,
            "SUCCESS" => PaymentStatus::Success,
            "FAILED" => PaymentStatus::Failed,
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
    pub transaction_id: String,
    pub card_last4: String,
    pub failure_reason: String,
    pub created_at: i64,
}

const PAYMENT_COLUMNS: &str = "id, invoice_id, patient_id, amount, method, status, idempotency_key, fingerprint, \
                               transaction_id, card_last4, failure_reason, created_at";

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
    })
}

pub async fn payment_by_key(db: &Db, key: &str) -> sqlx::Result<Option<PaymentRow>> {
    let row = sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = ?"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(payment_row).transpose()
}

pub async fn payments_of(db: &Db, invoice_id: &str) -> sqlx::Result<Vec<PaymentRow>> {
    let rows =
        sqlx::query(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE invoice_id = ? ORDER BY created_at, id"))
            .bind(invoice_id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(payment_row).collect()
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

async fn insert_payment(tx: &mut Transaction<'static, Any>, p: &PaymentRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO payments ({PAYMENT_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
    .bind(p.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The CASE that recomputes an invoice's status when `?` is credited: set
/// first in an UPDATE, so both dialects evaluate it on the old amounts.
const CREDITED_STATUS: &str =
    "status = CASE WHEN paid_patient + paid_insurance + ? >= total THEN 'PAID' ELSE 'PARTIALLY_PAID' END";

/// Starts a payment: the payment row and, in the same transaction, either
/// the reservation of its amount (`pending`, for a card charge still to be
/// made) or its crediting (an immediate payment). The conditional UPDATE is
/// what refuses overpayment, whatever runs concurrently.
/// An admin's manual payment comes with `by_admin`, its audit-log entry.
pub async fn begin_payment(
    db: &Db,
    payment: &PaymentRow,
    notice: Option<&Notice>,
    by_admin: Option<&AdminActionEvent>,
) -> sqlx::Result<Begun> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_begin_payment(db, payment, notice, by_admin).await {
            Err(e) if is_unique_violation(&e) => {
                return match payment_by_key(db, &payment.idempotency_key).await? {
                    Some(existing) => Ok(Begun::Existing(existing)),
                    None => Err(e),
                };
            }
            Err(e) if is_deadlock(&e) && attempt < 5 => continue,
            other => return other,
        }
    }
}

async fn try_begin_payment(
    db: &Db,
    payment: &PaymentRow,
    notice: Option<&Notice>,
    by_admin: Option<&AdminActionEvent>,
) -> sqlx::Result<Begun> {
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
    if let Some(notice) = notice {
        outbox::enqueue(&mut tx, NOTIFICATION_TOPIC, notice).await?;
    }
    if let Some(action) = by_admin {
        admin_audit::enqueue(&mut tx, action).await?;
    }
    tx.commit().await?;
    Ok(Begun::New(payment.clone()))
}

/// Settles a PENDING card payment as charged: credits the invoice and
/// releases the reservation. False when it was settled already (by a
/// concurrent replay or reconciliation).
pub async fn complete_payment(
    db: &Db,
    payment: &PaymentRow,
    transaction_id: &str,
    card_last4: &str,
    notice: &Notice,
) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE payments SET status = 'SUCCESS', transaction_id = ?, card_last4 = ?, updated_at = ? \
         WHERE id = ? AND status = 'PENDING'",
    )
    .bind(transaction_id)
    .bind(card_last4)
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
    outbox::enqueue(&mut tx, NOTIFICATION_TOPIC, notice).await?;
    tx.commit().await?;
    Ok(true)
}

/// Settles a PENDING card payment as failed and releases its reservation.
pub async fn fail_payment(db: &Db, payment: &PaymentRow, reason: &str, card_last4: &str) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE payments SET status = 'FAILED', failure_reason = ?, card_last4 = ?, updated_at = ? \
         WHERE id = ? AND status = 'PENDING'",
    )
    .bind(reason)
    .bind(card_last4)
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
}

// ---- insurance policies ----

#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub id: String,
    pub patient_id: String,
    pub provider_name: String,
    pub company_key: String,
    pub policy_number_key_id: String,
    pub policy_number_sealed: Vec<u8>,
    pub member_id: String,
    pub valid_from: String,
    pub valid_to: String,
    pub coverage_details: String,
    pub active: bool,
    pub created_at: i64,
}

const POLICY_COLUMNS: &str = "id, patient_id, provider_name, company_key, policy_number_key_id, \
                              policy_number_sealed, member_id, valid_from, valid_to, coverage_details, active, \
                              created_at";

fn policy_row(row: &AnyRow) -> Result<PolicyRow, sqlx::Error> {
    Ok(PolicyRow {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        provider_name: row.try_get("provider_name")?,
        company_key: row.try_get("company_key")?,
        policy_number_key_id: row.try_get("policy_number_key_id")?,
        policy_number_sealed: row.try_get("policy_number_sealed")?,
        member_id: row.try_get("member_id")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        coverage_details: row.try_get("coverage_details")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert_policy(db: &Db, p: &PolicyRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO insurance_policies ({POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&p.id)
    .bind(&p.patient_id)
    .bind(&p.provider_name)
    .bind(&p.company_key)
    .bind(&p.policy_number_key_id)
    .bind(&p.policy_number_sealed)
    .bind(&p.member_id)
    .bind(&p.valid_from)
    .bind(&p.valid_to)
    .bind(&p.coverage_details)
    .bind(i64::from(p.active))
    .bind(p.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn get_policy(db: &Db, id: &str) -> sqlx::Result<Option<PolicyRow>> {
    let row = sqlx::query(&format!("SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(policy_row).transpose()
}

/// Several policies in one query, in no particular order.
pub async fn policies_by_ids(db: &Db, ids: &[String]) -> sqlx::Result<Vec<PolicyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE id IN ({})",
        hms_kit::storage::placeholders(ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(policy_row).collect()
}

pub async fn policies_of(db: &Db, patient_id: &str) -> sqlx::Result<Vec<PolicyRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE patient_id = ? ORDER BY created_at, id"
    ))
    .bind(patient_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(policy_row).collect()
}

pub async fn deactivate_policy(db: &Db, id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE insurance_policies SET active = 0 WHERE id = ?").bind(id).execute(&db.pool).await?;
    Ok(())
}

// ---- claims ----

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

/// Inserts a claim with its notice; the number is issued here.
pub async fn insert_claim(db: &Db, claim: &mut ClaimRow, notice: impl Fn(&ClaimRow) -> Notice) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let today = jiff::Timestamp::from_microsecond(claim.created_at)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or(jiff::civil::date(1970, 1, 1));
    claim.claim_number = next_number(&mut tx, "CLM", today, &claim.id).await?;
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
    outbox::enqueue(&mut tx, NOTIFICATION_TOPIC, &notice(claim)).await?;
    tx.commit().await
}

pub async fn get_claim(db: &Db, id: &str) -> sqlx::Result<Option<ClaimRow>> {
    let row = sqlx::query(&format!("SELECT {CLAIM_COLUMNS} FROM claims WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(claim_row).transpose()
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
) -> sqlx::Result<Vec<ClaimRow>> {
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
    rows.iter().map(claim_row).collect()
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

/// Moves a claim from the status it was read in, with its notice; a move to
/// PAID_BY_INSURER also credits the approved amount to the invoice (an
/// INSURANCE_PAYOUT payment) in the same transaction.
/// The hospital's (an admin's) move comes with `by_admin`, its audit-log entry.
pub async fn move_claim(
    db: &Db,
    before: &ClaimRow,
    after: &ClaimRow,
    notice: &Notice,
    by_admin: Option<&AdminActionEvent>,
) -> sqlx::Result<Moved> {
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
            id: uuid::Uuid::now_v7().to_string(),
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
        };
        insert_payment(&mut tx, &payout).await?;
    }
    outbox::enqueue(&mut tx, NOTIFICATION_TOPIC, notice).await?;
    if let Some(action) = by_admin {
        admin_audit::enqueue(&mut tx, action).await?;
    }
    tx.commit().await?;
    Ok(Moved::Done)
}
