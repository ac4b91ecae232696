//! Insurance claims: a patient's (or admin's) submission against an open
//! invoice and a valid policy, the claims lists of admins and of an insurer's
//! company, and moves through the lifecycle by the insurer (processing,
//! decisions, payout) or the hospital (an admin, logged for the audit log).

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::Principal;
use hms_kit::error::{self, invalid_field, refusal, refusal_with};
use hms_kit::paging;
use hms_kit::proto::common::PageRequest;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::State;
use crate::domain;
use crate::domain::claim::{self, ClaimStatus, Decision};
use crate::events;
use crate::store::{self, ClaimRow, Moved};

/// A claim to submit, validated.
pub struct NewClaim<'a> {
    pub invoice_id: &'a str,
    pub policy_id: &'a str,
    pub amount_minor: i64,
    /// Empty: the invoice's.
    pub currency: &'a str,
    pub hospital_notes: String,
}

/// A claim with what its message shows of its invoice and policy.
pub struct ClaimView {
    pub claim: ClaimRow,
    pub invoice_number: String,
    pub currency: String,
    pub provider_name: String,
    /// Opened.
    pub policy_number: String,
}

/// What the admin audit log keeps of a claim: its status and amounts (the
/// notes stay in the claim).
fn claim_summary(claim: &ClaimRow) -> String {
    format!(
        "status {}, claimed {}, approved {}, rejected {}",
        claim.status.as_str(),
        claim.claim_amount,
        claim.approved_amount,
        claim.rejected_amount
    )
}

fn next_claim_token(rows: &mut Vec<ClaimRow>, size: usize, filters: &impl serde::Serialize) -> String {
    if rows.len() > size {
        rows.truncate(size);
        rows.last().map(|c| paging::token(&(c.created_at, c.id.clone()), filters)).unwrap_or_default()
    } else {
        String::new()
    }
}

impl State {
    /// Claims with their invoices' numbers and their policies' provider and
    /// (opened) number: two queries for the whole page.
    pub async fn claim_views(&self, rows: &[ClaimRow]) -> Result<Vec<ClaimView>, Status> {
        let invoice_ids: Vec<String> = rows.iter().map(|c| c.invoice_id.clone()).collect();
        let policy_ids: Vec<String> = rows.iter().map(|c| c.policy_id.clone()).collect();
        let invoices = store::invoices_by_ids(&self.db, &invoice_ids).await?;
        let policies = store::policies_by_ids(&self.db, &policy_ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let invoice = invoices.iter().find(|i| i.id == c.invoice_id);
            let policy = policies.iter().find(|p| p.id == c.policy_id);
            let currency = invoice.map_or(self.default_currency.as_str(), |i| i.currency.as_str());
            let (provider_name, policy_number) = match policy {
                Some(p) => (p.provider_name.clone(), self.open_policy_number(p)?),
                None => (String::new(), String::new()),
            };
            out.push(ClaimView {
                claim: c.clone(),
                invoice_number: invoice.map(|i| i.invoice_number.clone()).unwrap_or_default(),
                currency: currency.to_owned(),
                provider_name,
                policy_number,
            });
        }
        Ok(out)
    }

    /// Submits a claim on an open invoice the caller may see, under a policy
    /// of its patient valid on its issue date, for at most its balance.
    pub async fn submit_claim(&self, caller: &Principal, input: NewClaim<'_>) -> Result<ClaimRow, Status> {
        let invoice = self.visible_invoice(caller, input.invoice_id, "CLAIM").await?;
        if !input.currency.is_empty() && input.currency != invoice.currency {
            return Err(invalid_field("claim_amount.currency", "must be the invoice's currency"));
        }
        if !invoice.status.is_open() {
            return Err(refusal(Code::FailedPrecondition, "INVOICE_NOT_CLAIMABLE", "the invoice is not open"));
        }
        let policy = store::get_policy(&self.db, input.policy_id)
            .await?
            .filter(|p| p.patient_id == invoice.patient_id)
            .ok_or_else(|| Status::not_found("no such insurance policy for the invoice's patient"))?;
        // ISO dates compare correctly as text.
        let valid = policy.active
            && policy.valid_from.as_str() <= invoice.issue_date.as_str()
            && invoice.issue_date.as_str() <= policy.valid_to.as_str();
        if !valid {
            return Err(refusal(
                Code::FailedPrecondition,
                "POLICY_NOT_VALID",
                "the policy is inactive or not valid on the invoice's issue date",
            ));
        }
        if input.amount_minor > invoice.balance() {
            return Err(refusal_with(
                Code::FailedPrecondition,
                "CLAIM_EXCEEDS_BALANCE",
                "the claim amount exceeds the invoice's open balance",
                [("balance_minor", invoice.balance().to_string())],
            ));
        }
        let now = now_micros();
        let mut claim = ClaimRow {
            id: hms_kit::ids::new_id(),
            claim_number: String::new(),
            invoice_id: invoice.id.clone(),
            policy_id: policy.id.clone(),
            patient_id: invoice.patient_id.clone(),
            company_key: policy.company_key.clone(),
            claim_amount: input.amount_minor,
            approved_amount: 0,
            rejected_amount: 0,
            status: ClaimStatus::Submitted,
            insurer_notes: String::new(),
            hospital_notes: input.hospital_notes,
            created_at: now,
            updated_at: now,
        };
        store::insert_claim(&self.db, &mut claim, events::claim_status_updated).await?;
        Ok(claim)
    }

