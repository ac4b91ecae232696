//! The web app's browser session (`hms.web.v1.WebSessionService`), answered
//! by the gateway itself: the refresh token stays in an HttpOnly,
//! SameSite=Strict cookie that only this service's path receives, so no page
//! script can read it, and Refresh and SignOut require the double-submit CSRF
//! token. Signing in, rotating and revoking are the user service's.

use hms_kit::proto::user::user_service_client::UserServiceClient;
use hms_kit::proto::user::{GetMeRequest, LoginRequest, LogoutRequest, RefreshTokenRequest, TokenPair, User};
use hms_kit::server::InProcessClient;
use hms_proto::web::web_session_service_server::WebSessionService;
use hms_proto::web::{
    RefreshRequest, RefreshResponse, SignInRequest, SignInResponse, SignOutRequest, SignOutResponse, WebSession,
};
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Request, Response, Status};

use crate::admission::RequestMeta;
use crate::upstream::Upstreams;

/// The refresh token. Sent only to this service's methods.
const REFRESH_COOKIE: &str = "hms_refresh";
/// The double-submit CSRF token: readable by the page, repeated in [`CSRF_HEADER`].
const CSRF_COOKIE: &str = "hms_csrf";
const CSRF_HEADER: &str = "x-csrf-token";
const REFRESH_COOKIE_PATH: &str = "/hms.web.v1.WebSessionService/";

pub struct WebSessions {
    upstreams: Upstreams,
    /// Origins, besides the gateway's own, whose pages may use the session.
    allowed_origins: Vec<String>,
}

impl WebSessions {
    pub fn new(upstreams: Upstreams, allowed_origins: Vec<String>) -> Self {
        Self { upstreams, allowed_origins }
    }

    fn users(&self) -> Result<UserServiceClient<crate::upstream::Upstream>, Status> {
        let upstream = self.upstreams.get("hms.user.v1").ok_or_else(|| Status::unavailable("no user service"))?;
        Ok(UserServiceClient::new(upstream))
    }

    /// A cross-site page can neither read nor (with SameSite=Strict) send our
    /// cookies, but a browser still reports where a call comes from: refuse
    /// any origin that is neither this gateway's nor an allowed one.
    fn check_origin(&self, metadata: &MetadataMap) -> Result<(), Status> {
        let Some(origin) = metadata.get("origin").and_then(|v| v.to_str().ok()) else { return Ok(()) };
        let host = metadata.get("host").or_else(|| metadata.get(":authority")).and_then(|v| v.to_str().ok());
        let own = host.is_some_and(|host| origin_host(origin) == Some(host));
        if own || self.allowed_origins.iter().any(|allowed| allowed == origin) {
            return Ok(());
        }
        Err(Status::permission_denied(format!("the web session is not available to pages of {origin}")))
    }

    /// Rotates the cookie's refresh token; UNAUTHENTICATED when there is none
    /// or the CSRF token does not match.
    async fn rotate(&self, request: &Request<impl Sized>) -> Result<TokenPair, Status> {
        let metadata = request.metadata();
        self.check_origin(metadata)?;
        let refresh_token = cookie(metadata, REFRESH_COOKIE)
            .ok_or_else(|| Status::unauthenticated("no web session: sign in"))?
            .to_owned();
        check_csrf(metadata)?;
        let call = upstream_request(request, RefreshTokenRequest { refresh_token });
        let response = self.users()?.refresh_token(call).await?;
        response.into_inner().tokens.ok_or_else(|| Status::internal("the user service answered no tokens"))
    }
}

#[tonic::async_trait]
impl WebSessionService for WebSessions {
    async fn sign_in(&self, request: Request<SignInRequest>) -> Result<Response<SignInResponse>, Status> {
        self.check_origin(request.metadata())?;
        let body = request.get_ref();
        let login = LoginRequest { username: body.username.clone(), password: body.password.clone() };
        let answer = self.users()?.login(upstream_request(&request, login)).await?.into_inner();
        let tokens = answer.tokens.ok_or_else(|| Status::internal("the user service answered no tokens"))?;
        let grant = WebSessionGrant::new(tokens, answer.user, request.metadata());
        Ok(grant.into_response(|session| SignInResponse { session: Some(session) }))
    }

