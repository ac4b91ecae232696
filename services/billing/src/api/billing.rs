//! `BillingService`, for patients and admins: invoices and their payments,
//! insurance policies and claims, and billing administration (manual
//! invoices, discounts, manual payments, cancellation, write-off, claim
//! decisions).

use std::sync::Arc;

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::proto::billing::billing_service_server::BillingService;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::PageResponse;
use tonic::{Request, Response, Status};

use hms_kit::ids::check_id;
use hms_kit::time::date_from_proto;

use super::convert::{
    MAX_LINES, check_amount, check_currency, check_idempotency_key, check_manual, claim_status_from_proto,
    claim_to_proto, item_type_from_proto, payer_action_to_proto, payment_to_proto, policy_to_proto, refund_to_proto,
    source_type_name, statuses_from,
};
use super::{Reply, claims_to_proto, invoice_to_proto, invoices_to_proto};
use crate::app::State;
use crate::app::access::require_self_or_admin;
use crate::app::claims::NewClaim;
use crate::app::invoicing::ManualInvoice;
use crate::app::payments::CardPayment;
use crate::app::policies::NewPolicy;
use crate::app::refunds::RefundInput;
use crate::domain::{ItemType as DomainItemType, Line};
use crate::store::{InvoiceFilter, PolicyRow};

pub struct BillingApi(pub Arc<State>);

impl BillingApi {
    fn policy_to_proto(&self, p: &PolicyRow) -> Result<InsurancePolicy, Status> {
        Ok(policy_to_proto(p, self.0.open_policy_number(p)?))
    }

    /// A page of invoices as messages; every invoice returned is audited as LIST.
    async fn list(
        &self,
        caller: &hms_kit::auth::Principal,
        filter: InvoiceFilter,
        page: Option<&hms_kit::proto::common::PageRequest>,
    ) -> Result<(Vec<Invoice>, PageResponse), Status> {
        let (rows, next) = self.0.list_invoices(caller, filter, page).await?;
        Ok((invoices_to_proto(&self.0, &rows).await?, PageResponse { next_page_token: next }))
    }

    /// Cancels or writes off (`action` CANCEL or WRITE_OFF), with a reason.
    async fn close(
        &self,
        caller: &hms_kit::auth::Principal,
        address: &str,
        id: &str,
        reason: &str,
        action: &str,
    ) -> Result<Invoice, Status> {
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", id);
        v.text("reason", reason, 1000, true);
        v.into_result()?;
        let invoice = self.0.close(caller, address, id, reason, action).await?;
        invoice_to_proto(&self.0, &invoice).await
    }
}

#[tonic::async_trait]
impl BillingService for BillingApi {
    async fn list_patient_invoices(
        &self,
        request: Request<ListPatientInvoicesRequest>,
    ) -> Reply<ListPatientInvoicesResponse> {
        let caller = Caller::of(&request)?;
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
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        v.into_result()?;
        let invoice = self.0.visible_invoice(&caller, &r.invoice_id, "VIEW").await?;
        let payments = self.0.payments_of(&invoice).await?;
        let refunds = self.0.refunds_of(&invoice).await?;
        Ok(Response::new(GetInvoiceResponse {
            payments: payments.iter().map(|p| payment_to_proto(p, &invoice.currency)).collect(),
            refunds: refunds.iter().map(|r| refund_to_proto(r, &invoice.currency)).collect(),
            invoice: Some(invoice_to_proto(&self.0, &invoice).await?),
        }))
    }

