//! View maths: where the window looks in the complex plane, and how pixels on screen map
//! to it.
//!
//! A [`View`] is an exact centre and a scale (the x extent, `xb − xa`), independent of
//! the window size, so resizing keeps the same part of the plane in view. Both are the
//! engine's exact types ([`faafo_engine::location`]): decimal text for the centre, a
//! mantissa and a separate exponent for the scale, so a view 1e-1000 wide keeps every
//! digit through history, bookmarks, files and the copy/paste line. A [`Frame`] adds the
//! size in physical pixels and is what gets rendered. Shallow frames map pixels through
//! the engine's [`Region`] of nearest doubles, so what the explorer shows is exactly what
//! `faafo render` and the workers produce for the same numbers (pixel `i` of `n` sits at
//! `xa + i · (xb − xa)/(n − 1)`; rows count from the bottom, `ya`, with the imaginary axis
//! up, except for the `classic` kind, whose row 0 is at `ya`: see [`Orientation`]). Deep
//! frames ([`Frame::is_deep`]: past what doubles resolve) move and place pictures with the
//! exact decimals instead.
//!
//! Screen positions here are *physical* pixels measured from the canvas' top-left corner,
//! continuous: physical pixel `i` covers `[i, i + 1)`, so its centre (where the engine
//! samples) is at `i + 0.5`.

use std::sync::Arc;

use faafo_engine::location::{Center, Location as Exact, Scale};
use faafo_engine::{Complex64, Fractal, FractalKind, Orientation, Region};
use serde::{Deserialize, Serialize};

use crate::model::exact;

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

/// A view at a size: what one render computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Where it looks.
    pub view: View,
    /// Width in physical pixels (≥ 2).
    pub width: u32,
    /// Height in physical pixels (≥ 2).
    pub height: u32,
    /// Which way the imaginary axis points: the engine's choice for the kind shown
    /// ([`Orientation::of`]), up for all but `classic`.
    pub orientation: Orientation,
}

impl Frame {
    /// `view` at `width` × `height` physical pixels, imaginary axis up (every kind but
    /// `classic`; see [`Frame::of_kind`]).
    pub fn new(view: View, width: u32, height: u32) -> Self {
        Self { view, width, height, orientation: Orientation::Up }
    }

    /// This frame oriented as the engine renders `kind`.
    pub fn of_kind(self, kind: FractalKind) -> Self {
        Self { orientation: Orientation::of(kind), ..self }
    }

    /// Whether doubles no longer resolve this frame's pixels, so that it is moved with
    /// exact decimals and (for the kinds that have it) rendered by perturbation.
    pub fn is_deep(&self) -> bool {
        self.view.location().needs_perturbation(self.width, self.height)
    }

    /// The engine's rectangle for this frame (square pixels), in nearest doubles.
    pub fn region(&self) -> Region {
        Region::from_center_scale(self.view.center_f64(), self.view.scale_f64(), self.width, self.height)
    }

    /// The grid of pixel centres this frame samples.
    pub fn grid(&self) -> Grid {
        Grid {
            region: self.region(),
            width: self.width,
            height: self.height,
            orientation: self.orientation,
            exact: self.is_deep().then(|| Arc::new(self.view.location())),
        }
    }

    /// The engine's pixel position (column, row from the top, centres at whole numbers)
    /// of the continuous screen position `px`, for an image rendered `Up`.
    fn engine_px(&self, px: [f64; 2]) -> [f64; 2] {
        let row = px[1] - 0.5;
        let row = match self.orientation {
            Orientation::Up => row,
            Orientation::Down => f64::from(self.height.saturating_sub(1)) - row,
        };
        [px[0] - 0.5, row]
    }

    /// The exact point under the continuous screen position `px`.
    pub fn exact_point_at(&self, px: [f64; 2]) -> Center {
        if self.is_deep() {
            self.view.location().point_at(self.engine_px(px), self.width, self.height)
        } else {
            Center::from_complex(self.grid().point_at(px))
        }
    }

    /// The complex number under the continuous screen position `px` (physical pixels from
    /// the top-left corner); its nearest doubles in a deep frame.
    pub fn point_at(&self, px: [f64; 2]) -> Complex64 {
        if self.is_deep() { self.exact_point_at(px).to_complex() } else { self.grid().point_at(px) }
    }

    /// The screen position (physical pixels) of the complex number `z`.
    pub fn position_of(&self, z: Complex64) -> [f64; 2] {
        self.grid().position_of(z)
    }

