//! The one place where errors become `tonic::Status`: field violations as
//! `google.rpc.BadRequest`, domain refusals as `google.rpc.ErrorInfo` with a
//! stable reason, and store failures logged here and answered without detail.

use std::fmt::Display;

use hms_proto::google::rpc;
use prost::Message;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// `ErrorInfo.domain` of every HMS error.
pub const ERROR_DOMAIN: &str = "hms";

/// Collects every problem of a request before answering, so a client learns
/// all of them at once.
#[derive(Debug, Default)]
pub struct FieldViolations {
    violations: Vec<(String, String)>,
}

impl FieldViolations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations.push((field.into(), description.into()));
    }

    /// Adds a violation when `ok` is false.
    pub fn require(&mut self, ok: bool, field: &str, description: &str) {
        if !ok {
            self.add(field, description);
        }
    }

    /// Free text of at most `max` characters; with `required`, not blank.
    pub fn text(&mut self, field: &str, value: &str, max: usize, required: bool) {
        if required && value.trim().is_empty() {
            self.add(field, "is required");
        } else if value.chars().count() > max {
            self.add(field, format!("must have at most {max} characters"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// Adds `nested`'s violations with `prefix` before each field: a nested
    /// message checked by the same code as when it stands alone.
    pub fn nest(&mut self, prefix: &str, nested: FieldViolations) {
        self.violations.extend(nested.violations.into_iter().map(|(field, d)| (format!("{prefix}{field}"), d)));
    }

    /// `Ok` when nothing was added, INVALID_ARGUMENT with every violation otherwise.
    pub fn into_result(self) -> Result<(), Status> {
        if self.violations.is_empty() { Ok(()) } else { Err(self.into_status()) }
    }

    pub fn into_status(self) -> Status {
        let message = self
            .violations
            .iter()
            .map(|(field, description)| format!("{field}: {description}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut details = ErrorDetails::new();
        for (field, description) in self.violations {
            details.add_bad_request_violation(field, description);
        }
        Status::with_error_details(Code::InvalidArgument, message, details)
    }
}

/// INVALID_ARGUMENT for one field.
pub fn invalid_field(field: &str, description: &str) -> Status {
    let mut violations = FieldViolations::new();
    violations.add(field, description);
    violations.into_status()
}

/// A refusal by a domain rule: `code` with an `ErrorInfo` whose `reason` is
/// stable and machine-readable (e.g. `SLOT_UNAVAILABLE`).
pub fn refusal(code: Code, reason: &str, message: impl Into<String>) -> Status {
    refusal_with(code, reason, message, [])
}

/// [`refusal`] with `ErrorInfo.metadata`.
pub fn refusal_with<const N: usize>(
    code: Code,
    reason: &str,
    message: impl Into<String>,
    metadata: [(&str, String); N],
) -> Status {
    let metadata = metadata.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<std::collections::HashMap<_, _>>();
    let details = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, metadata);
    Status::with_error_details(code, message, details)
}

/// [`refusal_with`] with a typed detail after the `ErrorInfo` (e.g. the
/// alternative slots of a refused booking): `detail` packed as a
/// `google.protobuf.Any` of type `type.googleapis.com/{full_name}`, where
/// `full_name` is its proto message name (`hms.appointment.v1.SlotAlternatives`).
pub fn refusal_with_detail<const N: usize>(
    code: Code,
    reason: &str,
    message: impl Into<String>,
    metadata: [(&str, String); N],
    full_name: &str,
    detail: &impl prost::Message,
) -> Status {
    let message = message.into();
    let info = rpc::ErrorInfo {
        reason: reason.to_owned(),
        domain: ERROR_DOMAIN.to_owned(),
        metadata: metadata.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    };
    let status = rpc::Status {
        code: code as i32,
        message: message.clone(),
        details: vec![packed("google.rpc.ErrorInfo", &info), packed(full_name, detail)],
    };
    Status::with_details(code, message, status.encode_to_vec().into())
}

/// `message` as a `google.protobuf.Any` of the proto type `full_name`.
fn packed(full_name: &str, message: &impl prost::Message) -> prost_types::Any {
    prost_types::Any { type_url: format!("type.googleapis.com/{full_name}"), value: message.encode_to_vec() }
}

/// `status` as the `google.rpc.Status` it travels as (code, message and its
/// details), for an answer that carries several outcomes.
pub fn to_rpc_status(status: &Status) -> rpc::Status {
    let details = rpc::Status::decode(status.details()).map(|packed| packed.details).unwrap_or_default();
    rpc::Status { code: status.code() as i32, message: status.message().to_owned(), details }
}

/// The `Status` a `google.rpc.Status` stands for, details included.
pub fn from_rpc_status(status: &rpc::Status) -> Status {
    let code = Code::from_i32(status.code);
    if status.details.is_empty() {
        Status::new(code, status.message.clone())
    } else {
        Status::with_details(code, status.message.clone(), status.encode_to_vec().into())
    }
}

/// An unexpected failure: logged in full with an id; the client gets the id only.
pub fn internal(error: impl Display) -> Status {
    let incident = uuid::Uuid::now_v7();
    tracing::error!(%incident, error = %error, "internal error");
    Status::internal(format!("internal error (incident {incident})"))
}

/// True when a store error is a unique-key violation.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_checked_for_blankness_and_length_in_characters() {
        let mut v = FieldViolations::new();
        v.text("reason", "  ", 10, true);
        v.text("note", "ễễễ", 3, false);
        v.text("note2", "ễễễễ", 3, false);
        v.text("optional", "", 3, false);
        let status = v.into_result().unwrap_err();
        assert_eq!(status.message(), "reason: is required; note2: must have at most 3 characters");
    }

    #[test]
    fn nested_violations_are_named_under_their_prefix() {
        let mut inner = FieldViolations::new();
        inner.add("method", "is required");
        let mut v = FieldViolations::new();
        v.add("invoice_id", "is required");
        v.nest("payment.", inner);
        assert_eq!(v.into_result().unwrap_err().message(), "invoice_id: is required; payment.method: is required");
    }

    #[test]
    fn violations_carry_every_field() {
        let mut v = FieldViolations::new();
        v.add("email", "is not a valid email address");
        v.require(false, "password", "must have at least 8 characters");
        v.require(true, "username", "never added");
        let status = v.into_result().unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let bad = details.bad_request().expect("BadRequest detail");
        let fields: Vec<_> = bad.field_violations.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["email", "password"]);
    }

    #[test]
    fn refusals_carry_a_stable_reason() {
        let status = refusal_with(Code::FailedPrecondition, "SLOT_UNAVAILABLE", "taken", [("doctor_id", "d1".into())]);
        let info = status.get_error_details().error_info().cloned().unwrap();
        assert_eq!(info.reason, "SLOT_UNAVAILABLE");
        assert_eq!(info.domain, ERROR_DOMAIN);
        assert_eq!(info.metadata.get("doctor_id").map(String::as_str), Some("d1"));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let status = internal("password hash for bob is abc");
        assert!(!status.message().contains("bob"));
    }

    #[test]
    fn a_refusal_with_a_detail_carries_the_error_info_then_the_detail() {
        let detail = rpc::DebugInfo { stack_entries: Vec::new(), detail: "the alternatives".into() };
        let status = refusal_with_detail(
            Code::FailedPrecondition,
            "SLOT_UNAVAILABLE",
            "taken",
            [("doctor_id", "d1".into())],
            "google.rpc.DebugInfo",
            &detail,
        );
        assert_eq!((status.code(), status.message()), (Code::FailedPrecondition, "taken"));
        assert_eq!(status.get_error_details().error_info().map(|i| i.reason.as_str()), Some("SLOT_UNAVAILABLE"));
        let packed = rpc::Status::decode(status.details()).unwrap();
        assert_eq!(packed.details.len(), 2);
        assert_eq!(packed.details[0].type_url, "type.googleapis.com/google.rpc.ErrorInfo");
        assert_eq!(packed.details[1].type_url, "type.googleapis.com/google.rpc.DebugInfo");
        assert_eq!(rpc::DebugInfo::decode(packed.details[1].value.as_slice()).unwrap(), detail);
    }

    #[test]
    fn a_status_survives_the_trip_through_google_rpc_status() {
        let mut violations = FieldViolations::new();
        violations.add("recipient_id", "is required");
        let refused = violations.into_result().unwrap_err();
        let back = from_rpc_status(&to_rpc_status(&refused));
        assert_eq!((back.code(), back.message()), (refused.code(), refused.message()));
        let fields: Vec<_> =
            back.get_error_details().bad_request().unwrap().field_violations.iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["recipient_id"]);
        let plain = from_rpc_status(&to_rpc_status(&Status::unavailable("later")));
        assert_eq!((plain.code(), plain.message()), (Code::Unavailable, "later"));
    }
}
