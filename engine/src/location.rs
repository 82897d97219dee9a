//! Where a view is, at any depth: an exact decimal centre and a width with its own
//! exponent.
//!
//! A [`Region`] of doubles stops working around a view width of 1e-13 (neighbouring
//! pixels share a coordinate) and cannot even hold a width of 1e-400. A [`Location`]
//! holds the centre as decimal text with as many digits as the depth needs, and the
//! width as mantissa × 10^exponent, so it survives files, the wire and the database
//! without loss. Shallow views still render through their nearest [`Region`]
//! ([`Location::region`]); deep ones through [`crate::deep`].
//!
//! Pixel mapping (both paths agree): the view is `scale` wide between the centres of
//! the first and last columns, pixels are square, and row 0 is the top — the largest
//! imaginary part.

use std::fmt;
use std::str::FromStr;

use num_complex::Complex64;

use crate::deep::decimal::{Decimal, DecimalError};
use crate::error::ParamError;
use crate::region::Region;

/// Relative pixel size below which doubles no longer render a view faithfully: at
/// 2^-40 a pixel is still ~4000 ulps of the coordinates, so the direct path is exact
/// down to here and perturbation takes over below (the explorer switches without a seam).
const PERTURBATION_BELOW: f64 = 1.0 / (1u64 << 40) as f64;

/// Decimal digits kept below the width's leading digit when a centre is moved: enough for
/// a pixel of a 65,536-wide poster (5 digits) plus 5 digits of sub-pixel position.
const EXTRA_DIGITS: i64 = 10;

/// A view width with a separate exponent: `mantissa × 10^exponent`, so 1e-1000 does not
/// underflow. Written as text like `5.0672263e-433` (the shortest that reads back exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// In [1, 10).
    mantissa: f64,
    exponent: i64,
}

impl Scale {
    /// The scale of a positive, finite double (`None` otherwise).
    pub fn from_f64(v: f64) -> Option<Scale> {
        (v.is_finite() && v > 0.0).then(|| Self::from_decimal(&Decimal::from_f64(v))).flatten()
    }

    /// The nearest double; 0.0 when below the smallest double (infinity above the largest).
    pub fn to_f64(self) -> f64 {
        format!("{}e{}", self.mantissa, self.exponent).parse().unwrap_or(0.0)
    }

    /// log10 of the width, e.g. -432.3 for 5.07e-433.
    pub fn log10(self) -> f64 {
        self.mantissa.log10() + self.exponent as f64
    }

    /// `mantissa` in [1, 10) and the power of ten.
    pub fn parts(self) -> (f64, i64) {
        (self.mantissa, self.exponent)
    }

    /// This scale times `f` (a positive finite factor; anything else leaves it unchanged).
    pub fn mul_f64(self, f: f64) -> Scale {
        match Scale::from_f64(self.mantissa * f) {
            Some(s) if f.is_finite() && f > 0.0 => Scale { mantissa: s.mantissa, exponent: s.exponent + self.exponent },
            _ => self,
        }
    }

    /// Parses a positive decimal like `5.06722630e-433` or `0.0035`.
    pub fn parse(s: &str) -> Result<Scale, ParamError> {
        let err = || ParamError::Unparsable {
            what: "scale",
            given: s.to_owned(),
            expected: "a positive decimal number such as 3.5 or 5.06722630e-433",
        };
        let d = Decimal::parse(s).map_err(|_| err())?;
        if d.is_negative() {
            return Err(err());
        }
        Self::from_decimal(&d).ok_or_else(err)
    }

