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
//!
//! # Features
//! `service` (on by default) builds the binaries and the modules only they need — the web
//! server, the databases, RabbitMQ, argument parsing: [`api`], [`cli`], [`queue`],
//! [`settings`], [`store`], [`worker`], [`cputime`], [`shutdown`]. Without it the library
//! is [`deploy`], [`client`], [`wire`] and [`host`]: what the desktop explorer links, so
//! `cargo run --release` does not compile sqlx, axum or lapin.

#[cfg(feature = "service")]
pub mod api;
#[cfg(feature = "service")]
pub mod cli;
pub mod client;
#[cfg(feature = "service")]
pub mod cputime;
pub mod deploy;
pub mod host;
#[cfg(feature = "service")]
pub mod logging;
#[cfg(feature = "service")]
pub mod queue;
#[cfg(feature = "service")]
pub mod settings;
#[cfg(feature = "service")]
pub mod shutdown;
#[cfg(feature = "service")]
pub mod store;
pub mod wire;
#[cfg(feature = "service")]
pub mod worker;
