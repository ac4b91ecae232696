//! The services behind the gateway: one lazily connecting channel per proto
//! package, and a codec that moves already-encoded messages as bytes.

use std::collections::HashMap;

use bytes::{Buf, BufMut, Bytes};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

/// Package (`hms.user.v1`) to the channel of the service owning it.
#[derive(Clone, Default)]
pub struct Upstreams {
    by_package: HashMap<String, Channel>,
}

impl Upstreams {
    pub fn new(routes: &std::collections::BTreeMap<String, String>) -> anyhow::Result<Self> {
        let mut by_package = HashMap::new();
        for (package, url) in routes {
            by_package.insert(package.clone(), hms_kit::client::channel(url)?);
        }
        Ok(Self { by_package })
    }

    pub fn get(&self, package: &str) -> Option<Channel> {
        self.by_package.get(package).cloned()
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
