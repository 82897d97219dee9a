//! A [`View`] at a size in physical pixels: what one render computes, and the moves made
//! on it (zoom about a point, pan, recentre, fit a box), in doubles while they resolve
//! the pixels and in exact decimals past them. Kept apart from the [`View`] (which has
//! no size) and the [`Grid`] (a finished picture's pixels).

use std::sync::Arc;

use faafo_engine::location::Center;
use faafo_engine::{Complex64, Fractal, FractalKind, Orientation, Region};

use super::{Grid, View};

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
