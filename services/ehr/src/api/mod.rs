//! The gRPC API, one file per proto service: authorise (role, ownership),
//! validate, convert, and call a use case of `app`, which decides access to
//! clinical data and audits it.

mod convert;
mod ehr;
mod internal;

use std::sync::Arc;

use tonic::{Response, Status};

use crate::app::State;

type Reply<T> = Result<Response<T>, Status>;

/// `hms.ehr.v1.EhrService`: records, encounters, break-glass and the audit trail.
pub struct EhrApi(pub Arc<State>);
/// `hms.ehr.v1.InternalEhrService`: appointment links and clinical references
/// from the other services.
pub struct InternalApi(pub Arc<State>);
