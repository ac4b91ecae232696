//! A small real SMTP server for tests: it accepts mail, refuses it with a
//! temporary error, or stalls before acknowledging, on demand.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 to every DATA.
    Refuse,
    /// Accepts this many more messages, then holds the next one unacknowledged.
    StallAfter(usize),
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Mail {
    pub fn subject(&self) -> String {
        let parsed = mailparse::parse_mail(&self.raw).unwrap();
        parsed.headers.iter().find(|h| h.get_key_ref().eq_ignore_ascii_case("subject")).map(|h| h.get_value()).unwrap()
    }

    pub fn message_id(&self) -> String {
        let parsed = mailparse::parse_mail(&self.raw).unwrap();
        parsed
            .headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case("message-id"))
            .map(|h| h.get_value())
            .unwrap()
    }

    /// The decoded text/plain and text/html parts.
    pub fn bodies(&self) -> (String, String) {
        let parsed = mailparse::parse_mail(&self.raw).unwrap();
        let mut text = String::new();
        let mut html = String::new();
        for part in parsed.subparts.iter().chain(std::iter::once(&parsed)) {
            match part.ctype.mimetype.as_str() {
                "text/plain" => text = part.get_body().unwrap(),
                "text/html" => html = part.get_body().unwrap(),
                _ => {}
            }
        }
        (text, html)
    }
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    mode: Option<Mode>,
    stalled: bool,
    refused: usize,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State { mode: Some(Mode::Accept), ..State::default() }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, shared.clone()));
            }
        });
        Self { port, state }
    }

    pub fn set_mode(&self, mode: Mode) {
        let mut state = self.state.lock().unwrap();
        state.mode = Some(mode);
        state.stalled = false;
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.lock().unwrap().mails.clone()
    }

    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().refused
    }

    pub fn is_stalled(&self) -> bool {
        self.state.lock().unwrap().stalled
    }

    /// Waits until `n` mails arrived (panics after 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..500 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {n} mails, got {}", self.mails().len());
    }
}

async fn session(socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut to = Vec::new();
    if write.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
            "MAIL" | "RSET" | "NOOP" => {
                if verb == "MAIL" {
                    to.clear();
                }
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(line[line.find('<').unwrap_or(0)..].trim_matches(['<', '>']).to_owned());
                b"250 OK\r\n"
            }
            "DATA" => {
                let mode = state.lock().unwrap().mode;
                if mode == Some(Mode::Refuse) {
                    state.lock().unwrap().refused += 1;
                    b"451 4.3.0 try again later\r\n"
                } else {
                    if write.write_all(b"354 go ahead\r\n").await.is_err() {
                        return;
                    }
                    let mut raw = Vec::new();
                    while let Ok(Some(data)) = lines.next_line().await {
                        if data == "." {
                            break;
                        }
                        let data = data.strip_prefix('.').filter(|_| data.starts_with("..")).unwrap_or(&data);
                        raw.extend_from_slice(data.as_bytes());
                        raw.extend_from_slice(b"\r\n");
                    }
                    let stall = {
                        let mut s = state.lock().unwrap();
                        match s.mode {
                            Some(Mode::StallAfter(0)) => {
                                s.stalled = true;
                                true
                            }
                            Some(Mode::StallAfter(n)) => {
                                s.mode = Some(Mode::StallAfter(n - 1));
                                false
                            }
                            _ => false,
                        }
                    };
                    if stall {
                        // Never acknowledge: the sender must not count this one as sent.
                        loop {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                    }
                    state.lock().unwrap().mails.push(Mail { to: std::mem::take(&mut to), raw });
                    b"250 2.0.0 queued\r\n"
                }
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"502 5.5.2 unknown command\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
