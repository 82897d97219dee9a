//! A location: which fractal, where, and how deep to iterate. It is what history,
//! bookmarks, parameter files and the copy/paste text all store.
//!
//! The text form is one line of `key=value` words after the kind, e.g.
//! `mandelbrot center=-0.743643887037151,0.13182590420533 scale=1e-6 iterations=auto`,
//! so it survives chat programs and e-mail. The centre and scale are the view's exact
//! decimals, any number of digits (a view 1e-1000 wide pastes back exactly); other
//! numbers keep full f64 precision (Rust prints the shortest text that reads back to the
//! same bits).

use std::fmt;

use faafo_engine::fractal::{MAX_MULTIBROT_POWER, parse_complex};
use faafo_engine::location::{Center, Scale};
use faafo_engine::params::DEFAULT_MAX_ITERATIONS;
use faafo_engine::{Complex64, Fractal, FractalKind};
use serde::{Deserialize, Serialize};

use crate::model::view::{MAX_SCALE, View};

/// What is wrong with a location (typed or pasted text, a file's values).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocationError {
    /// A number of iterations out of range.
    #[error("iterations must be between 1 and {DEFAULT_MAX_ITERATIONS} (or auto), got {0}")]
    IterationsRange(i128),
    /// Iterations that are neither a number nor `auto`.
    #[error("iterations must be a whole number between 1 and {DEFAULT_MAX_ITERATIONS} or auto, got '{0}'")]
    IterationsWord(String),
    /// The engine refuses the kind, its constants, or a number in them.
    #[error(transparent)]
    Engine(#[from] faafo_engine::ParamError),
    /// A scale out of range.
    #[error("the view needs a scale between 0 and {MAX_SCALE}, got {}", .0.scale)]
    View(View),
    /// A centre that is not two exact decimal numbers.
    #[error("center must be RE,IM (two decimal numbers and a comma), got '{0}'")]
    Center(String),
    /// Nothing to read.
    #[error("the location is empty")]
    Empty,
    /// A word after the kind without `=`.
    #[error("expected key=value, got '{0}' in the location")]
    NotKeyValue(String),
    /// A Multibrot power that is not a whole number.
    #[error("power must be a whole number between 2 and {MAX_MULTIBROT_POWER}, got '{0}'")]
    Power(String),
    /// A scale that is not a number.
    #[error("scale must be a positive number, got '{0}'")]
    Scale(String),
    /// A key the text form does not have.
    #[error("unknown key '{0}' in the location (expected c, power, center, scale, iterations)")]
    UnknownKey(String),
}

/// The iteration limit: fixed, or growing with the zoom so deep views stay detailed
/// without making shallow ones slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "IterationsRepr", into = "IterationsRepr")]
pub enum Iterations {
    /// [`auto_iterations`] of the current zoom.
    #[default]
    Auto,
    /// Exactly this many (1..=[`DEFAULT_MAX_ITERATIONS`]).
    Fixed(u32),
}

/// How iterations look in files: the word `auto` or a number.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum IterationsRepr {
    Number(i64),
    Word(String),
}

impl TryFrom<IterationsRepr> for Iterations {
    type Error = LocationError;

    fn try_from(r: IterationsRepr) -> Result<Self, LocationError> {
        match r {
            IterationsRepr::Number(n) => Iterations::checked(i128::from(n)),
            IterationsRepr::Word(w) => w.parse(),
        }
    }
}

impl From<Iterations> for IterationsRepr {
    fn from(i: Iterations) -> Self {
        match i {
            Iterations::Auto => Self::Word("auto".to_owned()),
            Iterations::Fixed(n) => Self::Number(i64::from(n)),
        }
    }
}

impl Iterations {
    /// A fixed limit, checked against the engine's range; the error says what is allowed.
    pub fn checked(n: i128) -> Result<Self, LocationError> {
        if (1..=i128::from(DEFAULT_MAX_ITERATIONS)).contains(&n) {
            Ok(Self::Fixed(n as u32))
        } else {
            Err(LocationError::IterationsRange(n))
        }
    }

    /// The limit to render with at `decades` of magnification from the home view.
    pub fn at_decades(self, decades: f64) -> u32 {
        match self {
            Self::Auto => auto_iterations(decades),
            Self::Fixed(n) => n,
        }
    }
}

impl std::str::FromStr for Iterations {
    type Err = LocationError;

    fn from_str(s: &str) -> Result<Self, LocationError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        // Parse wide so that 10^12 is reported as out of range, not as "not a number".
        match t.replace('_', "").parse::<i128>() {
            Ok(n) => Self::checked(n),
            Err(_) => Err(LocationError::IterationsWord(t.to_owned())),
        }
    }
}

