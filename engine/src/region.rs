//! The rectangle of the complex plane that an image covers, in both of its spellings.
//!
//! faafo tasks name the rectangle by its edges `xa xb ya yb`; an explorer thinks in a
//! centre and a scale. [`Region`] stores the edges (the classic kind's pixel mapping is
//! defined on them, bit for bit) and converts to and from centre + scale.
//!
//! Which way the imaginary axis points is the [`Orientation`]: every kind but `classic`
//! has it up, like every other fractal program; `classic` keeps the original's row 0 at
//! `ya`, bit for bit.

use num_complex::Complex64;

use crate::error::ParamError;
use crate::fractal::FractalKind;

/// Which way the imaginary axis points in an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Orientation {
    /// Row 0 at `yb`, the largest imaginary part: mathematics' convention, and what
    /// published locations (Seahorse Valley…) look like in other fractal software.
    #[default]
    Up,
    /// Row 0 at `ya`: the original faafo worker's mapping, kept by the `classic` kind so
    /// its images stay bit-for-bit the original's.
    Down,
}

impl Orientation {
    /// The orientation images of `kind` are rendered with.
    pub fn of(kind: FractalKind) -> Self {
        match kind {
            FractalKind::Classic => Self::Down,
            _ => Self::Up,
        }
    }

    /// The row counted from `ya` (the index [`map_axis`] takes) of row `row` counted from
    /// the top of an image `height` rows high. Fractional rows map linearly. For
    /// [`Orientation::Up`] this is `height − 1 − row`, so an image is exactly the
    /// vertical mirror of its [`Orientation::Down`] rendering, pixel for pixel.
    #[inline]
    pub fn row_from_ya(self, row: f64, height: u32) -> f64 {
        match self {
            Self::Down => row,
            Self::Up => f64::from(height.saturating_sub(1)) - row,
        }
    }

    /// +1 when the imaginary part grows with the row index (Down), −1 when it shrinks (Up).
    pub fn im_per_row_sign(self) -> f64 {
        match self {
            Self::Down => 1.0,
            Self::Up => -1.0,
        }
    }
}

/// Edges of the rendered rectangle. Pixel column `x` of `w` maps to
/// `x * (xb - xa) / (w - 1) + xa` (multiply, divide, add, in that order: the original's
/// mapping), so `xa` and `xb` are the centres of the first and last columns; the same on
/// the y axis from `ya`, with the row counted as the image's [`Orientation`] says: from
/// the top for `classic` (row 0 at `ya`), from the bottom for the rest (row 0 at `yb`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Region {
    /// Real part at column 0.
    pub xa: f64,
    /// Real part at the last column.
    pub xb: f64,
    /// The smaller imaginary part: at row 0 for [`Orientation::Down`], at the last row for
    /// [`Orientation::Up`].
    pub ya: f64,
    /// The larger imaginary part: at the last row for [`Orientation::Down`], at row 0 for
    /// [`Orientation::Up`].
    pub yb: f64,
}

impl Region {
    /// A region from its edges (not validated; see [`Region::validate`]).
    pub fn new(xa: f64, xb: f64, ya: f64, yb: f64) -> Self {
        Self { xa, xb, ya, yb }
    }

    /// The region centred on `center` whose x extent is `scale` (xb − xa), with square
    /// pixels for an image of `width` × `height`.
    pub fn from_center_scale(center: Complex64, scale: f64, width: u32, height: u32) -> Self {
        let half_x = scale / 2.0;
        let half_y = half_x * pixel_aspect(width, height);
        Self { xa: center.re - half_x, xb: center.re + half_x, ya: center.im - half_y, yb: center.im + half_y }
    }

    /// The centre of the rectangle.
    pub fn center(&self) -> Complex64 {
        Complex64::new(self.xa + (self.xb - self.xa) / 2.0, self.ya + (self.yb - self.ya) / 2.0)
    }

    /// The x extent, xb − xa (the explorer's "scale").
    pub fn scale(&self) -> f64 {
        self.xb - self.xa
    }

    /// The y extent, yb − ya.
    pub fn height_span(&self) -> f64 {
        self.yb - self.ya
    }

