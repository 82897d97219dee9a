//! Turning escape values into colours.
//!
//! Colouring is separate from computing: a render keeps per-pixel escape counts and
//! smooth (continuous) escape values in an [`crate::EscapeBuffer`], so changing the
//! palette, its offset or cycle length only recolours, it never iterates again. The
//! [`ColouringMode`]s beyond escape time shade that colour with values kept next to the
//! escape values (see [`crate::shading`]).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::error::{ParamError, parse_name};
use crate::shading::{self, ColouringMode, Light};

/// Entries in each gradient's lookup table; enough that neighbouring entries differ by
/// less than one 8-bit step for every built-in gradient.
const LUT_SIZE: usize = 1024;

/// A named colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Palette {
    /// The original faafo worker's colours, from the integer escape count `i`:
    /// `((i mod 8)·32, (i mod 16)·16, (i mod 32)·8)`. Interior points get the colour of
    /// `iterations − 1`, as in the original.
    Classic,
    /// Deep blue, white and gold; the well-known "Ultra Fractal" look.
    #[default]
    Ultra,
    /// Black, red, orange, yellow, white.
    Fire,
    /// Navy, teal, foam.
    Ocean,
    /// Black to white and back.
    Grayscale,
    /// A smooth hue cycle.
    Rainbow,
}

impl Palette {
    /// Every palette, in menu order.
    pub const ALL: [Self; 6] = [Self::Ultra, Self::Fire, Self::Ocean, Self::Grayscale, Self::Rainbow, Self::Classic];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Ultra => "ultra",
            Self::Fire => "fire",
            Self::Ocean => "ocean",
            Self::Grayscale => "grayscale",
            Self::Rainbow => "rainbow",
        }
    }

    /// Gradient stops `(position in 0..=1, [r, g, b] in 0..=255)`; the gradient wraps
    /// from the last stop back to the first.
    fn stops(self) -> &'static [(f32, [f32; 3])] {
        match self {
            Self::Classic | Self::Ultra => &[
                (0.0, [0.0, 7.0, 100.0]),
                (0.16, [32.0, 107.0, 203.0]),
                (0.42, [237.0, 255.0, 255.0]),
                (0.6425, [255.0, 170.0, 0.0]),
                (0.8575, [0.0, 2.0, 0.0]),
            ],
            Self::Fire => &[
                (0.0, [0.0, 0.0, 0.0]),
                (0.25, [180.0, 20.0, 0.0]),
                (0.5, [255.0, 140.0, 0.0]),
                (0.7, [255.0, 230.0, 60.0]),
                (0.85, [255.0, 255.0, 230.0]),
            ],
            Self::Ocean => &[
                (0.0, [2.0, 12.0, 40.0]),
                (0.35, [0.0, 105.0, 148.0]),
                (0.6, [72.0, 202.0, 228.0]),
                (0.8, [230.0, 250.0, 255.0]),
            ],
            Self::Grayscale => &[(0.0, [0.0, 0.0, 0.0]), (0.5, [255.0, 255.0, 255.0])],
            Self::Rainbow => &[
                (0.0, [255.0, 0.0, 0.0]),
                (1.0 / 6.0, [255.0, 255.0, 0.0]),
                (2.0 / 6.0, [0.0, 255.0, 0.0]),
                (3.0 / 6.0, [0.0, 255.0, 255.0]),
                (4.0 / 6.0, [0.0, 0.0, 255.0]),
                (5.0 / 6.0, [255.0, 0.0, 255.0]),
            ],
        }
    }

    /// The gradient as a lookup table of linear 0..=1 channel values, built once.
    fn lut(self) -> &'static [[f32; 3]] {
        static LUTS: [OnceLock<Vec<[f32; 3]>>; 6] = [const { OnceLock::new() }; 6];
        let slot = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        LUTS[slot].get_or_init(|| build_lut(self.stops()))
    }
}

fn build_lut(stops: &[(f32, [f32; 3])]) -> Vec<[f32; 3]> {
    (0..LUT_SIZE)
        .map(|i| {
            let t = i as f32 / LUT_SIZE as f32;
            // The stop at or before t, and the next one (wrapping to the first + 1.0).
            let k = stops.iter().rposition(|(p, _)| *p <= t).unwrap_or(0);
            let (p0, c0) = stops[k];
            let (p1, c1) = stops.get(k + 1).copied().unwrap_or((1.0 + stops[0].0, stops[0].1));
            let f = if p1 > p0 { (t - p0) / (p1 - p0) } else { 0.0 };
            std::array::from_fn(|ch| (c0[ch] + (c1[ch] - c0[ch]) * f) / 255.0)
        })
        .collect()
}

impl fmt::Display for Palette {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Palette {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name("palette", s, &Self::ALL, Self::name, &[("greyscale", "grayscale")])
    }
}

