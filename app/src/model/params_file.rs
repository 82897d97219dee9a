//! Parameter files: a location and its colours as human-readable TOML, with every number
//! at full precision, so a view can be mailed, versioned and reopened exactly. A shallow
//! view's centre and scale are numbers (f64, shortest exact text); a deep one's are
//! decimal strings with every digit (`center = ["-1.77…", "0.0000…"]`, `scale = "3e-300"`).
//!
//! ```toml
//! iterations = "auto"        # or a number, 1..=10000000
//!
//! [fractal]
//! kind = "julia"             # mandelbrot, julia, burning-ship, multibrot, classic
//! c = [-0.8, 0.156]          # julia and classic; multibrot has `power = 3`
//!
//! [view]
//! center = [-0.743643887037151, 0.13182590420533]
//! scale = 1e-6               # width of the view in the complex plane
//!
//! [colouring]                # optional; the engine's names
//! palette = "fire"
//! mode = "lighting"          # escape (default), distance, lighting or stripes
//! antialias = 3              # samples per pixel side, 1 (default) to 4
//! light = { angle_degrees = 45.0, elevation = 1.5, strength = 0.8 }
//! ```
//!
//! The engine's JSON parameter files (`assets/examples/*.json`, what `faafo` stores) open
//! too: their region becomes a centre and scale.

use std::path::{Path, PathBuf};

use faafo_engine::{Colouring, Fractal, Params};
use serde::{Deserialize, Serialize};

use crate::model::colour::{Gradient, GradientError, GradientSpec};
use crate::model::location::{Iterations, Location, LocationError};
use crate::model::toml_file::{WriteError, toml_error, write_atomically};
use crate::model::view::View;

