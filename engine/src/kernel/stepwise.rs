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
use super::formula::{Formula, SETTLED_NORM, Setup};
use super::lanes::{Pending, bits, escaped_lanes, low_lanes, row_coords};
use super::simd::{MAX_LANES, Simd};

/// States tested in the first stage before a pixel is handed to the second. Long enough
/// that shallow views rarely need the second stage; short enough that interior points
/// soon reach its periodicity checking.
pub(crate) const FIRST_STAGE_STATES: u32 = 64;

/// Which pixels of the band a stage-1 run computes: all of them, row by row, or only
/// those of a list of runs (what the interior fill asks for, see [`super::fill`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pixels<'a> {
    /// Every pixel of the band.
    All,
    /// The pixels of these runs (`[row, first column, length]`, each within one row, no
    /// pixel twice); the others are left untouched.
    Runs(&'a [[u32; 3]]),
}

/// A group of up to `LANES` pixels: consecutive pixels of one row (`row`, `col`), or,
/// when `gathered` is set, the band indices in `index` (gathered from short runs, so
/// a column of single pixels still fills every lane).
#[derive(Clone, Copy)]
struct Slot {
    row: usize,
    col: usize,
    len: usize,
    gathered: bool,
    index: [u32; MAX_LANES],
    /// Row of each lane's pixel when `gathered` (spares a division per lane).
    rows: [u32; MAX_LANES],
}

/// Hands out groups: consecutive pixels of one row while a run has at least half a
/// vector left, else pixels gathered from the following runs.
struct Groups<'a> {
    next_col: usize,
    row: usize,
    width: usize,
    rows: usize,
    runs: Option<&'a [[u32; 3]]>,
    /// Run being consumed, and how many of its pixels were handed out.
    run: usize,
    taken: usize,
}

impl Groups<'_> {
    #[inline(always)]
    fn next(&mut self, lanes: usize) -> Option<Slot> {
        match self.runs {
            None => self.next_in_rows(lanes),
            Some(runs) => self.next_in_runs(runs, lanes),
        }
    }

    #[inline(always)]
    fn next_in_rows(&mut self, lanes: usize) -> Option<Slot> {
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
        Some(Slot { row, col, len, gathered: false, index: [0; MAX_LANES], rows: [0; MAX_LANES] })
    }

    #[inline(always)]
    fn next_in_runs(&mut self, runs: &[[u32; 3]], lanes: usize) -> Option<Slot> {
        let &[row, col, len] = runs.get(self.run)?;
        let left = len as usize - self.taken;
        if left >= lanes.div_ceil(2) {
            let n = left.min(lanes);
            let slot = Slot {
                row: row as usize,
                col: col as usize + self.taken,
                len: n,
                gathered: false,
                index: [0; MAX_LANES],
                rows: [0; MAX_LANES],
            };
            self.advance(n, left);
            return Some(slot);
        }
        let mut slot = Slot { row: 0, col: 0, len: 0, gathered: true, index: [0; MAX_LANES], rows: [0; MAX_LANES] };
        while slot.len < lanes {
            let Some(&[row, col, len]) = runs.get(self.run) else { break };
            let left = len as usize - self.taken;
            let n = left.min(lanes - slot.len);
            let first = row as usize * self.width + col as usize + self.taken;
            for k in 0..n {
                slot.index[slot.len + k] = (first + k) as u32;
                slot.rows[slot.len + k] = row;
            }
            slot.len += n;
            self.advance(n, left);
        }
        Some(slot)
    }

    #[inline(always)]
    fn advance(&mut self, n: usize, left: usize) {
        if n == left {
            self.run += 1;
            self.taken = 0;
        } else {
            self.taken += n;
        }
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
    /// Lanes whose last tested state was inside (still iterating).
    alive: u32,
    /// States tested so far.
    steps: u32,
    /// Output index of lane 0.
    first: usize,
    /// Lanes holding a pixel.
    len: usize,
    /// Whether the chain holds a group at all.
    active: bool,
    /// Whether the lanes are the scattered pixels `index` rather than `first..first + len`.
    gathered: bool,
    /// Band index of each lane's pixel when `gathered`.
    index: [u32; MAX_LANES],
}

const IDLE: Meta =
    Meta { shortcut: 0, alive: 0, steps: 0, first: 0, len: 0, active: false, gathered: false, index: [0; MAX_LANES] };

