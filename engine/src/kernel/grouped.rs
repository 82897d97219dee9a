//! The second stage, for pixels still iterating after the first ([`super::stepwise`]):
//! each vector holds a group of pending pixels; several independent groups ("chains")
//! are stepped in turn; |z| is tested only every [`BLOCK`] steps.
//!
//! Why this shape:
//! - *Chains*: an update is a chain of dependent multiply-adds (4 cycles latency each);
//!   stepping `C` independent vectors in turn keeps the FP units busy.
//! - *Blocks*: a test after every step costs as much as the step itself. The escape
//!   radius is chosen so that escape is monotonic (see `Setup::new`): a lane beyond the
//!   radius at the end of a block escaped somewhere in it, and one inside did not. Only
//!   blocks in which a lane escapes are replayed step by step, with the same arithmetic,
//!   to find the exact escape index and |z|.
//! - *Long orbits only*: the first stage settles every pixel that escapes early, so the
//!   pixels here mostly run long, and replays are rare compared with blocks.
//! - *Periodicity*: at the end of a block each lane's z is compared with a reference
//!   saved at power-of-two block counts (Brent); a repeat means an attracting cycle.

use super::deferred::Deferred;
use super::feed::Band;
use super::formula::{Formula, Outcome, SETTLED_NORM, Setup, norm};
use super::lanes::{Pending, escaped_lanes, low_lanes};
use super::simd::{MAX_LANES, Simd};

/// Steps between escape and periodicity tests. Each block end costs a test, a branch
/// and bookkeeping per chain, so longer blocks are cheaper, but cycles are then found
/// later (Brent compares states BLOCK steps apart, so a cycle of odd period p needs
/// about BLOCK·p steps): 16 was faster than 8 on Seahorse Valley at every limit tried
/// (2,767 to 10,000; −8 % AVX-512, −17 % AVX2) with the same pixels; 32 found too few
/// cycles before limits of a few thousand for the interior fill to work.
pub(crate) const BLOCK: u32 = 16;

/// The block length from a limit of [`LONG_BLOCK_LIMIT`] on, where cycles found later
/// still leave the fill its settled borders: on Seahorse Valley (10,000 iterations) 32
/// steps took 0.96× the CPU of 16 with the same pixels (Zen 4, one thread each, both at
/// once, best of 4 runs each: 1115 against 1158 ms), while the `standard` view at 1000
/// iterations took 1.01×.
pub(crate) const LONG_BLOCK: u32 = 32;

/// The lowest limit that gets [`LONG_BLOCK`].
pub(crate) const LONG_BLOCK_LIMIT: u32 = 8000;

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
    /// Lanes that escaped and wait in the [`Deferred`] queue, which writes them.
    deferred: u32,
}

impl Group {
    const IDLE: Self = Self { first: 0, len: 0, live: 0, steps: 0, blocks: 0, interior_work: 0, deferred: 0 };
}

/// Hands out groups of up to `LANES` consecutive pending pixels.
struct Groups {
    next: usize,
    total: usize,
}

