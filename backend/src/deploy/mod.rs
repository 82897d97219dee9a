//! One-command (and, from the desktop app, one-click) deployment of faafo to an OpenStack
//! project: what the first-app tutorial did by hand (its §9), done safely and undone
//! exactly.
//!
//! # Layout
//! - [`credentials`]: clouds.yaml / secure.yaml / `OS_*` resolution → an osauth session.
//! - [`cloud`]: the [`Cloud`] trait — exactly the operations needed; [`real`] implements it
//!   on the `openstack` crate and raw calls on its osauth session, [`fake`] in memory.
//! - [`plan`]: what `up` would create, and the quota pre-check.
//! - [`up`], [`scale`], [`down`], [`status`]: the orchestration, on [`Deployer`].
//! - [`state`]: the local state file of ids (and generated secrets) per deployment.
//! - [`userdata`]: cloud-init from `assets/deploy/`, base64, Nova's size limit.
//!
//! Every resource carries the tags `faafo` and `faafo-<deployment id>`
//! ([`state::State::tag`]); the state file records the ids. Progress goes to an event
//! callback ([`DeployEvent`]), which a channel can feed ([`Deployer::with_channel`]).

pub mod cloud;
pub mod credentials;
pub mod down;
pub mod fake;
pub mod plan;
pub mod real;
pub mod scale;
pub mod state;
pub mod status;
pub mod up;
pub mod userdata;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use cloud::{Cloud, CloudError};
pub use plan::Plan;
pub use state::{State, StateStore};

use state::StateError;
use userdata::{Binaries, UserDataError};

/// How `up` gets a keypair onto the servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// Use a keypair that already exists in the project (never deleted).
    Existing(String),
    /// Import this public key (OpenSSH format).
    Import(String),
    /// Have the cloud generate one; the private key is saved next to the state file, 0600.
    Generate,
}

/// Where the servers get the binaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinarySource {
    /// Already published: base URL and SHA-256 sums.
    Url(Binaries),
    /// Upload `faafo`, `faafo-api` and `faafo-worker` from this directory to a
    /// public-read object-storage container of the deployment's own.
    Upload(PathBuf),
}

/// What `up` and `scale` wait for before they finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wait {
    /// Every server ACTIVE (clouds whose servers never boot, such as the local test stack).
    Active,
    /// Every installer reported OK on the console and the API answers `/health`.
    #[default]
    Health,
}

/// Per-phase time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Servers to become ACTIVE.
    pub active: Duration,
    /// Installers to finish and the API to answer.
    pub health: Duration,
    /// Servers to go away, and security groups to come free.
    pub delete: Duration,
    /// Time between polls.
    pub poll: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            active: Duration::from_secs(600),
            health: Duration::from_secs(900),
            delete: Duration::from_secs(300),
            poll: Duration::from_secs(3),
        }
    }
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct Options {
    /// The deployment's name: state file, resource names (`<name>-controller`, …).
    pub name: String,
    /// Worker servers.
    pub workers: u32,
    /// One server running everything (the tutorial's first step); `workers` is ignored.
    pub all_in_one: bool,
    /// Flavor name or id.
    pub flavor: String,
    /// Image name or id (Debian 12+ or Ubuntu 24.04+).
    pub image: String,
    /// Network name or id; `None`: the project's only internal network.
    pub network: Option<String>,
    /// External network for the floating IP; `None`: the first external one.
    pub external_network: Option<String>,
    /// The keypair.
    pub key: KeyChoice,
    /// The binaries.
    pub binaries: BinarySource,
    /// Where SSH (port 22) is allowed from.
    pub ssh_cidr: String,
    /// Create a batch of fractals once the API is up (`install.sh -r demo`).
    pub demo: bool,
    /// What to wait for.
    pub wait: Wait,
    /// Leave what a failed run created (for debugging) instead of rolling it back.
    pub keep_on_failure: bool,
}

impl Options {
    /// Defaults: deployment `faafo`, 2 workers, `m1.small`, `ubuntu-24.04`.
    pub fn new(binaries: BinarySource) -> Self {
        Self {
            name: "faafo".to_owned(),
            workers: 2,
            all_in_one: false,
            flavor: "m1.small".to_owned(),
            image: "ubuntu-24.04".to_owned(),
            network: None,
            external_network: None,
            key: KeyChoice::Generate,
            binaries,
            ssh_cidr: "0.0.0.0/0".to_owned(),
            demo: false,
            wait: Wait::Health,
            keep_on_failure: false,
        }
    }
}

