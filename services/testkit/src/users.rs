//! The real user service, as every other service's tests run it: on SQLite,
//! with an initial admin of a known password and the shared service-token
//! secret; accounts of every role and their access tokens.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use hms_kit::auth::ServiceTokens;
use hms_kit::config::AuthConfig;
use hms_kit::outbox::Relay;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{CreateUserRequest, LoginRequest, RegisterRequest};
use hms_kit::testing::{self, Relational, TestDb, TestServer, authed};
use hms_user::{InitialAdmin, UserConfig};
use secrecy::SecretString;

/// The secret services sign their service tokens with.
pub const SERVICE_SECRET: &str = "hms-tests-service-secret";
/// The password of the initial admin, `admin`.
pub const ADMIN_PASSWORD: &str = "hms-tests-admin-password";
/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery";

static PHONES: AtomicU32 = AtomicU32::new(1_000_000);

/// Verifies and issues service tokens with [`SERVICE_SECRET`]; the user
/// service's address is still to be set.
pub fn service_auth() -> AuthConfig {
    AuthConfig { service_token_secret: Some(SecretString::from(SERVICE_SECRET)), ..AuthConfig::default() }
}

/// A user service on `database_url` with a fresh field key `k1` and the
/// initial admin's password [`ADMIN_PASSWORD`].
pub fn user_config(database_url: &str) -> UserConfig {
    UserConfig {
        database_url: database_url.to_owned(),
        encryption_keys: BTreeMap::from([(
            "k1".to_owned(),
            SecretString::from(hms_kit::auth::random_secret(32).unwrap()),
        )]),
        initial_admin: InitialAdmin { password: Some(SecretString::from(ADMIN_PASSWORD)), ..InitialAdmin::default() },
        ..UserConfig::default()
    }
}

/// The user service started for another service's tests.
pub struct UserService {
    pub server: TestServer,
    pub db: TestDb,
    /// [`service_auth`] with this user service's address.
    pub auth: AuthConfig,
    /// Its outbox relay, not running; there is one when the notification or
    /// the admin service is configured.
    pub relay: Option<Relay>,
}

impl UserService {
    /// On SQLite, configured by `adjust` after [`user_config`].
    pub async fn start_with(adjust: impl FnOnce(&mut UserConfig)) -> Self {
        let db = testing::database(Relational::Sqlite).await.unwrap();
        let mut config = user_config(&db.url);
        adjust(&mut config);
        let auth = service_auth();
        let built = hms_user::build(&config, &auth).await.expect("build the user service");
        let server = TestServer::start(built.service, built.verifier).await;
        let auth = AuthConfig { user_service_url: server.url(), ..auth };
        Self { server, db, auth, relay: built.relay }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// The user service on SQLite with a known admin password: its server, its
/// database and the configuration that verifies its tokens.
pub async fn start_user() -> (TestServer, TestDb, AuthConfig) {
    let user = UserService::start_with(|_| {}).await;
    (user.server, user.db, user.auth)
}

/// A service token of `service`, signed with [`SERVICE_SECRET`].
pub fn service_token(service: &str) -> String {
    service_tokens(service).token().unwrap()
}

pub fn service_tokens(service: &str) -> Arc<ServiceTokens> {
    Arc::new(ServiceTokens::new(service, &SecretString::from(SERVICE_SECRET)))
}

/// The access token of a login to the user service at `url`.
pub async fn login(url: &str, username: &str, password: &str) -> String {
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let login = users.login(LoginRequest { username: username.into(), password: password.into() }).await.unwrap();
    login.into_inner().tokens.unwrap().access_token
}

/// The initial admin's access token.
pub async fn admin_token(url: &str) -> String {
    login(url, "admin", ADMIN_PASSWORD).await
}

/// A staff account of `role` named "Staff `username`", reached at
/// `username@clinic.example`.
pub fn staff_request(username: &str, role: Role) -> CreateUserRequest {
    CreateUserRequest {
        username: username.into(),
        password: PASSWORD.into(),
        email: format!("{username}@clinic.example"),
        role: role.into(),
        first_name: "Staff".into(),
        last_name: username.into(),
        ..Default::default()
    }
}

/// Creates an account as the admin; returns (user id, access token).
pub async fn create_user(url: &str, admin: &str, request: CreateUserRequest) -> (String, String) {
    let username = request.username.clone();
    let password = request.password.clone();
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let user = users.create_user(authed(request, admin)).await.expect("create staff user").into_inner().user.unwrap();
    (user.id, login(url, &username, &password).await)
}

/// A staff account created by the admin; returns (user id, access token).
pub async fn staff(url: &str, admin: &str, username: &str, role: Role) -> (String, String) {
    create_user(url, admin, staff_request(username, role)).await
}

/// A patient named "Patient `username`", reached at `username@example.com`.
pub fn patient_request(username: &str) -> RegisterRequest {
    RegisterRequest {
        username: username.into(),
        password: PASSWORD.into(),
        email: format!("{username}@example.com"),
        first_name: "Patient".into(),
        last_name: username.into(),
        ..Default::default()
    }
}

/// Registers an account; returns (user id, access token).
pub async fn register(url: &str, request: RegisterRequest) -> (String, String) {
    let username = request.username.clone();
    let password = request.password.clone();
    let mut users = UserServiceClient::connect(url.to_owned()).await.unwrap();
    let user = users.register(request).await.expect("register").into_inner().user.unwrap();
    (user.id, login(url, &username, &password).await)
}

/// A self-registered patient; returns (user id, access token).
pub async fn patient(url: &str, username: &str) -> (String, String) {
    register(url, patient_request(username)).await
}

/// A phone number no other account of this test binary has: `prefix` and
/// seven digits.
pub fn phone_number(prefix: &str) -> String {
    format!("{prefix}{:07}", PHONES.fetch_add(1, Ordering::SeqCst))
}
