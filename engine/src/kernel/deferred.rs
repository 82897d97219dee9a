//! The second stage's escapes, replayed a few full vectors at a time.
//!
//! When lanes of a second-stage group ([`super::grouped`]) escape somewhere in a block,
//! their exact escape index and |z|² come from replaying the block step by step from its
//! start. Done at once, for the lane or two that escaped, that replay is one chain of
//! dependent steps: the cores wait on latency (on Seahorse Valley the replays took about
//! 4 % of the CPU). Here the escaped lanes of every group are queued with their state at
//! the block's start and replayed together, [`VECTORS`] full vectors side by side.
//!
//! Only for kinds whose escape is final: a queued lane must escape within the block it is
//! queued for (monotonic escape, the same arithmetic: both replays take their steps with
//! [`replay_step`]), so the replay settles all of it.
//! The classic kind's `hypot` band may find a lane inside again; it keeps the immediate
//! replay.

use super::feed::Band;
use super::formula::{Formula, Outcome, Setup};
use super::grouped::replay_step;
use super::lanes::low_lanes;
use super::simd::{MAX_LANES, Simd};

/// Vectors replayed side by side: two hide most of a step's latency; the queue is
/// replayed when it holds that many full vectors.
const VECTORS: usize = 2;
/// Queue capacity: a full batch and one more group's lanes.
const CAP: usize = (VECTORS + 1) * MAX_LANES;

/// Lanes waiting for their replay: the state at the start of the block they escaped in,
/// their constant, the index of that state (as f64, exact) and their pixel in the band.
pub(crate) struct Deferred {
    x: [f64; CAP],
    y: [f64; CAP],
    cx: [f64; CAP],
    cy: [f64; CAP],
    base: [f64; CAP],
    pixel: [u32; CAP],
    len: usize,
}

impl Deferred {
    pub(crate) const fn new() -> Self {
        Self { x: [0.0; CAP], y: [0.0; CAP], cx: [0.0; CAP], cy: [0.0; CAP], base: [0.0; CAP], pixel: [0; CAP], len: 0 }
    }

