//! A small real HTTP server speaking Twilio's Messages API, for tests of the
//! notification service's SMS provider (and of the services whose messages
//! go out by SMS): it records every request it receives and answers 201, or
//! an error status (or nothing, for longer than the client waits) on demand.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the next request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// This HTTP status, with a Twilio-style error body.
    Status(u16),
    /// No answer for this long.
    Stall(Duration),
}

/// One request as the provider saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub authorization: String,
    pub content_type: String,
    /// The decoded form fields (`To`, `From`, `Body`).
    pub form: BTreeMap<String, String>,
    /// Whether it was answered 201 (the message "went out").
    pub accepted: bool,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Answers for the next requests; 201 once it is empty.
    script: VecDeque<Answer>,
}

#[derive(Clone)]
pub struct SmsSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmsSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(exchange(socket, shared.clone()));
            }
        });
        Self { port, state }
    }

    /// The API root to configure as `notification.sms.base_url`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/2010-04-01", self.port)
    }

    /// Answers the next requests so, in order; then 201 again.
    pub fn script(&self, answers: &[Answer]) {
        self.state.lock().unwrap().script.extend(answers.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The messages accepted (answered 201).
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && u8::from_str_radix(&text[i + 1..i + 3], 16).is_ok() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or_default());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// One request per connection (answered with `Connection: close`).
async fn exchange(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (request_line.next().unwrap_or_default(), request_line.next().unwrap_or_default());
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    while buffer.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
    let answer = state.lock().unwrap().script.pop_front();
    let mut received = Received {
        method: method.to_owned(),
        path: path.to_owned(),
        authorization: headers.get("authorization").cloned().unwrap_or_default(),
        content_type: headers.get("content-type").cloned().unwrap_or_default(),
        form: form(&body),
        accepted: false,
    };
    let (status, reply) = match answer {
        None => {
            received.accepted = true;
            let sid = format!("SM{:032}", state.lock().unwrap().received.len());
            (201, serde_json::json!({ "sid": sid, "status": "queued" }))
        }
        Some(Answer::Status(status)) => {
            // Like Twilio, the message quotes the number it refuses.
            let to = received.form.get("To").cloned().unwrap_or_default();
            let message = format!("The 'To' number {to} is not a valid phone number.");
            (status, serde_json::json!({ "code": 21211, "message": message, "status": status }))
        }
        Some(Answer::Stall(how_long)) => {
            state.lock().unwrap().received.push(received);
            tokio::time::sleep(how_long).await;
            return;
        }
    };
    state.lock().unwrap().received.push(received);
    let reply = reply.to_string();
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}
