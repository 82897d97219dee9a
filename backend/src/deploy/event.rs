//! Progress, as it happens: what the CLI prints on stderr and the app's window lists.

use std::fmt;
use std::sync::Arc;

use super::resource::ResourceKind;

/// One step of progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    /// A phase begins ("security groups", "workers: 2").
    Phase(String),
    /// A resource was created.
    Created {
        /// What it is.
        kind: ResourceKind,
        /// Its name (a floating IP's address).
        name: String,
        /// The cloud's id (a container's public URL).
        id: String,
    },
    /// An existing resource is kept as it is.
    Kept {
        /// What it is.
        kind: ResourceKind,
        /// Its name (a floating IP's address).
        name: String,
    },
    /// A resource was deleted (or released, or detached).
    Deleted {
        /// What it is.
        kind: ResourceKind,
        /// Its name (a floating IP's address, and what became of it when it was not
        /// ours to release).
        name: String,
    },
    /// Still waiting: a server's status, a security group still in use, …
    Waiting(String),
    /// Anything else worth saying.
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

/// Where progress goes: called on the deployer's task, so it must not block for long.
pub type EventSink = Arc<dyn Fn(DeployEvent) + Send + Sync>;
