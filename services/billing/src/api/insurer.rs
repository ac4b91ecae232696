//! `InsuranceProviderService`, for insurance-provider users: their company's
//! pending claims and their decisions on them.

use std::sync::Arc;

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::ids::check_id;
use hms_kit::proto::billing::insurance_provider_service_server::InsuranceProviderService;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::PageResponse;
use tonic::{Request, Response, Status};

use super::convert::{claim_status_from_proto, claim_to_proto};
use super::{Reply, authorization, claims_to_proto};
use crate::app::State;
use crate::domain::claim::ClaimStatus as DomainClaimStatus;

pub struct InsurerApi(pub Arc<State>);

impl InsurerApi {
    async fn company<T>(&self, request: &Request<T>) -> Result<String, Status> {
        self.0.insurer_company(&authorization(request)).await
    }
}

#[tonic::async_trait]
impl InsuranceProviderService for InsurerApi {
    async fn list_pending_claims(
        &self,
        request: Request<ListPendingClaimsRequest>,
    ) -> Reply<ListPendingClaimsResponse> {
        let company = self.company(&request).await?;
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let filters = ("pending-claims", company.clone());
        let (rows, next) = self
            .0
            .claims_page(&caller, Some(&company), &DomainClaimStatus::PENDING, true, r.page.as_ref(), &filters)
            .await?;
        Ok(Response::new(ListPendingClaimsResponse {
            claims: claims_to_proto(&self.0, &rows).await?,
            page: Some(PageResponse { next_page_token: next }),
        }))
    }

    async fn process_claim(&self, request: Request<ProcessClaimRequest>) -> Reply<ProcessClaimResponse> {
        let company = self.company(&request).await?;
        let caller = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "claim_id", &r.claim_id);
        let to = claim_status_from_proto(r.status).filter(|s| DomainClaimStatus::INSURER_MOVES.contains(s));
        v.require(
            to.is_some(),
            "status",
            "must be PROCESSING, AWAITING_DOCUMENTS, APPROVED, PARTIALLY_APPROVED, REJECTED or PAID_BY_INSURER",
        );
        v.text("notes", &r.notes, 2000, false);
        v.into_result()?;
        let to = to.ok_or_else(|| invalid_field("status", "is required"))?;
        let claim = self.0.process_claim(&caller, &company, &r.claim_id, to, r.approved_amount_minor, &r.notes).await?;
        Ok(Response::new(ProcessClaimResponse { claim: Some(claim_to_proto(&claim)) }))
    }
}
