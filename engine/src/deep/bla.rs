//! Bilinear approximation (BLA): many perturbation steps replaced by one linear map.
//!
//! For `z² + c`, `l` steps from reference index `m` are approximately
//! `δ ← A·δ + B·δc` while |δ| < R. Single steps have `A = 2 Z_m`, `B = 1` (0 for Julia,
//! whose δc is zero) and `R = ε·|A|` (the squared term is then below ε of the linear
//! one); two neighbouring approximations merge as `A = A_y·A_x`, `B = A_y·B_x + B_y`,
//! `R = max(0, min(R_x, (R_y − |B_x|·|δc|max) / |A_x|))` — the validity radii published for
//! Fraktaler-3 (mathr.co.uk, "Deep zoom theory and practice", 2022). Level `k` of the table
//! holds the merges of `2^k` steps starting at `base + j·2^k`; a pixel at index `m` looks
//! up the longest valid one that starts there.
//!
//! The table depends on the largest |δc| of the image; it is built per render (linear in
//! the orbit's length) and kept with the orbit for the next render of the same extent.

use super::floatexp::{ComplexExp, RealExp};
use super::hugepages;

/// ε of the single-step radius: the neglected δ² is below 2^-24 of the linear term, far
/// below a pixel after the amplification a skip can see.
const EPSILON_LOG2: i64 = -24;

/// One approximation in doubles (its radius is kept apart, in [`Bla`]'s `radii`). 32
/// bytes, aligned: one cache line holds two, and none straddles two.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(crate) struct Step64 {
    pub(crate) a: [f64; 2],
    pub(crate) b: [f64; 2],
}

/// One approximation with exponents (coefficients beyond doubles' range).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepExp {
    pub(crate) a: ComplexExp,
    pub(crate) b: ComplexExp,
    pub(crate) r: RealExp,
}

/// What the per-pixel loop reads at reference index `m`: the orbit's value there (the
/// escape and rebase tests after a step or a skip landing at `m`) and the single step's
/// radius (whether a skip may start at `m`). One cache line holds two of them. Where
/// its approximations begin is computed from `m` ([`Bla::block`]), not stored here: so
/// the loads of the radii and coefficients at a skip's landing need not wait for this
/// one (three cache misses in parallel, not one after the other, on long orbits).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(crate) struct Node {
    /// Z_m as doubles (the orbit's `z[m]`).
    pub(crate) z: [f64; 2],
    /// The single step's radius (0 where there is none: never valid).
    pub(crate) r0: f64,
}

/// The table of one orbit.
///
/// The doubles are laid out by starting index: the approximations a pixel at `rel` may
/// take (levels 0 to `rel`'s count of trailing zero bits) are next to each other, so the
/// climb through the levels reads one or two cache lines instead of one per level — the
/// tables of long orbits are megabytes, and each level was a miss.
#[derive(Debug)]
pub(crate) struct Bla {
    /// First reference index with approximations (1 when Z_0 = 0: a step from zero is
    /// never linear).
    base: usize,
    /// Number of levels (level k holds the merges of 2^k steps).
    levels: usize,
    /// The approximations, by [`Bla::block`].
    steps: Vec<Step64>,
    /// Their radii, in the same places: valid while |re δ| + |im δ| < r (0 where a level
    /// has no entry, or its coefficients do not fit doubles). Apart from the
    /// coefficients, so that the climb through the levels reads one or two cache lines
    /// (8 bytes a level) instead of one per level or two — for long orbits the tables are
    /// far larger than the caches, and these reads were most of a skip's time.
    radii: Vec<f64>,
    /// By reference index, one per orbit value.
    nodes: Vec<Node>,
    levels_exp: Vec<Vec<StepExp>>,
}