/// How escape values become colours.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Colouring {
    /// The colour scheme.
    pub palette: Palette,
    /// Shift along the palette, as a fraction of one cycle (animate it to cycle colours).
    pub offset: f32,
    /// Iterations per full trip through a gradient palette (ignored by `classic`).
    pub cycle_iterations: f32,
    /// Colour of points that never escape (ignored by `classic`, which colours them as
    /// the original did).
    pub interior: [u8; 3],
    /// Escape time, distance estimation or lighting (absent in older files: escape).
    pub mode: ColouringMode,
    /// The light of [`ColouringMode::Lighting`].
    pub light: Light,
    /// [`ColouringMode::Distance`]: pixels closer than this to the set fade into the
    /// interior colour.
    pub boundary_width_px: f32,
    /// Supersampling for written images: each pixel the average colour of
    /// `antialias` × `antialias` jittered samples (1 = off, up to
    /// [`crate::antialias::MAX_ANTIALIAS`]); see [`crate::antialias`]. Escape buffers
    /// hold one sample per pixel whatever this says.
    pub antialias: u32,
}

impl Default for Colouring {
    fn default() -> Self {
        Self {
            palette: Palette::Ultra,
            offset: 0.0,
            cycle_iterations: 64.0,
            interior: [0, 0, 0],
            mode: ColouringMode::Escape,
            light: Light::default(),
            boundary_width_px: 2.0,
            antialias: 1,
        }
    }
}

impl Colouring {
    /// The original faafo look.
    pub fn classic() -> Self {
        Self { palette: Palette::Classic, ..Self::default() }
    }

    /// Checks offset and cycle length.
    pub fn validate(&self) -> Result<(), ParamError> {
        if !self.offset.is_finite() {
            return Err(ParamError::NotFinite { name: "palette offset", value: f64::from(self.offset) });
        }
        if !(self.cycle_iterations.is_finite() && self.cycle_iterations >= 1.0) {
            return Err(ParamError::Unparsable {
                what: "palette cycle",
                given: self.cycle_iterations.to_string(),
                expected: "a finite number of iterations >= 1",
            });
        }
        self.light.validate()?;
        crate::antialias::check_antialias(self.antialias)?;
        shading::validate_boundary_width(self.boundary_width_px)
    }

    /// Shades `base` (channels in 0..=1, the escape colour of an exterior pixel) by this
    /// colouring's mode, given the pixel's |z|² at escape and the orbit kernel's pair:
    /// `u = z / z'` in pixels, or in stripes mode `[stripe value, 0]`.
    /// Interior pixels (`norm < 0`) and [`ColouringMode::Escape`] keep `base`.
    #[inline]
    pub fn shade(&self, base: [f32; 3], norm: f32, u: [f32; 2]) -> [f32; 3] {
        if norm < 0.0 {
            return base;
        }
        match self.mode {
            ColouringMode::Escape => base,
            ColouringMode::Distance => {
                let f = (shading::distance_px(norm, u) / self.boundary_width_px).clamp(0.0, 1.0).sqrt();
                let inside = self.interior.map(|c| f32::from(c) / 255.0);
                std::array::from_fn(|k| inside[k] + (base[k] - inside[k]) * f)
            }
            ColouringMode::Lighting => {
                let b = self.light.brightness(u);
                base.map(|c| c * b)
            }
            ColouringMode::Stripes => self.stripe_channels(u[0]),
        }
    }

    /// The palette's colour at stripe value `v` (0..=1, one cycle, shifted by the
    /// offset): what [`ColouringMode::Stripes`] paints exterior pixels with.
    #[inline]
    pub fn stripe_channels(&self, v: f32) -> [f32; 3] {
        // The classic palette steps by count: 256 steps over the stripe range.
        self.channels((v * 255.0) as u32, v * self.cycle_iterations)
    }

    /// Colour channels in 0..=1 of one pixel with everything it carries: escape `count`,
    /// `smooth` value, |z|² and, when the derivative was tracked, `u`. Without `u` (or in
    /// escape mode) this is the escape colour.
    #[inline]
    pub fn channels_at(&self, count: u32, smooth: f32, norm: f32, u: Option<[f32; 2]>) -> [f32; 3] {
        let base = self.channels(count, smooth);
        match u {
            Some(u) if self.mode.needs_derivative() => self.shade(base, norm, u),
            _ => base,
        }
    }

    /// 8-bit colour of a pixel with everything it carries (see [`Colouring::channels_at`]);
    /// exactly [`Colouring::rgb8`] in escape mode.
    #[inline]
    pub fn rgb8_at(&self, count: u32, smooth: f32, norm: f32, u: Option<[f32; 2]>) -> [u8; 3] {
        match u {
            Some(_) if self.mode.needs_derivative() => {
                self.channels_at(count, smooth, norm, u).map(|c| (c * 255.0 + 0.5) as u8)
            }
            _ => self.rgb8(count, smooth),
        }
    }

