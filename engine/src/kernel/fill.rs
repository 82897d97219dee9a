//! The interior fill (Mariani–Silver): inside a rectangle whose whole border is interior,
//! every pixel is interior, so it is written without iterating.
//!
//! Why it holds, and where it needs care:
//! - For a polynomial map the points that do not escape within n steps, {|fᵏ| ≤ R for
//!   k < n}, form a set without holes (maximum modulus principle: |fᵏ| cannot exceed R
//!   inside a closed curve on which it is ≤ R). A closed curve in the set encloses only
//!   points of the set.
//! - A rectangle of *pixels* is no closed curve: an escape channel narrower than a pixel
//!   can cross its border between two pixels. Measured on the bench scenes, filling
//!   wherever the border pixels merely reached the limit changes pixels (3 of the
//!   standard view's, 23 of Seahorse Valley's: slow escapers deep in such channels).
//! - So every border pixel must be *settled* interior: by the cardioid/bulb test or by
//!   periodicity (its orbit fell onto a cycle), never by running out of iterations, which
//!   is what pixels next to the channels do. With that rule no pixel of the bench scenes
//!   changes (checked pixel by pixel against the unfilled kernel's results); the tests
//!   compare filled renders with unfilled ones on every kernel path and window.
//!
//! It is used only at limits of [`MIN_LIMIT`] and more, where interior pixels are
//! expensive enough to pay for it.
//!
//! Shape: a band of rows is cut into rectangles [`TILE`] columns wide that share their
//! border columns; the band's first and last rows and those columns are computed first.
//! A rectangle whose border is all settled is filled. One with some settled pixels on its
//! border is split in four by a middle row and column (computed next), down to
//! [`MIN_SIDE`]. The rest (no settled pixel on the border, or small) is computed at the
//! end in runs along rows, so the kernels' vectors stay full.

use super::KernelPath;
use super::feed::Band;
use super::formula::{SETTLED_NORM, Setup};

/// Rows of a band the fill works in: its rectangles are this tall.
pub(crate) const BAND_ROWS: usize = 32;
/// Columns of the first rectangles, border to border.
const TILE: usize = 32;
/// Rectangles with a side (border to border) of at most this many pixels are computed,
/// not split further.
const MIN_SIDE: usize = 4;
/// The lowest iteration limit the fill is used at. What it saves grows with the limit
/// (interior pixels run until periodicity settles them, thousands of steps deep in a
/// view); what it costs (runs of pixels instead of whole rows, lines computed apart,
/// taller bands) does not. Measured, one AVX-512 thread, same pixels: the standard view
/// at 1000 iterations took about 20 % more CPU with it (its non-cardioid interior is
/// small and settles early), Seahorse Valley at 10,000 about 40 % less (38 % fewer
/// iterations). The break-even between them was not measured finer.
pub(crate) const MIN_LIMIT: u32 = 2000;

/// Whether renders with `setup` on `path` use the fill: a kind whose non-escaping set has
/// no holes, shortcuts on (never the reference path, the yardstick), and a limit of at
/// least [`MIN_LIMIT`].
pub(crate) fn may_apply(path: KernelPath, setup: &Setup) -> bool {
    setup.fill && path != KernelPath::Reference && setup.limit >= MIN_LIMIT
}

/// Whether `band` gets the fill: [`may_apply`], and at least 3×3 pixels. The band must
/// be a grid in order (columns and rows monotonic), as every render's bands are.
pub(crate) fn applies(path: KernelPath, setup: &Setup, band: &Band<'_>) -> bool {
    may_apply(path, setup) && band.xs.len() >= 3 && band.ys.len() >= 3
}

/// A rectangle by its border lines (inclusive), in band coordinates.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// What a rectangle's border holds.
#[derive(Debug, PartialEq, Eq)]
enum Border {
    /// Only settled interior pixels.
    Settled,
    /// Some settled interior pixels.
    Mixed,
    /// None.
    Open,
}