impl Bla {
    /// The table for `zx` (the orbit), with `dc_max` the largest |δc| of the image
    /// (ignored when `with_c` is false: Julia sets). `with_exp` also keeps the table with
    /// exponents, for views deeper than doubles.
    pub(crate) fn build(zx: &[ComplexExp], base: usize, dc_max: RealExp, with_c: bool, with_exp: bool) -> Self {
        let eps = RealExp::new(1.0, EPSILON_LOG2);
        let dc = if with_c { dc_max } else { RealExp::ZERO };
        let b1 = if with_c { ComplexExp::from_f64(1.0, 0.0) } else { ComplexExp::ZERO };
        let count = zx.len().saturating_sub(base + 1);
        let mut level: Vec<StepExp> = (0..count)
            .map(|j| {
                let z = zx[base + j];
                let a = ComplexExp::new(2.0 * z.re, 2.0 * z.im, z.e);
                StepExp { a, b: b1, r: eps.mul(a.abs()) }
            })
            .collect();
        let mut levels_exp = Vec::new();
        while !level.is_empty() {
            let next: Vec<StepExp> = level.chunks_exact(2).map(|p| merge(p[0], p[1], dc)).collect();
            levels_exp.push(level);
            level = next;
        }
        let (levels, count) = (levels_exp.len(), levels_exp.first().map_or(0, Vec::len));
        let size = if count == 0 { 0 } else { Self::block(levels, count - 1).0 + Self::block(levels, count - 1).1 };
        let never = Step64 { a: [0.0; 2], b: [0.0; 2] };
        let mut steps = hugepages::filled(size, never);
        let mut radii = hugepages::filled(size, 0.0);
        for rel in 0..count {
            let (offset, top) = Self::block(levels, rel);
            for k in 0..top {
                if let Some(s) = levels_exp[k].get(rel >> k) {
                    (steps[offset + k], radii[offset + k]) = to64(s);
                }
            }
        }
        let mut nodes = hugepages::with_capacity(zx.len());
        nodes.extend((0..zx.len()).map(|m| {
            let (re, im) = zx[m].to_f64();
            let r0 = match m.checked_sub(base) {
                Some(rel) if rel < count => radii[Self::block(levels, rel).0],
                _ => 0.0,
            };
            Node { z: [re, im], r0 }
        }));
        let levels_exp = if with_exp { levels_exp } else { Vec::new() };
        Self { base, levels, steps, radii, nodes, levels_exp }
    }

    /// Where the approximations starting at `rel` begin, and how many levels they span:
    /// all of them at 0, else up to its lowest set bit (`rel = j·2^k` for level k).
    #[inline(always)]
    fn block(levels: usize, rel: usize) -> (usize, usize) {
        if rel == 0 {
            return (0, levels);
        }
        // Blocks before: `levels` for 0, then tz(j) + 1 for each j in 1..rel, and
        // Σ_{j=1}^{n} tz(j) = n − popcount(n).
        let n = rel - 1;
        (levels + 2 * n - n.count_ones() as usize, Self::levels_at(levels, rel))
    }

    /// How many levels start at `rel`: all at 0, else up to its lowest set bit.
    #[inline(always)]
    fn levels_at(levels: usize, rel: usize) -> usize {
        if rel == 0 { levels } else { rel.trailing_zeros() as usize + 1 }
    }

    /// The longest approximation starting at reference index `m` that is valid for
    /// |re δ| + |im δ| = `d1` and skips at most `remaining` iterations.
    #[inline]
    pub(crate) fn lookup64(&self, m: usize, d1: f64, remaining: u32) -> Option<(&Step64, u32)> {
        // Written so that a NaN δ never takes an approximation (nor a zero radius: below
        // `base` and at the orbit's end).
        (d1 < self.radius0(m) && remaining > 0).then(|| self.skip64(m, d1, remaining))
    }

    /// [`Bla::lookup64`] where the single step is known to be valid (`d1` below
    /// [`Bla::radius0`]) and `remaining` is at least 1.
    ///
    /// A merged radius is never larger than its first part's, so validity falls with the
    /// level: the search climbs from single steps and stops at the first level that fails.
    /// The levels too long for `remaining` are cut off before the climb, so each level
    /// costs one load and one comparison.
    #[inline(always)]
    pub(crate) fn skip64(&self, m: usize, d1: f64, remaining: u32) -> (&Step64, u32) {
        let (offset, radii) = self.radii_within(m, remaining);
        self.level(offset, climb(radii, d1))
    }

    /// Where index `m`'s block starts, and its radii of the levels with 2^k ≤ `remaining`.
    #[inline(always)]
    fn radii_within(&self, m: usize, remaining: u32) -> (usize, &[f64]) {
        let (offset, top) = Self::block(self.levels, m - self.base);
        let fit = (u32::BITS - remaining.leading_zeros()) as usize;
        (offset, &self.radii[offset..offset + top.min(fit)])
    }

    /// The skip of the `k`-th level (counted from 1) of the block at `offset`.
    #[inline(always)]
    fn level(&self, offset: usize, k: usize) -> (&Step64, u32) {
        (&self.steps[offset + k - 1], 1 << (k - 1))
    }

