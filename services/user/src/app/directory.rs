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

    /// The active accounts of `role`, at most a page of them.
    pub async fn staff_ids(&self, role: &str) -> Result<Vec<String>, Status> {
        let filter = store::UserFilter { role: Some(role.to_owned()), query: None };
        let rows = store::list_users(&self.db, &filter, None, paging::MAX_PAGE_SIZE).await?;
        Ok(rows.into_iter().filter(|u| u.is_active != 0).map(|u| u.id).collect())
    }
}
