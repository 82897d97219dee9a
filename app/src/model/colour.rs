//! Colouring on the explorer's side: the engine's palettes plus gradients loaded from
//! palette files, applied to escape counts and smooth values the worker keeps.
//!
//! Pictures keep their smooth escape values, so any change of palette, offset, cycle
//! length or interior colour (and the cycling animation) only recolours: a lookup per
//! pixel, never an iteration.

use std::path::Path;
use std::sync::Arc;

use faafo_engine::{Colouring, ColouringMode, EscapeBuffer, Palette};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::palette_file::PaletteColouring;

/// Entries in a custom gradient's lookup table, as in the engine.
const LUT_SIZE: usize = 1024;

/// A gradient read from a palette file: `name` and two or more `[[stop]]` tables, each
/// with `at` (0 ≤ at < 1, increasing) and `colour` (`"#rrggbb"`). The gradient wraps from
/// the last stop back to the first.
///
/// ```toml
/// name = "sunset"
/// [[stop]]
/// at = 0.0
/// colour = "#1a0533"
/// [[stop]]
/// at = 0.5
/// colour = "#ff8c00"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradientSpec {
    /// Shown in the palette picker.
    pub name: String,
    /// Two or more, in increasing `at`.
    pub stop: Vec<Stop>,
    /// The colouring mode, light and band the palette was made for (see
    /// [`palette_file`](crate::model::palette_file)); absent in older files.
    #[serde(default, skip_serializing_if = "PaletteColouring::is_empty")]
    pub colouring: PaletteColouring,
}

/// One colour stop of a [`GradientSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Position along one cycle, 0 ≤ at < 1.
    pub at: f32,
    /// `#rrggbb`.
    pub colour: String,
}

/// What is wrong with a palette file.
#[derive(Debug, thiserror::Error)]
pub enum GradientError {
    /// The name is shown in the picker.
    #[error("the palette needs a non-empty name")]
    NoName,
    /// A gradient needs two stops.
    #[error("a palette needs at least 2 [[stop]] entries, got {0}")]
    TooFewStops(usize),
    /// A stop's position outside 0 ≤ at < 1 (stops count from 1).
    #[error("stop {stop}: at must be at least 0 and below 1, got {at}")]
    AtRange { stop: usize, at: f32 },
    /// Stops must increase.
    #[error("stop {stop}: at must be larger than the previous stop's ({previous}), got {at}")]
    AtOrder { stop: usize, previous: f32, at: f32 },
    /// The `[colouring]` table's mode, light or band is unusable.
    #[error("colouring: {0}")]
    Colouring(#[from] faafo_engine::ParamError),
    /// A stop's colour is not `#rrggbb`.
    #[error("stop {stop}: {source}")]
    Colour { stop: usize, source: ColourError },
    /// Not TOML of the right shape (TOML's message).
    #[error("{0}")]
    Syntax(String),
    /// The file could not be read.
    #[error("cannot read palette file {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    /// The file was read but is not usable.
    #[error("palette file {} does not parse: {source}", path.display())]
    Parse { path: std::path::PathBuf, source: Box<GradientError> },
}

/// A colour not written `#rrggbb`; the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("colour must be written #rrggbb, got '{0}'")]
pub struct ColourError(pub String);

/// A checked gradient with its lookup table.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    spec: GradientSpec,
    lut: Vec<[f32; 3]>,
}

