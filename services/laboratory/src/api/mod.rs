//! The gRPC API: validate, convert, and call a use case of `app`, which
//! decides access to orders and audits it (roles are enforced by the
//! access policies of the contract before a request gets here).

mod convert;
mod laboratory;

use std::sync::Arc;

use tonic::{Response, Status};

use crate::app::State;

type Reply<T> = Result<Response<T>, Status>;

/// `hms.laboratory.v1.LaboratoryService`.
pub struct LaboratoryApi(pub Arc<State>);
