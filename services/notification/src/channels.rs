//! The outside world's channels: email through lettre (SMTP, or .eml files
//! readable by their owner only, when no server exists) and SMS through a
//! provider interface.

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
    /// Worth another try later (server down, 4xx, timeout).
    #[error("{0}")]
    Transient(String),
    /// Will never succeed as is (5xx, bad address).
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
    pub smtp_timeout_ms: u64,
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
            smtp_timeout_ms: 10_000,
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
            let mut builder =
                builder.port(config.smtp_port).timeout(Some(Duration::from_millis(config.smtp_timeout_ms)));
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

#[async_trait]
impl SmsProvider for LogSms {
    async fn send(&self, to: &str, body: &str) -> Result<String, SendError> {
        let id = uuid::Uuid::now_v7().to_string();
        let tail: String = to.chars().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect();
        tracing::info!(provider = "log", to = %format!("***{tail}"), chars = body.chars().count(), id = %id, "SMS sent");
        tracing::debug!(body, "SMS body");
        Ok(id)
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