    /// The view zoomed by `factor` (> 1 zooms in) so that the point under `px` stays
    /// under `px`.
    pub fn zoom_at(&self, px: [f64; 2], factor: f64) -> View {
        let zoomed = Frame { view: self.shallow_zoom_at(px, factor), ..self.clone() };
        if !self.is_deep() && !zoomed.is_deep() {
            return zoomed.view;
        }
        View::exact(self.view.location().zoom_at(self.engine_px(px), factor, self.width, self.height))
    }

    /// [`Frame::zoom_at`] in doubles: today's arithmetic for shallow views.
    fn shallow_zoom_at(&self, px: [f64; 2], factor: f64) -> View {
        let anchor = self.point_at(px);
        let center = anchor + (self.view.center_f64() - anchor) / factor;
        View::new(center.re, center.im, self.view.scale_f64() / factor)
    }

    /// The view with the picture's content moved by `dx`, `dy` physical pixels (positive:
    /// content moves right/down, as when dragging it).
    pub fn panned(&self, dx: f64, dy: f64) -> View {
        if self.is_deep() {
            // The new centre is what was at (−dx, −dy) on screen; the engine counts rows
            // down with the imaginary part falling (Up), so a Down frame's rows flip.
            let engine_dy = dy * self.orientation.im_per_row_sign();
            return View::exact(self.view.location().panned(-dx, engine_dy, self.width, self.height));
        }
        let g = self.grid();
        let center = self.view.center_f64() - Complex64::new(dx * g.step_x(), dy * g.im_per_row());
        View::new(center.re, center.im, self.view.scale_f64())
    }

    /// The view whose centre is the point under `px`, at the same scale.
    pub fn recentred(&self, px: [f64; 2]) -> View {
        View { center: self.exact_point_at(px), scale: self.view.scale }
    }

    /// The view that shows the box between screen corners `a` and `b` (physical pixels) as
    /// large as fits the window, centred on it. `None` for a box too small to mean anything
    /// (under 4 pixels on its longer side: a click, not a box).
    pub fn fit_box(&self, a: [f64; 2], b: [f64; 2]) -> Option<View> {
        let (w, h) = ((a[0] - b[0]).abs(), (a[1] - b[1]).abs());
        if w.max(h) < 4.0 {
            return None;
        }
        let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
        // The box spans w × h pixels of this frame; fit the larger relative side.
        let ratio = (w / f64::from(self.width)).max(h / f64::from(self.height));
        if self.is_deep() {
            return Some(View { center: self.exact_point_at(mid), scale: self.view.scale.mul_f64(ratio) });
        }
        let center = self.grid().point_at(mid);
        Some(View::new(center.re, center.im, self.view.scale_f64() * ratio))
    }

    /// Whole-pixel offset of `other` relative to `self`, when both have the same size and
    /// scale and their centres are a whole number of pixels apart: then `other`'s pixel
    /// `(i, j)` is `self`'s pixel `(i + dx, j + dy)` and can be copied instead of computed.
    /// Never for deep frames (their pixels come from perturbation, not from a region).
    pub fn pixel_offset_to(&self, other: &Frame) -> Option<(i64, i64)> {
        if self.width != other.width
            || self.height != other.height
            || self.view.scale != other.view.scale
            || self.orientation != other.orientation
            || self.is_deep()
            || other.is_deep()
        {
            return None;
        }
        let g = self.grid();
        let d = other.view.center_f64() - self.view.center_f64();
        let (fx, fy) = (d.re / g.step_x(), d.im / g.im_per_row());
        let (rx, ry) = (fx.round(), fy.round());
        // A few thousandths of a pixel is rounding in the centre's arithmetic, not a move.
        let whole = (fx - rx).abs() < 1e-3 && (fy - ry).abs() < 1e-3;
        let in_range = rx.abs() < 1e9 && ry.abs() < 1e9;
        (whole && in_range).then_some((rx as i64, ry as i64))
    }

    /// Whether `fractal` is rendered by perturbation in this frame.
    pub fn renders_deep(&self, fractal: &Fractal) -> bool {
        faafo_engine::deep::supports(fractal) && self.is_deep()
    }

