//! The first stage: every pixel, |z| tested after every step, for at most
//! [`FIRST_STAGE_STATES`] states.
//!
//! Most pixels of most views escape within a few dozen steps. For them a test after every
//! step is cheaper than testing every few steps and replaying (what the second stage,
//! [`super::grouped`], does for long orbits): the count is kept with one masked add per
//! step, `count += (|z|² ≤ R²)`, which is exactly the escape index because escape is
//! monotonic (see `Setup::new`) — once outside, a lane never counts again. Each vector
//! holds neighbouring pixels of one row, so results are stored with one vector store.
//! Pixels still inside after the stage go to [`Pending`] for the second stage.

use super::feed::Band;
use super::formula::{Formula, Setup};
use super::lanes::{Pending, bits, escaped_lanes, low_lanes};
use super::simd::{MAX_LANES, Simd};

/// States tested in the first stage before a pixel is handed to the second. Long enough
/// that shallow views rarely need the second stage; short enough that interior points
/// soon reach its periodicity checking.
pub(crate) const FIRST_STAGE_STATES: u32 = 64;

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

/// Steps per round: chains are stepped in lockstep for this many steps, with all state
/// in registers, before any bookkeeping.
const ROUND: u32 = 4;

/// Where a chain's group goes and how far it got (the orbit itself is in registers).
#[derive(Clone, Copy)]
struct Meta {
    /// Lanes settled by the cardioid/bulb test (interior, no work).
    shortcut: u32,
    /// States tested so far.
    steps: u32,
    /// Output index of lane 0.
    first: usize,
    /// Lanes holding a pixel.
    len: usize,
    /// Whether the chain holds a group at all.
    active: bool,
}

const IDLE: Meta = Meta { shortcut: 0, steps: 0, first: 0, len: 0, active: false };

/// A chain's vectors: the orbit, the constant, the escape index so far (states tested
/// inside), |z|² at escape (−1 until the lane escapes), and the lanes still inside.
#[derive(Clone, Copy)]
struct Regs<V, M> {
    x: V,
    y: V,
    cx: V,
    cy: V,
    count: V,
    norm: V,
    alive: M,
}

/// Loads the next group onto a chain, or marks it idle.
#[inline(always)]
fn start<S: Simd>(s: S, setup: &Setup, band: &Band<'_>, groups: &mut Groups) -> (Meta, Regs<S::V, S::M>) {
    let zero = s.splat(0.0);
    let Some((row, col, len)) = groups.next(S::LANES) else {
        return (IDLE, Regs { x: zero, y: zero, cx: zero, cy: zero, count: zero, norm: zero, alive: s.m_from_bits(0) });
    };
    let px = if len == S::LANES {
        s.load_slice(&band.xs[col..])
    } else {
        let mut px = [0.0; MAX_LANES];
        px[..len].copy_from_slice(&band.xs[col..col + len]);
        s.load(&px)
    };
    let py = s.splat(band.ys[row]);
    let (cx, cy) = match setup.julia_c {
        Some((re, im)) => (s.splat(re), s.splat(im)),
        None => (px, py),
    };
    let mut shortcut = 0;
    if setup.cardioid {
        // Main cardioid: q(q + x − ¼) ≤ y²/4 with q = (x − ¼)² + y²; bulb: (x+1)² + y² ≤ 1/16.
        let y2 = s.mul(cy, cy);
        let xq = s.sub(cx, s.splat(0.25));
        let q = s.mul_add(xq, xq, y2);
        let inside = s.le_mask(s.mul(q, s.add(q, xq)), s.mul(s.splat(0.25), y2));
        let x1 = s.add(cx, s.splat(1.0));
        let bulb = s.le_mask(s.mul_add(x1, x1, y2), s.splat(0.0625));
        shortcut = (inside | bulb) & low_lanes(len);
    }
    let mut alive = low_lanes(len) & !shortcut;
    let mut norm = s.splat(-1.0);
    // A group entirely outside at the start (the classic kind's black border) is settled
    // here without a round of steps. Mixed groups are left to the steps, which test
    // state 0 themselves.
    let norm0 = super::formula::norm(s, px, py);
    let out0 = escaped_lanes(s, setup, px, py, norm0, s.not_le_mask(norm0, s.splat(setup.fast_r2)) & alive);
    if out0 == alive {
        alive = 0;
        norm = s.blend(out0, norm, norm0);
    }
    let meta = Meta { shortcut, steps: 0, first: row * groups.width + col, len, active: true };
    let count = s.blend(shortcut, zero, s.splat(f64::from(setup.limit - 1)));
    (meta, Regs { x: px, y: py, cx, cy, count, norm, alive: s.m_from_bits(alive) })
}

/// One step of one chain: tests the current state, records escapes, updates.
#[inline(always)]
fn step<S: Simd, F: Formula>(s: S, f: F, setup: &Setup, r: &mut Regs<S::V, S::M>) {
    let (nx, ny, norm) = f.step_norm(s, r.x, r.y, r.cx, r.cy);
    let mut inside = s.m_and(s.le(norm, s.splat(setup.fast_r2)), r.alive);
    if setup.exact_hypot {
        // Classic: lanes within a hair of |z| = 2 are decided by `hypot`.
        let band_lanes = s.m_bits(s.m_and_not(s.m_and(s.le(norm, s.splat(setup.r2_high)), r.alive), inside));
        if band_lanes != 0 {
            let out = escaped_lanes(s, setup, r.x, r.y, norm, band_lanes);
            inside = s.m_or(inside, s.m_from_bits(band_lanes & !out));
        }
    }
    r.norm = s.select(s.m_and_not(r.alive, inside), r.norm, norm);
    r.count = s.add_where(inside, r.count, s.splat(1.0));
    r.alive = inside;
    r.x = nx;
    r.y = ny;
}