/// A chain's vectors: the orbit, the constant, the number of states found inside so far
/// (the escape index, since escape is monotonic), and the first |z|² found outside (+∞
/// until the lane escapes).
///
/// Deliberately no lane mask: lanes that must not count (padding, shortcut lanes) start
/// at NaN, which no test finds inside, and `count`/`norm` need only the current step's
/// test. Six vectors a chain keeps several chains in the 16 registers of AVX2.
#[derive(Clone, Copy)]
struct Regs<V> {
    x: V,
    y: V,
    cx: V,
    cy: V,
    count: V,
    norm: V,
}

/// The registers of a chain without a group: 0 ← 0² + 0 stays inside and never calls
/// for attention.
#[inline(always)]
fn idle_regs<S: Simd>(s: S) -> Regs<S::V> {
    let zero = s.splat(0.0);
    Regs { x: zero, y: zero, cx: zero, cy: zero, count: zero, norm: zero }
}

/// The pixel coordinates of a group's lanes (padding lanes 0).
#[inline(always)]
fn coords<S: Simd>(s: S, band: &Band<'_>, slot: &Slot) -> (S::V, S::V) {
    let (len, width) = (slot.len, band.xs.len());
    if slot.gathered {
        let (mut px, mut py) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
        for l in 0..len {
            let row = slot.rows[l] as usize;
            px[l] = band.xs[slot.index[l] as usize - row * width];
            py[l] = band.ys[row];
        }
        (s.load(&px), s.load(&py))
    } else {
        row_coords(s, band, slot.row, slot.col, len)
    }
}

/// Loads the next group onto a chain, or marks it idle.
#[inline(always)]
fn start<S: Simd>(s: S, setup: &Setup, band: &Band<'_>, groups: &mut Groups<'_>) -> (Meta, Regs<S::V>) {
    let Some(slot) = groups.next(S::LANES) else {
        return (IDLE, idle_regs(s));
    };
    let len = slot.len;
    let (px, py) = coords(s, band, &slot);
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
    let mut norm = s.splat(f64::INFINITY);
    // A group entirely outside at the start (the classic kind's black border) is settled
    // here without a round of steps. Mixed groups are left to the steps, which test
    // state 0 themselves.
    let norm0 = super::formula::norm(s, px, py);
    let out0 = escaped_lanes(s, setup, px, py, norm0, s.not_le_mask(norm0, s.splat(setup.fast_r2)) & alive);
    if out0 == alive {
        alive = 0;
        norm = s.blend(out0, norm, norm0);
    }
    // Lanes that must not iterate start at NaN: never inside, never counted.
    let nan = s.splat(f64::NAN);
    let (x, y) = (s.blend(!alive, px, nan), s.blend(!alive, py, nan));
    let first = slot.row * groups.width + slot.col;
    let meta = Meta { shortcut, alive, steps: 0, first, len, active: true, gathered: slot.gathered, index: slot.index };
    (meta, Regs { x, y, cx, cy, count: s.splat(0.0), norm })
}

/// One step of one chain: tests the current state, records escapes, updates. Returns
/// the lanes found inside; `was_inside` are the lanes the previous step found inside
/// (for a group's first step, the lanes it iterates).
///
/// The |z|² recorded is the first outside the radius. Where escape is final (every kind
/// but classic: the test is exact, and once outside a lane stays outside) that is the
/// state of a lane that was inside one step before: one masked move, where a running
/// minimum of the outside values costs a `vminpd` on the multiply ports as well. The
/// classic kind's hot loop may count a lane of the `hypot` band outside that comes back
/// inside, so it keeps the minimum, which [`finish_checked`] reads.
///
/// The classic kind's `hypot` decision for lanes within a hair of |z| = 2 is taken here
/// only when `EXACT`; the hot loop leaves it out (a compare and a branch every step) and
/// counts such a lane as outside, which [`finish_checked`] notices from its |z|² and
/// puts right by redoing the group with `EXACT`.
#[inline(always)]
fn step<S: Simd, F: Formula, const EXACT: bool>(
    s: S,
    f: F,
    setup: &Setup,
    r: &mut Regs<S::V>,
    was_inside: S::M,
) -> S::M {
    let (nx, ny, norm) = f.step_norm(s, r.x, r.y, r.cx, r.cy);
    let mut inside = s.le(norm, s.splat(setup.fast_r2));
    if EXACT && F::EXACT_HYPOT && setup.exact_hypot {
        // Classic: lanes within a hair of |z| = 2 are decided by `hypot`.
        let band_lanes = s.m_bits(s.m_and_not(s.le(norm, s.splat(setup.r2_high)), inside));
        if band_lanes != 0 {
            let out = escaped_lanes(s, setup, r.x, r.y, norm, band_lanes);
            inside = s.m_or(inside, s.m_from_bits(band_lanes & !out));
        }
    }
    r.norm = if F::EXACT_HYPOT { s.min_where_not(inside, norm, r.norm) } else { s.select(was_inside, r.norm, norm) };
    r.count = s.count_where(inside, r.count);
    r.x = nx;
    r.y = ny;
    inside
}

