//! The original faafo wire protocol (faafo-spec §2–3), as plain data and pure functions,
//! shared by the API server, its client and the worker.
//!
//! - [`fractal`]: the `fractal` row, its JSON object form (the original's fields plus
//!   additive ones), and the bodies of `POST`/`PUT /v1/fractal`.
//! - [`search`]: Flask-Restless 0.17's `q=` search (`filters`, `order_by`, `limit`,
//!   `offset`, `single`) parsed and rendered as SQL for SQLite, PostgreSQL and MySQL.
//! - [`paging`]: `page`/`results_per_page`, the collection envelope and the `Link` header.
//! - [`WireError`]: an HTTP status with the original's JSON error body.
//!
//! Nothing here does I/O, so every rule of the protocol is unit-tested directly.

pub mod colouring;
mod error;
pub mod fractal;
pub mod paging;
pub mod search;

pub use error::WireError;
