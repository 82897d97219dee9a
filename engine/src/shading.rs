//! Colouring beyond escape time: distance estimation and slope (normal-map) lighting.
//!
//! Both come from one number per pixel kept next to its escape values: `u = z / z'` at
//! escape, in pixels (`z'` is the derivative of the orbit with respect to the pixel's
//! point, tracked by the derivative kernel). From it:
//!
//! * the **exterior distance estimate** is `|z| ln|z| / |z'| = |u| · ln|z|` pixels (within
//!   a factor of about 2 of the true distance to the set, by Koebe's ¼ theorem), and
//! * the **surface normal** of the potential's height field points along `u`, which a
//!   light at an angle and height shades.
//!
//! Since `u` and |z|² are stored, changing the mode, the light or the palette only
//! recolours, it never iterates again.

use std::fmt;
use std::str::FromStr;

use crate::error::{ParamError, parse_name};

/// How a pixel's colour is chosen from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum ColouringMode {
    /// The palette along the smooth escape value (what faafo has always drawn).
    #[default]
    Escape,
    /// Escape colours fading into the interior colour within
    /// [`Colouring::boundary_width_px`](crate::Colouring::boundary_width_px) of the set,
    /// by the exterior distance estimate: thin filaments show as lines.
    Distance,
    /// Escape colours lit as a relief (the potential as height), from a [`Light`].
    Lighting,
    /// Stripe average colouring: the palette along the orbit's average of
    /// `½ + ½ sin(5 arg z)` (one cycle over 0..1, shifted by the offset), smooth stripes
    /// that follow the filaments.
    Stripes,
}

impl ColouringMode {
    /// Every mode, in menu order.
    pub const ALL: [Self; 4] = [Self::Escape, Self::Distance, Self::Lighting, Self::Stripes];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Escape => "escape",
            Self::Distance => "distance",
            Self::Lighting => "lighting",
            Self::Stripes => "stripes",
        }
    }

    /// Whether the mode needs the orbit kernel's per-pixel pair beside the escape values:
    /// the derivative (`u = z / z'`) for distance and lighting, the stripe average for
    /// stripes.
    pub fn needs_derivative(self) -> bool {
        self != Self::Escape
    }
}

impl fmt::Display for ColouringMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ColouringMode {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name(
            "colouring",
            s,
            &Self::ALL,
            Self::name,
            &[("escape-time", "escape"), ("de", "distance"), ("slope", "lighting"), ("stripe-average", "stripes")],
        )
    }
}

/// A distant light over the relief of the `lighting` mode.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Light {
    /// Direction the light comes from, in degrees counter-clockwise from the positive
    /// real axis (45 = from the upper right when the imaginary axis points up).
    pub angle_degrees: f32,
    /// Height of the light above the plane relative to the slope's unit (0 = grazing,
    /// large = from straight above, flat).
    pub elevation: f32,
    /// How much the light darkens slopes facing away, 0 (no effect) to 1 (black).
    pub strength: f32,
}

impl Default for Light {
    fn default() -> Self {
        Self { angle_degrees: 45.0, elevation: 1.5, strength: 0.8 }
    }
}

impl Light {
    /// Checks each field; the error names it and what is allowed.
    pub fn validate(&self) -> Result<(), ParamError> {
        let bad = |what: &'static str, value: f32, expected: &'static str| ParamError::Unparsable {
            what,
            given: value.to_string(),
            expected,
        };
        if !self.angle_degrees.is_finite() {
            return Err(bad("light angle", self.angle_degrees, "a finite number of degrees"));
        }
        if !(self.elevation.is_finite() && self.elevation >= 0.0) {
            return Err(bad("light elevation", self.elevation, "a finite number >= 0"));
        }
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(bad("light strength", self.strength, "a number from 0 to 1"));
        }
        Ok(())
    }

    /// Brightness factor (0..=1) of a pixel whose normal points along `u` (any length).
    #[inline]
    pub fn brightness(&self, u: [f32; 2]) -> f32 {
        let len = u[0].hypot(u[1]);
        if !(len > 0.0 && len.is_finite()) {
            return 1.0 - self.strength;
        }
        let (sin, cos) = self.angle_degrees.to_radians().sin_cos();
        let facing = (u[0] * cos + u[1] * sin) / len;
        let lit = ((facing + self.elevation) / (1.0 + self.elevation)).clamp(0.0, 1.0);
        (1.0 - self.strength) + self.strength * lit
    }
}

/// Exterior distance estimate in pixels of a pixel that escaped with |z|² = `norm` and
/// `u = z / z'` in pixels; 0 where the derivative overflowed (the boundary itself).
#[inline]
pub fn distance_px(norm: f32, u: [f32; 2]) -> f32 {
    let d = 0.5 * norm.max(1.0).ln() * u[0].hypot(u[1]);
    if d.is_finite() { d } else { 0.0 }
}

/// Checks a boundary width (pixels, > 0).
pub(crate) fn validate_boundary_width(width_px: f32) -> Result<(), ParamError> {
    if width_px.is_finite() && width_px > 0.0 {
        Ok(())
    } else {
        Err(ParamError::Unparsable {
            what: "boundary width",
            given: width_px.to_string(),
            expected: "a finite number of pixels > 0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_faces_and_backs() {
        let l = Light { angle_degrees: 0.0, elevation: 0.0, strength: 1.0 };
        assert_eq!(l.brightness([1.0, 0.0]), 1.0);
        assert_eq!(l.brightness([-3.0, 0.0]), 0.0);
        assert!((l.brightness([0.0, 2.0]) - 0.0).abs() < 1e-6);
        let up = Light { angle_degrees: 90.0, ..l };
        assert!((up.brightness([0.0, 5.0]) - 1.0).abs() < 1e-6);
        // No strength: no effect.
        assert_eq!(Light { strength: 0.0, ..l }.brightness([-1.0, 0.0]), 1.0);
        assert!(Light { strength: 1.5, ..l }.validate().unwrap_err().to_string().contains("light strength"));
    }

    #[test]
    fn modes_round_trip() {
        for m in ColouringMode::ALL {
            assert_eq!(m.name().parse::<ColouringMode>(), Ok(m));
        }
        let e = "bump".parse::<ColouringMode>().unwrap_err().to_string();
        assert!(e.contains("bump") && e.contains("escape, distance, lighting, stripes"), "{e}");
    }
}