/// Stores a finished group: escaped and shortcut lanes are final; lanes still inside are
/// interior when the stage covered every state, else they join `pending` (their slots are
/// written again by the second stage). Adds the updates spent on the final lanes to `work`.
///
/// A group that covers every state may have been stepped up to a round past `states`
/// (see [`run`]): lanes inside at every state up to `states` count as inside whatever
/// the extra steps found.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn finish<S: Simd>(
    s: S,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    m: &Meta,
    r: &Regs<S::V>,
    work: &mut S::V,
) {
    let complete = states >= setup.limit;
    let count = s.count_value(r.count);
    // Inside at every state the stage tested (padding and shortcut lanes count 0).
    let alive = s.le_mask(s.splat(f64::from(states)), count);
    let interior = s.splat(f64::from(setup.limit - 1));
    let count = s.blend(m.shortcut | if complete { alive } else { 0 }, count, interior);
    let mut norm = s.blend(m.shortcut | alive, r.norm, s.splat(-1.0));
    if setup.mark_settled && m.shortcut != 0 {
        norm = s.blend(m.shortcut, norm, s.splat(f64::from(SETTLED_NORM)));
    }
    if !complete && alive != 0 {
        pending.index.extend(bits(alive).map(|l| if m.gathered { m.index[l] } else { (m.first + l) as u32 }));
        s.append(r.x, alive, &mut pending.x);
        s.append(r.y, alive, &mut pending.y);
        s.append(r.cx, alive, &mut pending.cx);
        s.append(r.cy, alive, &mut pending.cy);
    }
    if m.gathered {
        let (mut cs, mut ns) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
        s.store(count, &mut cs);
        s.store(norm, &mut ns);
        for l in 0..m.len {
            let i = m.index[l] as usize;
            band.counts[i] = cs[l] as u32;
            band.norms[i] = ns[l] as f32;
        }
    } else {
        let (counts, norms) = (&mut band.counts[m.first..], &mut band.norms[m.first..]);
        if m.len == S::LANES {
            s.store_u32(count, counts);
            s.store_f32(norm, norms);
        } else {
            let (mut cs, mut ns) = ([0.0; MAX_LANES], [0.0; MAX_LANES]);
            s.store(count, &mut cs);
            s.store(norm, &mut ns);
            for l in 0..m.len {
                counts[l] = cs[l] as u32;
                norms[l] = ns[l] as f32;
            }
        }
    }
    // Work: every final lane's count, except shortcut lanes (no work); lanes passed on
    // are counted by the second stage, for their whole orbit. Summed as vectors (exact
    // below 2^53) and reduced once per band: a reduction per group is a long latency chain.
    let final_lanes = low_lanes(m.len) & !m.shortcut & if complete { u32::MAX } else { !alive };
    *work = s.add(*work, s.blend(final_lanes, s.splat(0.0), count));
}

