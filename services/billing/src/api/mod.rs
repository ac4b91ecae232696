//! The gRPC API, one file per proto service of `hms.billing.v1`: authorise,
//! validate, convert (`convert`), call a use case of `app`; no business
//! decisions here.

mod billing;
mod convert;
mod insurer;
mod internal;
mod webhooks;

use hms_kit::proto::billing::{Claim, Invoice};
use tonic::{Request, Response, Status};

use crate::app::State;
use crate::store::{ClaimRow, InvoiceRow};

pub use billing::BillingApi;
pub use insurer::InsurerApi;
pub use internal::InternalApi;
pub use webhooks::WebhookApi;

type Reply<T> = Result<Response<T>, Status>;

fn authorization<T>(request: &Request<T>) -> String {
    request.metadata().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Invoices as messages, with their items, in one query for the items.
async fn invoices_to_proto(state: &State, rows: &[InvoiceRow]) -> Result<Vec<Invoice>, Status> {
    let items = state.items_of(rows).await?;
    Ok(convert::invoices_to_proto(rows, &items))
}

async fn invoice_to_proto(state: &State, row: &InvoiceRow) -> Result<Invoice, Status> {
    Ok(invoices_to_proto(state, std::slice::from_ref(row)).await?.remove(0))
}

/// Claims as messages, with their invoices' numbers and their policies'
/// provider and (opened) number: two queries for the whole page.
async fn claims_to_proto(state: &State, rows: &[ClaimRow]) -> Result<Vec<Claim>, Status> {
    Ok(state.claim_views(rows).await?.iter().map(convert::claim_to_proto).collect())
}