impl Gradient {
    /// Checks `spec` and builds the table; the error names the stop that is wrong.
    pub fn new(spec: GradientSpec) -> Result<Self, GradientError> {
        if spec.name.trim().is_empty() {
            return Err(GradientError::NoName);
        }
        if spec.stop.len() < 2 {
            return Err(GradientError::TooFewStops(spec.stop.len()));
        }
        spec.colouring.validate()?;
        let mut stops = Vec::with_capacity(spec.stop.len());
        for (i, s) in spec.stop.iter().enumerate() {
            let n = i + 1;
            if !(0.0..1.0).contains(&s.at) {
                return Err(GradientError::AtRange { stop: n, at: s.at });
            }
            if let Some(&(prev, _)) = stops.last()
                && s.at <= prev
            {
                return Err(GradientError::AtOrder { stop: n, previous: prev, at: s.at });
            }
            let rgb = parse_hex_colour(&s.colour).map_err(|source| GradientError::Colour { stop: n, source })?;
            stops.push((s.at, rgb.map(f32::from)));
        }
        let lut = (0..LUT_SIZE)
            .map(|i| {
                let t = i as f32 / LUT_SIZE as f32;
                // Before the first stop, interpolate from the last one (wrapping).
                let k = stops.iter().rposition(|(p, _)| *p <= t);
                let ((p0, c0), (p1, c1)) = match k {
                    Some(k) => {
                        let next = stops.get(k + 1).copied().unwrap_or((1.0 + stops[0].0, stops[0].1));
                        (stops[k], next)
                    }
                    None => {
                        let last = stops[stops.len() - 1];
                        ((last.0 - 1.0, last.1), stops[0])
                    }
                };
                let f = if p1 > p0 { (t - p0) / (p1 - p0) } else { 0.0 };
                std::array::from_fn(|ch| (c0[ch] + (c1[ch] - c0[ch]) * f) / 255.0)
            })
            .collect();
        Ok(Self { spec, lut })
    }

    /// Parses a palette file's text.
    pub fn parse(text: &str) -> Result<Self, GradientError> {
        let spec: GradientSpec = toml::from_str(text).map_err(|e| GradientError::Syntax(e.message().to_string()))?;
        Self::new(spec)
    }

    /// Reads and parses a palette file; the error starts with the path.
    pub fn load(path: &Path) -> Result<Self, GradientError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| GradientError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text).map_err(|e| GradientError::Parse { path: path.to_path_buf(), source: Box::new(e) })
    }

    /// The name from the file.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What to persist.
    pub fn spec(&self) -> &GradientSpec {
        &self.spec
    }

    fn channels(&self, pos: f32) -> [f32; 3] {
        let pos = pos * LUT_SIZE as f32;
        let i0 = (pos as usize).min(LUT_SIZE - 1);
        let i1 = (i0 + 1) % LUT_SIZE;
        let f = pos - i0 as f32;
        let (a, b) = (self.lut[i0], self.lut[i1]);
        std::array::from_fn(|ch| a[ch] + (b[ch] - a[ch]) * f)
    }
}

/// `#rrggbb` (or `rrggbb`) to bytes.
pub fn parse_hex_colour(text: &str) -> Result<[u8; 3], ColourError> {
    let hex = text.trim().trim_start_matches('#');
    let bad = || ColourError(text.to_owned());
    if hex.len() != 6 || !hex.is_ascii() {
        return Err(bad());
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

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
    fn bad_palette_files_are_explained() {
        for (text, want) in [
            ("name = ", "string"),
            ("name = \"x\"\n[[stop]]\nat = 0.0\ncolour = \"#000000\"", "at least 2"),
            (
                "name = \"x\"\n[[stop]]\nat = 0.0\ncolour = \"#00000\"\n[[stop]]\nat = 0.5\ncolour = \"#ffffff\"",
                "stop 1: colour",
            ),
            (
                "name = \"x\"\n[[stop]]\nat = 0.5\ncolour = \"#000000\"\n[[stop]]\nat = 0.2\ncolour = \"#ffffff\"",
                "stop 2: at must be larger",
            ),
            (
                "name = \"x\"\n[[stop]]\nat = 1.5\ncolour = \"#000000\"\n[[stop]]\nat = 0.2\ncolour = \"#ffffff\"",
                "stop 1: at must be",
            ),
            ("name = \"x\"\nstops = []", "unknown field"),
            ("\u{0}binary", ""),
        ] {
            let e = Gradient::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = Gradient::load(Path::new("/nonexistent/p.toml")).unwrap_err().to_string();
        assert!(e.starts_with("cannot read palette file /nonexistent/p.toml"), "{e}");
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
