//! What every service's `build` and `run` share: the token verifier and the
//! service tokens made from `[auth]`, and the background work a built
//! service owns (relays, reminders, jobs), started beside its server, told
//! to stop when it stops and awaited once it has drained.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::admin_audit::{ADMIN_ACTION_TOPIC, AdminActionSink};
use crate::auth::{ServiceTokens, TokenVerifier};
use crate::config::{AuthConfig, ServerConfig};
use crate::outbox::{Relay, RelayConfig, Sink, TopicRouter};
use crate::server::{ServiceDef, Stopping};
use crate::storage::Db;

/// The verifier of a service's server: keys and revocations from the user
/// service, and the service tokens of `auth.service_token_secret`.
pub async fn verifier(auth: &AuthConfig) -> anyhow::Result<Arc<TokenVerifier>> {
    crate::client::remote_verifier(auth, auth.service_token_secret.as_ref()).await
}

/// The tokens `service` calls other services with; `purpose` says what for
/// when `auth.service_token_secret` is missing ("to call the EHR service").
pub fn service_tokens(auth: &AuthConfig, service: &'static str, purpose: &str) -> anyhow::Result<Arc<ServiceTokens>> {
    let secret = auth
        .service_token_secret
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("auth.service_token_secret is required {purpose}"))?;
    Ok(Arc::new(ServiceTokens::new(service, secret)))
}

/// The receivers of a service's outbox relay: each configured peer's sink,
/// calling it with the service's tokens, under the topics it takes.
pub struct Receivers<'a> {
    auth: &'a AuthConfig,
    service: &'static str,
    router: TopicRouter,
}

impl<'a> Receivers<'a> {
    pub fn new(auth: &'a AuthConfig, service: &'static str) -> Self {
        Self { auth, service, router: TopicRouter::default() }
    }

    /// Topics starting with `prefix` go to the sink `make` makes for `peer`
    /// at `url`, when the deployment configures one.
    pub fn route<S: Sink>(
        self,
        prefix: &str,
        url: Option<&str>,
        peer: &str,
        make: impl FnOnce(&str, Arc<ServiceTokens>) -> anyhow::Result<S>,
    ) -> anyhow::Result<Self> {
        let Some(url) = url else { return Ok(self) };
        let Self { auth, service, router } = self;
        let sink = make(url, service_tokens(auth, service, &format!("to call {peer}"))?)?;
        Ok(Self { auth, service, router: router.route(prefix, Arc::new(sink)) })
    }

    /// Admin actions to the admin service's audit log at `url`, when one is
    /// configured.
    pub fn admin_actions(self, url: Option<&str>) -> anyhow::Result<Self> {
        self.route(ADMIN_ACTION_TOPIC, url, "the admin service", AdminActionSink::new)
    }

    /// The relay over `db` that delivers to these receivers; none when there
    /// are none, and the events wait in the outbox.
    pub fn relay(self, db: &Db, config: RelayConfig) -> Option<Relay> {
        (!self.router.is_empty()).then(|| Relay::new(db.clone(), Arc::new(self.router), config))
    }

    /// The relay of the events carried in `collections`' documents (a
    /// document service's outbox); none when there are no receivers.
    pub fn doc_relay(
        self,
        docs: Arc<dyn crate::docstore::DocumentStore>,
        collections: Vec<&'static str>,
        config: RelayConfig,
    ) -> Option<crate::docstore::outbox::DocRelay> {
        (!self.router.is_empty())
            .then(|| crate::docstore::outbox::DocRelay::new(docs, collections, Arc::new(self.router), config))
    }
}

type Start = Box<dyn FnOnce(Stopping) -> JoinHandle<()> + Send>;

/// The background work of a built service, not yet started.
#[derive(Default)]
#[must_use = "workers do nothing until started"]
pub struct Workers(Vec<Start>);

impl Workers {
    /// With `work`, which runs until the [`Stopping`] it is given resolves.
    pub fn with<F>(mut self, work: impl FnOnce(Stopping) -> F + Send + 'static) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.push(Box::new(move |stopping| tokio::spawn(work(stopping))));
        self
    }

    /// With `relay`, when there is one.
    pub fn with_relay(self, relay: Option<Relay>) -> Self {
        match relay {
            Some(relay) => self.with(move |stopping| relay.run(stopping.wait())),
            None => self,
        }
    }

    /// Starts every worker; each stops once `stopping` resolves.
    pub fn start(self, stopping: Stopping) -> Vec<JoinHandle<()>> {
        self.0.into_iter().map(|start| start(stopping.clone())).collect()
    }
}

/// A built service ready to serve: what its server serves, the verifier
/// it checks tokens with and the workers it owns.
pub struct Serving {
    pub service: ServiceDef,
    pub verifier: Arc<TokenVerifier>,
    pub workers: Workers,
}

/// Serves on `listener`, with the service's workers, until `shutdown`
/// resolves; then the server drains and the workers finish.
pub async fn serve(
    serving: Serving,
    listener: TcpListener,
    server: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Serving { service, verifier, workers } = serving;
    crate::server::serve_with_background(service, listener, server, verifier, shutdown, |stopping| {
        workers.start(stopping)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn workers_run_until_stopping() {
        let stopped = Arc::new(AtomicUsize::new(0));
        let worker = |stopped: Arc<AtomicUsize>| {
            move |stopping: Stopping| async move {
                stopping.wait().await;
                stopped.fetch_add(1, Ordering::SeqCst);
            }
        };
        let workers = Workers::default().with(worker(stopped.clone())).with(worker(stopped.clone())).with_relay(None);
        let (stop, stopping) = Stopping::new();
        let tasks = workers.start(stopping);
        assert_eq!(tasks.len(), 2);
        tokio::task::yield_now().await;
        assert_eq!(stopped.load(Ordering::SeqCst), 0);
        stop.send(true).unwrap();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(stopped.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn service_tokens_need_the_secret() {
        let missing = AuthConfig { service_token_secret: None, ..AuthConfig::default() };
        let error = service_tokens(&missing, "billing", "to call the admin service").err().unwrap();
        assert_eq!(error.to_string(), "auth.service_token_secret is required to call the admin service");
        let set = AuthConfig { service_token_secret: Some("s".to_owned().into()), ..AuthConfig::default() };
        assert!(service_tokens(&set, "billing", "to call the admin service").is_ok());
    }
}
