//! The gRPC API: authorise, validate, convert, call the domain and the store.
//!
//! Access: patients reach only their own invoices and policies (someone
//! else's invoice is NOT_FOUND, so ids cannot be probed), insurance providers
//! only their company's claims, billing administration is for admins; every
//! access to an invoice is written to `invoice_access_log`.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{Principal, client_address, principal, role_name};
use hms_kit::crypto::Sealer;
use hms_kit::error::{self, FieldViolations, invalid_field, refusal, refusal_with};
use hms_kit::paging;
use hms_kit::proto::billing::billing_service_server::BillingService;
use hms_kit::proto::billing::insurance_provider_service_server::InsuranceProviderService;
use hms_kit::proto::billing::internal_billing_service_server::InternalBillingService;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::{Money, PageResponse, Role};
use hms_kit::proto::google::r#type::Date as ProtoDate;
use hms_kit::storage::Db;
use hms_kit::time::{micros_to_timestamp, now_micros};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use ring::digest::{SHA256, digest};
use tonic::{Code, Request, Response, Status};

use crate::companies::CompanyDirectory;
use crate::domain::claim::{self, ClaimStatus as DomainClaimStatus, Decision};
use crate::domain::{self, InvoiceStatus as DomainStatus, ItemType as DomainItemType, Line, MAX_AMOUNT, Method};
use crate::events;
use crate::provider::{ChargeOutcome, ChargeRequest, PaymentProvider, ProviderError};
use crate::store::{self, Begun, ClaimRow, InvoiceFilter, InvoiceRow, Moved, PaymentRow, PaymentStatus, PolicyRow};

mod manual;

type Reply<T> = Result<Response<T>, Status>;

/// Most lines on one invoice.
const MAX_LINES: usize = 200;

pub struct State {
    pub db: Db,
    pub zone: TimeZone,
    /// Read per invoice: an admin may change it at any time.
    pub due_days: crate::settings::DueDays,
    pub tax_basis_points: u32,
    pub default_currency: String,
    pub provider: Arc<dyn PaymentProvider>,
    pub companies: Arc<dyn CompanyDirectory>,
    pub sealer: Sealer,
    /// How long a replay waits for the first request of its key to finish.
    pub payment_wait: Duration,
}

pub struct InternalApi(pub Arc<State>);
pub struct BillingApi(pub Arc<State>);
pub struct InsurerApi(pub Arc<State>);

// ---- validation and conversion helpers ----

fn check_id(v: &mut FieldViolations, field: &str, value: &str) {
    if value.is_empty() {
        v.add(field, "is required");
    } else if value.len() > 64 || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        v.add(field, "must be at most 64 letters, digits, '-' or '_'");
    }
}

fn check_amount(v: &mut FieldViolations, field: &str, amount: i64, allow_zero: bool) {
    if amount < 0 || (!allow_zero && amount == 0) {
        v.add(field, if allow_zero { "must not be negative" } else { "must be more than zero" });
    } else if amount > MAX_AMOUNT {
        v.add(field, "is too large");
    }
}

/// A currency as sent: empty means `default`.
fn check_currency(v: &mut FieldViolations, field: &str, currency: &str, default: &str) -> String {
    if currency.is_empty() {
        return default.to_owned();
    }
    if !domain::valid_currency(currency) {
        v.add(field, "must be an ISO 4217 code such as VND");
    }
    currency.to_owned()
}

fn date_from_proto(v: &mut FieldViolations, field: &str, date: Option<&ProtoDate>) -> Option<Date> {
    let Some(d) = date else {
        v.add(field, "is required");
        return None;
    };
    let parsed = i16::try_from(d.year)
        .ok()
        .zip(i8::try_from(d.month).ok())
        .zip(i8::try_from(d.day).ok())
        .and_then(|((y, m), day)| Date::new(y, m, day).ok())
        .filter(|_| d.year >= 1);
    if parsed.is_none() {
        v.add(field, "is not a valid calendar date");
    }
    parsed
}

fn date_to_proto(iso: &str) -> Option<ProtoDate> {
    let date: Date = iso.parse().ok()?;
    Some(ProtoDate { year: i32::from(date.year()), month: i32::from(date.month()), day: i32::from(date.day()) })
}

fn money(amount_minor: i64, currency: &str) -> Option<Money> {
    Some(Money { amount_minor, currency: currency.to_owned() })
}

fn item_type_from_proto(value: i32) -> Option<DomainItemType> {
    match ItemType::try_from(value).ok()? {
        ItemType::Consultation => Some(DomainItemType::Consultation),
        ItemType::Medication => Some(DomainItemType::Medication),
        ItemType::LabTest => Some(DomainItemType::LabTest),
        ItemType::OtherService => Some(DomainItemType::OtherService),
        ItemType::Unspecified => None,
    }
}

fn item_type_to_proto(t: DomainItemType) -> ItemType {
    match t {
        DomainItemType::Consultation => ItemType::Consultation,
        DomainItemType::Medication => ItemType::Medication,
        DomainItemType::LabTest => ItemType::LabTest,
        DomainItemType::OtherService => ItemType::OtherService,
    }
}

fn status_to_proto(s: DomainStatus) -> InvoiceStatus {
    InvoiceStatus::from_str_name(&format!("INVOICE_STATUS_{}", s.as_str())).unwrap_or(InvoiceStatus::Unspecified)
}

fn status_from_proto(value: i32) -> Option<DomainStatus> {
    let name = InvoiceStatus::try_from(value).ok()?.as_str_name().strip_prefix("INVOICE_STATUS_")?;
    DomainStatus::parse(name)
}

fn claim_status_to_proto(s: DomainClaimStatus) -> ClaimStatus {
    ClaimStatus::from_str_name(&format!("CLAIM_STATUS_{}", s.as_str())).unwrap_or(ClaimStatus::Unspecified)
}

fn claim_status_from_proto(value: i32) -> Option<DomainClaimStatus> {
    let name = ClaimStatus::try_from(value).ok()?.as_str_name().strip_prefix("CLAIM_STATUS_")?;
    DomainClaimStatus::parse(name)
}

fn source_type_name(value: i32) -> Option<&'static str> {
    match SourceType::try_from(value).ok()? {
        SourceType::Appointment => Some("APPOINTMENT"),
        SourceType::Dispense => Some("DISPENSE"),
        SourceType::LabOrder => Some("LAB_ORDER"),
        SourceType::Manual => Some("MANUAL"),
        SourceType::Unspecified => None,
    }
}