    /// Queues `lanes` of a group whose state at the block's start was `from` (state index
    /// `base`), with constant (`cx`, `cy`); `pixel(l)` is lane `l`'s index in the band.
    /// Replays a batch when the queue holds one, writing its outcomes to `band`; returns
    /// the updates those pixels cost.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push<S: Simd, F: Formula>(
        &mut self,
        s: S,
        f: F,
        setup: &Setup,
        block: u32,
        from: (S::V, S::V),
        (cx, cy): (S::V, S::V),
        base: u64,
        lanes: u32,
        pixel: impl Fn(usize) -> u32,
        band: &mut Band<'_>,
    ) -> u64 {
        let (mut xs, mut ys, mut cxs, mut cys) =
            ([0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES]);
        s.store(from.0, &mut xs);
        s.store(from.1, &mut ys);
        s.store(cx, &mut cxs);
        s.store(cy, &mut cys);
        let mut left = lanes;
        while left != 0 {
            let l = left.trailing_zeros() as usize;
            left &= left - 1;
            let at = self.len;
            (self.x[at], self.y[at], self.cx[at], self.cy[at]) = (xs[l], ys[l], cxs[l], cys[l]);
            self.base[at] = base as f64;
            self.pixel[at] = pixel(l);
            self.len += 1;
        }
        if self.len >= VECTORS * S::LANES { self.replay(s, f, setup, block, band) } else { 0 }
    }

    /// Replays every queued lane; returns the updates they cost.
    #[inline(always)]
    pub(crate) fn drain<S: Simd, F: Formula>(
        &mut self,
        s: S,
        f: F,
        setup: &Setup,
        block: u32,
        band: &mut Band<'_>,
    ) -> u64 {
        let mut work = 0;
        while self.len > 0 {
            work += self.replay(s, f, setup, block, band);
        }
        work
    }

    /// Replays the first (up to) [`VECTORS`] vectors of lanes for up to `block` steps,
    /// testing every state, and writes each lane's escape index and |z|²; returns the
    /// updates those pixels cost.
    #[inline(always)]
    fn replay<S: Simd, F: Formula>(&mut self, s: S, f: F, setup: &Setup, block: u32, band: &mut Band<'_>) -> u64 {
        let n = self.len.min(VECTORS * S::LANES);
        let load = |v: &[f64; CAP], at: usize| {
            let mut a = [0.0; MAX_LANES];
            a[..S::LANES].copy_from_slice(&v[at..at + S::LANES]);
            s.load(&a)
        };
        let at = |k: usize| k * S::LANES;
        let mut z: [(S::V, S::V); VECTORS] = std::array::from_fn(|k| (load(&self.x, at(k)), load(&self.y, at(k))));
        let cx: [S::V; VECTORS] = std::array::from_fn(|k| load(&self.cx, at(k)));
        let cy: [S::V; VECTORS] = std::array::from_fn(|k| load(&self.cy, at(k)));
        let base: [S::V; VECTORS] = std::array::from_fn(|k| load(&self.base, at(k)));
        let mut pending: [u32; VECTORS] = std::array::from_fn(|k| low_lanes(n.saturating_sub(at(k)).min(S::LANES)));
        let mut count = base;
        let mut found = [s.splat(0.0); VECTORS];
        for step in 1..=block {
            for k in 0..VECTORS {
                let index = || s.add(base[k], s.splat(f64::from(step)));
                let record = (&mut count[k], &mut found[k]);
                pending[k] &= !replay_step(s, f, setup, &mut z[k], (cx[k], cy[k]), pending[k], index, record);
            }
            if pending.iter().all(|&p| p == 0) {
                break;
            }
        }
        debug_assert!(pending.iter().all(|&p| p == 0), "a queued lane did not escape in its block");
        let mut work = 0;
        for k in 0..VECTORS {
            let (mut counts, mut norms) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
            s.store(count[k], &mut counts);
            s.store(found[k], &mut norms);
            for l in 0..n.saturating_sub(at(k)).min(S::LANES) {
                band.write(self.pixel[at(k) + l] as usize, Outcome { count: counts[l] as u32, norm: norms[l] as f32 });
                work += counts[l] as u64;
            }
        }
        for v in [&mut self.x, &mut self.y, &mut self.cx, &mut self.cy, &mut self.base] {
            v.copy_within(n..self.len, 0);
        }
        self.pixel.copy_within(n..self.len, 0);
        self.len -= n;
        work
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fractal::Fractal;
    use crate::kernel::formula::{Quadratic, norm};

    const BLOCK: u32 = 16;

    /// Queues 21 escaping lanes (more than a batch, so some are replayed when pushed and
    /// the rest by `drain`), each from the start of the block it escapes in, and checks
    /// every pixel's escape index and |z|² against stepping the same vector state by state.
    fn replays_match_stepping<S: Simd>(s: S) {
        let setup = Setup::new(&Fractal::Mandelbrot, 10_000, 1e-3, true);
        let f = Quadratic;
        let pixels = 21;
        let mut counts = vec![0; pixels];
        let mut norms = vec![0.0; pixels];
        let mut want = Vec::new();
        let mut queue = Deferred::new();
        let mut work = 0;
        let (xs, ys) = ([0.0], [0.0]);
        let mut band = Band { xs: &xs, ys: &ys, counts: &mut counts, norms: &mut norms };
        for p in 0..pixels {
            // Right of the cusp at 1/4, escaping after about π/√(c − 1/4) steps: from
            // about 300 down to about 15.
            let (re, im) = (0.25 + 1e-4 * ((p + 1) * (p + 1)) as f64, 0.0);
            let (cx, cy) = (s.splat(re), s.splat(im));
            let (mut x, mut y) = (cx, cy);
            let mut states = Vec::new();
            let (count, norm) = loop {
                assert!(states.len() < 1000, "pixel {p} does not escape");
                states.push((x, y));
                let n = norm(s, x, y);
                if s.not_le_mask(n, s.splat(setup.fast_r2)) & 1 != 0 {
                    let mut a = [0.0; MAX_LANES];
                    s.store(n, &mut a);
                    break (states.len() as u32 - 1, a[0]);
                }
                (x, y) = f.step(s, x, y, cx, cy);
            };
            assert!(count > 0, "pixel {p} escapes at once");
            let base = (count - 1) / BLOCK * BLOCK;
            want.push((count, norm as f32));
            let from = states[base as usize];
            work += queue.push(s, f, &setup, BLOCK, from, (cx, cy), u64::from(base), 1, |_| p as u32, &mut band);
        }
        work += queue.drain(s, f, &setup, BLOCK, &mut band);
        let got: Vec<_> = counts.iter().zip(&norms).map(|(&c, &n)| (c, n)).collect();
        assert_eq!(got, want);
        assert_eq!(work, want.iter().map(|&(c, _)| u64::from(c)).sum::<u64>());
    }

    #[test]
    fn replays_give_each_lane_its_escape_on_every_path() {
        crate::kernel::simd::on_every_path!(replays_match_stepping);
    }
}
