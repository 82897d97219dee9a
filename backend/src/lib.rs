//! faafo's service side: the `faafo` command, the `faafo-api` service and the
//! `faafo-worker`, as a library with thin binaries in `src/bin/`.
//!
//! # Layout
//! - [`api`]: the HTTP service (routes, outbox relay, gallery, metrics, auth).
//! - [`queue`]: the task queue, RabbitMQ or in process; [`worker`]: `faafo-worker`.
//! - [`store`]: the database and image stores; [`wire`]: the original's protocol.
//! - [`cli`]: argument parsing and the verbs; `src/bin/faafo.rs` only calls [`cli::main`].
//! - [`client`]: the typed faafo API client (ours or the original) the CLI and the desktop
//!   app use.
//! - [`cputime`]: process CPU time, for honest benchmark figures on a shared machine.
//! - [`deploy`]: `faafo deploy` — controller and workers on an OpenStack project, and back.
//! - [`settings`]: options from `/etc/faafo/faafo.conf`, environment and flags, in that
//!   order of precedence.

pub mod api;
pub mod cli;
pub mod client;
pub mod cputime;
pub mod deploy;
pub mod host;
pub mod queue;
pub mod settings;
pub mod shutdown;
pub mod store;
pub mod wire;
pub mod worker;
