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
    /// `u = z / z'` at escape per pixel, in pixels, for the colouring modes beyond escape
    /// time ([`crate::shading`]) — or, when `stripes` is set, the stripe average as
    /// `[value, 0]`; empty when the render tracked neither.
    derivatives: Vec<[f32; 2]>,
    /// The pair plane holds stripe averages ([`crate::ColouringMode::Stripes`]), not `u`.
    stripes: bool,
    /// Constants that turn (count, |z|²) into a smooth value for this render's kind.
    scale: SmoothScale,
}

impl EscapeBuffer {
    /// A buffer of `width` × `height` interior pixels.
    pub fn new(width: u32, height: u32, scale: SmoothScale) -> Self {
        let n = width as usize * height as usize;
        Self { width, height, counts: vec![0; n], norms: vec![-1.0; n], derivatives: Vec::new(), stripes: false, scale }
    }

    /// Resizes to `width` × `height` for a new render, keeping the allocation; pixel
    /// values are left for the render to overwrite.
    pub(crate) fn reset(&mut self, width: u32, height: u32, scale: SmoothScale) {
        let n = width as usize * height as usize;
        self.counts.resize(n, 0);
        self.norms.resize(n, -1.0);
        self.derivatives.clear();
        self.stripes = false;
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

    /// `u = z / z'` per pixel (in pixels) when the render tracked the derivative, which
    /// the distance and lighting colourings need; `None` otherwise.
    pub fn derivatives(&self) -> Option<&[[f32; 2]]> {
        (!self.derivatives.is_empty()).then_some(self.derivatives.as_slice())
    }

    /// Whether the pair plane ([`EscapeBuffer::derivatives`]) holds stripe averages
    /// rather than `u = z / z'`.
    pub fn holds_stripes(&self) -> bool {
        self.stripes
    }

    /// Marks what the pair plane holds (kernels that fill it say which).
    pub(crate) fn set_holds_stripes(&mut self, stripes: bool) {
        self.stripes = stripes;
    }

    /// The pair plane when it holds what colouring `mode` reads: `u` for distance and
    /// lighting, stripe averages for stripes; `None` in escape mode, without a plane, or
    /// when it holds the other kind (the picture must be rendered again for `mode`).
    pub fn pair_for(&self, mode: crate::ColouringMode) -> Option<&[[f32; 2]]> {
        let matches = mode.needs_derivative() && (mode == crate::ColouringMode::Stripes) == self.stripes;
        self.derivatives().filter(|_| matches)
    }

    /// All three planes, the derivative plane sized to the buffer (created if absent), for
    /// kernels that track the derivative and for pixel reuse.
    pub fn planes_with_derivatives_mut(&mut self) -> (&mut [u32], &mut [f32], &mut [[f32; 2]]) {
        self.derivatives.resize(self.counts.len(), [0.0; 2]);
        (&mut self.counts, &mut self.norms, &mut self.derivatives)
    }

    /// Drops the derivative plane (a render that did not track it keeps none).
    pub fn drop_derivatives(&mut self) {
        self.derivatives.clear();
    }

    /// Whether the pixel never escaped.
    pub fn is_interior(&self, x: u32, y: u32) -> bool {
        let i = y as usize * self.width as usize + x as usize;
        self.norms.get(i).is_some_and(|s| *s < 0.0)
    }

    /// The planes as colouring in `mode` reads them (a pair plane of the other kind is
    /// left out: those pixels get their escape colours).
    pub(crate) fn values(&self, mode: crate::ColouringMode) -> Values<'_> {
        Values { counts: &self.counts, norms: &self.norms, derivatives: self.pair_for(mode), scale: self.scale }
    }

