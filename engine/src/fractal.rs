//! The fractal kinds and their names.

use std::fmt;
use std::str::FromStr;

use num_complex::Complex64;

use crate::error::{ParamError, parse_name};

/// Largest Multibrot power accepted. Beyond this, `z^d` overflows to infinity within a
/// couple of iterations for any |z| > 1 and the pictures stop changing.
pub const MAX_MULTIBROT_POWER: u32 = 32;

/// Which fractal to draw, with the constants it needs.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
pub enum Fractal {
    /// The original faafo worker's Julia set: `z0` = pixel, `z ← z² + c`, escape when
    /// `hypot(z) > 2`, tested before each update. Bit-exact with the original for a given
    /// `c` (see `classic` for how `c` is chosen when none is given).
    Classic {
        /// The Julia constant.
        c: Complex64,
    },
    /// `z0 = c` = pixel, `z ← z² + c`.
    Mandelbrot,
    /// `z0` = pixel, `z ← z² + c` with a fixed `c`.
    Julia {
        /// The Julia constant.
        c: Complex64,
    },
    /// `z ← (|Re z| + i|Im z|)² + c`, `c` = pixel.
    BurningShip,
    /// `z ← z^power + c`, `c` = pixel, integer power ≥ 2.
    Multibrot {
        /// The integer exponent, 2..=[`MAX_MULTIBROT_POWER`].
        power: u32,
    },
}

/// The Julia constant of a `julia` fractal given none (the explorer's and the API's
/// default: a well-known connected set with spirals).
pub const DEFAULT_JULIA_C: Complex64 = Complex64::new(-0.8, 0.156);

impl Fractal {
    /// The fractal of `kind` with constant `c` where the kind has one: `julia` without
    /// one takes [`DEFAULT_JULIA_C`], `classic` without one takes what `classic_c`
    /// returns (the original's seeded search, [`crate::classic::find_c`], or a fixed
    /// constant), `multibrot` takes `power`. The one place the choice is made, so the
    /// API, the worker, the CLI and the explorer agree on every fractal.
    pub fn from_kind(
        kind: FractalKind,
        c: Option<Complex64>,
        power: u32,
        classic_c: impl FnOnce() -> Complex64,
    ) -> Self {
        match kind {
            FractalKind::Classic => Self::Classic { c: c.unwrap_or_else(classic_c) },
            FractalKind::Mandelbrot => Self::Mandelbrot,
            FractalKind::Julia => Self::Julia { c: c.unwrap_or(DEFAULT_JULIA_C) },
            FractalKind::BurningShip => Self::BurningShip,
            FractalKind::Multibrot => Self::Multibrot { power },
        }
    }

    /// The kind without its constants.
    pub fn kind(&self) -> FractalKind {
        match self {
            Self::Classic { .. } => FractalKind::Classic,
            Self::Mandelbrot => FractalKind::Mandelbrot,
            Self::Julia { .. } => FractalKind::Julia,
            Self::BurningShip => FractalKind::BurningShip,
            Self::Multibrot { .. } => FractalKind::Multibrot,
        }
    }

    /// The Julia constant, for the kinds that have one.
    pub fn c(&self) -> Option<Complex64> {
        match *self {
            Self::Classic { c } | Self::Julia { c } => Some(c),
            _ => None,
        }
    }

    /// The exponent of the iteration (2 for all but Multibrot).
    pub fn power(&self) -> u32 {
        match *self {
            Self::Multibrot { power } => power,
            _ => 2,
        }
    }

    /// Checks the constants: a finite `c`, a power in range.
    pub fn validate(&self) -> Result<(), ParamError> {
        if let Some(c) = self.c() {
            for (name, value) in [("c.re", c.re), ("c.im", c.im)] {
                if !value.is_finite() {
                    return Err(ParamError::NotFinite { name, value });
                }
            }
        }
        if let Self::Multibrot { power } = *self
            && !(2..=MAX_MULTIBROT_POWER).contains(&power)
        {
            return Err(ParamError::OutOfRange {
                name: "power",
                value: u64::from(power),
                min: 2,
                max: u64::from(MAX_MULTIBROT_POWER),
            });
        }
        Ok(())
    }
}

