//! The fast path: several independent vector chains per core, escape tests only every
//! [`BLOCK`] steps, and lanes refilled with the next pixel as soon as theirs is done.
//!
//! Why this shape:
//! - *Chains*: an update is a chain of dependent multiply-adds (4 cycles latency each),
//!   so one vector would leave the FP units idle most of the time. `C` chains are
//!   stepped in turn, which keeps the units busy.
//! - *Blocks*: testing |z| after every step costs as much as the step itself. The escape
//!   radius is chosen so that escape is monotonic (see `Setup`), so testing at the end of
//!   a block of steps tells whether a lane escaped anywhere in it; only then is that
//!   block replayed step by step, with the same arithmetic, to find the exact index.
//! - *Refill*: a lane whose pixel is done takes the next pixel of the band at once, so
//!   no lane idles waiting for the slowest pixel of its vector.
//! - *Periodicity*: at the end of a block each lane's z is compared with a reference z
//!   saved at growing intervals; a repeat means an attracting cycle, i.e. interior.

use super::feed::{Band, Feed, Start};
use super::formula::{Formula, Outcome, Setup};
use super::simd::{MAX_LANES, Simd};

/// Steps between escape tests.
pub(crate) const BLOCK: u32 = 8;

/// Per-lane bookkeeping of one chain, in memory; touched only on the slow path.
#[derive(Clone, Copy)]
struct Lanes {
    /// Output index of the pixel in each lane.
    index: [u32; MAX_LANES],
    /// Chain step count when the lane's pixel started (its state index is
    /// `steps - start`).
    start: [u64; MAX_LANES],
    x: [f64; MAX_LANES],
    y: [f64; MAX_LANES],
    cx: [f64; MAX_LANES],
    cy: [f64; MAX_LANES],
    xr: [f64; MAX_LANES],
    yr: [f64; MAX_LANES],
    /// Bit per lane that holds a pixel.
    active: u32,
    /// Steps taken by this chain.
    steps: u64,
    /// Blocks taken by this chain (drives the periodicity reference schedule).
    blocks: u64,
    /// Smallest number of states any active lane still has to test.
    min_remaining: u64,
}

impl Lanes {
    fn empty() -> Self {
        Self {
            index: [0; MAX_LANES],
            start: [0; MAX_LANES],
            x: [0.0; MAX_LANES],
            y: [0.0; MAX_LANES],
            cx: [0.0; MAX_LANES],
            cy: [0.0; MAX_LANES],
            xr: [f64::NAN; MAX_LANES],
            yr: [f64::NAN; MAX_LANES],
            active: 0,
            steps: 0,
            blocks: 0,
            min_remaining: u64::MAX,
        }
    }

    /// Puts pixel `p` (or nothing) into lane `l`.
    #[inline]
    fn fill(&mut self, l: usize, p: Option<Start>) {
        self.xr[l] = f64::NAN;
        self.yr[l] = f64::NAN;
        match p {
            Some(p) => {
                self.index[l] = p.index;
                self.start[l] = self.steps;
                (self.x[l], self.y[l], self.cx[l], self.cy[l]) = (p.x, p.y, p.cx, p.cy);
                self.active |= 1 << l;
            }
            None => {
                // An idle lane iterates 0 ← 0² + 0: bounded, cheap, never flagged.
                (self.x[l], self.y[l], self.cx[l], self.cy[l]) = (0.0, 0.0, 0.0, 0.0);
                self.active &= !(1 << l);
            }
        }
    }

    /// States lane `l` has left to test after `steps` chain steps.
    #[inline]
    fn remaining(&self, l: usize, steps: u64, limit: u32) -> u64 {
        u64::from(limit - 1).saturating_sub(steps - self.start[l])
    }

    fn update_min_remaining(&mut self, lanes: usize, limit: u32) {
        self.min_remaining = (0..lanes)
            .filter(|l| self.active & (1 << l) != 0)
            .map(|l| self.remaining(l, self.steps, limit))
            .min()
            .unwrap_or(u64::MAX);
    }
}

/// Whether the periodicity reference is refreshed after block `b`: at powers of two
/// (Brent's scheme, which finds any period), and every 32 blocks so lanes refilled late
/// get a reference soon.
#[inline]
fn refresh_reference(b: u64) -> bool {
    b.is_power_of_two() || b % 32 == 0
}