    /// A page of claims (of one company, when given; in `statuses`, when
    /// any) and the next page's token; the invoices they show are audited.
    /// Newest first for admins, oldest first for an insurer's queue.
    pub async fn claims_page(
        &self,
        caller: &Principal,
        company_key: Option<&str>,
        statuses: &[ClaimStatus],
        oldest_first: bool,
        page: Option<&PageRequest>,
        filters: &impl serde::Serialize,
    ) -> Result<(Vec<ClaimRow>, String), Status> {
        let page = paging::parse::<(i64, String)>(page, filters)?;
        let mut rows =
            store::list_claims(&self.db, company_key, statuses, page.after.as_ref(), oldest_first, page.size + 1)
                .await?;
        let next = next_claim_token(&mut rows, page.size, filters);
        self.audit_claims(caller, &rows, "CLAIM_LIST").await?;
        Ok((rows, next))
    }

    /// The company key of the insurance-provider caller presenting
    /// `authorization`.
    pub async fn insurer_company(&self, authorization: &str) -> Result<String, Status> {
        let company = self.companies.company_of_caller(authorization).await?;
        company.map(|c| domain::company_key(&c)).ok_or_else(|| {
            refusal(
                Code::FailedPrecondition,
                "NO_COMPANY",
                "your insurance-provider profile names no company; ask an admin to set it",
            )
        })
    }

    /// The hospital's (an admin's) move of a claim, logged for the audit log.
    pub async fn update_claim_status(
        &self,
        caller: &Principal,
        address: &str,
        claim_id: &str,
        to: ClaimStatus,
        approved_amount: i64,
        notes: &str,
    ) -> Result<ClaimView, Status> {
        let claim = store::get_claim(&self.db, claim_id).await?.ok_or_else(|| Status::not_found("no such claim"))?;
        self.audit_claims(caller, std::slice::from_ref(&claim), "CLAIM_UPDATE").await?;
        let action = AdminActionEvent::by(caller, address, "claim.status_changed", "claim", &claim.id);
        self.move_claim(claim, to, approved_amount, notes, false, Some(action)).await
    }

    /// An insurer's move of one of its company's claims (`to` is one of
    /// `claim::INSURER_MOVES`).
    pub async fn process_claim(
        &self,
        caller: &Principal,
        company_key: &str,
        claim_id: &str,
        to: ClaimStatus,
        approved_amount: i64,
        notes: &str,
    ) -> Result<ClaimView, Status> {
        // Another company's claim is as good as absent.
        let claim = store::get_claim(&self.db, claim_id)
            .await?
            .filter(|c| c.company_key == company_key)
            .ok_or_else(|| Status::not_found("no such claim"))?;
        self.audit_claims(caller, std::slice::from_ref(&claim), "CLAIM_PROCESS").await?;
        self.move_claim(claim, to, approved_amount, notes, true, None).await
    }

    /// Applies a claim move checked against the lifecycle.
    async fn move_claim(
        &self,
        claim: ClaimRow,
        to: ClaimStatus,
        partial: i64,
        notes: &str,
        by_insurer: bool,
        by_admin: Option<AdminActionEvent>,
    ) -> Result<ClaimView, Status> {
        let current = Decision { approved: claim.approved_amount, rejected: claim.rejected_amount };
        let decision = claim::decide(claim.status, to, claim.claim_amount, current, partial).map_err(|e| match e {
            claim::MoveError::Refused { from, to } => refusal_with(
                Code::FailedPrecondition,
                "CLAIM_TRANSITION_REFUSED",
                format!("a claim cannot move from {} to {}", from.as_str(), to.as_str()),
                [("from", from.as_str().to_owned()), ("to", to.as_str().to_owned())],
            ),
            claim::MoveError::PartialAmount => invalid_field(
                "approved_amount_minor",
                "must be more than zero and less than the claim amount for a partial approval",
            ),
        })?;
        let mut after = claim.clone();
        after.status = to;
        after.approved_amount = decision.approved;
        after.rejected_amount = decision.rejected;
        after.updated_at = now_micros();
        if !notes.is_empty() {
            if by_insurer {
                after.insurer_notes = notes.to_owned();
            } else {
                after.hospital_notes = notes.to_owned();
            }
        }
        let event = events::claim_status_updated(&after).map_err(error::internal)?;
        let by_admin = by_admin.map(|action| action.change(claim_summary(&claim), claim_summary(&after)));
        match store::move_claim(&self.db, &claim, &after, &event, by_admin.as_ref()).await? {
            Moved::Done => Ok(self.claim_views(std::slice::from_ref(&after)).await?.remove(0)),
            Moved::Stale => Err(refusal(
                Code::Aborted,
                "CLAIM_CHANGED",
                "the claim was changed by someone else; read it again and retry",
            )),
            Moved::PayoutExceedsBalance => Err(refusal(
                Code::FailedPrecondition,
                "PAYOUT_EXCEEDS_BALANCE",
                "the approved amount exceeds the invoice's open balance",
            )),
        }
    }
}
