//! The rescaled path of the per-pixel loop (δc below about 1e-271): δ = w·2^s with one
//! scale per pixel, and the stretches where δ itself needs a separate exponent. Apart
//! from the plain-doubles loop in the parent module so that each stays small enough to
//! read; they share its lane, state and outcome types.

use super::super::bla::Bla;
use super::super::floatexp::ComplexExp;
use super::super::newton::Rebases;
use super::super::orbit::Orbit;
use super::{CRITICAL, Context, Exit, Lane, Op, Outcome, State, TO_SCALED_ABOVE_LOG2, W_LOW, norm_inf};

impl Context<'_> {
    /// [`Context::finish`] of a rescaled lane (and its stretches with exponents).
    #[inline(always)]
    pub(super) fn finish_scaled(&self, mut lane: Lane) -> Outcome {
        // Rescaled lanes never try Newton's method: no rebase history is kept.
        let mut rebases = Rebases::default();
        loop {
            let op = self.op_scaled(&mut lane);
            if let Err(o) = self.settle::<true>(&mut lane, op, &mut rebases) {
                return o;
            }
        }
    }

    /// [`Context::head64`] for a rescaled lane.
    #[inline(always)]
    pub(super) fn head_scaled(&self, lane: &mut Lane) -> Option<Op> {
        if lane.st.n >= self.n_max {
            return Some(Op::Done(self.interior()));
        }
        let orbit = self.orbits[lane.st.which];
        if lane.st.m + 1 >= orbit.len() {
            // The reference ended (escaped, or returned near zero): continue from the
            // critical point — a rebase like any other.
            let d = orbit.zx[lane.st.m].add(lane.delta());
            lane.st.m = 0;
            lane.st.which = CRITICAL;
            return Some(match self.rescaled(lane, d) {
                Op::Continue => Op::Rebased,
                op => op,
            });
        }
        None
    }

    /// [`Context::op64`] for a rescaled lane: δ = w·2^s, so the step is
    /// w ← (2Z + 2^s·w)·w + δc/2^s and a skip w ← A·w + B·δc/2^s; s changes only at
    /// rebases and when w falls below [`W_LOW`] (the stretch ends there).
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn op_scaled(&self, lane: &mut Lane) -> Op {
        if let Some(op) = self.head_scaled(lane) {
            return op;
        }
        let orbit = self.orbits[lane.st.which];
        let bla = self.blas[lane.st.which];
        let (scale, dc, dc_step) = (lane.scale, lane.dc, lane.dc_step);
        let last = (orbit.len() - 1).min(lane.st.m + (self.n_max - lane.st.n) as usize);
        let (m0, n0) = (lane.st.m, lane.st.n);
        loop {
            let (m, w) = (lane.st.m, lane.w);
            let d1 = (w[0].abs() + w[1].abs()) * scale;
            if d1 < bla.radius0(m) {
                let (s, l) = bla.skip64(m, d1, (last - m) as u32);
                lane.w = [
                    s.a[0] * w[0] - s.a[1] * w[1] + (s.b[0] * dc[0] - s.b[1] * dc[1]),
                    s.a[0] * w[1] + s.a[1] * w[0] + (s.b[0] * dc[1] + s.b[1] * dc[0]),
                ];
                lane.st.m = m + l as usize;
            } else {
                // w ← (2Z + 2^s·w)·w + δc/2^s
                let z = bla.node(m).z;
                let (tr, ti) = (2.0 * z[0] + scale * w[0], 2.0 * z[1] + scale * w[1]);
                lane.w = [tr * w[0] - ti * w[1] + dc_step[0], tr * w[1] + ti * w[0] + dc_step[1]];
                lane.st.m = m + 1;
            }
            lane.st.n = n0 + (lane.st.m - m0) as u32;
            if let Some(op) = self.test_scaled(lane, orbit, bla) {
                return op;
            }
            if lane.st.m >= last {
                return Op::Continue;
            }
        }
    }

    /// The escape, rebase and rescaling tests after a step of a rescaled lane: `Some`
    /// when the pixel escaped, rebased or was rescaled.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(super) fn test_scaled(&self, lane: &mut Lane, orbit: &Orbit, bla: &Bla) -> Option<Op> {
        let (m, w, scale) = (lane.st.m, lane.w, lane.scale);
        let z = bla.node(m).z;
        let (x, y) = (z[0] + scale * w[0], z[1] + scale * w[1]);
        let norm = x * x + y * y;
        if !(norm <= self.r2) {
            return Some(Op::Done(self.escaped(lane.st.n, norm)));
        }
        let w_inf = norm_inf(w);
        if norm_inf([x, y]) < w_inf * scale {
            // Rebase: the pixel is nearer the critical point than the reference (exactly,
            // with exponents: both may be far below doubles' range here).
            let d = orbit.zx[m].add(lane.delta());
            lane.st.m = 0;
            lane.st.which = CRITICAL;
            return Some(match self.rescaled(lane, d) {
                Op::Continue => Op::Rebased,
                op => op,
            });
        }
        if !(w_inf >= W_LOW) {
            let d = lane.delta();
            return Some(self.rescaled(lane, d));
        }
        None
    }

    /// Puts δ = `d` back into a rescaled lane; [`Op::Switch`] when it needs exponents.
    #[inline(always)]
    fn rescaled(&self, lane: &mut Lane, d: ComplexExp) -> Op {
        let (l, op) = self.rescaled_copy(*lane, d);
        *lane = l;
        op
    }

    /// [`Context::rescaled`] on a copy (so that the lane's address never escapes).
    #[cold]
    #[inline(never)]
    fn rescaled_copy(&self, mut lane: Lane, d: ComplexExp) -> (Lane, Op) {
        let op = if lane.set_delta(d, self.julia) { Op::Continue } else { Op::Switch };
        (lane, op)
    }

    /// Iterates with exponents until done or until δ fits doubles.
    #[inline(never)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(super) fn run_exp(&self, st: &mut State, d: &mut ComplexExp, dc: ComplexExp) -> Exit {
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
            if d.exponent() > TO_SCALED_ABOVE_LOG2 {
                return Exit::Switch;
            }
        }
    }
}
