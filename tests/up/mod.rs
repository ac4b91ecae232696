//! What the REST tests under `hms up` share: the system on ephemeral ports
//! with a known administrator password, and a JSON client of its gateway.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Up {
    /// Sends SIGTERM and waits for the exit (at most 10 s); returns how long
    /// the stop took.
    pub fn terminate(mut self) -> Duration {
        let started = std::time::Instant::now();
        let pid = self.0.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "hms up exited with {status}");
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("hms up did not stop within 10 s of SIGTERM");
    }
}

/// Starts `hms up` on ephemeral ports; returns it and the gateway's URL.
pub fn start(data_dir: &std::path::Path, admin_password: &str) -> (Up, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hms"))
        .arg("up")
        .env("HMS_DATA_DIR", data_dir)
        .env("HMS_USER__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_NOTIFICATION__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_APPOINTMENT__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_EHR__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_PHARMACY__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_LABORATORY__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_BILLING__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_ADMIN__SERVER__LISTEN", "127.0.0.1:0")
        .env("HMS_GATEWAY__LISTEN", "127.0.0.1:0")
        .env("HMS_USER__INITIAL_ADMIN__PASSWORD", admin_password)
        .env("HMS_TELEMETRY__LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hms up");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let gateway = loop {
        let line = lines.next().expect("hms up printed its addresses").unwrap();
        if let Some(rest) = line.trim().strip_prefix("gateway") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Up(child), gateway)
}

pub struct Rest {
    pub http: reqwest::Client,
    pub gateway: String,
}

impl Rest {
    /// A JSON call with an optional bearer token and `Idempotency-Key`.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.gateway));
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        (status, response.json().await.expect("a JSON answer"))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None, Value::Null).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, key: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, token, key, body).await
    }

    /// Logs in, waiting for the services behind the gateway to start.
    pub async fn login(&self, username: &str, password: &str) -> String {
        for _ in 0..100 {
            let (status, body) =
                self.post("/api/v1/users/login", None, None, json!({"username": username, "password": password})).await;
            match status {
                StatusCode::OK => return body["tokens"]["access_token"].as_str().unwrap().to_owned(),
                StatusCode::SERVICE_UNAVAILABLE => tokio::time::sleep(Duration::from_millis(100)).await,
                _ => panic!("login {username}: {status} {body}"),
            }
        }
        panic!("login {username} never succeeded");
    }
}
