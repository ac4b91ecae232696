//! The gRPC API: authorise, validate, convert, call the domain and the store.

use std::sync::Arc;
use std::time::Duration;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{
    Principal, PublicKey, SigningKeyPair, TokenSigner, TokenVerifier, client_address, principal, role_from_name,
    role_name,
};
use hms_kit::error::{self, FieldViolations, invalid_field, refusal};
use hms_kit::paging;
use hms_kit::proto::common::{PageResponse, Role};
use hms_kit::proto::user::internal_user_service_server::InternalUserService;
use hms_kit::proto::user::user_service_server::UserService;
use hms_kit::proto::user::*;
use hms_kit::storage::Db;
use hms_kit::time::{micros_to_timestamp, now_micros};
use prost::Message;
use secrecy::ExposeSecret;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::UserConfig;
use crate::domain::{self, ProfileKind, password, validation};
use crate::events;
use crate::revocations::{RevocationFeed, WatchStream};
use crate::store::{self, AuthEventFilter, AuthEventRow, Event, StoreError, UserFilter, UserRow};
use hms_kit::crypto::{Sealer, new_token, token_digest};

type Reply<T> = Result<Response<T>, Status>;

pub struct State {
    pub db: Db,
    pub sealer: Sealer,
    pub signer: TokenSigner,
    pub published: Vec<PublicKey>,
    pub verifier: Arc<TokenVerifier>,
    pub revocations: Arc<RevocationFeed>,
    pub config: UserConfig,
    /// The login throttle's limits, read per login: an admin may change them
    /// at any time (`config`'s own limits are only their file/env values).
    pub throttle: crate::settings::Throttle,
}

pub struct UserApi(pub Arc<State>);
pub struct InternalApi(pub Arc<State>);

const SECOND: i64 = 1_000_000;

impl From<StoreError> for Status {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate(field) => {
                let mut details = ErrorDetails::with_bad_request_violation(field, "is already taken");
                details.set_error_info(
                    "ALREADY_TAKEN",
                    hms_kit::error::ERROR_DOMAIN,
                    std::collections::HashMap::from([("field".to_owned(), field.to_owned())]),
                );
                Status::with_error_details(Code::AlreadyExists, format!("{field} is already taken"), details)
            }
            StoreError::Conflict => refusal(Code::Aborted, "CONCURRENT_UPDATE", "the account changed meanwhile; retry"),
            StoreError::Sql(e) => error::store(e),
        }
    }
}

// --- conversions ---

impl State {
    fn to_proto(&self, row: &UserRow) -> Result<User, Status> {
        let role = role_from_name(&row.role).unwrap_or(Role::Unspecified);
        Ok(User {
            id: row.id.clone(),
            username: row.username.clone(),
            email: row.email.clone(),
            phone_number: row.phone_number.clone().unwrap_or_default(),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            role: role.into(),
            is_active: row.is_active != 0,
            is_staff: domain::is_staff(role),
            date_joined: Some(micros_to_timestamp(row.date_joined)),
            profile_picture_url: row.profile_picture_url.clone(),
            preferred_language: row.preferred_language.clone(),
            profile: self.open_profile(row)?,
        })
    }

    fn open_profile(&self, row: &UserRow) -> Result<Option<Profile>, Status> {
        let Some(body) = &row.profile_body else { return Ok(None) };
        let plain = match &row.profile_key_id {
            Some(kid) => self.sealer.open(kid, body, &row.id).map_err(error::internal)?,
            None => body.clone(),
        };
        Profile::decode(plain.as_slice()).map(Some).map_err(error::internal)
    }

    /// Patient profiles are sealed; other roles' profiles hold nothing sensitive.
    fn store_profile(&self, row: &mut UserRow, profile: Option<&Profile>) -> Result<(), Status> {
        let Some(profile) = profile.filter(|p| p.kind.is_some()) else {
            row.profile_body = None;
            row.profile_key_id = None;
            return Ok(());
        };
        let bytes = profile.encode_to_vec();
        if matches!(profile.kind, Some(profile::Kind::Patient(_))) {
            let (kid, sealed) = self.sealer.seal(&bytes, &row.id).map_err(error::internal)?;
            row.profile_body = Some(sealed);
            row.profile_key_id = Some(kid);
        } else {
            row.profile_body = Some(bytes);
            row.profile_key_id = None;
        }
        Ok(())
    }

