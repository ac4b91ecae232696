//! The outside world's channels: email through lettre (SMTP, or .eml files
//! readable by their owner only, when no server exists) and SMS through a
//! provider interface: the log (development) or an HTTP provider speaking
//! Twilio's Messages API.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Why a message did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth another try later (server down, timeout, SMTP 4xx, HTTP 429 or 5xx).
    #[error("{0}")]
    Transient(String),
    /// Will never succeed as is (SMTP 5xx, HTTP 4xx, bad address).
    #[error("{0}")]
    Permanent(String),
}

pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// The delivery id: the Message-ID, so a receiver can drop a repeat.
    pub id: &'a str,
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, email: &Email<'_>) -> Result<(), SendError>;
}

#[async_trait]
pub trait SmsProvider: Send + Sync + 'static {
    /// Returns the provider's message id.
    async fn send(&self, to: &str, body: &str) -> Result<String, SendError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailMode {
    /// Write each message as an .eml file under `file_dir`.
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a local sink.
    None,
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

/// Section `[notification.email]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    pub mode: EmailMode,
    pub file_dir: PathBuf,
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub smtp_password: Option<SecretString>,
    #[serde(with = "hms_kit::config::millis", alias = "smtp_timeout_ms")]
    pub smtp_timeout: Duration,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            mode: EmailMode::File,
            file_dir: PathBuf::from("data/mail"),
            from: "HMS <no-reply@hms.local>".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout: Duration::from_millis(10_000),
        }
    }
}

pub fn mailer(config: &EmailConfig) -> anyhow::Result<Box<dyn Mailer>> {
    let from: Mailbox = config.from.parse().map_err(|e| anyhow::anyhow!("notification.email.from: {e}"))?;
    Ok(match config.mode {
        EmailMode::File => {
            hms_kit::files::create_private_dir_all(&config.file_dir)?;
            Box::new(FileMailer { dir: config.file_dir.clone(), from })
        }
        EmailMode::Smtp => {
            let builder = match config.smtp_tls {
                SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host),
                SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)?,
                SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)?,
            };
            let mut builder = builder.port(config.smtp_port).timeout(Some(config.smtp_timeout));
            if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
                builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
            }
            Box::new(SmtpMailer { transport: builder.build(), from })
        }
    })
}

fn message(from: &Mailbox, email: &Email<'_>) -> Result<Message, SendError> {
    let to: Mailbox = email.to.parse().map_err(|e| SendError::Permanent(format!("bad address {}: {e}", email.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject)
        .message_id(Some(format!("<{}@hms>", email.id)))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.to_owned()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.to_owned())),
        )
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}

struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email<'_>) -> Result<(), SendError> {
        let message = message(&self.from, email)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() { SendError::Permanent(e.to_string()) } else { SendError::Transient(e.to_string()) }
        })
    }
}

/// Writes each message to `<uuid v7>.eml` (so they sort by time), 0600:
/// mail holds personal data and reset links. (lettre's file transport
/// creates its files with the umask's mode.)
struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email<'_>) -> Result<(), SendError> {
        let bytes = message(&self.from, email)?.formatted();
        let path = self.dir.join(format!("{}.eml", uuid::Uuid::now_v7()));
        let write = move || {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&path)?.write_all(&bytes)
        };
        tokio::task::spawn_blocking(write)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?
            .map_err(|e| SendError::Transient(format!("cannot write the message under {}: {e}", self.dir.display())))
    }
}

/// Logs instead of sending: for development, until a real provider is
/// configured. Logs the number's last digits only.
pub struct LogSms;

/// A phone number as logs may show it: its last three digits.
pub(crate) fn masked_number(to: &str) -> String {
    let tail: String = to.chars().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect();
    format!("***{tail}")
}

