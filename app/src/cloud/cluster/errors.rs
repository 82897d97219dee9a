//! What can go wrong in the Cluster window, typed until the window shows it as text
//! ([`describe`]).

use std::path::PathBuf;

use faafo_backend::client::ClientError;
use faafo_backend::client::poster::PosterError;

use crate::cloud::credentials::KeyringError;

/// A field of the window that cannot be used as typed (or an action that needs more).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing typed in the endpoint field.
    #[error("type the faafo API's URL first, e.g. http://127.0.0.1:8080")]
    NoEndpoint,
    /// A number out of its range (or not a number).
    #[error("{what} must be a whole number from {min} to {max}, got '{got}'")]
    Number {
        /// What the field is ("width", "fractals", …).
        what: &'static str,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
        /// As typed.
        got: String,
    },
    /// An action that needs a connection.
    #[error("not connected: connect to a cluster first")]
    NotConnected,
    /// The view cannot go over the wire as it is.
    #[error("{0}")]
    View(String),
    /// A file or folder field is empty.
    #[error("the {0} is empty: type where to save")]
    NoPath(&'static str),
    /// One job of that kind at a time.
    #[error("{0} is still running")]
    Busy(&'static str),
}

/// Why a cluster action failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The API failed or refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// No answer in time.
    #[error("{what} got no answer within {secs} s (the cluster may be overloaded, or the network down)")]
    Timeout {
        /// What was asked.
        what: &'static str,
        /// The limit, in seconds.
        secs: u64,
    },
    /// The OS keyring failed.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The local cluster could not start.
    #[error(transparent)]
    Local(#[from] super::local::LocalError),
    /// A field cannot be used.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A poster failed.
    #[error(transparent)]
    Poster(#[from] PosterError),
    /// The network runtime (or a thread) could not start.
    #[error("cannot start the {what}: {source}")]
    Start {
        /// "network runtime", "faafo-api", …
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A background task ended without an answer.
    #[error("the background task stopped unexpectedly")]
    Stopped,
}

/// The text the window shows for `e`: the client's own words, except where they speak
/// of command-line flags.
pub fn describe(e: &ClusterError) -> String {
    match e {
        ClusterError::Client(ClientError::Unauthorized { url, status, message }) => {
            format!("{url} refused the client token ({status}: {message}); type the cluster's client token")
        }
        ClusterError::Poster(PosterError::Client(ClientError::Unauthorized { status, message, .. })) => {
            format!("the cluster refused the client token ({status}: {message}); type the cluster's client token")
        }
        other => other.to_string(),
    }
}

/// Whether the cluster refused the token (as opposed to being unreachable).
pub fn is_refusal(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Client(ClientError::Unauthorized { .. }))
}
