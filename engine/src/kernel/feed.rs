//! The queue of pixels a kernel works through, with the per-pixel work that needs no
//! iteration: the escape test of the starting point and the cardioid/bulb shortcut.

use super::formula::{Outcome, Setup};

/// A band of rows to compute: the column coordinates, the row coordinates, and the
/// output slices (row-major, `xs.len() * ys.len()` long).
#[derive(Debug)]
pub(crate) struct Band<'a> {
    pub(crate) xs: &'a [f64],
    pub(crate) ys: &'a [f64],
    pub(crate) counts: &'a mut [u32],
    pub(crate) norms: &'a mut [f32],
}

impl Band<'_> {
    #[inline]
    pub(crate) fn write(&mut self, index: usize, outcome: Outcome) {
        if let (Some(c), Some(n)) = (self.counts.get_mut(index), self.norms.get_mut(index)) {
            *c = outcome.count;
            *n = outcome.norm;
        }
    }
}

/// A pixel that needs iterating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub(crate) index: u32,
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) cx: f64,
    pub(crate) cy: f64,
}

/// Walks a band's pixels in row-major order.
#[derive(Debug)]
pub(crate) struct Feed {
    next: usize,
    total: usize,
    col: usize,
    row: usize,
    width: usize,
}

impl Feed {
    pub(crate) fn new(band: &Band<'_>) -> Self {
        let width = band.xs.len();
        Self { next: 0, total: width * band.ys.len(), col: 0, row: 0, width }
    }

    /// The next pixel that needs iterating. Pixels settled without iterating are written
    /// to `band` on the way; `iterations` is not charged for them.
    #[inline]
    pub(crate) fn next(&mut self, setup: &Setup, band: &mut Band<'_>) -> Option<Start> {
        while self.next < self.total {
            let index = self.next;
            let (px, py) = (band.xs[self.col], band.ys[self.row]);
            self.next += 1;
            self.col += 1;
            if self.col == self.width {
                self.col = 0;
                self.row += 1;
            }
            let (x, y, cx, cy) = setup.start(px, py);
            if setup.known_interior(cx, cy) {
                band.write(index, setup.interior());
                continue;
            }
            let norm = x * x + y * y;
            if setup.escaped(x, y, norm) {
                band.write(index, setup.escaped_at(0, norm));
                continue;
            }
            if setup.limit <= 1 {
                band.write(index, setup.interior());
                continue;
            }
            return Some(Start { index: index as u32, x, y, cx, cy });
        }
        None
    }
}
