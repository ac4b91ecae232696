//! The services behind the gateway: a few lazily connecting channels per
//! proto package, and a codec that moves already-encoded messages as bytes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Buf, BufMut, Bytes};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

/// Connections per service: one HTTP/2 connection (and the one task that
/// drives a tonic channel) serialises every call through the gateway, so
/// calls are spread round-robin over a few.
const CHANNELS_PER_SERVICE: usize = 4;

/// Package (`hms.user.v1`) to the channels of the service owning it.
#[derive(Clone, Default)]
pub struct Upstreams {
    by_package: HashMap<String, Arc<[Channel]>>,
    next: Arc<AtomicUsize>,
}

impl Upstreams {
    pub fn new(routes: &std::collections::BTreeMap<String, String>) -> anyhow::Result<Self> {
        let mut by_package = HashMap::new();
        for (package, url) in routes {
            let channels =
                (0..CHANNELS_PER_SERVICE).map(|_| hms_kit::client::channel(url)).collect::<Result<_, _>>()?;
            by_package.insert(package.clone(), channels);
        }
        Ok(Self { by_package, next: Arc::default() })
    }

    pub fn get(&self, package: &str) -> Option<Channel> {
        let channels = self.by_package.get(package)?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % channels.len();
        channels.get(index).cloned()
    }

    /// The channel for a gRPC path (`/hms.user.v1.UserService/Login`).
    pub fn for_path(&self, path: &str) -> Option<Channel> {
        self.get(package_of(path)?)
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
}