    async fn audit(
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
            id: uuid::Uuid::now_v7().to_string(),
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

    /// The caller's account, provided their session is still open.
    async fn session_user(&self, caller: &Principal) -> Result<UserRow, Status> {
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
            access_token_expire_time: Some(prost_types::Timestamp { seconds: access_exp, nanos: 0 }),
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
}

fn secs(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / SECOND / 2) * SECOND
}

async fn hash_password(password: String) -> Result<String, Status> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(error::internal)?
        .map_err(error::internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool, Status> {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash)).await.map_err(error::internal)
}

fn non_empty(value: &str) -> Option<String> {
    (!value.trim().is_empty()).then(|| value.trim().to_owned())
}

/// Fields shared by self-registration and admin creation.
struct NewAccount<'a> {
    username: &'a str,
    password: &'a str,
    email: &'a str,
    phone_number: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    preferred_language: &'a str,
    role: Role,
    profile: Option<Profile>,
}

impl State {
    /// With `by_admin`, the account is an admin's action for the admin audit
    /// log (its target and summary are filled in here).
    async fn create_account(
        &self,
        account: NewAccount<'_>,
        event: bool,
        by_admin: Option<AdminActionEvent>,
    ) -> Result<UserRow, Status> {
        let mut v = FieldViolations::new();
        validation::username(&mut v, "username", account.username);
        validation::email(&mut v, "email", account.email);
        validation::new_password(&mut v, "password", account.password, account.username, account.email);
        validation::phone(&mut v, "phone_number", account.phone_number);
        validation::name(&mut v, "first_name", account.first_name);
        validation::name(&mut v, "last_name", account.last_name);
        validation::language(&mut v, "preferred_language", account.preferred_language);
        if let Some(profile) = &account.profile {
            validation::profile(
                &mut v,
                "profile",
                profile,
                domain::profile_kind_for(account.role),
                validation::today_utc(),
            );
        }
        v.into_result()?;

        let now = now_micros();
        let mut row = UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            username: account.username.to_owned(),
            email: account.email.to_owned(),
            phone_number: non_empty(account.phone_number),
            first_name: account.first_name.trim().to_owned(),
            last_name: account.last_name.trim().to_owned(),
            role: role_name(account.role).to_owned(),
            is_active: 1,
            password_hash: hash_password(account.password.to_owned()).await?,
            preferred_language: non_empty(account.preferred_language)
                .unwrap_or_else(|| domain::DEFAULT_LANGUAGE.into()),
            profile_picture_url: String::new(),
            profile_body: None,
            profile_key_id: None,
            date_joined: now,
            updated_at: now,
        };
        self.store_profile(&mut row, account.profile.as_ref())?;
        let payload = events::user_registered(&row);
        let event = event.then_some(Event { topic: events::USER_REGISTERED, payload: &payload });
        let by_admin = by_admin.map(|mut action| {
            action.target_id = row.id.clone();
            action.change("", account_summary(&row))
        });
        store::insert_user(&self.db, &row, event, by_admin.as_ref()).await?;
        Ok(row)
    }
}

#[tonic::async_trait]
impl UserService for UserApi {
    type WatchRevocationsStream = WatchStream;

    async fn watch_revocations(&self, _request: Request<WatchRevocationsRequest>) -> Reply<WatchStream> {
        Ok(Response::new(self.0.revocations.watch()))
    }

