//! Antialiasing by supersampling: each pixel is the average colour of n × n samples, one
//! in each cell of an n × n grid over the pixel, jittered inside its cell by a fixed
//! pattern (the same for every pixel and every run, so a supersampled image is as
//! reproducible as any other). Colours are averaged, not escape values: the average of
//! two escape counts is a colour neither sample had.
//!
//! Sample k of the pattern is a whole render moved by a fraction of a pixel, so each
//! runs on the fast kernels, and an explorer can show the average after every sample
//! (progressive) and stop at any time. With n = 1 the single sample is the pixel's centre:
//! the plain render.

use std::io::Write;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::buffer::Values;
use crate::control::Control;
use crate::error::{ParamError, RenderError};
use crate::output::{BitDepth, PngSummary, stream_png};
use crate::params::Params;
use crate::render::{RenderOptions, RenderStats, Window};
use crate::sampling::{SampleGrid, render_sample_into};
use crate::{EscapeBuffer, SmoothScale};

/// Largest number of samples per side (4 × 4 = 16 samples per pixel).
pub const MAX_ANTIALIAS: u32 = 4;

/// Checks a samples-per-side count: 1 (off) to [`MAX_ANTIALIAS`].
pub fn check_antialias(samples_per_side: u32) -> Result<(), ParamError> {
    if (1..=MAX_ANTIALIAS).contains(&samples_per_side) {
        Ok(())
    } else {
        Err(ParamError::OutOfRange {
            name: "antialias",
            value: u64::from(samples_per_side),
            min: 1,
            max: u64::from(MAX_ANTIALIAS),
        })
    }
}