    /// Checks that the engine can render `fractal` in this frame: any depth for the kinds
    /// with a deep path, else as deep as doubles resolve.
    pub fn validate(&self, fractal: &Fractal) -> Result<(), faafo_engine::ParamError> {
        if self.renders_deep(fractal) {
            return Ok(());
        }
        self.region().validate(self.width, self.height).map_err(|e| match e {
            faafo_engine::ParamError::TooDeep { .. } if self.is_deep() => faafo_engine::ParamError::DeepUnsupported {
                kind: fractal.kind().name(),
                width: self.view.scale.to_string(),
                supported: faafo_engine::deep::DEEP_KINDS,
            },
            other => other,
        })
    }
}

/// The pixel grid of a rendered picture: its region and size. A preview covers the same
/// region as the full picture with fewer, larger pixels, so a picture's geometry is its
/// grid, not a [`View`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Centres of the first/last columns and rows (nearest doubles for a deep grid).
    pub region: Region,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Which way the imaginary axis points (row 0 at `yb` when up).
    pub orientation: Orientation,
    /// A deep grid's exact centre and width (the first and last columns' distance), whose
    /// pixels are square: what places it on screen when doubles cannot.
    pub exact: Option<Arc<Exact>>,
}

impl Grid {
    /// Distance between neighbouring column centres.
    pub fn step_x(&self) -> f64 {
        self.region.scale() / f64::from(self.width.saturating_sub(1).max(1))
    }

    /// Distance between neighbouring row centres.
    pub fn step_y(&self) -> f64 {
        self.region.height_span() / f64::from(self.height.saturating_sub(1).max(1))
    }

    /// Change of the imaginary part from one row to the next one down the screen:
    /// negative when the imaginary axis points up.
    pub fn im_per_row(&self) -> f64 {
        self.step_y() * self.orientation.im_per_row_sign()
    }

    /// The imaginary part at the centre of the top row.
    fn top_im(&self) -> f64 {
        match self.orientation {
            Orientation::Up => self.region.yb,
            Orientation::Down => self.region.ya,
        }
    }

    /// The complex number at continuous position `px` (pixel `i`'s centre is `i + 0.5`).
    pub fn point_at(&self, px: [f64; 2]) -> Complex64 {
        Complex64::new(
            self.region.xa + (px[0] - 0.5) * self.step_x(),
            self.top_im() + (px[1] - 0.5) * self.im_per_row(),
        )
    }

    /// Continuous position of `z` in this grid's pixels.
    pub fn position_of(&self, z: Complex64) -> [f64; 2] {
        [(z.re - self.region.xa) / self.step_x() + 0.5, (z.im - self.top_im()) / self.im_per_row() + 0.5]
    }

    /// Where this picture lands on `target`'s screen: `[left, top, right, bottom]` in
    /// `target`'s physical pixels. This is the reprojection that shows an older picture at
    /// once after a zoom or pan, before anything is recomputed.
    pub fn placement_in(&self, target: &Grid) -> [f64; 4] {
        let corners = [[0.0, 0.0], [f64::from(self.width), f64::from(self.height)]];
        if self.exact.is_none() && target.exact.is_none() {
            // The outer corners of the first and last pixels, half a pixel beyond their
            // centres.
            let [l, t] = target.position_of(self.point_at(corners[0]));
            let [rt, b] = target.position_of(self.point_at(corners[1]));
            return [l, t, rt, b];
        }
        // Deep: the same corners, through the exact distance between the centres.
        let (from, to) = (self.exact_location(), target.exact_location());
        let (Some(from), Some(to)) = (from, to) else { return [0.0; 4] };
        let unit = to.scale.to_string();
        let shift = [
            exact::difference_in_units(from.center.re(), to.center.re(), &unit),
            exact::difference_in_units(from.center.im(), to.center.im(), &unit),
        ];
        let ratio = exact::ratio(&from.scale.to_string(), &unit);
        let (Some(dx), Some(dy), Some(ratio)) = (shift[0], shift[1], ratio) else { return [0.0; 4] };
        let place = |px: [f64; 2]| {
            // Offset from this grid's centre in its widths (x right, y towards +im), then
            // in the target's widths, then the target's pixels.
            let [ox, oy] = self.offset_in_widths(px);
            target.position_at_widths([dx + ox * ratio, dy + oy * ratio])
        };
        let [l, t] = place(corners[0]);
        let [rt, b] = place(corners[1]);
        [l, t, rt, b]
    }

