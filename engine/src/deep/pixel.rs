//! One pixel by perturbation: its difference δ from a reference orbit, in doubles while
//! their exponents suffice and with separate exponents below that, skipping ahead with
//! bilinear approximations and rebasing (Zhuoran) to avoid glitches.
//!
//! Indices: `n` counts the pixel's iterations in the orbit's numbering (Mandelbrot
//! orbits start at `Z_0 = 0`, so faafo's state `j` is `n = j + 1`; Julia orbits start at
//! the point, `n = j`); `m` is the reference index the pixel follows.

use super::bla::Bla;
use super::floatexp::{ComplexExp, RealExp};
use super::orbit::Orbit;

/// Index of the orbit through the view's reference point.
pub(crate) const MAIN: usize = 0;
/// Index of the orbit from the critical point 0 (the same orbit as `MAIN` for the
/// Mandelbrot set), where rebased pixels continue.
pub(crate) const CRITICAL: usize = 1;

/// Pixels whose δc is below 2^-1016 (about 1e-306) start with exponents; above, doubles
/// hold δ with at least 2^-58 relative precision (the subnormals start at 2^-1022).
pub(crate) const DEEP_BELOW_LOG2: i64 = -1016;
/// With exponents, a δ above 2^-900 moves to doubles (δc, then far smaller, only loses
/// what doubles cannot hold: under 2^-170 of δ)…
const TO_F64_ABOVE_LOG2: i64 = -900;
/// …and back below 2^-950 (the gap avoids switching back and forth).
const TO_EXP_BELOW: f64 = f64::from_bits((1023 - 950) << 52); // 2^-950

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
    /// Where every pixel on the doubles path starts: after `m` iterations with δ = K·δc
    /// ([`super::bla::common_start`]).
    pub(crate) start: Option<(usize, [f64; 2])>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    which: usize,
    m: usize,
    n: u32,
}

/// Pixels advanced in turn by one core (see [`Context::run_pixels`]). Measured: one.
/// Interleaving 2–6 pixels was 10–65% slower on this project's Xeon — each pixel's
/// branches (skip or step, rebase) are predictable on their own and not once mixed.
const LANES: usize = 1;

/// One pixel in flight on the doubles path.
#[derive(Debug, Clone, Copy)]
struct Lane {
    st: State,
    d: [f64; 2],
    /// δc as doubles (what bilinear skips multiply by B).
    dc: [f64; 2],
    /// What each perturbation step adds: δc, or zero for Julia sets.
    dc_step: [f64; 2],
    /// δc with its exponent, for stretches below doubles' range.
    dcx: ComplexExp,
    deep: bool,
    /// Where the result goes.
    index: usize,
}

/// What one step of a lane left.
enum Op {
    Continue,
    Done(Outcome),
    /// δ became too small for doubles.
    Switch,
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
    fn start(&self, dc: ComplexExp, index: usize) -> Result<Lane, Outcome> {
        let mut st = State { which: MAIN, m: 0, n: 0 };
        let (mut dx, dcx) = if self.julia { (dc, ComplexExp::ZERO) } else { (ComplexExp::ZERO, dc) };
        if self.julia {
            let z0 = self.orbits[MAIN].z[0];
            let (dr, di) = dc.to_f64();
            let (x, y) = (z0[0] + dr, z0[1] + di);
            let norm = x * x + y * y;
            if !(norm <= self.r2) {
                return Err(self.escaped(0, norm));
            }
        }
        // δc = 0 (the reference's own pixel) stays 0 in doubles too.
        let deep = dc.exponent() < DEEP_BELOW_LOG2 && (dc.re != 0.0 || dc.im != 0.0);
        if deep && let Exit::Done(o) = self.run_exp(&mut st, &mut dx, dcx) {
            return Err(o);
        }
        let (mut dr, mut di) = dx.to_f64();
        let (cr, ci) = dcx.to_f64();
        if !deep && let Some((m, k)) = self.start {
            // δ = K·δc after the common skip (δc as doubles: this pixel is not deep).
            let (pr, pi) = dc.to_f64();
            (dr, di) = (k[0] * pr - k[1] * pi, k[0] * pi + k[1] * pr);
            st = State { which: MAIN, m, n: m as u32 };
        }
        let dc_step = if self.julia { [0.0, 0.0] } else { [cr, ci] };
        Ok(Lane { st, d: [dr, di], dc: [cr, ci], dc_step, dcx, deep, index })
    }

    /// Continues a lane whose δ became too small for doubles with exponents; `Some` when
    /// the pixel finished there.
    fn resume_exp(&self, lane: &mut Lane) -> Option<Outcome> {
        let mut dx = ComplexExp::from_f64(lane.d[0], lane.d[1]);
        match self.run_exp(&mut lane.st, &mut dx, lane.dcx) {
            Exit::Done(o) => Some(o),
            Exit::Switch => {
                let (r, i) = dx.to_f64();
                lane.d = [r, i];
                None
            }
        }
    }

    /// Computes pixels `dcs` (offsets from the reference point) into `counts`/`norms`.
    ///
    /// [`LANES`] pixels are advanced in turn (each lane's result depends only on its own
    /// pixel, so the order changes nothing).
    pub(crate) fn run_pixels(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        self.run_lanes::<LANES>(dcs, counts, norms)
    }

