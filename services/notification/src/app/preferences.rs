//! Someone's notification preferences: the channels they opt into or out of
//! per type, and their language.

use tonic::Status;

use super::State;
use crate::store::{PreferencesDoc, Versioned};

impl State {
    pub async fn preferences(&self, user: &str) -> Result<Option<Versioned<PreferencesDoc>>, Status> {
        Ok(self.store.preferences(user).await?)
    }

    /// Creates or replaces someone's preferences.
    pub async fn save_preferences(&self, user: &str, doc: &PreferencesDoc) -> Result<(), Status> {
        Ok(self.store.save_preferences(user, doc).await?)
    }
}