/// Progress, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    /// A phase begins.
    Phase(String),
    /// A resource was created.
    Created {
        /// Kind: server, security group, …
        kind: &'static str,
        /// Name (or address).
        name: String,
        /// Id.
        id: String,
    },
    /// An existing resource is kept as it is.
    Kept {
        /// Kind.
        kind: &'static str,
        /// Name.
        name: String,
    },
    /// A resource was deleted (or released, or detached).
    Deleted {
        /// Kind.
        kind: &'static str,
        /// Name.
        name: String,
    },
    /// Waiting: a server's status, a security group still in use, …
    Waiting(String),
    /// Anything worth saying.
    Note(String),
}

impl fmt::Display for DeployEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployEvent::Phase(p) => write!(f, "== {p}"),
            DeployEvent::Created { kind, name, id } => write!(f, "created {kind} {name} ({id})"),
            DeployEvent::Kept { kind, name } => write!(f, "kept {kind} {name}"),
            DeployEvent::Deleted { kind, name } => write!(f, "deleted {kind} {name}"),
            DeployEvent::Waiting(w) => write!(f, "waiting: {w}"),
            DeployEvent::Note(n) => write!(f, "{n}"),
        }
    }
}

/// A deployment failure.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A cloud call failed.
    #[error("{phase}: {source}")]
    Cloud {
        /// What was being done.
        phase: String,
        /// The failure.
        source: CloudError,
    },
    /// The quota pre-check failed; nothing was created.
    #[error("not enough quota, nothing was created: {0}")]
    Quota(String),
    /// A server went to ERROR.
    #[error("server {name} is in ERROR: {fault}")]
    ServerFailed {
        /// The server.
        name: String,
        /// Nova's fault message.
        fault: String,
    },
    /// The installer reported FAILED on a server's console.
    #[error("the installer failed on {name}: {line}")]
    InstallFailed {
        /// The server.
        name: String,
        /// The marker line.
        line: String,
    },
    /// A phase took too long.
    #[error("{phase}: gave up after {seconds} s waiting for {waiting}")]
    Timeout {
        /// The phase.
        phase: String,
        /// Its limit.
        seconds: u64,
        /// What did not happen.
        waiting: String,
    },
    /// The state file.
    #[error(transparent)]
    State(#[from] StateError),
    /// The user data.
    #[error(transparent)]
    UserData(#[from] UserDataError),
    /// No state file for that name.
    #[error("no deployment named '{name}' (no {})", path.display())]
    NoDeployment {
        /// The name.
        name: String,
        /// The state file looked for.
        path: PathBuf,
    },
    /// Bad options.
    #[error("{0}")]
    Usage(String),
    /// A local file.
    #[error("{0}")]
    Local(String),
    /// The run failed and what it had created was removed again.
    #[error("{source}; rolled back: {undone} resource(s) this run created were deleted{}", left_text(.left))]
    RolledBack {
        /// The original failure.
        source: Box<DeployError>,
        /// Resources deleted again.
        undone: usize,
        /// Resources that could not be deleted.
        left: Vec<String>,
    },
}

fn left_text(left: &[String]) -> String {
    if left.is_empty() { String::new() } else { format!(", but these are left: {}", left.join("; ")) }
}

/// Shorthand.
pub type DeployResult<T> = Result<T, DeployError>;

/// Adds the phase to a cloud error.
pub(crate) trait Phase<T> {
    fn phase(self, phase: &str) -> DeployResult<T>;
}

impl<T> Phase<T> for Result<T, CloudError> {
    fn phase(self, phase: &str) -> DeployResult<T> {
        self.map_err(|source| DeployError::Cloud { phase: phase.to_owned(), source })
    }
}

/// Progress callback.
pub type EventSink = Arc<dyn Fn(DeployEvent) + Send + Sync>;

/// Runs deployments on a cloud, recording them in a state store.
pub struct Deployer<'a, C: Cloud> {
    cloud: &'a C,
    store: StateStore,
    events: EventSink,
    timeouts: Timeouts,
}

impl<C: Cloud> fmt::Debug for Deployer<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deployer").field("store", &self.store).field("timeouts", &self.timeouts).finish_non_exhaustive()
    }
}

