//! Invoicing: an invoice per appointment, dispense or lab order (once per
//! source), an admin's manual invoice, lists, and an admin's discount,
//! cancellation and write-off, each logged for the admin audit log.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Principal;
use hms_kit::error::{invalid_field, refusal, refusal_with};
use hms_kit::paging;
use hms_kit::proto::common::PageRequest;
use tonic::{Code, Status};

use super::State;
use super::payments::sha256_hex;
use crate::domain::{self, Line};
use crate::events;
use crate::store::{self, InvoiceFilter, InvoiceRow, ItemRow};

/// An admin's manual invoice, validated.
pub struct ManualInvoice {
    pub patient_id: String,
    pub currency: String,
    pub lines: Vec<Line>,
    pub discount: i64,
    /// 0: the configured days.
    pub due_in_days: i32,
    /// Empty: no retry protection.
    pub idempotency_key: String,
}

/// What the admin audit log keeps of an invoice before and after a change:
/// its amounts and status, no line descriptions.
pub fn invoice_summary(invoice: &InvoiceRow) -> String {
    format!(
        "status {}, total {} {}, discount {}, paid {}",
        invoice.status.as_str(),
        invoice.total,
        invoice.currency,
        invoice.discount,
        invoice.paid_patient + invoice.paid_insurance
    )
}