    /// Distance between neighbouring pixel centres on the x axis.
    pub fn pixel_step_x(&self, width: u32) -> f64 {
        self.scale() / f64::from(width.saturating_sub(1).max(1))
    }

    /// The complex coordinate of pixel centre (`x`, `y`) (`y` counted from the top) in an
    /// image of `orientation`, using the original's mapping on each axis.
    pub fn pixel_to_complex(&self, x: f64, y: f64, width: u32, height: u32, orientation: Orientation) -> Complex64 {
        let row = orientation.row_from_ya(y, height);
        Complex64::new(map_axis(x, self.xa, self.xb, width), map_axis(row, self.ya, self.yb, height))
    }

    /// The pixel position (fractional, `y` from the top) of a complex coordinate; inverse
    /// of [`Region::pixel_to_complex`].
    pub fn complex_to_pixel(&self, z: Complex64, width: u32, height: u32, orientation: Orientation) -> (f64, f64) {
        let fx = (z.re - self.xa) / (self.xb - self.xa) * f64::from(width.saturating_sub(1));
        let from_ya = (z.im - self.ya) / (self.yb - self.ya) * f64::from(height.saturating_sub(1));
        (fx, orientation.row_from_ya(from_ya, height))
    }

    /// The imaginary part of the centres of row `row` (from the top) of an image
    /// `height` rows high and of `orientation`: the original's `map_axis` on the row
    /// counted from `ya`, so `classic` keeps its bits and the rest are its mirror.
    #[inline]
    pub fn row_im(&self, row: u32, height: u32, orientation: Orientation) -> f64 {
        map_axis(orientation.row_from_ya(f64::from(row), height), self.ya, self.yb, height)
    }

    /// This region zoomed by `factor` (>1 zooms in) about the complex point `anchor`,
    /// which stays at the same pixel.
    pub fn zoom_about(&self, anchor: Complex64, factor: f64) -> Self {
        Self {
            xa: anchor.re + (self.xa - anchor.re) / factor,
            xb: anchor.re + (self.xb - anchor.re) / factor,
            ya: anchor.im + (self.ya - anchor.im) / factor,
            yb: anchor.im + (self.yb - anchor.im) / factor,
        }
    }

    /// This region moved by `delta`.
    pub fn translate(&self, delta: Complex64) -> Self {
        Self { xa: self.xa + delta.re, xb: self.xb + delta.re, ya: self.ya + delta.im, yb: self.yb + delta.im }
    }

    /// Checks: all edges finite, `xa < xb`, `ya < yb`, and neighbouring pixels still at
    /// distinct coordinates.
    pub fn validate(&self, width: u32, height: u32) -> Result<(), ParamError> {
        for (name, value) in [("xa", self.xa), ("xb", self.xb), ("ya", self.ya), ("yb", self.yb)] {
            if !value.is_finite() {
                return Err(ParamError::NotFinite { name, value });
            }
        }
        for (low_name, high_name, low, high) in [("xa", "xb", self.xa, self.xb), ("ya", "yb", self.ya, self.yb)] {
            if low >= high {
                return Err(ParamError::BadBounds { low_name, high_name, low, high });
            }
        }
        if !(self.xb - self.xa).is_finite() || !(self.yb - self.ya).is_finite() {
            return Err(ParamError::NotFinite { name: "region extent", value: f64::INFINITY });
        }
        for (axis, a, b, pixels) in [("x", self.xa, self.xb, width), ("y", self.ya, self.yb, height)] {
            let step = (b - a) / f64::from(pixels.saturating_sub(1).max(1));
            let min_step = ulp(a.abs().max(b.abs())) * 2.0;
            if step < min_step {
                return Err(ParamError::TooDeep { axis, span: b - a, pixels, min_step });
            }
        }
        Ok(())
    }
}

/// Height extent per unit of width extent that gives square pixels.
pub fn pixel_aspect(width: u32, height: u32) -> f64 {
    f64::from(height.saturating_sub(1).max(1)) / f64::from(width.saturating_sub(1).max(1))
}

/// The original's axis mapping, `i * (b - a) / (n - 1) + a`, in exactly that order.
#[inline]
pub fn map_axis(i: f64, a: f64, b: f64, n: u32) -> f64 {
    i * (b - a) / f64::from(n.saturating_sub(1).max(1)) + a
}

