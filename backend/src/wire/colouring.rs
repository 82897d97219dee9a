//! A task's colouring beyond the palette: the engine's colouring mode, its light and
//! boundary width, and antialiasing (issue 16), as additive optional columns.
//!
//! Each column is optional on its own; an absent one takes the engine's default
//! ([`Colouring::default`]), so a task without any of them is rendered exactly as before
//! (escape time, one sample per pixel). Only the colouring and antialiasing are carried:
//! offset, cycle length and interior colour stay the engine's defaults, as before.

use faafo_engine::antialias::MAX_ANTIALIAS;
use faafo_engine::{Colouring, ColouringMode};

use super::WireError;

/// The colouring columns, each optional on its own.
pub const COLOURING_COLUMNS: [&str; 6] =
    ["colouring", "light_angle", "light_elevation", "light_strength", "boundary_width", "antialias"];

/// The colouring columns' values as stored and sent (`None`: absent, the default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColouringFields {
    /// `escape`, `distance`, `lighting` or `stripes`.
    pub colouring: Option<String>,
    /// Lighting: degrees counter-clockwise from the positive real axis.
    pub light_angle: Option<f64>,
    /// Lighting: height of the light, >= 0.
    pub light_elevation: Option<f64>,
    /// Lighting: 0 to 1.
    pub light_strength: Option<f64>,
    /// Distance: width in pixels of the fade into the interior colour, > 0.
    pub boundary_width: Option<f64>,
    /// Samples per side of each pixel, 1 to [`MAX_ANTIALIAS`].
    pub antialias: Option<i64>,
}

impl ColouringFields {
    /// `base` with these fields applied, each checked; the error names the field and
    /// what it allows.
    pub fn apply(&self, base: Colouring) -> Result<Colouring, WireError> {
        let mut colouring = base;
        if let Some(mode) = &self.colouring {
            colouring.mode = mode.parse::<ColouringMode>().map_err(|_| {
                let names: Vec<&str> = ColouringMode::ALL.iter().map(|m| m.name()).collect();
                WireError::invalid_field("colouring", format!("must be one of {}; got '{mode}'", names.join(", ")))
            })?;
        }
        let real = |name: &str, value: Option<f64>, default: f32, ok: fn(f64) -> bool, allowed: &str| match value {
            None => Ok(default),
            Some(v) if v.is_finite() && ok(v) => Ok(v as f32),
            Some(v) => Err(WireError::invalid_field(name, format!("must be {allowed}; got {v}"))),
        };
        let light = colouring.light;
        colouring.light.angle_degrees =
            real("light_angle", self.light_angle, light.angle_degrees, |_| true, "a finite number of degrees")?;
        colouring.light.elevation =
            real("light_elevation", self.light_elevation, light.elevation, |v| v >= 0.0, "a finite number >= 0")?;
        colouring.light.strength =
            real("light_strength", self.light_strength, light.strength, |v| (0.0..=1.0).contains(&v), "from 0 to 1")?;
        colouring.boundary_width_px = real(
            "boundary_width",
            self.boundary_width,
            colouring.boundary_width_px,
            |v| v > 0.0,
            "a finite number of pixels > 0",
        )?;
        if let Some(n) = self.antialias {
            colouring.antialias =
                u32::try_from(n).ok().filter(|n| (1..=MAX_ANTIALIAS).contains(n)).ok_or_else(|| {
                    WireError::invalid_field(
                        "antialias",
                        format!("must be an integer from 1 to {MAX_ANTIALIAS}; got {n}"),
                    )
                })?;
        }
        Ok(colouring)
    }
}

/// Whether `colouring` needs more than one escape-time sample per pixel: a mode beyond
/// escape time or antialiasing.
pub fn is_plain(colouring: &Colouring) -> bool {
    colouring.antialias == 1 && colouring.mode == ColouringMode::Escape
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_are_the_engines_defaults() {
        let base = Colouring::default();
        assert_eq!(ColouringFields::default().apply(base).unwrap(), base);
        assert!(is_plain(&base));
    }

    #[test]
    fn given_fields_reach_the_engine() {
        let fields = ColouringFields {
            colouring: Some("lighting".into()),
            light_angle: Some(120.0),
            light_elevation: Some(0.5),
            light_strength: Some(1.0),
            boundary_width: Some(3.5),
            antialias: Some(3),
        };
        let c = fields.apply(Colouring::default()).unwrap();
        assert_eq!(c.mode, ColouringMode::Lighting);
        assert_eq!((c.light.angle_degrees, c.light.elevation, c.light.strength), (120.0, 0.5, 1.0));
        assert_eq!((c.boundary_width_px, c.antialias), (3.5, 3));
        assert!(!is_plain(&c));
    }

    #[test]
    fn bad_values_name_the_field_and_what_is_allowed() {
        let cases = [
            (
                ColouringFields { colouring: Some("glow".into()), ..Default::default() },
                "colouring",
                "escape, distance, lighting, stripes",
            ),
            (ColouringFields { antialias: Some(0), ..Default::default() }, "antialias", "from 1 to 4"),
            (ColouringFields { antialias: Some(5), ..Default::default() }, "antialias", "from 1 to 4"),
            (ColouringFields { light_strength: Some(1.5), ..Default::default() }, "light_strength", "from 0 to 1"),
            (ColouringFields { light_elevation: Some(-1.0), ..Default::default() }, "light_elevation", ">= 0"),
            (ColouringFields { light_angle: Some(f64::INFINITY), ..Default::default() }, "light_angle", "finite"),
            (ColouringFields { boundary_width: Some(0.0), ..Default::default() }, "boundary_width", "> 0"),
        ];
        for (fields, field, allowed) in cases {
            let e = fields.apply(Colouring::default()).unwrap_err();
            assert_eq!(e.status, 400);
            assert_eq!(e.body["field"], field, "{}", e.body);
            assert!(e.body["message"].as_str().unwrap().contains(allowed), "{}", e.body);
        }
    }
}
