//! Section `[gateway]` of the configuration (env `HMS_GATEWAY__…`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use hms_kit::config::millis;
use hms_kit::proxies::{RemovedTrustForwardedFor, TrustedProxies};
use serde::{Deserialize, Serialize};

/// The gateway's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// HTTP/1.1 and HTTP/2 (h2c) listener for REST, grpc-web and gRPC.
    pub listen: SocketAddr,
    /// Proto package to the gRPC URL of the service that owns it:
    /// `"hms.user.v1" = "http://127.0.0.1:50051"`. In the environment dots
    /// become underscores: `HMS_GATEWAY__ROUTES__HMS_USER_V1=http://user:50051`.
    pub routes: BTreeMap<String, String>,
    /// Origins allowed by CORS (`*` allows any origin, without credentials).
    pub cors_allowed_origins: Vec<String>,
    /// Origins the web app's card payment step may load scripts and frames
    /// from and call, added to its Content-Security-Policy. With Stripe:
    /// `https://js.stripe.com`, `https://*.js.stripe.com`,
    /// `https://api.stripe.com`, `https://hooks.stripe.com`. `hms up` adds
    /// the origins of `billing.stripe.js_url` and `billing.stripe.api_base`
    /// itself when Stripe takes payments.
    pub payment_origins: Vec<String>,
    /// Largest accepted REST request body.
    pub max_body_bytes: usize,
    /// Largest accepted REST request body of a method that takes file
    /// content (a `bytes` field, sent as base64 in JSON: a lab result file).
    pub max_upload_bytes: usize,
    /// Deadline given to upstream calls whose client set none.
    #[serde(with = "millis")]
    pub default_timeout: Duration,
    /// Upper bound of any client deadline.
    #[serde(with = "millis")]
    pub max_timeout: Duration,
    /// Networks of the proxies in front of the gateway (a load balancer, an
    /// ingress controller) whose `x-forwarded-for` names the client; from
    /// any other peer the header is ignored. Empty (the default) believes nobody.
    pub trusted_proxies: TrustedProxies,
    /// The removed `trust_forwarded_for`: refused with a message naming
    /// `trusted_proxies`.
    #[serde(rename = "trust_forwarded_for", skip_serializing)]
    pub removed_trust_forwarded_for: RemovedTrustForwardedFor,
    /// Longest wait for in-flight requests on shutdown.
    #[serde(with = "millis")]
    pub drain_timeout: Duration,
    pub rate_limit: RateLimitConfig,
    /// Where Prometheus metrics are served (`GET /metrics`); off when unset.
    pub metrics_listen: Option<SocketAddr>,
    /// Call a service served by this same process (`hms up`) directly,
    /// without a socket, when its route points at the address it listens on.
    pub in_process_upstreams: bool,
    /// Access log of answered requests: one line for one request in this
    /// many (1: every request; 0: none). Refusals and errors are always logged.
    pub access_log_every: u32,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            routes: BTreeMap::from([
                ("hms.admin.v1".to_owned(), "http://127.0.0.1:50058".to_owned()),
                ("hms.appointment.v1".to_owned(), "http://127.0.0.1:50052".to_owned()),
                ("hms.ehr.v1".to_owned(), "http://127.0.0.1:50053".to_owned()),
                ("hms.pharmacy.v1".to_owned(), "http://127.0.0.1:50054".to_owned()),
                ("hms.laboratory.v1".to_owned(), "http://127.0.0.1:50055".to_owned()),
                ("hms.billing.v1".to_owned(), "http://127.0.0.1:50056".to_owned()),
                ("hms.notification.v1".to_owned(), "http://127.0.0.1:50057".to_owned()),
                ("hms.user.v1".to_owned(), "http://127.0.0.1:50051".to_owned()),
            ]),
            cors_allowed_origins: vec!["http://localhost:3000".into(), "http://127.0.0.1:3000".into()],
            payment_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            // A 4 MiB file in base64, with room for the rest of the request.
            max_upload_bytes: 6 * 1024 * 1024,
            default_timeout: Duration::from_secs(15),
            max_timeout: Duration::from_secs(60),
            trusted_proxies: TrustedProxies::default(),
            removed_trust_forwarded_for: RemovedTrustForwardedFor,
            drain_timeout: Duration::from_secs(30),
            rate_limit: RateLimitConfig::default(),
            metrics_listen: None,
            in_process_upstreams: false,
            access_log_every: 1,
        }
    }
}

impl GatewayConfig {
    /// Routes with environment-style keys (`hms_user_v1`) normalised to packages.
    pub(crate) fn package_routes(&self) -> BTreeMap<String, String> {
        self.routes.iter().map(|(k, v)| (k.replace('_', "."), v.clone())).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// Counters in this process.
    Memory,
    /// Counters in Redis, shared by every gateway replica.
    Redis,
    /// No rate limiting.
    Off,
}

/// Fixed-window request limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub backend: RateLimitBackend,
    pub redis_url: String,
    /// Prefix of the Redis keys (several deployments may share one Redis).
    pub key_prefix: String,
    pub window_secs: u64,
    /// Requests per window from one client address.
    pub per_address: u64,
    /// Requests per window from one authenticated principal.
    pub per_principal: u64,
    /// Requests per window from one client address to the `strict_methods`.
    pub strict_per_address: u64,
    /// gRPC paths limited by `strict_per_address` (login, registration, …).
    pub strict_methods: Vec<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            backend: RateLimitBackend::Memory,
            redis_url: "redis://127.0.0.1:6379".into(),
            key_prefix: "hms:gateway:rl".into(),
            window_secs: 60,
            per_address: 600,
            per_principal: 300,
            strict_per_address: 20,
            strict_methods: ["Login", "Register", "RefreshToken", "RequestPasswordReset", "ConfirmPasswordReset"]
                .iter()
                .map(|m| format!("/hms.user.v1.UserService/{m}"))
                .chain(["SignIn", "Refresh"].iter().map(|m| format!("/hms.web.v1.WebSessionService/{m}")))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    /// A gateway started with no configuration reaches every HMS service on
    /// the port `hms up` gives it.
    #[test]
    fn every_hms_package_has_a_default_route() {
        let pool = DescriptorPool::decode(hms_proto::FILE_DESCRIPTOR_SET).unwrap();
        let routes = super::GatewayConfig::default().package_routes();
        // hms.web.v1 is the gateway's own.
        for service in pool.services().filter(|s| s.full_name().starts_with("hms.") && s.package_name() != "hms.web.v1")
        {
            assert!(routes.contains_key(service.package_name()), "no default route for {}", service.package_name());
        }
    }
}