#[async_trait]
impl SmsProvider for LogSms {
    async fn send(&self, to: &str, body: &str) -> Result<String, SendError> {
        let id = hms_kit::ids::new_id();
        tracing::info!(provider = "log", to = %masked_number(to), chars = body.chars().count(), id = %id, "SMS sent");
        tracing::debug!(body, "SMS body");
        Ok(id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Log the message (last digits of the number only): development.
    Log,
    /// Twilio's Messages API: a form POST to
    /// `{base_url}/Accounts/{account_sid}/Messages.json` with basic auth.
    /// Twilio and the providers that copy its API (SignalWire's compatibility
    /// API, for one) answer it.
    Twilio,
}

/// Section `[notification.sms]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    pub provider: SmsProviderKind,
    /// The API root, up to the version: `https://api.twilio.com/2010-04-01`.
    pub base_url: String,
    /// The account (Twilio's `AC…` SID): the basic-auth user and a path segment.
    pub account_sid: String,
    /// The basic-auth password.
    #[serde(serialize_with = "hms_kit::config::redacted::serialize")]
    pub auth_token: Option<SecretString>,
    /// The sender: a number in E.164 (`+84…`) or an alphanumeric sender id.
    #[serde(deserialize_with = "sender")]
    pub from: String,
    /// Longest exchange with the provider; a timeout is retried.
    #[serde(with = "hms_kit::config::millis", alias = "timeout_ms")]
    pub timeout: Duration,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            provider: SmsProviderKind::Log,
            base_url: "https://api.twilio.com/2010-04-01".into(),
            account_sid: String::new(),
            auth_token: None,
            from: String::new(),
            timeout: Duration::from_millis(10_000),
        }
    }
}

/// The environment turns `+15005550006` into the number 15005550006,
/// which has lost its `+`: refuse it with the fix rather than guess.
fn sender<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Text(text) => Ok(text),
        Raw::Number(n) => Err(serde::de::Error::custom(format!(
            "read as the number {n}: quote it to keep its + (HMS_NOTIFICATION__SMS__FROM='\"+{n}\"')"
        ))),
    }
}

pub fn sms_provider(config: &SmsConfig) -> anyhow::Result<Box<dyn SmsProvider>> {
    Ok(match config.provider {
        SmsProviderKind::Log => Box::new(LogSms),
        SmsProviderKind::Twilio => Box::new(TwilioSms::new(config)?),
    })
}

/// An SMS provider speaking Twilio's Messages API (see [`SmsProviderKind::Twilio`]).
struct TwilioSms {
    client: reqwest::Client,
    /// `{base_url}/Accounts/{account_sid}/Messages.json`
    url: reqwest::Url,
    account_sid: String,
    auth_token: SecretString,
    from: String,
}

