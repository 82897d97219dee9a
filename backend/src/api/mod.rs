//! `faafo-api`: the original's REST API (faafo-spec §3) on [`crate::store`], with the
//! embedded renderer that makes one command a working service.
//!
//! - [`routes`]: the handlers and the router; every status code and error body is the
//!   original's unless the original crashed (then it is a 4xx that says why).
//! - [`renderer`]: the in-process queue and render loop of the embedded mode.
//! - [`config`]: options with the original's names, from flags and environment.
//! - [`auth`]: bearer tokens for writes, one for clients and one for workers.
//!
//! Still to come (see the issue): RabbitMQ with an outbox, the web gallery, `/metrics`,
//! OpenAPI, the blob-store trait, the configuration file.

pub mod auth;
pub mod config;
pub mod renderer;
pub mod routes;

use std::sync::Arc;

use faafo_engine::Limits;
use tokio::sync::mpsc;

use crate::store::Store;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Caps on what may be created.
    pub limits: Limits,
    /// Where new fractals are announced for rendering.
    pub queue: mpsc::UnboundedSender<String>,
    /// Name recorded as `generated_by` for renders done in this process.
    pub hostname: Arc<str>,
    /// Tokens that writes need.
    pub auth: auth::Auth,
}
