//! Files a service keeps (a lab instrument's report, a rendered PDF, a chat
//! attachment), behind one interface: the local filesystem under the data
//! directory when nothing is configured, S3-compatible storage (MinIO, AWS
//! S3) in production, both through the `object_store` crate.
//!
//! Every file is sealed with the service's own key (AES-256-GCM, the key id
//! kept beside it for rotation, the object's name authenticated so a file
//! cannot be moved under another name) before it leaves the process. The
//! service's key rather than the bucket's server-side encryption: the same
//! protection on the filesystem and on any S3-compatible store, and a
//! storage operator who can read the bucket still cannot read a file.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::crypto::Sealer;

/// Marks a sealed file, and its layout's version.
const MAGIC: &[u8; 4] = b"HMS1";

/// Where files go, as configured: for example `HMS_LABORATORY__FILES__URL`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectsConfig {
    /// `file:///var/lib/hms/files` or `s3://bucket/prefix`; empty means the
    /// service's data directory (see [`Objects::open`]).
    pub url: String,
    /// S3 endpoint for MinIO and other S3-compatible stores; empty for AWS.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    #[serde(serialize_with = "crate::config::redacted::serialize")]
    pub secret_access_key: SecretString,
    /// Plain HTTP to the endpoint (a MinIO beside the service, tests).
    pub allow_http: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no file named {0}")]
    NotFound(String),
    #[error("invalid file name {0:?}: letters, digits, '.', '_', '-' and '/' between parts")]
    InvalidName(String),
    /// The bytes were changed, or sealed under another name or an unknown key.
    #[error("file {name} cannot be opened: {reason}")]
    Unreadable { name: String, reason: String },
    #[error("file store error: {0}")]
    Backend(String),
}

/// The kinds of file a service accepts, told by their first bytes, never by
/// a name or a declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
}

impl FileKind {
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else {
            None
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }
}

#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    sealer: Arc<Sealer>,
    /// The directory of a filesystem store, whose files are narrowed to their owner.
    root: Option<PathBuf>,
}

impl Objects {
    /// `default_dir` serves when `config.url` is empty (`<data dir>/files`).
    pub fn open(config: &ObjectsConfig, default_dir: &std::path::Path, sealer: Sealer) -> anyhow::Result<Self> {
        let sealer = Arc::new(sealer);
        if let Some(bucket_and_prefix) = config.url.strip_prefix("s3://") {
            let (bucket, prefix) = bucket_and_prefix.split_once('/').unwrap_or((bucket_and_prefix, ""));
            anyhow::ensure!(!bucket.is_empty(), "files.url {} names no bucket", config.url);
            let settings = [
                (AmazonS3ConfigKey::Endpoint, config.endpoint.as_str()),
                (AmazonS3ConfigKey::Region, config.region.as_str()),
                (AmazonS3ConfigKey::AccessKeyId, config.access_key_id.as_str()),
                (AmazonS3ConfigKey::SecretAccessKey, config.secret_access_key.expose_secret()),
            ];
            // Unset ones keep the crate's defaults (AWS's own endpoint, region us-east-1).
            let builder = settings.into_iter().filter(|(_, value)| !value.is_empty()).fold(
                AmazonS3Builder::new().with_bucket_name(bucket).with_allow_http(config.allow_http),
                |b, (key, value)| b.with_config(key, value),
            );
            let store: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
            let store = if prefix.trim_matches('/').is_empty() {
                store
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(store, prefix.trim_matches('/')))
            };
            return Ok(Objects { store, sealer, root: None });
        }
        let dir = match config.url.strip_prefix("file://") {
            Some(path) => PathBuf::from(path),
            None if config.url.is_empty() => default_dir.to_path_buf(),
            None => anyhow::bail!("files.url {} is neither file:// nor s3://", config.url),
        };
        crate::files::create_private_dir_all(&dir)?;
        let store = Arc::new(LocalFileSystem::new_with_prefix(&dir)?);
        Ok(Objects { store, sealer, root: Some(dir) })
    }

    /// Seals and stores `bytes` under `name`, replacing what was there.
    pub async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        let path = path_of(name)?;
        let (key_id, sealed) = self.sealer.seal(bytes, name).map_err(|e| ObjectError::Backend(e.to_string()))?;
        let mut file = Vec::with_capacity(MAGIC.len() + 1 + key_id.len() + sealed.len());
        file.extend_from_slice(MAGIC);
        file.push(u8::try_from(key_id.len()).map_err(|_| ObjectError::Backend("key id too long".into()))?);
        file.extend_from_slice(key_id.as_bytes());
        file.extend_from_slice(&sealed);
        self.store.put(&path, file.into()).await.map_err(backend)?;
        if let Some(root) = &self.root {
            crate::files::restrict_to_owner(&root.join(name)).map_err(backend)?;
        }
        Ok(())
    }

    /// The bytes stored under `name`, opened.
    pub async fn get(&self, name: &str) -> Result<Vec<u8>, ObjectError> {
        let path = path_of(name)?;
        let file = match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map_err(backend)?,
            Err(object_store::Error::NotFound { .. }) => return Err(ObjectError::NotFound(name.to_owned())),
            Err(e) => return Err(backend(e)),
        };
        let unreadable = |reason: &str| ObjectError::Unreadable { name: name.to_owned(), reason: reason.to_owned() };
        let rest = file.strip_prefix(MAGIC.as_slice()).ok_or_else(|| unreadable("not a sealed file"))?;
        let (&id_len, rest) = rest.split_first().ok_or_else(|| unreadable("truncated"))?;
        if rest.len() < usize::from(id_len) {
            return Err(unreadable("truncated"));
        }
        let (key_id, sealed) = rest.split_at(usize::from(id_len));
        let key_id = std::str::from_utf8(key_id).map_err(|_| unreadable("bad key id"))?;
        self.sealer.open(key_id, sealed, name).map_err(|e| unreadable(&e.to_string()))
    }

    /// Removes `name`; false when there was nothing.
    pub async fn delete(&self, name: &str) -> Result<bool, ObjectError> {
        let path = path_of(name)?;
        match self.store.head(&path).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(backend(e)),
        }
        match self.store.delete(&path).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    /// Whether the store answers (for health checks).
    pub async fn ping(&self) -> Result<(), ObjectError> {
        match self.store.head(&Path::from("hms-ping")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}

/// Names are the service's own (`orders/<id>/items/<id>/report.pdf`), never a
/// client's file name, and may not climb out of the store.
fn path_of(name: &str) -> Result<Path, ObjectError> {
    let invalid = || ObjectError::InvalidName(name.to_owned());
    let parts_ok = name.split('/').all(|part| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    if name.is_empty() || name.len() > 512 || !parts_ok {
        return Err(invalid());
    }
    Path::parse(name).map_err(|_| invalid())
}

fn backend(e: impl std::fmt::Display) -> ObjectError {
    ObjectError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"MZ\x90\0 an executable named report.pdf"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn names_stay_inside_the_store() {
        assert!(path_of("orders/o-1/items/i-2/report.pdf").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a/", "a b", "x\0y", &"a".repeat(513)] {
            assert!(matches!(path_of(bad), Err(ObjectError::InvalidName(_))), "{bad:?}");
        }
    }
}
