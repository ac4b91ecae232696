//! `UserService`: registration, login and sessions, the caller's own account
//! and password, password reset, the signing keys and revocation feed every
//! verifier follows, and the admins' user management and audit trail.

use std::sync::Arc;

use hms_kit::auth::{client_address, principal, role_name};
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::proto::common::{PageResponse, Role};
use hms_kit::proto::user::user_service_server::UserService;
use hms_kit::proto::user::*;
use tonic::{Request, Response};

use super::Reply;
use super::convert::{auth_event_kind_name, auth_event_to_proto, signing_key_to_proto, user_to_proto};
use crate::app::accounts::NewAccount;
use crate::app::{State, load_user, non_empty};
use crate::domain::validation;
use crate::revocations::WatchStream;
use crate::store::{AuthEventFilter, UserFilter};

pub struct UserApi(pub Arc<State>);

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
        let row = self.0.register(account, &address).await?;
        Ok(Response::new(RegisterResponse { user: Some(user_to_proto(&self.0, &row)?) }))
    }

    async fn login(&self, request: Request<LoginRequest>) -> Reply<LoginResponse> {
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.require(!r.username.is_empty(), "username", "is required");
        v.require(!r.password.is_empty(), "password", "is required");
        v.into_result()?;
        let (tokens, user) = self.0.login(&r.username, r.password, &address).await?;
        Ok(Response::new(LoginResponse { tokens: Some(tokens), user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn refresh_token(&self, request: Request<RefreshTokenRequest>) -> Reply<RefreshTokenResponse> {
        let address = client_address(&request);
        let r = request.into_inner();
        if r.refresh_token.is_empty() {
            return Err(invalid_field("refresh_token", "is required"));
        }
        let tokens = self.0.refresh(&r.refresh_token, &address).await?;
        Ok(Response::new(RefreshTokenResponse { tokens: Some(tokens) }))
    }

    async fn logout(&self, request: Request<LogoutRequest>) -> Reply<LogoutResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        self.0.logout(&caller, &address).await?;
        Ok(Response::new(LogoutResponse {}))
    }

    async fn get_me(&self, request: Request<GetMeRequest>) -> Reply<GetMeResponse> {
        let user = self.0.session_user(principal(&request)?).await?;
        Ok(Response::new(GetMeResponse { user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn update_me(&self, request: Request<UpdateMeRequest>) -> Reply<UpdateMeResponse> {
        let caller = principal(&request)?.clone();
        let r = request.into_inner();
        let user = self.0.update_me(&caller, &r).await?;
        Ok(Response::new(UpdateMeResponse { user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn change_password(&self, request: Request<ChangePasswordRequest>) -> Reply<ChangePasswordResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        self.0.change_password(&caller, r.current_password, r.new_password, &address).await?;
        Ok(Response::new(ChangePasswordResponse {}))
    }

    async fn request_password_reset(
        &self,
        request: Request<RequestPasswordResetRequest>,
    ) -> Reply<RequestPasswordResetResponse> {
        let address = client_address(&request);
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        validation::email(&mut v, "email", &r.email);
        v.into_result()?;
        self.0.request_password_reset(&r.email, &address).await?;
        Ok(Response::new(RequestPasswordResetResponse {}))
    }

    async fn confirm_password_reset(
        &self,
        request: Request<ConfirmPasswordResetRequest>,
    ) -> Reply<ConfirmPasswordResetResponse> {
        let address = client_address(&request);
        let r = request.into_inner();
        if r.token.is_empty() {
            return Err(invalid_field("token", "is required"));
        }
        self.0.confirm_password_reset(&r.token, r.new_password, &address).await?;
        Ok(Response::new(ConfirmPasswordResetResponse {}))
    }

    async fn get_signing_keys(&self, _request: Request<GetSigningKeysRequest>) -> Reply<GetSigningKeysResponse> {
        let keys = self.0.published.iter().map(signing_key_to_proto).collect();
        Ok(Response::new(GetSigningKeysResponse { keys }))
    }

    async fn list_users(&self, request: Request<ListUsersRequest>) -> Reply<ListUsersResponse> {
        let r = request.into_inner();
        let filter = UserFilter {
            role: (r.role() != Role::Unspecified).then(|| role_name(r.role()).to_owned()),
            query: non_empty(&r.query),
        };
        if filter.query.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(invalid_field("query", "must have at most 100 characters"));
        }
        let (rows, next_page_token) = self.0.list_users(&filter, r.page.as_ref()).await?;
        let users = rows.iter().map(|row| user_to_proto(&self.0, row)).collect::<Result<_, _>>()?;
        Ok(Response::new(ListUsersResponse { users, page: Some(PageResponse { next_page_token }) }))
    }

    async fn get_user(&self, request: Request<GetUserRequest>) -> Reply<GetUserResponse> {
        let r = request.into_inner();
        let user = load_user(&self.0.db, &r.user_id).await?;
        Ok(Response::new(GetUserResponse { user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn create_user(&self, request: Request<CreateUserRequest>) -> Reply<CreateUserResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let role = Role::try_from(r.role).unwrap_or(Role::Unspecified);
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
        let row = self.0.create_user(&caller, &address, account).await?;
        Ok(Response::new(CreateUserResponse { user: Some(user_to_proto(&self.0, &row)?) }))
    }

    async fn set_user_active(&self, request: Request<SetUserActiveRequest>) -> Reply<SetUserActiveResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let user = self.0.set_user_active(&caller, &address, &r.user_id, r.active).await?;
        Ok(Response::new(SetUserActiveResponse { user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn change_user_role(&self, request: Request<ChangeUserRoleRequest>) -> Reply<ChangeUserRoleResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let r = request.into_inner();
        let role = Role::try_from(r.role).unwrap_or(Role::Unspecified);
        let user = self.0.change_user_role(&caller, &address, &r.user_id, role).await?;
        Ok(Response::new(ChangeUserRoleResponse { user: Some(user_to_proto(&self.0, &user)?) }))
    }

    async fn list_auth_events(&self, request: Request<ListAuthEventsRequest>) -> Reply<ListAuthEventsResponse> {
        let r = request.into_inner();
        let filter = AuthEventFilter {
            user_id: non_empty(&r.user_id),
            kind: (r.kind() != AuthEventKind::Unspecified).then(|| auth_event_kind_name(r.kind())),
        };
        let (rows, next_page_token) = self.0.list_auth_events(&filter, r.page.as_ref()).await?;
        let events = rows.into_iter().map(auth_event_to_proto).collect();
        Ok(Response::new(ListAuthEventsResponse { events, page: Some(PageResponse { next_page_token }) }))
    }
}