    async fn register(&self, request: Request<RegisterRequest>) -> Reply<RegisterResponse> {
        let address = client_address(&request);
        let r = request.into_inner();
        let profile = r.patient_profile.map(|p| Profile { kind: Some(profile::Kind::Patient(p)) });
        let account = NewAccount {
            username: &r.username,
            password: &r.password,
            email: &r.email,
            phone_number: &r.phone_number,
            first_name: &r.first_name,
            last_name: &r.last_name,
            preferred_language: &r.preferred_language,
            role: Role::Patient,
            profile,
        };
        let row = self.0.create_account(account, true, None).await?;
        self.0.audit(AuthEventKind::Registered, Some(&row.id), Some(&row.id), &address, true, "").await?;
        Ok(Response::new(RegisterResponse { user: Some(self.0.to_proto(&row)?) }))
    }

    async fn login(&self, request: Request<LoginRequest>) -> Reply<LoginResponse> {
        let s = &self.0;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.require(!r.username.is_empty(), "username", "is required");
        v.require(!r.password.is_empty(), "password", "is required");
        v.into_result()?;

        let now = now_micros();
        let user = store::user_by_login(&s.db, &r.username).await?;
        // Failures count per account, however it is named; a name of no
        // account has a count of its own (stored as a digest: people type
        // passwords into the username field), so both answer alike.
        let account_subject = match &user {
            Some(user) => format!("account:{}", user.id),
            None => format!("login:{}", token_digest(&r.username.to_lowercase())),
        };
        let address_subject = format!("address:{address}");
        if !s.take_login_attempt(&address_subject, &account_subject, now).await? {
            s.audit(AuthEventKind::LoginThrottled, None, None, &address, false, "TOO_MANY_FAILURES").await?;
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
        let password_ok = verify_password(r.password, hash).await? && user.is_some();
        let Some(user) = user.filter(|_| password_ok) else {
            // The attempts taken stay counted: they are the failures.
            s.audit(AuthEventKind::LoginFailed, None, None, &address, false, "BAD_CREDENTIALS").await?;
            return Err(Status::unauthenticated("invalid username or password"));
        };
        // The right password is no failure: the address gets its attempt back
        // and the account starts afresh.
        store::give_back_attempt(&s.db, &address_subject).await?;
        store::clear_attempts(&s.db, &account_subject).await?;
        if user.is_active == 0 {
            s.audit(AuthEventKind::LoginFailed, Some(&user.id), None, &address, false, "ACCOUNT_DISABLED").await?;
            return Err(refusal(Code::PermissionDenied, "ACCOUNT_DISABLED", "this account is deactivated"));
        }

        let session_id = uuid::Uuid::now_v7().to_string();
        let refresh = new_token().map_err(error::internal)?;
        let refresh_expires = s.refresh_expiry(now);
        store::create_session(&s.db, &session_id, &user.id, &token_digest(&refresh), refresh_expires, now).await?;
        let tokens = s.issue_tokens(&user, &session_id, &refresh, refresh_expires).await?;
        s.audit(AuthEventKind::LoginSucceeded, Some(&user.id), Some(&user.id), &address, true, "").await?;
        Ok(Response::new(LoginResponse { tokens: Some(tokens), user: Some(s.to_proto(&user)?) }))
    }

    async fn refresh_token(&self, request: Request<RefreshTokenRequest>) -> Reply<RefreshTokenResponse> {
        let s = &self.0;
        let address = client_address(&request);
        let r = request.into_inner();
        if r.refresh_token.is_empty() {
            return Err(invalid_field("refresh_token", "is required"));
        }
        let now = now_micros();
        let digest = token_digest(&r.refresh_token);
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
                Err::<Response<RefreshTokenResponse>, Status>(refusal(
                    Code::Unauthenticated,
                    "REFRESH_TOKEN_REUSED",
                    "this refresh token was already used; the session has been revoked",
                ))
            }
        };
        if found.used_at.is_some() {
            return reuse(&found).await;
        }
        if found.session_revoked_at.is_some() || found.expires_at <= now {
            return Err(invalid());
        }
        let user = store::user_by_id(&s.db, &found.user_id).await?.filter(|u| u.is_active != 0).ok_or_else(invalid)?;