    /// `10^(self.exponent) × mantissa` from a positive decimal.
    fn from_decimal(d: &Decimal) -> Option<Scale> {
        let lead = d.leading_power()?;
        if d.is_negative() {
            return None;
        }
        let digits = d.digits();
        let keep = digits.len().min(40);
        let (first, rest) = digits[..keep].split_at(1);
        let text: String = std::iter::once(char::from(b'0' + first[0]))
            .chain((!rest.is_empty()).then_some('.'))
            .chain(rest.iter().map(|x| char::from(b'0' + x)))
            .collect();
        let m: f64 = text.parse().ok()?;
        // 9.99…9 with more digits than a double holds rounds to 10.
        Some(if m >= 10.0 {
            Scale { mantissa: 1.0, exponent: lead + 1 }
        } else {
            Scale { mantissa: m, exponent: lead }
        })
    }

    /// `self / other` as a double (e.g. how many times wider one view is than another),
    /// at any depth: the exponents are subtracted before anything is rounded.
    pub fn ratio(self, other: Scale) -> f64 {
        let e = (self.exponent - other.exponent).clamp(-1000, 1000) as i32;
        // Two steps so that neither power overflows while the product is in range.
        self.mantissa / other.mantissa * 10f64.powi(e / 2) * 10f64.powi(e - e / 2)
    }

    /// Distance between neighbouring pixel centres in an image `width` pixels wide.
    pub fn pixel_step(self, width: u32) -> Scale {
        self.mul_f64(1.0 / f64::from(width.saturating_sub(1).max(1)))
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}e{}", self.mantissa, self.exponent)
    }
}

impl FromStr for Scale {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::parse(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Scale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Scale {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Scale::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An exact centre: the real and imaginary parts as decimal text (normalised: no
/// redundant zeros, positional for ordinary magnitudes, scientific for tiny or huge ones),
/// any number of digits.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "CenterText", into = "CenterText"))]
pub struct Center {
    re: String,
    im: String,
}

/// The serde shape of a [`Center`]: `{"re": "...", "im": "..."}`.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CenterText {
    re: String,
    im: String,
}

#[cfg(feature = "serde")]
impl TryFrom<CenterText> for Center {
    type Error = ParamError;

    fn try_from(t: CenterText) -> Result<Self, Self::Error> {
        Center::parse(&t.re, &t.im)
    }
}

#[cfg(feature = "serde")]
impl From<Center> for CenterText {
    fn from(c: Center) -> Self {
        CenterText { re: c.re, im: c.im }
    }
}

impl Center {
    /// Parses both parts (decimal, optional exponent); the error names the part.
    pub fn parse(re: &str, im: &str) -> Result<Center, ParamError> {
        let part = |what: &'static str, text: &str| {
            Decimal::parse(text).map(|d| d.to_text()).map_err(|e| ParamError::Unparsable {
                what,
                given: if text.len() > 80 {
                    format!("{}…", &text[..text.floor_char_boundary(80)])
                } else {
                    text.to_owned()
                },
                expected: match e {
                    DecimalError::Syntax => "a decimal number such as -0.75 or 1.5e-300",
                    DecimalError::TooLong => "at most 1,000,000 digits and an exponent within ±1e9",
                },
            })
        };
        Ok(Center { re: part("center real part", re)?, im: part("center imaginary part", im)? })
    }

    /// The exact value of the doubles, in the shortest text that reads back as them.
    pub fn from_complex(z: Complex64) -> Center {
        Center { re: Decimal::from_f64(z.re).to_text(), im: Decimal::from_f64(z.im).to_text() }
    }

    /// The nearest doubles.
    pub fn to_complex(&self) -> Complex64 {
        Complex64::new(self.re_decimal().to_f64(), self.im_decimal().to_f64())
    }

    /// The real part's text.
    pub fn re(&self) -> &str {
        &self.re
    }

    /// The imaginary part's text.
    pub fn im(&self) -> &str {
        &self.im
    }

    /// `(self − other) / unit` on each axis, as doubles: how far apart two centres are in
    /// units of a width (e.g. a pixel step). The difference is exact, so two views 1e-500
    /// wide a few pixels apart — whose nearest doubles are equal — are still told apart;
    /// only the quotient is rounded. Saturates to ±infinity (or 0) past ±1e±400 units.
    pub fn offset_in_units(&self, other: &Center, unit: Scale) -> (f64, f64) {
        let per_unit = |a: Decimal, b: Decimal| {
            let (mantissa, exponent) = unit.parts();
            a.add(&b.neg()).shifted(-exponent).to_f64() / mantissa
        };
        (per_unit(self.re_decimal(), other.re_decimal()), per_unit(self.im_decimal(), other.im_decimal()))
    }

    pub(crate) fn re_decimal(&self) -> Decimal {
        Decimal::parse(&self.re).unwrap_or_else(|_| Decimal::zero())
    }

    pub(crate) fn im_decimal(&self) -> Decimal {
        Decimal::parse(&self.im).unwrap_or_else(|_| Decimal::zero())
    }

    fn from_decimals(re: &Decimal, im: &Decimal) -> Center {
        Center { re: re.to_text(), im: im.to_text() }
    }
}

impl fmt::Display for Center {
    /// `RE,IM`, the form `faafo render --center` takes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.re, self.im)
    }
}

/// Centre + width: what every program stores and moves.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Location {
    /// The point at the middle of the image.
    pub center: Center,
    /// The distance between the centres of the first and last columns.
    pub scale: Scale,
}

