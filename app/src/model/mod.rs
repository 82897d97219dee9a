//! What the explorer is about, with no thread, texture or widget: where it is
//! ([`location`], [`view`]), where it has been ([`history`]), named places
//! ([`bookmarks`]), colours ([`colour`], and what a palette file adds:
//! [`palette_file`]), and the files that keep them
//! ([`params_file`], [`persist`], both on [`toml_file`]). Exact decimals for deep views
//! are the engine's ([`faafo_engine::location`]).

pub mod bookmarks;
pub mod colour;
pub mod history;
pub mod location;
pub mod palette_file;
pub mod params_file;
pub mod persist;
pub mod toml_file;
pub mod view;