        let next = new_token().map_err(error::internal)?;
        let next_expires = s.refresh_expiry(now);
        if !store::rotate_refresh(&s.db, &digest, &token_digest(&next), &found.session_id, next_expires, now).await? {
            // Another request used this token between our read and write.
            return reuse(&found).await;
        }
        let tokens = s.issue_tokens(&user, &found.session_id, &next, next_expires).await?;
        s.audit(AuthEventKind::TokenRefreshed, Some(&user.id), Some(&user.id), &address, true, "").await?;
        Ok(Response::new(RefreshTokenResponse { tokens: Some(tokens) }))
    }

    async fn logout(&self, request: Request<LogoutRequest>) -> Reply<LogoutResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        if let Some(session) = &caller.session_id {
            store::revoke_session(&self.0.db, session, "LOGOUT", now_micros()).await?;
            self.0.revocations.revoked();
        }
        self.0
            .audit(AuthEventKind::LoggedOut, Some(&caller.subject), Some(&caller.subject), &address, true, "")
            .await?;
        Ok(Response::new(LogoutResponse {}))
    }

    async fn get_me(&self, request: Request<GetMeRequest>) -> Reply<GetMeResponse> {
        let user = self.0.session_user(principal(&request)?).await?;
        Ok(Response::new(GetMeResponse { user: Some(self.0.to_proto(&user)?) }))
    }

    async fn update_me(&self, request: Request<UpdateMeRequest>) -> Reply<UpdateMeResponse> {
        let s = &self.0;
        let mut user = s.session_user(principal(&request)?).await?;
        let r = request.into_inner();
        let role = role_from_name(&user.role).unwrap_or(Role::Unspecified);
        let mut v = FieldViolations::new();
        if !r.email.is_empty() {
            validation::email(&mut v, "email", &r.email);
        }
        validation::phone(&mut v, "phone_number", &r.phone_number);
        validation::name(&mut v, "first_name", &r.first_name);
        validation::name(&mut v, "last_name", &r.last_name);
        validation::picture_url(&mut v, "profile_picture_url", &r.profile_picture_url);
        validation::language(&mut v, "preferred_language", &r.preferred_language);
        if let Some(profile) = &r.profile {
            let expected = domain::profile_kind_for(role);
            if expected == ProfileKind::None && profile.kind.is_some() {
                v.add("profile", "this role has no profile");
            } else {
                validation::profile(&mut v, "profile", profile, expected, validation::today_utc());
            }
        }
        v.into_result()?;

        let set = |field: &mut String, value: &str| {
            if !value.trim().is_empty() {
                *field = value.trim().to_owned();
            }
        };
        set(&mut user.email, &r.email);
        set(&mut user.first_name, &r.first_name);
        set(&mut user.last_name, &r.last_name);
        set(&mut user.profile_picture_url, &r.profile_picture_url);
        set(&mut user.preferred_language, &r.preferred_language);
        if let Some(phone) = non_empty(&r.phone_number) {
            user.phone_number = Some(phone);
        }
        if let Some(profile) = &r.profile {
            s.store_profile(&mut user, Some(profile))?;
        }
        let now = now_micros();
        store::update_user(&s.db, &user, now).await?;
        user.updated_at = now;
        Ok(Response::new(UpdateMeResponse { user: Some(s.to_proto(&user)?) }))
    }

    async fn change_password(&self, request: Request<ChangePasswordRequest>) -> Reply<ChangePasswordResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let user = s.session_user(&caller).await?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.require(!r.current_password.is_empty(), "current_password", "is required");
        validation::new_password(&mut v, "new_password", &r.new_password, &user.username, &user.email);
        v.require(r.new_password != r.current_password, "new_password", "must differ from the current password");
        v.into_result()?;
        if !verify_password(r.current_password, user.password_hash.clone()).await? {
            s.audit(
                AuthEventKind::PasswordChanged,
                Some(&user.id),
                Some(&user.id),
                &address,
                false,
                "BAD_CURRENT_PASSWORD",
            )
            .await?;
            return Err(invalid_field("current_password", "is incorrect"));
        }
        let hash = hash_password(r.new_password).await?;
        store::change_password(&s.db, &user.id, &hash, caller.session_id.as_deref(), now_micros()).await?;
        s.revocations.revoked();
        s.audit(AuthEventKind::PasswordChanged, Some(&user.id), Some(&user.id), &address, true, "").await?;
        Ok(Response::new(ChangePasswordResponse {}))
    }

    async fn request_password_reset(
        &self,
        request: Request<RequestPasswordResetRequest>,
    ) -> Reply<RequestPasswordResetResponse> {
        let s = &self.0;
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        validation::email(&mut v, "email", &r.email);
        v.into_result()?;
        // The answer is the same whether or not the address is known.
        if let Some(user) = store::user_by_email(&s.db, &r.email).await?.filter(|u| u.is_active != 0) {
            let token = new_token().map_err(error::internal)?;
            let now = now_micros();
            let ttl = s.config.password_reset_ttl_secs;
            let payload =
                events::password_reset_requested(&user, &s.config.password_reset_url, &token, ttl / 60, &s.sealer)
                    .map_err(error::internal)?;
            let event = Event { topic: events::PASSWORD_RESET_REQUESTED, payload: &payload };
            store::create_password_reset(&s.db, &token_digest(&token), &user.id, now, now + secs(ttl), event).await?;
            s.audit(AuthEventKind::PasswordResetRequested, Some(&user.id), None, &address, true, "").await?;
        } else {
            s.audit(AuthEventKind::PasswordResetRequested, None, None, &address, false, "UNKNOWN_EMAIL").await?;
        }
        Ok(Response::new(RequestPasswordResetResponse {}))
    }

    async fn confirm_password_reset(
        &self,
        request: Request<ConfirmPasswordResetRequest>,
    ) -> Reply<ConfirmPasswordResetResponse> {
        let s = &self.0;
        let address = client_address(&request);
        let r = request.into_inner();
        if r.token.is_empty() {
            return Err(invalid_field("token", "is required"));
        }
        let digest = token_digest(&r.token);
        let now = now_micros();
        let bad_token = || invalid_field("token", "is invalid, used or expired");
        let user_id = store::password_reset_user(&s.db, &digest, now).await?.ok_or_else(bad_token)?;
        let user = store::user_by_id(&s.db, &user_id).await?.ok_or_else(bad_token)?;
        let mut v = FieldViolations::new();
        validation::new_password(&mut v, "new_password", &r.new_password, &user.username, &user.email);
        v.into_result()?;
        let hash = hash_password(r.new_password).await?;
        if store::consume_password_reset(&s.db, &digest, &hash, now_micros()).await?.is_none() {
            return Err(bad_token());
        }
        s.revocations.revoked();
        s.audit(AuthEventKind::PasswordResetCompleted, Some(&user.id), Some(&user.id), &address, true, "").await?;
        Ok(Response::new(ConfirmPasswordResetResponse {}))
    }

    async fn get_signing_keys(&self, _request: Request<GetSigningKeysRequest>) -> Reply<GetSigningKeysResponse> {
        let keys = self
            .0
            .published
            .iter()
            .map(|k| SigningKey {
                kid: k.kid.clone(),
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: k.x.clone(),
                alg: "EdDSA".into(),
            })
            .collect();
        Ok(Response::new(GetSigningKeysResponse { keys }))
    }

    async fn list_users(&self, request: Request<ListUsersRequest>) -> Reply<ListUsersResponse> {
        let s = &self.0;
        let r = request.into_inner();
        let filter = UserFilter {
            role: (r.role() != Role::Unspecified).then(|| role_name(r.role()).to_owned()),
            query: non_empty(&r.query),
        };
        if filter.query.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(invalid_field("query", "must have at most 100 characters"));
        }
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let mut rows = store::list_users(&s.db, &filter, page.after.as_deref(), page.size + 1).await?;
        let more = rows.len() > page.size;
        rows.truncate(page.size);
        let next_page_token = match rows.last() {
            Some(last) if more => paging::token(&last.id, &filter),
            _ => String::new(),
        };
        let users = rows.iter().map(|row| s.to_proto(row)).collect::<Result<_, _>>()?;
        Ok(Response::new(ListUsersResponse { users, page: Some(PageResponse { next_page_token }) }))
    }

    async fn get_user(&self, request: Request<GetUserRequest>) -> Reply<GetUserResponse> {
        let r = request.into_inner();
        let user = load_user(&self.0.db, &r.user_id).await?;
        Ok(Response::new(GetUserResponse { user: Some(self.0.to_proto(&user)?) }))
    }

    async fn create_user(&self, request: Request<CreateUserRequest>) -> Reply<CreateUserResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let admin = caller.subject.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let role = Role::try_from(r.role).unwrap_or(Role::Unspecified);
        if !domain::assignable(role) {
            return Err(invalid_field(
                "role",
                "must be a person's role (PATIENT, DOCTOR, NURSE, ADMIN, PHARMACIST, LAB_TECHNICIAN, INSURANCE_PROVIDER)",
            ));
        }
        if domain::profile_kind_for(role) == ProfileKind::None && r.profile.as_ref().is_some_and(|p| p.kind.is_some()) {
            return Err(invalid_field("profile", "this role has no profile"));
        }
        let account = NewAccount {
            username: &r.username,
            password: &r.password,
            email: &r.email,
            phone_number: &r.phone_number,
            first_name: &r.first_name,
            last_name: &r.last_name,
            preferred_language: &r.preferred_language,
            role,
            profile: r.profile.clone(),
        };
        let action = AdminActionEvent::by(&caller, &address, "user.created", "user", "");
        let row = s.create_account(account, false, Some(action)).await?;
        s.audit(AuthEventKind::UserCreated, Some(&row.id), Some(&admin), &address, true, role_name(role)).await?;
        Ok(Response::new(CreateUserResponse { user: Some(s.to_proto(&row)?) }))
    }

    async fn set_user_active(&self, request: Request<SetUserActiveRequest>) -> Reply<SetUserActiveResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let admin = caller.subject.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let mut user = load_user(&s.db, &r.user_id).await?;
        if user.id == admin && !r.active {
            return Err(refusal(
                Code::FailedPrecondition,
                "SELF_DEACTIVATION",
                "administrators cannot deactivate themselves",
            ));
        }
        let before = account_summary(&user);
        user.is_active = i64::from(r.active);
        let now = now_micros();
        let what = if r.active { "user.activated" } else { "user.deactivated" };
        let action =
            AdminActionEvent::by(&caller, &address, what, "user", &user.id).change(before, account_summary(&user));
        let kind = if r.active {
            store::update_user_by_admin(&s.db, &user, None, &action, now).await?;
            AuthEventKind::UserActivated
        } else {
            store::update_user_by_admin(&s.db, &user, Some("DEACTIVATED"), &action, now).await?;
            s.revocations.revoked();
            AuthEventKind::UserDeactivated
        };
        user.updated_at = now;
        s.audit(kind, Some(&user.id), Some(&admin), &address, true, "").await?;
        Ok(Response::new(SetUserActiveResponse { user: Some(s.to_proto(&user)?) }))
    }

    async fn change_user_role(&self, request: Request<ChangeUserRoleRequest>) -> Reply<ChangeUserRoleResponse> {
        let s = &self.0;
        let caller = principal(&request)?.clone();
        let admin = caller.subject.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let role = Role::try_from(r.role).unwrap_or(Role::Unspecified);
        if !domain::assignable(role) {
            return Err(invalid_field("role", "must be a person's role"));
        }
        let mut user = load_user(&s.db, &r.user_id).await?;
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
        let action = AdminActionEvent::by(&caller, &address, "user.role_changed", "user", &user.id)
            .change(before, account_summary(&user));
        store::update_user_by_admin(&s.db, &user, Some("ROLE_CHANGED"), &action, now).await?;
        s.revocations.revoked();
        user.updated_at = now;
        s.audit(
            AuthEventKind::RoleChanged,
            Some(&user.id),
            Some(&admin),
            &address,
            true,
            &format!("{previous}->{}", user.role),
        )
        .await?;
        Ok(Response::new(ChangeUserRoleResponse { user: Some(s.to_proto(&user)?) }))
    }

    async fn list_auth_events(&self, request: Request<ListAuthEventsRequest>) -> Reply<ListAuthEventsResponse> {
        let s = &self.0;
        let r = request.into_inner();
        let filter = AuthEventFilter {
            user_id: non_empty(&r.user_id),
            kind: (r.kind() != AuthEventKind::Unspecified)
                .then(|| r.kind().as_str_name().trim_start_matches("AUTH_EVENT_KIND_").to_owned()),
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let mut rows = store::list_auth_events(&s.db, &filter, page.after.as_deref(), page.size + 1).await?;
        let more = rows.len() > page.size;
        rows.truncate(page.size);
        let next_page_token = match rows.last() {
            Some(last) if more => paging::token(&last.id, &filter),
            _ => String::new(),
        };
        let events = rows
            .into_iter()
            .map(|e| AuthEvent {
                kind: AuthEventKind::from_str_name(&format!("AUTH_EVENT_KIND_{}", e.kind)).unwrap_or_default().into(),
                id: e.id,
                user_id: e.user_id.unwrap_or_default(),
                actor_id: e.actor_id.unwrap_or_default(),
                client_address: e.client_address,
                success: e.success != 0,
                detail: e.detail,
                create_time: Some(micros_to_timestamp(e.created_at)),
            })
            .collect();
        Ok(Response::new(ListAuthEventsResponse { events, page: Some(PageResponse { next_page_token }) }))
    }
}