/// Distance from `x` to the next larger f64.
fn ulp(x: f64) -> f64 {
    let x = x.abs();
    if x == 0.0 {
        return f64::MIN_POSITIVE;
    }
    f64::from_bits(x.to_bits() + 1) - x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_t1_pixel_mapping() {
        // faafo-spec §10 T1: w=4, h=3, xa=-2, xb=2, ya=-1.5, yb=1.5.
        let r = Region::new(-2.0, 2.0, -1.5, 1.5);
        let xs: Vec<f64> = (0..4).map(|x| map_axis(f64::from(x), r.xa, r.xb, 4)).collect();
        assert_eq!(xs, [-2.0, -0.6666666666666667, 0.6666666666666665, 2.0]);
        let ys: Vec<f64> = (0..3).map(|y| map_axis(f64::from(y), r.ya, r.yb, 3)).collect();
        assert_eq!(ys, [-1.5, 0.0, 1.5]);
        // The classic kind keeps exactly those rows; the others are their mirror.
        let down: Vec<f64> = (0..3).map(|y| r.row_im(y, 3, Orientation::of(FractalKind::Classic))).collect();
        assert_eq!(down, [-1.5, 0.0, 1.5]);
        let up: Vec<f64> = (0..3).map(|y| r.row_im(y, 3, Orientation::of(FractalKind::Mandelbrot))).collect();
        assert_eq!(up, [1.5, 0.0, -1.5]);
    }

    #[test]
    fn up_is_the_mirror_of_down_bit_for_bit() {
        let r = Region::new(-0.75, -0.73, 0.12, 0.131);
        for y in 0..37 {
            let up = r.row_im(y, 37, Orientation::Up);
            let down = r.row_im(36 - y, 37, Orientation::Down);
            assert_eq!(up.to_bits(), down.to_bits(), "row {y}");
        }
        // Row 0 of an Up image has the largest imaginary part.
        assert!(r.row_im(0, 37, Orientation::Up) > r.row_im(1, 37, Orientation::Up));
    }

    #[test]
    fn center_scale_round_trip() {
        let c = Complex64::new(-0.75, 0.1);
        let r = Region::from_center_scale(c, 3.5, 1921, 1081);
        assert!((r.center() - c).norm() < 1e-15);
        assert!((r.scale() - 3.5).abs() < 1e-15);
        // Square pixels.
        let sx = r.scale() / 1920.0;
        let sy = r.height_span() / 1080.0;
        assert!((sx - sy).abs() < 1e-15);
        let back = Region::from_center_scale(r.center(), r.scale(), 1921, 1081);
        assert!((back.xa - r.xa).abs() < 1e-15 && (back.yb - r.yb).abs() < 1e-15);
    }

    #[test]
    fn zoom_keeps_anchor_at_same_pixel() {
        let r = Region::new(-2.5, 1.0, -1.0, 1.0);
        for o in [Orientation::Up, Orientation::Down] {
            let anchor = r.pixel_to_complex(100.0, 50.0, 640, 480, o);
            let z = r.zoom_about(anchor, 3.0);
            let (px, py) = z.complex_to_pixel(anchor, 640, 480, o);
            assert!((px - 100.0).abs() < 1e-9 && (py - 50.0).abs() < 1e-9, "{o:?}");
            assert!((z.scale() - r.scale() / 3.0).abs() < 1e-12);
        }
    }

    #[test]
    fn validation_names_the_field() {
        let e = Region::new(1.0, -1.0, 0.0, 1.0).validate(10, 10).unwrap_err().to_string();
        assert!(e.contains("xa must be less than xb"), "{e}");
        let e = Region::new(0.0, 1.0, f64::NAN, 1.0).validate(10, 10).unwrap_err().to_string();
        assert!(e.contains("ya must be a finite number"), "{e}");
        let e = Region::new(1.0, 1.0 + 1e-17, 0.0, 1.0).validate(10, 10);
        assert!(e.is_err());
        let e = Region::new(1.0, 1.0 + 1e-12, 0.0, 1e-12).validate(100, 100);
        assert!(e.is_ok());
    }
}