/// The name of a fractal kind, as typed on command lines and stored by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum FractalKind {
    /// See [`Fractal::Classic`].
    Classic,
    /// See [`Fractal::Mandelbrot`].
    Mandelbrot,
    /// See [`Fractal::Julia`].
    Julia,
    /// See [`Fractal::BurningShip`].
    BurningShip,
    /// See [`Fractal::Multibrot`].
    Multibrot,
}

impl FractalKind {
    /// Every kind, in menu order.
    pub const ALL: [Self; 5] = [Self::Mandelbrot, Self::Julia, Self::BurningShip, Self::Multibrot, Self::Classic];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Mandelbrot => "mandelbrot",
            Self::Julia => "julia",
            Self::BurningShip => "burning-ship",
            Self::Multibrot => "multibrot",
        }
    }
}

impl fmt::Display for FractalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FractalKind {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name(
            "kind",
            s,
            &Self::ALL,
            Self::name,
            &[("burning_ship", "burning-ship"), ("burningship", "burning-ship")],
        )
    }
}

/// Parses a complex constant written `RE,IM`, `RE+IMi` or `RE-IMi` (a plain `RE` is `RE+0i`).
pub fn parse_complex(text: &str) -> Result<Complex64, ParamError> {
    let err = || ParamError::Unparsable {
        what: "complex number",
        given: text.to_owned(),
        expected: "RE,IM (for example -0.8,0.156) or RE+IMi (for example -0.8+0.156i)",
    };
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let parse = |s: &str| s.parse::<f64>().map_err(|_| err());
    let c = if let Some((re, im)) = t.split_once(',') {
        Complex64::new(parse(re)?, parse(im)?)
    } else if let Some(body) = t.strip_suffix('i') {
        // Find the sign that separates the parts: the last + or - that is not the first
        // character and does not follow an exponent marker.
        let bytes = body.as_bytes();
        let split =
            (1..bytes.len()).rev().find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E'));
        match split {
            Some(i) => {
                let im_text = &body[i..];
                let im =
                    if im_text == "+" || im_text == "-" { parse(&format!("{im_text}1"))? } else { parse(im_text)? };
                Complex64::new(parse(&body[..i])?, im)
            }
            None => Complex64::new(0.0, parse(body)?),
        }
    } else {
        Complex64::new(parse(&t)?, 0.0)
    };
    for (name, value) in [("c.re", c.re), ("c.im", c.im)] {
        if !value.is_finite() {
            return Err(ParamError::NotFinite { name, value });
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_and_reject_unknown() {
        for k in FractalKind::ALL {
            assert_eq!(k.name().parse::<FractalKind>(), Ok(k));
        }
        assert_eq!("Burning_Ship".parse::<FractalKind>(), Ok(FractalKind::BurningShip));
        assert_eq!("AVX2".parse::<crate::KernelPath>(), Ok(crate::KernelPath::Avx2Fma));
        let err = "newton".parse::<FractalKind>().unwrap_err().to_string();
        assert!(err.contains("newton") && err.contains("mandelbrot, julia"), "{err}");
    }

    #[test]
    fn complex_forms() {
        assert_eq!(parse_complex("0.285,0.01").unwrap(), Complex64::new(0.285, 0.01));
        assert_eq!(parse_complex("-0.8+0.156i").unwrap(), Complex64::new(-0.8, 0.156));
        assert_eq!(parse_complex("-0.8-0.156i").unwrap(), Complex64::new(-0.8, -0.156));
        assert_eq!(parse_complex("1e-3-2e-3i").unwrap(), Complex64::new(1e-3, -2e-3));
        assert_eq!(parse_complex("0.5").unwrap(), Complex64::new(0.5, 0.0));
        assert_eq!(parse_complex("2i").unwrap(), Complex64::new(0.0, 2.0));
        assert!(parse_complex("nan,0").is_err());
        assert!(parse_complex("a,b").unwrap_err().to_string().contains("RE,IM"));
    }

    #[test]
    fn power_and_c_validated() {
        assert!(Fractal::Multibrot { power: 1 }.validate().is_err());
        assert!(Fractal::Multibrot { power: 3 }.validate().is_ok());
        let bad = Fractal::Julia { c: Complex64::new(f64::NAN, 0.0) };
        assert!(bad.validate().unwrap_err().to_string().contains("c.re"));
    }
}