    /// 8-bit RGB, 3 bytes per pixel, row-major.
    pub fn to_rgb8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![0u8; self.counts.len() * 3];
        self.values(colouring.mode).rgb8(colouring, &mut out);
        out
    }

    /// 8-bit RGBA (opaque), 4 bytes per pixel, row-major: what GUI textures take.
    pub fn to_rgba8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![0u8; self.counts.len() * 4];
        self.values(colouring.mode).paint(&mut out, 4, |c, s, n, u, px| {
            px[..3].copy_from_slice(&colouring.rgb8_at(c, s, n, u));
            px[3] = 255;
        });
        out
    }

    /// Colour channels (0..=1) of every pixel, row-major: what antialiasing averages.
    pub fn to_channels(&self, colouring: &Colouring) -> Vec<[f32; 3]> {
        let mut out = vec![[0.0; 3]; self.counts.len()];
        self.values(colouring.mode).channels(colouring, &mut out);
        out
    }
}

/// A run of pixels' values, borrowed: escape counts, |z|² and, when tracked, `u = z / z'`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Values<'a> {
    pub(crate) counts: &'a [u32],
    pub(crate) norms: &'a [f32],
    pub(crate) derivatives: Option<&'a [[f32; 2]]>,
    pub(crate) scale: SmoothScale,
}

/// Pixels coloured per parallel task.
const CHUNK: usize = 4096;

impl Values<'_> {
    /// Colours pixels in parallel: `paint(count, smooth, norm, u, bytes_of_pixel)` for
    /// each pixel.
    pub(crate) fn paint(
        &self,
        out: &mut [u8],
        bytes_per_pixel: usize,
        paint: impl Fn(u32, f32, f32, Option<[f32; 2]>, &mut [u8]) + Sync,
    ) {
        let scale = self.scale;
        let chunks = out.par_chunks_mut(bytes_per_pixel * CHUNK).zip(self.counts.par_chunks(CHUNK));
        let chunks = chunks.zip(self.norms.par_chunks(CHUNK)).enumerate();
        chunks.for_each(|(k, ((o, c), n))| {
            let u = self.derivatives.and_then(|d| d.get(k * CHUNK..k * CHUNK + c.len()));
            for (i, ((px, &count), &norm)) in o.chunks_exact_mut(bytes_per_pixel).zip(c).zip(n).enumerate() {
                paint(count, scale.smooth(count, norm), norm, u.map(|u| u[i]), px);
            }
        });
    }

    /// Colours into 8-bit RGB (`out.len() == 3 * counts.len()`).
    pub(crate) fn rgb8(&self, colouring: &Colouring, out: &mut [u8]) {
        self.paint(out, 3, |c, s, n, u, px| px.copy_from_slice(&colouring.rgb8_at(c, s, n, u)));
    }

    /// Colours into 16-bit big-endian RGB (`out.len() == 6 * counts.len()`), PNG's byte
    /// order.
    pub(crate) fn rgb16_be(&self, colouring: &Colouring, out: &mut [u8]) {
        self.paint(out, 6, |c, s, n, u, px| {
            for (k, v) in colouring.rgb16_at(c, s, n, u).into_iter().enumerate() {
                px[2 * k..2 * k + 2].copy_from_slice(&v.to_be_bytes());
            }
        });
    }

    /// Colour channels in 0..=1 (`out.len() == counts.len()`).
    pub(crate) fn channels(&self, colouring: &Colouring, out: &mut [[f32; 3]]) {
        let scale = self.scale;
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(k, o)| {
            let start = k * CHUNK;
            for (i, px) in o.iter_mut().enumerate() {
                let j = start + i;
                let (count, norm) = (self.counts[j], self.norms[j]);
                let u = self.derivatives.map(|d| d[j]);
                *px = colouring.channels_at(count, scale.smooth(count, norm), norm, u);
            }
        });
    }
}

/// Colours into 8-bit RGB (`out.len() == 3 * counts.len()`).
pub(crate) fn colour_rgb8(counts: &[u32], norms: &[f32], scale: SmoothScale, colouring: &Colouring, out: &mut [u8]) {
    Values { counts, norms, derivatives: None, scale }.rgb8(colouring, out);
}

/// Colours into 16-bit big-endian RGB (`out.len() == 6 * counts.len()`), PNG's byte order.
pub(crate) fn colour_rgb16_be(
    counts: &[u32],
    norms: &[f32],
    scale: SmoothScale,
    colouring: &Colouring,
    out: &mut [u8],
) {
    Values { counts, norms, derivatives: None, scale }.rgb16_be(colouring, out);
}