/// Runs the first stage over `pixels` of `band`: tests states `0..states` of each (`states` ≤
/// the limit). Pixels still inside afterwards are appended to `pending` with their state
/// after `states` updates. Returns the updates spent on pixels finished here.
#[inline(always)]
pub(crate) fn run<S: Simd, F: Formula, const C: usize>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pixels: Pixels<'_>,
    pending: &mut Pending,
) -> u64 {
    let mut groups =
        Groups { next_col: 0, row: 0, width: band.xs.len(), rows: band.ys.len(), runs: None, run: 0, taken: 0 };
    if let Pixels::Runs(runs) = pixels {
        groups.runs = Some(runs);
    }
    let mut work = s.splat(0.0);
    pending.steps = states;
    let mut meta = [IDLE; C];
    let mut regs = [idle_regs(s); C];
    // Rounds are never split: a group that covers every state may run up to `ROUND - 1`
    // steps past `states` (harmless, see `finish`); one that does not (the limit is above
    // `states`) stops exactly, because `states` is then a multiple of `ROUND`.
    debug_assert!(states >= setup.limit || states.is_multiple_of(ROUND));
    let rounds_for = |m: &Meta| (states - m.steps).div_ceil(ROUND);
    for c in 0..C {
        next_group(s, setup, states, band, pending, &mut groups, &mut meta[c], &mut regs[c], &mut work);
    }
    while meta.iter().any(|m| m.active) {
        // Full rounds every active chain can take before its states run out.
        let budget = meta.iter().filter(|m| m.active).map(rounds_for).min().unwrap_or(0);
        let rounds = rounds(s, f, setup, budget, &mut regs, &mut meta);
        for m in meta.iter_mut().filter(|m| m.active) {
            m.steps += rounds * ROUND;
        }
        for c in 0..C {
            let m = &mut meta[c];
            if m.active && (m.alive == 0 || m.steps >= states) {
                finish_checked(s, f, setup, states, band, pending, m, &mut regs[c], &mut work);
                next_group(s, setup, states, band, pending, &mut groups, m, &mut regs[c], &mut work);
            }
        }
    }
    s.reduce_add(work) as u64
}

/// The hot loop: steps every chain in lockstep, a round at a time, until a chain has no
/// lane left inside or `budget` rounds are done (the escape test is exact at every step;
/// only the check whether a chain is done waits for the end of a round). Nothing but the orbits is touched, so
/// all of it stays in registers. Returns the rounds done; updates the chains' `alive`.
#[inline(always)]
fn rounds<S: Simd, F: Formula, const C: usize>(
    s: S,
    f: F,
    setup: &Setup,
    budget: u32,
    regs: &mut [Regs<S::V>; C],
    meta: &mut [Meta; C],
) -> u32 {
    let mut done = 0;
    // Leaving the loop costs a mispredicted branch and all chains' registers spilled and
    // reloaded, so it waits until three chains are done (a finished chain steps its spent
    // lanes meanwhile; all of them on AVX2's three) — measured on AVX-512 and AVX2: two
    // instead of one was 3–5 % less CPU on the dense and standard scenes and 1–2 % on the
    // classic one; three instead of two another 1–3 % on dense, ~1 % on standard, classic
    // unchanged; four (all, on AVX-512) no better than three.
    // The classic kind is the exception on the vector paths: after its early pass
    // (`super::early`) the groups left are pixels near the Julia set's dust, whose orbits
    // run from a few states to the limit, so a chain that is done would wait long for the
    // others. On AVX-512 leaving as soon as one is done took 0.92× the CPU on the `classic`
    // scene (Zen 4, one thread each at once, best of 4; waiting for two: 0.93×). On AVX2's
    // three chains waiting for two took 0.92× (Zen 3, best of 6: 4.38 against 4.75 ms) and
    // one about the same as two there (4.48–4.54 ms; it had taken 1.18× on Zen 4 before the
    // early pass); on the scalar path one took 1.03×.
    let active = meta.iter().filter(|m| m.active).count() as u32;
    let wait_for = match (F::EXACT_HYPOT, S::LANES) {
        (true, 8) => 1,
        (true, 4) => active.clamp(1, 2),
        _ => active.clamp(1, 3),
    };
    let mut inside: [S::M; C] = std::array::from_fn(|c| s.m_from_bits(meta[c].alive));
    while done < budget {
        for _ in 0..ROUND {
            for c in 0..C {
                inside[c] = step::<S, F, false>(s, f, setup, &mut regs[c], inside[c]);
            }
        }
        done += 1;
        // Idle chains iterate 0 and stay inside: only a real group can end the loop.
        let mut out = 0;
        for c in 0..C {
            let alive = s.m_bits(inside[c]);
            meta[c].alive = alive;
            out += u32::from(alive == 0);
        }
        if out >= wait_for {
            break;
        }
    }
    done
}

