//! `faafo-api`: the original's REST API (faafo-spec §3) on [`crate::store`], with the
//! embedded renderer that makes one command a working service.
//!
//! - [`routes`]: the handlers and the router; every status code and error body is the
//!   original's unless the original crashed (then it is a 4xx that says why).
//! - [`relay`]: moves tasks from the database outbox to the queue (no task lost).
//! - [`renderer`]: the render loop of the embedded mode, fed by the in-process queue.
//! - [`metrics`]: `/metrics` in the Prometheus text format.
//! - [`openapi`]: `/openapi.json`, the hand-written description of every route.
//! - [`config`]: options with the original's names, from the configuration file,
//!   environment and flags ([`crate::settings`]).
//! - [`auth`]: bearer tokens for writes, one for clients and one for workers.
//! - [`gallery`]: the HTML gallery at `/` and `/index/<n>`, self-contained (assets compiled in).
//! - [`status`]: `/v1/status`, the cluster at a glance for clients (token-protected).
//! - [`health`]: `/health`, readiness that notices a pipeline that has stopped moving.
//! - [`complete`]: every request runs to its end even when its client goes away.
//! - [`serve`]: the HTTP server with read timeouts and a connection cap.
//! - [`upload_budget`]: the memory budget of large bodies; [`extract`]: JSON rejections.

pub mod auth;
pub mod complete;
pub mod config;
pub mod extract;
pub mod gallery;
pub mod health;
pub mod image_cache;
pub mod jsonp;
pub mod metrics;
pub mod openapi;
pub mod page_cache;
pub mod relay;
pub mod renderer;
pub mod routes;
pub mod serve;
pub mod status;
pub mod upload_budget;

use std::sync::Arc;

use faafo_engine::Limits;

use crate::store::Store;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Caps on what may be created.
    pub limits: Limits,
    /// The outbox relay and the queue behind it.
    pub relay: relay::RelayHandle,
    /// Name recorded as `generated_by` for renders done in this process.
    pub hostname: Arc<str>,
    /// Tokens that writes need.
    pub auth: auth::Auth,
    /// Finished PNGs recently served.
    pub images: Arc<image_cache::ImageCache>,
    /// List pages recently served.
    pub pages: Arc<page_cache::PageCache>,
    /// How long tasks may wait in the outbox, or results fail to arrive while work
    /// waits, before `/health` says `degraded`.
    pub stall_after: std::time::Duration,
    /// The memory budget that large request bodies share.
    pub uploads: upload_budget::UploadBudget,
}

/// Memory for cached PNGs unless configured otherwise.
pub const DEFAULT_IMAGE_CACHE_BYTES: usize = 64 * 1024 * 1024;

impl AppState {
    /// A state with default limits and no tokens.
    pub fn new(store: Store, queue: Arc<dyn crate::queue::TaskQueue>, hostname: &str) -> Self {
        Self {
            store,
            limits: Limits::default(),
            relay: relay::RelayHandle::new(queue),
            hostname: Arc::from(hostname),
            auth: auth::Auth::default(),
            images: Arc::new(image_cache::ImageCache::new(DEFAULT_IMAGE_CACHE_BYTES)),
            pages: Arc::default(),
            stall_after: health::DEFAULT_STALL_AFTER,
            uploads: upload_budget::UploadBudget::default(),
        }
    }
}
