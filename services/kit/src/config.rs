//! Layered configuration: defaults < optional TOML file < `HMS_*` environment.
//!
//! The file is `$HMS_CONFIG` when set. Nested keys use `__` in the environment:
//! `HMS_USER__DATABASE_URL` sets `user.database_url`. Secrets are
//! [`secrecy::SecretString`], whose `Debug` prints `[REDACTED]`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::proxies::{RemovedTrustForwardedFor, TrustedProxies};

/// The configuration sources, read once per process.
#[derive(Clone)]
pub struct Sources {
    figment: Figment,
}

impl Sources {
    /// Reads `$HMS_CONFIG` (if set) and the `HMS_*` environment.
    pub fn load() -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        if let Some(path) = std::env::var_os("HMS_CONFIG") {
            let path = PathBuf::from(path);
            anyhow::ensure!(path.exists(), "HMS_CONFIG points at {} which does not exist", path.display());
            figment = figment.merge(Toml::file(path));
        }
        Ok(Self { figment: figment.merge(Env::prefixed("HMS_").split("__")) })
    }

    /// Sources with extra TOML layered under the environment (the launcher's
    /// generated secrets file) — the environment still wins.
    pub fn with_file_under_env(path: &std::path::Path) -> anyhow::Result<Self> {
        let mut figment = Figment::new().merge(Toml::file(path));
        if let Some(user_file) = std::env::var_os("HMS_CONFIG") {
            figment = figment.merge(Toml::file(PathBuf::from(user_file)));
        }
        Ok(Self { figment: figment.merge(Env::prefixed("HMS_").split("__")) })
    }

    /// Sources from a TOML string only (tests).
    pub fn from_toml(toml: &str) -> Self {
        Self { figment: Figment::new().merge(Toml::string(toml)) }
    }

    /// Extracts one section (`user`, `auth`, …); the section's types fill
    /// missing keys with `#[serde(default)]`.
    pub fn section<T: DeserializeOwned>(&self, name: &str) -> anyhow::Result<T> {
        self.figment
            .clone()
            .focus(name)
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration in section `{name}`: {e}"))
    }
}

/// Settings every gRPC server shares.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Upper bound for any request, whatever the client's deadline.
    #[serde(with = "millis")]
    pub request_timeout: Duration,
    /// Largest accepted request message.
    pub max_message_bytes: usize,
    /// After a shutdown signal health reports NOT_SERVING for this long before
    /// the listener closes, so load balancers stop routing here first.
    #[serde(with = "millis")]
    pub shutdown_delay: Duration,
    /// Longest wait for in-flight requests after the listener closes.
    #[serde(with = "millis")]
    pub drain_timeout: Duration,
    /// Networks of the proxies (the gateway) whose `x-forwarded-for` names
    /// the client; from any other peer the header is ignored and the TCP
    /// peer is the client. Empty (the default) believes nobody. Calls from
    /// this process's own gateway (`hms up`) carry the client without a header.
    pub trusted_proxies: TrustedProxies,
    /// The removed `trust_forwarded_for`: refused with a message naming
    /// `trusted_proxies`.
    #[serde(rename = "trust_forwarded_for", skip_serializing)]
    pub removed_trust_forwarded_for: RemovedTrustForwardedFor,
    /// How often the store is probed for the health service.
    #[serde(with = "millis")]
    pub health_interval: Duration,
    /// Where Prometheus metrics are served (`GET /metrics`); off when unset.
    pub metrics_listen: Option<SocketAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            request_timeout: Duration::from_secs(30),
            max_message_bytes: 4 * 1024 * 1024,
            shutdown_delay: Duration::ZERO,
            drain_timeout: Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
            removed_trust_forwarded_for: RemovedTrustForwardedFor,
            health_interval: Duration::from_secs(5),
            metrics_listen: None,
        }
    }
}

/// Token verification and service-to-service credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// gRPC address of the user service, whose published keys verify tokens.
    pub user_service_url: String,
    /// Shared secret of service tokens (HS256). Required outside tests.
    #[serde(serialize_with = "redacted::serialize")]
    pub service_token_secret: Option<SecretString>,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// How long a verifier keeps trusting its list of revoked sessions when
    /// the user service's feed (one message a second) falls silent; past it,
    /// access tokens are refused with UNAVAILABLE until the feed is back.
    #[serde(with = "millis")]
    pub revocation_grace: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            user_service_url: "http://127.0.0.1:50051".into(),
            service_token_secret: None,
            issuer: "hms-user".into(),
            audience: "hms".into(),
            revocation_grace: Duration::from_secs(10),
        }
    }
}

