//! What a refusal carries: its code, the fields it names, its reason.

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// Fields named in the status's BadRequest detail, in its order.
pub fn violated_fields(status: &Status) -> Vec<String> {
    violations(status).into_iter().map(|(field, _)| field).collect()
}

/// [`violated_fields`], sorted.
pub fn violated_fields_sorted(status: &Status) -> Vec<String> {
    let mut fields = violated_fields(status);
    fields.sort();
    fields
}

/// Each violated field with its description.
pub fn violations(status: &Status) -> Vec<(String, String)> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| (v.field.clone(), v.description.clone())).collect())
        .unwrap_or_default()
}

/// The reason of the status's ErrorInfo detail, empty without one.
pub fn reason(status: &Status) -> String {
    status.get_error_details().error_info().map(|i| i.reason.clone()).unwrap_or_default()
}

/// The refusal of `result`, which must have `code`.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, Status>, code: Code) -> Status {
    match result {
        Ok(value) => panic!("expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(status.code(), code, "{status:?}");
            status
        }
    }
}
