//! Typed documents over the document store: a serde type with the version its
//! next write must expect, the errors a service's store answers with, and
//! how those errors read as gRPC statuses.
//!
//! A service's store keeps its queries; it converts with [`to_value`] and
//! [`from_stored`], filters with [`eq`] and answers [`StoreError`]. The one
//! part of the status mapping services word differently, the message of a
//! lost race, is the [`Wording`] type parameter of [`StoreError`]: a service
//! that words it its own way declares its own `Wording` and names
//! `StoreError<ItsWording>` once, as its store's error type.

use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;

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

/// What a service tells a client whose write lost a race (ABORTED,
/// `CONCURRENT_UPDATE`).
pub trait Wording {
    const CONFLICT: &'static str;
}

/// The default wording of a lost race.
#[derive(Debug)]
pub struct Concurrently;

impl Wording for Concurrently {
    const CONFLICT: &'static str = "changed concurrently; read it again and retry";
}

/// The errors of a service's store, `W` the wording of its conflicts.
#[derive(Debug)]
pub enum StoreError<W = Concurrently> {
    AlreadyExists,
    NotFound,
    Conflict,
    Invalid(String),
    Backend(String),
    /// Never made: it only carries the wording type.
    #[doc(hidden)]
    _Wording(Infallible, PhantomData<W>),
}

impl<W> fmt::Display for StoreError<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::AlreadyExists => f.write_str("already exists"),
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Conflict => f.write_str("changed concurrently"),
            StoreError::Invalid(m) => write!(f, "bad query: {m}"),
            StoreError::Backend(m) => write!(f, "store: {m}"),
            StoreError::_Wording(never, _) => match *never {},
        }
    }
}

impl<W: fmt::Debug> std::error::Error for StoreError<W> {}

impl<W> From<DocError> for StoreError<W> {
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

impl<W: Wording> From<StoreError<W>> for Status {
    fn from(e: StoreError<W>) -> Self {
        match e {
            StoreError::AlreadyExists => Status::already_exists("it exists already"),
            StoreError::NotFound => Status::not_found("not found"),
            StoreError::Conflict => refusal(Code::Aborted, "CONCURRENT_UPDATE", W::CONFLICT),
            StoreError::Invalid(m) => Status::invalid_argument(m),
            StoreError::Backend(m) => {
                tracing::warn!(error = %m, "document store failure");
                Status::unavailable("the store is unavailable, retry later")
            }
            StoreError::_Wording(never, _) => match never {},
        }
    }
}

/// A document as the store's JSON body.
pub fn to_value<T: Serialize, W>(doc: &T) -> Result<Value, StoreError<W>> {
    serde_json::to_value(doc).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// A stored document read as `T`.
pub fn from_stored<T: DeserializeOwned, W>(stored: Stored) -> Result<Versioned<T>, StoreError<W>> {
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

    #[derive(Debug)]
    struct ReadAgain;

    impl Wording for ReadAgain {
        const CONFLICT: &'static str = "read it again";
    }

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
    fn a_lost_race_is_worded_by_the_service() {
        let plain = Status::from(StoreError::<Concurrently>::Conflict);
        assert_eq!(plain.code(), Code::Aborted);
        assert_eq!(plain.message(), "changed concurrently; read it again and retry");
        assert_eq!(plain.get_error_details().error_info().unwrap().reason, "CONCURRENT_UPDATE");
        let own = Status::from(StoreError::<ReadAgain>::Conflict);
        assert_eq!(own.message(), "read it again");
        assert_eq!(Status::from(StoreError::<ReadAgain>::NotFound).code(), Code::NotFound);
        assert_eq!(Status::from(StoreError::<ReadAgain>::Backend("down".into())).code(), Code::Unavailable);
    }

    #[test]
    fn documents_round_trip() {
        let value = to_value::<_, Concurrently>(&serde_json::json!({"a": 1})).unwrap();
        let stored = Stored { id: "d".into(), version: 3, body: value };
        let read: Versioned<serde_json::Value> = from_stored::<_, Concurrently>(stored).unwrap();
        assert_eq!((read.id.as_str(), read.version), ("d", 3));
        let bad = Stored { id: "d".into(), version: 1, body: serde_json::json!({"a": 1}) };
        assert!(matches!(from_stored::<String, Concurrently>(bad), Err(StoreError::Backend(_))));
    }
}
