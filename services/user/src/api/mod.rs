//! The gRPC API, one file per proto service of `hms.user.v1`: authorise,
//! validate, convert (`convert`), call a use case of `app`; no business
//! decisions here. Which roles reach which call is set by the proto's
//! method options, checked by the kit's access layer before a call arrives.

mod convert;
mod internal;
mod user;

use tonic::{Response, Status};

pub use internal::InternalApi;
pub use user::UserApi;

type Reply<T> = Result<Response<T>, Status>;
