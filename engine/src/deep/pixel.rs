//! One pixel by perturbation: its difference δ from a reference orbit, skipping ahead
//! with bilinear approximations and rebasing (Zhuoran) to avoid glitches. δ is held in
//! plain doubles for δc above about 1e-271; below, as a double rescaled by a power of two
//! kept per pixel (δ = w·2^s, as Kalles Fraktaler's rescaled iterations), so that no
//! product falls among the subnormals, which cost a microcode assist each; and with a
//! separate exponent per value only while δ itself is below about 1e-301.
//!
//! Indices: `n` counts the pixel's iterations in the orbit's numbering (Mandelbrot
//! orbits start at `Z_0 = 0`, so faafo's state `j` is `n = j + 1`; Julia orbits start at
//! the point, `n = j`); `m` is the reference index the pixel follows.

use std::sync::atomic::{AtomicU64, Ordering};

use super::bla::Bla;
use super::cycle::Cycle;
use super::floatexp::{ComplexExp, RealExp, ldexp};
use super::newton::Rebases;
use super::orbit::Orbit;

mod lockstep;
mod scaled;

/// Index of the orbit through the view's reference point.
pub(crate) const MAIN: usize = 0;
/// Index of the orbit from the critical point 0 (the same orbit as `MAIN` for the
/// Mandelbrot set), where rebased pixels continue.
pub(crate) const CRITICAL: usize = 1;

/// Pixels whose δc is at least 2^-900 (about 1e-271) run on plain doubles: no product
/// of the loop comes near the subnormals (below 2^-1022), which cost a slow microcode
/// assist each on x86.
const PLAIN_FROM_LOG2: i64 = -900;
/// Deeper pixels keep δ = w·2^s (rescaling), with 2^s at most δc's power of two and at
/// least 2^[`SCALED_MIN_LOG2`]: then δc/2^s is near 1 or above, so B·δc/2^s and the
/// other products stay normal doubles even where A or B has a part far smaller than the
/// other (views on the real axis), and w (at most 4/2^s) never overflows.
pub(crate) const SCALED_MIN_LOG2: i64 = -1000;
/// Below 2^-16 (after a rebase to a point nearer the critical point than δc), w is
/// rescaled, so that 2^s·w stays normal too.
const W_LOW: f64 = f64::from_bits((1023 - 16) << 52);
/// Below [`SCALED_MIN_LOG2`] δ runs with exponents until it is above 2^-980.
const TO_SCALED_ABOVE_LOG2: i64 = -980;

/// The instruction sets the per-pixel loop is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    Baseline,
    /// x86-64-v3's integer and vector instructions (AVX2, BMI1/2, LZCNT, POPCNT).
    #[cfg(target_arch = "x86_64")]
    V3,
    /// V3 and AVX-512 (F, DQ, VL, BW).
    #[cfg(target_arch = "x86_64")]
    V4,
}

impl Isa {
    /// The best this processor runs (the last of [`Isa::available`]).
    pub(crate) fn detect() -> Self {
        *Self::available().last().unwrap_or(&Self::Baseline)
    }

    /// Every variant this processor runs, baseline first.
    pub(crate) fn available() -> Vec<Self> {
        let mut isas = vec![Self::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            let v3 = is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("bmi1")
                && is_x86_feature_detected!("bmi2")
                && is_x86_feature_detected!("lzcnt")
                && is_x86_feature_detected!("popcnt");
            let v4 = is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512dq")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512bw");
            if v3 {
                isas.push(Self::V3);
            }
            if v3 && v4 {
                isas.push(Self::V4);
            }
        }
        isas
    }
}

/// What a finished pixel stores (as the shallow kernels do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    /// faafo's escape index, or `limit - 1` for interior points.
    pub(crate) count: u32,
    /// |z|² at escape, −1 for interior points.
    pub(crate) norm: f32,
}