impl State {
    /// The items of `rows`, by invoice id, in one query.
    pub async fn items_of(&self, rows: &[InvoiceRow]) -> Result<Vec<(String, ItemRow)>, Status> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        Ok(store::items(&self.db, &ids).await?)
    }

    /// Creates (or finds) the invoice of a source; whether it was created.
    pub async fn create_for_source(
        &self,
        patient_id: &str,
        currency: String,
        lines: Vec<Line>,
        source_type: &'static str,
        source_id: &str,
    ) -> Result<(InvoiceRow, bool), Status> {
        let totals = domain::totals(&lines, 0, self.tax_basis_points)
            .map_err(|_| invalid_field("items", "the invoice total is too large"))?;
        let today = self.today();
        let new = store::NewInvoice {
            patient_id: patient_id.to_owned(),
            issue_date: today,
            due_date: today.saturating_add(jiff::Span::new().days(i64::from(self.due_days.current()))),
            currency,
            lines,
            totals,
            source_type,
            source_id: Some(source_id.to_owned()),
        };
        let (row, created) = store::create_invoice(&self.db, &new, events::invoice_generated, None).await?;
        if !created && row.patient_id != patient_id {
            return Err(refusal_with(
                Code::AlreadyExists,
                "SOURCE_ALREADY_INVOICED",
                "this source was invoiced to another patient",
                [("invoice_id", row.id.clone())],
            ));
        }
        Ok((row, created))
    }

    /// Creates an admin's invoice, once per idempotency key when one is given.
    pub async fn create_manual(
        &self,
        caller: &Principal,
        address: &str,
        input: ManualInvoice,
    ) -> Result<InvoiceRow, Status> {
        let totals = domain::totals(&input.lines, input.discount, self.tax_basis_points).map_err(|e| match e {
            domain::TotalsError::Discount => invalid_field("discount_minor", "must not exceed the subtotal"),
            domain::TotalsError::TooLarge => invalid_field("items", "the invoice total is too large"),
        })?;
        let today = self.today();
        let days = if input.due_in_days == 0 { self.due_days.current() } else { input.due_in_days };
        let new = store::NewInvoice {
            patient_id: input.patient_id,
            issue_date: today,
            due_date: today.saturating_add(jiff::Span::new().days(i64::from(days))),
            currency: input.currency,
            lines: input.lines,
            totals,
            source_type: "MANUAL",
            // The unique (source_type, source_id) index makes a keyed retry
            // find the first invoice, even when both calls race.
            source_id: (!input.idempotency_key.is_empty())
                .then(|| sha256_hex(&[&caller.subject, &input.idempotency_key])),
        };
        let action = AdminActionEvent::by(caller, address, "invoice.created", "invoice", "").change(
            "",
            format!("manual, total {} {}, discount {}", new.totals.total, new.currency, new.totals.discount),
        );
        let (row, created) = store::create_invoice(&self.db, &new, events::invoice_generated, Some(&action)).await?;
        if created {
            self.audit(caller, std::slice::from_ref(&row.id), "CREATE").await?;
        } else if (&row.patient_id, &row.currency, row.subtotal, row.total)
            != (&new.patient_id, &new.currency, new.totals.subtotal, new.totals.total)
        {
            return Err(refusal(
                Code::AlreadyExists,
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was used for a different invoice",
            ));
        }
        Ok(row)
    }

    /// A page of invoices and the next page's token; every invoice returned
    /// is audited as LIST.
    pub async fn list_invoices(
        &self,
        caller: &Principal,
        filter: InvoiceFilter,
        page: Option<&PageRequest>,
    ) -> Result<(Vec<InvoiceRow>, String), Status> {
        let page = paging::parse::<(i64, String)>(page, &filter)?;
        let mut rows = store::list_invoices(&self.db, &filter, page.after.as_ref(), page.size + 1).await?;
        let next = paging::next_token(&mut rows, page.size, |r| (r.created_at, r.id.clone()), &filter);
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        self.audit(caller, &ids, "LIST").await?;
        Ok((rows, next))
    }

    /// Cancels (`action` CANCEL) or writes off (WRITE_OFF), with a reason;
    /// the invoice as it now is.
    pub async fn close(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        reason: &str,
        action: &str,
    ) -> Result<InvoiceRow, Status> {
        let invoice = self.visible_invoice(caller, id, action).await?;
        let (what, status) = if action == "CANCEL" {
            ("invoice.cancelled", "CANCELLED")
        } else {
            ("invoice.written_off", "WRITTEN_OFF")
        };
        let logged = AdminActionEvent::by(caller, address, what, "invoice", &invoice.id)
            .change(invoice_summary(&invoice), format!("status {status}, reason: {}", reason.trim()));
        let done = if action == "CANCEL" {
            store::cancel_invoice(&self.db, &invoice.id, reason.trim(), &logged).await
        } else {
            store::write_off_invoice(&self.db, &invoice.id, reason.trim(), &logged).await
        }?;
        if !done {
            let (reason_code, message) = if action == "CANCEL" {
                ("INVOICE_NOT_CANCELLABLE", "only an open invoice with nothing paid or being paid can be cancelled")
            } else {
                ("INVOICE_NOT_OPEN", "only an open invoice with no card payment in flight can be written off")
            };
            return Err(refusal(Code::FailedPrecondition, reason_code, message));
        }
        self.reload(&invoice.id).await
    }

    /// Sets an open invoice's whole discount; the invoice as it now is.
    pub async fn discount(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        discount: i64,
    ) -> Result<InvoiceRow, Status> {
        let invoice = self.visible_invoice(caller, id, "DISCOUNT").await?;
        let totals = domain::retotal(invoice.subtotal, discount, self.tax_basis_points)
            .map_err(|_| invalid_field("discount_minor", "must not exceed the subtotal"))?;
        let action = AdminActionEvent::by(caller, address, "invoice.discounted", "invoice", &invoice.id).change(
            invoice_summary(&invoice),
            format!("discount {}, total {} {}", totals.discount, totals.total, invoice.currency),
        );
        if !store::apply_discount(&self.db, &invoice.id, &totals, &action).await? {
            let now = self.reload(&invoice.id).await?;
            return Err(if now.status.is_open() {
                refusal(
                    Code::FailedPrecondition,
                    "DISCOUNT_BELOW_PAID",
                    "the discounted total would be less than what was already paid",
                )
            } else {
                refusal(Code::FailedPrecondition, "INVOICE_NOT_OPEN", "only an open invoice can be discounted")
            });
        }
        self.reload(&invoice.id).await
    }
}
