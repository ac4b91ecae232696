//! The gRPC API: authorise (role), validate, convert, and call a use case
//! of `app`, which decides access to prescriptions and audits it.

mod convert;
mod pharmacy;

use std::sync::Arc;

use tonic::{Response, Status};

use crate::app::State;

type Reply<T> = Result<Response<T>, Status>;

/// `hms.pharmacy.v1.PharmacyService`.
pub struct PharmacyApi(pub Arc<State>);
