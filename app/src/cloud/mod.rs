//! The explorer and faafo clusters: the [`cluster`] window (connect, submit, posters,
//! browse) and deploying faafo: the [`deploy_window`], its [`credentials`] and
//! the OS keyring, its pickers and progress, the [`jobs`] it runs and their [`Connector`](jobs::Connector) seam to
//! the clouds, and [`run`]ning them on a thread of their own. A connector to another
//! kind of cluster is one more [`Connector`](jobs::Connector) implementation here.

pub mod cluster;
pub mod credentials;
pub mod deploy_window;
pub mod jobs;
mod pickers;
mod progress;
pub mod run;
