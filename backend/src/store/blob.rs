//! Where PNG bytes live: in the database's `image` column (the default, one thing to
//! back up) or as files in a directory (keeps large images out of the database). A trait,
//! so object storage (Swift) can follow without touching the API.
//!
//! Bytes are stored exactly as uploaded and served back unchanged.

use std::path::{Path, PathBuf};

use sqlx::{AnyPool, Row as _};

use crate::queue::BoxFuture;
use crate::wire::search::Dialect;

/// A blob-store failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Object storage (Swift) failed.
    #[error("object storage: {0}")]
    Remote(String),
    /// The file system failed.
    #[error("image file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Image storage keyed by fractal uuid.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` for `uuid`, replacing what was there.
    fn put<'a>(&'a self, uuid: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>>;
    /// Stores the image of `fractal`; stores that keep metadata (Swift) keep its
    /// parameters too. By default the same as [`BlobStore::put`].
    fn put_fractal<'a>(
        &'a self,
        fractal: &'a crate::wire::fractal::Fractal,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        self.put(&fractal.uuid, bytes)
    }
    /// The bytes for `uuid`, if any.
    fn get<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BlobError>>;
    /// Removes the bytes for `uuid` (nothing to remove is fine).
    fn delete<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<(), BlobError>>;
    /// Short description for logs.
    fn describe(&self) -> String;
    /// True when the bytes live in the fractal row itself, so the store can write them
    /// in the same `UPDATE` as the result's other fields.
    fn in_row(&self) -> bool {
        false
    }
}

/// Images in the `fractal.image` column.
#[derive(Debug, Clone)]
pub struct DatabaseBlobs {
    pool: AnyPool,
    dialect: Dialect,
}

impl DatabaseBlobs {
    pub(super) fn new(pool: AnyPool, dialect: Dialect) -> Self {
        Self { pool, dialect }
    }

    fn mark(&self, n: usize) -> String {
        if self.dialect == Dialect::Postgres { format!("${n}") } else { "?".to_owned() }
    }
}

impl BlobStore for DatabaseBlobs {
    fn put<'a>(&'a self, uuid: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let sql = format!("UPDATE fractal SET image = {} WHERE uuid = {}", self.mark(1), self.mark(2));
            sqlx::query(&sql).bind(bytes.to_vec()).bind(uuid.to_owned()).execute(&self.pool).await?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BlobError>> {
        Box::pin(async move {
            let sql = format!("SELECT image FROM fractal WHERE uuid = {}", self.mark(1));
            let row = sqlx::query(&sql).bind(uuid.to_owned()).fetch_optional(&self.pool).await?;
            Ok(match row {
                Some(r) => r.try_get::<Option<Vec<u8>>, _>(0)?,
                None => None,
            })
        })
    }

    fn delete<'a>(&'a self, _uuid: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        // The bytes go with the row.
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        "in the database".to_owned()
    }

    fn in_row(&self) -> bool {
        true
    }
}

/// Images as `<dir>/<uuid>.png`, written to a temporary name and renamed, so a reader
/// never sees half a file.
#[derive(Debug, Clone)]
pub struct DirectoryBlobs {
    dir: PathBuf,
}

impl DirectoryBlobs {
    /// Uses (and creates) `dir`.
    pub fn new(dir: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|source| BlobError::Io { path: dir.to_owned(), source })?;
        Ok(Self { dir: dir.to_owned() })
    }

    /// The file for `uuid`. Uuids are checked to be plain names, so no uuid can name a
    /// file outside the directory.
    fn path(&self, uuid: &str) -> Result<PathBuf, BlobError> {
        let plain = !uuid.is_empty() && uuid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return Err(BlobError::Io {
                path: self.dir.join(uuid),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a uuid for a file name must be letters, digits, '-' or '_'",
                ),
            });
        }
        Ok(self.dir.join(format!("{uuid}.png")))
    }
}

impl BlobStore for DirectoryBlobs {
    fn put<'a>(&'a self, uuid: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let path = self.path(uuid)?;
            let tmp = path.with_extension(format!("png.{}.tmp", std::process::id()));
            let io = |source| BlobError::Io { path: path.clone(), source };
            tokio::fs::write(&tmp, bytes).await.map_err(io)?;
            tokio::fs::rename(&tmp, &path).await.map_err(io)
        })
    }

    fn get<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BlobError>> {
        Box::pin(async move {
            let path = self.path(uuid)?;
            match tokio::fs::read(&path).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(BlobError::Io { path, source }),
            }
        })
    }

    fn delete<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let path = self.path(uuid)?;
            match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BlobError::Io { path, source: e }),
                _ => Ok(()),
            }
        })
    }

    fn describe(&self) -> String {
        format!("in {}", self.dir.display())
    }
}

/// Parses the `image_store` option: `database` or `directory:PATH`.
pub fn parse_spec(spec: &str) -> Result<Option<PathBuf>, String> {
    match spec.split_once(':') {
        _ if spec == "database" => Ok(None),
        Some(("directory", path)) if !path.is_empty() => Ok(Some(PathBuf::from(path))),
        _ => Err(format!("image store '{spec}' is not supported: use 'database' or 'directory:PATH'")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(parse_spec("database").unwrap(), None);
        assert_eq!(parse_spec("directory:/srv/img").unwrap(), Some(PathBuf::from("/srv/img")));
        assert!(parse_spec("swift:x").unwrap_err().contains("'database' or 'directory:PATH'"));
        assert!(parse_spec("directory:").is_err());
    }

    #[tokio::test]
    async fn directory_round_trip_and_no_escape() {
        let dir = std::env::temp_dir().join(format!("faafo_blobs_{}", std::process::id()));
        let blobs = DirectoryBlobs::new(&dir).unwrap();
        assert_eq!(blobs.get("a-1").await.unwrap(), None);
        blobs.put("a-1", b"\x89PNG one").await.unwrap();
        blobs.put("a-1", b"\x89PNG two").await.unwrap();
        assert_eq!(blobs.get("a-1").await.unwrap().unwrap(), b"\x89PNG two");
        blobs.delete("a-1").await.unwrap();
        blobs.delete("a-1").await.unwrap();
        assert_eq!(blobs.get("a-1").await.unwrap(), None);
        assert!(blobs.put("../escape", b"x").await.is_err());
        assert!(!dir.parent().unwrap().join("escape.png").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
