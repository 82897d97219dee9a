//! The fast path: each vector holds a group of neighbouring pixels of one row; several
//! independent groups ("chains") are stepped in turn; |z| is tested only every
//! [`BLOCK`] steps.
//!
//! Why this shape:
//! - *Chains*: an update is a chain of dependent multiply-adds (4 cycles latency each);
//!   stepping `C` independent vectors in turn keeps the FP units busy.
//! - *Blocks*: a test after every step costs as much as the step itself. The escape
//!   radius is chosen so that escape is monotonic (see `Setup::new`): a lane beyond the
//!   radius at the end of a block escaped somewhere in it, and one inside did not. Only
//!   blocks in which a lane escapes are replayed step by step, with the same arithmetic,
//!   to find the exact escape index and |z|.
//! - *Neighbours*: adjacent pixels escape at similar counts, so lanes of a group finish
//!   close together and little work is wasted; loading a group is one vector load, and
//!   the per-pixel bookkeeping stays out of the inner loop.
//! - *Periodicity*: at the end of a block each lane's z is compared with a reference
//!   saved at power-of-two block counts (Brent); a repeat means an attracting cycle.

use super::feed::Band;
use super::formula::{Formula, Outcome, Setup};
use super::simd::{MAX_LANES, Simd};

/// Steps between escape tests.
pub(crate) const BLOCK: u32 = 8;

/// Where a group's pixels are and how far it got; touched once per block.
#[derive(Clone, Copy)]
struct Group {
    /// Output index of lane 0; lanes are consecutive.
    first: usize,
    /// Lanes holding a pixel.
    len: usize,
    /// Lanes still iterating.
    live: u32,
    /// State index of the live lanes (updates done).
    steps: u64,
    /// Blocks done (drives the periodicity reference schedule).
    blocks: u64,
    /// Updates spent on lanes found interior (by periodicity or the limit).
    interior_work: u64,
}

impl Group {
    const IDLE: Self = Self { first: 0, len: 0, live: 0, steps: 0, blocks: 0, interior_work: 0 };
}

/// Hands out groups of up to `LANES` consecutive pixels of one row.
struct Groups {
    next_col: usize,
    row: usize,
    width: usize,
    rows: usize,
}

impl Groups {
    fn next(&mut self, lanes: usize) -> Option<(usize, usize, usize)> {
        if self.row >= self.rows {
            return None;
        }
        let (row, col) = (self.row, self.next_col);
        let len = lanes.min(self.width - col);
        self.next_col += len;
        if self.next_col == self.width {
            self.next_col = 0;
            self.row += 1;
        }
        Some((row, col, len))
    }
}

/// Registers of one chain: the orbit, the constant, the periodicity reference, and what
/// was recorded for lanes that escaped (index and |z|², as f64 lanes).
#[derive(Clone, Copy)]
struct Regs<V> {
    x: V,
    y: V,
    cx: V,
    cy: V,
    xr: V,
    yr: V,
    count: V,
    norm: V,
}

/// Iterates over the set bits of `m`.
#[inline(always)]
fn bits(mut m: u32) -> impl Iterator<Item = usize> {
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
fn escaped_lanes<S: Simd>(s: S, setup: &Setup, x: S::V, y: S::V, norm: S::V, candidates: u32) -> u32 {
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
    bits(band).filter(|&l| setup.escaped(xs[l], ys[l], ns[l])).fold(sure, |m, l| m | (1 << l))
}

/// Starts the next group on a chain: loads its pixels and settles those that need no
/// iterating (outside at the start, inside the cardioid/bulb). `None` when the band is
/// exhausted.
#[inline(always)]
fn start<S: Simd>(s: S, setup: &Setup, band: &Band<'_>, groups: &mut Groups) -> Option<(Group, Regs<S::V>)> {
    let (row, col, len) = groups.next(S::LANES)?;
    let mut px = [0.0; MAX_LANES];
    px[..len].copy_from_slice(&band.xs[col..col + len]);
    let px = s.load(&px);
    let py = s.splat(band.ys[row]);
    let (cx, cy) = match setup.julia_c {
        Some((re, im)) => (s.splat(re), s.splat(im)),
        None => (px, py),
    };
    let mut live = (1u32 << len) - 1;
    if setup.cardioid {
        // Main cardioid: q(q + x − ¼) ≤ y²/4 with q = (x − ¼)² + y²; bulb: (x+1)² + y² ≤ 1/16.
        let y2 = s.mul(cy, cy);
        let xq = s.sub(cx, s.splat(0.25));
        let q = s.mul_add(xq, xq, y2);
        let inside = s.le_mask(s.mul(q, s.add(q, xq)), s.mul(s.splat(0.25), y2));
        let x1 = s.add(cx, s.splat(1.0));
        let bulb = s.le_mask(s.mul_add(x1, x1, y2), s.splat(0.0625));
        live &= !(inside | bulb);
    }
    let norm = s.mul_add(px, px, s.mul(py, py));
    let out = escaped_lanes(s, setup, px, py, norm, s.not_le_mask(norm, s.splat(setup.fast_r2)) & live);
    live &= !out;
    if setup.limit <= 1 {
        live = 0;
    }
    let nan = s.splat(f64::NAN);
    let regs = Regs {
        x: px,
        y: py,
        cx,
        cy,
        xr: nan,
        yr: nan,
        count: s.blend(out, s.splat(f64::from(setup.limit - 1)), s.splat(0.0)),
        norm: s.blend(out, s.splat(-1.0), norm),
    };
    let group = Group { first: row * groups.width + col, len, live, steps: 0, blocks: 0, interior_work: 0 };
    Some((group, regs))
}

/// Writes a finished group's pixels; returns the updates they cost.
#[inline(always)]
fn finish<S: Simd>(s: S, band: &mut Band<'_>, g: &Group, r: &Regs<S::V>) -> u64 {
    let (mut counts, mut norms) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
    s.store(r.count, &mut counts);
    s.store(r.norm, &mut norms);
    let mut work = g.interior_work;
    for l in 0..g.len {
        let outcome = Outcome { count: counts[l] as u32, norm: norms[l] as f32 };
        if norms[l] >= 0.0 {
            work += counts[l] as u64;
        }
        band.write(g.first + l, outcome);
    }
    work
}

/// Replays up to `max_steps` steps from a block's start state, testing every state, and
/// records index and |z|² of the lanes in `lanes` that escape. Returns those lanes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn replay<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    from: (S::V, S::V),
    g: &Group,
    r: &mut Regs<S::V>,
    lanes: u32,
    max_steps: u32,
) -> u32 {
    let (mut x, mut y) = from;
    let fast_r2 = s.splat(setup.fast_r2);
    let mut pending = lanes;
    let mut found = 0;
    for step in 1..=max_steps {
        (x, y) = f.step(s, x, y, r.cx, r.cy);
        let norm = s.mul_add(x, x, s.mul(y, y));
        let m = escaped_lanes(s, setup, x, y, norm, s.not_le_mask(norm, fast_r2) & pending);
        if m != 0 {
            r.count = s.blend(m, r.count, s.splat((g.steps + u64::from(step)) as f64));
            r.norm = s.blend(m, r.norm, norm);
            found |= m;
            pending &= !m;
            if pending == 0 {
                break;
            }
        }
    }
    found
}

