//! Fixed-window rate limits per client address and per principal, with a
//! stricter budget for login and registration. Counters live in this process
//! or in Redis (shared by every replica; one Lua script per hit, atomic).
//!
//! When Redis does not answer the gateway lets the request through and logs a
//! warning: an outage of the limiter must not become an outage of HMS.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{RateLimitBackend, RateLimitConfig};

/// Why and for how long a request is refused.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub retry_after: Duration,
}

pub struct RateLimiter {
    config: RateLimitConfig,
    window: Duration,
    store: Store,
}

enum Store {
    Off,
    Memory(Mutex<HashMap<String, (Instant, u64)>>),
    Redis { connection: redis::aio::ConnectionManager, script: redis::Script },
}

const FIXED_WINDOW: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

impl RateLimiter {
    pub async fn new(config: &RateLimitConfig) -> anyhow::Result<Self> {
        let store = match config.backend {
            RateLimitBackend::Off => Store::Off,
            RateLimitBackend::Memory => Store::Memory(Mutex::new(HashMap::new())),
            RateLimitBackend::Redis => {
                let client = redis::Client::open(config.redis_url.as_str())?;
                let connection = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
                    .await
                    .map_err(|_| anyhow::anyhow!("Redis at {} does not answer", config.redis_url))??;
                Store::Redis { connection, script: redis::Script::new(FIXED_WINDOW) }
            }
        };
        Ok(Self { config: config.clone(), window: Duration::from_secs(config.window_secs.max(1)), store })
    }

    /// Counts one request of an authenticated principal.
    pub async fn check_principal(&self, subject: &str) -> Result<(), Refusal> {
        self.check("", "", Some(subject)).await
    }

    /// Counts one request to `grpc_path` from `address` (and `principal` when
    /// given); refuses it when any budget is spent.
    pub async fn check(&self, grpc_path: &str, address: &str, principal: Option<&str>) -> Result<(), Refusal> {
        if matches!(self.store, Store::Off) || grpc_path.starts_with("/grpc.health.") {
            return Ok(());
        }
        let mut buckets = Vec::new();
        if !grpc_path.is_empty() {
            buckets.push((format!("a:{address}"), self.config.per_address));
        }
        if let Some(subject) = principal {
            buckets.push((format!("p:{subject}"), self.config.per_principal));
        }
        if self.config.strict_methods.iter().any(|m| m == grpc_path) {
            buckets.push((format!("s:{address}"), self.config.strict_per_address));
        }
        let mut refusal: Option<Refusal> = None;
        for (key, limit) in buckets {
            if let Some((count, left)) = self.hit(&key).await
                && count > limit
            {
                let retry_after = left.max(Duration::from_secs(1));
                refusal =
                    Some(Refusal { retry_after: refusal.map_or(retry_after, |r| r.retry_after.max(retry_after)) });
            }
        }
        refusal.map_or(Ok(()), Err)
    }

    /// Increments a counter; returns the count and the time left in its window.
    async fn hit(&self, key: &str) -> Option<(u64, Duration)> {
        match &self.store {
            Store::Off => None,
            Store::Memory(map) => {
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if map.len() > 100_000 {
                    map.retain(|_, (start, _)| now.duration_since(*start) < self.window);
                }
                let entry = map.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= self.window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                Some((entry.1, self.window.saturating_sub(now.duration_since(entry.0))))
            }
            Store::Redis { connection, script } => {
                let key = format!("{}:{key}", self.config.key_prefix);
                let millis = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
                let result: redis::RedisResult<(u64, i64)> =
                    script.key(key).arg(millis).invoke_async(&mut connection.clone()).await;
                match result {
                    Ok((count, ttl)) => Some((count, Duration::from_millis(u64::try_from(ttl).unwrap_or(0)))),
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limiter: Redis failed; letting the request through");
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_windows_count_per_bucket() {
        let config = RateLimitConfig { per_address: 2, strict_per_address: 1, ..RateLimitConfig::default() };
        let limiter = RateLimiter::new(&config).await.unwrap();
        let login = "/hms.user.v1.UserService/Login";
        assert!(limiter.check(login, "1.1.1.1", None).await.is_ok());
        let refused = limiter.check(login, "1.1.1.1", None).await.unwrap_err();
        assert!(refused.retry_after > Duration::from_secs(50));
        assert!(limiter.check("/hms.user.v1.UserService/GetMe", "2.2.2.2", None).await.is_ok());
        assert!(limiter.check("/hms.user.v1.UserService/GetMe", "2.2.2.2", None).await.is_ok());
        assert!(limiter.check("/hms.user.v1.UserService/GetMe", "2.2.2.2", None).await.is_err());
        assert!(limiter.check("/grpc.health.v1.Health/Check", "2.2.2.2", None).await.is_ok());
    }
}