    /// [`Bla::skip64`] of several δ at the same index (`d1` their |δ|₁, all below the
    /// single step's radius): the skip each takes alone when it is the same one, else
    /// `None`. One climb, with the largest |δ|₁: the others take the same skip unless the
    /// smallest is also within the radius of the level where the largest stops.
    #[inline(always)]
    pub(crate) fn skip64_group<const N: usize>(
        &self,
        m: usize,
        d1: [f64; N],
        remaining: u32,
    ) -> Option<(&Step64, u32)> {
        let (offset, radii) = self.radii_within(m, remaining);
        let pick = |keep: fn(f64, f64) -> bool| d1.into_iter().reduce(|a, b| if keep(a, b) { a } else { b });
        let (low, high) = (pick(|a, b| a < b)?, pick(|a, b| a > b)?);
        let k = climb(radii, high);
        if k < radii.len() && low < radii[k] {
            return None;
        }
        Some(self.level(offset, k))
    }

    /// The radius of the single step from reference index `m` (0 where there is none):
    /// [`Bla::lookup64`] takes a skip exactly when `d1` is below it (and one step is
    /// left).
    #[inline(always)]
    pub(crate) fn radius0(&self, m: usize) -> f64 {
        self.nodes.get(m).map_or(0.0, |n| n.r0)
    }

    /// The node of reference index `m` (which must be within the orbit).
    #[inline(always)]
    pub(crate) fn node(&self, m: usize) -> &Node {
        &self.nodes[m]
    }

    /// [`Bla::lookup64`] with exponents.
    #[inline]
    pub(crate) fn lookup_exp(&self, m: usize, d1: RealExp, remaining: u32) -> Option<(&StepExp, u32)> {
        let rel = m.checked_sub(self.base)?;
        let first = self.levels_exp.first()?.get(rel)?;
        if !d1.lt(first.r) {
            return None;
        }
        let top = if rel == 0 {
            self.levels_exp.len()
        } else {
            (rel.trailing_zeros() as usize + 1).min(self.levels_exp.len())
        };
        let mut best = (first, 1);
        for k in 1..top {
            let l = 1u32 << k;
            match self.levels_exp[k].get(rel >> k) {
                Some(s) if d1.lt(s.r) && l <= remaining => best = (s, l),
                _ => break,
            }
        }
        (best.1 <= remaining).then_some(best)
    }
}

/// How many levels of `radii` (the single step's first) are valid for |δ|₁ = `d1`: the
/// climb stops at the first that fails (the single step is known valid).
#[inline(always)]
fn climb(radii: &[f64], d1: f64) -> usize {
    let mut k = 1;
    while k < radii.len() && d1 < radii[k] {
        k += 1;
    }
    k
}

/// The skip every pixel of an image can take from its start: `(m, K)` such that after
/// `m` iterations each pixel's δ is `K·δc` (the bilinear maps composed for the farthest
/// pixel, `dc_max` = its |re δc| + |im δc|, are valid for all nearer ones). Saves each
/// pixel the table walk through the linear first stretch of its orbit. `None` when no
/// skip applies or the factor leaves doubles' range.
pub(crate) fn common_start(bla: &Bla, julia: bool, dc_max: f64, n_max: u32) -> Option<(usize, [f64; 2])> {
    // Mandelbrot: δ_1 = δc (Z_0 = 0); Julia: δ_0 = δc.
    let mut m = usize::from(!julia);
    let mut k = [1.0f64, 0.0];
    let mut skipped = false;
    while (m as u32) < n_max {
        let bound = std::f64::consts::SQRT_2 * (k[0].abs() + k[1].abs()) * dc_max;
        let Some((s, l)) = bla.lookup64(m, bound, n_max - m as u32) else { break };
        let next = [s.a[0] * k[0] - s.a[1] * k[1] + s.b[0], s.a[0] * k[1] + s.a[1] * k[0] + s.b[1]];
        if !(next[0].is_finite() && next[1].is_finite()) {
            break;
        }
        k = next;
        m += l as usize;
        skipped = true;
    }
    skipped.then_some((m, k))
}

/// `y ∘ x`: first `x`, then `y`.
fn merge(x: StepExp, y: StepExp, dc: RealExp) -> StepExp {
    let a = y.a.mul(x.a);
    let b = y.a.mul(x.b).add(y.b);
    let r = x.r.min(y.r.sub(x.b.abs().mul(dc)).div(x.a.abs())).max0();
    StepExp { a, b, r }
}

/// The doubles of an approximation and its radius; never valid (radius 0) when a
/// coefficient does not fit.
fn to64(s: &StepExp) -> (Step64, f64) {
    let (ar, ai) = s.a.to_f64();
    let (br, bi) = s.b.to_f64();
    let ok = [ar, ai, br, bi].iter().all(|v| v.is_finite());
    (Step64 { a: [ar, ai], b: [br, bi] }, if ok { s.r.to_f64() } else { 0.0 })
}