fn source_type_to_proto(name: &str) -> SourceType {
    SourceType::from_str_name(&format!("SOURCE_TYPE_{name}")).unwrap_or(SourceType::Unspecified)
}

fn method_to_proto(m: Method) -> PaymentMethod {
    PaymentMethod::from_str_name(&format!("PAYMENT_METHOD_{}", m.as_str())).unwrap_or(PaymentMethod::Unspecified)
}

fn invoice_to_proto(row: &InvoiceRow, items: Vec<InvoiceItem>) -> Invoice {
    let c = row.currency.as_str();
    Invoice {
        id: row.id.clone(),
        invoice_number: row.invoice_number.clone(),
        patient_id: row.patient_id.clone(),
        issue_date: date_to_proto(&row.issue_date),
        due_date: date_to_proto(&row.due_date),
        items,
        subtotal: money(row.subtotal, c),
        discount: money(row.discount, c),
        tax: money(row.tax, c),
        total: money(row.total, c),
        paid_by_patient: money(row.paid_patient, c),
        paid_by_insurance: money(row.paid_insurance, c),
        balance: money(row.balance(), c),
        status: status_to_proto(row.status).into(),
        source_type: source_type_to_proto(&row.source_type).into(),
        source_id: row.source_id.clone().unwrap_or_default(),
        status_reason: row.status_reason.clone(),
        create_time: Some(micros_to_timestamp(row.created_at)),
        update_time: Some(micros_to_timestamp(row.updated_at)),
    }
}

fn payment_to_proto(p: &PaymentRow, currency: &str) -> Payment {
    Payment {
        id: p.id.clone(),
        invoice_id: p.invoice_id.clone(),
        patient_id: p.patient_id.clone(),
        amount: money(p.amount, currency),
        method: method_to_proto(p.method).into(),
        status: match p.status {
            PaymentStatus::Pending => PaymentStatus_::Pending,
            PaymentStatus::Success => PaymentStatus_::Success,
            PaymentStatus::Failed => PaymentStatus_::Failed,
        }
        .into(),
        transaction_id: p.transaction_id.clone(),
        card_last4: p.card_last4.clone(),
        failure_reason: p.failure_reason.clone(),
        create_time: Some(micros_to_timestamp(p.created_at)),
    }
}

use hms_kit::proto::billing::PaymentStatus as PaymentStatus_;

