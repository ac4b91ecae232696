//! What other services read about accounts: contact details, display names
//! and the dashboard's counts of new patients.

use hms_kit::auth::role_name;
use hms_kit::error::invalid_field;
use hms_kit::paging;
use hms_kit::proto::common::Role;
use tonic::Status;

use super::State;
use crate::store::{self, UserRow};

impl State {
    /// New patients since `day` and since `week` (microseconds).
    pub async fn new_patients(&self, day: i64, week: i64) -> Result<(i64, i64), Status> {
        let patient = role_name(Role::Patient);
        let today = store::count_joined_since(&self.db, patient, day).await?;
        let this_week = store::count_joined_since(&self.db, patient, week).await?;
        Ok((today, this_week))
    }

    /// The accounts of `ids` (duplicates ignored, at most a page of them), in
    /// one store query: display names and contact details of a batch.
    pub async fn users_by_ids(&self, mut ids: Vec<String>) -> Result<Vec<UserRow>, Status> {
        ids.sort();
        ids.dedup();
        if ids.len() > paging::MAX_PAGE_SIZE {
            return Err(invalid_field("user_ids", "at most 500 ids per call"));
        }
        Ok(store::users_by_ids(&self.db, &ids).await?)
    }
}
