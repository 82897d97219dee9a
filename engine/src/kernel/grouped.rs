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
//! - *Levels*: a group runs until its last lane is done. At the end of a doubling number
//!   of blocks, a group with idle lanes hands its live ones on to be packed into full
//!   groups again ([`Levels`]).

use super::deferred::Deferred;
use super::feed::Band;
use super::formula::{Formula, Outcome, SETTLED_NORM, Setup, norm};
use super::lanes::{Pending, escaped_lanes, load_lanes, low_lanes};
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
    /// The [`Levels`] list its pixels come from.
    level: usize,
    /// Index of lane 0's pixel in that list; lanes are consecutive.
    first: usize,
    /// Lanes holding a pixel.
    len: usize,
    /// Lanes still iterating.
    live: u32,
    /// State index of the live lanes (updates done).
    steps: u64,
    /// Blocks done (drives the periodicity reference schedule).
    blocks: u64,
    /// Blocks after which the live lanes are handed on to the next level (`u64::MAX`:
    /// never, they run to the limit).
    end: u64,
    /// Updates spent on lanes found interior (by periodicity or the limit).
    interior_work: u64,
    /// Lanes written elsewhere: escaped lanes waiting in the [`Deferred`] queue, which
    /// writes them, and lanes handed on to the next level.
    elsewhere: u32,
}

impl Group {
    const IDLE: Self =
        Self { level: 0, first: 0, len: 0, live: 0, steps: 0, blocks: 0, end: 0, interior_work: 0, elsewhere: 0 };
}

/// Blocks a group of level 0 runs before it may hand its live lanes on; each level
/// after runs as many blocks as all before it. 2 and 8 measured the same as 4 (Zen 4,
/// `standard` and `seahorse`).
const FIRST_LEVEL_BLOCKS: u64 = 4;

/// The second stage's work lists for one band. Level 0 is the first stage's pending
/// pixels, all at the same state index and with no periodicity reference yet; level
/// `k + 1` holds lanes handed on after `FIRST_LEVEL_BLOCKS · 2^k` blocks. A group runs
/// until its lanes are done or it reaches a level's end ([`Levels::end`]); there, if
/// enough of its lanes are idle, its live lanes are handed on, with their orbit and
/// periodicity reference, to the level that starts at that block; else it runs on to
/// the next level's end.
///
/// Why: a group runs until its last lane is done, and the lanes that finish early idle
/// meanwhile (on the `standard` view half the second stage's lane-steps were idle). Lanes
/// handed on are packed into full groups again, and every lane takes the same steps and
/// tests as it would in one group to the end, so the pixels are the same.
struct Levels {
    lists: Vec<Pending>,
    /// How many pixels of each list groups have taken.
    taken: Vec<usize>,
    /// Pixels of all lists not yet taken.
    waiting: usize,
    /// `limit − 1`, the last state index a pixel is tested at.
    limit_states: u64,
    block: u64,
    /// Blocks of level 0 ([`FIRST_LEVEL_BLOCKS`]; tests set it past the limit to compare
    /// with groups that never hand on).
    first_blocks: u64,
    /// Lanes handed on so far.
    handed: u64,
}

impl Levels {
    /// The levels of a run whose level 0 is `pending` (taken in; [`Levels::finish`] puts
    /// it back), in the memory of `lists` and `taken` from an earlier run.
    fn new(
        mut lists: Vec<Pending>,
        mut taken: Vec<usize>,
        pending: &mut Pending,
        (limit, block, first_blocks): (u32, u32, u64),
    ) -> Self {
        if lists.is_empty() {
            lists.push(Pending::default());
        }
        std::mem::swap(&mut lists[0], pending);
        taken.clear();
        taken.resize(lists.len(), 0);
        let waiting = lists[0].len();
        let mut levels = Self {
            lists,
            taken,
            waiting,
            limit_states: u64::from(limit - 1),
            block: u64::from(block),
            first_blocks,
            handed: 0,
        };
        for k in 1..levels.lists.len() {
            levels.reset(k);
        }
        levels
    }

    /// Gives level 0 back to `pending`; returns the memory for the next run.
    fn finish(mut self, pending: &mut Pending) -> (Vec<Pending>, Vec<usize>) {
        std::mem::swap(&mut self.lists[0], pending);
        (self.lists, self.taken)
    }

