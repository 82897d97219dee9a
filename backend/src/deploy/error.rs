//! What can go wrong in a deployment, and how a cloud error gets the phase it happened in.

use std::path::PathBuf;

use super::cloud::CloudError;
use super::state::StateError;
use super::userdata::UserDataError;
use crate::client::ClientError;

/// A deployment failure.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A cloud call failed.
    #[error("{phase}: {source}")]
    Cloud {
        /// What was being done ("security groups", "creating faafo-worker-2").
        phase: String,
        /// The cloud's answer.
        source: CloudError,
    },
    /// The quota pre-check failed; nothing was created.
    #[error("not enough quota, nothing was created: {0}")]
    Quota(String),
    /// A server went to ERROR.
    #[error("server {name} is in ERROR: {fault}")]
    ServerFailed {
        /// The server's name.
        name: String,
        /// Nova's fault message (or "no fault message").
        fault: String,
    },
    /// The installer reported FAILED on a server's console.
    #[error("the installer failed on {name}: {line}")]
    InstallFailed {
        /// The server's name.
        name: String,
        /// The installer's `faafo-install: FAILED …` line.
        line: String,
    },
    /// A phase took longer than its [`super::Timeouts`] allow.
    #[error("{phase}: gave up after {seconds} s waiting for {waiting}")]
    Timeout {
        /// The phase.
        phase: String,
        /// The limit it ran into, in seconds.
        seconds: u64,
        /// What did not happen ("faafo-controller to become ACTIVE").
        waiting: String,
    },
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// The user data could not be built (or is over Nova's limit).
    #[error(transparent)]
    UserData(#[from] UserDataError),
    /// No state file for that name.
    #[error("no deployment named '{name}' (no {})", path.display())]
    NoDeployment {
        /// The deployment asked for.
        name: String,
        /// The state file that does not exist.
        path: PathBuf,
    },
    /// Options that cannot work (the CLI exits with its usage code).
    #[error("{0}")]
    Usage(String),
    /// The deployment's API did not tell the queue depth (the autoscaler needs it).
    #[error("cannot read the queue depth from {url}: {source}")]
    Api {
        /// The API's URL.
        url: String,
        /// What the client said.
        source: ClientError,
    },
    /// The person cancelled the run while it waited.
    #[error("cancelled while waiting for {waiting}")]
    Cancelled {
        /// What was being waited for.
        waiting: String,
    },
    /// A local file (a binary, the private key) could not be read or written.
    #[error("{0}")]
    Local(String),
    /// The run failed and what it had created was removed again.
    #[error("{source}; rolled back: {undone} resource(s) this run created were deleted{}", left_text(.left))]
    RolledBack {
        /// Why the run failed.
        source: Box<DeployError>,
        /// How many resources were deleted again.
        undone: usize,
        /// What could not be deleted, and why: these are still in the project.
        left: Vec<String>,
    },
}

fn left_text(left: &[String]) -> String {
    if left.is_empty() { String::new() } else { format!(", but these are left: {}", left.join("; ")) }
}

/// The result of a deployment operation.
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