    /// 16-bit colour of a pixel with everything it carries; exactly [`Colouring::rgb16`]
    /// in escape mode.
    #[inline]
    pub fn rgb16_at(&self, count: u32, smooth: f32, norm: f32, u: Option<[f32; 2]>) -> [u16; 3] {
        match u {
            Some(_) if self.mode.needs_derivative() => {
                self.channels_at(count, smooth, norm, u).map(|c| (c * 65535.0 + 0.5) as u16)
            }
            _ => self.rgb16(count, smooth),
        }
    }

    /// Colour channels in 0..=1 for one pixel. `smooth < 0` marks an interior point.
    #[inline]
    pub fn channels(&self, count: u32, smooth: f32) -> [f32; 3] {
        if self.palette == Palette::Classic {
            return classic_rgb(count.wrapping_add(self.classic_shift())).map(|c| f32::from(c) / 255.0);
        }
        if smooth < 0.0 {
            return self.interior.map(|c| f32::from(c) / 255.0);
        }
        let lut = self.palette.lut();
        let pos = (smooth / self.cycle_iterations + self.offset).rem_euclid(1.0) * LUT_SIZE as f32;
        let i0 = (pos as usize).min(LUT_SIZE - 1);
        let i1 = (i0 + 1) % LUT_SIZE;
        let f = pos - i0 as f32;
        let (a, b) = (lut[i0], lut[i1]);
        std::array::from_fn(|ch| a[ch] + (b[ch] - a[ch]) * f)
    }

    fn classic_shift(&self) -> u32 {
        (self.offset.rem_euclid(1.0) * 32.0).round() as u32
    }

    /// 8-bit colour of one pixel.
    #[inline]
    pub fn rgb8(&self, count: u32, smooth: f32) -> [u8; 3] {
        if self.palette == Palette::Classic {
            // Integer path: exact, and the hot path for faafo tasks.
            return classic_rgb(count.wrapping_add(self.classic_shift()));
        }
        self.channels(count, smooth).map(|c| (c * 255.0 + 0.5) as u8)
    }

    /// 16-bit colour of one pixel.
    #[inline]
    pub fn rgb16(&self, count: u32, smooth: f32) -> [u16; 3] {
        if self.palette == Palette::Classic {
            return classic_rgb(count.wrapping_add(self.classic_shift())).map(|c| u16::from(c) * 257);
        }
        self.channels(count, smooth).map(|c| (c * 65535.0 + 0.5) as u16)
    }
}

/// The original worker's colour function (faafo-spec §4.2).
#[inline]
pub fn classic_rgb(i: u32) -> [u8; 3] {
    [((i % 8) * 32) as u8, ((i % 16) * 16) as u8, ((i % 32) * 8) as u8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_t2_colour_function() {
        let cases: [(u32, [u8; 3]); 15] = [
            (0, [0, 0, 0]),
            (1, [32, 16, 8]),
            (2, [64, 32, 16]),
            (7, [224, 112, 56]),
            (8, [0, 128, 64]),
            (9, [32, 144, 72]),
            (15, [224, 240, 120]),
            (16, [0, 0, 128]),
            (31, [224, 240, 248]),
            (32, [0, 0, 0]),
            (100, [128, 64, 32]),
            (127, [224, 240, 248]),
            (255, [224, 240, 248]),
            (511, [224, 240, 248]),
            (63, [224, 240, 248]),
        ];
        for (i, rgb) in cases {
            assert_eq!(classic_rgb(i), rgb, "i = {i}");
            assert_eq!(Colouring::classic().rgb8(i, -1.0), rgb, "i = {i} through Colouring");
        }
    }

    #[test]
    fn gradients_are_continuous_and_wrap() {
        for p in Palette::ALL.into_iter().filter(|p| *p != Palette::Classic) {
            let c = Colouring { palette: p, ..Colouring::default() };
            let mut prev = c.rgb8(0, 0.0);
            for step in 1..=6400 {
                let now = c.rgb8(0, step as f32 * 0.01);
                let jump = (0..3).map(|k| (i32::from(now[k]) - i32::from(prev[k])).abs()).max().unwrap_or(0);
                assert!(jump <= 12, "{p}: jump of {jump} at step {step}");
                prev = now;
            }
            assert_eq!(c.rgb8(0, 0.0), c.rgb8(0, 64.0), "{p} wraps after one cycle");
        }
    }

    #[test]
    fn interior_colour_and_offset() {
        let c = Colouring { interior: [1, 2, 3], ..Colouring::default() };
        assert_eq!(c.rgb8(99, -1.0), [1, 2, 3]);
        let shifted = Colouring { offset: 0.5, ..Colouring::default() };
        assert_eq!(shifted.rgb8(0, 0.0), c.rgb8(0, 32.0));
        assert_eq!(c.rgb16(99, -1.0), [257, 514, 771]);
    }

    #[test]
    fn names_round_trip() {
        for p in Palette::ALL {
            assert_eq!(p.name().parse::<Palette>(), Ok(p));
        }
        let e = "plasma".parse::<Palette>().unwrap_err().to_string();
        assert!(e.contains("plasma") && e.contains("ultra, fire"), "{e}");
    }
}