    async fn pay_invoice(&self, request: Request<PayInvoiceRequest>) -> Reply<PayInvoiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_idempotency_key(&mut v, &r.idempotency_key);
        let amount = r.amount.unwrap_or_default();
        check_amount(&mut v, "amount.amount_minor", amount.amount_minor, false);
        if r.card_token.len() > 200 {
            v.add("card_token", "must be at most 200 characters");
        }
        v.into_result()?;
        let input = CardPayment {
            invoice_id: &r.invoice_id,
            idempotency_key: &r.idempotency_key,
            amount_minor: amount.amount_minor,
            currency: &amount.currency,
            card_token: &r.card_token,
        };
        let answer = self.0.pay_by_card(&caller, input).await?;
        Ok(Response::new(PayInvoiceResponse {
            payment: Some(payment_to_proto(&answer.payment, &answer.invoice.currency)),
            payer_action: answer.payer_action.as_ref().map(payer_action_to_proto),
            invoice: Some(invoice_to_proto(&self.0, &answer.invoice).await?),
        }))
    }

    async fn get_payment_options(
        &self,
        request: Request<GetPaymentOptionsRequest>,
    ) -> Reply<GetPaymentOptionsResponse> {
        Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let currency = check_currency(&mut v, "currency", &r.currency, &self.0.default_currency);
        v.into_result()?;
        let providers = &self.0.providers;
        let (provider, stripe) = match providers.for_currency(&currency).name() {
            "stripe" => (
                PaymentProviderKind::Stripe,
                providers.stripe().map(|s| StripeOptions {
                    publishable_key: s.client.publishable_key().to_owned(),
                    js_url: s.client.js_url().to_owned(),
                }),
            ),
            "vnpay" => (PaymentProviderKind::Vnpay, None),
            _ => (PaymentProviderKind::Test, None),
        };
        Ok(Response::new(GetPaymentOptionsResponse { provider: provider.into(), stripe }))
    }

    async fn confirm_vnpay_return(
        &self,
        request: Request<ConfirmVnpayReturnRequest>,
    ) -> Reply<ConfirmVnpayReturnResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        if r.query.is_empty() || r.query.len() > super::webhooks::MAX_QUERY_BYTES {
            v.add("query", "is required: the return URL's query string, at most 8 KiB");
        }
        v.into_result()?;
        let (payment, invoice) = self.0.confirm_vnpay_return(&caller, &r.query).await?;
        Ok(Response::new(ConfirmVnpayReturnResponse {
            payment: Some(payment_to_proto(&payment, &invoice.currency)),
            invoice: Some(invoice_to_proto(&self.0, &invoice).await?),
        }))
    }

    async fn list_insurance_policies(
        &self,
        request: Request<ListInsurancePoliciesRequest>,
    ) -> Reply<ListInsurancePoliciesResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let rows = self.0.policies_of(&caller, &r.patient_id).await?;
        let policies = rows.iter().map(|p| self.policy_to_proto(p)).collect::<Result<_, _>>()?;
        Ok(Response::new(ListInsurancePoliciesResponse { policies }))
    }

    async fn create_insurance_policy(
        &self,
        request: Request<CreateInsurancePolicyRequest>,
    ) -> Reply<CreateInsurancePolicyResponse> {
        let caller = Caller::of(&request)?;
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
        let (Some(from), Some(to)) = (from, to) else { return Err(invalid_field("policy", "dates are required")) };
        let new = NewPolicy {
            patient_id: r.patient_id,
            provider_name: p.provider_name,
            policy_number: p.policy_number,
            member_id: p.member_id,
            valid_from: from,
            valid_to: to,
            coverage_details: p.coverage_details,
        };
        let row = self.0.create_policy(&caller, new).await?;
        Ok(Response::new(CreateInsurancePolicyResponse { policy: Some(self.policy_to_proto(&row)?) }))
    }

    async fn deactivate_insurance_policy(
        &self,
        request: Request<DeactivateInsurancePolicyRequest>,
    ) -> Reply<DeactivateInsurancePolicyResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "policy_id", &r.policy_id);
        v.into_result()?;
        let policy = self.0.deactivate_policy(&caller, &r.patient_id, &r.policy_id).await?;
        Ok(Response::new(DeactivateInsurancePolicyResponse { policy: Some(self.policy_to_proto(&policy)?) }))
    }

    async fn submit_claim(&self, request: Request<SubmitClaimRequest>) -> Reply<SubmitClaimResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_id(&mut v, "policy_id", &r.policy_id);
        let amount = r.claim_amount.unwrap_or_default();
        check_amount(&mut v, "claim_amount.amount_minor", amount.amount_minor, false);
        v.text("hospital_notes", &r.hospital_notes, 2000, false);
        v.into_result()?;
        let input = NewClaim {
            invoice_id: &r.invoice_id,
            policy_id: &r.policy_id,
            amount_minor: amount.amount_minor,
            currency: &amount.currency,
            hospital_notes: r.hospital_notes.clone(),
        };
        let claim = self.0.submit_claim(&caller, input).await?;
        let claim = claims_to_proto(&self.0, std::slice::from_ref(&claim)).await?.remove(0);
        Ok(Response::new(SubmitClaimResponse { claim: Some(claim) }))
    }

    async fn search_invoices(&self, request: Request<SearchInvoicesRequest>) -> Reply<SearchInvoicesResponse> {
        let caller = Caller::of(&request)?;
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
        let caller = Caller::of(&request)?;
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
        let input = ManualInvoice {
            patient_id: r.patient_id,
            currency,
            lines,
            discount: r.discount_minor,
            due_in_days: r.due_in_days,
            idempotency_key: r.idempotency_key,
        };
        let row = self.0.create_manual(&caller, &caller.address, input).await?;
        Ok(Response::new(CreateManualInvoiceResponse { invoice: Some(invoice_to_proto(&self.0, &row).await?) }))
    }

    async fn apply_discount(&self, request: Request<ApplyDiscountRequest>) -> Reply<ApplyDiscountResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        check_amount(&mut v, "discount_minor", r.discount_minor, true);
        v.into_result()?;
        let invoice = self.0.discount(&caller, &caller.address, &r.invoice_id, r.discount_minor).await?;
        Ok(Response::new(ApplyDiscountResponse { invoice: Some(invoice_to_proto(&self.0, &invoice).await?) }))
    }

    async fn record_payment(&self, request: Request<RecordPaymentRequest>) -> Reply<RecordPaymentResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        let input = check_manual(&mut v, "", &r.idempotency_key, r.amount.as_ref(), r.method, &r.reference);
        v.into_result()?;
        let Some(input) = input else { return Err(Status::invalid_argument("invalid payment")) };
        let (payment, invoice) =
            self.0.manual_payment(&caller, &caller.address, &r.invoice_id, input, "amount.currency").await?;
        Ok(Response::new(RecordPaymentResponse {
            payment: Some(payment_to_proto(&payment, &invoice.currency)),
            invoice: Some(invoice_to_proto(&self.0, &invoice).await?),
        }))
    }

    async fn refund_payment(&self, request: Request<RefundPaymentRequest>) -> Reply<RefundPaymentResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "payment_id", &r.payment_id);
        check_idempotency_key(&mut v, &r.idempotency_key);
        let amount = r.amount.unwrap_or_default();
        check_amount(&mut v, "amount.amount_minor", amount.amount_minor, false);
        v.text("reason", &r.reason, 500, true);
        v.into_result()?;
        let input = RefundInput {
            payment_id: &r.payment_id,
            idempotency_key: &r.idempotency_key,
            amount_minor: amount.amount_minor,
            currency: &amount.currency,
            reason: r.reason.trim(),
        };
        let done = self.0.refund_payment(&caller, &caller.address, input).await?;
        let currency = &done.invoice.currency;
        Ok(Response::new(RefundPaymentResponse {
            refund: Some(refund_to_proto(&done.refund, currency)),
            payment: Some(payment_to_proto(&done.payment, currency)),
            invoice: Some(invoice_to_proto(&self.0, &done.invoice).await?),
        }))
    }

    async fn update_invoice(&self, request: Request<UpdateInvoiceRequest>) -> Reply<UpdateInvoiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "invoice_id", &r.invoice_id);
        if let Some(discount) = r.discount_minor {
            check_amount(&mut v, "discount_minor", discount, true);
        }
        // Both parts are checked before either is applied, so a bad payment
        // never leaves a discount half-done behind it.
        let input = r
            .payment
            .as_ref()
            .map(|p| check_manual(&mut v, "payment.", &p.idempotency_key, p.amount.as_ref(), p.method, &p.reference));
        v.require(r.discount_minor.is_some() || r.payment.is_some(), "discount_minor", "or payment is required");
        v.into_result()?;
        let mut invoice = None;
        if let Some(discount) = r.discount_minor {
            invoice = Some(self.0.discount(&caller, &caller.address, &r.invoice_id, discount).await?);
        }
        let mut payment = None;
        if let Some(input) = input {
            let Some(input) = input else { return Err(Status::invalid_argument("invalid payment")) };
            let (p, i) = self
                .0
                .manual_payment(&caller, &caller.address, &r.invoice_id, input, "payment.amount.currency")
                .await?;
            payment = Some(payment_to_proto(&p, &i.currency));
            invoice = Some(i);
        }
        let Some(invoice) = invoice else { return Err(Status::invalid_argument("nothing to update")) };
        Ok(Response::new(UpdateInvoiceResponse { invoice: Some(invoice_to_proto(&self.0, &invoice).await?), payment }))
    }

    async fn cancel_invoice(&self, request: Request<CancelInvoiceRequest>) -> Reply<CancelInvoiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let invoice = self.close(&caller, &caller.address, &r.invoice_id, &r.reason, "CANCEL").await?;
        Ok(Response::new(CancelInvoiceResponse { invoice: Some(invoice) }))
    }

    async fn write_off_invoice(&self, request: Request<WriteOffInvoiceRequest>) -> Reply<WriteOffInvoiceResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let invoice = self.close(&caller, &caller.address, &r.invoice_id, &r.reason, "WRITE_OFF").await?;
        Ok(Response::new(WriteOffInvoiceResponse { invoice: Some(invoice) }))
    }

    async fn list_claims(&self, request: Request<ListClaimsRequest>) -> Reply<ListClaimsResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let statuses = if r.status == 0 {
            Vec::new()
        } else {
            vec![claim_status_from_proto(r.status).ok_or_else(|| invalid_field("status", "is not a claim status"))?]
        };
        let filters = ("admin-claims", r.status);
        let (rows, next) = self.0.claims_page(&caller, None, &statuses, false, r.page.as_ref(), &filters).await?;
        Ok(Response::new(ListClaimsResponse {
            claims: claims_to_proto(&self.0, &rows).await?,
            page: Some(PageResponse { next_page_token: next }),
        }))
    }

    async fn update_claim_status(
        &self,
        request: Request<UpdateClaimStatusRequest>,
    ) -> Reply<UpdateClaimStatusResponse> {
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "claim_id", &r.claim_id);
        let to = claim_status_from_proto(r.status);
        v.require(to.is_some(), "status", "is required");
        v.text("notes", &r.notes, 2000, false);
        v.into_result()?;
        let to = to.ok_or_else(|| invalid_field("status", "is required"))?;
        let claim = self
            .0
            .update_claim_status(&caller, &caller.address, &r.claim_id, to, r.approved_amount_minor, &r.notes)
            .await?;
        Ok(Response::new(UpdateClaimStatusResponse { claim: Some(claim_to_proto(&claim)) }))
    }
}
