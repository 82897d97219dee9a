//! Colouring on the explorer's side: the engine's palettes plus gradients loaded from
//! palette files, applied to escape counts and smooth values the worker keeps.
//!
//! Pictures keep their smooth escape values, so any change of palette, offset, cycle
//! length or interior colour (and the cycling animation) only recolours: a lookup per
//! pixel, never an iteration.

mod gradient;

use std::sync::Arc;

use faafo_engine::{Colouring, ColouringMode, EscapeBuffer, Palette};
pub use gradient::{ColourError, Gradient, GradientError, GradientSpec, Stop, parse_hex_colour};
use rayon::prelude::*;

/// Everything that decides colours: the engine's colouring (palette, offset, cycle,
/// interior) and, when a palette file is loaded, its gradient instead of the palette.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Look {
    /// Palette, offset, cycle length, interior colour.
    pub colouring: Colouring,
    /// A loaded gradient that replaces `colouring.palette`.
    pub custom: Option<Arc<Gradient>>,
}

impl Look {
    /// The 8-bit colour of a pixel with escape `count` and `smooth` value (< 0 inside).
    #[inline]
    pub fn rgb(&self, count: u32, smooth: f32) -> [u8; 3] {
        let c = &self.colouring;
        match &self.custom {
            None => c.rgb8(count, smooth),
            Some(g) => {
                if smooth < 0.0 {
                    return c.interior;
                }
                let pos = (smooth / c.cycle_iterations + c.offset).rem_euclid(1.0);
                g.channels(pos).map(|v| (v * 255.0 + 0.5) as u8)
            }
        }
    }

    /// Colour channels in 0..=1 of a pixel's escape colour (`smooth` < 0 inside): what
    /// [`Look::rgb`] rounds, kept unrounded for averaging samples.
    #[inline]
    pub fn channels(&self, count: u32, smooth: f32) -> [f32; 3] {
        let c = &self.colouring;
        match &self.custom {
            None => c.channels(count, smooth),
            Some(_) if smooth < 0.0 => c.interior.map(|v| f32::from(v) / 255.0),
            Some(g) => g.channels((smooth / c.cycle_iterations + c.offset).rem_euclid(1.0)),
        }
    }

    /// [`Look::channels`] shaded by the colouring mode when the pixel's `u = z / z'` was
    /// kept (distance, lighting; stripes from the stripe average), as
    /// [`Colouring::channels_at`] does for engine palettes.
    #[inline]
    pub fn channels_at(&self, count: u32, smooth: f32, norm: f32, u: Option<[f32; 2]>) -> [f32; 3] {
        let base = self.channels(count, smooth);
        match u {
            Some(u) if self.needs_derivative() => self.shade_channels(base, norm, u),
            _ => base,
        }
    }

    /// [`Colouring::shade`] with this look's gradient: stripes take their colour from it.
    #[inline]
    fn shade_channels(&self, base: [f32; 3], norm: f32, u: [f32; 2]) -> [f32; 3] {
        let c = &self.colouring;
        match c.mode {
            ColouringMode::Stripes if norm >= 0.0 && self.custom.is_some() => {
                self.channels((u[0] * 255.0) as u32, u[0] * c.cycle_iterations)
            }
            _ => c.shade(base, norm, u),
        }
    }

    /// Colours a picture in parallel into `out` (same length as `counts`).
    pub fn paint(&self, counts: &[u32], smooth: &[f32], out: &mut [egui::Color32]) {
        const CHUNK: usize = 8192;
        let painter = self.painter();
        out.par_chunks_mut(CHUNK).zip(counts.par_chunks(CHUNK).zip(smooth.par_chunks(CHUNK))).for_each(
            |(o, (c, s))| {
                for ((px, &count), &sm) in o.iter_mut().zip(c).zip(s) {
                    *px = painter.colour(count, sm);
                }
            },
        );
    }