fn sha256_hex(parts: &[&str]) -> String {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    let joined: String = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
    digest(&SHA256, joined.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn check_idempotency_key(v: &mut FieldViolations, key: &str) {
    if key.len() < 8 || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        v.add("idempotency_key", "must be 8 to 64 visible ASCII characters");
    }
}

fn authorization<T>(request: &Request<T>) -> String {
    request.metadata().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn caller<T>(request: &Request<T>) -> Result<Principal, Status> {
    principal(request).cloned()
}

fn not_found_invoice() -> Status {
    Status::not_found("no such invoice")
}

/// A patient acts for themself only; admins for anyone.
fn require_self_or_admin(caller: &Principal, patient_id: &str) -> Result<(), Status> {
    if caller.role == Role::Admin || (caller.role == Role::Patient && caller.subject == patient_id) {
        Ok(())
    } else {
        Err(Status::permission_denied("patients may only see and manage their own billing"))
    }
}

impl State {
    fn today(&self) -> Date {
        jiff::Timestamp::now().to_zoned(self.zone.clone()).date()
    }

    /// Invoices as messages, with their items, in one query for the items.
    async fn invoices_to_proto(&self, rows: &[InvoiceRow]) -> Result<Vec<Invoice>, Status> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let items = store::items(&self.db, &ids).await.map_err(error::store)?;
        Ok(rows
            .iter()
            .map(|row| {
                let mine = items
                    .iter()
                    .filter(|(id, _)| *id == row.id)
                    .map(|(_, item)| InvoiceItem {
                        r#type: item_type_to_proto(item.line.item_type).into(),
                        description: item.line.description.clone(),
                        quantity: item.line.quantity,
                        unit_price: money(item.line.unit_price, &row.currency),
                        total: money(item.total, &row.currency),
                    })
                    .collect();
                invoice_to_proto(row, mine)
            })
            .collect())
    }

    async fn invoice_to_proto(&self, row: &InvoiceRow) -> Result<Invoice, Status> {
        Ok(self.invoices_to_proto(std::slice::from_ref(row)).await?.remove(0))
    }

    /// Loads an invoice the caller may see (its patient or an admin), and
    /// records the access.
    async fn visible_invoice(&self, caller: &Principal, id: &str, action: &str) -> Result<InvoiceRow, Status> {
        let invoice = store::get_invoice(&self.db, id).await.map_err(error::store)?.ok_or_else(not_found_invoice)?;
        let allowed =
            caller.role == Role::Admin || (caller.role == Role::Patient && invoice.patient_id == caller.subject);
        if !allowed {
            return Err(not_found_invoice());
        }
        self.audit(caller, std::slice::from_ref(&invoice.id), action).await?;
        Ok(invoice)
    }

    async fn audit(&self, caller: &Principal, ids: &[String], action: &str) -> Result<(), Status> {
        store::log_access(&self.db, ids, &caller.subject, role_name(caller.role), action).await.map_err(error::store)
    }

    async fn reload(&self, id: &str) -> Result<InvoiceRow, Status> {
        store::get_invoice(&self.db, id).await.map_err(error::store)?.ok_or_else(not_found_invoice)
    }

    /// Creates (or finds) the invoice of a source and answers with it.
    async fn create_for_source(
        &self,
        patient_id: &str,
        currency: String,
        lines: Vec<Line>,
        source_type: &'static str,
        source_id: &str,
    ) -> Result<(Invoice, bool), Status> {
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
        let (row, created) =
            store::create_invoice(&self.db, &new, events::invoice_generated, None).await.map_err(error::store)?;
        if !created && row.patient_id != patient_id {
            return Err(refusal_with(
                Code::AlreadyExists,
                "SOURCE_ALREADY_INVOICED",
                "this source was invoiced to another patient",
                [("invoice_id", row.id.clone())],
            ));
        }
        Ok((self.invoice_to_proto(&row).await?, created))
    }

    // ---- payments ----

    /// Answers a payment request whose row exists: replays return the
    /// original outcome; a payment still PENDING is waited for, then
    /// reconciled with the provider.
    async fn settle(&self, payment: PaymentRow, card_token: Option<&str>) -> Result<PaymentRow, Status> {
        let mut payment = payment;
        let deadline = tokio::time::Instant::now() + self.payment_wait;
        while payment.status == PaymentStatus::Pending && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
            payment = store::payment_by_key(&self.db, &payment.idempotency_key)
                .await
                .map_err(error::store)?
                .ok_or_else(|| error::internal("a payment row vanished"))?;
        }
        match payment.status {
            PaymentStatus::Success => Ok(payment),
            PaymentStatus::Failed => Err(declined(&payment.failure_reason)),
            PaymentStatus::Pending => self.reconcile(payment, card_token).await,
        }
    }

    /// Finds out what became of a PENDING card payment: the provider's record
    /// under our key decides; without one, the charge is made (again) under
    /// the same key, which the provider never charges twice.
    async fn reconcile(&self, payment: PaymentRow, card_token: Option<&str>) -> Result<PaymentRow, Status> {
        match self.provider.lookup(&payment.id).await {
            Ok(Some(charge)) => self.apply_charge(payment, charge).await,
            Ok(None) => match card_token {
                Some(token) => self.charge(payment, token).await,
                None => Err(pending_payment()),
            },
            Err(e) => {
                tracing::warn!(payment = %payment.id, error = %e, "payment lookup failed; payment stays pending");
                Err(pending_payment())
            }
        }
    }

    async fn charge(&self, payment: PaymentRow, card_token: &str) -> Result<PaymentRow, Status> {
        let invoice = self.reload(&payment.invoice_id).await?;
        let request = ChargeRequest {
            idempotency_key: &payment.id,
            amount_minor: payment.amount,
            currency: &invoice.currency,
            card_token,
        };
        match self.provider.charge(request).await {
            Ok(charge) => self.apply_charge(payment, charge).await,
            Err(ProviderError::Timeout | ProviderError::Unavailable(_)) => {
                // The charge may have gone through: ask, never charge blindly again.
                match self.provider.lookup(&payment.id).await {
                    Ok(Some(charge)) => self.apply_charge(payment, charge).await,
                    Ok(None) | Err(_) => Err(pending_payment()),
                }
            }
        }
    }

    async fn apply_charge(&self, payment: PaymentRow, charge: crate::provider::Charge) -> Result<PaymentRow, Status> {
        match &charge.outcome {
            ChargeOutcome::Succeeded => {
                let invoice = self.reload(&payment.invoice_id).await?;
                let notice = events::payment_successful(&invoice, &payment);
                store::complete_payment(&self.db, &payment, &charge.id, &charge.card_last4, &notice)
                    .await
                    .map_err(error::store)?;
            }
            ChargeOutcome::Declined(reason) => {
                store::fail_payment(&self.db, &payment, reason, &charge.card_last4).await.map_err(error::store)?;
            }
        }
        let settled = store::payment_by_key(&self.db, &payment.idempotency_key)
            .await
            .map_err(error::store)?
            .ok_or_else(|| error::internal("a payment row vanished"))?;
        match settled.status {
            PaymentStatus::Failed => Err(declined(&settled.failure_reason)),
            _ => Ok(settled),
        }
    }

    async fn begin(
        &self,
        payment: PaymentRow,
        notice: Option<&events::Notice>,
        by_admin: Option<&AdminActionEvent>,
    ) -> Result<Result<PaymentRow, PaymentRow>, Status> {
        match store::begin_payment(&self.db, &payment, notice, by_admin).await.map_err(error::store)? {
            Begun::New(p) => Ok(Ok(p)),
            Begun::Existing(existing) if existing.fingerprint == payment.fingerprint => Ok(Err(existing)),
            Begun::Existing(_) => Err(refusal(
                Code::AlreadyExists,
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was used for a different payment request",
            )),
            Begun::Overpayment => {
                let balance = self.reload(&payment.invoice_id).await?.balance();
                Err(refusal_with(
                    Code::FailedPrecondition,
                    "OVERPAYMENT",
                    format!("the amount exceeds the invoice's open balance of {balance}"),
                    [("balance_minor", balance.to_string())],
                ))
            }
            Begun::NotOpen => Err(refusal(
                Code::FailedPrecondition,
                "INVOICE_NOT_PAYABLE",
                "the invoice takes no payments in its status",
            )),
        }
    }

    // ---- claims ----

    async fn claim_to_proto(&self, c: &ClaimRow) -> Result<Claim, Status> {
        Ok(self.claims_to_proto(std::slice::from_ref(c)).await?.remove(0))
    }

    /// Claims as messages, with their invoices' numbers and their policies'
    /// provider and (opened) number: two queries for the whole page.
    async fn claims_to_proto(&self, rows: &[ClaimRow]) -> Result<Vec<Claim>, Status> {
        let invoice_ids: Vec<String> = rows.iter().map(|c| c.invoice_id.clone()).collect();
        let policy_ids: Vec<String> = rows.iter().map(|c| c.policy_id.clone()).collect();
        let invoices = store::invoices_by_ids(&self.db, &invoice_ids).await.map_err(error::store)?;
        let policies = store::policies_by_ids(&self.db, &policy_ids).await.map_err(error::store)?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let invoice = invoices.iter().find(|i| i.id == c.invoice_id);
            let policy = policies.iter().find(|p| p.id == c.policy_id);
            let currency = invoice.map_or(self.default_currency.as_str(), |i| i.currency.as_str());
            let (provider_name, policy_number) = match policy {
                Some(p) => (p.provider_name.clone(), self.open_policy_number(p)?),
                None => (String::new(), String::new()),
            };
            out.push(Claim {
                id: c.id.clone(),
                claim_number: c.claim_number.clone(),
                invoice_id: c.invoice_id.clone(),
                invoice_number: invoice.map(|i| i.invoice_number.clone()).unwrap_or_default(),
                policy_id: c.policy_id.clone(),
                patient_id: c.patient_id.clone(),
                provider_name,
                policy_number,
                claim_amount: money(c.claim_amount, currency),
                approved_amount: money(c.approved_amount, currency),
                rejected_amount: money(c.rejected_amount, currency),
                status: claim_status_to_proto(c.status).into(),
                insurer_notes: c.insurer_notes.clone(),
                hospital_notes: c.hospital_notes.clone(),
                submit_time: Some(micros_to_timestamp(c.created_at)),
                update_time: Some(micros_to_timestamp(c.updated_at)),
            });
        }
        Ok(out)
    }

    /// Claims carry invoice data: seeing them is an access to those invoices.
    async fn audit_claims(&self, caller: &Principal, rows: &[ClaimRow], action: &str) -> Result<(), Status> {
        let mut ids: Vec<String> = rows.iter().map(|c| c.invoice_id.clone()).collect();
        ids.dedup();
        self.audit(caller, &ids, action).await
    }

    fn open_policy_number(&self, p: &PolicyRow) -> Result<String, Status> {
        let plain =
            self.sealer.open(&p.policy_number_key_id, &p.policy_number_sealed, &p.id).map_err(error::internal)?;
        String::from_utf8(plain).map_err(error::internal)
    }

    fn policy_to_proto(&self, p: &PolicyRow) -> Result<InsurancePolicy, Status> {
        Ok(InsurancePolicy {
            id: p.id.clone(),
            patient_id: p.patient_id.clone(),
            provider_name: p.provider_name.clone(),
            policy_number: self.open_policy_number(p)?,
            member_id: p.member_id.clone(),
            valid_from: date_to_proto(&p.valid_from),
            valid_to: date_to_proto(&p.valid_to),
            coverage_details: p.coverage_details.clone(),
            active: p.active,
            create_time: Some(micros_to_timestamp(p.created_at)),
        })
    }

    /// Applies a claim move checked against the lifecycle.
    async fn move_claim(
        &self,
        claim: ClaimRow,
        to: DomainClaimStatus,
        partial: i64,
        notes: &str,
        by_insurer: bool,
        by_admin: Option<AdminActionEvent>,
    ) -> Result<Claim, Status> {
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
        let notice = events::claim_status_updated(&after);
        let by_admin = by_admin.map(|action| action.change(claim_summary(&claim), claim_summary(&after)));
        match store::move_claim(&self.db, &claim, &after, &notice, by_admin.as_ref()).await.map_err(error::store)? {
            Moved::Done => self.claim_to_proto(&after).await,
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

fn declined(reason: &str) -> Status {
    refusal_with(
        Code::FailedPrecondition,
        "PAYMENT_DECLINED",
        "the card payment was declined",
        [("provider_reason", reason.to_owned())],
    )
}

fn pending_payment() -> Status {
    refusal(
        Code::Unavailable,
        "PAYMENT_PENDING",
        "the payment provider did not confirm the charge yet; retry with the same idempotency key",
    )
}

/// Validated lines of a request, in `currency`.
fn lines_from(
    v: &mut FieldViolations,
    inputs: impl ExactSizeIterator<Item = (String, i64, Option<Money>)>,
    item_type: DomainItemType,
    default_currency: &str,
) -> (Vec<Line>, String) {
    if inputs.len() == 0 {
        v.add("items", "needs at least one item");
    } else if inputs.len() > MAX_LINES {
        v.add("items", format!("must have at most {MAX_LINES} items"));
    }
    let mut currency: Option<String> = None;
    let mut lines = Vec::new();
    for (i, (name, quantity, price)) in inputs.enumerate() {
        v.text(&format!("items[{i}].name"), &name, 255, true);
        if quantity < 1 {
            v.add(format!("items[{i}].quantity"), "must be at least 1");
        }
        let price = price.unwrap_or_default();
        check_amount(v, &format!("items[{i}].price.amount_minor"), price.amount_minor, true);
        let c = check_currency(v, &format!("items[{i}].price.currency"), &price.currency, default_currency);
        match &currency {
            Some(first) if *first != c => v.add(format!("items[{i}].price.currency"), "all items need one currency"),
            Some(_) => {}
            None => currency = Some(c),
        }
        lines.push(Line { item_type, description: name.trim().to_owned(), quantity, unit_price: price.amount_minor });
    }
    (lines, currency.unwrap_or_else(|| default_currency.to_owned()))
}

// ---- internal ----

#[tonic::async_trait]
impl InternalBillingService for InternalApi {
    async fn get_billing_stats(&self, request: Request<GetBillingStatsRequest>) -> Reply<GetBillingStatsResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let day = hms_kit::time::required_micros(&mut v, "day_start_time", r.day_start_time.as_ref());
        let week = hms_kit::time::required_micros(&mut v, "week_start_time", r.week_start_time.as_ref());
        v.into_result()?;
        let (Some(day), Some(week)) = (day, week) else { return Err(invalid_field("day_start_time", "is required")) };
        let stats = crate::stats::billing_stats(&self.0.db, day, week).await.map_err(error::store)?;
        Ok(Response::new(GetBillingStatsResponse { stats: Some(stats) }))
    }

    async fn create_invoice_for_appointment(
        &self,
        request: Request<CreateInvoiceForAppointmentRequest>,
    ) -> Reply<CreateInvoiceForAppointmentResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", &r.appointment_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let price = r.price.unwrap_or_default();
        let item = (r.service_name.clone(), 1, Some(price));
        let (lines, currency) =
            lines_from(&mut v, std::iter::once(item), DomainItemType::Consultation, &self.0.default_currency);
        v.into_result().map_err(|s| rename_item_fields(s, "service_name", "price"))?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "APPOINTMENT", &r.appointment_id).await?;
        Ok(Response::new(CreateInvoiceForAppointmentResponse { invoice: Some(invoice), created }))
    }

    async fn create_invoice_for_medication(
        &self,
        request: Request<CreateInvoiceForMedicationRequest>,
    ) -> Reply<CreateInvoiceForMedicationResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "dispense_id", &r.dispense_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let inputs = r.items.into_iter().map(|i| (i.medication_name, i.quantity, i.unit_price)).collect::<Vec<_>>();
        let (lines, currency) =
            lines_from(&mut v, inputs.into_iter(), DomainItemType::Medication, &self.0.default_currency);
        v.into_result()?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "DISPENSE", &r.dispense_id).await?;
        Ok(Response::new(CreateInvoiceForMedicationResponse { invoice: Some(invoice), created }))
    }

    async fn create_invoice_for_lab_order(
        &self,
        request: Request<CreateInvoiceForLabOrderRequest>,
    ) -> Reply<CreateInvoiceForLabOrderResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "lab_order_id", &r.lab_order_id);
        check_id(&mut v, "patient_id", &r.patient_id);
        let inputs = r.items.into_iter().map(|i| (i.test_name, 1, i.price)).collect::<Vec<_>>();
        let (lines, currency) =
            lines_from(&mut v, inputs.into_iter(), DomainItemType::LabTest, &self.0.default_currency);
        v.into_result()?;
        let (invoice, created) =
            self.0.create_for_source(&r.patient_id, currency, lines, "LAB_ORDER", &r.lab_order_id).await?;
        Ok(Response::new(CreateInvoiceForLabOrderResponse { invoice: Some(invoice), created }))
    }
}

