//! The gRPC API, one file per proto service of `hms.admin.v1` (`admin`,
//! `internal`): authorise (the access policy does the roles; here the
//! caller's identity is taken for the record), validate, convert
//! (`convert`), call a use case of `app`; no business decisions here.

mod admin;
pub mod convert;
mod internal;

use std::sync::Arc;

use hms_kit::error::FieldViolations;
use tonic::Status;

use crate::app::State;

pub struct AdminApi(pub Arc<State>);
pub struct InternalApi(pub Arc<State>);

type Reply<T> = Result<tonic::Response<T>, Status>;

/// An identifier or a name of at most `max` characters from a small
/// alphabet: letters, digits and `-_.:/@`.
fn check_token(v: &mut FieldViolations, field: &str, value: &str, max: usize, required: bool) {
    if value.is_empty() {
        if required {
            v.add(field, "is required");
        }
    } else if value.len() > max
        || !value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'@'))
    {
        v.add(field, format!("must be at most {max} letters, digits or -_.:/@"));
    }
}