/// Everything the per-pixel loop reads, shared by all pixels of a render.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// `[MAIN, CRITICAL]`.
    pub(crate) orbits: [&'a Orbit; 2],
    pub(crate) blas: [&'a Bla; 2],
    /// Last orbit index a pixel may reach (its last escape test).
    pub(crate) n_max: u32,
    /// Escape radius squared.
    pub(crate) r2: f64,
    /// Julia: δ starts at δc and no δc is added per step.
    pub(crate) julia: bool,
    /// faafo's iteration limit (interior points get `limit - 1`).
    pub(crate) limit: u32,
    /// Whether a pixel whose computation repeats ends there as interior
    /// ([`super::cycle`]).
    pub(crate) cycles: bool,
    /// Whether a Mandelbrot pixel on plain doubles whose rebases show a period tries
    /// to prove it is interior by Newton's method ([`super::newton`]).
    pub(crate) newton: bool,
    /// Counts the pixels [`super::newton`] ended (tests).
    pub(crate) proven: Option<&'a AtomicU64>,
    /// What the per-pixel loop is compiled for ([`Isa::detect`] but in tests).
    pub(crate) isa: Isa,
    /// Where every pixel on the doubles path starts: after `m` iterations with δ = K·δc
    /// ([`super::bla::common_start`]).
    pub(crate) start: Option<(usize, [f64; 2])>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    which: usize,
    m: usize,
    n: u32,
}

// Pixels advanced in turn by one core: one, or two or four neighbours in lockstep while
// they take the same decisions ([`lockstep`]). Interleaving 2–6 pixels that each take
// their own decisions was 10–65% slower on this project's Xeon — each pixel's branches
// (skip or step, rebase) are predictable on their own and not once mixed.

/// One pixel in flight on the doubles path.
#[derive(Debug, Clone, Copy)]
struct Lane {
    st: State,
    /// δ / 2^s.
    w: [f64; 2],
    /// The scale's exponent: 0 on plain doubles, in [[`SCALED_MIN_LOG2`], 0] rescaled.
    s: i64,
    /// 2^s.
    scale: f64,
    /// δc / 2^s (what bilinear skips multiply by B).
    dc: [f64; 2],
    /// What each perturbation step adds: δc / 2^s, or zero for Julia sets.
    dc_step: [f64; 2],
    /// δc with its exponent, for stretches below doubles' range.
    dcx: ComplexExp,
    /// Whether δ is rescaled (δc below 2^[`PLAIN_FROM_LOG2`]).
    scaled: bool,
    /// The states after its rebases, for finding interior pixels.
    cycle: Cycle,
}

impl Lane {
    /// δ as a double with exponent.
    fn delta(&self) -> ComplexExp {
        ComplexExp::new(self.w[0], self.w[1], self.s)
    }

    /// Sets δ (rescaled lanes), or `false` when δ is too small for doubles even
    /// rescaled.
    fn set_delta(&mut self, d: ComplexExp, julia: bool) -> bool {
        let zero = d.re == 0.0 && d.im == 0.0;
        // δ = 0 (a Mandelbrot pixel's start) takes δc's size at its next step.
        if (d.e < SCALED_MIN_LOG2 && !zero) || (zero && self.dcx.e < SCALED_MIN_LOG2) {
            self.w = [d.re, d.im];
            self.s = d.e;
            return false;
        }
        let s = d.e.min(self.dcx.e).clamp(SCALED_MIN_LOG2, 0);
        let back = ComplexExp { re: d.re, im: d.im, e: d.e - s };
        (self.w[0], self.w[1]) = back.to_f64();
        self.s = s;
        self.scale = ldexp(1.0, s);
        let (cr, ci) = ComplexExp { e: self.dcx.e - s, ..self.dcx }.to_f64();
        // Subnormals would be slow; below them even plain doubles keep nothing.
        let tiny = |v: f64| if v.abs() < f64::MIN_POSITIVE { 0.0 } else { v };
        self.dc = [tiny(cr), tiny(ci)];
        self.dc_step = if julia { [0.0, 0.0] } else { self.dc };
        true
    }
}

/// What one step of a lane left.
enum Op {
    Continue,
    Done(Outcome),
    /// δ became too small for doubles.
    Switch,
    /// The pixel rebased to the critical orbit's start (and continues).
    Rebased,
}

enum Exit {
    Done(Outcome),
    /// δ left the range of the current number type.
    Switch,
}

impl Context<'_> {
    fn escaped(&self, n: u32, norm: f64) -> Outcome {
        let shift = u32::from(!self.julia);
        Outcome { count: n - shift, norm: norm as f32 }
    }

    fn interior(&self) -> Outcome {
        Outcome { count: self.limit.saturating_sub(1), norm: -1.0 }
    }

    /// A pixel at `dc` from the reference point, ready for [`Context::op64`] — or already
    /// finished (escaped at its start, or during its first stretch with exponents).
    // Escape tests are `!(norm <= r2)` throughout: a NaN (overflow) counts as escaped.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    #[inline(always)]
    fn start(&self, dc: ComplexExp) -> Result<Lane, Outcome> {
        let mut st = State { which: MAIN, m: 0, n: 0 };
        let (dx, dcx) = if self.julia { (dc, ComplexExp::ZERO) } else { (ComplexExp::ZERO, dc) };
        if self.julia {
            let z0 = self.orbits[MAIN].z[0];
            let (dr, di) = dc.to_f64();
            let (x, y) = (z0[0] + dr, z0[1] + di);
            let norm = x * x + y * y;
            if !(norm <= self.r2) {
                return Err(self.escaped(0, norm));
            }
        }
        // δc = 0 (the reference's own pixel) stays 0 in plain doubles too.
        let scaled = dc.exponent() < PLAIN_FROM_LOG2 && (dc.re != 0.0 || dc.im != 0.0);
        let mut lane = Lane {
            st,
            w: [0.0; 2],
            s: 0,
            scale: 1.0,
            dc: [0.0; 2],
            dc_step: [0.0; 2],
            dcx,
            scaled,
            cycle: Cycle::default(),
        };
        if !scaled {
            let (mut dr, mut di) = dx.to_f64();
            let (cr, ci) = dcx.to_f64();
            if let Some((m, k)) = self.start {
                // δ = K·δc after the common skip.
                let (pr, pi) = dc.to_f64();
                (dr, di) = (k[0] * pr - k[1] * pi, k[0] * pi + k[1] * pr);
                st = State { which: MAIN, m, n: m as u32 };
            }
            lane.st = st;
            lane.w = [dr, di];
            lane.dc = [cr, ci];
            lane.dc_step = if self.julia { [0.0, 0.0] } else { [cr, ci] };
            return Ok(lane);
        }
        let mut d = dx;
        if let Some((m, k)) = self.start {
            d = ComplexExp::from_f64(k[0], k[1]).mul(dc);
            lane.st = State { which: MAIN, m, n: m as u32 };
        }
        if !lane.set_delta(d, self.julia) {
            lane = self.resume_exp(lane)?;
        }
        Ok(lane)
    }

    /// Continues a rescaled lane whose δ became too small for doubles with exponents;
    /// `Some` when the pixel finished there.
    #[inline(never)]
    fn resume_exp(&self, mut lane: Lane) -> Result<Lane, Outcome> {
        let mut dx = lane.delta();
        match self.run_exp(&mut lane.st, &mut dx, lane.dcx) {
            Exit::Done(o) => Err(o),
            Exit::Switch => {
                lane.set_delta(dx, self.julia);
                Ok(lane)
            }
        }
    }

    /// Computes pixels `dcs` (offsets from the reference point) into `counts`/`norms`,
    /// one pixel at a time, compiled for [`Context::isa`] (the same values on each).
    pub(crate) fn run_pixels(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::V3` and `Isa::V4` are only made where the processor has their
            // features (`Isa::detect`, `Isa::available`).
            Isa::V3 => unsafe { self.run_pixels_v3(dcs, counts, norms) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::V4 => unsafe { self.run_pixels_v4(dcs, counts, norms) },
            Isa::Baseline => self.run_pixels_inline::<false>(dcs, counts, norms),
        }
    }

    /// [`Context::run_pixels_inline`] with AVX2, BMI and POPCNT: hardware popcount and
    /// trailing zeros for the table's block offsets, three-operand instructions. No FMA:
    /// products and sums round as on the baseline, so the counts are the same.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,bmi1,bmi2,lzcnt,popcnt")]
    unsafe fn run_pixels_v3(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        self.run_pixels_inline::<true>(dcs, counts, norms);
    }

    /// [`Context::run_pixels_v3`] with AVX-512 too (32 vector registers).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,bmi1,bmi2,lzcnt,popcnt,avx512f,avx512dq,avx512vl,avx512bw")]
    unsafe fn run_pixels_v4(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        self.run_pixels_inline::<true>(dcs, counts, norms);
    }

    /// Pixels in runs of four where the variant has AVX (`QUADS`), else in pairs
    /// ([`lockstep`]).
    #[inline(always)]
    fn run_pixels_inline<const QUADS: bool>(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        let mut put = |i: usize, o: Outcome| {
            counts[i] = o.count;
            norms[i] = o.norm;
        };
        let mut i = 0;
        if QUADS {
            while let Some(&[a, b, c, d]) = dcs.get(i..i + 4) {
                for (k, o) in self.pixels4([a, b, c, d]).into_iter().enumerate() {
                    put(i + k, o);
                }
                i += 4;
            }
        }
        while let Some(&[a, b]) = dcs.get(i..i + 2) {
            let [x, y] = self.pixels2([a, b]);
            put(i, x);
            put(i + 1, y);
            i += 2;
        }
        if let Some(&dc) = dcs.get(i) {
            put(i, self.pixel(dc));
        }
    }

    /// One pixel, alone.
    #[inline(always)]
    fn pixel(&self, dc: ComplexExp) -> Outcome {
        match self.start(dc) {
            Ok(lane) => self.finish(lane, Rebases::default()),
            Err(o) => o,
        }
    }

    /// Runs a lane to its end, with its rebases so far (none for a lane that starts
    /// here). The lane is a local passed by value to the rare paths (never by
    /// reference), so its δ and state stay in registers between steps instead of going
    /// through memory each step.
    #[inline(always)]
    fn finish(&self, lane: Lane, rebases: Rebases) -> Outcome {
        if lane.scaled { self.finish_scaled(lane) } else { self.finish64(lane, rebases) }
    }

    /// [`Context::finish`] on plain doubles (a lane never leaves them), where pixels may
    /// also be proven interior by [`super::newton`]; `rebases` are the lane's so far.
    #[inline(always)]
    fn finish64(&self, mut lane: Lane, mut rebases: Rebases) -> Outcome {
        loop {
            let op = self.op64(&mut lane);
            if let Err(o) = self.settle::<false>(&mut lane, op, &mut rebases) {
                return o;
            }
        }
    }

    /// What a lane does after an op of its stretch loop ([`Context::op64`],
    /// [`Context::op_scaled`]): `Err` with its outcome when it ended. After a rebase a
    /// pixel whose computation repeats is interior, and on plain doubles one whose
    /// rebases show a period may be proven interior by Newton's method (`rebases` holds
    /// when they came).
    #[inline(always)]
    fn settle<const SCALED: bool>(&self, lane: &mut Lane, op: Op, rebases: &mut Rebases) -> Result<(), Outcome> {
        match op {
            Op::Continue => Ok(()),
            Op::Done(o) => Err(o),
            Op::Rebased => {
                if self.cycles && lane.cycle.repeats(lane.w, lane.s) {
                    return Err(self.interior());
                }
                if !SCALED
                    && self.newton
                    && let Some(period) = rebases.record(lane.st.n)
                    && self.attracting_cycle(lane.w, lane.dc, period)
                {
                    if let Some(p) = self.proven {
                        p.fetch_add(1, Ordering::Relaxed);
                    }
                    return Err(self.interior());
                }
                Ok(())
            }
            Op::Switch if SCALED => {
                *lane = self.resume_exp(*lane)?;
                Ok(())
            }
            // Not made on plain doubles.
            Op::Switch => Err(self.finish_scaled(*lane)),
        }
    }

    /// What starts a stretch on plain doubles: `Some` when the lane is at the limit
    /// (done) or at its reference's end (it continues from the critical point, a rebase
    /// like any other).
    #[inline(always)]
    fn head64(&self, lane: &mut Lane) -> Option<Op> {
        let st = &mut lane.st;
        if st.n >= self.n_max {
            return Some(Op::Done(self.interior()));
        }
        let orbit = self.orbits[st.which];
        if st.m + 1 >= orbit.len() {
            let z = orbit.z[st.m];
            lane.w = [z[0] + lane.w[0], z[1] + lane.w[1]];
            st.m = 0;
            st.which = CRITICAL;
            return Some(Op::Rebased);
        }
        None
    }

    /// A stretch of a lane on plain doubles along one orbit: bilinear skips where δ is
    /// within the single step's radius, perturbation steps elsewhere, each followed by
    /// the escape and rebase tests — until the pixel escapes or rebases ([`Op::Done`],
    /// [`Op::Rebased`]), or reaches the limit or the reference's end ([`Op::Continue`],
    /// which the next call handles).
    ///
    /// Skips and steps share one loop, with δ, the index and the orbit's table in
    /// registers: on views near a minibrot a pixel goes round the period many times,
    /// a skip or two steps at a time, and going back out to the caller after each skip
    /// (reloading the orbit, the table and the bounds) was a large part of its cost.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn op64(&self, lane: &mut Lane) -> Op {
        if let Some(op) = self.head64(lane) {
            return op;
        }
        let st = &mut lane.st;
        let orbit = self.orbits[st.which];
        let bla = self.blas[st.which];
        // The last index this stretch reaches: the reference's end or the limit. The
        // table has no skip past the end, so `last - m` bounds the skips as the limit
        // does.
        let last = (orbit.len() - 1).min(st.m + (self.n_max - st.n) as usize);
        let (m0, n0) = (st.m, st.n);
        let (dc, dc_step) = (lane.dc, lane.dc_step);
        let mut d = lane.w;
        let mut m = m0;
        // The node at `m`: its radius decides skip or step, its Z the step, and loaded
        // once, after each move, for the tests there and the next decision.
        let mut node = *bla.node(m);
        loop {
            let d1 = d[0].abs() + d[1].abs();
            if d1 < node.r0 {
                let (s, l) = bla.skip64(m, d1, (last - m) as u32);
                d = [
                    s.a[0] * d[0] - s.a[1] * d[1] + (s.b[0] * dc[0] - s.b[1] * dc[1]),
                    s.a[0] * d[1] + s.a[1] * d[0] + (s.b[0] * dc[1] + s.b[1] * dc[0]),
                ];
                m += l as usize;
            } else {
                // δ ← (2Z + δ)·δ + δc
                let z = node.z;
                let (tr, ti) = (2.0 * z[0] + d[0], 2.0 * z[1] + d[1]);
                d = [tr * d[0] - ti * d[1] + dc_step[0], tr * d[1] + ti * d[0] + dc_step[1]];
                m += 1;
            }
            node = *bla.node(m);
            st.m = m;
            st.n = n0 + (m - m0) as u32;
            if let Some(op) = self.test64(st, &mut d, node.z) {
                lane.w = d;
                return op;
            }
            if m >= last {
                lane.w = d;
                return Op::Continue;
            }
        }
    }

    /// The escape test and the rebase test after a step on plain doubles to `st.m`, whose
    /// Z is `z`: `Some` when the pixel escaped or rebased.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn test64(&self, st: &mut State, d: &mut [f64; 2], z: [f64; 2]) -> Option<Op> {
        let (x, y) = (z[0] + d[0], z[1] + d[1]);
        let norm = x * x + y * y;
        if !(norm <= self.r2) {
            return Some(Op::Done(self.escaped(st.n, norm)));
        }
        if norm_inf([x, y]) < norm_inf(*d) {
            // Rebase: the pixel is nearer the critical point than the reference.
            *d = [x, y];
            st.m = 0;
            st.which = CRITICAL;
            return Some(Op::Rebased);
        }
        None
    }
}

/// max(|re v|, |im v|) for a `v` known not to be NaN — after the escape test, which a
/// NaN fails. Unlike `f64::max` it need not look for NaNs: one instruction, not three, in
/// the tests after every step.
#[inline(always)]
fn norm_inf(v: [f64; 2]) -> f64 {
    let (a, b) = (v[0].abs(), v[1].abs());
    if a > b { a } else { b }
}

/// |δc| of the image's farthest pixel, bounded above (the BLA radii need it).
pub(crate) fn farthest(offset: ComplexExp, half_extent: RealExp) -> RealExp {
    offset.norm1().add(half_extent)
}
