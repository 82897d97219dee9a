//! Rendering: splitting an image into bands of rows, computing them in parallel on the
//! chosen kernel path, with cancellation and progress.

use std::ops::Range;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::buffer::EscapeBuffer;
use crate::control::Control;
use crate::error::RenderError;
use crate::kernel::{self, Band, KernelPath, Setup, SmoothScale};
use crate::mirror;
use crate::params::{Limits, Params};
use crate::region::{Orientation, map_axis};

/// Pixels per band: big enough that scheduling is noise, small enough that cancellation
/// is quick and that rayon can balance uneven rows across cores. A band's pixels still
/// iterating after the first stage are the second stage's whole work list, and its
/// chains run partly empty at the end of the list: 16,384 instead of 4,096 was 0.96× the
/// CPU on the `standard` view, 0.98× on `classic`, 0.99× on `dense` (AMD EPYC Zen 4, one
/// thread each, both binaries at once); a band of the `seahorse` view still takes only
/// about 10 ms.
const BAND_PIXELS: usize = 16_384;

/// How to render (as opposed to *what*: that is [`Params`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Kernel path; `None` picks the fastest this CPU supports.
    pub kernel: Option<KernelPath>,
    /// Cardioid/bulb test and periodicity checking. Off only to measure raw kernel speed.
    pub shortcuts: bool,
    /// The interior fill: rectangles whose border is settled interior are filled without
    /// iterating (with `shortcuts`, for the kinds it applies to). Off to check it against
    /// computing every pixel.
    pub fill: bool,
    /// Rows that are the exact mirror image of another row across the real axis are
    /// copied instead of computed (see `mirror`; the same values, pixel for pixel), with
    /// `shortcuts` (without them every pixel is computed). Off to check it against
    /// computing them.
    pub mirror: bool,
    /// Caps the parameters are checked against.
    pub limits: Limits,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self { kernel: None, shortcuts: true, fill: true, mirror: true, limits: Limits::default() }
    }
}

/// Figures about one render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderStats {
    /// z updates actually performed (pixels settled by shortcuts cost none).
    pub iterations: u64,
    /// The kernel path that ran.
    pub kernel: KernelPath,
    /// Wall-clock time of the computation (not of colouring or encoding).
    pub wall: Duration,
}

/// A finished render: escape values plus figures.
#[derive(Debug, Clone)]
pub struct Render {
    /// The escape values; colour them with [`EscapeBuffer::to_rgb8`] or encode to PNG.
    pub buffer: EscapeBuffer,
    /// What it cost.
    pub stats: RenderStats,
}

/// A rectangle of an image's pixels: a tile of a poster rendered on its own, with exactly
/// the pixel coordinates the whole image has there (the coordinates come from the whole
/// image's grid, never from the tile's edges recomputed in floating point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Window {
    /// Left column, in the whole image.
    pub x: u32,
    /// Top row, in the whole image.
    pub y: u32,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl Window {
    /// The whole of a `width` × `height` image.
    pub fn full(width: u32, height: u32) -> Self {
        Self { x: 0, y: 0, width, height }
    }

    /// Number of pixels.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The tiles of a `width` × `height` image, `columns` × `rows` of them, row by row,
    /// sides as equal as whole pixels allow.
    pub fn grid(width: u32, height: u32, columns: u32, rows: u32) -> Vec<Self> {
        let cut = |n: u32, parts: u32, i: u32| (u64::from(n) * u64::from(i) / u64::from(parts.max(1))) as u32;
        let mut tiles = Vec::with_capacity((columns * rows) as usize);
        for r in 0..rows {
            for c in 0..columns {
                let (x, y) = (cut(width, columns, c), cut(height, rows, r));
                tiles.push(Self { x, y, width: cut(width, columns, c + 1) - x, height: cut(height, rows, r + 1) - y });
            }
        }
        tiles
    }
}

/// Per-render constants: the pixel coordinates and the kernel setup.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) params: Params,
    pub(crate) path: KernelPath,
    pub(crate) setup: Setup,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Whether rows may be copied from their mirror image ([`crate::mirror`]).
    mirror: bool,
}

impl Prepared {
    /// Validates `params` and precomputes what every band needs.
    pub(crate) fn new(params: &Params, options: &RenderOptions) -> Result<Self, RenderError> {
        params.validate(&options.limits)?;
        Self::unchecked(params, Window::full(params.width, params.height), options)
    }

    /// [`Prepared::new`] for `window` of the image `params` describes.
    pub(crate) fn window(params: &Params, window: Window, options: &RenderOptions) -> Result<Self, RenderError> {
        params.validate_window(window, &options.limits)?;
        Self::unchecked(params, window, options)
    }

    fn unchecked(params: &Params, window: Window, options: &RenderOptions) -> Result<Self, RenderError> {
        let path = kernel::effective_path(options.kernel.unwrap_or_else(KernelPath::detect), &params.fractal)?;
        let r = &params.region;
        let xs = (window.x..window.x + window.width).map(|i| map_axis(f64::from(i), r.xa, r.xb, params.width));
        let orientation = Orientation::of(params.fractal.kind());
        let ys = (window.y..window.y + window.height).map(|i| r.row_im(i, params.height, orientation));
        let mut setup =
            Setup::new(&params.fractal, params.max_iterations, r.pixel_step_x(params.width), options.shortcuts);
        setup.fill &= options.fill;
        let mirror = options.mirror && options.shortcuts && kernel::mirror_applies(path, &params.fractal, &setup);
        // The window's pixels are what is rendered: from here on `params` has its size.
        let params = params.with_size(window.width, window.height);
        Ok(Self { params, path, setup, xs: xs.collect(), ys: ys.collect(), mirror })
    }

