//! The pan: the full picture of a view moved by whole pixels, built from the retained
//! one by copying the pixels that stay in view and computing only the exposed strips.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use faafo_engine::{Control, EscapeBuffer, RenderError, RenderStats, render_into};

use super::thread::{Retained, WorkerThread};
use super::{Pass, PassStats, Picture, RenderKey};
use crate::model::view::Grid;

/// The planes of the picture being built, each `w` × `h`, row-major.
struct Planes {
    buffer: EscapeBuffer,
    smooth: Vec<f32>,
    pixels: Vec<egui::Color32>,
    width: usize,
}

impl WorkerThread {
    /// Builds the full picture of `key` from the retained one moved by (`dx`, `dy`)
    /// pixels: new pixel (i, j) is old pixel (i + dx, j + dy); the rest is computed.
    pub(super) fn shift(
        &mut self,
        generation: u64,
        key: &RenderKey,
        dx: i64,
        dy: i64,
        control: &Control,
    ) -> Result<Picture, RenderError> {
        let started = Instant::now();
        let grid = key.frame.grid();
        let (w, h) = (grid.width as usize, grid.height as usize);
        let Some(old) = self.full.take() else {
            return Err(RenderError::Cancelled); // planned only with a retained picture
        };
        let (buffer, mut smooth) = match self.spare.take() {
            Some((b, s)) if b.width() == grid.width && b.height() == grid.height => (b, s),
            _ => (EscapeBuffer::new(grid.width, grid.height, old.buffer.smooth_scale()), Vec::new()),
        };
        smooth.resize(w * h, -1.0);
        let mut out = Planes { buffer, smooth, pixels: vec![egui::Color32::BLACK; w * h], width: w };

        let cols = exposed_range(w, dx);
        let rows = exposed_range(h, dy);
        let keep_cols = complement(w, &cols);
        copy_kept(&old, &mut out, h, (dx, dy), &keep_cols);
        let recolour_all = self.look_dirty;

        // Compute the exposed strips: whole columns, then the rows between them.
        let mut iterations = 0;
        let mut computed = 0u64;
        let mut compute = Duration::ZERO;
        let mut kernel = old.stats.kernel;
        for (cr, rr) in [(cols, 0..h), (keep_cols, rows)] {
            if cr.is_empty() || rr.is_empty() {
                continue;
            }
            let t = Instant::now();
            let stats = match self.render_rect(key, &grid, cr.clone(), rr.clone(), control) {
                Ok(stats) => stats,
                Err(e) => {
                    self.full = Some(old);
                    self.spare = Some((out.buffer, out.smooth));
                    return Err(e);
                }
            };
            compute += t.elapsed();
            iterations += stats.iterations;
            kernel = stats.kernel;
            computed += (cr.len() * rr.len()) as u64;
            self.place_strip(&mut out, cr, rr);
        }
        let Planes { buffer, smooth, mut pixels, .. } = out;
        if recolour_all {
            self.look.paint(buffer.counts(), &smooth, &mut pixels);
        }
        let image = Arc::new(egui::ColorImage::new([w, h], pixels));
        let stats = PassStats { iterations, pixels_computed: computed, compute, total: started.elapsed(), kernel };
        let pass = Pass::Shift { dx, dy };
        let retained = Retained { generation, key: key.clone(), grid, pass, stats, buffer, smooth, image };
        let picture = retained.picture(false);
        self.full = Some(retained);
        self.spare = Some((old.buffer, old.smooth));
        if recolour_all {
            // The kept pixels were in the old colours; everything is now in the new ones.
            self.look_dirty = false;
            self.preview = None;
        }
        Ok(picture)
    }

