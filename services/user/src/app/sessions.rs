//! Sessions: login (with the throttle of failed attempts per account and per
//! client address), refresh-token rotation with reuse detection, logout, and
//! the check that a token's session is still open.

use std::time::Duration;

use hms_kit::auth::{Principal, role_from_name};
use hms_kit::crypto::{new_token, token_digest};
use hms_kit::error::{self, refusal};
use hms_kit::proto::common::Role;
use hms_kit::proto::user::{AuthEventKind, TokenPair};
use hms_kit::time::{micros_to_timestamp, now_micros};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::{State, secs, verify_password};
use crate::domain::password;
use crate::store::{self, UserRow};

/// How long after a refresh token was used a second use still counts as a
/// retry of that refresh rather than reuse: the browser that sent it may
/// never have had the answer (a reload cut the request off after the
/// service rotated the token). Such a retry is allowed only while the
/// token's successor is unused, and uses the successor up.
pub const REFRESH_RETRY_WINDOW: Duration = Duration::from_secs(20);

fn is_retry(used_at: i64, now: i64) -> bool {
    now.saturating_sub(used_at) <= REFRESH_RETRY_WINDOW.as_micros() as i64
}

impl State {
    /// The caller's account, provided their session is still open.
    pub async fn session_user(&self, caller: &Principal) -> Result<UserRow, Status> {
        let session = caller.session_id.as_deref().unwrap_or_default();
        match store::user_in_active_session(&self.db, &caller.subject, session, now_micros()).await? {
            Some(row) if row.is_active != 0 => Ok(row),
            _ => Err(Status::unauthenticated("the session has ended; log in again")),
        }
    }

    async fn issue_tokens(
        &self,
        user: &UserRow,
        session_id: &str,
        refresh_token: &str,
        refresh_expires: i64,
    ) -> Result<TokenPair, Status> {
        let role = role_from_name(&user.role).unwrap_or(Role::Unspecified);
        let (access, access_exp) = self.signer.sign(&user.id, role, session_id).map_err(error::internal)?;
        Ok(TokenPair {
            access_token: access,
            access_token_expire_time: Some(hms_kit::time::seconds_to_timestamp(access_exp)),
            refresh_token: refresh_token.to_owned(),
            refresh_token_expire_time: Some(micros_to_timestamp(refresh_expires)),
        })
    }

    /// Takes one attempt from the address's and the account's allowance;
    /// false when either is used up. The address is counted first, so a
    /// throttled address cannot use up an account's allowance.
    async fn take_login_attempt(&self, address_subject: &str, account_subject: &str, now: i64) -> Result<bool, Status> {
        let limits = self.throttle.current();
        let window = secs(limits.window_secs);
        Ok(store::take_attempt(&self.db, address_subject, limits.per_address, now, window).await?
            && store::take_attempt(&self.db, account_subject, limits.per_account, now, window).await?)
    }

    fn refresh_expiry(&self, now: i64) -> i64 {
        now + secs(self.config.refresh_token_ttl_secs)
    }

    /// Opens a session for the account named `username` (its username or
    /// email) if `password` is right, the account active and neither the
    /// account nor the address throttled.
    pub async fn login(&self, username: &str, password: String, address: &str) -> Result<(TokenPair, UserRow), Status> {
        let s = self;
        let now = now_micros();
        let user = store::user_by_login(&s.db, username).await?;
        // Failures count per account, however it is named; a name of no
        // account has a count of its own (stored as a digest: people type
        // passwords into the username field), so both answer alike.
        let account_subject = match &user {
            Some(user) => format!("account:{}", user.id),
            None => format!("login:{}", token_digest(&username.to_lowercase())),
        };
        let address_subject = format!("address:{address}");
        if !s.take_login_attempt(&address_subject, &account_subject, now).await? {
            s.audit(AuthEventKind::LoginThrottled, None, None, address, false, "TOO_MANY_FAILURES").await?;
            let mut details =
                ErrorDetails::with_retry_info(Some(Duration::from_secs(s.throttle.current().window_secs)));
            details.set_error_info("LOGIN_THROTTLED", hms_kit::error::ERROR_DOMAIN, std::collections::HashMap::new());
            return Err(Status::with_error_details(
                Code::ResourceExhausted,
                "too many failed logins; wait before trying again",
                details,
            ));
        }

        let hash = user.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |u| u.password_hash.clone());
        let password_ok = verify_password(password, hash).await? && user.is_some();
        let Some(user) = user.filter(|_| password_ok) else {
            // The attempts taken stay counted: they are the failures.
            s.audit(AuthEventKind::LoginFailed, None, None, address, false, "BAD_CREDENTIALS").await?;
            return Err(Status::unauthenticated("invalid username or password"));
        };
        // The right password is no failure: the address gets its attempt back
        // and the account starts afresh.
        store::give_back_attempt(&s.db, &address_subject).await?;
        store::clear_attempts(&s.db, &account_subject).await?;
        if user.is_active == 0 {
            s.audit(AuthEventKind::LoginFailed, Some(&user.id), None, address, false, "ACCOUNT_DISABLED").await?;
            return Err(refusal(Code::PermissionDenied, "ACCOUNT_DISABLED", "this account is deactivated"));
        }