/// What the admin audit log keeps of an account before and after an admin's
/// change: who it is and what it may do, no contact or profile detail.
fn account_summary(user: &UserRow) -> String {
    let state = if user.is_active != 0 { "active" } else { "inactive" };
    format!("username={} role={} {state}", user.username, user.role)
}

async fn load_user(db: &Db, user_id: &str) -> Result<UserRow, Status> {
    if user_id.is_empty() {
        return Err(invalid_field("user_id", "is required"));
    }
    store::user_by_id(db, user_id).await?.ok_or_else(|| Status::not_found("no user with this id"))
}

#[tonic::async_trait]
impl InternalUserService for InternalApi {
    async fn get_user_stats(&self, request: Request<GetUserStatsRequest>) -> Reply<GetUserStatsResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let day = hms_kit::time::required_micros(&mut v, "day_start_time", r.day_start_time.as_ref());
        let week = hms_kit::time::required_micros(&mut v, "week_start_time", r.week_start_time.as_ref());
        v.into_result()?;
        let (Some(day), Some(week)) = (day, week) else { return Err(invalid_field("day_start_time", "is required")) };
        let patient = role_name(Role::Patient);
        let today = store::count_joined_since(&self.0.db, patient, day).await?;
        let this_week = store::count_joined_since(&self.0.db, patient, week).await?;
        Ok(Response::new(GetUserStatsResponse {
            stats: Some(UserStats { new_patients_today: today, new_patients_week: this_week }),
        }))
    }

    async fn verify_token(&self, request: Request<VerifyTokenRequest>) -> Reply<VerifyTokenResponse> {
        let r = request.into_inner();
        if r.token.is_empty() {
            return Err(invalid_field("token", "is required"));
        }
        let caller = self.0.verifier.verify(&r.token).await.map_err(|e| Status::unauthenticated(e.to_string()))?;
        if caller.is_service() {
            return Err(Status::unauthenticated("not an access token"));
        }
        let user = self.0.session_user(&caller).await?;
        let session = caller.session_id.clone().unwrap_or_default();
        Ok(Response::new(VerifyTokenResponse {
            user_id: user.id,
            role: caller.role.into(),
            session_id: session,
            expire_time: Some(prost_types::Timestamp { seconds: caller.expires_at, nanos: 0 }),
        }))
    }

    async fn get_contact_info(&self, request: Request<GetContactInfoRequest>) -> Reply<GetContactInfoResponse> {
        let r = request.into_inner();
        let user = load_user(&self.0.db, &r.user_id).await?;
        Ok(Response::new(GetContactInfoResponse {
            display_name: domain::display_name(&user.first_name, &user.last_name, &user.username),
            user_id: user.id,
            email: user.email,
            phone_number: user.phone_number.unwrap_or_default(),
            preferred_language: user.preferred_language,
            is_active: user.is_active != 0,
        }))
    }

    async fn batch_get_display_names(
        &self,
        request: Request<BatchGetDisplayNamesRequest>,
    ) -> Reply<BatchGetDisplayNamesResponse> {
        let mut ids = request.into_inner().user_ids;
        ids.sort();
        ids.dedup();
        if ids.len() > paging::MAX_PAGE_SIZE {
            return Err(invalid_field("user_ids", "at most 500 ids per call"));
        }
        let rows = store::users_by_ids(&self.0.db, &ids).await?;
        let display_names = rows
            .into_iter()
            .map(|u| (u.id.clone(), domain::display_name(&u.first_name, &u.last_name, &u.username)))
            .collect();
        Ok(Response::new(BatchGetDisplayNamesResponse { display_names }))
    }
}

