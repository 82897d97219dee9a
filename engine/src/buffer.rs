//! Per-pixel escape values: what a render computes, before any colour is chosen.

use rayon::prelude::*;

use crate::palette::Colouring;

/// Escape counts and smooth values of every pixel, row-major, row 0 first (at `ya`).
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeBuffer {
    width: u32,
    height: u32,
    /// Escape index per pixel; `iterations - 1` for interior points.
    counts: Vec<u32>,
    /// Continuous escape value per pixel; negative for interior points.
    smooth: Vec<f32>,
}

impl EscapeBuffer {
    /// A buffer of `width` × `height` interior pixels.
    pub fn new(width: u32, height: u32) -> Self {
        let n = width as usize * height as usize;
        Self {
            width,
            height,
            counts: vec![0; n],
            smooth: vec![-1.0; n],
        }
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

    /// Smooth escape values, row-major (negative = interior).
    pub fn smooth(&self) -> &[f32] {
        &self.smooth
    }

    /// Mutable access to both planes, for kernels and pixel reuse.
    pub fn planes_mut(&mut self) -> (&mut [u32], &mut [f32]) {
        (&mut self.counts, &mut self.smooth)
    }

    /// Whether the pixel never escaped.
    pub fn is_interior(&self, x: u32, y: u32) -> bool {
        let i = y as usize * self.width as usize + x as usize;
        self.smooth.get(i).is_some_and(|s| *s < 0.0)
    }

    /// 8-bit RGB, 3 bytes per pixel, row-major.
    pub fn to_rgb8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![0u8; self.counts.len() * 3];
        colour_rgb8(&self.counts, &self.smooth, colouring, &mut out);
        out
    }

    /// 8-bit RGBA (opaque), 4 bytes per pixel, row-major: what GUI textures take.
    pub fn to_rgba8(&self, colouring: &Colouring) -> Vec<u8> {
        let mut out = vec![255u8; self.counts.len() * 4];
        out.par_chunks_mut(4 * 4096)
            .zip(
                self.counts
                    .par_chunks(4096)
                    .zip(self.smooth.par_chunks(4096)),
            )
            .for_each(|(o, (c, s))| {
                for ((px, &count), &sm) in o.chunks_exact_mut(4).zip(c).zip(s) {
                    px[..3].copy_from_slice(&colouring.rgb8(count, sm));
                }
            });
        out
    }
}

/// Colours escape values into 8-bit RGB (`out.len() == 3 * counts.len()`), in parallel.
pub(crate) fn colour_rgb8(counts: &[u32], smooth: &[f32], colouring: &Colouring, out: &mut [u8]) {
    const CHUNK: usize = 4096;
    out.par_chunks_mut(3 * CHUNK)
        .zip(counts.par_chunks(CHUNK).zip(smooth.par_chunks(CHUNK)))
        .for_each(|(o, (c, s))| {
            for ((px, &count), &sm) in o.chunks_exact_mut(3).zip(c).zip(s) {
                px.copy_from_slice(&colouring.rgb8(count, sm));
            }
        });
}

/// Colours escape values into 16-bit big-endian RGB (`out.len() == 6 * counts.len()`),
/// the byte order PNG stores.
pub(crate) fn colour_rgb16_be(
    counts: &[u32],
    smooth: &[f32],
    colouring: &Colouring,
    out: &mut [u8],
) {
    const CHUNK: usize = 4096;
    out.par_chunks_mut(6 * CHUNK)
        .zip(counts.par_chunks(CHUNK).zip(smooth.par_chunks(CHUNK)))
        .for_each(|(o, (c, s))| {
            for ((px, &count), &sm) in o.chunks_exact_mut(6).zip(c).zip(s) {
                let rgb = colouring.rgb16(count, sm);
                for (k, v) in rgb.into_iter().enumerate() {
                    px[2 * k..2 * k + 2].copy_from_slice(&v.to_be_bytes());
                }
            }
        });
}