impl Location {
    /// A location from its parts (the centre is kept as given).
    pub fn new(center: Center, scale: Scale) -> Self {
        Self { center, scale }
    }

    /// The location of a shallow region: its centre's doubles exactly, its x extent.
    /// `None` for a region whose extent is not a positive finite number.
    pub fn from_region(region: &Region) -> Option<Self> {
        Some(Self { center: Center::from_complex(region.center()), scale: Scale::from_f64(region.scale())? })
    }

    /// Offset of pixel centre `px` from the image centre, as exact decimals (x right,
    /// y up).
    fn offset(&self, px: [f64; 2], width: u32, height: u32) -> (Decimal, Decimal) {
        let (m, e) = self.scale.parts();
        let per_px = m / f64::from(width.saturating_sub(1).max(1));
        let dx = (px[0] - f64::from(width.saturating_sub(1)) / 2.0) * per_px;
        let dy = (f64::from(height.saturating_sub(1)) / 2.0 - px[1]) * per_px;
        (Decimal::from_f64(dx).shifted(e), Decimal::from_f64(dy).shifted(e))
    }

    /// The power of ten a moved centre is rounded to at this depth.
    fn resolution_exponent(&self) -> i64 {
        -(self.digits() as i64)
    }

    fn moved(&self, dx: &Decimal, dy: &Decimal, scale: Scale) -> Location {
        let target = Location { center: self.center.clone(), scale };
        let at = target.resolution_exponent();
        let re = self.center.re_decimal().add(dx).rounded_at(at);
        let im = self.center.im_decimal().add(dy).rounded_at(at);
        Location { center: Center::from_decimals(&re, &im), scale }
    }

    /// The exact point at pixel centre `px` (column, row; row 0 at the top), with as many
    /// digits as this depth needs.
    pub fn point_at(&self, px: [f64; 2], width: u32, height: u32) -> Center {
        let (dx, dy) = self.offset(px, width, height);
        self.moved(&dx, &dy, self.scale).center
    }

    /// Zoomed by `factor` (> 1 zooms in) about pixel `px`, whose point stays under it.
    /// A factor that is not positive and finite leaves the location unchanged.
    pub fn zoom_at(&self, px: [f64; 2], factor: f64, width: u32, height: u32) -> Location {
        if !(factor.is_finite() && factor > 0.0) {
            return self.clone();
        }
        let keep = 1.0 - 1.0 / factor;
        let [cx, cy] = [f64::from(width.saturating_sub(1)) / 2.0, f64::from(height.saturating_sub(1)) / 2.0];
        // The new centre is the old one moved by (1 - 1/factor) of the way to px.
        let (dx, dy) = self.offset([cx + (px[0] - cx) * keep, cy + (px[1] - cy) * keep], width, height);
        self.moved(&dx, &dy, self.scale.mul_f64(1.0 / factor))
    }

