//! Passwords: changed by their owner (every other session ends), reset by
//! a single-use emailed token (every session ends).

use hms_kit::auth::Principal;
use hms_kit::crypto::{new_token, token_digest};
use hms_kit::error::{self, FieldViolations, invalid_field};
use hms_kit::proto::user::AuthEventKind;
use hms_kit::time::now_micros;
use tonic::Status;

use super::{State, hash_password, secs, verify_password};
use crate::domain::validation;
use crate::events;
use crate::store;

impl State {
    pub async fn change_password(
        &self,
        caller: &Principal,
        current_password: String,
        new_password: String,
        address: &str,
    ) -> Result<(), Status> {
        let s = self;
        let user = s.session_user(caller).await?;
        let mut v = FieldViolations::new();
        v.require(!current_password.is_empty(), "current_password", "is required");
        validation::new_password(&mut v, "new_password", &new_password, &user.username, &user.email);
        v.require(new_password != current_password, "new_password", "must differ from the current password");
        v.into_result()?;
        if !verify_password(current_password, user.password_hash.clone()).await? {
            s.audit(
                AuthEventKind::PasswordChanged,
                Some(&user.id),
                Some(&user.id),
                address,
                false,
                "BAD_CURRENT_PASSWORD",
            )
            .await?;
            return Err(invalid_field("current_password", "is incorrect"));
        }
        let hash = hash_password(new_password).await?;
        store::change_password(&s.db, &user.id, &hash, caller.session_id.as_deref(), now_micros()).await?;
        s.revocations.revoked();
        s.audit(AuthEventKind::PasswordChanged, Some(&user.id), Some(&user.id), address, true, "").await?;
        Ok(())
    }

    /// Emails a reset link to an active account of `email`; the answer is the
    /// same whether or not the address is known.
    pub async fn request_password_reset(&self, email: &str, address: &str) -> Result<(), Status> {
        let s = self;
        if let Some(user) = store::user_by_email(&s.db, email).await?.filter(|u| u.is_active != 0) {
            let token = new_token().map_err(error::internal)?;
            let now = now_micros();
            let ttl = s.config.password_reset_ttl_secs;
            let event =
                events::password_reset_requested(&user, &s.config.password_reset_url, &token, ttl / 60, &s.sealer)
                    .map_err(error::internal)?;
            store::create_password_reset(&s.db, &token_digest(&token), &user.id, now, now + secs(ttl), &event).await?;
            s.audit(AuthEventKind::PasswordResetRequested, Some(&user.id), None, address, true, "").await?;
        } else {
            s.audit(AuthEventKind::PasswordResetRequested, None, None, address, false, "UNKNOWN_EMAIL").await?;
        }
        Ok(())
    }

    /// Sets a new password with a reset token, once.
    pub async fn confirm_password_reset(&self, token: &str, new_password: String, address: &str) -> Result<(), Status> {
        let s = self;
        let digest = token_digest(token);
        let now = now_micros();
        let bad_token = || invalid_field("token", "is invalid, used or expired");
        let user_id = store::password_reset_user(&s.db, &digest, now).await?.ok_or_else(bad_token)?;
        let user = store::user_by_id(&s.db, &user_id).await?.ok_or_else(bad_token)?;
        let mut v = FieldViolations::new();
        validation::new_password(&mut v, "new_password", &new_password, &user.username, &user.email);
        v.into_result()?;
        let hash = hash_password(new_password).await?;
        if store::consume_password_reset(&s.db, &digest, &hash, now_micros()).await?.is_none() {
            return Err(bad_token());
        }
        s.revocations.revoked();
        s.audit(AuthEventKind::PasswordResetCompleted, Some(&user.id), Some(&user.id), address, true, "").await?;
        Ok(())
    }
}
