//! Small helpers shared by the vector kernels.

use super::feed::Band;
use super::formula::Setup;
use super::simd::{MAX_LANES, Simd};

/// Iterates over the set bits of `m`.
#[inline(always)]
pub(crate) fn bits(mut m: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let l = m.trailing_zeros() as usize;
        m &= m - 1;
        Some(l)
    })
}

/// Of the lanes in `candidates` (|z|² not ≤ the fast radius), those that escaped. Exact
/// without looking at single lanes except for the classic kind's rare band cases.
#[inline(always)]
pub(crate) fn escaped_lanes<S: Simd>(s: S, setup: &Setup, x: S::V, y: S::V, norm: S::V, candidates: u32) -> u32 {
    if candidates == 0 || !setup.exact_hypot {
        return candidates;
    }
    let sure = s.not_le_mask(norm, s.splat(setup.r2_high)) & candidates;
    let band = candidates & !sure;
    if band == 0 {
        return sure;
    }
    let (mut xs, mut ys, mut ns) = ([0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES]);
    s.store(x, &mut xs);
    s.store(y, &mut ys);
    s.store(norm, &mut ns);
    sure | resolve_band(setup, &xs, &ys, &ns, band)
}

/// The `hypot` decision for lanes whose |z|² is within a hair of 4. Rare, so kept out of
/// line: that keeps the hot loops small enough to stay unrolled and in registers.
#[cold]
#[inline(never)]
fn resolve_band(setup: &Setup, xs: &[f64; MAX_LANES], ys: &[f64; MAX_LANES], ns: &[f64; MAX_LANES], band: u32) -> u32 {
    bits(band).filter(|&l| setup.escaped(xs[l], ys[l], ns[l])).fold(0, |m, l| m | (1 << l))
}

/// The coordinates of `len` ≤ `LANES` neighbouring pixels of `band`'s `row` from column
/// `col` (padding lanes 0).
#[inline(always)]
pub(crate) fn row_coords<S: Simd>(s: S, band: &Band<'_>, row: usize, col: usize, len: usize) -> (S::V, S::V) {
    // Written out, not through `load_lanes`: the classic kind's early pass compiled
    // differently that way and the `classic` scene took 1.045× the CPU (Zen 4).
    let px = if len == S::LANES {
        s.load_slice(&band.xs[col..])
    } else {
        let mut px = [0.0; MAX_LANES];
        px[..len].copy_from_slice(&band.xs[col..col + len]);
        s.load(&px)
    };
    (px, s.splat(band.ys[row]))
}

/// `len` ≤ `LANES` values of `v` from `at` as a vector (padding lanes 0): one vector load
/// when the lanes are full.
#[inline(always)]
pub(crate) fn load_lanes<S: Simd>(s: S, v: &[f64], at: usize, len: usize) -> S::V {
    if len == S::LANES {
        return s.load_slice(&v[at..]);
    }
    let mut a = [0.0; MAX_LANES];
    a[..len].copy_from_slice(&v[at..at + len]);
    s.load(&a)
}

/// Mask of the low `len` lanes.
#[inline(always)]
pub(crate) fn low_lanes(len: usize) -> u32 {
    (1u32 << len) - 1
}

/// Pixels that the first stage left unfinished, or that a level of the second hands on to
/// the next (see [`super::grouped`]): their state after `steps` updates (state `steps` not yet
/// tested), in structure-of-arrays form so the second stage loads a group with one vector
/// load per field.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub(crate) index: Vec<u32>,
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) cx: Vec<f64>,
    pub(crate) cy: Vec<f64>,
    /// The periodicity reference of each pixel; empty while `blocks` is 0 (none saved yet).
    pub(crate) xr: Vec<f64>,
    pub(crate) yr: Vec<f64>,
    /// Updates done on every pending pixel.
    pub(crate) steps: u32,
    /// Second-stage blocks done on every pending pixel (0 for the first stage's).
    pub(crate) blocks: u64,
}

impl Pending {
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Empties the lists, keeping their memory (one `Pending` serves all the bands a
    /// thread computes).
    pub(crate) fn clear(&mut self) {
        for v in [&mut self.x, &mut self.y, &mut self.cx, &mut self.cy, &mut self.xr, &mut self.yr] {
            v.clear();
        }
        self.index.clear();
        self.steps = 0;
        self.blocks = 0;
    }
}