/// The sample offsets (pixels; x right, y down, each within ±0.5) of an n × n
/// supersampling: one per cell, jittered within the middle half of its cell by a fixed
/// hash, in an order that spreads the first samples over the pixel. `[(0, 0)]` for n = 1.
pub fn sample_offsets(samples_per_side: u32) -> Vec<(f64, f64)> {
    let n = samples_per_side.max(1);
    if n == 1 {
        return vec![(0.0, 0.0)];
    }
    let cells = n * n;
    // Visit cells with a stride coprime to their count, so consecutive samples are far
    // apart and a partial average already covers the pixel.
    let stride = (1..cells).rev().find(|s| gcd(*s, cells) == 1 && *s <= cells / 2 + 1).unwrap_or(1);
    (0..cells)
        .map(|k| {
            let cell = (k * stride) % cells;
            let (i, j) = (cell % n, cell / n);
            let h = splitmix64(u64::from(n) << 32 | u64::from(cell));
            let jx = 0.25 + 0.5 * unit(h);
            let jy = 0.25 + 0.5 * unit(h.rotate_left(29));
            ((f64::from(i) + jx) / f64::from(n) - 0.5, (f64::from(j) + jy) / f64::from(n) - 0.5)
        })
        .collect()
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A fixed 64-bit mix (SplitMix64's finaliser): the jitter is a pure function of the cell.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 0..1 from the top 53 bits.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Sums of colour channels over samples, per pixel. Sums are f64, so the average of
/// identical samples is exactly that sample (a flat region looks as without
/// antialiasing, bit for bit).
#[derive(Debug, Clone, PartialEq)]
pub struct ColourSum {
    sums: Vec<[f64; 3]>,
    samples: u32,
}

impl ColourSum {
    /// Empty sums for `pixels` pixels.
    pub fn new(pixels: usize) -> Self {
        Self { sums: vec![[0.0; 3]; pixels], samples: 0 }
    }

    /// Samples added so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// Pixels.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether there are no pixels.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// Adds one sample's colour channels (0..=1, one per pixel, row-major).
    pub fn add(&mut self, channels: &[[f32; 3]]) {
        self.sums.par_iter_mut().zip(channels.par_iter()).for_each(|(s, c)| {
            for k in 0..3 {
                s[k] += f64::from(c[k]);
            }
        });
        self.samples += 1;
    }

    /// The average colour channels of pixel `i` (black before any sample).
    #[inline]
    pub fn average(&self, i: usize) -> [f32; 3] {
        let n = f64::from(self.samples.max(1));
        self.sums.get(i).map_or([0.0; 3], |s| s.map(|v| (v / n) as f32))
    }

    /// 8-bit RGB of the average, 3 bytes per pixel (rounded as [`crate::Colouring::rgb8`]).
    pub fn to_rgb8(&self) -> Vec<u8> {
        self.to_bytes(BitDepth::Eight)
    }

    /// The average as a PNG's rows hold it: 8-bit RGB (3 bytes per pixel, rounded as
    /// [`crate::Colouring::rgb8`]) or 16-bit big-endian RGB (6 bytes, as
    /// [`crate::Colouring::rgb16`]) — for writers that colour samples themselves.
    pub fn to_bytes(&self, depth: BitDepth) -> Vec<u8> {
        let mut out = vec![0u8; self.sums.len() * depth.bytes_per_pixel()];
        self.quantise(&mut out, depth);
        out
    }

    /// The average as 8-bit RGB (3 bytes per pixel) or 16-bit big-endian RGB (6 bytes).
    fn quantise(&self, out: &mut [u8], depth: BitDepth) {
        let bpp = depth.bytes_per_pixel();
        out.par_chunks_mut(bpp).enumerate().for_each(|(i, px)| {
            let avg = self.average(i);
            match depth {
                BitDepth::Eight => {
                    for k in 0..3 {
                        px[k] = (avg[k] * 255.0 + 0.5) as u8;
                    }
                }
                BitDepth::Sixteen => {
                    for k in 0..3 {
                        let v = (avg[k] * 65535.0 + 0.5) as u16;
                        px[2 * k..2 * k + 2].copy_from_slice(&v.to_be_bytes());
                    }
                }
            }
        });
    }
}

/// A supersampled image in memory.
#[derive(Debug, Clone)]
pub struct Supersampled {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The averaged colours.
    pub colours: ColourSum,
    /// Updates of every sample, and the wall time of them all.
    pub stats: RenderStats,
}

/// Renders `params` with `samples_per_side`² samples per pixel (see the module docs),
/// coloured by `params.colouring` (any mode; the derivative is tracked when it needs it).
pub fn render_antialiased(
    params: &Params,
    samples_per_side: u32,
    options: &RenderOptions,
    control: &Control,
) -> Result<Supersampled, RenderError> {
    check_antialias(samples_per_side)?;
    params.validate(&options.limits)?;
    let started = Instant::now();
    let mut colours = ColourSum::new(params.pixels() as usize);
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let mut iterations = 0;
    let mut kernel = None;
    let mut channels = Vec::new();
    for offset in sample_offsets(samples_per_side) {
        let stats = render_sample_into(params, offset, options, control, &mut buffer)?;
        iterations += stats.iterations;
        kernel = Some(stats.kernel);
        channels.resize(buffer.counts().len(), [0.0; 3]);
        buffer.values(params.colouring.mode).channels(&params.colouring, &mut channels);
        colours.add(&channels);
    }
    let kernel = kernel.unwrap_or_else(crate::KernelPath::detect);
    let stats = RenderStats { iterations, kernel, wall: started.elapsed() };
    Ok(Supersampled { width: params.width, height: params.height, colours, stats })
}

/// `window` of the image `params` describes as 8-bit RGB (3 bytes per pixel), with
/// `params.colouring.antialias`² samples per pixel and its colouring mode: what image
/// writers other than PNG take.
pub fn render_window_rgb8(
    params: &Params,
    window: Window,
    options: &RenderOptions,
    control: &Control,
) -> Result<Vec<u8>, RenderError> {
    params.validate_window(window, &options.limits)?;
    let mut colours = ColourSum::new(window.pixels() as usize);
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let mut channels = Vec::new();
    let offsets = sample_offsets(params.colouring.antialias);
    control.start(window.pixels() * offsets.len() as u64);
    for offset in offsets {
        let grid = SampleGrid::new(params, window, offset, options)?;
        grid.compute_into(&mut buffer, control)?;
        channels.resize(buffer.counts().len(), [0.0; 3]);
        buffer.values(params.colouring.mode).channels(&params.colouring, &mut channels);
        colours.add(&channels);
    }
    Ok(colours.to_rgb8())
}

/// Pixels per chunk when streaming a supersampled PNG: memory is about 40 bytes × this
/// (the sums and one sample's values), whatever the image size.
const STREAM_CHUNK_PIXELS: usize = 1 << 18;

/// Writes `window` (or the whole image) of `params` as PNG to `out`, supersampled with
/// `samples_per_side`² samples per pixel and coloured in any mode, a chunk of rows at a
/// time (bounded memory, as [`crate::write_png`]). With 1 sample per pixel in escape
/// mode the bytes are [`crate::write_png`]'s.
#[allow(clippy::too_many_arguments)] // the what, the where and the how of one image
pub fn write_png_antialiased<W: Write>(
    params: &Params,
    window: Option<Window>,
    samples_per_side: u32,
    options: &RenderOptions,
    control: &Control,
    depth: BitDepth,
    out: W,
) -> Result<PngSummary, RenderError> {
    check_antialias(samples_per_side)?;
    let window = match window {
        Some(w) => {
            params.validate_window(w, &options.limits)?;
            w
        }
        None => {
            params.validate(&options.limits)?;
            Window::full(params.width, params.height)
        }
    };
    if samples_per_side == 1 && !params.colouring.mode.needs_derivative() {
        let one = Params { colouring: crate::Colouring { antialias: 1, ..params.colouring }, ..*params };
        return crate::write_png_window(&one, window, options, control, depth, out);
    }
    let started = Instant::now();
    let grids = sample_offsets(samples_per_side)
        .into_iter()
        .map(|offset| SampleGrid::new(params, window, offset, options))
        .collect::<Result<Vec<_>, _>>()?;
    let (width, height) = (window.width as usize, window.height as usize);
    control.start(window.pixels() * grids.len() as u64);
    let chunk_rows = (STREAM_CHUNK_PIXELS / width).clamp(1, height);
    let mut counts = vec![0u32; chunk_rows * width];
    let mut norms = vec![0f32; chunk_rows * width];
    let derivative = params.colouring.mode.needs_derivative();
    let mut derivatives = vec![[0f32; 2]; if derivative { chunk_rows * width } else { 0 }];
    let mut channels = vec![[0f32; 3]; chunk_rows * width];
    let mut iterations = 0;
    let mut compute = Duration::ZERO;
    let (sha256, bytes) = stream_png(out, [window.width, window.height], depth, chunk_rows, |row, rows, out| {
        let n = rows * width;
        let mut sum = ColourSum::new(n);
        for grid in &grids {
            let t = Instant::now();
            let d = if derivative { &mut derivatives[..n] } else { &mut [][..] };
            iterations += grid.compute_rows(row..row + rows, &mut counts[..n], &mut norms[..n], d, control)?;
            compute += t.elapsed();
            let values = Values {
                counts: &counts[..n],
                norms: &norms[..n],
                derivatives: derivative.then(|| &derivatives[..n]),
                scale: grid.setup.smooth_scale(),
            };
            values.channels(&params.colouring, &mut channels[..n]);
            sum.add(&channels[..n]);
        }
        sum.quantise(out, depth);
        Ok(())
    })?;
    Ok(PngSummary {
        sha256,
        bytes,
        iterations,
        kernel: grids.first().map_or_else(crate::KernelPath::detect, |g| g.path),
        compute,
        total: started.elapsed(),
    })
}