    /// The exact centre and width of this grid: a deep grid's own, a shallow one's
    /// doubles (`None` for a region whose width is not a positive number).
    fn exact_location(&self) -> Option<Exact> {
        match &self.exact {
            Some(e) => Some((**e).clone()),
            None => Exact::from_region(&self.region),
        }
    }

    /// The continuous position `px` as an offset from the grid's centre in view widths:
    /// x to the right, y towards larger imaginary parts (square pixels).
    fn offset_in_widths(&self, px: [f64; 2]) -> [f64; 2] {
        let per_px = 1.0 / f64::from(self.width.saturating_sub(1).max(1));
        let ox = (px[0] - f64::from(self.width) / 2.0) * per_px;
        let down = (px[1] - f64::from(self.height) / 2.0) * per_px;
        [ox, down * self.orientation.im_per_row_sign()]
    }

    /// Inverse of [`Grid::offset_in_widths`].
    fn position_at_widths(&self, o: [f64; 2]) -> [f64; 2] {
        let px_per_width = f64::from(self.width.saturating_sub(1).max(1));
        [
            f64::from(self.width) / 2.0 + o[0] * px_per_width,
            f64::from(self.height) / 2.0 + o[1] * self.orientation.im_per_row_sign() * px_per_width,
        ]
    }