/// Computes `band` with `C` chains of `S` vectors; returns the number of updates
/// performed on pixels (steps spent on idle lanes or replayed are not counted).
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize>(
    s: S,
    f: F,
    setup: &Setup,
    band: &mut Band<'_>,
) -> u64 {
    let n = S::LANES;
    let mut feed = Feed::new(band);
    let mut iterations = 0u64;
    let mut lanes = [Lanes::empty(); C];
    for chain in lanes.iter_mut() {
        for l in 0..n {
            let p = feed.next(setup, band);
            chain.fill(l, p);
        }
        chain.update_min_remaining(n, setup.limit);
    }
    let mut x: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].x));
    let mut y: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].y));
    let mut cx: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].cx));
    let mut cy: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].cy));
    let mut xr: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].xr));
    let mut yr: [S::V; C] = std::array::from_fn(|c| s.load(&lanes[c].yr));
    let fast_r2 = s.splat(setup.fast_r2);
    let eps = s.splat(setup.period_eps);

    while lanes.iter().any(|c| c.active != 0) {
        let (x0, y0) = (x, y);
        for _ in 0..BLOCK {
            for c in 0..C {
                (x[c], y[c]) = f.step(s, x[c], y[c], cx[c], cy[c]);
            }
        }
        for c in 0..C {
            let chain = &mut lanes[c];
            if chain.active == 0 {
                continue;
            }
            chain.steps += u64::from(BLOCK);
            chain.blocks += 1;
            let norm = s.mul_add(x[c], x[c], s.mul(y[c], y[c]));
            let escaped = s.not_le_mask(norm, fast_r2) & chain.active;
            let periodic = if setup.periodicity {
                let d = s.add(s.abs(s.sub(x[c], xr[c])), s.abs(s.sub(y[c], yr[c])));
                s.le_mask(d, eps) & chain.active
            } else {
                0
            };
            if escaped | periodic != 0 || chain.min_remaining <= u64::from(BLOCK) {
                s.store(x[c], &mut chain.x);
                s.store(y[c], &mut chain.y);
                s.store(xr[c], &mut chain.xr);
                s.store(yr[c], &mut chain.yr);
                iterations += settle(
                    s,
                    f,
                    setup,
                    band,
                    &mut feed,
                    chain,
                    (x0[c], y0[c]),
                    escaped,
                    periodic,
                );
                x[c] = s.load(&chain.x);
                y[c] = s.load(&chain.y);
                cx[c] = s.load(&chain.cx);
                cy[c] = s.load(&chain.cy);
                xr[c] = s.load(&chain.xr);
                yr[c] = s.load(&chain.yr);
            } else {
                chain.min_remaining -= u64::from(BLOCK);
            }
            if refresh_reference(chain.blocks) {
                xr[c] = x[c];
                yr[c] = y[c];
            }
        }
    }
    iterations
}

/// The slow path for one chain after a block: replays the block step by step for lanes
/// that may have escaped or reached their limit, finishes pixels that are done, refills
/// their lanes. Lane state is in `chain`'s arrays on entry and exit.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn settle<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    band: &mut Band<'_>,
    feed: &mut Feed,
    chain: &mut Lanes,
    block_start: (S::V, S::V),
    escaped: u32,
    periodic: u32,
) -> u64 {
    let n = S::LANES;
    let before = chain.steps - u64::from(BLOCK);
    let mut replay = escaped;
    for l in 0..n {
        if chain.active & (1 << l) != 0
            && chain.remaining(l, before, setup.limit) <= u64::from(BLOCK)
        {
            replay |= 1 << l;
        }
    }

    // Replay: the first step (1..=BLOCK) at which each replayed lane escaped, if any,
    // within the states it is still allowed to test.
    let mut found: [Option<(u32, f64)>; MAX_LANES] = [None; MAX_LANES];
    if replay != 0 {
        let (mut rx, mut ry) = block_start;
        let (cx, cy) = (s.load(&chain.cx), s.load(&chain.cy));
        let (mut tx, mut ty, mut tn) = ([0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES]);
        let mut pending = replay;
        for step in 1..=BLOCK {
            (rx, ry) = f.step(s, rx, ry, cx, cy);
            let norm = s.mul_add(rx, rx, s.mul(ry, ry));
            s.store(rx, &mut tx);
            s.store(ry, &mut ty);
            s.store(norm, &mut tn);
            for l in 0..n {
                if pending & (1 << l) == 0 {
                    continue;
                }
                if u64::from(step) > chain.remaining(l, before, setup.limit) {
                    pending &= !(1 << l);
                } else if setup.escaped(tx[l], ty[l], tn[l]) {
                    found[l] = Some((step, tn[l]));
                    pending &= !(1 << l);
                }
            }
            if pending == 0 {
                break;
            }
        }
    }

    let mut iterations = 0u64;
    for l in 0..n {
        if chain.active & (1 << l) == 0 {
            continue;
        }
        let done_before = before - chain.start[l];
        let remaining = chain.remaining(l, before, setup.limit);
        let mut outcome: Option<Outcome> = None;
        if replay & (1 << l) != 0 {
            if let Some((step, norm)) = found[l] {
                let index = done_before + u64::from(step);
                outcome = Some(setup.escaped_at(index as u32, norm));
                iterations += index;
            } else if remaining <= u64::from(BLOCK) {
                outcome = Some(setup.interior());
                iterations += done_before + remaining;
            }
        }
        if outcome.is_none() && periodic & (1 << l) != 0 {
            outcome = Some(setup.interior());
            iterations += done_before + u64::from(BLOCK);
        }
        if let Some(outcome) = outcome {
            band.write(chain.index[l] as usize, outcome);
            let next = feed.next(setup, band);
            chain.fill(l, next);
        }
    }
    chain.update_min_remaining(n, setup.limit);
    iterations
}