    fn run_lanes<const K: usize>(&self, dcs: &[ComplexExp], counts: &mut [u32], norms: &mut [f32]) {
        let mut next = 0usize;
        let mut write = |i: usize, o: Outcome| {
            counts[i] = o.count;
            norms[i] = o.norm;
        };
        let load = |next: &mut usize, write: &mut dyn FnMut(usize, Outcome)| -> Option<Lane> {
            while *next < dcs.len() {
                let i = *next;
                *next += 1;
                match self.start(dcs[i], i) {
                    Ok(lane) => return Some(lane),
                    Err(o) => write(i, o),
                }
            }
            None
        };
        let mut lanes: [Option<Lane>; K] = [None; K];
        for lane in &mut lanes {
            *lane = load(&mut next, &mut write);
        }
        while lanes.iter().any(Option::is_some) {
            for slot in &mut lanes {
                let Some(lane) = slot else { continue };
                let finished = match self.op64(lane) {
                    Op::Continue => None,
                    Op::Done(o) => Some(o),
                    Op::Switch => self.resume_exp(lane),
                };
                if let Some(o) = finished {
                    write(lane.index, o);
                    *slot = load(&mut next, &mut write);
                }
            }
        }
    }

    /// One step of a lane in doubles: a bilinear skip or a perturbation step, then the
    /// escape test and the rebase test.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn op64(&self, lane: &mut Lane) -> Op {
        let st = &mut lane.st;
        let d = &mut lane.d;
        if st.n >= self.n_max {
            return Op::Done(self.interior());
        }
        let orbit = self.orbits[st.which];
        if st.m + 1 >= orbit.len() {
            // The reference ended (escaped): continue from the critical point.
            let z = orbit.z[st.m];
            *d = [z[0] + d[0], z[1] + d[1]];
            st.m = 0;
            st.which = CRITICAL;
            return Op::Continue;
        }
        let remaining = self.n_max - st.n;
        let d1 = d[0].abs() + d[1].abs();
        match self.blas[st.which].lookup64(st.m, d1, remaining) {
            Some((s, l)) => {
                let dc = lane.dc;
                *d = [
                    s.a[0] * d[0] - s.a[1] * d[1] + (s.b[0] * dc[0] - s.b[1] * dc[1]),
                    s.a[0] * d[1] + s.a[1] * d[0] + (s.b[0] * dc[1] + s.b[1] * dc[0]),
                ];
                st.m += l as usize;
                st.n += l;
            }
            None => {
                // δ ← (2Z + δ)·δ + δc
                let z = orbit.z[st.m];
                let (tr, ti) = (2.0 * z[0] + d[0], 2.0 * z[1] + d[1]);
                *d = [tr * d[0] - ti * d[1] + lane.dc_step[0], tr * d[1] + ti * d[0] + lane.dc_step[1]];
                st.m += 1;
                st.n += 1;
            }
        }
        let z = orbit.z[st.m];
        let (x, y) = (z[0] + d[0], z[1] + d[1]);
        let norm = x * x + y * y;
        if !(norm <= self.r2) {
            return Op::Done(self.escaped(st.n, norm));
        }
        let d_inf = d[0].abs().max(d[1].abs());
        if x.abs().max(y.abs()) < d_inf {
            // Rebase: the pixel is nearer the critical point than the reference.
            *d = [x, y];
            st.m = 0;
            st.which = CRITICAL;
        } else if lane.deep && d_inf < TO_EXP_BELOW {
            return Op::Switch;
        }
        Op::Continue
    }

    /// Iterates with exponents until done or until δ fits doubles.
    #[inline(never)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn run_exp(&self, st: &mut State, d: &mut ComplexExp, dc: ComplexExp) -> Exit {
        loop {
            if st.n >= self.n_max {
                return Exit::Done(self.interior());
            }
            let orbit = self.orbits[st.which];
            if st.m + 1 >= orbit.len() {
                *d = orbit.zx[st.m].add(*d);
                st.m = 0;
                st.which = CRITICAL;
                continue;
            }
            let remaining = self.n_max - st.n;
            match self.blas[st.which].lookup_exp(st.m, d.norm1(), remaining) {
                Some((s, l)) => {
                    *d = s.a.mul(*d).add(s.b.mul(dc));
                    st.m += l as usize;
                    st.n += l;
                }
                None => {
                    let z = orbit.zx[st.m];
                    let t = ComplexExp::new(2.0 * z.re, 2.0 * z.im, z.e).add(*d);
                    *d = if self.julia { t.mul(*d) } else { t.mul(*d).add(dc) };
                    st.m += 1;
                    st.n += 1;
                }
            }
            let z = orbit.zx[st.m].add(*d);
            let (x, y) = z.to_f64();
            let norm = x * x + y * y;
            if !(norm <= self.r2) {
                return Exit::Done(self.escaped(st.n, norm));
            }
            if z.norm_inf().lt(d.norm_inf()) {
                *d = z;
                st.m = 0;
                st.which = CRITICAL;
            }
            if d.exponent() > TO_F64_ABOVE_LOG2 {
                return Exit::Switch;
            }
        }
    }
}

/// |δc| of the image's farthest pixel, bounded above (the BLA radii need it).
pub(crate) fn farthest(offset: ComplexExp, half_extent: RealExp) -> RealExp {
    offset.norm1().add(half_extent)
}