impl Groups {
    fn next(&mut self, lanes: usize) -> Option<(usize, usize)> {
        if self.next >= self.total {
            return None;
        }
        let (at, len) = (self.next, lanes.min(self.total - self.next));
        self.next += len;
        Some((at, len))
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

/// Starts the next group of pending pixels on a chain: loads their state and settles
/// those that escape at it. `None` when none are left.
#[inline(always)]
fn start<S: Simd>(s: S, setup: &Setup, pending: &Pending, groups: &mut Groups) -> Option<(Group, Regs<S::V>)> {
    let (at, len) = groups.next(S::LANES)?;
    let load = |v: &[f64]| {
        let mut a = [0.0; MAX_LANES];
        a[..len].copy_from_slice(&v[at..at + len]);
        s.load(&a)
    };
    let (x, y, cx, cy) = (load(&pending.x), load(&pending.y), load(&pending.cx), load(&pending.cy));
    let mut live = low_lanes(len);
    let steps = u64::from(pending.steps);
    let norm = norm(s, x, y);
    let out = escaped_lanes(s, setup, x, y, norm, s.not_le_mask(norm, s.splat(setup.fast_r2)) & live);
    live &= !out;
    if steps >= u64::from(setup.limit - 1) {
        live = 0;
    }
    let nan = s.splat(f64::NAN);
    let regs = Regs {
        x,
        y,
        cx,
        cy,
        xr: nan,
        yr: nan,
        count: s.blend(out, s.splat(f64::from(setup.limit - 1)), s.splat(steps as f64)),
        norm: s.blend(out, s.splat(-1.0), norm),
    };
    let interior_work = u64::from((low_lanes(len) & !out & !live).count_ones()) * steps;
    let group = Group { first: at, len, live, steps, blocks: 0, interior_work, deferred: 0 };
    Some((group, regs))
}

/// Writes a finished group's pixels; returns the updates they cost.
#[inline(always)]
fn finish<S: Simd>(s: S, band: &mut Band<'_>, pending: &Pending, g: &Group, r: &Regs<S::V>) -> u64 {
    let (mut counts, mut norms) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
    s.store(r.count, &mut counts);
    s.store(r.norm, &mut norms);
    let mut work = g.interior_work;
    for l in (0..g.len).filter(|l| g.deferred & (1 << l) == 0) {
        let outcome = Outcome { count: counts[l] as u32, norm: norms[l] as f32 };
        if norms[l] >= 0.0 {
            work += counts[l] as u64;
        }
        band.write(pending.index[g.first + l] as usize, outcome);
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
    let mut z = from;
    let mut pending = lanes;
    let mut found = 0;
    for step in 1..=max_steps {
        let index = || s.splat((g.steps + u64::from(step)) as f64);
        let m = replay_step(s, f, setup, &mut z, (r.cx, r.cy), pending, index, (&mut r.count, &mut r.norm));
        found |= m;
        pending &= !m;
        if pending == 0 {
            break;
        }
    }
    found
}

/// One step of a replay, the same for an immediate one ([`replay`]) and a queued one
/// ([`Deferred`]): steps `z`, tests the new state exactly, and for the lanes of `pending`
/// that escape there records the state's index (`index()`, only then computed) and |z|²
/// in `record`. Returns those lanes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn replay_step<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    z: &mut (S::V, S::V),
    (cx, cy): (S::V, S::V),
    pending: u32,
    index: impl FnOnce() -> S::V,
    (count, found): (&mut S::V, &mut S::V),
) -> u32 {
    *z = f.step(s, z.0, z.1, cx, cy);
    let norm = norm(s, z.0, z.1);
    let out = escaped_lanes(s, setup, z.0, z.1, norm, s.not_le_mask(norm, s.splat(setup.fast_r2)) & pending);
    if out != 0 {
        *count = s.blend(out, *count, index());
        *found = s.blend(out, *found, norm);
    }
    out
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
    pending: &Pending,
    band: &mut Band<'_>,
) -> u64 {
    let mut spent = 0;
    loop {
        match start(s, setup, pending, groups) {
            Some((g, r)) if g.live == 0 => spent += finish(s, band, pending, &g, &r),
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

/// Finishes the `pending` pixels of `band` with `C` chains of `S` vectors; returns the
/// updates spent on them in all (both stages; steps of lanes that already finished are
/// not counted).
///
/// Within a block each chain takes `T` steps in a row before the next chain's turn (the
/// same steps, issued in another order; `T` divides [`BLOCK`]). Which `T` is best depends
/// on the machine, so each path picks its own (see `super::x86`).
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize, const T: u32, const BLOCK: u32>(
    s: S,
    f: F,
    setup: &Setup,
    pending: &Pending,
    band: &mut Band<'_>,
) -> u64 {
    const { assert!(T > 0 && BLOCK.is_multiple_of(T)) };
    let mut groups = Groups { next: 0, total: pending.len() };
    let mut iterations = 0u64;
    let mut group = [Group::IDLE; C];
    let zero = s.splat(0.0);
    let mut regs = [Regs { x: zero, y: zero, cx: zero, cy: zero, xr: zero, yr: zero, count: zero, norm: zero }; C];
    for c in 0..C {
        iterations += refill(s, setup, &mut group[c], &mut regs[c], &mut groups, pending, band);
    }
    let limit_states = u64::from(setup.limit - 1);
    let mut deferred = Deferred::new();
    let fast_r2 = s.splat(setup.fast_r2);
    let eps = s.splat(setup.period_eps);

    while group.iter().any(|g| g.live != 0) {
        let from: [(S::V, S::V); C] = std::array::from_fn(|c| (regs[c].x, regs[c].y));
        for _ in 0..BLOCK / T {
            for r in regs.iter_mut() {
                for _ in 0..T {
                    (r.x, r.y) = f.step(s, r.x, r.y, r.cx, r.cy);
                }
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
                let norm = norm(s, r.x, r.y);
                let maybe_out = s.not_le_mask(norm, fast_r2) & g.live;
                if maybe_out != 0 && !F::EXACT_HYPOT {
                    let pixel = |l: usize| pending.index[g.first + l];
                    let (start, constant) = (from[c], (r.cx, r.cy));
                    iterations += deferred.push(s, f, setup, BLOCK, start, constant, g.steps, maybe_out, pixel, band);
                    g.deferred |= maybe_out;
                    g.live &= !maybe_out;
                } else if maybe_out != 0 {
                    g.live &= !replay(s, f, setup, from[c], g, r, maybe_out, BLOCK);
                }
                g.steps += u64::from(BLOCK);
                g.blocks += 1;
                if setup.periodicity {
                    let d = s.add(s.abs(s.sub(r.x, r.xr)), s.abs(s.sub(r.y, r.yr)));
                    let periodic = s.le_mask(d, eps) & g.live;
                    // Rare: kept behind a branch so the usual block end does no counting.
                    if periodic != 0 {
                        if setup.mark_settled {
                            r.norm = s.blend(periodic, r.norm, s.splat(f64::from(SETTLED_NORM)));
                        }
                        g.interior_work += u64::from(periodic.count_ones()) * g.steps;
                        g.live &= !periodic;
                    }
                    if g.blocks.is_power_of_two() {
                        r.xr = r.x;
                        r.yr = r.y;
                    }
                }
            }
            if g.live == 0 {
                iterations += finish(s, band, pending, g, r);
                iterations += refill(s, setup, g, r, &mut groups, pending, band);
            }
        }
    }
    iterations + deferred.drain(s, f, setup, BLOCK, band)
}
