//! Helpers for integration tests: real servers on `127.0.0.1:0`, a fresh
//! database per test on every configured backend.
//!
//! Backends come from the environment: SQLite always; MySQL/MariaDB when
//! `HMS_TEST_MYSQL_URL` is set (a server URL; each test gets its own database);
//! MongoDB when `HMS_TEST_MONGODB_URI` is set. With `HMS_TEST_REQUIRE_BACKENDS=1`
//! a missing backend fails the test instead of skipping it.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::TokenVerifier;
use crate::config::ServerConfig;
use crate::server::{ServiceDef, serve};

mod plans;
pub mod sms;

pub use plans::{Planner, assert_reads_use_indexes, mongod_would_index};

/// A small deterministic generator (xorshift) for tests and load generators,
/// which need spread, not quality.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next number below `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A relational test database; the SQLite file lives as long as this value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone, Copy)]
pub enum Relational {
    Sqlite,
    MySql,
}

/// Whether a missing backend fails the test instead of skipping it (CI).
pub fn require_backends() -> bool {
    std::env::var("HMS_TEST_REQUIRE_BACKENDS").is_ok_and(|v| v == "1")
}

/// A fresh database, or None (with a note) when the backend is not configured.
pub async fn database(kind: Relational) -> Option<TestDb> {
    match kind {
        Relational::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            Some(TestDb { url, _dir: Some(dir) })
        }
        Relational::MySql => {
            let Some(server) = std::env::var("HMS_TEST_MYSQL_URL").ok().filter(|u| !u.is_empty()) else {
                assert!(!require_backends(), "HMS_TEST_REQUIRE_BACKENDS=1 but HMS_TEST_MYSQL_URL is not set");
                eprintln!("skipped: HMS_TEST_MYSQL_URL is not set");
                return None;
            };
            Some(TestDb { url: create_mysql_database(&server).await, _dir: None })
        }
    }
}

async fn create_mysql_database(server: &str) -> String {
    use sqlx::Connection;
    let name = format!("hms_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::MySqlConnection::connect(server).await.expect("connect to HMS_TEST_MYSQL_URL");
    sqlx::query(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    database_url(server, &name)
}

/// The URL of database `name` on `server`, keeping the server URL's
/// parameters (`?socket=/run/mysqld/mysqld.sock`, say).
fn database_url(server: &str, name: &str) -> String {
    let (base, parameters) = server.split_once('?').map_or((server, None), |(b, p)| (b, Some(p)));
    let base = base.trim_end_matches('/');
    match parameters {
        Some(parameters) => format!("{base}/{name}?{parameters}"),
        None => format!("{base}/{name}"),
    }
}

/// The MongoDB URI of the test server, or None (with a note) when not configured.
pub fn mongodb_uri() -> Option<String> {
    match std::env::var("HMS_TEST_MONGODB_URI").ok().filter(|u| !u.is_empty()) {
        Some(uri) => Some(uri),
        None => {
            assert!(!require_backends(), "HMS_TEST_REQUIRE_BACKENDS=1 but HMS_TEST_MONGODB_URI is not set");
            eprintln!("skipped: HMS_TEST_MONGODB_URI is not set");
            None
        }
    }
}

/// A service serving on an ephemeral port; stopped gracefully on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start(service: ServiceDef, verifier: Arc<TokenVerifier>) -> Self {
        Self::start_with(service, verifier, ServerConfig::default()).await
    }

    pub async fn start_with(service: ServiceDef, verifier: Arc<TokenVerifier>, config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start_on(listener, service, verifier, config)
    }

    /// On a listener bound beforehand, for services that must know each
    /// other's addresses before either starts.
    pub fn start_on(
        listener: TcpListener,
        service: ServiceDef,
        verifier: Arc<TokenVerifier>,
        config: ServerConfig,
    ) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            serve(service, listener, &config, verifier, async {
                let _ = stopped.await;
            })
            .await
        });
        Self { addr, stop: Some(stop), task: Some(task) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl TestServer {
    /// Kills the server abruptly, as a crash would: no draining. Returns
    /// once the server and its connections are gone (an abort takes effect
    /// at the task's next poll, which may be on another thread: a call made
    /// right after a bare abort could still be answered).
    pub async fn abort(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.stop.take();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A request carrying `authorization: Bearer <token>`.
/// The value at fraction `p` (0.5 for the median) of `sorted`, for
/// benchmark programs; zero when empty.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

pub fn authed<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}").parse().expect("a token is a valid header value");
    request.metadata_mut().insert("authorization", value);
    request
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn a_test_database_keeps_the_server_url_parameters() {
        assert_eq!(database_url("mysql://root@127.0.0.1:3306", "t1"), "mysql://root@127.0.0.1:3306/t1");
        assert_eq!(database_url("mysql://root@127.0.0.1:3306/", "t1"), "mysql://root@127.0.0.1:3306/t1");
        assert_eq!(
            database_url("mysql://root@localhost?socket=/run/mysqld/mysqld.sock", "t1"),
            "mysql://root@localhost/t1?socket=/run/mysqld/mysqld.sock"
        );
    }
}