/// Puts the next group that still has live lanes on chain `c` (settling groups that are
/// done without iterating), or marks the chain idle. Returns the updates spent on
/// settled groups.
#[inline(always)]
fn refill<S: Simd>(
    s: S,
    setup: &Setup,
    group: &mut Group,
    regs: &mut Regs<S::V>,
    groups: &mut Groups,
    band: &mut Band<'_>,
) -> u64 {
    let mut spent = 0;
    loop {
        match start(s, setup, band, groups) {
            Some((g, r)) if g.live == 0 => spent += finish(s, band, &g, &r),
            Some((g, r)) => {
                *group = g;
                *regs = r;
                return spent;
            }
            None => {
                // An idle chain iterates 0 ← 0² + 0: bounded and never flagged.
                let zero = s.splat(0.0);
                *group = Group::IDLE;
                *regs = Regs { x: zero, y: zero, cx: zero, cy: zero, xr: zero, yr: zero, count: zero, norm: zero };
                return spent;
            }
        }
    }
}

/// Computes `band` with `C` chains of `S` vectors; returns the number of updates spent
/// on pixels (steps of lanes that already finished are not counted).
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize>(s: S, f: F, setup: &Setup, band: &mut Band<'_>) -> u64 {
    let mut groups = Groups { next_col: 0, row: 0, width: band.xs.len(), rows: band.ys.len() };
    let mut iterations = 0u64;
    let mut group = [Group::IDLE; C];
    let zero = s.splat(0.0);
    let mut regs = [Regs { x: zero, y: zero, cx: zero, cy: zero, xr: zero, yr: zero, count: zero, norm: zero }; C];
    for c in 0..C {
        iterations += refill(s, setup, &mut group[c], &mut regs[c], &mut groups, band);
    }
    let limit_states = u64::from(setup.limit - 1);
    let fast_r2 = s.splat(setup.fast_r2);
    let eps = s.splat(setup.period_eps);

    while group.iter().any(|g| g.live != 0) {
        let from: [(S::V, S::V); C] = std::array::from_fn(|c| (regs[c].x, regs[c].y));
        for _ in 0..BLOCK {
            for r in regs.iter_mut() {
                (r.x, r.y) = f.step(s, r.x, r.y, r.cx, r.cy);
            }
        }
        for c in 0..C {
            let (g, r) = (&mut group[c], &mut regs[c]);
            if g.live == 0 {
                continue;
            }
            let remaining = limit_states - g.steps;
            if remaining <= u64::from(BLOCK) {
                // The last states this group may test: replay them all exactly.
                let found = replay(s, f, setup, from[c], g, r, g.live, remaining as u32);
                g.interior_work += u64::from((g.live & !found).count_ones()) * limit_states;
                g.live = 0;
            } else {
                let norm = s.mul_add(r.x, r.x, s.mul(r.y, r.y));
                let maybe_out = s.not_le_mask(norm, fast_r2) & g.live;
                if maybe_out != 0 {
                    g.live &= !replay(s, f, setup, from[c], g, r, maybe_out, BLOCK);
                }
                g.steps += u64::from(BLOCK);
                g.blocks += 1;
                if setup.periodicity {
                    let d = s.add(s.abs(s.sub(r.x, r.xr)), s.abs(s.sub(r.y, r.yr)));
                    let periodic = s.le_mask(d, eps) & g.live;
                    g.interior_work += u64::from(periodic.count_ones()) * g.steps;
                    g.live &= !periodic;
                    if g.blocks.is_power_of_two() {
                        r.xr = r.x;
                        r.yr = r.y;
                    }
                }
            }
            if g.live == 0 {
                iterations += finish(s, band, g, r);
                iterations += refill(s, setup, g, r, &mut groups, band);
            }
        }
    }
    iterations
}