    /// The sub-grid of columns `c0..c1` and rows `r0..r1` (each at least 2 wide, rows
    /// counted from the top), with the same pixel centres as this grid up to rounding.
    pub fn sub_grid(&self, c0: u32, c1: u32, r0: u32, r1: u32) -> Grid {
        let r = &self.region;
        let x = |i: u32| faafo_engine::region::map_axis(f64::from(i), r.xa, r.xb, self.width);
        let y = |j: u32| r.row_im(j, self.height, self.orientation);
        let (top, bottom) = (y(r0), y(r1 - 1));
        let region = Region::new(x(c0), x(c1 - 1), top.min(bottom), top.max(bottom));
        Grid { region, width: c1 - c0, height: r1 - r0, orientation: self.orientation, exact: None }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    fn frame() -> Frame {
        Frame::new(View::new(-0.75, 0.1, 3.5), 640, 480)
    }

    fn close(a: Complex64, b: Complex64, tol: f64) -> bool {
        (a - b).norm() <= tol
    }

    #[test]
    fn pixel_centres_match_the_engine_mapping() {
        let f = frame();
        let r = f.region();
        // Imaginary axis up: the centre of pixel (0, 0) is (xa, yb); of the last, (xb, ya).
        assert!(close(f.point_at([0.5, 0.5]), Complex64::new(r.xa, r.yb), 1e-15));
        assert!(close(f.point_at([639.5, 479.5]), Complex64::new(r.xb, r.ya), 1e-14));
        for o in [Orientation::Up, Orientation::Down] {
            let f = Frame { orientation: o, ..f.clone() };
            let z = r.pixel_to_complex(100.0, 50.0, 640, 480, o);
            assert!(close(f.point_at([100.5, 50.5]), z, 1e-15), "{o:?}");
            let p = f.position_of(z);
            assert!((p[0] - 100.5).abs() < 1e-9 && (p[1] - 50.5).abs() < 1e-9, "{o:?}");
            // The middle of the canvas is the view's centre.
            assert!(close(f.point_at([320.0, 240.0]), f.view.center_f64(), 1e-12));
        }
        // Classic keeps the original's row 0 at ya.
        let classic = f.of_kind(FractalKind::Classic);
        assert!(close(classic.point_at([0.5, 0.5]), Complex64::new(r.xa, r.ya), 1e-15));
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        for (f, (px, factor)) in [frame(), frame().of_kind(FractalKind::Classic)]
            .into_iter()
            .flat_map(|f| [([10.0, 20.0], 1.25), ([600.3, 470.9], 0.8), ([320.0, 240.0], 1e3)].map(|z| (f.clone(), z)))
        {
            let before = f.point_at(px);
            let zoomed = Frame { view: f.zoom_at(px, factor), ..f };
            let after = zoomed.point_at(px);
            let step = zoomed.grid().step_x();
            assert!(close(before, after, step * 1e-6), "{px:?} × {factor}: {before} → {after}");
            assert!((zoomed.view.scale_f64() - f.view.scale_f64() / factor).abs() < 1e-15);
        }
    }

    #[test]
    fn deep_zoom_stays_anchored_in_pixels() {
        // From the whole set through where doubles end and on to 1e-30, each wheel step
        // keeps the point under the cursor within a hundredth of a pixel: doubles while
        // they resolve the view, exact decimals past them (no seam at the switch).
        let mut f = Frame::new(View::new(-0.743643887037151, 0.131825904205330, 3.5), 1920, 1080);
        let px = [700.0, 400.0];
        let mut was_deep = false;
        while f.view.scale.log10() > -30.0 {
            let anchor = f.exact_point_at(px);
            f.view = f.zoom_at(px, 1.25);
            let here = f.exact_point_at(px);
            let step = f.view.scale.pixel_step(f.width).to_string();
            for (a, b) in [(here.re(), anchor.re()), (here.im(), anchor.im())] {
                let drift = exact::difference_in_units(a, b, &step).unwrap().abs();
                assert!(drift < 0.01, "drifted {drift} px at {}", f.view.scale);
            }
            was_deep |= f.is_deep();
        }
        assert!(was_deep);
        let f = Frame { view: View::new(-0.743643887037151, 0.131825904205330, 1e-12), ..f };
        assert!(f.validate(&Fractal::BurningShip).is_ok(), "1e-12 over 1920 px is still within f64");
        let too_deep = Frame { view: View { scale: Scale::parse("1e-15").unwrap(), ..f.view.clone() }, ..f };
        let e = too_deep.validate(&Fractal::BurningShip).unwrap_err().to_string();
        assert!(e.contains("burning-ship") && e.contains("mandelbrot"), "{e}");
        assert!(too_deep.validate(&Fractal::Mandelbrot).is_ok(), "perturbation goes on");
    }

    #[test]
    fn pan_moves_content_by_whole_pixels_and_is_detected() {
        for f in [frame(), frame().of_kind(FractalKind::Classic)] {
            let moved = Frame { view: f.panned(7.0, -3.0), ..f };
            // The point that was under (100, 100) is now under (107, 97).
            let z = f.point_at([100.5, 100.5]);
            let p = moved.position_of(z);
            assert!((p[0] - 107.5).abs() < 1e-6 && (p[1] - 97.5).abs() < 1e-6, "{p:?}");
            assert_eq!(f.pixel_offset_to(&moved), Some((-7, 3)));
            assert_eq!(moved.pixel_offset_to(&f), Some((7, -3)));
        }
        // Content dragged up (dy < 0) with the imaginary axis up shows smaller imaginary parts.
        let f = frame();
        assert!(f.panned(0.0, -3.0).center_f64().im < f.view.center_f64().im);
        let half = Frame { view: f.panned(0.5, 0.0), ..f };
        assert_eq!(f.pixel_offset_to(&half), None);
        let other_scale = Frame { view: View { scale: Scale::parse("3").unwrap(), ..f.view.clone() }, ..f.clone() };
        assert_eq!(f.pixel_offset_to(&other_scale), None);
    }

    #[test]
    fn placement_is_identity_for_the_same_frame_and_follows_zoom() {
        let f = frame();
        let g = f.grid();
        let p = g.placement_in(&g);
        for (got, want) in p.iter().zip([0.0, 0.0, 640.0, 480.0]) {
            assert!((got - want).abs() < 1e-9, "{p:?}");
        }
        // Zoom 2× about the centre: the old picture covers twice the window, centred.
        let z = Frame { view: f.zoom_at([320.0, 240.0], 2.0), ..f };
        let p = g.placement_in(&z.grid());
        let want = [-320.0, -240.0, 960.0, 720.0];
        for (got, want) in p.iter().zip(want) {
            assert!((got - want).abs() < 0.01, "{p:?}");
        }
        // A quarter-size preview of the same region covers the same window (up to half
        // of its larger pixel at each edge, as the engine's with_size defines it).
        let preview = Grid { width: 160, height: 120, ..g.clone() };
        let p = preview.placement_in(&g);
        assert!(p[0] < 0.0 && p[0] > -2.0 && p[2] > 640.0 && p[2] < 642.0, "{p:?}");
    }

    #[test]
    fn fit_box_centres_and_scales() {
        let f = frame();
        let v = f.fit_box([100.0, 100.0], [260.0, 220.0]).unwrap();
        assert!((v.scale_f64() - f.view.scale_f64() * 0.25).abs() < 1e-12);
        assert!(close(v.center_f64(), f.point_at([180.0, 160.0]), 1e-12));
        assert!(f.fit_box([10.0, 10.0], [12.0, 11.0]).is_none());
    }

    #[test]
    fn sub_grid_pixels_coincide() {
        for g in [frame().grid(), frame().of_kind(FractalKind::Classic).grid()] {
            let s = g.sub_grid(600, 640, 10, 12);
            assert_eq!((s.width, s.height), (40, 2));
            let a = g.point_at([600.5, 11.5]);
            let b = s.point_at([0.5, 1.5]);
            assert!(close(a, b, 1e-14));
            let a = g.point_at([639.5, 10.5]);
            let b = s.point_at([39.5, 0.5]);
            assert!(close(a, b, 1e-14));
        }
    }

    /// A view 1e-300 wide (far below doubles) next to the Misiurewicz point i.
    fn deep_frame(orientation: Orientation) -> Frame {
        let center = Center::parse(&format!("0.{}7", "0".repeat(299)), "1").unwrap();
        let view = View { center, scale: Scale::parse("3.5e-300").unwrap() };
        Frame { orientation, ..Frame::new(view, 640, 480) }
    }

    #[test]
    fn deep_zoom_and_pan_are_exact_and_reproject() {
        for o in [Orientation::Up, Orientation::Down] {
            let f = deep_frame(o);
            assert!(f.is_deep() && f.renders_deep(&Fractal::Mandelbrot), "{o:?}");
            // The point under the cursor stays under it, exactly enough for a thousandth
            // of a pixel.
            let px = [100.5, 400.5];
            let before = f.exact_point_at(px);
            let zoomed = Frame { view: f.zoom_at(px, 1.25), ..f.clone() };
            let after = zoomed.exact_point_at(px);
            let step = zoomed.view.scale.pixel_step(zoomed.width).to_string();
            for (a, b) in [(before.re(), after.re()), (before.im(), after.im())] {
                let drift = exact::difference_in_units(a, b, &step).unwrap();
                assert!(drift.abs() < 1e-3, "{o:?}: drifted {drift} px");
            }
            // The old picture lands where the zoom about px puts it: px stays fixed.
            let [l, t, r, b] = f.grid().placement_in(&zoomed.grid());
            let fx = (px[0] - l) / (r - l) * 640.0;
            let fy = (px[1] - t) / (b - t) * 480.0;
            assert!((fx - px[0]).abs() < 1e-6 && (fy - px[1]).abs() < 1e-6, "{o:?}: {fx}, {fy}");
            assert!(((r - l) / 640.0 - 1.25).abs() < 1e-9, "{o:?}");
            // A drag moves the picture by exactly the dragged pixels.
            let moved = Frame { view: f.panned(7.0, -3.0), ..f.clone() };
            let [l, t, r, b] = f.grid().placement_in(&moved.grid());
            for (got, want) in [(l, 7.0), (t, -3.0), (r, 647.0), (b, 477.0)] {
                assert!((got - want).abs() < 1e-6, "{o:?}: {:?}", [l, t, r, b]);
            }
            let (z, was) = (moved.exact_point_at([107.5, 97.5]), f.exact_point_at([100.5, 100.5]));
            for (a, b) in [(z.re(), was.re()), (z.im(), was.im())] {
                let off = exact::difference_in_units(a, b, &step).unwrap();
                assert!(off.abs() < 1e-3, "{o:?}: the dragged point is {off} px from the cursor");
            }
            assert_eq!(f.pixel_offset_to(&moved), None, "deep pixels are not shifted");
        }
    }

    #[test]
    fn views_keep_every_digit_in_files_and_shallow_ones_stay_numbers() {
        let deep = deep_frame(Orientation::Up).view;
        let text = toml::to_string(&deep).unwrap();
        assert!(text.contains("center = [\"7e-300\", \"1\"]") && text.contains("scale = \"3.5e-300\""), "{text}");
        assert_eq!(toml::from_str::<View>(&text).unwrap(), deep);
        let shallow = View::new(-0.743643887037151, 0.131825904205330, 1.234567890123e-12);
        let text = toml::to_string(&shallow).unwrap();
        assert!(text.contains("center = [-0.743643887037151, 0.13182590420533]"), "{text}");
        assert_eq!(toml::from_str::<View>(&text).unwrap(), shallow);
        let e = toml::from_str::<View>("center = [0.0, 0.0]\nscale = -1.0").unwrap_err().to_string();
        assert!(e.contains("scale"), "{e}");
    }
}
