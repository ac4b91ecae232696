//! Who may see what, and the access log: a patient sees only their own
//! invoices (another's is NOT_FOUND), admins see all; every invoice seen is
//! written to `invoice_access_log`.

use hms_kit::auth::{Principal, role_name};
use hms_kit::proto::common::Role;
use tonic::Status;

use super::State;
use crate::store::{self, ClaimRow, InvoiceRow};

pub fn not_found_invoice() -> Status {
    Status::not_found("no such invoice")
}

/// A patient acts for themself only; admins for anyone.
pub fn require_self_or_admin(caller: &Principal, patient_id: &str) -> Result<(), Status> {
    if caller.role == Role::Admin || (caller.role == Role::Patient && caller.subject == patient_id) {
        Ok(())
    } else {
        Err(Status::permission_denied("patients may only see and manage their own billing"))
    }
}

impl State {
    /// Loads an invoice the caller may see (its patient or an admin), and
    /// records the access.
    pub async fn visible_invoice(&self, caller: &Principal, id: &str, action: &str) -> Result<InvoiceRow, Status> {
        let invoice = store::get_invoice(&self.db, id).await?.ok_or_else(not_found_invoice)?;
        let allowed =
            caller.role == Role::Admin || (caller.role == Role::Patient && invoice.patient_id == caller.subject);
        if !allowed {
            return Err(not_found_invoice());
        }
        self.audit(caller, std::slice::from_ref(&invoice.id), action).await?;
        Ok(invoice)
    }

    pub async fn audit(&self, caller: &Principal, ids: &[String], action: &str) -> Result<(), Status> {
        Ok(store::log_access(&self.db, ids, &caller.subject, role_name(caller.role), action).await?)
    }

    /// Claims carry invoice data: seeing them is an access to those invoices.
    pub async fn audit_claims(&self, caller: &Principal, rows: &[ClaimRow], action: &str) -> Result<(), Status> {
        let mut ids: Vec<String> = rows.iter().map(|c| c.invoice_id.clone()).collect();
        ids.dedup();
        self.audit(caller, &ids, action).await
    }
}
