//! faafo's desktop explorer: zoom, pan and tweak a fractal while the engine renders it on
//! background threads, fast enough that the picture follows the hand.
//!
//! # Layout
//! - [`app`]: [`ExplorerApp`]: persisted settings apart from runtime handles; applies
//!   [`command::Command`]s in one place.
//! - [`view`]: view maths (centre/scale, pixel ↔ complex, zoom at a point, reprojection).
//! - [`location`]: what a place is (kind, view, iterations) and its one-line text form.
//! - [`render_worker`]: the render thread: generations, cancellation, preview → full
//!   passes, pans that compute only the exposed strips, recolouring without recompute.
//! - [`canvas`]: input → view commands, and painting pictures reprojected.
//! - [`panel`]: side panel, status bar and "Save image" window; they return commands.
//! - [`colour`]: engine palettes plus gradients from palette files.
//! - [`history`], [`bookmarks`], [`params_file`] (TOML), [`persist`] (settings file).
//! - [`save_image`]: big PNGs in bands with progress and cancel; [`file_dialog`]: rfd on
//!   a thread with a typed-path fallback.
//! - [`deploy_panel`]: the "Deploy to OpenStack" window: plan, deploy, status, tear
//!   down on a thread of its own, the cloud injectable (the in-memory fake in tests).
//! - [`bench`]: `--bench-zoom`, a fixed zoom/pan script with per-frame figures.
//! - `screenshot`: the CI self-screenshot (`FAAFO_EXPLORER_SCREENSHOT`).
//!
//! # Threads
//! The UI thread never waits on a render. One render thread per [`render_worker`]
//! (the main view, the Julia inset) hands work to rayon's pool inside the engine;
//! thumbnails, image saves and file dialogs have a thread each. Results come back over
//! channels, and the sender calls `request_repaint` so egui wakes up for them.

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