    /// Renders columns `cols` × rows `rows` of `grid` into `self.strip`, widened to at
    /// least 2 × 2 (the engine's smallest image) inside the grid; `self.strip_origin`
    /// records where the strip starts.
    fn render_rect(
        &mut self,
        key: &RenderKey,
        grid: &Grid,
        cols: Range<usize>,
        rows: Range<usize>,
        control: &Control,
    ) -> Result<RenderStats, RenderError> {
        let widen = |r: Range<usize>, n: usize| {
            if r.len() >= 2 {
                r
            } else if r.end < n {
                r.start..r.end + 1
            } else {
                r.start - 1..r.end
            }
        };
        let (c, r) = (widen(cols, grid.width as usize), widen(rows, grid.height as usize));
        let sub = grid.sub_grid(c.start as u32, c.end as u32, r.start as u32, r.end as u32);
        self.strip_origin = (c.start, r.start);
        render_into(&key.params(&sub), &self.options, control, &mut self.strip)
    }

    /// Copies the strip's pixels (columns `cols` × rows `rows`) into place, coloured;
    /// the strip may be one wider than asked.
    fn place_strip(&self, out: &mut Planes, cols: Range<usize>, rows: Range<usize>) {
        let (sx0, sy0, sw) = (self.strip_origin.0, self.strip_origin.1, self.strip.width() as usize);
        let scale = self.strip.smooth_scale();
        let painter = self.look.painter();
        let w = out.width;
        let (counts, norms) = out.buffer.planes_mut();
        for j in rows {
            for i in cols.clone() {
                let s = (j - sy0) * sw + (i - sx0);
                let d = j * w + i;
                let (c, n) = (self.strip.counts()[s], self.strip.norms()[s]);
                counts[d] = c;
                norms[d] = n;
                out.smooth[d] = scale.smooth(c, n);
                out.pixels[d] = painter.colour(c, out.smooth[d]);
            }
        }
    }
}

/// Copies what stays in view of `old` moved by `d` = (dx, dy), row by row: columns
/// `keep_cols` of each of the `h` rows that still have a source row.
fn copy_kept(old: &Retained, out: &mut Planes, h: usize, (dx, dy): (i64, i64), keep_cols: &Range<usize>) {
    let w = out.width;
    let (counts, norms) = out.buffer.planes_mut();
    for j in 0..h {
        let src_j = j as i64 + dy;
        if src_j < 0 || src_j >= h as i64 {
            continue;
        }
        let (d0, d1) = (j * w + keep_cols.start, j * w + keep_cols.end);
        let s0 = (src_j as usize) * w + (keep_cols.start as i64 + dx) as usize;
        let s1 = s0 + keep_cols.len();
        counts[d0..d1].copy_from_slice(&old.buffer.counts()[s0..s1]);
        norms[d0..d1].copy_from_slice(&old.buffer.norms()[s0..s1]);
        out.smooth[d0..d1].copy_from_slice(&old.smooth[s0..s1]);
        out.pixels[d0..d1].copy_from_slice(&old.image.pixels[s0..s1]);
    }
}

/// Indices along an axis of `n` pixels that a move by `d` exposes (new pixel `i` is old
/// pixel `i + d`, which is outside `0..n` exactly for these).
fn exposed_range(n: usize, d: i64) -> Range<usize> {
    let n_i = n as i64;
    if d > 0 {
        (n_i - d).max(0) as usize..n
    } else if d < 0 {
        0..(-d).min(n_i) as usize
    } else {
        0..0
    }
}

/// The indices of `0..n` outside `r`, which is at one end (or empty).
fn complement(n: usize, r: &Range<usize>) -> Range<usize> {
    if r.is_empty() {
        0..n
    } else if r.start == 0 {
        r.end..n
    } else {
        0..r.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_exposed_pixels() {
        assert_eq!(exposed_range(10, 3), 7..10);
        assert_eq!(exposed_range(10, -3), 0..3);
        assert_eq!(exposed_range(10, 0), 0..0);
        assert_eq!(exposed_range(10, 15), 0..10);
        assert_eq!(complement(10, &(7..10)), 0..7);
        assert_eq!(complement(10, &(0..3)), 3..10);
        assert_eq!(complement(10, &(0..0)), 0..10);
    }
}
