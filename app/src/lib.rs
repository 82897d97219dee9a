//! faafo's desktop explorer: zoom, pan and tweak a fractal while the engine renders it on
//! background threads, fast enough that the picture follows the hand.
//!
//! # Layout
//! - [`app`]: [`ExplorerApp`], the frame loop, and [`ExplorerApp::apply`], which hands
//!   each [`command::Command`] to its area: the persisted settings (`app::persisted`:
//!   location, history, colours, bookmarks, parameter files), the main view and the Julia
//!   inset ([`render`]), textures, notices (`app::notices`), background [`jobs`], the
//!   side panel's typed text and the Deploy window ([`cloud`]).
//! - [`command`]: what the panels and the canvas ask for.
//! - [`model`]: what a place is, with no thread or widget — [`model::view`] (centre and
//!   scale, pixel ↔ complex, zoom at a point, reprojection), [`model::location`] (kind,
//!   view, iterations and the one-line text form), [`model::history`],
//!   [`model::bookmarks`], [`model::colour`] (engine palettes plus gradients from palette
//!   files), [`model::params_file`] (TOML), [`model::persist`] (the settings file), both
//!   files on [`model::toml_file`].
//! - [`render`]: [`render::worker`] — the render thread: generations, cancellation,
//!   preview → full passes planned by a pure schedule, pans that compute only the exposed
//!   strips, recolouring without recompute; [`render::main_view`] (layers, picture
//!   arrival, status text), [`render::inset`] (the live Julia preview),
//!   [`render::thumbnails`] and [`render::textures`]; each picture a [`render::layer`].
//! - [`ui`]: [`ui::side_panel`], [`ui::status_bar`], [`ui::save_window`] and
//!   [`ui::canvas`] (input → view commands, painting pictures reprojected); they return
//!   commands.
//! - [`cloud`]: the Cluster window ([`cloud::cluster`]: connect, status, submit, posters,
//!   browse, on a small tokio runtime of its own), the "Deploy to OpenStack" window ([`cloud::deploy_window`]), its
//!   [`cloud::credentials`] and the OS keyring, the [`cloud::jobs`] and their
//!   [`cloud::jobs::Connector`] seam (the place for a connector to another cluster), and
//!   [`cloud::run`]ning them on a thread of their own (the in-memory cloud in tests).
//! - [`jobs`]: [`jobs::save_image`] (big PNGs in bands with progress and cancel),
//!   [`jobs::file_dialog`] (rfd on a thread with a typed-path fallback) and the CI
//!   self-screenshot (`FAAFO_EXPLORER_SCREENSHOT`).
//! - [`bench`](mod@bench): `--bench-zoom`, a fixed zoom/pan script with per-frame figures.
//!
//! Errors are typed per area (`thiserror` enums beside the code that fails) and become
//! text only where the status bar, the notices or the Deploy window show them.
//!
//! # Threads
//! The UI thread never waits on a render. One render thread per [`render::worker`]
//! (the main view, the Julia inset) hands work to rayon's pool inside the engine;
//! thumbnails, image saves, file dialogs and deploy jobs have a thread each. Results come
//! back over channels, and the sender calls `request_repaint` so egui wakes up for them.

pub mod app;
pub mod bench;
pub mod cloud;
pub mod command;
pub mod jobs;
pub mod model;
pub mod render;
pub mod ui;

pub use app::{ExplorerApp, TITLE};
pub use jobs::screenshot::ScreenshotOutcome;

/// Environment variable naming a PNG path: when set, the app starts at the home view
/// (ignoring saved settings), screenshots itself once the full picture is on screen and
/// closes. CI uses this to check real rendering.
pub const SCREENSHOT_ENV: &str = "FAAFO_EXPLORER_SCREENSHOT";