// --- start-up ---

/// The newest unretired signing key, created (and sealed) on first start.
pub async fn load_or_create_signing_key(db: &Db, sealer: &Sealer) -> anyhow::Result<SigningKeyPair> {
    if let Some(row) = store::signing_keys(db).await?.into_iter().next() {
        let pkcs8 = sealer.open(&row.sealing_key_id, &row.private_sealed, &row.kid)?;
        return Ok(SigningKeyPair { kid: row.kid, pkcs8 });
    }
    let pair = SigningKeyPair::generate()?;
    let public = pair.public_key()?;
    let (sealing_key_id, private_sealed) = sealer.seal(&pair.pkcs8, &pair.kid)?;
    store::insert_signing_key(
        db,
        &store::SigningKeyRow {
            kid: pair.kid.clone(),
            private_sealed,
            sealing_key_id,
            public_x: public.x,
            created_at: now_micros(),
        },
    )
    .await?;
    tracing::info!(kid = %pair.kid, "generated a new token signing key");
    Ok(pair)
}

pub async fn published_keys(db: &Db) -> anyhow::Result<Vec<PublicKey>> {
    Ok(store::signing_keys(db).await?.into_iter().map(|k| PublicKey { kid: k.kid, x: k.public_x }).collect())
}

/// Creates the first administrator when there is none; returns it when it
/// was created now.
pub async fn ensure_initial_admin(state: &State) -> anyhow::Result<Option<crate::CreatedAdmin>> {
    if store::any_user_with_role(&state.db, role_name(Role::Admin)).await? {
        return Ok(None);
    }
    let admin = &state.config.initial_admin;
    let (password, generated) = match &admin.password {
        Some(p) => (p.expose_secret().to_owned(), false),
        None => (new_token()?, true),
    };
    let account = NewAccount {
        username: &admin.username,
        password: &password,
        email: &admin.email,
        phone_number: "",
        first_name: "",
        last_name: "",
        preferred_language: "",
        role: Role::Admin,
        profile: None,
    };
    let row = state
        .create_account(account, false, None)
        .await
        .map_err(|status| anyhow::anyhow!("cannot create the initial admin: {}", status.message()))?;
    state
        .audit(AuthEventKind::UserCreated, Some(&row.id), None, "", true, "INITIAL_ADMIN")
        .await
        .map_err(|s| anyhow::anyhow!("{}", s.message()))?;
    tracing::info!(username = %admin.username, generated, "initial administrator created");
    Ok(Some(crate::CreatedAdmin {
        username: admin.username.clone(),
        generated_password: generated.then(|| secrecy::SecretString::from(password)),
    }))
}