    /// The view moved so that what was at (`dx_px`, `dy_px`) pixels from the centre
    /// (x right, y down, as on screen) is the new centre.
    pub fn panned(&self, dx_px: f64, dy_px: f64, width: u32, height: u32) -> Location {
        let [cx, cy] = [f64::from(width.saturating_sub(1)) / 2.0, f64::from(height.saturating_sub(1)) / 2.0];
        let (dx, dy) = self.offset([cx + dx_px, cy + dy_px], width, height);
        self.moved(&dx, &dy, self.scale)
    }

    /// Whether doubles can no longer resolve this view's pixels faithfully, so it must
    /// be rendered by perturbation ([`crate::deep`]).
    pub fn needs_perturbation(&self, width: u32, height: u32) -> bool {
        let c = self.center.to_complex();
        let magnitude = c.re.abs().max(c.im.abs()).max(1.0);
        // Pixels are square: the step is the same on both axes.
        let _ = height;
        let step_f64 = self.scale.pixel_step(width).to_f64();
        !(step_f64.is_normal() && step_f64 >= magnitude * PERTURBATION_BELOW)
    }

    /// The nearest doubles as a [`Region`] (the direct path, and the wire's `xa..yb`).
    pub fn region(&self, width: u32, height: u32) -> Region {
        Region::from_center_scale(self.center.to_complex(), self.scale.to_f64(), width, height)
    }