/// The appointment request has one implicit item: name its fields as sent.
fn rename_item_fields(status: Status, name: &str, price: &str) -> Status {
    use tonic_types::StatusExt;
    let details = status.get_error_details();
    let Some(bad) = details.bad_request() else { return status };
    let mut v = FieldViolations::new();
    for f in &bad.field_violations {
        let field = f.field.replace("items[0].name", name).replace("items[0].price", price);
        v.add(field, f.description.clone());
    }
    v.into_status()
}

// ---- patients and admins ----

#[tonic::async_trait]
impl BillingService for BillingApi {
    async fn list_patient_invoices(
        &self,
        request: Request<ListPatientInvoicesRequest>,
    ) -> Reply<ListPatientInvoicesResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let statuses = statuses_from(&mut v, &r.statuses);
        v.into_result()?;
        require_self_or_admin(&caller, &r.patient_id)?;
        let filter = InvoiceFilter { patient_id: Some(r.patient_id.clone()), statuses, ..InvoiceFilter::default() };
        let (invoices, page) = self.list(&caller, filter, r.page.as_ref()).await?;
        Ok(Response::new(ListPatientInvoicesResponse { invoices, page: Some(page) }))
    }

    async fn get_invoice(&self, request: Request<GetInvoiceRequest>) -> Reply<GetInvoiceResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        v.into_result()?;
        let invoice = self.0.visible_invoice(&caller, &r.invoice_id, "VIEW").await?;
        let payments = store::payments_of(&self.0.db, &invoice.id).await.map_err(error::store)?;
        Ok(Response::new(GetInvoiceResponse {
            payments: payments.iter().map(|p| payment_to_proto(p, &invoice.currency)).collect(),
            invoice: Some(self.0.invoice_to_proto(&invoice).await?),
        }))
    }

    async fn pay_invoice(&self, request: Request<PayInvoiceRequest>) -> Reply<PayInvoiceResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_idempotency_key(&mut v, &r.idempotency_key);
        let amount = r.amount.unwrap_or_default();
        check_amount(&mut v, "amount.amount_minor", amount.amount_minor, false);
        if r.card_token.is_empty() || r.card_token.len() > 200 {
            v.add("card_token", "is required (a token from the payment provider, at most 200 characters)");
        }
        v.into_result()?;
        let invoice = self.0.visible_invoice(&caller, &r.invoice_id, "PAY").await?;
        if !amount.currency.is_empty() && amount.currency != invoice.currency {
            return Err(invalid_field("amount.currency", "must be the invoice's currency"));
        }
        let amount_text = amount.amount_minor.to_string();
        let payment = PaymentRow {
            id: uuid::Uuid::now_v7().to_string(),
            invoice_id: invoice.id.clone(),
            patient_id: invoice.patient_id.clone(),
            amount: amount.amount_minor,
            method: Method::CreditCard,
            status: PaymentStatus::Pending,
            // Scoped by the caller: two clients' keys never meet.
            idempotency_key: format!("{}:{}", caller.subject, r.idempotency_key),
            fingerprint: sha256_hex(&["card", &invoice.id, &amount_text, &r.card_token]),
            transaction_id: String::new(),
            card_last4: String::new(),
            failure_reason: String::new(),
            created_at: now_micros(),
        };
        let settled = match self.0.begin(payment, None, None).await? {
            Ok(started) => self.0.charge(started, &r.card_token).await?,
            Err(existing) => self.0.settle(existing, Some(&r.card_token)).await?,
        };
        let invoice = self.0.reload(&settled.invoice_id).await?;
        Ok(Response::new(PayInvoiceResponse {
            payment: Some(payment_to_proto(&settled, &invoice.currency)),
            invoice: Some(self.0.invoice_to_proto(&invoice).await?),
        }))
    }

    async fn list_insurance_policies(
        &self,
        request: Request<ListInsurancePoliciesRequest>,
    ) -> Reply<ListInsurancePoliciesResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        require_self_or_admin(&caller, &r.patient_id)?;
        let rows = store::policies_of(&self.0.db, &r.patient_id).await.map_err(error::store)?;
        let policies = rows.iter().map(|p| self.0.policy_to_proto(p)).collect::<Result<_, _>>()?;
        Ok(Response::new(ListInsurancePoliciesResponse { policies }))
    }

    async fn create_insurance_policy(
        &self,
        request: Request<CreateInsurancePolicyRequest>,
    ) -> Reply<CreateInsurancePolicyResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let p = r.policy.unwrap_or_default();
        v.text("policy.provider_name", &p.provider_name, 200, true);
        v.text("policy.policy_number", &p.policy_number, 100, true);
        v.text("policy.member_id", &p.member_id, 100, false);
        v.text("policy.coverage_details", &p.coverage_details, 2000, false);
        let from = date_from_proto(&mut v, "policy.valid_from", p.valid_from.as_ref());
        let to = date_from_proto(&mut v, "policy.valid_to", p.valid_to.as_ref());
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            v.add("policy.valid_to", "must not be before valid_from");
        }
        v.into_result()?;
        require_self_or_admin(&caller, &r.patient_id)?;
        let (Some(from), Some(to)) = (from, to) else { return Err(invalid_field("policy", "dates are required")) };
        let id = uuid::Uuid::now_v7().to_string();
        let (key_id, sealed) = self.0.sealer.seal(p.policy_number.trim().as_bytes(), &id).map_err(error::internal)?;
        let row = PolicyRow {
            id,
            patient_id: r.patient_id,
            provider_name: p.provider_name.trim().to_owned(),
            company_key: domain::company_key(&p.provider_name),
            policy_number_key_id: key_id,
            policy_number_sealed: sealed,
            member_id: p.member_id.trim().to_owned(),
            valid_from: from.to_string(),
            valid_to: to.to_string(),
            coverage_details: p.coverage_details,
            active: true,
            created_at: now_micros(),
        };
        store::insert_policy(&self.0.db, &row).await.map_err(error::store)?;
        Ok(Response::new(CreateInsurancePolicyResponse { policy: Some(self.0.policy_to_proto(&row)?) }))
    }

    async fn deactivate_insurance_policy(
        &self,
        request: Request<DeactivateInsurancePolicyRequest>,
    ) -> Reply<DeactivateInsurancePolicyResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "policy_id", &r.policy_id);
        v.into_result()?;
        require_self_or_admin(&caller, &r.patient_id)?;
        let policy = store::get_policy(&self.0.db, &r.policy_id)
            .await
            .map_err(error::store)?
            .filter(|p| p.patient_id == r.patient_id)
            .ok_or_else(|| Status::not_found("no such insurance policy"))?;
        store::deactivate_policy(&self.0.db, &policy.id).await.map_err(error::store)?;
        let policy = PolicyRow { active: false, ..policy };
        Ok(Response::new(DeactivateInsurancePolicyResponse { policy: Some(self.0.policy_to_proto(&policy)?) }))
    }

    async fn submit_claim(&self, request: Request<SubmitClaimRequest>) -> Reply<SubmitClaimResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_id(&mut v, "policy_id", &r.policy_id);
        let amount = r.claim_amount.unwrap_or_default();
        check_amount(&mut v, "claim_amount.amount_minor", amount.amount_minor, false);
        v.text("hospital_notes", &r.hospital_notes, 2000, false);
        v.into_result()?;
        let invoice = self.0.visible_invoice(&caller, &r.invoice_id, "CLAIM").await?;
        if !amount.currency.is_empty() && amount.currency != invoice.currency {
            return Err(invalid_field("claim_amount.currency", "must be the invoice's currency"));
        }
        if !invoice.status.is_open() {
            return Err(refusal(Code::FailedPrecondition, "INVOICE_NOT_CLAIMABLE", "the invoice is not open"));
        }
        let policy = store::get_policy(&self.0.db, &r.policy_id)
            .await
            .map_err(error::store)?
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
        if amount.amount_minor > invoice.balance() {
            return Err(refusal_with(
                Code::FailedPrecondition,
                "CLAIM_EXCEEDS_BALANCE",
                "the claim amount exceeds the invoice's open balance",
                [("balance_minor", invoice.balance().to_string())],
            ));
        }
        let now = now_micros();
        let mut claim = ClaimRow {
            id: uuid::Uuid::now_v7().to_string(),
            claim_number: String::new(),
            invoice_id: invoice.id.clone(),
            policy_id: policy.id.clone(),
            patient_id: invoice.patient_id.clone(),
            company_key: policy.company_key.clone(),
            claim_amount: amount.amount_minor,
            approved_amount: 0,
            rejected_amount: 0,
            status: DomainClaimStatus::Submitted,
            insurer_notes: String::new(),
            hospital_notes: r.hospital_notes,
            created_at: now,
            updated_at: now,
        };
        store::insert_claim(&self.0.db, &mut claim, events::claim_status_updated).await.map_err(error::store)?;
        Ok(Response::new(SubmitClaimResponse { claim: Some(self.0.claim_to_proto(&claim).await?) }))
    }

    async fn search_invoices(&self, request: Request<SearchInvoicesRequest>) -> Reply<SearchInvoicesResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let statuses = statuses_from(&mut v, &r.statuses);
        if !r.patient_id.is_empty() {
            check_id(&mut v, "patient_id", &r.patient_id);
        }
        let source_type = if r.source_type == 0 {
            None
        } else {
            let name = source_type_name(r.source_type);
            v.require(name.is_some(), "source_type", "is not a known source type");
            name.map(str::to_owned)
        };
        if r.number_prefix.len() > 64
            || !r.number_prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            v.add("number_prefix", "must be at most 64 upper-case letters, digits or '-'");
        }
        v.into_result()?;
        let filter = InvoiceFilter {
            patient_id: (!r.patient_id.is_empty()).then_some(r.patient_id),
            statuses,
            source_type,
            number_prefix: (!r.number_prefix.is_empty()).then_some(r.number_prefix),
        };
        let (invoices, page) = self.list(&caller, filter, r.page.as_ref()).await?;
        Ok(Response::new(SearchInvoicesResponse { invoices, page: Some(page) }))
    }

    async fn create_manual_invoice(
        &self,
        request: Request<CreateManualInvoiceRequest>,
    ) -> Reply<CreateManualInvoiceResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        let currency = check_currency(&mut v, "currency", &r.currency, &self.0.default_currency);
        if r.items.is_empty() {
            v.add("items", "needs at least one item");
        } else if r.items.len() > MAX_LINES {
            v.add("items", format!("must have at most {MAX_LINES} items"));
        }
        let mut lines = Vec::new();
        for (i, item) in r.items.iter().enumerate() {
            let item_type = item_type_from_proto(item.r#type);
            v.require(item_type.is_some(), &format!("items[{i}].type"), "is required");
            v.text(&format!("items[{i}].description"), &item.description, 255, true);
            if item.quantity < 1 {
                v.add(format!("items[{i}].quantity"), "must be at least 1");
            }
            check_amount(&mut v, &format!("items[{i}].unit_price_minor"), item.unit_price_minor, true);
            lines.push(Line {
                item_type: item_type.unwrap_or(DomainItemType::OtherService),
                description: item.description.trim().to_owned(),
                quantity: item.quantity,
                unit_price: item.unit_price_minor,
            });
        }
        check_amount(&mut v, "discount_minor", r.discount_minor, true);
        if !(0..=365).contains(&r.due_in_days) {
            v.add("due_in_days", "must be between 0 and 365");
        }
        if !r.idempotency_key.is_empty() {
            check_idempotency_key(&mut v, &r.idempotency_key);
        }
        v.into_result()?;
        let totals = domain::totals(&lines, r.discount_minor, self.0.tax_basis_points).map_err(|e| match e {
            domain::TotalsError::Discount => invalid_field("discount_minor", "must not exceed the subtotal"),
            domain::TotalsError::TooLarge => invalid_field("items", "the invoice total is too large"),
        })?;
        let today = self.0.today();
        let days = if r.due_in_days == 0 { self.0.due_days.current() } else { r.due_in_days };
        let new = store::NewInvoice {
            patient_id: r.patient_id,
            issue_date: today,
            due_date: today.saturating_add(jiff::Span::new().days(i64::from(days))),
            currency,
            lines,
            totals,
            source_type: "MANUAL",
            // The unique (source_type, source_id) index makes a keyed retry
            // find the first invoice, even when both calls race.
            source_id: (!r.idempotency_key.is_empty()).then(|| sha256_hex(&[&caller.subject, &r.idempotency_key])),
        };
        let action = AdminActionEvent::by(&caller, &address, "invoice.created", "invoice", "").change(
            "",
            format!("manual, total {} {}, discount {}", new.totals.total, new.currency, new.totals.discount),
        );
        let (row, created) = store::create_invoice(&self.0.db, &new, events::invoice_generated, Some(&action))
            .await
            .map_err(error::store)?;
        if created {
            self.0.audit(&caller, std::slice::from_ref(&row.id), "CREATE").await?;
        } else if (&row.patient_id, &row.currency, row.subtotal, row.total)
            != (&new.patient_id, &new.currency, new.totals.subtotal, new.totals.total)
        {
            return Err(refusal(
                Code::AlreadyExists,
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was used for a different invoice",
            ));
        }
        Ok(Response::new(CreateManualInvoiceResponse { invoice: Some(self.0.invoice_to_proto(&row).await?) }))
    }

    async fn apply_discount(&self, request: Request<ApplyDiscountRequest>) -> Reply<ApplyDiscountResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_amount(&mut v, "discount_minor", r.discount_minor, true);
        v.into_result()?;
        let invoice = self.0.discount(&caller, &address, &r.invoice_id, r.discount_minor).await?;
        Ok(Response::new(ApplyDiscountResponse { invoice: Some(self.0.invoice_to_proto(&invoice).await?) }))
    }

    async fn record_payment(&self, request: Request<RecordPaymentRequest>) -> Reply<RecordPaymentResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        let input = manual::check_manual(&mut v, "", &r.idempotency_key, r.amount.as_ref(), r.method, &r.reference);
        v.into_result()?;
        let Some(input) = input else { return Err(Status::invalid_argument("invalid payment")) };
        let (payment, invoice) =
            self.0.manual_payment(&caller, &address, &r.invoice_id, input, "amount.currency").await?;
        Ok(Response::new(RecordPaymentResponse {
            payment: Some(payment_to_proto(&payment, &invoice.currency)),
            invoice: Some(self.0.invoice_to_proto(&invoice).await?),
        }))
    }

    async fn update_invoice(&self, request: Request<UpdateInvoiceRequest>) -> Reply<UpdateInvoiceResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        if let Some(discount) = r.discount_minor {
            check_amount(&mut v, "discount_minor", discount, true);
        }
        // Both parts are checked before either is applied, so a bad payment
        // never leaves a discount half-done behind it.
        let input = r.payment.as_ref().map(|p| {
            manual::check_manual(&mut v, "payment.", &p.idempotency_key, p.amount.as_ref(), p.method, &p.reference)
        });
        v.require(r.discount_minor.is_some() || r.payment.is_some(), "discount_minor", "or payment is required");
        v.into_result()?;
        let mut invoice = None;
        if let Some(discount) = r.discount_minor {
            invoice = Some(self.0.discount(&caller, &address, &r.invoice_id, discount).await?);
        }
        let mut payment = None;
        if let Some(input) = input {
            let Some(input) = input else { return Err(Status::invalid_argument("invalid payment")) };
            let (p, i) =
                self.0.manual_payment(&caller, &address, &r.invoice_id, input, "payment.amount.currency").await?;
            payment = Some(payment_to_proto(&p, &i.currency));
            invoice = Some(i);
        }
        let Some(invoice) = invoice else { return Err(Status::invalid_argument("nothing to update")) };
        Ok(Response::new(UpdateInvoiceResponse { invoice: Some(self.0.invoice_to_proto(&invoice).await?), payment }))
    }

    async fn cancel_invoice(&self, request: Request<CancelInvoiceRequest>) -> Reply<CancelInvoiceResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let invoice = self.close(&caller, &address, &r.invoice_id, &r.reason, "CANCEL").await?;
        Ok(Response::new(CancelInvoiceResponse { invoice: Some(invoice) }))
    }

    async fn write_off_invoice(&self, request: Request<WriteOffInvoiceRequest>) -> Reply<WriteOffInvoiceResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let invoice = self.close(&caller, &address, &r.invoice_id, &r.reason, "WRITE_OFF").await?;
        Ok(Response::new(WriteOffInvoiceResponse { invoice: Some(invoice) }))
    }

    async fn list_claims(&self, request: Request<ListClaimsRequest>) -> Reply<ListClaimsResponse> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let statuses = if r.status == 0 {
            Vec::new()
        } else {
            vec![claim_status_from_proto(r.status).ok_or_else(|| invalid_field("status", "is not a claim status"))?]
        };
        let page = paging::parse::<(i64, String)>(r.page.as_ref(), &("admin-claims", r.status))?;
        let mut rows = store::list_claims(&self.0.db, None, &statuses, page.after.as_ref(), false, page.size + 1)
            .await
            .map_err(error::store)?;
        let next = next_claim_token(&mut rows, page.size, &("admin-claims", r.status));
        self.0.audit_claims(&caller, &rows, "CLAIM_LIST").await?;
        Ok(Response::new(ListClaimsResponse {
            claims: self.0.claims_to_proto(&rows).await?,
            page: Some(PageResponse { next_page_token: next }),
        }))
    }

    async fn update_claim_status(
        &self,
        request: Request<UpdateClaimStatusRequest>,
    ) -> Reply<UpdateClaimStatusResponse> {
        let caller = caller(&request)?;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "claim_id", &r.claim_id);
        let to = claim_status_from_proto(r.status);
        v.require(to.is_some(), "status", "is required");
        v.text("notes", &r.notes, 2000, false);
        v.into_result()?;
        let to = to.ok_or_else(|| invalid_field("status", "is required"))?;
        let claim = store::get_claim(&self.0.db, &r.claim_id)
            .await
            .map_err(error::store)?
            .ok_or_else(|| Status::not_found("no such claim"))?;
        self.0.audit_claims(&caller, std::slice::from_ref(&claim), "CLAIM_UPDATE").await?;
        let action = AdminActionEvent::by(&caller, &address, "claim.status_changed", "claim", &claim.id);
        let claim = self.0.move_claim(claim, to, r.approved_amount_minor, &r.notes, false, Some(action)).await?;
        Ok(Response::new(UpdateClaimStatusResponse { claim: Some(claim) }))
    }
}

