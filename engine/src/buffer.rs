//! Per-pixel escape values: what a render computes, before any colour is chosen.

use rayon::prelude::*;

use crate::kernel::SmoothScale;
use crate::palette::Colouring;

/// Escape counts and |z|² at escape of every pixel, row-major, top row first (at `yb`, or at `ya` for
/// `classic`: see [`crate::Orientation`]).
/// The smooth (continuous) escape value is derived from these on demand
/// ([`EscapeBuffer::smooth_at`]), so recolouring never recomputes.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeBuffer {
    width: u32,
    height: u32,
    /// Escape index per pixel; `iterations - 1` for interior points.
    counts: Vec<u32>,
    /// |z|² at escape per pixel; negative for interior points.
    norms: Vec<f32>,
    /// Constants that turn (count, |z|²) into a smooth value for this render's kind.
    scale: SmoothScale,
}

impl EscapeBuffer {
    /// A buffer of `width` × `height` interior pixels.
    pub fn new(width: u32, height: u32, scale: SmoothScale) -> Self {
        let n = width as usize * height as usize;
        Self { width, height, counts: vec![0; n], norms: vec![-1.0; n], scale }
    }

    /// Resizes to `width` × `height` for a new render, keeping the allocation; pixel
    /// values are left for the render to overwrite.
    pub(crate) fn reset(&mut self, width: u32, height: u32, scale: SmoothScale) {
        let n = width as usize * height as usize;
        self.counts.resize(n, 0);
        self.norms.resize(n, -1.0);
        self.width = width;
        self.height = height;
        self.scale = scale;
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Escape counts, row-major.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// |z|² at escape, row-major (negative = interior).
    pub fn norms(&self) -> &[f32] {
        &self.norms
    }

    /// The smooth-value constants of this render.
    pub fn smooth_scale(&self) -> SmoothScale {
        self.scale
    }

    /// Smooth escape value of pixel `i` (row-major); negative for interior points.
    pub fn smooth_at(&self, i: usize) -> f32 {
        match (self.counts.get(i), self.norms.get(i)) {
            (Some(&c), Some(&n)) => self.scale.smooth(c, n),
            _ => -1.0,
        }
    }

    /// Mutable access to both planes, for kernels and pixel reuse.
    pub fn planes_mut(&mut self) -> (&mut [u32], &mut [f32]) {
        (&mut self.counts, &mut self.norms)
    }

    /// Whether the pixel never escaped.
    pub fn is_interior(&self, x: u32, y: u32) -> bool {
        let i = y as usize * self.width as usize + x as usize;
        self.norms.get(i).is_some_and(|s| *s < 0.0)
    }

    /// 8-bit RGB, 3 bytes per pixel, row-major.
    pub fn to_rgb8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![0u8; self.counts.len() * 3];
        colour_rgb8(&self.counts, &self.norms, self.scale, colouring, &mut out);
        out
    }

    /// 8-bit RGBA (opaque), 4 bytes per pixel, row-major: what GUI textures take.
    pub fn to_rgba8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![0u8; self.counts.len() * 4];
        colour(&self.counts, &self.norms, self.scale, &mut out, 4, |c, s, px| {
            px[..3].copy_from_slice(&colouring.rgb8(c, s));
            px[3] = 255;
        });
        out
    }
}

/// Colours pixels in parallel: `paint(count, smooth, bytes_of_pixel)` for each pixel.
pub(crate) fn colour(
    counts: &[u32],
    norms: &[f32],
    scale: SmoothScale,
    out: &mut [u8],
    bytes_per_pixel: usize,
    paint: impl Fn(u32, f32, &mut [u8]) + Sync,
) {
    const CHUNK: usize = 4096;
    out.par_chunks_mut(bytes_per_pixel * CHUNK).zip(counts.par_chunks(CHUNK).zip(norms.par_chunks(CHUNK))).for_each(
        |(o, (c, n))| {
            for ((px, &count), &norm) in o.chunks_exact_mut(bytes_per_pixel).zip(c).zip(n) {
                paint(count, scale.smooth(count, norm), px);
            }
        },
    );
}

/// Colours into 8-bit RGB (`out.len() == 3 * counts.len()`).
pub(crate) fn colour_rgb8(counts: &[u32], norms: &[f32], scale: SmoothScale, colouring: &Colouring, out: &mut [u8]) {
    colour(counts, norms, scale, out, 3, |c, s, px| px.copy_from_slice(&colouring.rgb8(c, s)));
}

/// Colours into 16-bit big-endian RGB (`out.len() == 6 * counts.len()`), PNG's byte order.
pub(crate) fn colour_rgb16_be(
    counts: &[u32],
    norms: &[f32],
    scale: SmoothScale,
    colouring: &Colouring,
    out: &mut [u8],
) {
    colour(counts, norms, scale, out, 6, |c, s, px| {
        for (k, v) in colouring.rgb16(c, s).into_iter().enumerate() {
            px[2 * k..2 * k + 2].copy_from_slice(&v.to_be_bytes());
        }
    });
}
