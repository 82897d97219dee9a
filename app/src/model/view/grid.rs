//! The pixel grid of a rendered picture, and where one picture lands on another's screen:
//! the reprojection that shows an older picture at once after a zoom or pan. Its own
//! module because pictures (and their previews) carry a grid, not a frame.

use std::sync::Arc;

use faafo_engine::location::Location as Exact;
use faafo_engine::{Complex64, Orientation, Region};

/// The pixel grid of a rendered picture: its region and size. A preview covers the same
/// region as the full picture with fewer, larger pixels, so a picture's geometry is its
/// grid, not a [`View`](super::View).
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
        let (dx, dy) = from.center.offset_in_units(&to.center, to.scale);
        let ratio = from.scale.ratio(to.scale);
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
