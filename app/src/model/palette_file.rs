//! The colouring a palette file carries besides its gradient (issue 16): the colouring
//! mode, the light and the distance band, in a `[colouring]` table named as a parameter
//! file names them, so a palette made for lighting opens lit.
//!
//! ```toml
//! name = "sunset"
//! [[stop]]
//! at = 0.0
//! colour = "#1a0533"
//! [[stop]]
//! at = 0.5
//! colour = "#ff8c00"
//!
//! [colouring]                # optional, and each entry in it
//! mode = "lighting"          # escape, distance, lighting or stripes
//! light = { angle_degrees = 45.0, elevation = 1.5, strength = 0.8 }
//! boundary_width_px = 2.0
//! ```
//!
//! A file without the table (every file written before it) leaves the colouring in use
//! as it is. Written palettes carry the colouring in use when they were written
//! ([`Look::palette_file`]), so what is kept in the settings, in a parameter file or in a
//! palette file ([`GradientSpec::to_toml`]) reads back as it was.

use std::sync::Arc;

use faafo_engine::{Colouring, ColouringMode, Light, ParamError};
use serde::{Deserialize, Serialize};

use crate::model::colour::{Gradient, GradientSpec, Look};

/// The `[colouring]` of a palette file; absent entries leave the colouring as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaletteColouring {
    /// Escape time, distance, lighting or stripes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ColouringMode>,
    /// The light of the lighting mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<Light>,
    /// The distance mode's band along the set, in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_width_px: Option<f32>,
}

impl PaletteColouring {
    /// All of `colouring`'s mode, light and band, to be written.
    pub fn of(colouring: &Colouring) -> Self {
        Self {
            mode: Some(colouring.mode),
            light: Some(colouring.light),
            boundary_width_px: Some(colouring.boundary_width_px),
        }
    }

    /// Whether the table is absent (an older file): nothing to write or apply.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `base` with the entries given.
    pub fn apply(&self, base: Colouring) -> Colouring {
        Colouring {
            mode: self.mode.unwrap_or(base.mode),
            light: self.light.unwrap_or(base.light),
            boundary_width_px: self.boundary_width_px.unwrap_or(base.boundary_width_px),
            ..base
        }
    }

    /// Checks the light and the band as the engine does; the error names the value.
    pub fn validate(&self) -> Result<(), ParamError> {
        self.apply(Colouring::default()).validate()
    }
}

impl Look {
    /// This look with the gradient of a palette file, and its colouring where the file
    /// gives one.
    pub fn with_gradient(&self, gradient: Gradient) -> Self {
        let colouring = gradient.spec().colouring.apply(self.colouring);
        Self { colouring, custom: Some(Arc::new(gradient)) }
    }

    /// The loaded gradient as a palette file would hold it now: its stops with this
    /// look's mode, light and band; `None` with an engine palette.
    pub fn palette_file(&self) -> Option<GradientSpec> {
        let gradient = self.custom.as_ref()?;
        Some(GradientSpec { colouring: PaletteColouring::of(&self.colouring), ..gradient.spec().clone() })
    }
}

impl GradientSpec {
    /// The text of a palette file, in the form [`Gradient::parse`] reads.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        Ok(format!("# faafo palette\n{}", toml::to_string_pretty(self)?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    const OLD: &str =
        "name = \"sunset\"\n[[stop]]\nat = 0.0\ncolour = \"#000000\"\n[[stop]]\nat = 0.5\ncolour = \"#ff0000\"\n";

    #[test]
    fn an_older_file_leaves_the_colouring_as_it_is() {
        let lit = Colouring { mode: ColouringMode::Lighting, boundary_width_px: 4.0, ..Colouring::default() };
        let look = Look { colouring: lit, custom: None }.with_gradient(Gradient::parse(OLD).unwrap());
        assert_eq!(look.colouring, lit);
        assert!(look.custom.as_ref().unwrap().spec().colouring.is_empty());
    }

    #[test]
    fn the_mode_and_light_round_trip_through_a_palette_file() {
        let text = format!(
            "{OLD}[colouring]\nmode = \"lighting\"\nlight = {{ angle_degrees = -30.0, elevation = 0.7, strength = 0.9 }}\n"
        );
        let look = Look::default().with_gradient(Gradient::parse(&text).unwrap());
        assert_eq!(look.colouring.mode, ColouringMode::Lighting);
        assert_eq!(look.colouring.light, Light { angle_degrees: -30.0, elevation: 0.7, strength: 0.9 });
        assert_eq!(look.colouring.boundary_width_px, Colouring::default().boundary_width_px, "not given: kept");

        // Changed in the explorer, written, and read back into a plain look: the same.
        let now = Look {
            colouring: Colouring { mode: ColouringMode::Distance, boundary_width_px: 3.5, ..look.colouring },
            ..look
        };
        let text = now.palette_file().unwrap().to_toml().unwrap();
        assert!(text.contains("mode = \"distance\""), "{text}");
        let back = Look::default().with_gradient(Gradient::parse(&text).unwrap());
        assert_eq!(back.colouring, now.colouring);
        assert_eq!(back.custom.unwrap().spec().stop, now.custom.unwrap().spec().stop);
        assert_eq!(Look::default().palette_file(), None);
    }

    #[test]
    fn bad_colouring_in_a_palette_file_is_explained() {
        for (table, want) in [
            ("mode = \"glow\"", "glow"),
            ("light = { strength = 3.0 }", "strength"),
            ("boundary_width_px = -1.0", "boundary"),
            ("palette = \"fire\"", "unknown field"),
        ] {
            let e = Gradient::parse(&format!("{OLD}[colouring]\n{table}\n")).unwrap_err().to_string();
            assert!(e.contains(want), "{table}: {e}");
        }
    }
}