/// Logging and tracing output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// `auto` (pretty on a terminal, JSON otherwise), `pretty` or `json`.
    pub log_format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub log_filter: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self { log_format: LogFormat::Auto, log_filter: "info".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Auto,
    Pretty,
    Json,
}

/// Durations are written as whole milliseconds in files and the environment.
pub mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}

/// Secrets serialise as `[REDACTED]`, so a configuration can be written out
/// (the README's reference is checked against the serialised defaults)
/// without ever showing a key.
pub mod redacted {
    use std::collections::BTreeMap;

    use secrecy::SecretString;
    use serde::Serializer;

    const REDACTED: &str = "[REDACTED]";

    pub fn serialize<T: Redact, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.redact(serializer)
    }

    /// The secret-holding shapes the configuration uses.
    pub trait Redact {
        fn redact<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    }

    impl Redact for SecretString {
        fn redact<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(REDACTED)
        }
    }

    impl Redact for Option<SecretString> {
        fn redact<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Some(_) => serializer.serialize_some(REDACTED),
                None => serializer.serialize_none(),
            }
        }
    }

    impl Redact for BTreeMap<String, SecretString> {
        fn redact<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.keys().map(|key| (key, REDACTED)))
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn file_values_override_defaults_and_secrets_stay_hidden() {
        let sources = Sources::from_toml(
            r#"
            [auth]
            service_token_secret = "s3cr3t-value"
            user_service_url = "http://user:50051"
            [server]
            request_timeout = 1500
            "#,
        );
        let auth: AuthConfig = sources.section("auth").unwrap();
        assert_eq!(auth.user_service_url, "http://user:50051");
        assert_eq!(auth.issuer, "hms-user");
        let secret = auth.service_token_secret.clone().unwrap();
        assert_eq!(secret.expose_secret(), "s3cr3t-value");
        assert!(!format!("{auth:?}").contains("s3cr3t-value"));
        let server: ServerConfig = sources.section("server").unwrap();
        assert_eq!(server.request_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hms.toml", "[auth]\nissuer = \"from-file\"\naudience = \"file\"\n")?;
            jail.set_env("HMS_CONFIG", "hms.toml");
            jail.set_env("HMS_AUTH__ISSUER", "from-env");
            let auth: AuthConfig = Sources::load().unwrap().section("auth").unwrap();
            assert_eq!(auth.issuer, "from-env");
            assert_eq!(auth.audience, "file");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_come_from_the_environment_and_the_old_switch_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HMS_USER__SERVER__TRUSTED_PROXIES", "172.30.80.10/32,10.0.0.0/8");
            let server: ServerConfig = Sources::load().unwrap().section("user.server").unwrap();
            assert_eq!(server.trusted_proxies, "172.30.80.10/32, 10.0.0.0/8".parse().unwrap());
            jail.set_env("HMS_USER__SERVER__TRUST_FORWARDED_FOR", "true");
            let error = Sources::load().unwrap().section::<ServerConfig>("user.server").unwrap_err().to_string();
            assert!(error.contains("trusted_proxies"), "{error}");
            Ok(())
        });
        assert!(ServerConfig::default().trusted_proxies.is_empty(), "nobody is believed by default");
    }

    #[test]
    fn secrets_serialise_redacted() {
        let sources = Sources::from_toml("[auth]\nservice_token_secret = \"s3cr3t-value\"\n");
        let auth: AuthConfig = sources.section("auth").unwrap();
        let written = serde_json::to_string(&auth).unwrap();
        assert!(!written.contains("s3cr3t-value"), "{written}");
        assert!(written.contains(r#""service_token_secret":"[REDACTED]""#), "{written}");
        let unset = serde_json::to_value(AuthConfig::default()).unwrap();
        assert!(unset["service_token_secret"].is_null(), "{unset}");
        let keys: crate::crypto::EncryptionConfig =
            Sources::from_toml("[ehr.encryption.keys]\nk1 = \"s3cr3t-key\"\n").section("ehr.encryption").unwrap();
        let written = serde_json::to_string(&keys).unwrap();
        assert_eq!(written, r#"{"key_id":"k1","keys":{"k1":"[REDACTED]"}}"#);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let sources = Sources::from_toml("[auth]\nisuer = \"typo\"\n");
        let err = sources.section::<AuthConfig>("auth").unwrap_err();
        assert!(err.to_string().contains("isuer"), "{err}");
    }
}