/// What the admin audit log keeps of an invoice before and after a change:
/// its amounts and status, no line descriptions.
fn invoice_summary(invoice: &InvoiceRow) -> String {
    format!(
        "status {}, total {} {}, discount {}, paid {}",
        invoice.status.as_str(),
        invoice.total,
        invoice.currency,
        invoice.discount,
        invoice.paid_patient + invoice.paid_insurance
    )
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

fn statuses_from(v: &mut FieldViolations, statuses: &[i32]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in statuses.iter().enumerate() {
        match status_from_proto(*s) {
            Some(s) => out.push(s.as_str().to_owned()),
            None => v.add(format!("statuses[{i}]"), "is not an invoice status"),
        }
    }
    out
}

fn next_claim_token(rows: &mut Vec<ClaimRow>, size: usize, filters: &impl serde::Serialize) -> String {
    if rows.len() > size {
        rows.truncate(size);
        rows.last().map(|c| paging::token(&(c.created_at, c.id.clone()), filters)).unwrap_or_default()
    } else {
        String::new()
    }
}

impl BillingApi {
    /// A page of invoices; every invoice returned is audited as LIST.
    async fn list(
        &self,
        caller: &Principal,
        filter: InvoiceFilter,
        page: Option<&hms_kit::proto::common::PageRequest>,
    ) -> Result<(Vec<Invoice>, PageResponse), Status> {
        let page = paging::parse::<(i64, String)>(page, &filter)?;
        let mut rows = store::list_invoices(&self.0.db, &filter, page.after.as_ref(), page.size + 1)
            .await
            .map_err(error::store)?;
        let next = if rows.len() > page.size {
            rows.truncate(page.size);
            rows.last().map(|r| paging::token(&(r.created_at, r.id.clone()), &filter)).unwrap_or_default()
        } else {
            String::new()
        };
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        self.0.audit(caller, &ids, "LIST").await?;
        Ok((self.0.invoices_to_proto(&rows).await?, PageResponse { next_page_token: next }))
    }

    /// Cancels or writes off, with a reason.
    async fn close(
        &self,
        caller: &Principal,
        address: &str,
        id: &str,
        reason: &str,
        action: &str,
    ) -> Result<Invoice, Status> {
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", id);
        v.text("reason", reason, 1000, true);
        v.into_result()?;
        let invoice = self.0.visible_invoice(caller, id, action).await?;
        let (what, status) = if action == "CANCEL" {
            ("invoice.cancelled", "CANCELLED")
        } else {
            ("invoice.written_off", "WRITTEN_OFF")
        };
        let logged = AdminActionEvent::by(caller, address, what, "invoice", &invoice.id)
            .change(invoice_summary(&invoice), format!("status {status}, reason: {}", reason.trim()));
        let done = if action == "CANCEL" {
            store::cancel_invoice(&self.0.db, &invoice.id, reason.trim(), &logged).await
        } else {
            store::write_off_invoice(&self.0.db, &invoice.id, reason.trim(), &logged).await
        }
        .map_err(error::store)?;
        if !done {
            let (reason_code, message) = if action == "CANCEL" {
                ("INVOICE_NOT_CANCELLABLE", "only an open invoice with nothing paid or being paid can be cancelled")
            } else {
                ("INVOICE_NOT_OPEN", "only an open invoice with no card payment in flight can be written off")
            };
            return Err(refusal(Code::FailedPrecondition, reason_code, message));
        }
        let invoice = self.0.reload(&invoice.id).await?;
        self.0.invoice_to_proto(&invoice).await
    }
}

// ---- insurance providers ----

/// What an insurer may do to a claim; closing is the hospital's.
const INSURER_MOVES: [DomainClaimStatus; 6] = [
    DomainClaimStatus::Processing,
    DomainClaimStatus::AwaitingDocuments,
    DomainClaimStatus::Approved,
    DomainClaimStatus::PartiallyApproved,
    DomainClaimStatus::Rejected,
    DomainClaimStatus::PaidByInsurer,
];

impl InsurerApi {
    async fn company<T>(&self, request: &Request<T>) -> Result<String, Status> {
        let company = self.0.companies.company_of_caller(&authorization(request)).await?;
        company.map(|c| domain::company_key(&c)).ok_or_else(|| {
            refusal(
                Code::FailedPrecondition,
                "NO_COMPANY",
                "your insurance-provider profile names no company; ask an admin to set it",
            )
        })
    }
}

#[tonic::async_trait]
impl InsuranceProviderService for InsurerApi {
    async fn list_pending_claims(
        &self,
        request: Request<ListPendingClaimsRequest>,
    ) -> Reply<ListPendingClaimsResponse> {
        let company = self.company(&request).await?;
        let caller = caller(&request)?;
        let r = request.into_inner();
        let filters = ("pending-claims", company.clone());
        let page = paging::parse::<(i64, String)>(r.page.as_ref(), &filters)?;
        let mut rows = store::list_claims(
            &self.0.db,
            Some(&company),
            &DomainClaimStatus::PENDING,
            page.after.as_ref(),
            true,
            page.size + 1,
        )
        .await
        .map_err(error::store)?;
        let next = next_claim_token(&mut rows, page.size, &filters);
        self.0.audit_claims(&caller, &rows, "CLAIM_LIST").await?;
        Ok(Response::new(ListPendingClaimsResponse {
            claims: self.0.claims_to_proto(&rows).await?,
            page: Some(PageResponse { next_page_token: next }),
        }))
    }

    async fn process_claim(&self, request: Request<ProcessClaimRequest>) -> Reply<ProcessClaimResponse> {
        let company = self.company(&request).await?;
        let caller = caller(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "claim_id", &r.claim_id);
        let to = claim_status_from_proto(r.status).filter(|s| INSURER_MOVES.contains(s));
        v.require(
            to.is_some(),
            "status",
            "must be PROCESSING, AWAITING_DOCUMENTS, APPROVED, PARTIALLY_APPROVED, REJECTED or PAID_BY_INSURER",
        );
        v.text("notes", &r.notes, 2000, false);
        v.into_result()?;
        let to = to.ok_or_else(|| invalid_field("status", "is required"))?;
        // Another company's claim is as good as absent.
        let claim = store::get_claim(&self.0.db, &r.claim_id)
            .await
            .map_err(error::store)?
            .filter(|c| c.company_key == company)
            .ok_or_else(|| Status::not_found("no such claim"))?;
        self.0.audit_claims(&caller, std::slice::from_ref(&claim), "CLAIM_PROCESS").await?;
        let claim = self.0.move_claim(claim, to, r.approved_amount_minor, &r.notes, true, None).await?;
        Ok(Response::new(ProcessClaimResponse { claim: Some(claim) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(sha256_hex(&["ab", "c"]), sha256_hex(&["a", "bc"]));
        assert_eq!(sha256_hex(&["x"]), sha256_hex(&["x"]));
    }

    #[test]
    fn statuses_map_both_ways() {
        for s in DomainStatus::ALL {
            assert_eq!(status_from_proto(status_to_proto(s).into()), Some(s));
        }
        for s in DomainClaimStatus::ALL {
            assert_eq!(claim_status_from_proto(claim_status_to_proto(s).into()), Some(s));
        }
        assert_eq!(status_from_proto(0), None);
        assert_eq!(source_type_to_proto("LAB_ORDER"), SourceType::LabOrder);
    }
}
