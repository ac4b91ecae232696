//! The use cases of the admin service, each orchestrating the domain rules
//! and the store; `api` authorises, validates and converts around them.
//!
//! - `configuration`: the system configuration read, changed (with its
//!   change history and audit entry) and followed;
//! - `audit_log`: other services' admin actions recorded, the log listed and
//!   its chain verified;
//! - `dashboard`: the summary tiles, asked of the other services.

pub mod audit_log;
pub mod configuration;
pub mod dashboard;
pub mod watch;

use std::sync::Arc;

use hms_kit::error::refusal;
use hms_kit::storage::Db;
use serde_json::Value;
use tonic::{Code, Status};

use crate::domain::config::Spec;
use watch::Feed;

/// What every use case works with.
pub struct State {
    pub db: Db,
    pub registry: Arc<Registry>,
    pub feed: Arc<Feed>,
    pub dashboard: dashboard::Dashboard,
}

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
