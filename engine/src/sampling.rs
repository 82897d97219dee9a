//! Renders that are more than one escape value per pixel centre: sample points moved by a
//! fraction of a pixel (antialiasing's jittered samples), and the derivative that the
//! colourings beyond escape time need. Both use the same kernels as [`crate::render()`];
//! with no offset and no derivative the escape values are exactly its.

use std::ops::Range;
use std::time::Instant;

use rayon::prelude::*;

use crate::buffer::EscapeBuffer;
use crate::control::Control;
use crate::error::RenderError;
use crate::kernel::derivative::{self, DerivativeBand, Track};
use crate::kernel::{self, Band, KernelPath, Setup};
use crate::params::Params;
use crate::region::{Orientation, map_axis};
use crate::render::{RenderOptions, RenderStats, Window};

/// Pixels per parallel band (as in [`crate::render()`]).
const BAND_PIXELS: usize = 4096;

/// Where each sample of a window lies, and the kernel that computes it.
#[derive(Debug)]
pub(crate) struct SampleGrid {
    pub(crate) path: KernelPath,
    pub(crate) setup: Setup,
    /// Whether the derivative is tracked (the colouring needs it).
    pub(crate) derivative: bool,
    /// What the orbit kernel keeps beside the escape values when `derivative` is set.
    pub(crate) track: Track,
    fractal: crate::Fractal,
    pixel_step: f64,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl SampleGrid {
    /// The samples of `window` of the image `params` describes, each moved by `offset`
    /// pixels (x right, y down the image) from its pixel's centre. `params` must have
    /// been validated.
    pub(crate) fn new(
        params: &Params,
        window: Window,
        offset: (f64, f64),
        options: &RenderOptions,
    ) -> Result<Self, RenderError> {
        let path = kernel::effective_path(options.kernel.unwrap_or_else(KernelPath::detect), &params.fractal)?;
        let r = &params.region;
        let orientation = Orientation::of(params.fractal.kind());
        let column = |i: u32| map_axis(f64::from(i) + offset.0, r.xa, r.xb, params.width);
        let row = |j: u32| {
            let from_ya = orientation.row_from_ya(f64::from(j) + offset.1, params.height);
            map_axis(from_ya, r.ya, r.yb, params.height)
        };
        let pixel_step = r.pixel_step_x(params.width);
        let mut setup = Setup::new(&params.fractal, params.max_iterations, pixel_step, options.shortcuts);
        setup.fill &= options.fill;
        Ok(Self {
            path,
            setup,
            derivative: params.colouring.mode.needs_derivative(),
            track: if params.colouring.mode == crate::ColouringMode::Stripes {
                Track::Stripes
            } else {
                Track::Derivative
            },
            fractal: params.fractal,
            pixel_step,
            xs: (window.x..window.x + window.width).map(column).collect(),
            ys: (window.y..window.y + window.height).map(row).collect(),
        })
    }

    /// The sample points' real parts, one per column.
    pub(crate) fn xs(&self) -> &[f64] {
        &self.xs
    }

    /// The sample points' imaginary parts, one per row.
    pub(crate) fn ys(&self) -> &[f64] {
        &self.ys
    }

    /// Computes `rows` of the grid into the planes (which hold exactly those rows;
    /// `derivatives` is empty unless the grid tracks the derivative), in parallel bands.
    /// Returns the updates performed, or `Cancelled`.
    pub(crate) fn compute_rows(
        &self,
        rows: Range<usize>,
        counts: &mut [u32],
        norms: &mut [f32],
        derivatives: &mut [[f32; 2]],
        control: &Control,
    ) -> Result<u64, RenderError> {
        let width = self.xs.len();
        // The derivative kernel has no interior fill, so its bands stay small.
        let band_px = if self.derivative {
            (BAND_PIXELS / width).max(1) * width
        } else {
            kernel::band_rows(self.path, &self.setup, width, BAND_PIXELS) * width
        };
        let ys = &self.ys[rows];
        let band_rows = band_px / width;
        let mut derivative_chunks: Vec<&mut [[f32; 2]]> =
            if self.derivative { derivatives.chunks_mut(band_px).collect() } else { Vec::new() };
        derivative_chunks.resize_with(counts.len().div_ceil(band_px), Default::default);
        let iterations: u64 = counts
            .par_chunks_mut(band_px)
            .zip(norms.par_chunks_mut(band_px))
            .zip(ys.par_chunks(band_rows))
            .zip(derivative_chunks.into_par_iter())
            .map(|(((counts, norms), ys), derivatives)| {
                if control.is_cancelled() {
                    return 0;
                }
                let n = self.compute_band(Band { xs: &self.xs, ys, counts, norms }, derivatives);
                control.add_done((ys.len() * width) as u64);
                n
            })
            .sum();
        if control.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
        Ok(iterations)
    }

    /// Computes one band of sample points (any columns and rows of this grid's image),
    /// with the derivative into `derivatives` when the grid tracks it; returns the
    /// updates performed.
    pub(crate) fn compute_band(&self, mut band: Band<'_>, derivatives: &mut [[f32; 2]]) -> u64 {
        if self.derivative {
            let mut with = DerivativeBand { band, derivatives };
            derivative::compute(&self.fractal, &self.setup, self.pixel_step, self.track, &mut with)
        } else {
            kernel::compute(self.path, &self.fractal, &self.setup, &mut band)
        }
    }

    /// Computes every row into `buffer` (resized to the grid; its derivative plane kept
    /// only when tracked).
    pub(crate) fn compute_into(&self, buffer: &mut EscapeBuffer, control: &Control) -> Result<u64, RenderError> {
        let (width, height) = (self.xs.len() as u32, self.ys.len() as u32);
        buffer.reset(width, height, self.setup.smooth_scale());
        if self.derivative {
            buffer.set_holds_stripes(self.track == Track::Stripes);
            let (counts, norms, derivatives) = buffer.planes_with_derivatives_mut();
            self.compute_rows(0..height as usize, counts, norms, derivatives, control)
        } else {
            let (counts, norms) = buffer.planes_mut();
            self.compute_rows(0..height as usize, counts, norms, &mut [], control)
        }
    }
}

/// Renders `params` into `buffer` with every value its colouring needs: the escape
/// values, plus the derivative for [`crate::ColouringMode::Distance`] and
/// [`crate::ColouringMode::Lighting`]. In escape mode this is [`crate::render_into`].
pub fn render_values_into(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    buffer: &mut EscapeBuffer,
) -> Result<RenderStats, RenderError> {
    render_sample_into(params, (0.0, 0.0), options, control, buffer)
}

/// [`crate::render_window`] with every value the colouring needs (the derivative for
/// distance and lighting).
pub fn render_window_values(
    params: &Params,
    window: Window,
    options: &RenderOptions,
    control: &Control,
) -> Result<crate::Render, RenderError> {
    params.validate_window(window, &options.limits)?;
    let grid = SampleGrid::new(params, window, (0.0, 0.0), options)?;
    let started = Instant::now();
    control.start(window.pixels());
    let mut buffer = EscapeBuffer::new(0, 0, crate::SmoothScale::default());
    let iterations = grid.compute_into(&mut buffer, control)?;
    Ok(crate::Render { buffer, stats: RenderStats { iterations, kernel: grid.path, wall: started.elapsed() } })
}

/// [`render_values_into`] with every sample point moved by `offset` pixels (x to the
/// right, y down the image) from its pixel's centre: one sample of a supersampled image.
/// Offsets are meant to be within ±0.5.
pub fn render_sample_into(
    params: &Params,
    offset: (f64, f64),
    options: &RenderOptions,
    control: &Control,
    buffer: &mut EscapeBuffer,
) -> Result<RenderStats, RenderError> {
    if offset == (0.0, 0.0) && !params.colouring.mode.needs_derivative() {
        return crate::render_into(params, options, control, buffer);
    }
    params.validate(&options.limits)?;
    let grid = SampleGrid::new(params, Window::full(params.width, params.height), offset, options)?;
    let started = Instant::now();
    control.start(params.pixels());
    let iterations = grid.compute_into(buffer, control)?;
    Ok(RenderStats { iterations, kernel: grid.path, wall: started.elapsed() })
}