        let session_id = hms_kit::ids::new_id();
        let refresh = new_token().map_err(error::internal)?;
        let refresh_expires = s.refresh_expiry(now);
        store::create_session(&s.db, &session_id, &user.id, &token_digest(&refresh), refresh_expires, now).await?;
        let tokens = s.issue_tokens(&user, &session_id, &refresh, refresh_expires).await?;
        s.audit(AuthEventKind::LoginSucceeded, Some(&user.id), Some(&user.id), address, true, "").await?;
        Ok((tokens, user))
    }

    /// Uses a refresh token once for a new pair; a token used twice revokes
    /// its session.
    pub async fn refresh(&self, refresh_token: &str, address: &str) -> Result<TokenPair, Status> {
        let s = self;
        let address = address.to_owned();
        let now = now_micros();
        let digest = token_digest(refresh_token);
        let invalid = || Status::unauthenticated("the refresh token is invalid or expired");
        let found = store::find_refresh(&s.db, &digest).await?.ok_or_else(invalid)?;

        let reuse = |found: &store::RefreshLookup| {
            let (db, session, user, address) =
                (s.db.clone(), found.session_id.clone(), found.user_id.clone(), address.clone());
            async move {
                store::revoke_session(&db, &session, "REFRESH_REUSE", now).await?;
                s.revocations.revoked();
                s.audit(AuthEventKind::RefreshReuseDetected, Some(&user), None, &address, false, "SESSION_REVOKED")
                    .await?;
                Err::<TokenPair, Status>(refusal(
                    Code::Unauthenticated,
                    "REFRESH_TOKEN_REUSED",
                    "this refresh token was already used; the session has been revoked",
                ))
            }
        };
        if found.session_revoked_at.is_some() || found.expires_at <= now {
            return Err(invalid());
        }
        let retry_of = match (found.used_at, &found.replaced_by) {
            (None, _) => None,
            (Some(used_at), Some(successor)) if is_retry(used_at, now) => Some(successor),
            (Some(_), _) => return reuse(&found).await,
        };
        let user = store::user_by_id(&s.db, &found.user_id).await?.filter(|u| u.is_active != 0).ok_or_else(invalid)?;

        let next = new_token().map_err(error::internal)?;
        let next_expires = s.refresh_expiry(now);
        let next_digest = token_digest(&next);
        let rotated = match retry_of {
            None => store::rotate_refresh(&s.db, &digest, &next_digest, &found.session_id, next_expires, now).await?,
            Some(successor) => {
                store::rotate_refresh_again(
                    &s.db,
                    &digest,
                    successor,
                    &next_digest,
                    &found.session_id,
                    next_expires,
                    now,
                )
                .await?
            }
        };
        if !rotated {
            // Another request used this token (or its successor) between our
            // read and write.
            return reuse(&found).await;
        }
        let tokens = s.issue_tokens(&user, &found.session_id, &next, next_expires).await?;
        let detail = if retry_of.is_some() { "RETRY" } else { "" };
        s.audit(AuthEventKind::TokenRefreshed, Some(&user.id), Some(&user.id), &address, true, detail).await?;
        Ok(tokens)
    }

    /// Ends the caller's session.
    pub async fn logout(&self, caller: &Principal, address: &str) -> Result<(), Status> {
        if let Some(session) = &caller.session_id {
            store::revoke_session(&self.db, session, "LOGOUT", now_micros()).await?;
            self.revocations.revoked();
        }
        self.audit(AuthEventKind::LoggedOut, Some(&caller.subject), Some(&caller.subject), address, true, "").await
    }

    /// The holder of an access token whose session is still open.
    pub async fn verify_token(&self, token: &str) -> Result<(UserRow, Principal), Status> {
        let caller = self.verifier.verify(token).await.map_err(|e| Status::unauthenticated(e.to_string()))?;
        if caller.is_service() {
            return Err(Status::unauthenticated("not an access token"));
        }
        let user = self.session_user(&caller).await?;
        Ok((user, caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_use_is_a_retry_only_within_the_window() {
        let window = REFRESH_RETRY_WINDOW.as_micros() as i64;
        assert!(is_retry(1_000, 1_000));
        assert!(is_retry(1_000, 1_000 + window));
        assert!(!is_retry(1_000, 1_001 + window));
    }
}
