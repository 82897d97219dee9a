//! The Cluster window: the explorer using a faafo cluster (ours or the original API).
//! Connect with a token kept in the OS keyring, watch the cluster's status, submit the
//! current view or random batches, make posters too big for this machine, and browse,
//! open, download and delete the cluster's fractals.
//!
//! Every network call runs on the window's own small tokio runtime ([`runtime`]) with a
//! time limit, and comes back over a channel that wakes the UI: the UI thread never waits.
//!
//! - [`window`]: the state and the actions; `replies`: taking in the answers; [`connection`]: one connection's status and
//!   refresh schedule (every 2 s, backing off while the API is away).
//! - [`tasks`]: the async calls; [`runtime`]: where they run.
//! - [`convert`]: views to requests and back, work and estimates; [`settings`]: what is
//!   kept in explorer.toml; [`errors`].
//! - [`local`]: a local cluster run as child processes, for a machine without a cloud.
//! - The sections: `ui_connect` (and `ui_local`), `ui_submit` (this view, bookmarks, a
//!   random batch), [`ui_poster`] (with its live [`mosaic`] and resuming), [`browse`] (the
//!   sorted, filtered, virtualised table, with lazy [`thumbs`] kept on disk by
//!   [`thumb_cache`]).

pub mod browse;
pub mod connection;
pub mod convert;
pub mod errors;
pub mod local;
pub mod mosaic;
mod replies;
pub mod runtime;
pub mod settings;
pub mod tasks;
pub mod thumb_cache;
pub mod thumbs;
mod ui_connect;
mod ui_local;
pub mod ui_poster;
mod ui_submit;
pub mod window;

pub use settings::ClusterSettings;
pub use window::ClusterPanel;
