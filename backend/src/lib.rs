//! faafo's service side. So far: the `faafo` command's local verbs (`render`, `bench`).
//!
//! # Layout
//! - [`cli`]: argument parsing and the verbs; `src/bin/faafo.rs` only calls [`cli::main`].
//! - [`cputime`]: process CPU time, for honest benchmark figures on a shared machine.

pub mod api;
pub mod cli;
pub mod cputime;
pub mod store;
pub mod wire;