    /// Empties the list of level `k` ≥ 1 and sets its pixels' state index and blocks.
    fn reset(&mut self, k: usize) {
        let blocks = self.start_blocks(k);
        // Saturating: a level past the limit is never entered, whatever it says.
        let steps = u64::from(self.lists[0].steps).saturating_add(blocks.saturating_mul(self.block));
        let list = &mut self.lists[k];
        list.clear();
        list.blocks = blocks;
        list.steps = u32::try_from(steps).unwrap_or(u32::MAX);
    }

    /// Blocks done by the pixels of level `k` when they enter it.
    fn start_blocks(&self, k: usize) -> u64 {
        if k == 0 { 0 } else { self.first_blocks.saturating_mul(1 << (k - 1).min(63)) }
    }

    /// Blocks after which a group of level `k` hands its live lanes on: `u64::MAX` where
    /// that block would be its last anyway (it replays every remaining state).
    fn end(&self, k: usize) -> u64 {
        self.end_after(self.start_blocks(k))
    }

    /// The level end that follows `blocks` blocks (`u64::MAX`: none before the limit).
    fn end_after(&self, blocks: u64) -> u64 {
        let end = if blocks == 0 { self.first_blocks } else { blocks.saturating_mul(2) };
        let steps = u64::from(self.lists[0].steps).saturating_add(end.saturating_mul(self.block));
        if steps.saturating_add(self.block) < self.limit_states { end } else { u64::MAX }
    }

    /// Up to `lanes` consecutive pixels of the lowest level with pixels waiting:
    /// `(level, first, len)`.
    #[inline(always)]
    fn take(&mut self, lanes: usize) -> Option<(usize, usize, usize)> {
        if self.waiting == 0 {
            return None;
        }
        let k = (0..self.lists.len()).find(|&k| self.taken[k] < self.lists[k].len())?;
        let at = self.taken[k];
        let len = lanes.min(self.lists[k].len() - at);
        self.taken[k] += len;
        self.waiting -= len;
        Some((k, at, len))
    }