/// Why a parameter file could not be read, understood or written.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// Not TOML (or JSON) of the right shape, with the line and column.
    #[error("{0}")]
    Syntax(String),
    /// The engine's region is unusable.
    #[error(transparent)]
    Region(#[from] faafo_engine::ParamError),
    /// The location is unusable.
    #[error(transparent)]
    Location(#[from] LocationError),
    /// The gradient is unusable.
    #[error("palette: {0}")]
    Palette(#[from] GradientError),
    /// Not encodable (not expected: every field is).
    #[error("cannot encode parameters: {0}")]
    Encode(#[from] toml::ser::Error),
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file was read but is not usable.
    #[error("parameter file {} does not parse: {source}", path.display())]
    Parse { path: PathBuf, source: Box<ParamsError> },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsFile {
    pub iterations: Iterations,
    pub fractal: Fractal,
    pub view: View,
    /// Palette, offset, cycle length, interior colour.
    #[serde(default)]
    pub colouring: Colouring,
    /// A gradient from a palette file, if one was in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub palette: Option<GradientSpec>,
}

const HEADER: &str =
    "# faafo explorer parameters. Numbers are exact (shortest text that reads back to the same f64).\n";

impl ParamsFile {
    /// The file for `location` in `colouring`.
    pub fn new(location: &Location, colouring: Colouring, palette: Option<GradientSpec>) -> Self {
        Self {
            iterations: location.iterations,
            fractal: location.fractal,
            view: location.view.clone(),
            colouring,
            palette,
        }
    }

    /// The location it describes.
    pub fn location(&self) -> Location {
        Location { fractal: self.fractal, view: self.view.clone(), iterations: self.iterations }
    }

    /// The TOML text.
    pub fn to_toml(&self) -> Result<String, ParamsError> {
        Ok(format!("{HEADER}{}", toml::to_string_pretty(self)?))
    }

    /// Parses TOML text (or the engine's JSON, if it starts with `{`), and checks it.
    pub fn parse(text: &str) -> Result<Self, ParamsError> {
        let file = if text.trim_start().starts_with('{') {
            let p: Params = serde_json::from_str(text)
                .map_err(|e| ParamsError::Syntax(format!("line {}, column {}: {e}", e.line(), e.column())))?;
            let region = p.region;
            region.validate(p.width.max(2), p.height.max(2))?;
            Self {
                iterations: Iterations::checked(i128::from(p.max_iterations))?,
                fractal: p.fractal,
                view: View::new(region.center().re, region.center().im, region.scale()),
                colouring: p.colouring,
                palette: None,
            }
        } else {
            toml::from_str::<Self>(text).map_err(|e| ParamsError::Syntax(toml_error(text, &e)))?
        };
        file.location().validate()?;
        file.colouring.validate()?;
        if let Some(spec) = &file.palette {
            Gradient::new(spec.clone())?;
        }
        Ok(file)
    }

    /// Reads and parses `path`; the error names the path.
    pub fn load(path: &Path) -> Result<Self, ParamsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ParamsError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text).map_err(|e| ParamsError::Parse { path: path.to_path_buf(), source: Box::new(e) })
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), ParamsError> {
        Ok(write_atomically(path, self.to_toml()?.as_bytes())?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use faafo_engine::{Complex64, Palette};

    #[test]
    fn round_trip_is_exact_and_readable() {
        let loc = Location {
            fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
            view: View::new(-0.743643887037151, 0.131825904205330, 1.0 / 3.0 * 1e-9),
            iterations: Iterations::Fixed(2500),
        };
        let colouring = Colouring { palette: Palette::Fire, offset: 0.25, ..Colouring::default() };
        let file = ParamsFile::new(&loc, colouring, None);
        let text = file.to_toml().unwrap();
        assert!(text.contains("kind = \"julia\"") && text.contains("palette = \"fire\""), "{text}");
        assert!(text.contains("-0.743643887037151"), "{text}");
        let back = ParamsFile::parse(&text).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.location().view.scale_f64().to_bits(), loc.view.scale_f64().to_bits());

        let auto = ParamsFile::new(&Location::default(), Colouring::default(), None).to_toml().unwrap();
        assert!(auto.contains("iterations = \"auto\""), "{auto}");
    }

    #[test]
    fn a_view_1e_300_wide_round_trips_exactly() {
        let re = format!("-1.{}", "76".repeat(160));
        let center = faafo_engine::location::Center::parse(&re, &format!("0.{}1", "0".repeat(305))).unwrap();
        let scale = faafo_engine::location::Scale::parse("4.2e-300").unwrap();
        let loc = Location { view: View { center, scale }, ..Location::default() };
        let file = ParamsFile::new(&loc, Colouring::default(), None);
        let text = file.to_toml().unwrap();
        assert!(text.contains(&re) && text.contains("scale = \"4.2e-300\""), "{text}");
        let back = ParamsFile::parse(&text).unwrap();
        assert_eq!(back.location(), loc);
        // And through a file on disk.
        let path = std::env::temp_dir().join(format!("faafo-deep-{}.toml", std::process::id()));
        file.save(&path).unwrap();
        assert_eq!(ParamsFile::load(&path).unwrap().location(), loc);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn engine_json_files_open() {
        let text = include_str!("../../../assets/examples/seahorse.json");
        let file = ParamsFile::parse(text).unwrap();
        assert_eq!(file.iterations, Iterations::Fixed(10_000));
        assert!((file.view.scale_f64() - 1e-6).abs() < 1e-12);
        assert!((file.view.center_f64().re + 0.743643887037151).abs() < 1e-12);
    }

    #[test]
    fn malformed_files_are_explained() {
        for (text, want) in [
            (
                "iterations = \"auto\"\n[fractal]\nkind = \"newton\"\n[view]\ncenter = [0.0, 0.0]\nscale = 1.0\n",
                "newton",
            ),
            (
                "iterations = 0\n[fractal]\nkind = \"mandelbrot\"\n[view]\ncenter = [0.0, 0.0]\nscale = 1.0\n",
                "between 1 and 10000000",
            ),
            (
                "iterations = 1000000000000\n[fractal]\nkind = \"mandelbrot\"\n[view]\ncenter = [0.0, 0.0]\nscale = 1.0\n",
                "got 1000000000000",
            ),
            (
                "iterations = \"auto\"\n[fractal]\nkind = \"mandelbrot\"\n[view]\ncenter = [0.0, 0.0]\nscale = -1.0\n",
                "scale must be a positive number",
            ),
            ("iterations = \"auto\"\n[fractal]\nkind = \"mandelbrot\"\n", "missing field `view`"),
            ("this is not toml", "line 1"),
            ("{ \"fractal\": 3 }", "line 1"),
        ] {
            let e = ParamsFile::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = ParamsFile::load(Path::new("/nonexistent/view.toml")).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/view.toml"), "{e}");
    }
}
