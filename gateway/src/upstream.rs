//! The services behind the gateway: a few lazily connecting channels per
//! proto package (or the service itself when this process serves it), and a
//! codec that moves already-encoded messages as bytes.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes};
use hms_kit::server::{InProcessClient, LocalService};
use tonic::Status;
use tonic::body::Body;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;
use tower::Service;

/// Connections per service: one HTTP/2 connection (and the one task that
/// drives a tonic channel) serialises every call through the gateway, so
/// calls are spread round-robin over a few.
const CHANNELS_PER_SERVICE: usize = 4;

struct Route {
    channels: Box<[Channel]>,
    /// Where the service listens, when it may be served by this process.
    local: Option<SocketAddr>,
}

/// Package (`hms.user.v1`) to the service owning it.
#[derive(Clone, Default)]
pub struct Upstreams {
    by_package: Arc<HashMap<String, Route>>,
    next: Arc<AtomicUsize>,
}

impl Upstreams {
    pub fn new(routes: &std::collections::BTreeMap<String, String>, in_process: bool) -> anyhow::Result<Self> {
        let mut by_package = HashMap::new();
        for (package, url) in routes {
            let channels =
                (0..CHANNELS_PER_SERVICE).map(|_| hms_kit::client::channel(url)).collect::<Result<_, _>>()?;
            let local = in_process.then(|| socket_address(url)).flatten();
            by_package.insert(package.clone(), Route { channels, local });
        }
        Ok(Self { by_package: Arc::new(by_package), next: Arc::default() })
    }

    pub fn get(&self, package: &str) -> Option<Upstream> {
        let route = self.by_package.get(package)?;
        // Looked up per call: the service may start after the gateway, or stop.
        if let Some(service) = route.local.and_then(hms_kit::server::local_service) {
            return Some(Upstream::Local(service));
        }
        let index = self.next.fetch_add(1, Ordering::Relaxed) % route.channels.len();
        route.channels.get(index).cloned().map(Upstream::Remote)
    }

    /// The upstream for a gRPC path (`/hms.user.v1.UserService/Login`).
    pub fn for_path(&self, path: &str) -> Option<Upstream> {
        self.get(package_of(path)?)
    }
}

/// `127.0.0.1:50051` of `http://127.0.0.1:50051`; none for a host name.
fn socket_address(url: &str) -> Option<SocketAddr> {
    let uri: http::Uri = url.parse().ok()?;
    let authority = uri.authority()?;
    let host = authority.host().trim_start_matches('[').trim_end_matches(']');
    Some(SocketAddr::new(host.parse().ok()?, authority.port_u16()?))
}

/// One call's way to a service: over the network, or in process.
#[derive(Clone)]
pub enum Upstream {
    Remote(Channel),
    Local(LocalService),
}

type UpstreamFuture = Pin<Box<dyn Future<Output = Result<http::Response<Body>, tonic::transport::Error>> + Send>>;

impl Service<http::Request<Body>> for Upstream {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = UpstreamFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self {
            Self::Remote(channel) => channel.poll_ready(cx),
            Self::Local(service) => service.poll_ready(cx).map(|Ok(())| Ok(())),
        }
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        match self {
            Self::Remote(channel) => Box::pin(channel.call(request)),
            Self::Local(service) => {
                // The service must learn about the caller only what crosses
                // the network (headers), not the gateway's own extensions,
                // and the client's address, which there is no peer to give.
                let client = request.extensions_mut().remove::<InProcessClient>();
                request.extensions_mut().clear();
                if let Some(client) = client {
                    request.extensions_mut().insert(client);
                }
                let call = service.call(request);
                Box::pin(async move {
                    let Ok(response) = call.await;
                    Ok(response)
                })
            }
        }
    }
}

/// `hms.user.v1` of `/hms.user.v1.UserService/Login`.
pub fn package_of(path: &str) -> Option<&str> {
    let service = path.strip_prefix('/')?.split('/').next()?;
    service.rsplit_once('.').map(|(package, _)| package)
}

/// Passes encoded messages through untouched.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn packages_of_paths() {
        assert_eq!(super::package_of("/hms.user.v1.UserService/Login"), Some("hms.user.v1"));
        assert_eq!(super::package_of("/grpc.health.v1.Health/Check"), Some("grpc.health.v1"));
        assert_eq!(super::package_of("/Nope/x"), None);
    }

    #[test]
    fn only_literal_addresses_can_be_served_in_process() {
        assert_eq!(super::socket_address("http://127.0.0.1:50051"), Some(([127, 0, 0, 1], 50051).into()));
        assert_eq!(super::socket_address("http://[::1]:50051"), "[::1]:50051".parse().ok());
        assert_eq!(super::socket_address("http://user:50051"), None);
        assert_eq!(super::socket_address("http://127.0.0.1"), None);
    }
}
