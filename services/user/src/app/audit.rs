//! The authentication audit trail: every login, logout, refresh, password and
//! admin change is recorded (and logged); admins page through it.

use hms_kit::paging;
use hms_kit::proto::common::PageRequest;
use hms_kit::proto::user::AuthEventKind;
use hms_kit::time::now_micros;
use tonic::Status;

use super::State;
use crate::store::{self, AuthEventFilter, AuthEventRow};

impl State {
    pub async fn audit(
        &self,
        kind: AuthEventKind,
        user_id: Option<&str>,
        actor: Option<&str>,
        address: &str,
        success: bool,
        detail: &str,
    ) -> Result<(), Status> {
        let name = kind.as_str_name().trim_start_matches("AUTH_EVENT_KIND_");
        let row = AuthEventRow {
            id: hms_kit::ids::new_id(),
            kind: name.to_owned(),
            user_id: user_id.map(str::to_owned),
            actor_id: actor.map(str::to_owned),
            client_address: address.chars().take(64).collect(),
            success: i64::from(success),
            detail: detail.to_owned(),
            created_at: now_micros(),
        };
        store::insert_auth_event(&self.db, &row).await?;
        tracing::info!(event = name, user_id, actor, success, detail, "auth event");
        Ok(())
    }

    /// A page of the trail, newest first, and the next page's token.
    pub async fn list_auth_events(
        &self,
        filter: &AuthEventFilter,
        page: Option<&PageRequest>,
    ) -> Result<(Vec<AuthEventRow>, String), Status> {
        let page = paging::parse::<String>(page, filter)?;
        let mut rows = store::list_auth_events(&self.db, filter, page.after.as_deref(), page.size + 1).await?;
        let next_page_token = paging::next_token(&mut rows, page.size, |last| last.id.clone(), filter);
        Ok((rows, next_page_token))
    }
}
