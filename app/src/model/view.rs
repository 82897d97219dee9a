//! View maths: where the window looks in the complex plane, and how pixels on screen map
//! to it.
//!
//! A [`View`] is an exact centre and a scale (the x extent, `xb − xa`), independent of
//! the window size, so resizing keeps the same part of the plane in view. Both are the
//! engine's exact types ([`faafo_engine::location`]): decimal text for the centre, a
//! mantissa and a separate exponent for the scale, so a view 1e-1000 wide keeps every
//! digit through history, bookmarks, files and the copy/paste line. A [`Frame`] adds the
//! size in physical pixels and is what gets rendered. Shallow frames map pixels through
//! the engine's [`Region`](faafo_engine::Region) of nearest doubles, so what the explorer shows is exactly what
//! `faafo render` and the workers produce for the same numbers (pixel `i` of `n` sits at
//! `xa + i · (xb − xa)/(n − 1)`; rows count from the bottom, `ya`, with the imaginary axis
//! up, except for the `classic` kind, whose row 0 is at `ya`: see [`Orientation`](faafo_engine::Orientation)). Deep
//! frames ([`Frame::is_deep`]: past what doubles resolve) move and place pictures with the
//! exact decimals instead.
//!
//! Screen positions here are *physical* pixels measured from the canvas' top-left corner,
//! continuous: physical pixel `i` covers `[i, i + 1)`, so its centre (where the engine
//! samples) is at `i + 0.5`.
//!
//! This module holds the [`View`] itself and how it is written in files; the pixel
//! mapping lives in `frame` (a view at a size, and the moves made on it) and `grid`
//! (a rendered picture's pixel centres, and placing one picture on another), so each can
//! be read without the others.

mod frame;
mod grid;
#[cfg(test)]
mod tests;

use faafo_engine::location::{Center, Location as Exact, Scale};
use faafo_engine::{Complex64, FractalKind};
use serde::{Deserialize, Serialize};

pub use frame::Frame;
pub use grid::Grid;

/// The widest view allowed; beyond it every kind is a dot in the middle.
pub const MAX_SCALE: f64 = 64.0;

/// Where the explorer looks: the exact centre of the window and the x extent of the plane
/// it shows, at any depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ViewRepr", into = "ViewRepr")]
pub struct View {
    /// The complex number at the centre of the window, as exact decimals.
    pub center: Center,
    /// Distance between the centres of the first and last pixel column (the engine's
    /// `xb − xa`), with its own exponent.
    pub scale: Scale,
}

impl View {
    /// A view from doubles (a scale that is not a positive finite number becomes
    /// [`MAX_SCALE`]).
    pub fn new(re: f64, im: f64, scale: f64) -> Self {
        Self { center: Center::from_complex(Complex64::new(re, im)), scale: scale_or_widest(scale) }
    }

    /// The view of an exact location.
    pub fn exact(location: Exact) -> Self {
        Self { center: location.center, scale: location.scale }
    }

    /// The exact location (the engine's type).
    pub fn location(&self) -> Exact {
        Exact::new(self.center.clone(), self.scale)
    }

    /// The nearest doubles of the centre.
    pub fn center_f64(&self) -> Complex64 {
        self.center.to_complex()
    }

    /// The nearest double of the scale (0 below about 1e-308).
    pub fn scale_f64(&self) -> f64 {
        self.scale.to_f64()
    }

    /// The view each kind opens at: the whole set with a little margin.
    pub fn home(kind: FractalKind) -> Self {
        match kind {
            FractalKind::Mandelbrot => Self::new(-0.75, 0.0, 3.5),
            FractalKind::BurningShip => Self::new(-0.45, -0.5, 3.6),
            FractalKind::Multibrot => Self::new(0.0, 0.0, 3.2),
            FractalKind::Julia | FractalKind::Classic => Self::new(0.0, 0.0, 3.6),
        }
    }

    /// Decades of magnification relative to the kind's home view (0 at home, 6 six
    /// decades in, 1000 at 1e-1000): the depth as a power of ten, at any depth.
    pub fn decades(&self, kind: FractalKind) -> f64 {
        Self::home(kind).scale.log10() - self.scale.log10()
    }

    /// Magnification relative to the kind's home view (1 at home, 1e6 six decades in;
    /// infinite past 1e308: use [`View::decades`] there).
    pub fn zoom(&self, kind: FractalKind) -> f64 {
        10f64.powf(self.decades(kind))
    }

    /// Whether the view is wider than [`MAX_SCALE`].
    pub fn is_too_wide(&self) -> bool {
        self.scale.log10() > MAX_SCALE.log10()
    }

    /// This view, no wider than [`MAX_SCALE`].
    pub fn clamped(self) -> Self {
        if self.is_too_wide() { Self { scale: scale_or_widest(MAX_SCALE), ..self } } else { self }
    }
}

fn scale_or_widest(scale: f64) -> Scale {
    Scale::from_f64(scale).unwrap_or_else(|| Scale::from_f64(MAX_SCALE).expect("MAX_SCALE is a positive double"))
}

/// How a view looks in files: numbers where doubles hold it exactly (so shallow views
/// read as before, and older files load), decimal text where they do not.
#[derive(Serialize, Deserialize)]
struct ViewRepr {
    center: [Number; 2],
    scale: Number,
}

/// A double or its exact decimal text.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Number {
    Double(f64),
    Text(String),
}

/// Views narrower than this are written as text even when doubles hold them: past where
/// doubles resolve pixels a file reads better in exponents, and stays exact when edited.
const NUMBERS_DOWN_TO: f64 = 1e-13;

impl From<View> for ViewRepr {
    fn from(v: View) -> Self {
        let z = v.center.to_complex();
        let shallow = v.scale.log10() >= NUMBERS_DOWN_TO.log10();
        let center = if shallow && Center::from_complex(z) == v.center {
            [Number::Double(z.re), Number::Double(z.im)]
        } else {
            [Number::Text(v.center.re().to_owned()), Number::Text(v.center.im().to_owned())]
        };
        let s = v.scale.to_f64();
        let scale = match Scale::from_f64(s) {
            Some(back) if shallow && back == v.scale && s.is_normal() => Number::Double(s),
            _ => Number::Text(v.scale.to_string()),
        };
        Self { center, scale }
    }
}

impl TryFrom<ViewRepr> for View {
    type Error = String;

    fn try_from(r: ViewRepr) -> Result<Self, String> {
        let text = |n: &Number| match n {
            Number::Double(d) => format!("{d:e}"),
            Number::Text(t) => t.clone(),
        };
        let [re, im] = &r.center;
        let center = match (re, im) {
            (Number::Double(re), Number::Double(im)) if re.is_finite() && im.is_finite() => {
                Center::from_complex(Complex64::new(*re, *im))
            }
            _ => Center::parse(&text(re), &text(im)).map_err(|e| e.to_string())?,
        };
        let scale = match &r.scale {
            Number::Double(d) => {
                Scale::from_f64(*d).ok_or_else(|| format!("scale must be a positive number, got {d}"))?
            }
            Number::Text(t) => Scale::parse(t).map_err(|e| e.to_string())?,
        };
        Ok(Self { center, scale })
    }
}
