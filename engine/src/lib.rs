//! faafo's renderer: one engine for the desktop explorer, the workers and the CLI.
//!
//! # Layout
//! - [`params`]: [`Params`], everything that defines an image, and its validation.
//! - [`region`]: the rectangle of the plane, as `xa xb ya yb` or centre + scale.
//! - [`fractal`]: the kinds (classic faafo Julia, Mandelbrot, Julia, Burning Ship,
//!   Multibrot).
//! - [`classic`]: the original's random choice of `c`, seeded and bounded.
//! - `kernel`: the per-pixel iteration on AVX-512, AVX2+FMA, portable scalar, and the
//!   reference path, chosen at run time ([`KernelPath`]).
//! - [`render()`] / [`render_progressive`]: bands of rows in parallel (rayon), with
//!   cancellation and progress through [`Control`].
//! - [`EscapeBuffer`] + [`palette`]: escape values are kept, so recolouring is free.
//! - [`shading`]: distance estimation and lighting from the orbit's derivative, kept next
//!   to the escape values ([`render_values_into`] tracks it when the colouring needs it).
//! - [`antialias`]: jittered supersampling, in memory or streamed to PNG.
//! - [`refine`]: whether a limit was too low (false interior), and a deeper pass over only
//!   the pixels that hit it.
//! - [`write_png`] / [`encode_png`]: 8- or 16-bit PNG with its SHA-256, streamed band by
//!   band for images larger than memory should hold; [`write_image`] picks PNG or JPEG
//!   by the file's extension ([`ImageFormat`]).
//! - [`scenes`]: the fixed benchmark scenes.
//!
//! The engine has no async runtime, network, database or GUI dependency: it is plain
//! computation that every other part of faafo links.

pub mod antialias;
mod buffer;
pub mod classic;
mod control;
pub mod deep;
mod error;
mod format;
pub mod fractal;
mod kernel;
pub mod location;
mod mirror;
mod output;
pub mod palette;
pub mod params;
pub mod refine;
pub mod region;
mod render;
mod sampling;
pub mod scenes;
pub mod shading;

pub use buffer::EscapeBuffer;
pub use control::Control;
pub use error::{ParamError, RenderError};
pub use format::{DEFAULT_JPEG_QUALITY, IMAGE_EXTENSIONS, ImageError, ImageFormat, encode_jpeg, write_image};
pub use fractal::{DEFAULT_JULIA_C, Fractal, FractalKind};
pub use kernel::{KernelPath, SmoothScale, peak_rate};
pub use num_complex::Complex64;
pub use output::{BitDepth, PngSummary, encode_png, sha256_hex, write_png, write_png_window};
pub use palette::{Colouring, Palette};
pub use params::{Limits, Params};
pub use region::{Orientation, Region};
pub use render::{
    PREVIEW_DIVISOR, Render, RenderOptions, RenderStats, Window, render, render_into, render_progressive, render_window,
};
pub use sampling::{render_sample_into, render_values_into};
pub use shading::{ColouringMode, Light};
