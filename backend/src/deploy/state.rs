//! The local record of a deployment: the ids of everything it created, so re-running
//! converges and tearing down removes exactly that. One JSON file per deployment name in
//! `$XDG_STATE_HOME/faafo/deployments/` (else `~/.local/state/faafo/deployments/`), mode
//! 0600: it holds the deployment's generated secrets.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::autoscale::AutoscaleState;
use super::cloud::AppCredential;
use super::userdata::{Binaries, Secrets};

/// A server this deployment created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRecord {
    /// Nova's id.
    pub id: String,
    pub name: String,
    /// Worker number (1-based); 0 for the controller.
    pub index: u32,
    /// Its fixed address, once known.
    pub private_ip: Option<String>,
}

/// The floating IP in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloatingIpRecord {
    /// Neutron's id.
    pub id: String,
    /// The public address.
    pub address: String,
    /// Allocated by this deployment (released on down) rather than reused (detached and
    /// given back its tags).
    pub allocated: bool,
    /// A reused address's tags before it was tagged.
    #[serde(default)]
    pub previous_tags: Vec<String>,
}

/// The keypair the servers use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeypairRecord {
    pub name: String,
    /// Created by this deployment (deleted on down).
    pub created: bool,
    /// The private key saved locally (a generated keypair).
    pub private_key: Option<PathBuf>,
}

/// What was resolved once and stays fixed for the deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// Flavor id and name.
    pub flavor: (String, String),
    /// Image id and name.
    pub image: (String, String),
    /// Network id and name.
    pub network: (String, String),
    /// External network id and name.
    pub external_network: (String, String),
    /// One server with everything.
    pub all_in_one: bool,
}

/// One deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The file format's version (1).
    pub version: u32,
    /// The deployment's name (the file name).
    pub name: String,
    /// Random id; the tag on every resource is [`State::tag`].
    pub deployment_id: String,
    /// The cloud (clouds.yaml name, or `env`).
    pub cloud: String,
    /// The region, if one was chosen.
    pub region: Option<String>,
    /// Flavor, image, networks, mode.
    pub resolved: Option<Resolved>,
    /// Generated credentials for RabbitMQ, the database and the API.
    pub secrets: Secrets,
    /// The keypair the servers take, once chosen.
    pub keypair: Option<KeypairRecord>,
    /// Security group role (`control`, `worker`) → id.
    pub security_groups: BTreeMap<String, String>,
    /// The controller (or the all-in-one server).
    pub controller: Option<ServerRecord>,
    /// The workers, by number.
    pub workers: Vec<ServerRecord>,
    /// The controller's floating IP, once it has one.
    pub floating_ip: Option<FloatingIpRecord>,
    /// Where the servers download the binaries.
    pub binaries: Option<Binaries>,
    /// The object-storage container this deployment uploaded the binaries to.
    pub binaries_container: Option<String>,
    /// The autoscaler's policy and latest decisions (absent in files from before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<AutoscaleState>,
    /// The application credential the controller's autoscaler uses (`up --autoscale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_credential: Option<AppCredential>,
    /// The private container the autoscaler shares its state and policy through
    /// ([`super::shared`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale_container: Option<String>,
}

impl State {
    /// A new, empty deployment.
    pub fn new(name: &str, cloud: &str, region: Option<String>) -> Self {
        Self {
            version: 1,
            name: name.to_owned(),
            deployment_id: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            cloud: cloud.to_owned(),
            region,
            resolved: None,
            secrets: Secrets::generate(),
            keypair: None,
            security_groups: BTreeMap::new(),
            controller: None,
            workers: Vec::new(),
            floating_ip: None,
            binaries: None,
            binaries_container: None,
            autoscale: None,
            app_credential: None,
            autoscale_container: None,
        }
    }

    /// The tag every resource of this deployment carries.
    pub fn tag(&self) -> String {
        format!("faafo-{}", self.deployment_id)
    }

    /// Tags for a new resource: `faafo` and [`State::tag`].
    pub fn tags(&self) -> Vec<String> {
        vec!["faafo".to_owned(), self.tag()]
    }

    /// Whether nothing in the cloud belongs to this deployment any more.
    pub fn is_empty(&self) -> bool {
        self.keypair.as_ref().is_none_or(|k| !k.created)
            && self.security_groups.is_empty()
            && self.controller.is_none()
            && self.workers.is_empty()
            && self.floating_ip.is_none()
            && self.binaries_container.is_none()
            && self.app_credential.is_none()
            && self.autoscale_container.is_none()
    }

    /// Whether it is one server running everything (as resolved when it first went up).
    pub fn all_in_one(&self) -> bool {
        self.resolved.as_ref().is_some_and(|r| r.all_in_one)
    }

    /// The API's URL, once it has a floating IP.
    pub fn url(&self) -> Option<String> {
        self.floating_ip.as_ref().map(|f| format!("http://{}/", f.address))
    }
}

/// Where state files live.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

/// A state file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("deployment state {}: {message}", path.display())]
pub struct StateError {
    pub path: PathBuf,
    /// What went wrong (the I/O or JSON error).
    pub message: String,
}

impl StateStore {
    /// State files in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_STATE_HOME/faafo/deployments`, else `~/.local/state/faafo/deployments`.
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(d).join("faafo/deployments");
        }
        match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            Some(home) => PathBuf::from(home).join(".local/state/faafo/deployments"),
            None => PathBuf::from("faafo-deployments"),
        }
    }

    /// Where the state files are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for deployment `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Where a generated private key for `name` is saved.
    pub fn key_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pem"))
    }

    /// The deployment, if there is a file for it.
    pub fn load(&self, name: &str) -> Result<Option<State>, StateError> {
        let path = self.path(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| StateError { path, message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError { path, message: e.to_string() }),
        }
    }

    /// Writes the deployment (0600, atomically).
    pub fn save(&self, state: &State) -> Result<(), StateError> {
        let path = self.path(&state.name);
        let text = serde_json::to_string_pretty(state)
            .map_err(|e| StateError { path: path.clone(), message: e.to_string() })?;
        write_private(&path, text.as_bytes()).map_err(|e| StateError { path, message: e.to_string() })
    }

    /// Removes the deployment's file.
    pub fn remove(&self, name: &str) -> Result<(), StateError> {
        let path = self.path(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StateError { path, message: e.to_string() }),
            _ => Ok(()),
        }
    }

    /// The deployments recorded here.
    pub fn list(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
            .collect();
        names.sort();
        names
    }
}

/// Writes `bytes` to `path` with mode 0600 (temporary file, then rename).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