/// Computes `band` with the fill; `compute` runs the kernel on a list of runs
/// (`[row, first column, length]`) with the setup it is given. Returns the updates
/// performed (filled pixels cost none).
pub(crate) fn run(
    setup: &Setup,
    band: &mut Band<'_>,
    mut compute: impl FnMut(&Setup, &mut Band<'_>, &[[u32; 3]]) -> u64,
) -> u64 {
    let marked = Setup { mark_settled: true, ..*setup };
    let (width, height) = (band.xs.len(), band.ys.len());
    let columns: Vec<usize> = (0..width - 1).step_by(TILE).chain([width - 1]).collect();
    let mut runs = Vec::with_capacity(2 + (height - 2) * columns.len());
    runs.push(run_of(0, 0, width));
    for row in 1..height - 1 {
        runs.extend(columns.iter().map(|&c| run_of(row, c, 1)));
    }
    runs.push(run_of(height - 1, 0, width));
    let mut iterations = compute(&marked, band, &runs);

    let mut rects: Vec<Rect> = columns.windows(2).map(|p| Rect { x0: p[0], y0: 0, x1: p[1], y1: height - 1 }).collect();
    let mut next = Vec::new();
    let mut rest = Vec::new();
    while !rects.is_empty() {
        runs.clear();
        for r in rects.drain(..) {
            if r.x1 - r.x0 < 2 || r.y1 - r.y0 < 2 {
                continue;
            }
            match border(band, r) {
                Border::Settled => fill(setup, band, r),
                Border::Mixed if r.x1 - r.x0 > MIN_SIDE && r.y1 - r.y0 > MIN_SIDE => split(r, &mut runs, &mut next),
                _ => rest.extend((r.y0 + 1..r.y1).map(|y| run_of(y, r.x0 + 1, r.x1 - r.x0 - 1))),
            }
        }
        if !runs.is_empty() {
            iterations += compute(&marked, band, &runs);
        }
        std::mem::swap(&mut rects, &mut next);
    }
    if !rest.is_empty() {
        iterations += compute(&marked, band, &rest);
    }
    for n in band.norms.iter_mut() {
        if *n == SETTLED_NORM {
            *n = -1.0;
        }
    }
    iterations
}

fn run_of(row: usize, col: usize, len: usize) -> [u32; 3] {
    [row as u32, col as u32, len as u32]
}

/// Classifies `r`'s border, from the values computed so far.
fn border(band: &Band<'_>, r: Rect) -> Border {
    let width = band.xs.len();
    let settled = |x: usize, y: usize| band.norms[y * width + x] == SETTLED_NORM;
    let mut count = 0;
    for x in r.x0..=r.x1 {
        count += usize::from(settled(x, r.y0)) + usize::from(settled(x, r.y1));
    }
    for y in r.y0 + 1..r.y1 {
        count += usize::from(settled(r.x0, y)) + usize::from(settled(r.x1, y));
    }
    let total = 2 * (r.x1 - r.x0 + 1) + 2 * (r.y1 - r.y0 - 1);
    match count {
        0 => Border::Open,
        c if c == total => Border::Settled,
        _ => Border::Mixed,
    }
}

/// Writes the interior outcome to every pixel inside `r`'s border.
fn fill(setup: &Setup, band: &mut Band<'_>, r: Rect) {
    let width = band.xs.len();
    let interior = setup.interior();
    for y in r.y0 + 1..r.y1 {
        let row = y * width + r.x0 + 1..y * width + r.x1;
        band.counts[row.clone()].fill(interior.count);
        band.norms[row].fill(interior.norm);
    }
}

/// Queues `r`'s middle row and column for computing, and its four quarters for the next
/// round.
fn split(r: Rect, runs: &mut Vec<[u32; 3]>, next: &mut Vec<Rect>) {
    let (mx, my) = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
    for y in r.y0 + 1..my {
        runs.push(run_of(y, mx, 1));
    }
    runs.push(run_of(my, r.x0 + 1, r.x1 - r.x0 - 1));
    for y in my + 1..r.y1 {
        runs.push(run_of(y, mx, 1));
    }
    next.extend([
        Rect { x1: mx, y1: my, ..r },
        Rect { x0: mx, y1: my, ..r },
        Rect { x1: mx, y0: my, ..r },
        Rect { x0: mx, y0: my, ..r },
    ]);
}
