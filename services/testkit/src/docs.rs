//! Document stores per backend: an embedded SQLite file or a fresh database
//! on the MongoDB-wire server.

use hms_kit::testing;

#[derive(Debug, Clone, Copy)]
pub enum Docs {
    Sqlite,
    Mongo,
}

/// A fresh document store; an embedded one's file lives as long as `dir`.
pub struct DocStore {
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
}

impl Docs {
    /// A fresh store (SQLite: the file `file` in a new folder), or None when
    /// the MongoDB-wire server is not configured.
    pub fn store(self, file: &str) -> Option<DocStore> {
        match self {
            Docs::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                Some(DocStore { url: format!("sqlite://{}", dir.path().join(file).display()), dir: Some(dir) })
            }
            Docs::Mongo => {
                let uri = testing::mongodb_uri()?;
                let url = format!("{}/hms_test_{}", uri.trim_end_matches('/'), uuid::Uuid::now_v7().simple());
                Some(DocStore { url, dir: None })
            }
        }
    }
}
