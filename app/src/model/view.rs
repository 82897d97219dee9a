//! View maths: where the window looks in the complex plane, and how pixels on screen map
//! to it.
//!
//! A [`View`] is a centre and a scale (the x extent, `xb − xa`), independent of the
//! window size, so resizing keeps the same part of the plane in view. A [`Frame`] adds the
//! size in physical pixels and is what gets rendered. All maths goes through the engine's
//! [`Region`] so that what the explorer shows is exactly what `faafo render` and the
//! workers produce for the same numbers (pixel `i` of `n` sits at
//! `xa + i · (xb − xa)/(n − 1)`; rows count from the bottom, `ya`, with the imaginary axis
//! up, except for the `classic` kind, whose row 0 is at `ya`: see [`Orientation`]).
//!
//! Screen positions here are *physical* pixels measured from the canvas' top-left corner,
//! continuous: physical pixel `i` covers `[i, i + 1)`, so its centre (where the engine
//! samples) is at `i + 0.5`.

use faafo_engine::{Complex64, FractalKind, Orientation, Region};
use serde::{Deserialize, Serialize};

/// The widest view allowed; beyond it every kind is a dot in the middle.
pub const MAX_SCALE: f64 = 64.0;

/// Where the explorer looks: the centre of the window and the x extent of the plane it
/// shows. Full f64 precision is kept everywhere (readouts, files, history).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// The complex number at the centre of the window.
    pub center: Complex64,
    /// Distance between the centres of the first and last pixel column (the engine's
    /// `xb − xa`).
    pub scale: f64,
}

impl View {
    /// A view from its centre and scale.
    pub fn new(re: f64, im: f64, scale: f64) -> Self {
        Self { center: Complex64::new(re, im), scale }
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

    /// Magnification relative to the kind's home view (1 at home, 1e6 six decades in).
    pub fn zoom(&self, kind: FractalKind) -> f64 {
        Self::home(kind).scale / self.scale
    }

    /// Whether the numbers are usable at all (finite, positive scale).
    pub fn is_finite(&self) -> bool {
        self.center.re.is_finite() && self.center.im.is_finite() && self.scale.is_finite() && self.scale > 0.0
    }
}

/// A view at a size: what one render computes.
#[derive(Debug, Clone, Copy, PartialEq)]
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

    /// The engine's rectangle for this frame (square pixels).
    pub fn region(&self) -> Region {
        Region::from_center_scale(self.view.center, self.view.scale, self.width, self.height)
    }

    /// The grid of pixel centres this frame samples.
    pub fn grid(&self) -> Grid {
        Grid { region: self.region(), width: self.width, height: self.height, orientation: self.orientation }
    }

    /// The complex number under the continuous screen position `px` (physical pixels from
    /// the top-left corner).
    pub fn point_at(&self, px: [f64; 2]) -> Complex64 {
        self.grid().point_at(px)
    }

    /// The screen position (physical pixels) of the complex number `z`.
    pub fn position_of(&self, z: Complex64) -> [f64; 2] {
        self.grid().position_of(z)
    }

    /// The view zoomed by `factor` (> 1 zooms in) so that the point under `px` stays
    /// under `px`.
    pub fn zoom_at(&self, px: [f64; 2], factor: f64) -> View {
        let anchor = self.point_at(px);
        View { center: anchor + (self.view.center - anchor) / factor, scale: self.view.scale / factor }
    }

    /// The view with the picture's content moved by `dx`, `dy` physical pixels (positive:
    /// content moves right/down, as when dragging it).
    pub fn panned(&self, dx: f64, dy: f64) -> View {
        let g = self.grid();
        let center = self.view.center - Complex64::new(dx * g.step_x(), dy * g.im_per_row());
        View { center, ..self.view }
    }

    /// The view whose centre is the point under `px`, at the same scale.
    pub fn recentred(&self, px: [f64; 2]) -> View {
        View { center: self.point_at(px), ..self.view }
    }

    /// The view that shows the box between screen corners `a` and `b` (physical pixels) as
    /// large as fits the window, centred on it. `None` for a box too small to mean anything
    /// (under 4 pixels on its longer side: a click, not a box).
    pub fn fit_box(&self, a: [f64; 2], b: [f64; 2]) -> Option<View> {
        let (w, h) = ((a[0] - b[0]).abs(), (a[1] - b[1]).abs());
        if w.max(h) < 4.0 {
            return None;
        }
        let g = self.grid();
        let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
        // The box spans w × h pixels of this frame; fit the larger relative side.
        let ratio = (w / f64::from(self.width)).max(h / f64::from(self.height));
        let scale = self.view.scale * ratio;
        let center = g.point_at(mid);
        Some(View { center, scale })
    }

    /// Whole-pixel offset of `other` relative to `self`, when both have the same size and
    /// scale and their centres are a whole number of pixels apart: then `other`'s pixel
    /// `(i, j)` is `self`'s pixel `(i + dx, j + dy)` and can be copied instead of computed.
    pub fn pixel_offset_to(&self, other: &Frame) -> Option<(i64, i64)> {
        if self.width != other.width
            || self.height != other.height
            || self.view.scale != other.view.scale
            || self.orientation != other.orientation
        {
            return None;
        }
        let g = self.grid();
        let d = other.view.center - self.view.center;
        let (fx, fy) = (d.re / g.step_x(), d.im / g.im_per_row());
        let (rx, ry) = (fx.round(), fy.round());
        // A few thousandths of a pixel is rounding in the centre's arithmetic, not a move.
        let whole = (fx - rx).abs() < 1e-3 && (fy - ry).abs() < 1e-3;
        let in_range = rx.abs() < 1e9 && ry.abs() < 1e9;
        (whole && in_range).then_some((rx as i64, ry as i64))
    }