    /// Decimal digits after the point that a centre needs at this depth (the width's
    /// leading digit plus [`EXTRA_DIGITS`]; at least 17, so shallow centres keep their
    /// doubles' digits).
    pub fn digits(&self) -> usize {
        let (_, e) = self.scale.parts();
        (EXTRA_DIGITS - e).max(17) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_text_round_trips_and_rejects_bad_input() {
        for text in ["5.0672263e-433", "3.5e0", "1e-1000", "2.5e300"] {
            let s = Scale::parse(text).unwrap();
            assert_eq!(s.to_string(), text);
            assert_eq!(Scale::parse(&s.to_string()).unwrap(), s);
        }
        assert_eq!(Scale::parse("0.0035").unwrap().to_string(), "3.5e-3");
        assert_eq!(Scale::parse("5.06722630e-433").unwrap().to_string(), "5.0672263e-433");
        assert!((Scale::parse("5e-433").unwrap().log10() - (-432.30103)).abs() < 1e-4);
        assert_eq!(Scale::parse("1e-400").unwrap().to_f64(), 0.0);
        assert_eq!(Scale::from_f64(3.5).unwrap().to_f64(), 3.5);
        assert_eq!(Scale::from_f64(1e-300).unwrap().mul_f64(1e-200).to_string(), "1e-500");
        for bad in ["0", "-1", "abc", ""] {
            let e = Scale::parse(bad).unwrap_err().to_string();
            assert!(e.contains("scale") && e.contains("positive"), "{e}");
        }
        assert!(Scale::from_f64(0.0).is_none() && Scale::from_f64(f64::NAN).is_none());
    }

    #[test]
    fn offsets_between_deep_centres_are_exact() {
        let zeros = "0".repeat(600);
        let a = Center::parse(&format!("-0.7{zeros}35"), "1").unwrap();
        let b = Center::parse(&format!("-0.7{zeros}12"), "1").unwrap();
        // The last digits are 1e-603 apart: 23 of them, and the doubles cannot see it.
        assert_eq!(a.to_complex(), b.to_complex());
        let (re, im) = a.offset_in_units(&b, Scale::parse("1e-603").unwrap());
        assert!((re + 23.0).abs() < 1e-12 && im == 0.0, "{re} {im}");
        let (re, _) = b.offset_in_units(&a, Scale::parse("2.3e-601").unwrap());
        assert!((re - 0.1).abs() < 1e-15, "{re}");
        let (re, im) = Center::parse("1.5", "0")
            .unwrap()
            .offset_in_units(&Center::parse("-2.25", "1").unwrap(), Scale::parse("0.5").unwrap());
        assert!((re - 7.5).abs() < 1e-15 && (im + 2.0).abs() < 1e-15, "{re} {im}");
        let same = Center::parse("3", "0")
            .unwrap()
            .offset_in_units(&Center::parse("3.000", "0").unwrap(), Scale::parse("1e-900").unwrap());
        assert_eq!(same, (0.0, 0.0));
        assert!((Scale::parse("5e-433").unwrap().ratio(Scale::parse("2.5e-434").unwrap()) - 20.0).abs() < 1e-12);
        assert!((Scale::parse("1").unwrap().ratio(Scale::parse("4").unwrap()) - 0.25).abs() < 1e-16);
        assert_eq!(Scale::parse("1e-1000").unwrap().ratio(Scale::parse("1e-10").unwrap()), 0.0);
    }

    #[test]
    fn center_keeps_digits_and_doubles() {
        let re = "-1.9072475829123560219806014933444037282313";
        let c = Center::parse(re, "7.54605431570315771754553123674989535657416e-16").unwrap();
        assert_eq!(c.re(), re);
        let z = Complex64::new(-0.743643887037151, 0.13182590420533);
        assert_eq!(Center::from_complex(z).to_complex(), z);
        assert_eq!(Center::from_complex(z).re(), "-0.743643887037151");
        let e = Center::parse("1", "x").unwrap_err().to_string();
        assert!(e.contains("center imaginary part"), "{e}");
    }

    #[test]
    fn moves_are_exact_and_trimmed() {
        let loc = Location::new(Center::parse("0.25", "0").unwrap(), Scale::parse("1e-200").unwrap());
        let (w, h) = (101, 51);
        // Column 100 is half a width right of the centre, row 0 a quarter up.
        let p = loc.point_at([100.0, 0.0], w, h);
        assert_eq!(p.re(), format!("0.25{}5", "0".repeat(198)));
        assert_eq!(p.im(), "2.5e-201");
        // Zooming about a pixel keeps its point there.
        let z = loc.zoom_at([100.0, 0.0], 10.0, w, h);
        assert_eq!(z.point_at([100.0, 0.0], w, h), p);
        assert_eq!(z.scale.to_string(), "1e-201");
        // Many pans do not grow the digits beyond what the depth needs.
        let mut moved = loc.clone();
        for _ in 0..50 {
            moved = moved.panned(0.3, -0.7, w, h);
        }
        assert!(moved.center.re().len() <= loc.digits() + 3, "{}", moved.center.re());
        let back = moved.panned(-15.0, 35.0, w, h);
        assert_eq!(back.center, loc.center);
    }

    #[test]
    fn perturbation_is_needed_only_when_doubles_fail() {
        let shallow = Location::new(Center::parse("-0.75", "0").unwrap(), Scale::parse("3.5").unwrap());
        assert!(!shallow.needs_perturbation(1280, 720));
        let r = shallow.region(1281, 721);
        assert_eq!(r, Region::from_center_scale(Complex64::new(-0.75, 0.0), 3.5, 1281, 721));
        let deep = Location::new(shallow.center.clone(), Scale::parse("1e-14").unwrap());
        assert!(deep.needs_perturbation(1280, 720));
        let from = Location::from_region(&r).unwrap();
        assert_eq!(from.center.to_complex(), r.center());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_shapes() {
        let loc = Location::new(Center::parse("-0.75", "1e-300").unwrap(), Scale::parse("5.0672263e-433").unwrap());
        let text = serde_json::to_string(&loc).unwrap();
        assert_eq!(text, r#"{"center":{"re":"-0.75","im":"1e-300"},"scale":"5.0672263e-433"}"#);
        assert_eq!(serde_json::from_str::<Location>(&text).unwrap(), loc);
        assert!(serde_json::from_str::<Location>(r#"{"center":{"re":"x","im":"0"},"scale":"1"}"#).is_err());
    }
}