    async fn refresh(&self, request: Request<RefreshRequest>) -> Result<Response<RefreshResponse>, Status> {
        let tokens = self.rotate(&request).await?;
        let mut me = upstream_request(&request, GetMeRequest {});
        me.metadata_mut().insert("authorization", bearer(&tokens.access_token)?);
        let user = self.users()?.get_me(me).await?.into_inner().user;
        let grant = WebSessionGrant::new(tokens, user, request.metadata());
        Ok(grant.into_response(|session| RefreshResponse { session: Some(session) }))
    }

    async fn sign_out(&self, request: Request<SignOutRequest>) -> Result<Response<SignOutResponse>, Status> {
        if cookie(request.metadata(), REFRESH_COOKIE).is_some() {
            match self.rotate(&request).await {
                Ok(tokens) => {
                    let mut logout = upstream_request(&request, LogoutRequest {});
                    logout.metadata_mut().insert("authorization", bearer(&tokens.access_token)?);
                    self.users()?.logout(logout).await?;
                }
                // Already over (expired, revoked): nothing to end.
                Err(status) if status.code() == tonic::Code::Unauthenticated && csrf_matches(request.metadata()) => {}
                Err(status) => return Err(status),
            }
        }
        let mut response = Response::new(SignOutResponse {});
        let secure = secure_cookies(request.metadata());
        set_cookie(response.metadata_mut(), &format!("{REFRESH_COOKIE}=; Max-Age=0{}", refresh_attributes(secure)));
        set_cookie(response.metadata_mut(), &format!("{CSRF_COOKIE}=; Max-Age=0{}", csrf_attributes(secure)));
        Ok(response)
    }
}

/// A session to hand to the page, and the cookies that go with it.
struct WebSessionGrant {
    session: WebSession,
    refresh_token: String,
    refresh_expires: Option<prost_types::Timestamp>,
    secure: bool,
}

impl WebSessionGrant {
    fn new(tokens: TokenPair, user: Option<User>, incoming: &MetadataMap) -> Self {
        Self {
            session: WebSession {
                access_token: tokens.access_token,
                access_token_expire_time: tokens.access_token_expire_time,
                user,
            },
            refresh_token: tokens.refresh_token,
            refresh_expires: tokens.refresh_token_expire_time,
            secure: secure_cookies(incoming),
        }
    }

    fn into_response<T>(self, wrap: impl FnOnce(WebSession) -> T) -> Response<T> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let max_age = self.refresh_expires.map_or(0, |t| u64::try_from(t.seconds).unwrap_or(0).saturating_sub(now));
        let mut response = Response::new(wrap(self.session));
        let metadata = response.metadata_mut();
        let refresh_attributes = refresh_attributes(self.secure);
        set_cookie(
            metadata,
            &format!("{REFRESH_COOKIE}={}; Max-Age={max_age}{refresh_attributes}", self.refresh_token),
        );
        // A new CSRF token with every grant: one that leaked goes stale.
        if let Ok(csrf) = hms_kit::crypto::new_token() {
            set_cookie(metadata, &format!("{CSRF_COOKIE}={csrf}; Max-Age={max_age}{}", csrf_attributes(self.secure)));
        }
        response
    }
}