    /// Smooth values and colours of a whole picture in one parallel pass (each pixel's
    /// count and |z|² read once, both outputs written while they are in cache), shaded by
    /// the colouring mode when the picture keeps the derivative. `smooth` is resized.
    pub fn smooth_and_paint(&self, buffer: &EscapeBuffer, smooth: &mut Vec<f32>) -> Vec<egui::Color32> {
        const CHUNK: usize = 8192;
        let scale = buffer.smooth_scale();
        let n = buffer.counts().len();
        smooth.resize(n, -1.0);
        let mut pixels = vec![egui::Color32::BLACK; n];
        let painter = self.painter();
        pixels
            .par_chunks_mut(CHUNK)
            .zip(smooth.par_chunks_mut(CHUNK))
            .zip(buffer.counts().par_chunks(CHUNK).zip(buffer.norms().par_chunks(CHUNK)))
            .for_each(|((px, sm), (c, nm))| {
                for (((p, s), &count), &norm) in px.iter_mut().zip(sm.iter_mut()).zip(c).zip(nm) {
                    *s = scale.smooth(count, norm);
                    *p = painter.colour(count, *s);
                }
            });
        self.shade(buffer, &mut pixels);
        pixels
    }

    /// Colours a picture (escape values, its smooth values) into `out`, shaded by the
    /// colouring mode when the picture keeps the derivative: what recolouring does.
    pub fn paint_buffer(&self, buffer: &EscapeBuffer, smooth: &[f32], out: &mut [egui::Color32]) {
        self.paint(buffer.counts(), smooth, out);
        self.shade(buffer, out);
    }

    /// Applies distance, lighting or stripes to escape colours `pixels` of `buffer`;
    /// nothing in escape mode or without the pair plane the mode reads.
    fn shade(&self, buffer: &EscapeBuffer, pixels: &mut [egui::Color32]) {
        const CHUNK: usize = 8192;
        let c = &self.colouring;
        let Some(derivatives) = buffer.pair_for(c.mode) else { return };
        pixels.par_chunks_mut(CHUNK).zip(buffer.norms().par_chunks(CHUNK).zip(derivatives.par_chunks(CHUNK))).for_each(
            |(px, (nm, du))| {
                for ((p, &norm), &u) in px.iter_mut().zip(nm).zip(du) {
                    let base = [p.r(), p.g(), p.b()].map(|v| f32::from(v) / 255.0);
                    let [r, g, b] = self.shade_channels(base, norm, u).map(|v| (v * 255.0 + 0.5) as u8);
                    *p = egui::Color32::from_rgb(r, g, b);
                }
            },
        );
    }

    /// Whether pictures in this look need the orbit kernel's pair plane (the derivative
    /// for distance and lighting, the stripe average for stripes).
    pub fn needs_derivative(&self) -> bool {
        self.colouring.mode.needs_derivative()
    }

    /// A table-driven painter for this look (see [`Painter`]).
    pub fn painter(&self) -> Painter {
        let c = &self.colouring;
        if self.custom.is_none() && c.palette == Palette::Classic {
            return Painter::Classic(*c);
        }
        // One cycle sampled at TABLE positions: the colour at position p is what the
        // exact path gives with the offset set to p and a smooth value of 0.
        let table = (0..TABLE)
            .map(|k| {
                let at = k as f32 / TABLE as f32;
                let sample = Look { colouring: Colouring { offset: at, ..*c }, custom: self.custom.clone() };
                let [r, g, b] = sample.rgb(0, 0.0);
                egui::Color32::from_rgb(r, g, b)
            })
            .collect();
        let [r, g, b] = c.interior;
        Painter::Table {
            table,
            inv_cycle: 1.0 / c.cycle_iterations,
            offset: c.offset.rem_euclid(1.0),
            interior: egui::Color32::from_rgb(r, g, b),
        }
    }

    /// A strip one cycle long, for the palette picker.
    pub fn preview_strip(&self, width: usize, height: usize) -> egui::ColorImage {
        let cycle = self.colouring.cycle_iterations;
        let row: Vec<egui::Color32> = (0..width)
            .map(|x| {
                let [r, g, b] = self.rgb(x as u32, x as f32 / width as f32 * cycle);
                egui::Color32::from_rgb(r, g, b)
            })
            .collect();
        let pixels = (0..height).flat_map(|_| row.iter().copied()).collect();
        egui::ColorImage::new([width, height], pixels)
    }

    /// Name of the palette in use.
    pub fn palette_name(&self) -> String {
        match &self.custom {
            Some(g) => format!("{} (file)", g.name()),
            None => self.colouring.palette.name().to_owned(),
        }
    }

    /// This look with an engine palette chosen (dropping a loaded gradient).
    pub fn with_palette(&self, palette: Palette) -> Self {
        Self { colouring: Colouring { palette, ..self.colouring }, custom: None }
    }
}

/// Positions per cycle in a [`Painter`]'s table: neighbouring entries of every built-in
/// gradient differ by at most one 8-bit step, so the table's nearest entry is within a
/// step of the exact colour.
const TABLE: usize = 4096;