/// Loads groups onto the chain until one has a lane to iterate (groups settled at once
/// are stored here), or none is left.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn next_group<S: Simd>(
    s: S,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    groups: &mut Groups<'_>,
    m: &mut Meta,
    r: &mut Regs<S::V>,
    work: &mut S::V,
) {
    loop {
        (*m, *r) = start(s, setup, band, groups);
        if !m.active || (m.alive != 0 && states > 0) {
            return;
        }
        finish(s, setup, states, band, pending, m, r, work);
    }
}

/// [`finish`] for a group the hot loop stepped: first redoes it with the exact test if a
/// lane's first |z|² outside the fast radius lies in the classic kind's `hypot` band
/// (then the loop may have counted a lane outside that `hypot` finds inside).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn finish_checked<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &mut Band<'_>,
    pending: &mut Pending,
    m: &mut Meta,
    r: &mut Regs<S::V>,
    work: &mut S::V,
) {
    if F::EXACT_HYPOT && setup.exact_hypot && s.le_mask(r.norm, s.splat(setup.r2_high)) != 0 {
        redo_exact(s, f, setup, states, band, m, r);
    }
    finish(s, setup, states, band, pending, m, r, work);
}

/// Steps a group again from its start, testing every state exactly, until no lane is
/// inside at the end of a round or `states` are tested: what the hot loop computes when
/// no lane enters the `hypot` band. Rare (the band is 2^-44 of |z|² wide).
#[cold]
#[inline(never)]
fn redo_exact<S: Simd, F: Formula>(
    s: S,
    f: F,
    setup: &Setup,
    states: u32,
    band: &Band<'_>,
    m: &mut Meta,
    r: &mut Regs<S::V>,
) {
    let width = band.xs.len();
    let slot = Slot {
        row: m.first / width,
        col: m.first % width,
        len: m.len,
        gathered: m.gathered,
        index: m.index,
        rows: std::array::from_fn(|l| (m.index[l] as usize / width) as u32),
    };
    let (px, py) = coords(s, band, &slot);
    let stepped = low_lanes(m.len) & !m.shortcut;
    let nan = s.splat(f64::NAN);
    (r.x, r.y) = (s.blend(stepped, nan, px), s.blend(stepped, nan, py));
    (r.count, r.norm) = (s.splat(0.0), s.splat(f64::INFINITY));
    m.steps = 0;
    let mut inside = s.m_from_bits(stepped);
    loop {
        for _ in 0..ROUND {
            inside = step::<S, F, true>(s, f, setup, r, inside);
        }
        m.steps += ROUND;
        m.alive = s.m_bits(inside);
        if m.alive == 0 || m.steps >= states {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Colouring, Complex64, Control, Fractal, KernelPath, Params, Region, RenderOptions, render};

    /// A start point whose first iterate (in the classic kind's arithmetic) has |z|² > 4
    /// but `hypot` ≤ 2: inside by the exact test, outside by the hot loop's, so its group
    /// must be redone exactly.
    fn band_point(c: Complex64) -> Complex64 {
        (0..100_000)
            .map(|k| (Complex64::from_polar(2.0, f64::from(k) * 0.000_7) - c).sqrt())
            .find(|z| {
                let (nx, ny) = (z.re * z.re - z.im * z.im + c.re, z.re * z.im + z.im * z.re + c.im);
                nx * nx + ny * ny > 4.0 && nx.hypot(ny) <= 2.0
            })
            .expect("a point in the band")
    }

    #[test]
    fn a_lane_in_the_hypot_band_gets_the_exact_count_on_every_path() {
        let c = Complex64::new(0.285, 0.01);
        let z = band_point(c);
        let params = Params {
            fractal: Fractal::Classic { c },
            region: Region::new(z.re, z.re + 1e-3, z.im, z.im + 1e-3),
            width: 9,
            height: 2,
            max_iterations: 362,
            colouring: Colouring::classic(),
        };
        let run = |path| {
            let options = RenderOptions { kernel: Some(path), ..RenderOptions::default() };
            let b = render(&params, &options, &Control::new()).expect("render").buffer;
            (b.counts().to_vec(), b.norms().to_vec())
        };
        let want = run(KernelPath::Reference);
        // The band point is a corner pixel (row 0 is ya in the classic orientation) and
        // does not escape at its first iterate.
        assert!(want.0[0] > 1, "{:?}", want.0);
        for path in KernelPath::ALL.into_iter().filter(|p| p.is_supported()) {
            assert_eq!(run(path), want, "{path}");
        }
    }
}
