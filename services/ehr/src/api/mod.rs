//! The gRPC API, one file per proto service: authorise (role, ownership),
//! validate, convert, and call a use case of `app`, which decides access to
//! clinical data and audits it.

mod convert;
mod ehr;
mod internal;

use std::sync::Arc;

use hms_kit::auth::{client_address, principal};
use tonic::{Request, Response, Status};

use crate::app::{Caller, State};

type Reply<T> = Result<Response<T>, Status>;

/// `hms.ehr.v1.EhrService`: records, encounters, break-glass and the audit trail.
pub struct EhrApi(pub Arc<State>);
/// `hms.ehr.v1.InternalEhrService`: appointment links and clinical references
/// from the other services.
pub struct InternalApi(pub Arc<State>);

fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    Ok(Caller { who: principal(request)?.clone(), address: client_address(request) })
}
