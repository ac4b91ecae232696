//! Accounts: created by self-registration, by an admin or as the initial
//! administrator (validated, password hashed, patient profiles sealed, the
//! welcome event written with the account), and the owner's own changes.

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{Principal, role_from_name, role_name};
use hms_kit::crypto::new_token;
use hms_kit::error::{self, FieldViolations};
use hms_kit::proto::common::Role;
use hms_kit::proto::user::{AuthEventKind, Profile, UpdateMeRequest, profile};
use hms_kit::time::now_micros;
use prost::Message;
use secrecy::ExposeSecret;
use tonic::Status;

use super::users::account_summary;
use super::{State, hash_password, non_empty};
use crate::domain::{self, ProfileKind, validation};
use crate::events;
use crate::store::{self, UserRow};

/// Fields shared by self-registration and admin creation.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub email: &'a str,
    pub phone_number: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub preferred_language: &'a str,
    pub role: Role,
    pub profile: Option<Profile>,
}

impl State {
    pub fn open_profile(&self, row: &UserRow) -> Result<Option<Profile>, Status> {
        let Some(body) = &row.profile_body else { return Ok(None) };
        let plain = match &row.profile_key_id {
            Some(kid) => self.sealer.open(kid, body, &row.id).map_err(error::internal)?,
            None => body.clone(),
        };
        Profile::decode(plain.as_slice()).map(Some).map_err(error::internal)
    }

    /// Patient profiles are sealed; other roles' profiles hold nothing sensitive.
    pub(crate) fn store_profile(&self, row: &mut UserRow, profile: Option<&Profile>) -> Result<(), Status> {
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

    /// With `by_admin`, the account is an admin's action for the admin audit
    /// log (its target and summary are filled in here).
    pub(crate) async fn create_account(
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
            id: hms_kit::ids::new_id(),
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
        let event = event.then(|| events::user_registered(&row)).transpose().map_err(error::internal)?;
        let by_admin = by_admin.map(|mut action| {
            action.target_id = row.id.clone();
            action.change("", account_summary(&row))
        });
        store::insert_user(&self.db, &row, event.as_ref(), by_admin.as_ref()).await?;
        Ok(row)
    }

    /// A patient registers themselves; the welcome event goes with the account.
    pub async fn register(&self, account: NewAccount<'_>, address: &str) -> Result<UserRow, Status> {
        let row = self.create_account(account, true, None).await?;
        self.audit(AuthEventKind::Registered, Some(&row.id), Some(&row.id), address, true, "").await?;
        Ok(row)
    }

    /// The caller changes their own account: empty fields stay as they are.
    pub async fn update_me(&self, caller: &Principal, r: &UpdateMeRequest) -> Result<UserRow, Status> {
        let mut user = self.session_user(caller).await?;
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
            self.store_profile(&mut user, Some(profile))?;
        }
        let now = now_micros();
        store::update_user(&self.db, &user, now).await?;
        user.updated_at = now;
        Ok(user)
    }
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