    /// Checks that the engine can render this frame (finite, not too deep for f64).
    pub fn validate(&self) -> Result<(), faafo_engine::ParamError> {
        self.region().validate(self.width, self.height)
    }
}

/// The pixel grid of a rendered picture: its region and size. A preview covers the same
/// region as the full picture with fewer, larger pixels, so a picture's geometry is its
/// grid, not a [`View`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Centres of the first/last columns and rows.
    pub region: Region,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Which way the imaginary axis points (row 0 at `yb` when up).
    pub orientation: Orientation,
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
        // The outer corners of the first and last pixels, half a pixel beyond their centres.
        let [l, t] = target.position_of(self.point_at([0.0, 0.0]));
        let [rt, b] = target.position_of(self.point_at([f64::from(self.width), f64::from(self.height)]));
        [l, t, rt, b]
    }

    /// The sub-grid of columns `c0..c1` and rows `r0..r1` (each at least 2 wide, rows
    /// counted from the top), with the same pixel centres as this grid up to rounding.
    pub fn sub_grid(&self, c0: u32, c1: u32, r0: u32, r1: u32) -> Grid {
        let r = &self.region;
        let x = |i: u32| faafo_engine::region::map_axis(f64::from(i), r.xa, r.xb, self.width);
        let y = |j: u32| r.row_im(j, self.height, self.orientation);
        let (top, bottom) = (y(r0), y(r1 - 1));
        let region = Region::new(x(c0), x(c1 - 1), top.min(bottom), top.max(bottom));
        Grid { region, width: c1 - c0, height: r1 - r0, orientation: self.orientation }
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
            let f = Frame { orientation: o, ..f };
            let z = r.pixel_to_complex(100.0, 50.0, 640, 480, o);
            assert!(close(f.point_at([100.5, 50.5]), z, 1e-15), "{o:?}");
            let p = f.position_of(z);
            assert!((p[0] - 100.5).abs() < 1e-9 && (p[1] - 50.5).abs() < 1e-9, "{o:?}");
            // The middle of the canvas is the view's centre.
            assert!(close(f.point_at([320.0, 240.0]), f.view.center, 1e-12));
        }
        // Classic keeps the original's row 0 at ya.
        let classic = f.of_kind(FractalKind::Classic);
        assert!(close(classic.point_at([0.5, 0.5]), Complex64::new(r.xa, r.ya), 1e-15));
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        for (f, (px, factor)) in [frame(), frame().of_kind(FractalKind::Classic)]
            .into_iter()
            .flat_map(|f| [([10.0, 20.0], 1.25), ([600.3, 470.9], 0.8), ([320.0, 240.0], 1e3)].map(|z| (f, z)))
        {
            let before = f.point_at(px);
            let zoomed = Frame { view: f.zoom_at(px, factor), ..f };
            let after = zoomed.point_at(px);
            let step = zoomed.grid().step_x();
            assert!(close(before, after, step * 1e-6), "{px:?} × {factor}: {before} → {after}");
            assert!((zoomed.view.scale - f.view.scale / factor).abs() < 1e-15);
        }
    }

    #[test]
    fn deep_zoom_stays_anchored_in_pixels() {
        // At a scale near f64's limit the anchor must still stay within a pixel.
        let mut f = Frame::new(View::new(-0.743643887037151, 0.131825904205330, 3.5), 1920, 1080);
        let px = [700.0, 400.0];
        let anchor = f.point_at(px);
        while f.view.scale > 1e-12 {
            f.view = f.zoom_at(px, 1.25);
            let p = f.position_of(anchor);
            // Exact to a hundredth of a pixel while pixels are many ulps wide; within a
            // pixel at the f64 limit, where one pixel is a handful of ulps.
            let tolerance = if f.view.scale > 1e-9 { 0.01 } else { 1.0 };
            let drift = (p[0] - px[0]).abs().max((p[1] - px[1]).abs());
            assert!(drift < tolerance, "drifted to {p:?} at {}", f.view.scale);
        }
        assert!(f.validate().is_ok(), "1e-12 over 1920 px is still within f64");
        let too_deep = Frame { view: View { scale: 1e-15, ..f.view }, ..f };
        assert!(too_deep.validate().is_err());
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
        assert!(f.panned(0.0, -3.0).center.im < f.view.center.im);
        let half = Frame { view: f.panned(0.5, 0.0), ..f };
        assert_eq!(f.pixel_offset_to(&half), None);
        let other_scale = Frame { view: View { scale: 3.0, ..f.view }, ..f };
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
        let preview = Grid { width: 160, height: 120, ..g };
        let p = preview.placement_in(&g);
        assert!(p[0] < 0.0 && p[0] > -2.0 && p[2] > 640.0 && p[2] < 642.0, "{p:?}");
    }

    #[test]
    fn fit_box_centres_and_scales() {
        let f = frame();
        let v = f.fit_box([100.0, 100.0], [260.0, 220.0]).unwrap();
        assert!((v.scale - f.view.scale * 0.25).abs() < 1e-12);
        assert!(close(v.center, f.point_at([180.0, 160.0]), 1e-12));
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
}
