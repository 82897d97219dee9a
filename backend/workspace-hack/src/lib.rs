//! No code. A dependency of the explorer and the backend whose only job is its
//! `Cargo.toml`: it asks, for every crate both of them build, for the union of the features
//! either needs, so `cargo build -p faafo-backend` after `cargo run --release` reuses every
//! shared crate instead of compiling it again with other features.
