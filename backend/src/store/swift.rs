//! Images in an OpenStack Swift container (`--image-store swift:CONTAINER`): object name =
//! fractal uuid, the fractal's parameters as object metadata (`X-Object-Meta-Width`, …) —
//! the durability step the first-app tutorial only did by hand. Several API replicas can
//! share one container.
//!
//! Credentials as for `faafo deploy` ([`crate::deploy::credentials`]): `OS_CLOUD` with a
//! clouds.yaml, or the `OS_*` variables. The container is created when missing.

use futures_util::io::{AsyncReadExt as _, Cursor};

use super::blob::{BlobError, BlobStore};
use crate::deploy::credentials::{self, Credentials, Environment, Selection};
use crate::queue::BoxFuture;
use crate::wire::fractal::Fractal;

/// Images as objects in one Swift container.
#[derive(Clone)]
pub struct SwiftBlobs {
    cloud: openstack::Cloud,
    container: String,
    describe: String,
}

impl std::fmt::Debug for SwiftBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwiftBlobs").field("container", &self.container).finish_non_exhaustive()
    }
}

fn remote(e: impl std::fmt::Display) -> BlobError {
    BlobError::Remote(e.to_string())
}

fn not_found(e: &openstack::Error) -> bool {
    e.kind() == openstack::ErrorKind::ResourceNotFound
}

/// A valid container name for `swift:CONTAINER`: 1–256 characters, no `/`.
pub fn valid_container(name: &str) -> bool {
    !name.is_empty() && name.len() <= 256 && !name.contains('/')
}

impl SwiftBlobs {
    /// Connects with the environment's OpenStack credentials (`OS_CLOUD` or `OS_*`).
    pub async fn from_env(container: &str) -> Result<Self, BlobError> {
        let creds = credentials::resolve(&Selection::default(), &Environment::from_process()).map_err(remote)?;
        Self::connect(&creds, container).await
    }

    /// Connects with `creds` and makes sure `container` exists.
    pub async fn connect(creds: &Credentials, container: &str) -> Result<Self, BlobError> {
        if !valid_container(container) {
            return Err(BlobError::Remote(format!("'{container}' is not a valid Swift container name")));
        }
        let session = creds.connect().await.map_err(remote)?;
        let cloud = openstack::Cloud::from(session);
        match cloud.get_container(container).await {
            Ok(_) => {}
            Err(e) if not_found(&e) => {
                cloud.create_container(container).await.map_err(remote)?;
            }
            Err(e) => return Err(remote(e)),
        }
        let describe = format!("in Swift container {container} ({})", creds.describe());
        Ok(Self { cloud, container: container.to_owned(), describe })
    }

    async fn put_with(&self, uuid: &str, bytes: &[u8], metadata: Vec<(&'static str, String)>) -> Result<(), BlobError> {
        let mut object = self.cloud.new_object(self.container.as_str(), uuid, Cursor::new(bytes.to_vec()));
        for (k, v) in metadata {
            object = object.with_metadata(k, v);
        }
        object.create().await.map(drop).map_err(remote)
    }
}

/// A fractal's parameters as object metadata.
pub fn metadata(f: &Fractal) -> Vec<(&'static str, String)> {
    let mut m = vec![
        ("Width", f.width.to_string()),
        ("Height", f.height.to_string()),
        ("Iterations", f.iterations.to_string()),
        ("Xa", f.xa.to_string()),
        ("Xb", f.xb.to_string()),
        ("Ya", f.ya.to_string()),
        ("Yb", f.yb.to_string()),
        ("Kind", f.kind.clone()),
        ("Palette", f.palette.clone()),
    ];
    if let (Some(re), Some(im)) = (f.c_re, f.c_im) {
        m.push(("C-Re", re.to_string()));
        m.push(("C-Im", im.to_string()));
    }
    if let Some(seed) = f.seed {
        m.push(("Seed", seed.to_string()));
    }
    m
}

impl BlobStore for SwiftBlobs {
    fn put<'a>(&'a self, uuid: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(self.put_with(uuid, bytes, Vec::new()))
    }

    fn put_fractal<'a>(&'a self, fractal: &'a Fractal, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(self.put_with(&fractal.uuid, bytes, metadata(fractal)))
    }

    fn get<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, BlobError>> {
        Box::pin(async move {
            let object = match self.cloud.get_object(self.container.as_str(), uuid).await {
                Ok(o) => o,
                Err(e) if not_found(&e) => return Ok(None),
                Err(e) => return Err(remote(e)),
            };
            let mut reader = object.download().await.map_err(remote)?;
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).await.map_err(remote)?;
            Ok(Some(bytes))
        })
    }

    fn delete<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match self.cloud.get_object(self.container.as_str(), uuid).await {
                Ok(o) => match o.delete().await {
                    Err(e) if !not_found(&e) => Err(remote(e)),
                    _ => Ok(()),
                },
                Err(e) if not_found(&e) => Ok(()),
                Err(e) => Err(remote(e)),
            }
        })
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn container_names_and_the_image_store_option() {
        assert!(valid_container("fractals"));
        assert!(!valid_container("") && !valid_container("a/b") && !valid_container(&"x".repeat(257)));
        use crate::api::config::{Config, ImageStore};
        use clap::Parser as _;
        let c = Config::try_parse_from(["faafo-api", "--image-store", "swift:fractals"]).unwrap();
        assert_eq!(c.image_store, ImageStore::Swift("fractals".into()));
        let e = Config::try_parse_from(["faafo-api", "--image-store", "s3:x"]).unwrap_err().to_string();
        assert!(e.contains("'swift:CONTAINER'"), "{e}");
        assert!(Config::try_parse_from(["faafo-api", "--image-store", "swift:"]).is_err());
    }

    #[test]
    fn parameters_become_metadata() {
        let f: Fractal = serde_json::from_value(serde_json::json!({
            "uuid": "u1", "checksum": null, "url": null, "duration": null, "size": null,
            "width": 64, "height": 48, "iterations": 100, "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5,
            "generated_by": null, "status": "pending", "error": null,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "kind": "classic", "c_re": 0.285, "c_im": 0.01, "seed": 7, "palette": "original"
        }))
        .unwrap();
        let m = metadata(&f);
        for (k, v) in [("Width", "64"), ("Xa", "-2"), ("C-Re", "0.285"), ("Seed", "7"), ("Kind", "classic")] {
            assert!(m.contains(&(k, v.to_owned())), "{k}: {m:?}");
        }
    }
}