/// Colours pixels fast: for gradients, one multiply, one truncation and one table load per
/// pixel instead of the exact path's wrap-around division and interpolation (several
/// times faster, which is what lets colour cycling and full-HD pictures keep up).
/// Colours are within one 8-bit step of [`Look::rgb`]; saved images use the exact path.
#[derive(Debug, Clone)]
pub enum Painter {
    /// The original faafo palette: a function of the escape count alone.
    Classic(Colouring),
    /// A gradient sampled over one cycle.
    Table {
        /// `TABLE` colours over one cycle, starting at position 0.
        table: Vec<egui::Color32>,
        /// 1 / iterations per cycle.
        inv_cycle: f32,
        /// Palette offset in 0..1.
        offset: f32,
        /// Colour of points that never escape.
        interior: egui::Color32,
    },
}

impl Painter {
    /// The colour of a pixel with escape `count` and `smooth` value (< 0 inside).
    #[inline]
    pub fn colour(&self, count: u32, smooth: f32) -> egui::Color32 {
        match self {
            Self::Classic(c) => {
                let [r, g, b] = c.rgb8(count, smooth);
                egui::Color32::from_rgb(r, g, b)
            }
            Self::Table { table, inv_cycle, offset, interior } => {
                if smooth < 0.0 {
                    return *interior;
                }
                // Both terms are ≥ 0, so truncation is floor.
                let t = smooth * inv_cycle + offset;
                let frac = t - (t as u32) as f32;
                let k = ((frac * TABLE as f32) as usize).min(TABLE - 1);
                table[k]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    const SUNSET: &str = r##"
name = "sunset"
[[stop]]
at = 0.0
colour = "#000000"
[[stop]]
at = 0.5
colour = "#ff0000"
"##;

    #[test]
    fn palette_file_parses_and_colours() {
        let g = Gradient::parse(SUNSET).unwrap();
        assert_eq!(g.name(), "sunset");
        let look = Look {
            colouring: Colouring { cycle_iterations: 100.0, ..Colouring::default() },
            custom: Some(Arc::new(g)),
        };
        assert_eq!(look.rgb(0, 0.0), [0, 0, 0]);
        assert_eq!(look.rgb(0, 50.0), [255, 0, 0]);
        assert_eq!(look.rgb(0, 25.0), [128, 0, 0]);
        // Wraps back to black at the end of the cycle, through the last stop's red.
        assert_eq!(look.rgb(0, 75.0), [128, 0, 0]);
        assert_eq!(look.rgb(7, -1.0), [0, 0, 0], "interior colour");
    }

    #[test]
    fn the_table_painter_is_within_a_step_of_the_exact_colours() {
        let sunset = Arc::new(Gradient::parse(SUNSET).unwrap());
        let mut looks: Vec<Look> = Palette::ALL
            .into_iter()
            .map(|p| Look { colouring: Colouring { palette: p, offset: 0.3, ..Colouring::default() }, custom: None })
            .collect();
        looks.push(Look { colouring: Colouring::default(), custom: Some(sunset) });
        for look in looks {
            let painter = look.painter();
            for i in 0..20_000 {
                let smooth = i as f32 * 0.0371;
                let count = smooth as u32;
                let exact = look.rgb(count, smooth);
                let fast = painter.colour(count, smooth);
                let diff = [fast.r(), fast.g(), fast.b()]
                    .iter()
                    .zip(exact)
                    .map(|(a, b)| (i32::from(*a) - i32::from(b)).abs())
                    .max()
                    .unwrap_or(0);
                assert!(diff <= 2, "{}: {diff} steps apart at smooth {smooth}", look.palette_name());
            }
            let inside = painter.colour(5, -1.0);
            let [r, g, b] = look.rgb(5, -1.0);
            assert_eq!(inside, egui::Color32::from_rgb(r, g, b));
        }
    }

    #[test]
    fn engine_palettes_match_the_engine() {
        let look = Look::default();
        for (count, smooth) in [(3, 3.4), (100, 99.9), (5, -1.0)] {
            assert_eq!(look.rgb(count, smooth), Colouring::default().rgb8(count, smooth));
        }
        let mut out = vec![egui::Color32::TRANSPARENT; 3];
        look.paint(&[1, 2, 3], &[1.0, 2.0, -1.0], &mut out);
        assert_eq!(out[2], egui::Color32::BLACK);
        assert_eq!(look.preview_strip(16, 2).size, [16, 2]);
    }
}
