//! The gRPC API: authorise (the access policy does the roles; here the
//! caller's identity is taken for the record), validate, convert, call the
//! store.

pub mod admin;
pub mod convert;
pub mod internal;

use std::sync::Arc;

use hms_kit::error::{FieldViolations, refusal};
use hms_kit::storage::Db;
use serde_json::Value;
use tonic::{Code, Status};

use crate::domain::config::Spec;
use crate::watch::Feed;

/// Every key with its resolved default, in display order.
pub struct Registry(Vec<(&'static Spec, Value)>);

impl Registry {
    pub fn new(entries: Vec<(&'static Spec, Value)>) -> Self {
        Self(entries)
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static Spec, Value)> {
        self.0.iter()
    }

    pub fn get(&self, key: &str) -> Option<(&'static Spec, &Value)> {
        self.0.iter().find(|(spec, _)| spec.key == key).map(|(spec, value)| (*spec, value))
    }

    /// The key, or NOT_FOUND naming it (an unknown key is no resource).
    pub fn require(&self, key: &str) -> Result<(&'static Spec, &Value), Status> {
        if key.is_empty() {
            return Err(hms_kit::error::invalid_field("key", "is required"));
        }
        self.get(key).ok_or_else(|| {
            refusal(Code::NotFound, "CONFIGURATION_KEY_NOT_FOUND", format!("no configuration key {key:?}"))
        })
    }
}

pub struct State {
    pub db: Db,
    pub registry: Arc<Registry>,
    pub feed: Arc<Feed>,
    pub dashboard: crate::dashboard::Dashboard,
}

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