impl TwilioSms {
    fn new(config: &SmsConfig) -> anyhow::Result<Self> {
        let missing = |key: &str| anyhow::anyhow!("notification.sms.{key} is required for the twilio provider");
        // The SID is a path segment: letters and digits only keep the URL ours.
        if config.account_sid.is_empty() || !config.account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(anyhow::anyhow!("notification.sms.account_sid: letters and digits, required for twilio"));
        }
        let auth_token = config.auth_token.clone().ok_or_else(|| missing("auth_token"))?;
        if config.from.trim().is_empty() {
            return Err(missing("from"));
        }
        let url = format!("{}/Accounts/{}/Messages.json", config.base_url.trim_end_matches('/'), config.account_sid);
        let url = reqwest::Url::parse(&url).map_err(|e| anyhow::anyhow!("notification.sms.base_url: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(anyhow::anyhow!("notification.sms.base_url: must be an http(s) address"));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            // A redirect would carry the credentials somewhere unconfigured.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, url, account_sid: config.account_sid.clone(), auth_token, from: config.from.clone() })
    }
}

/// HTTP statuses worth another try: the provider is down, busy or throttling.
fn transient_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// A provider's error message without the phone numbers it may quote
/// (Twilio's "The 'To' number +84… is not valid"): it goes to logs and to the
/// delivery log.
fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        out.push_str(if digits.chars().filter(char::is_ascii_digit).count() >= 4 { "***" } else { digits.as_str() });
        digits.clear();
    };
    for c in text.chars().take(300) {
        if c.is_ascii_digit() || (c == '+' && digits.is_empty()) {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[derive(Deserialize)]
struct TwilioReply {
    #[serde(default)]
    sid: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

#[async_trait]
impl SmsProvider for TwilioSms {
    async fn send(&self, to: &str, body: &str) -> Result<String, SendError> {
        let response = self
            .client
            .post(self.url.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| {
                let e = e.without_url();
                if e.is_builder() {
                    SendError::Permanent(format!("SMS request cannot be built: {e}"))
                } else if e.is_timeout() {
                    SendError::Transient("SMS provider timed out".into())
                } else {
                    let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
                    SendError::Transient(format!("SMS provider unreachable: {e}{cause}"))
                }
            })?;
        let status = response.status();
        // An unreadable body after a 2xx still means it was accepted: sending
        // again would text the patient twice.
        let reply: Option<TwilioReply> = response.json().await.ok();
        if status.is_success() {
            let id = reply.map(|r| r.sid).unwrap_or_default();
            tracing::info!(provider = "twilio", to = %masked_number(to), id = %id, "SMS sent");
            return Ok(id);
        }
        let detail = match reply {
            Some(TwilioReply { code: Some(code), message, .. }) => {
                format!(" (code {code}: {})", without_numbers(&message))
            }
            Some(TwilioReply { message, .. }) if !message.is_empty() => format!(" ({})", without_numbers(&message)),
            _ => String::new(),
        };
        let error = format!("SMS provider answered HTTP {}{detail}", status.as_u16());
        if transient_status(status.as_u16()) {
            Err(SendError::Transient(error))
        } else {
            Err(SendError::Permanent(error))
        }
    }
}

#[cfg(test)]
mod sms_tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_transient_client_errors_are_not() {
        assert!(transient_status(500) && transient_status(503) && transient_status(429) && transient_status(408));
        assert!(!transient_status(400) && !transient_status(401) && !transient_status(404) && !transient_status(302));
    }

    #[test]
    fn provider_messages_lose_their_phone_numbers() {
        assert_eq!(
            without_numbers("The 'To' number +84901234567 is not a valid phone number. Code 21211"),
            "The 'To' number *** is not a valid phone number. Code ***"
        );
        assert_eq!(without_numbers("retry in 30 s, 2+2"), "retry in 30 s, 2+2");
    }

    #[test]
    fn the_auth_token_is_redacted_when_the_configuration_is_shown() {
        let config = SmsConfig { auth_token: Some(SecretString::from("tok-123")), ..SmsConfig::default() };
        let shown = serde_json::to_string(&config).unwrap();
        assert!(shown.contains("\"auth_token\":\"[REDACTED]\"") && !shown.contains("tok-123"), "{shown}");
    }

    #[test]
    fn a_sender_read_as_a_number_is_refused_with_the_fix() {
        let config: SmsConfig = serde_json::from_str(r#"{"from":"+15005550006"}"#).unwrap();
        assert_eq!(config.from, "+15005550006");
        let error = serde_json::from_str::<SmsConfig>(r#"{"from":15005550006}"#).unwrap_err().to_string();
        assert!(error.contains("quote it"), "{error}");
    }

    #[test]
    fn the_twilio_provider_wants_its_account_token_and_sender() {
        let complete = SmsConfig {
            provider: SmsProviderKind::Twilio,
            account_sid: "AC123".into(),
            auth_token: Some(SecretString::from("t")),
            from: "+15005550006".into(),
            ..SmsConfig::default()
        };
        assert!(sms_provider(&complete).is_ok());
        assert!(sms_provider(&SmsConfig::default()).is_ok(), "the log needs nothing");
        for broken in [
            SmsConfig { account_sid: String::new(), ..complete.clone() },
            SmsConfig { account_sid: "AC/../x".into(), ..complete.clone() },
            SmsConfig { auth_token: None, ..complete.clone() },
            SmsConfig { from: " ".into(), ..complete.clone() },
            SmsConfig { base_url: "ftp://sms.example".into(), ..complete.clone() },
        ] {
            assert!(sms_provider(&broken).is_err(), "{broken:?}");
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn mail_files_are_readable_by_their_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("mail");
        let config = EmailConfig { mode: EmailMode::File, file_dir: dir.clone(), ..EmailConfig::default() };
        let email = Email { to: "an@example.com", subject: "Hello", text: "Hi", html: "<p>Hi</p>", id: "n-1" };
        mailer(&config).unwrap().send(&email).await.unwrap();
        let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert!(files[0].extension().is_some_and(|x| x == "eml"), "{files:?}");
        assert_eq!(mode(&files[0]), 0o600);
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: an@example.com") && eml.contains("Message-ID: <n-1@hms>"), "{eml}");
    }
}