impl fmt::Display for Iterations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// The automatic iteration limit at `decades` of magnification: 250 at the home view,
/// growing with the number of decades zoomed (about 1 000 at 10³, 2 700 at Seahorse
/// Valley's 10^6.5, 7 700 at the f64 limit near 10^13.5), then by 500 a decade with
/// perturbation (57 000 at 10^100, 150 000 at 10^300, 500 000 at 10^1000). Deep
/// boundary detail needs more steps to escape; a fixed limit would leave deep views
/// black or shallow ones slow. Tuned by eye on the engine's `seahorse` scene, whose
/// minibrot edge is still soft at 1 300 and crisp from about 3 000.
pub fn auto_iterations(decades: f64) -> u32 {
    let decades = decades.max(0.0);
    let shallow = decades.min(SHALLOW_DECADES);
    let deep = (decades - SHALLOW_DECADES).max(0.0);
    (250.0 + 150.0 * shallow.powf(1.5) + 500.0 * deep).round().min(f64::from(DEFAULT_MAX_ITERATIONS)) as u32
}

/// Decades of zoom to where doubles stop, beyond which automatic iterations grow linearly.
const SHALLOW_DECADES: f64 = 13.5;

/// Which fractal, where, and how deep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub fractal: Fractal,
    pub view: View,
    pub iterations: Iterations,
}

impl Default for Location {
    fn default() -> Self {
        Self::home(Fractal::Mandelbrot)
    }
}

impl Location {
    /// `fractal` at its home view with automatic iterations.
    pub fn home(fractal: Fractal) -> Self {
        Self { fractal, view: View::home(fractal.kind()), iterations: Iterations::Auto }
    }

    /// Magnification from the kind's home view (infinite past 1e308: see
    /// [`Location::decades`]).
    pub fn zoom(&self) -> f64 {
        self.view.zoom(self.fractal.kind())
    }

    /// Decades of magnification from the kind's home view: the depth as a power of ten.
    pub fn decades(&self) -> f64 {
        self.view.decades(self.fractal.kind())
    }

    /// The iteration limit at this location.
    pub fn max_iterations(&self) -> u32 {
        self.iterations.at_decades(self.decades())
    }

    /// Checks everything a file or a paste could get wrong.
    pub fn validate(&self) -> Result<(), LocationError> {
        self.fractal.validate()?;
        if self.view.is_too_wide() {
            return Err(LocationError::View(self.view.clone()));
        }
        if let Iterations::Fixed(n) = self.iterations {
            Iterations::checked(i128::from(n))?;
        }
        Ok(())
    }

    /// The one-line text form (see the module docs).
    pub fn to_text(&self) -> String {
        let mut s = self.fractal.kind().name().to_owned();
        match self.fractal {
            Fractal::Julia { c } | Fractal::Classic { c } => s += &format!(" c={}", fmt_complex(c)),
            Fractal::Multibrot { power } => s += &format!(" power={power}"),
            Fractal::Mandelbrot | Fractal::BurningShip => {}
        }
        s += &format!(" center={} scale={} iterations={}", self.view.center, self.view.scale, self.iterations);
        s
    }

    /// Reads the one-line text form. Missing keys take the kind's defaults (home view,
    /// automatic iterations); unknown keys and bad numbers are errors that name the key.
    pub fn parse_text(text: &str) -> Result<Self, LocationError> {
        let mut words = text.split_whitespace();
        let kind_word = words.next().ok_or(LocationError::Empty)?;
        let kind: FractalKind = kind_word.trim_start_matches("faafo:").parse()?;
        let (mut c, mut power, mut center, mut scale, mut iterations) = (None, None, None, None, Iterations::Auto);
        for word in words {
            let (key, value) = word.split_once('=').ok_or_else(|| LocationError::NotKeyValue(word.to_owned()))?;
            match key {
                "c" => c = Some(parse_complex(value)?),
                "power" => power = Some(value.parse::<u32>().map_err(|_| LocationError::Power(value.to_owned()))?),
                "center" | "centre" => center = Some(parse_center(value)?),
                "scale" => scale = Some(Scale::parse(value).map_err(|_| LocationError::Scale(value.to_owned()))?),
                "iterations" => iterations = value.parse()?,
                other => return Err(LocationError::UnknownKey(other.to_owned())),
            }
        }
        // The classic kind's constant is the original's documented fallback: the explorer
        // does not run its random search.
        let fractal = Fractal::from_kind(kind, c, power.unwrap_or(3), || faafo_engine::classic::FALLBACK_C);
        let home = View::home(kind);
        let view = View { center: center.unwrap_or(home.center), scale: scale.unwrap_or(home.scale) };
        let location = Self { fractal, view, iterations };
        location.validate()?;
        Ok(location)
    }
}