    /// Rows per band for this width (taller where the interior fill needs rectangles).
    fn band_rows(&self) -> usize {
        kernel::band_rows(self.path, &self.setup, self.xs.len(), BAND_PIXELS)
    }

    /// Computes `rows` into `counts`/`norms` (which hold exactly those rows), in
    /// parallel bands. Returns the updates performed, or `Cancelled`.
    pub(crate) fn compute_rows(
        &self,
        rows: Range<usize>,
        counts: &mut [u32],
        norms: &mut [f32],
        control: &Control,
    ) -> Result<u64, RenderError> {
        let width = self.xs.len();
        let band_rows = self.band_rows();
        let ys = &self.ys[rows];
        // Each row's mirror source, if it has one (empty when none has).
        let sources = if self.mirror { mirror::sources(ys) } else { Vec::new() };
        let iterations: u64 = counts
            .par_chunks_mut(band_rows * width)
            .zip(norms.par_chunks_mut(band_rows * width))
            .zip(ys.par_chunks(band_rows))
            .enumerate()
            .map(|(b, ((counts, norms), ys))| {
                if control.is_cancelled() {
                    return 0;
                }
                let mut band = Band { xs: &self.xs, ys, counts, norms };
                let (fractal, setup) = (&self.params.fractal, &self.setup);
                let n = match sources.get(b * band_rows..b * band_rows + ys.len()) {
                    Some(rows) if rows.iter().any(Option::is_some) => {
                        kernel::compute_except_copies(self.path, fractal, setup, &mut band, rows)
                    }
                    _ => kernel::compute(self.path, fractal, setup, &mut band),
                };
                control.add_done((ys.len() * width) as u64);
                n
            })
            .sum();
        if control.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
        if !sources.is_empty() {
            mirror::copy_rows(counts, width, &sources);
            mirror::copy_rows(norms, width, &sources);
        }
        Ok(iterations)
    }
}

/// Renders `params` into memory.
///
/// Needs 8 bytes per pixel; for very large images write a PNG band by band with
/// [`crate::write_png`] instead. Callers that render repeatedly (an explorer's frames, a
/// worker's tasks) should keep one buffer and use [`render_into`].
pub fn render(params: &Params, options: &RenderOptions, control: &Control) -> Result<Render, RenderError> {
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let stats = render_into(params, options, control, &mut buffer)?;
    Ok(Render { buffer, stats })
}

/// Renders `params` into `buffer`, reusing its memory (resized as needed).
///
/// Fresh memory costs a page fault per 4 KiB on first touch — for a 649×869 image about
/// as much time as computing it — so reuse matters for small, frequent renders. On error
/// the buffer's contents are unspecified.
pub fn render_into(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    buffer: &mut EscapeBuffer,
) -> Result<RenderStats, RenderError> {
    if params.colouring.mode.needs_derivative() {
        // Distance and lighting keep the derivative next to the escape values.
        return crate::sampling::render_values_into(params, options, control, buffer);
    }
    let prepared = Prepared::new(params, options)?;
    let started = Instant::now();
    control.start(params.pixels());
    buffer.reset(params.width, params.height, prepared.setup.smooth_scale());
    let (counts, norms) = buffer.planes_mut();
    let iterations = prepared.compute_rows(0..params.height as usize, counts, norms, control)?;
    Ok(RenderStats { iterations, kernel: prepared.path, wall: started.elapsed() })
}

/// Renders `window` of the image `params` describes: the same escape values, pixel for
/// pixel, as that part of [`render`] of the whole image. The whole image may be larger
/// than [`Limits::max_pixels`] (up to [`crate::params::MAX_POSTER_SIDE`] a side); the window may not.
pub fn render_window(
    params: &Params,
    window: Window,
    options: &RenderOptions,
    control: &Control,
) -> Result<Render, RenderError> {
    if params.colouring.mode.needs_derivative() {
        return crate::sampling::render_window_values(params, window, options, control);
    }
    let prepared = Prepared::window(params, window, options)?;
    let started = Instant::now();
    control.start(window.pixels());
    let mut buffer = EscapeBuffer::new(window.width, window.height, prepared.setup.smooth_scale());
    let (counts, norms) = buffer.planes_mut();
    let iterations = prepared.compute_rows(0..window.height as usize, counts, norms, control)?;
    Ok(Render { buffer, stats: RenderStats { iterations, kernel: prepared.path, wall: started.elapsed() } })
}

/// Side of the coarse preview relative to the full image in [`render_progressive`].
pub const PREVIEW_DIVISOR: u32 = 4;

/// Renders a coarse preview (1/[`PREVIEW_DIVISOR`] of each side, same region) and then
/// the full image, handing each to `on_stage` with `true` for the final one. Interactive
/// callers show the preview at once and replace it when the full image arrives.
pub fn render_progressive(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    mut on_stage: impl FnMut(&Render, bool),
) -> Result<Render, RenderError> {
    let (pw, ph) = (params.width / PREVIEW_DIVISOR, params.height / PREVIEW_DIVISOR);
    if pw >= 2 && ph >= 2 {
        let preview = render(&params.with_size(pw, ph), options, control)?;
        on_stage(&preview, false);
    }
    let full = render(params, options, control)?;
    on_stage(&full, true);
    Ok(full)
}
