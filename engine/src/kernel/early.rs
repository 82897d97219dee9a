//! The classic kind's early escapes: a streaming pass over the band that settles the
//! pixels escaping within the first [`STATES`] states, a vector of neighbours at a time,
//! and lists the others as runs for the two stages.
//!
//! Why: with escape radius 2, most of the tutorial task's pixels escape at once (on the
//! `classic` scene 32 % at state 0, 30 % at state 1, 77 % within 4 states). Through the
//! chained groups of [`super::stepwise`] each such pixel paid a share of a group's start
//! and finish and of a round of steps that its short-lived neighbours left idle. Here a
//! vector of eight costs four steps and two stores, with no chain bookkeeping; only the
//! pixels still inside go through the groups (gathered into full vectors), starting
//! again from their first state — a few repeated steps for a quarter of the pixels.
//!
//! The kinds with radius 16 (Mandelbrot, Julia, Burning Ship, Multibrot) have almost no
//! pixel that escapes this early, so the pass is the classic kind's only.

use super::feed::Band;
use super::formula::{Formula, Setup};
use super::lanes::{bits, escaped_lanes, low_lanes, row_coords};
use super::simd::{MAX_LANES, Simd};

/// States tested by the pass (fewer when the limit is lower).
pub(crate) const STATES: u32 = 4;

/// Tests states `0..STATES` of every pixel of `band` with the exact escape test and the
/// kernels' arithmetic, writes the outcome of those that escape, and appends the others
/// to `runs` (`[row, first column, length]`, in order). Returns the updates spent on the
/// pixels written.
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    band: &mut Band<'_>,
    runs: &mut Vec<[u32; 3]>,
) -> u64 {
    let width = band.xs.len();
    let states = STATES.min(setup.limit);
    let mut work = 0;
    for row in 0..band.ys.len() {
        let mut col = 0;
        while col < width {
            let len = S::LANES.min(width - col);
            let (escaped, spent) = chunk(s, f, setup, band, row, col, len, states);
            work += spent;
            // The pixels still inside, as runs of neighbours (joined across chunks).
            let mut left = low_lanes(len) & !escaped;
            while left != 0 {
                let first = left.trailing_zeros();
                let n = (!(left >> first)).trailing_zeros();
                let start = (col + first as usize) as u32;
                match runs.last_mut() {
                    Some(r) if r[0] == row as u32 && r[1] + r[2] == start => r[2] += n,
                    _ => runs.push([row as u32, start, n]),
                }
                left &= !(low_lanes(n as usize) << first);
            }
            col += len;
        }
    }
    work
}

/// [`run`] for `len` ≤ `LANES` pixels of `row` from column `col`: returns the lanes that
/// escaped (written) and the updates they cost.
///
/// Measured against a version without branches (every state stepped, the rare lanes in
/// the `hypot` band redone): the same within 1 %, so the simple one stays.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    band: &mut Band<'_>,
    row: usize,
    col: usize,
    len: usize,
    states: u32,
) -> (u32, u64) {
    let (px, py) = row_coords(s, band, row, col, len);
    let (mut x, mut y, cx, cy) = match setup.julia_c {
        Some((re, im)) => (px, py, s.splat(re), s.splat(im)),
        None => (px, py, px, py),
    };
    let fast_r2 = s.splat(setup.fast_r2);
    let (mut count, mut norm_out) = (s.splat(0.0), s.splat(0.0));
    let mut live = low_lanes(len);
    let mut spent = 0;
    for k in 0..states {
        let (nx, ny, norm) = f.step_norm(s, x, y, cx, cy);
        let out = escaped_lanes(s, setup, x, y, norm, s.not_le_mask(norm, fast_r2) & live);
        if out != 0 {
            count = s.blend(out, count, s.splat(f64::from(k)));
            norm_out = s.blend(out, norm_out, norm);
            spent += u64::from(k * out.count_ones());
            live &= !out;
            if live == 0 {
                break;
            }
        }
        (x, y) = (nx, ny);
    }
    let escaped = low_lanes(len) & !live;
    let first = row * band.xs.len() + col;
    if len == S::LANES {
        // Every lane is stored; those still inside are written again by the stages.
        s.store_u32(count, &mut band.counts[first..]);
        s.store_f32(norm_out, &mut band.norms[first..]);
    } else if escaped != 0 {
        let (mut cs, mut ns) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
        s.store(count, &mut cs);
        s.store(norm_out, &mut ns);
        for l in bits(escaped) {
            band.counts[first + l] = cs[l] as u32;
            band.norms[first + l] = ns[l] as f32;
        }
    }
    (escaped, spent)
}