/// `re,im` with full precision.
pub fn fmt_complex(z: Complex64) -> String {
    format!("{},{}", z.re, z.im)
}

/// An exact centre from `RE,IM` (any number of digits; the `RE+IMi` spelling is read as
/// doubles, as before).
fn parse_center(text: &str) -> Result<Center, LocationError> {
    match text.split_once(',') {
        Some((re, im)) => Ok(Center::parse(re.trim(), im.trim())?),
        None if text.ends_with('i') => Ok(Center::from_complex(parse_complex(text)?)),
        None => Err(LocationError::Center(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn text_round_trips_bit_for_bit() {
        let locations = [
            Location::default(),
            Location {
                fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
                view: View::new(0.123_456_789_012_345_68, -1.0 / 3.0, 2.345678901234567e-11),
                iterations: Iterations::Fixed(4321),
            },
            Location { fractal: Fractal::Multibrot { power: 5 }, ..Location::default() },
            Location { fractal: Fractal::Classic { c: Complex64::new(0.285, 0.01) }, ..Location::default() },
        ];
        for loc in locations {
            let text = loc.to_text();
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(Location::parse_text(&text).unwrap(), loc, "{text}");
        }
        let t = Location::default().to_text();
        assert_eq!(t, "mandelbrot center=-0.75,0 scale=3.5e0 iterations=auto");
    }

    #[test]
    fn bad_text_is_explained() {
        for (text, want) in [
            ("", "empty"),
            ("newton", "unknown kind"),
            ("mandelbrot scale=abc", "scale must be"),
            ("mandelbrot scale=-1", "scale must be a positive number"),
            ("mandelbrot iterations=0", "between 1 and 10000000"),
            ("mandelbrot iterations=1000000000000", "got 1000000000000"),
            ("mandelbrot zoom=3", "unknown key 'zoom'"),
            ("multibrot power=1", "power must be between 2"),
            ("julia c=nan,0", "finite"),
            ("mandelbrot center", "key=value"),
            ("mandelbrot center=1.2.3,0", "center real part"),
            ("mandelbrot center=0.5", "RE,IM"),
            ("mandelbrot scale=1e-100x", "scale must be"),
        ] {
            let e = Location::parse_text(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn iterations_parse_and_grow_with_zoom() {
        assert_eq!("auto".parse::<Iterations>(), Ok(Iterations::Auto));
        assert_eq!(" 500 ".parse::<Iterations>(), Ok(Iterations::Fixed(500)));
        assert!("0".parse::<Iterations>().unwrap_err().to_string().contains("got 0"));
        assert!("1000000000000".parse::<Iterations>().unwrap_err().to_string().contains("got 1000000000000"));
        assert!("-5".parse::<Iterations>().is_err());
        assert!("many".parse::<Iterations>().unwrap_err().to_string().contains("'many'"));
        assert_eq!(auto_iterations(0.0), 250);
        assert_eq!(auto_iterations(-2.0), 250);
        let deeper: Vec<u32> = [3.0, 6.0, 9.0, 13.0, 30.0, 100.0, 300.0, 1000.0].map(auto_iterations).to_vec();
        assert!(deeper.windows(2).all(|w| w[0] < w[1]), "{deeper:?}");
        assert!(deeper[3] < 10_000, "{deeper:?}");
        // No jump where perturbation takes over, and still within the engine's cap at 1e-1000.
        let seam = auto_iterations(SHALLOW_DECADES + 0.01) - auto_iterations(SHALLOW_DECADES - 0.01);
        assert!(seam < 20, "{seam}");
        assert!(deeper[7] < DEFAULT_MAX_ITERATIONS, "{deeper:?}");
    }

    #[test]
    fn a_pasted_deep_location_keeps_every_digit() {
        // Today's bug: a 1e-100 view pasted as text failed with "xa must be less than xb".
        let re = format!("-1.{}", "7".repeat(120));
        let text = format!("mandelbrot center={re},0.{}3 scale=1.5e-100 iterations=auto", "0".repeat(110));
        let loc = Location::parse_text(&text).unwrap();
        assert_eq!(loc.view.center.re(), re);
        assert_eq!(loc.view.scale.to_string(), "1.5e-100");
        assert!((loc.decades() - 100.37).abs() < 0.01, "{}", loc.decades());
        assert!(loc.max_iterations() > 40_000, "iterations grow with depth: {}", loc.max_iterations());
        assert_eq!(Location::parse_text(&loc.to_text()).unwrap(), loc);
        let deepest = Location::parse_text("mandelbrot center=0,1 scale=2.5e-1000").unwrap();
        assert_eq!(deepest.to_text(), "mandelbrot center=0,1 scale=2.5e-1000 iterations=auto");
    }
}