    /// The list of level `k`, started (empty) if it is new.
    fn list(&mut self, k: usize) -> &mut Pending {
        while self.lists.len() <= k {
            self.lists.push(Pending::default());
            self.taken.push(0);
            self.reset(self.lists.len() - 1);
        }
        &mut self.lists[k]
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

/// Starts the next group of waiting pixels on a chain: loads their state and settles
/// those that escape at it. `None` when none are left.
#[inline(always)]
fn start<S: Simd>(s: S, setup: &Setup, levels: &mut Levels) -> Option<(Group, Regs<S::V>)> {
    let (level, at, len) = levels.take(S::LANES)?;
    let end = levels.end(level);
    let pending = &levels.lists[level];
    let (x, y) = (load_lanes(s, &pending.x, at, len), load_lanes(s, &pending.y, at, len));
    let (cx, cy) = (load_lanes(s, &pending.cx, at, len), load_lanes(s, &pending.cy, at, len));
    let (xr, yr) = if pending.blocks == 0 {
        (s.splat(f64::NAN), s.splat(f64::NAN))
    } else {
        (load_lanes(s, &pending.xr, at, len), load_lanes(s, &pending.yr, at, len))
    };
    let mut live = low_lanes(len);
    let steps = u64::from(pending.steps);
    let norm = norm(s, x, y);
    let out = escaped_lanes(s, setup, x, y, norm, s.not_le_mask(norm, s.splat(setup.fast_r2)) & live);
    live &= !out;
    if steps >= u64::from(setup.limit - 1) {
        live = 0;
    }
    let regs = Regs {
        x,
        y,
        cx,
        cy,
        xr,
        yr,
        count: s.blend(out, s.splat(f64::from(setup.limit - 1)), s.splat(steps as f64)),
        norm: s.blend(out, s.splat(-1.0), norm),
    };
    let interior_work = u64::from((low_lanes(len) & !out & !live).count_ones()) * steps;
    let blocks = pending.blocks;
    let group = Group { level, first: at, len, live, steps, blocks, end, interior_work, elsewhere: 0 };
    Some((group, regs))
}

/// Writes a finished group's pixels (those not written elsewhere); returns the updates
/// they cost.
#[inline(always)]
fn finish<S: Simd>(s: S, band: &mut Band<'_>, levels: &Levels, g: &Group, r: &Regs<S::V>) -> u64 {
    let mut work = g.interior_work;
    let lanes = low_lanes(g.len) & !g.elsewhere;
    if lanes == 0 {
        return work;
    }
    let (mut counts, mut norms) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
    s.store(r.count, &mut counts);
    s.store(r.norm, &mut norms);
    let index = &levels.lists[g.level].index;
    for l in super::lanes::bits(lanes) {
        let outcome = Outcome { count: counts[l] as u32, norm: norms[l] as f32 };
        if norms[l] >= 0.0 {
            work += counts[l] as u64;
        }
        band.write(index[g.first + l] as usize, outcome);
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

/// Puts the next group that still has live lanes on a chain (settling groups that are
/// done without iterating), or marks the chain idle. Returns the updates spent on
/// settled groups.
#[inline(always)]
fn refill<S: Simd>(
    s: S,
    setup: &Setup,
    group: &mut Group,
    regs: &mut Regs<S::V>,
    levels: &mut Levels,
    band: &mut Band<'_>,
) -> u64 {
    let mut spent = 0;
    loop {
        match start(s, setup, levels) {
            Some((g, r)) if g.live == 0 => spent += finish(s, band, levels, &g, &r),
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
/// not counted). Lanes are handed on between [`Levels`].
///
/// Within a block each chain takes `T` steps in a row before the next chain's turn (the
/// same steps, issued in another order; `T` divides [`BLOCK`]). Which `T` is best depends
/// on the machine, so each path picks its own (see `super::x86`).
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize, const T: u32, const BLOCK: u32>(
    s: S,
    f: F,
    setup: &Setup,
    pending: &mut Pending,
    band: &mut Band<'_>,
) -> u64 {
    const { assert!(T > 0 && BLOCK.is_multiple_of(T)) };
    // Handing on pays on AVX-512's eight lanes only: on the AVX2 path (four lanes, whose
    // groups idle less) `seahorse` took 1.02–1.05× the CPU with a lane or more idle, and
    // 1.02–1.03× with two or more (Zen 4, the path forced).
    let hand_on_idle = if S::LANES >= 8 { 2 } else { u32::MAX };
    run_levels::<S, F, C, T, BLOCK>(s, f, setup, pending, band, (FIRST_LEVEL_BLOCKS, hand_on_idle)).0
}

/// [`run`] with level 0 `first_blocks` long, handing on the live lanes of groups with
/// `hand_on_idle` or more idle lanes at a level's end; returns the updates and the lanes
/// handed on.
#[inline(always)]
fn run_levels<S: Simd, F: Formula, const C: usize, const T: u32, const BLOCK: u32>(
    s: S,
    f: F,
    setup: &Setup,
    pending: &mut Pending,
    band: &mut Band<'_>,
    (first_blocks, hand_on_idle): (u64, u32),
) -> (u64, u64) {
    thread_local! {
        /// The levels' lists and cursors, reused like the first stage's list.
        static LISTS: std::cell::RefCell<(Vec<Pending>, Vec<usize>)> = std::cell::RefCell::default();
    }
    let (lists, taken) = LISTS.take();
    let mut levels = Levels::new(lists, taken, pending, (setup.limit, BLOCK, first_blocks));
    let limit_states = levels.limit_states;
    let mut iterations = 0u64;
    let mut group = [Group::IDLE; C];
    let zero = s.splat(0.0);
    let mut regs = [Regs { x: zero, y: zero, cx: zero, cy: zero, xr: zero, yr: zero, count: zero, norm: zero }; C];
    for c in 0..C {
        iterations += refill(s, setup, &mut group[c], &mut regs[c], &mut levels, band);
    }
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
                // An idle chain: lanes handed on since it went idle may be waiting.
                if levels.waiting > 0 {
                    iterations += refill(s, setup, g, r, &mut levels, band);
                }
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
                    let index = &levels.lists[g.level].index;
                    let pixel = |l: usize| index[g.first + l];
                    let (start, constant) = (from[c], (r.cx, r.cy));
                    iterations += deferred.push(s, f, setup, BLOCK, start, constant, g.steps, maybe_out, pixel, band);
                    g.elsewhere |= maybe_out;
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
                if g.blocks == g.end && g.live != 0 {
                    // Only groups with `hand_on_idle` idle lanes or more (two of
                    // AVX-512's eight): handing on and restarting costs a few hundred
                    // cycles a group, so every group doing it (7 M lanes a `seahorse`
                    // frame) took 1.05–1.09× the CPU for 3.5 % fewer lane-steps; one,
                    // four or six idle lanes measured about the same as two.
                    let idle = S::LANES as u32 - g.live.count_ones();
                    if idle >= hand_on_idle {
                        hand_on(s, r, g, &mut levels);
                    } else {
                        g.end = levels.end_after(g.blocks);
                    }
                }
            }
            if g.live == 0 {
                iterations += finish(s, band, &levels, g, r);
                iterations += refill(s, setup, g, r, &mut levels, band);
            }
        }
    }
    iterations += deferred.drain(s, f, setup, BLOCK, band);
    let handed = levels.handed;
    LISTS.set(levels.finish(pending));
    (iterations, handed)
}

/// Hands the live lanes of a group that has done its level's blocks on to the next
/// level, with their orbit and periodicity reference; they are written there, not by
/// this group.
#[inline(always)]
fn hand_on<S: Simd>(s: S, r: &Regs<S::V>, g: &mut Group, levels: &mut Levels) {
    let n = g.live.count_ones() as usize;
    let mut index = [0; MAX_LANES];
    for (k, l) in super::lanes::bits(g.live).enumerate() {
        index[k] = levels.lists[g.level].index[g.first + l];
    }
    // The level whose pixels start with the blocks this group has done.
    debug_assert!(g.blocks >= levels.first_blocks && (g.blocks / levels.first_blocks).is_power_of_two());
    let next = levels.list((g.blocks / levels.first_blocks).trailing_zeros() as usize + 1);
    next.index.extend_from_slice(&index[..n]);
    let lists = [&mut next.x, &mut next.y, &mut next.cx, &mut next.cy, &mut next.xr, &mut next.yr];
    for (v, list) in [r.x, r.y, r.cx, r.cy, r.xr, r.yr].into_iter().zip(lists) {
        s.append(v, g.live, list);
    }
    levels.waiting += n;
    levels.handed += n as u64;
    g.elsewhere |= g.live;
    g.live = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fractal::Fractal;
    use crate::kernel::formula::Quadratic;

    /// Runs the second stage over a grid in Seahorse Valley (escapes from a few steps to
    /// thousands, and interior pixels that periodicity settles at all depths) with the
    /// `levels` of [`run_levels`]; returns the pixels, the updates and the lanes handed on.
    fn stage<S: Simd>(s: S, levels: (u64, u32)) -> (Vec<(u32, f32)>, u64, u64) {
        let (w, h) = (48, 40);
        let step = 1e-6 / f64::from(w);
        let setup = Setup::new(&Fractal::Mandelbrot, 3000, step, true);
        let xs: Vec<f64> = (0..w).map(|i| -0.743643887037151 + step * f64::from(i)).collect();
        let ys: Vec<f64> = (0..h).map(|j| 0.131825904205330 + step * f64::from(j)).collect();
        let mut pending = Pending::default();
        for (j, &y) in ys.iter().enumerate() {
            for (i, &x) in xs.iter().enumerate() {
                pending.index.push((j * w as usize + i) as u32);
                pending.x.push(x);
                pending.y.push(y);
                pending.cx.push(x);
                pending.cy.push(y);
            }
        }
        let (mut counts, mut norms) = (vec![u32::MAX; (w * h) as usize], vec![0.0; (w * h) as usize]);
        let mut band = Band { xs: &xs, ys: &ys, counts: &mut counts, norms: &mut norms };
        let (work, handed) = run_levels::<S, _, 4, 2, BLOCK>(s, Quadratic, &setup, &mut pending, &mut band, levels);
        (counts.into_iter().zip(norms).collect(), work, handed)
    }

    /// Handing lanes on between levels changes no pixel and no count of work: the same as
    /// groups that keep every lane to the end, on every path this CPU has.
    fn levels_change_nothing<S: Simd>(s: S) {
        let (want, want_work, none) = stage(s, (u64::MAX / 4, 1));
        assert_eq!(none, 0);
        assert!(want.iter().all(|&(c, _)| c != u32::MAX), "every pixel is written");
        let interior = want.iter().filter(|&&(c, n)| c == 2999 && n < 0.0).count();
        let late = want.iter().filter(|&&(c, _)| c > 500 && c < 2999).count();
        assert!(interior > 10 && late > 10, "{interior} interior, {late} escaping after 500 steps");
        // Every group with an idle lane hands on, on every path (the renders' own rule
        // only on AVX-512's).
        let (got, work, handed) = stage(s, (FIRST_LEVEL_BLOCKS, 1));
        if S::LANES > 1 {
            assert!(handed >= 16, "{handed} lanes handed on");
        }
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{differ} of {} pixels differ", want.len());
        assert_eq!(work, want_work);
    }

    #[test]
    fn handing_lanes_on_changes_no_pixel_on_every_path() {
        crate::kernel::simd::on_every_path!(levels_change_nothing);
    }
}