fn refresh_attributes(secure: bool) -> String {
    format!("; Path={REFRESH_COOKIE_PATH}; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

fn csrf_attributes(secure: bool) -> String {
    format!("; Path=/; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

fn set_cookie(metadata: &mut MetadataMap, cookie: &str) {
    if let Ok(value) = MetadataValue::try_from(cookie) {
        metadata.append("set-cookie", value);
    }
}

/// Cookies are `Secure` except for a page served over plain HTTP on this
/// machine (`hms up` at http://127.0.0.1), where a browser would drop them.
fn secure_cookies(metadata: &MetadataMap) -> bool {
    let https = metadata.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let host = metadata.get("host").or_else(|| metadata.get(":authority")).and_then(|v| v.to_str().ok());
    https || !host.is_some_and(is_loopback_host)
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` of `http://host:port`.
fn origin_host(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'))
}

fn cookie<'a>(metadata: &'a MetadataMap, name: &str) -> Option<&'a str> {
    metadata
        .get_all("cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

fn csrf_matches(metadata: &MetadataMap) -> bool {
    let header = metadata.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (cookie(metadata, CSRF_COOKIE), header) {
        (Some(cookie), Some(header)) => constant_time_eq(cookie.as_bytes(), header.as_bytes()),
        _ => false,
    }
}

fn check_csrf(metadata: &MetadataMap) -> Result<(), Status> {
    if csrf_matches(metadata) {
        Ok(())
    } else {
        Err(Status::permission_denied(format!("the {CSRF_HEADER} header must repeat the {CSRF_COOKIE} cookie")))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(token: &str) -> Result<MetadataValue<tonic::metadata::Ascii>, Status> {
    MetadataValue::try_from(format!("Bearer {token}")).map_err(|_| Status::internal("unusable access token"))
}

/// A call to the user service on behalf of the page: its address (for the
/// login throttle), request id and trace context go along; its cookies do not.
fn upstream_request<T, U>(incoming: &Request<T>, message: U) -> Request<U> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    for key in ["x-request-id", "x-forwarded-for"] {
        if let Some(value) = incoming.metadata().get(key) {
            metadata.insert(key, value.clone());
        }
    }
    hms_kit::telemetry::inject_current_context(metadata);
    let meta = RequestMeta::of(incoming.extensions());
    request.extensions_mut().insert(InProcessClient(meta.client));
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&'static str, &'static str)]) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        for (key, value) in pairs {
            metadata.append(*key, MetadataValue::from_static(value));
        }
        metadata
    }

    #[test]
    fn cookies_are_found_by_name_across_headers() {
        let m = metadata(&[("cookie", "a=1; hms_csrf=xyz"), ("cookie", "hms_refresh=r1")]);
        assert_eq!(cookie(&m, "hms_csrf"), Some("xyz"));
        assert_eq!(cookie(&m, "hms_refresh"), Some("r1"));
        assert_eq!(cookie(&m, "hms"), None);
        assert_eq!(cookie(&metadata(&[("cookie", "hms_refresh=")]), "hms_refresh"), None);
    }

    #[test]
    fn csrf_needs_the_header_to_repeat_the_cookie() {
        assert!(csrf_matches(&metadata(&[("cookie", "hms_csrf=abc"), ("x-csrf-token", "abc")])));
        assert!(!csrf_matches(&metadata(&[("cookie", "hms_csrf=abc"), ("x-csrf-token", "abd")])));
        assert!(!csrf_matches(&metadata(&[("cookie", "hms_csrf=abc")])));
        assert!(!csrf_matches(&metadata(&[("x-csrf-token", "abc")])));
    }

    #[test]
    fn cookies_are_secure_except_over_plain_http_on_this_machine() {
        assert!(!secure_cookies(&metadata(&[("host", "127.0.0.1:8080")])));
        assert!(!secure_cookies(&metadata(&[("host", "localhost:8080")])));
        assert!(!secure_cookies(&metadata(&[("host", "[::1]:8080")])));
        assert!(secure_cookies(&metadata(&[("host", "clinic.example")])));
        assert!(secure_cookies(&metadata(&[("host", "127.0.0.1:8080"), ("x-forwarded-proto", "https")])));
        assert!(secure_cookies(&metadata(&[])));
    }

    #[test]
    fn origins_name_their_host() {
        assert_eq!(origin_host("http://127.0.0.1:8080"), Some("127.0.0.1:8080"));
        assert_eq!(origin_host("null"), None);
    }
}
