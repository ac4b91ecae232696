//! gRPC status to HTTP: one mapping for every REST response.
//!
//! | gRPC code | HTTP |
//! |---|---|
//! | OK | 200 |
//! | INVALID_ARGUMENT, FAILED_PRECONDITION | 400 |
//! | UNAUTHENTICATED | 401 |
//! | PERMISSION_DENIED | 403 |
//! | NOT_FOUND | 404 |
//! | ALREADY_EXISTS, ABORTED | 409 |
//! | RESOURCE_EXHAUSTED | 429 |
//! | UNAVAILABLE | 503 |
//! | DEADLINE_EXCEEDED | 504 |
//! | anything else | 500 |
//!
//! FAILED_PRECONDITION is 400, not 412: HMS uses it for "the resource is not in
//! a state that allows this" (a domain refusal the client must fix), and HTTP
//! 412 is about conditional request headers, which HMS does not use.

use http::StatusCode;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// INVALID_ARGUMENT with a `google.rpc.BadRequest` naming the field.
pub fn invalid_argument(field: &str, description: &str) -> Status {
    Status::with_error_details(
        Code::InvalidArgument,
        description.to_owned(),
        ErrorDetails::with_bad_request_violation(field, description),
    )
}

/// RESOURCE_EXHAUSTED with a `google.rpc.RetryInfo`.
pub fn rate_limited(retry_after: std::time::Duration) -> Status {
    Status::with_error_details(
        Code::ResourceExhausted,
        "too many requests, retry later",
        ErrorDetails::with_retry_info(Some(retry_after)),
    )
}

pub fn internal(e: impl std::fmt::Display) -> Status {
    tracing::error!(error = %e, "gateway error");
    Status::internal("internal error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(http_status(Code::InvalidArgument), StatusCode::BAD_REQUEST);
        assert_eq!(http_status(Code::FailedPrecondition), StatusCode::BAD_REQUEST);
        assert_eq!(http_status(Code::Unauthenticated), StatusCode::UNAUTHORIZED);
        assert_eq!(http_status(Code::PermissionDenied), StatusCode::FORBIDDEN);
        assert_eq!(http_status(Code::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(http_status(Code::AlreadyExists), StatusCode::CONFLICT);
        assert_eq!(http_status(Code::Aborted), StatusCode::CONFLICT);
        assert_eq!(http_status(Code::ResourceExhausted), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(http_status(Code::Unavailable), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(http_status(Code::DeadlineExceeded), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(http_status(Code::OutOfRange), StatusCode::BAD_REQUEST);
        assert_eq!(http_status(Code::Unimplemented), StatusCode::NOT_IMPLEMENTED);
        assert_eq!(http_status(Code::DataLoss), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(http_status(Code::Unknown), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
