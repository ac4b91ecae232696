//! Typed documents over the document store: a serde type with the version its
//! next write must expect, the errors a service's store answers with, and
//! how those errors read as gRPC statuses.
//!
//! A service's store keeps its queries; it converts with [`to_value`] and
//! [`from_stored`], filters with [`eq`] and answers [`StoreError`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tonic::{Code, Status};

use super::{DocError, Filter, Stored};
use crate::error::refusal;

/// A document with the version its next write must expect.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub id: String,
    pub version: i64,
    pub doc: T,
}

/// A page of documents and the cursor of the next one.
pub type PageOf<T> = (Vec<Versioned<T>>, Option<String>);

/// The errors of a service's store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    AlreadyExists,
    #[error("not found")]
    NotFound,
    #[error("changed concurrently")]
    Conflict,
    #[error("bad query: {0}")]
    Invalid(String),
    #[error("store: {0}")]
    Backend(String),
}

impl From<DocError> for StoreError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::AlreadyExists { .. } => StoreError::AlreadyExists,
            DocError::NotFound => StoreError::NotFound,
            DocError::VersionConflict { .. } => StoreError::Conflict,
            DocError::InvalidDocument(m) => StoreError::Invalid(m),
            DocError::Backend(m) => StoreError::Backend(m),
        }
    }
}

impl From<StoreError> for Status {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists => Status::already_exists("it exists already"),
            StoreError::NotFound => Status::not_found("not found"),
            StoreError::Conflict => refusal(
                Code::Aborted,
                "CONCURRENT_UPDATE",
                "changed since the version you read; read it again and retry",
            ),
            StoreError::Invalid(m) => Status::invalid_argument(m),
            StoreError::Backend(m) => {
                tracing::warn!(error = %m, "document store failure");
                Status::unavailable("the store is unavailable, retry later")
            }
        }
    }
}

/// A document as the store's JSON body.
pub fn to_value<T: Serialize>(doc: &T) -> Result<Value, StoreError> {
    serde_json::to_value(doc).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// A stored document read as `T`.
pub fn from_stored<T: DeserializeOwned>(stored: Stored) -> Result<Versioned<T>, StoreError> {
    let doc = serde_json::from_value(stored.body)
        .map_err(|e| StoreError::Backend(format!("stored document {}: {e}", stored.id)))?;
    Ok(Versioned { id: stored.id, version: stored.version, doc })
}

/// The filter `field == value`.
pub fn eq(field: &str, value: impl Into<Value>) -> (String, Filter) {
    (field.to_owned(), Filter::Eq(value.into()))
}

#[cfg(test)]
mod tests {
    use tonic_types::StatusExt;

    use super::*;

    #[test]
    fn document_errors_become_store_errors() {
        let e: StoreError = DocError::VersionConflict { expected: 1, actual: 2 }.into();
        assert!(matches!(e, StoreError::Conflict));
        let e: StoreError = DocError::AlreadyExists { index: "_id_".into() }.into();
        assert!(matches!(e, StoreError::AlreadyExists));
        let e: StoreError = DocError::InvalidDocument("x".into()).into();
        assert_eq!(e.to_string(), "bad query: x");
    }

    #[test]
    fn store_errors_read_as_statuses() {
        let lost = Status::from(StoreError::Conflict);
        assert_eq!(lost.code(), Code::Aborted);
        assert_eq!(lost.message(), "changed since the version you read; read it again and retry");
        assert_eq!(lost.get_error_details().error_info().unwrap().reason, "CONCURRENT_UPDATE");
        assert_eq!(Status::from(StoreError::NotFound).code(), Code::NotFound);
        assert_eq!(Status::from(StoreError::Backend("down".into())).code(), Code::Unavailable);
    }

    #[test]
    fn documents_round_trip() {
        let value = to_value(&serde_json::json!({"a": 1})).unwrap();
        let stored = Stored { id: "d".into(), version: 3, body: value };
        let read: Versioned<serde_json::Value> = from_stored(stored).unwrap();
        assert_eq!((read.id.as_str(), read.version), ("d", 3));
        let bad = Stored { id: "d".into(), version: 1, body: serde_json::json!({"a": 1}) };
        assert!(matches!(from_stored::<String>(bad), Err(StoreError::Backend(_))));
    }
}