/// Stores a finished group: escaped and shortcut lanes are final; lanes still inside are
/// interior when the stage covered every state, else they join `pending` (their slots are
/// written again by the second stage). Returns the updates spent on the final lanes.
#[inline(always)]
fn finish<S: Simd>(
    s: S,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    m: &Meta,
    r: &Regs<S::V, S::M>,
) -> u64 {
    let complete = states >= setup.limit;
    let alive = s.m_bits(r.alive);
    let count = if complete { s.blend(alive, r.count, s.splat(f64::from(setup.limit - 1))) } else { r.count };
    if !complete && alive != 0 {
        let (mut x, mut y, mut cx, mut cy) = ([0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES], [0.0; MAX_LANES]);
        s.store(r.x, &mut x);
        s.store(r.y, &mut y);
        s.store(r.cx, &mut cx);
        s.store(r.cy, &mut cy);
        for l in bits(alive) {
            pending.index.push((m.first + l) as u32);
            pending.x.push(x[l]);
            pending.y.push(y[l]);
            pending.cx.push(cx[l]);
            pending.cy.push(cy[l]);
        }
    }
    let (counts, norms) = (&mut band.counts[m.first..], &mut band.norms[m.first..]);
    if m.len == S::LANES {
        s.store_u32(count, counts);
        s.store_f32(r.norm, norms);
    } else {
        let (mut cs, mut ns) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
        s.store(count, &mut cs);
        s.store(r.norm, &mut ns);
        for l in 0..m.len {
            counts[l] = cs[l] as u32;
            norms[l] = ns[l] as f32;
        }
    }
    // Work: every final lane's count, except shortcut lanes (no work); lanes passed on
    // are counted by the second stage, for their whole orbit.
    let final_lanes = low_lanes(m.len) & !m.shortcut & if complete { u32::MAX } else { !alive };
    s.reduce_add(s.blend(final_lanes, s.splat(0.0), count)) as u64
}

/// Runs the first stage over `band`: tests states `0..states` of every pixel (`states` ≤
/// the limit). Pixels still inside afterwards are appended to `pending` with their state
/// after `states` updates. Returns the updates spent on pixels finished here.
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
) -> u64 {
    let mut groups = Groups { next_col: 0, row: 0, width: band.xs.len(), rows: band.ys.len() };
    let mut iterations = 0;
    pending.steps = states;
    let mut meta = [IDLE; C];
    let zero = s.splat(0.0);
    let mut regs = [Regs { x: zero, y: zero, cx: zero, cy: zero, count: zero, norm: zero, alive: s.m_from_bits(0) }; C];
    for c in 0..C {
        iterations += next_group(s, f, setup, states, band, pending, &mut groups, &mut meta[c], &mut regs[c]);
    }
    while meta.iter().any(|m| m.active) {
        for _ in 0..ROUND {
            for r in regs.iter_mut() {
                step(s, f, setup, r);
            }
        }
        let mut due = false;
        for c in 0..C {
            let m = &mut meta[c];
            m.steps += ROUND;
            due |= m.active && (s.m_bits(regs[c].alive) == 0 || m.steps + ROUND > states);
        }
        // Most rounds end with every chain still busy: then no state leaves the registers.
        if due {
            for c in 0..C {
                let m = &meta[c];
                if m.active && (s.m_bits(regs[c].alive) == 0 || m.steps + ROUND > states) {
                    iterations += settle(s, f, setup, states, band, pending, &mut groups, &mut meta[c], &mut regs[c]);
                }
            }
        }
    }
    iterations
}

/// Finishes the chain's group (stepping it singly up to `states` if a full round would
/// overshoot) and loads groups until one needs full rounds, or none is left.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn settle<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    groups: &mut Groups,
    m: &mut Meta,
    r: &mut Regs<S::V, S::M>,
) -> u64 {
    let done = run_out(s, f, setup, states, band, pending, m, r);
    done + next_group(s, f, setup, states, band, pending, groups, m, r)
}

/// Steps the chain one step at a time until every lane is out or `states` states are
/// tested, then stores its group. Returns the updates spent on its final lanes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run_out<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    m: &mut Meta,
    r: &mut Regs<S::V, S::M>,
) -> u64 {
    while s.m_bits(r.alive) != 0 && m.steps < states {
        step(s, f, setup, r);
        m.steps += 1;
    }
    finish(s, setup, states, band, pending, m, r)
}

/// Loads groups onto the chain until one needs full rounds (groups shorter than a round,
/// or settled at once, are finished here), or none is left.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn next_group<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    groups: &mut Groups,
    m: &mut Meta,
    r: &mut Regs<S::V, S::M>,
) -> u64 {
    let mut spent = 0;
    loop {
        (*m, *r) = start(s, setup, band, groups);
        if !m.active || (s.m_bits(r.alive) != 0 && states >= ROUND) {
            return spent;
        }
        spent += run_out(s, f, setup, states, band, pending, m, r);
    }
}
