//! Seed 003's REST API as written: every route of tests/seed_003_routes.txt
//! for the services HMS has (users, EHR, appointments, pharmacy, laboratory,
//! billing, notifications) is called through the gateway of `hms up`, at the seed's
//! path and verb (trailing slash included), as the role the seed names, and
//! must do what the seed says; internal routes must stay unreachable; routes
//! of services HMS does not have yet are printed as pending. On SQLite, and
//! on MariaDB (with the document stores on the MongoDB-wire server) when the
//! test backends are configured.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hms_kit::testing::{Relational, database, mongodb_uri};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADMIN_PASSWORD: &str = "seed-routes-admin-password";
const PASSWORD: &str = "correct horse battery";
const TABLE: &str = include_str!("seed_003_routes.txt");

struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hms up` on ephemeral ports with `env`; returns it and the gateway's base URL.
fn start(data_dir: &std::path::Path, env: &[(String, String)]) -> (Up, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hms"));
    command.arg("up").env("HMS_DATA_DIR", data_dir).env("HMS_TELEMETRY__LOG_FORMAT", "json");
    for service in ["USER", "NOTIFICATION", "APPOINTMENT", "EHR", "PHARMACY", "LABORATORY", "BILLING", "ADMIN"] {
        command.env(format!("HMS_{service}__SERVER__LISTEN"), "127.0.0.1:0");
    }
    command
        .env("HMS_GATEWAY__LISTEN", "127.0.0.1:0")
        .env("HMS_USER__INITIAL_ADMIN__PASSWORD", ADMIN_PASSWORD)
        .env("HMS_APPOINTMENT__OUTBOX_POLL", "50")
        .env("HMS_BILLING__OUTBOX_POLL", "50")
        .env("HMS_PHARMACY__OUTBOX_POLL", "50")
        .env("HMS_LABORATORY__OUTBOX_POLL", "50");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start hms up");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let gateway = loop {
        let line = lines.next().expect("hms up printed its addresses").unwrap();
        if let Some(rest) = line.trim().strip_prefix("gateway") {
            break rest.split_whitespace().next().unwrap().trim_start_matches("http://").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Up(child), format!("http://{gateway}"))
}

/// One row of the table.
#[derive(Debug, Clone)]
struct Row {
    line: u32,
    verb: String,
    path: String,
    who: String,
}

fn table() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(cols.len(), 4, "table row {l}");
            Row { line: cols[0].parse().unwrap(), verb: cols[1].into(), path: cols[2].into(), who: cols[3].into() }
        })
        .collect()
}

/// The walk through one running system: tokens by role, ids found on the
/// way, and which rows were answered.
struct Walk {
    http: reqwest::Client,
    base: String,
    rows: Vec<Row>,
    tokens: HashMap<&'static str, String>,
    ids: HashMap<&'static str, String>,
    /// Answered rows, by their index in `rows`.
    answered: BTreeMap<usize, StatusCode>,
}

impl Walk {
    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("gateway answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    fn token(&self, role: &str) -> Option<String> {
        (role != "public").then(|| self.tokens.get(role).unwrap_or_else(|| panic!("no {role} token")).clone())
    }

    /// The seed path with its `{placeholders}` filled from the ids found so far.
    fn fill(&self, template: &str) -> String {
        let mut path = template.to_owned();
        while let Some(start) = path.find('{') {
            let end = path[start..].find('}').unwrap() + start;
            let name = &path[start + 1..end];
            let id = self.ids.get(name).unwrap_or_else(|| panic!("no {name} yet for {template}"));
            path.replace_range(start..=end, id);
        }
        path
    }

    /// Calls the seed route `verb template` as the role its row names, with
    /// `query` appended; it must answer `expect`. The answer's body.
    async fn seed_as(
        &mut self,
        verb: &str,
        template: &str,
        query: &str,
        body: Option<Value>,
        expect: StatusCode,
    ) -> Value {
        let (index, row) = self
            .rows
            .iter()
            .enumerate()
            .find(|(i, r)| r.verb == verb && r.path == template && !self.answered.contains_key(i))
            .unwrap_or_else(|| panic!("{verb} {template} is not an unanswered row of the seed table"));
        let row = row.clone();
        let path = format!("{}{query}", self.fill(template));
        let token = self.token(&row.who);
        let (status, answer) =
            self.call(Method::from_bytes(verb.as_bytes()).unwrap(), &path, token.as_deref(), body).await;
        assert_eq!(status, expect, "{verb} {path} as {}: {answer}", row.who);
        self.answered.insert(index, status);
        answer
    }

    async fn seed(&mut self, verb: &str, template: &str, body: Option<Value>) -> Value {
        self.seed_as(verb, template, "", body, StatusCode::OK).await
    }

    /// A staff account made by the admin; its id.
    async fn create_user(&mut self, username: &str, role: &str, profile: Value) -> String {
        let admin = self.token("admin");
        let body = json!({
            "username": username, "password": PASSWORD, "email": format!("{username}@clinic.example"),
            "role": role, "first_name": "Staff", "last_name": username, "profile": profile,
        });
        let (status, user) = self.call(Method::POST, "/api/v1/admin/users", admin.as_deref(), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        user["user"]["id"].as_str().unwrap().to_owned()
    }

    async fn login(&self, username: &str, password: &str) -> Value {
        for _ in 0..200 {
            let body = json!({"username": username, "password": password});
            let (status, answer) = self.call(Method::POST, "/api/v1/users/login", None, Some(body)).await;
            match status {
                StatusCode::OK => return answer,
                // The services may still be starting behind the gateway.
                StatusCode::SERVICE_UNAVAILABLE | StatusCode::BAD_GATEWAY => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                _ => panic!("login {username}: {status} {answer}"),
            }
        }
        panic!("login {username} never succeeded");
    }

    async fn access(&self, username: &str) -> String {
        self.login(username, PASSWORD).await["tokens"]["access_token"].as_str().unwrap().to_owned()
    }
}

/// The civil date `days` after today in the clinic's zone (UTC+7, the default).
fn clinic_date(days: i64) -> (i16, i8, i8, i64) {
    let now = jiff::Timestamp::now().as_second();
    let local_midnight = (now + 7 * 3600).div_euclid(86_400) * 86_400 - 7 * 3600;
    let midnight = local_midnight + days * 86_400;
    let zoned =
        jiff::Timestamp::from_second(midnight).unwrap().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    (zoned.year(), zoned.month(), zoned.day(), midnight)
}

fn date_query(name: &str, days: i64) -> String {
    let (y, m, d, _) = clinic_date(days);
    format!("{name}.year={y}&{name}.month={m}&{name}.day={d}")
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).unwrap().to_string()
}

#[path = "seed_routes/walk.rs"]
mod walk;

async fn walk_everything(env: &[(String, String)], backend: &str) {
    let data = tempfile::tempdir().unwrap();
    let (_up, base) = start(data.path(), env);
    let mut w = Walk {
        http: reqwest::Client::new(),
        base,
        rows: table(),
        tokens: HashMap::new(),
        ids: HashMap::new(),
        answered: BTreeMap::new(),
    };
    walk::users(&mut w).await;
    walk::appointments(&mut w).await;
    walk::ehr(&mut w).await;
    walk::pharmacy(&mut w).await;
    walk::laboratory(&mut w).await;
    walk::billing(&mut w).await;
    walk::notifications(&mut w).await;
    walk::admin(&mut w).await;
    let internal = walk::internal_routes_are_unreachable(&w).await;

    let mut pending = 0;
    for row in w.rows.iter().filter(|r| r.who.starts_with("pending:")) {
        println!("pending ({}): {} {} (seed line {})", &row.who["pending:".len()..], row.verb, row.path, row.line);
        pending += 1;
    }
    let unanswered: Vec<String> = w
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| !r.who.starts_with("pending:") && r.who != "internal" && !w.answered.contains_key(i))
        .map(|(_, r)| r)
        .map(|r| format!("{} {}", r.verb, r.path))
        .collect();
    assert!(unanswered.is_empty(), "seed routes not walked: {unanswered:?}");
    println!(
        "{backend}: seed 003 routes answered: {} of {} (and {internal} internal ones unreachable, {pending} pending)",
        w.answered.len(),
        w.rows.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_route_answers_on_sqlite() {
    walk_everything(&[], "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_route_answers_on_mariadb() {
    let mut env = Vec::new();
    for service in ["USER", "APPOINTMENT", "BILLING", "ADMIN"] {
        let Some(db) = database(Relational::MySql).await else { return };
        env.push((format!("HMS_{service}__DATABASE_URL"), db.url));
    }
    if let Some(uri) = mongodb_uri() {
        let uri = uri.trim_end_matches('/');
        for service in ["EHR", "PHARMACY", "LABORATORY", "NOTIFICATION"] {
            let name = format!("hms_test_{}", uuid_like());
            env.push((format!("HMS_{service}__STORE_URL"), format!("{uri}/{name}")));
        }
    }
    walk_everything(&env, "MariaDB").await;
}

/// A database name suffix unique to this run.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{nanos}", std::process::id())
}
