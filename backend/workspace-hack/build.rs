// Nothing to build: a build script makes cargo resolve the [build-dependencies] of
// Cargo.toml, which unify the features of the crates that proc macros and build scripts use.
fn main() {}
