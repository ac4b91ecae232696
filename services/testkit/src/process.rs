//! A service binary run by a test as its own process, with the peers it
//! calls given the way compose and Kubernetes give them (environment), and
//! killed with SIGKILL when dropped: what a crash looks like to the rest of
//! the system (the exactly-once tests kill it between a write and its relay).

use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::users::SERVICE_SECRET;

/// The services a clinical service calls, running in the test.
pub struct Peers {
    pub user: String,
    pub ehr: String,
    pub billing: String,
    pub notification: String,
}

impl Peers {
    /// The environment that points service `section` (`PHARMACY`,
    /// `LABORATORY`) at them, with the shared service-token secret.
    pub fn env(&self, section: &str) -> Vec<(String, String)> {
        vec![
            (format!("HMS_{section}__EHR_URL"), self.ehr.clone()),
            (format!("HMS_{section}__BILLING_URL"), self.billing.clone()),
            (format!("HMS_{section}__NOTIFICATION_URL"), self.notification.clone()),
            ("HMS_AUTH__USER_SERVICE_URL".into(), self.user.clone()),
            ("HMS_AUTH__SERVICE_TOKEN_SECRET".into(), SERVICE_SECRET.into()),
        ]
    }
}

/// A running service process; killed (SIGKILL, no shutdown hook) on drop.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free now, for a process that must come back on the same one.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `binary` with `env`, then `connect`s to `http://127.0.0.1:{port}`
/// until it answers; returns the process and the client.
pub async fn start<C, E, Fut>(
    binary: &str,
    env: Vec<(String, String)>,
    port: u16,
    connect: impl Fn(String) -> Fut,
) -> (Process, C)
where
    Fut: Future<Output = Result<C, E>>,
{
    let process = Process(
        Command::new(binary)
            .envs(env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}")),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if let Ok(client) = connect(url.clone()).await {
            return (process, client);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{binary} never listened on {port}");
}