impl<'a, C: Cloud> Deployer<'a, C> {
    /// A deployer on `cloud` with state in `store`, silent, default timeouts.
    pub fn new(cloud: &'a C, store: StateStore) -> Self {
        Self { cloud, store, events: Arc::new(|_| {}), timeouts: Timeouts::default() }
    }

    /// Reports progress to `events`.
    pub fn with_events(mut self, events: EventSink) -> Self {
        self.events = events;
        self
    }

    /// Reports progress on a channel (the desktop app's panel reads it).
    pub fn with_channel(self, tx: tokio::sync::mpsc::UnboundedSender<DeployEvent>) -> Self {
        self.with_events(Arc::new(move |e| {
            let _ = tx.send(e);
        }))
    }

    /// Uses these time limits.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    fn emit(&self, event: DeployEvent) {
        (self.events)(event);
    }

    fn load(&self, name: &str) -> DeployResult<State> {
        self.store
            .load(name)?
            .ok_or_else(|| DeployError::NoDeployment { name: name.to_owned(), path: self.store.path(name) })
    }

    async fn sleep(&self) {
        tokio::time::sleep(self.timeouts.poll).await;
    }

    /// Waits until every server is ACTIVE; fails fast on ERROR with Nova's fault.
    async fn wait_active(&self, phase: &str, servers: &mut [state::ServerRecord]) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.active;
        let mut last: Vec<String> = vec![String::new(); servers.len()];
        let mut done = vec![false; servers.len()];
        loop {
            for (i, rec) in servers.iter_mut().enumerate() {
                if done[i] {
                    continue;
                }
                let server = self.cloud.get_server(&rec.id).await.phase(phase)?.ok_or_else(|| DeployError::Cloud {
                    phase: phase.to_owned(),
                    source: CloudError::NotFound(format!("server {} vanished", rec.name)),
                })?;
                if server.status != last[i] {
                    self.emit(DeployEvent::Waiting(format!("{} is {}", rec.name, server.status)));
                    last[i].clone_from(&server.status);
                }
                match server.status.as_str() {
                    "ACTIVE" => {
                        rec.private_ip = server.private_ip.clone();
                        done[i] = true;
                    }
                    "ERROR" => {
                        return Err(DeployError::ServerFailed {
                            name: rec.name.clone(),
                            fault: server.fault.unwrap_or_else(|| "no fault message".to_owned()),
                        });
                    }
                    _ => {}
                }
            }
            if done.iter().all(|d| *d) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let pending: Vec<&str> =
                    servers.iter().zip(&done).filter(|(_, d)| !**d).map(|(s, _)| s.name.as_str()).collect();
                return Err(DeployError::Timeout {
                    phase: phase.to_owned(),
                    seconds: self.timeouts.active.as_secs(),
                    waiting: format!("{} to become ACTIVE", pending.join(", ")),
                });
            }
            self.sleep().await;
        }
    }

    /// Waits until none of these servers exists.
    async fn wait_gone(&self, phase: &str, ids: &[(String, String)]) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.delete;
        let mut pending: Vec<&(String, String)> = ids.iter().collect();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for entry in pending {
                if self.cloud.get_server(&entry.0).await.phase(phase)?.is_some() {
                    still.push(entry);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DeployError::Timeout {
                    phase: phase.to_owned(),
                    seconds: self.timeouts.delete.as_secs(),
                    waiting: format!(
                        "{} to be deleted",
                        pending.iter().map(|e| e.1.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            self.sleep().await;
        }
        Ok(())
    }

    /// Deletes a security group, retrying while a port still uses it (409).
    async fn delete_group(&self, id: &str, name: &str) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.delete;
        loop {
            match self.cloud.delete_security_group(id).await {
                Ok(()) => {
                    self.emit(DeployEvent::Deleted { kind: "security group", name: name.to_owned() });
                    return Ok(());
                }
                Err(CloudError::NotFound(_)) => return Ok(()),
                Err(CloudError::Conflict(m)) if tokio::time::Instant::now() < deadline => {
                    self.emit(DeployEvent::Waiting(format!("security group {name} still in use ({m})")));
                    self.sleep().await;
                }
                Err(e) => {
                    return Err(DeployError::Cloud { phase: format!("deleting security group {name}"), source: e });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
