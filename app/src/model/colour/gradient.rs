//! Gradients read from palette files: the file's form ([`GradientSpec`]), its checks
//! ([`GradientError`], naming the stop that is wrong) and the lookup table colours are
//! read from. Apart from [`super::Look`], which decides which colours a picture gets.

use std::path::Path;

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

    /// Colour channels in 0..=1 at `pos` along one cycle (0 ≤ pos < 1), interpolated.
    pub(super) fn channels(&self, pos: f32) -> [f32; 3] {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

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
}
