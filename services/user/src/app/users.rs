//! The admins' user management: accounts listed and searched, created with
//! any person's role, activated and deactivated, their role changed. Every
//! change is an admin action for the admin audit log, written with it; a
//! deactivation or role change ends the account's sessions.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{Principal, role_from_name, role_name};
use hms_kit::error::{invalid_field, refusal};
use hms_kit::paging;
use hms_kit::proto::common::{PageRequest, Role};
use hms_kit::proto::user::{AuthEventKind, Profile};
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::accounts::NewAccount;
use super::{State, load_user};
use crate::domain::{self, ProfileKind};
use crate::store::{self, UserFilter, UserRow};

/// What the admin audit log keeps of an account before and after an admin's
/// change: who it is and what it may do, no contact or profile detail.
pub fn account_summary(user: &UserRow) -> String {
    let state = if user.is_active != 0 { "active" } else { "inactive" };
    format!("username={} role={} {state}", user.username, user.role)
}

impl State {
    /// A page of the accounts matching `filter`, by creation, and the next
    /// page's token.
    pub async fn list_users(
        &self,
        filter: &UserFilter,
        page: Option<&PageRequest>,
    ) -> Result<(Vec<UserRow>, String), Status> {
        let page = paging::parse::<String>(page, filter)?;
        let mut rows = store::list_users(&self.db, filter, page.after.as_deref(), page.size + 1).await?;
        let next_page_token = paging::next_token(&mut rows, page.size, |last| last.id.clone(), filter);
        Ok((rows, next_page_token))
    }

    /// An admin creates an account of `account.role`.
    pub async fn create_user(
        &self,
        caller: &Principal,
        address: &str,
        account: NewAccount<'_>,
    ) -> Result<UserRow, Status> {
        let s = self;
        let admin = caller.subject.clone();
        let role = account.role;
        if !domain::assignable(role) {
            return Err(invalid_field(
                "role",
                "must be a person's role (PATIENT, DOCTOR, NURSE, ADMIN, PHARMACIST, LAB_TECHNICIAN, INSURANCE_PROVIDER)",
            ));
        }
        if domain::profile_kind_for(role) == ProfileKind::None
            && account.profile.as_ref().is_some_and(|p: &Profile| p.kind.is_some())
        {
            return Err(invalid_field("profile", "this role has no profile"));
        }
        let action = AdminActionEvent::by(caller, address, "user.created", "user", "");
        let row = s.create_account(account, false, Some(action)).await?;
        s.audit(AuthEventKind::UserCreated, Some(&row.id), Some(&admin), address, true, role_name(role)).await?;
        Ok(row)
    }

    pub async fn set_user_active(
        &self,
        caller: &Principal,
        address: &str,
        user_id: &str,
        active: bool,
    ) -> Result<UserRow, Status> {
        let s = self;
        let admin = caller.subject.clone();
        let mut user = load_user(&s.db, user_id).await?;
        if user.id == admin && !active {
            return Err(refusal(
                Code::FailedPrecondition,
                "SELF_DEACTIVATION",
                "administrators cannot deactivate themselves",
            ));
        }
        let before = account_summary(&user);
        user.is_active = i64::from(active);
        let now = now_micros();
        let what = if active { "user.activated" } else { "user.deactivated" };
        let action =
            AdminActionEvent::by(caller, address, what, "user", &user.id).change(before, account_summary(&user));
        let kind = if active {
            store::update_user_by_admin(&s.db, &user, None, &action, now).await?;
            AuthEventKind::UserActivated
        } else {
            store::update_user_by_admin(&s.db, &user, Some("DEACTIVATED"), &action, now).await?;
            s.revocations.revoked();
            AuthEventKind::UserDeactivated
        };
        user.updated_at = now;
        s.audit(kind, Some(&user.id), Some(&admin), address, true, "").await?;
        Ok(user)
    }

    pub async fn change_user_role(
        &self,
        caller: &Principal,
        address: &str,
        user_id: &str,
        role: Role,
    ) -> Result<UserRow, Status> {
        let s = self;
        let admin = caller.subject.clone();
        if !domain::assignable(role) {
            return Err(invalid_field("role", "must be a person's role"));
        }
        let mut user = load_user(&s.db, user_id).await?;
        if user.id == admin {
            return Err(refusal(
                Code::FailedPrecondition,
                "SELF_ROLE_CHANGE",
                "administrators cannot change their own role",
            ));
        }
        let previous = user.role.clone();
        let before = account_summary(&user);
        if role_from_name(&previous) != Some(role) {
            // The old role's profile does not describe the new one.
            s.store_profile(&mut user, None)?;
        }
        user.role = role_name(role).to_owned();
        let now = now_micros();
        let action = AdminActionEvent::by(caller, address, "user.role_changed", "user", &user.id)
            .change(before, account_summary(&user));
        store::update_user_by_admin(&s.db, &user, Some("ROLE_CHANGED"), &action, now).await?;
        s.revocations.revoked();
        user.updated_at = now;
        s.audit(
            AuthEventKind::RoleChanged,
            Some(&user.id),
            Some(&admin),
            address,
            true,
            &format!("{previous}->{}", user.role),
        )
        .await?;
        Ok(user)
    }
}
