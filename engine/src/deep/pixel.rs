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

/// Pixels whose δc is below 2^-1000 (about 1e-301) start with exponents; above, doubles
/// hold every δ with at least 2^-64 relative precision down to the subnormals.
pub(crate) const DEEP_BELOW_LOG2: i64 = -1000;
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
}

#[derive(Debug, Clone, Copy)]
struct State {
    which: usize,
    m: usize,
    n: u32,
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

    /// The pixel at `dc` from the reference point.
    // Escape tests are `!(norm <= r2)` throughout: a NaN (overflow) counts as escaped.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(crate) fn pixel(&self, dc: ComplexExp) -> Outcome {
        let mut st = State { which: MAIN, m: 0, n: 0 };
        let (mut dx, dcx) = if self.julia { (dc, ComplexExp::ZERO) } else { (ComplexExp::ZERO, dc) };
        if self.julia {
            let z0 = self.orbits[MAIN].z[0];
            let (dr, di) = dc.to_f64();
            let (x, y) = (z0[0] + dr, z0[1] + di);
            let norm = x * x + y * y;
            if !(norm <= self.r2) {
                return self.escaped(0, norm);
            }
        }
        let deep = dc.exponent() < DEEP_BELOW_LOG2;
        let (dcr, dci) = dcx.to_f64();
        let dc64 = [dcr, dci];
        let mut with_exp = deep;
        loop {
            if with_exp {
                match self.run_exp(&mut st, &mut dx, dcx) {
                    Exit::Done(o) => return o,
                    Exit::Switch => with_exp = false,
                }
            } else {
                let (r, i) = dx.to_f64();
                let mut d = [r, i];
                match self.run64(&mut st, &mut d, dc64, deep) {
                    Exit::Done(o) => return o,
                    Exit::Switch => {
                        dx = ComplexExp::from_f64(d[0], d[1]);
                        with_exp = true;
                    }
                }
            }
        }
    }

    /// Iterates in doubles until done, or (for `deep` pixels) until δ is too small for them.
    #[inline(never)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn run64(&self, st: &mut State, d: &mut [f64; 2], dc: [f64; 2], deep: bool) -> Exit {
        let dc_step = if self.julia { [0.0, 0.0] } else { dc };
        loop {
            if st.n >= self.n_max {
                return Exit::Done(self.interior());
            }
            let orbit = self.orbits[st.which];
            if st.m + 1 >= orbit.len() {
                // The reference ended (escaped): continue from the critical point.
                let z = orbit.z[st.m];
                *d = [z[0] + d[0], z[1] + d[1]];
                st.m = 0;
                st.which = CRITICAL;
                continue;
            }
            let remaining = self.n_max - st.n;
            let d1 = d[0].abs() + d[1].abs();
            match self.blas[st.which].lookup64(st.m, d1, remaining) {
                Some((s, l)) => {
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
                    *d = [tr * d[0] - ti * d[1] + dc_step[0], tr * d[1] + ti * d[0] + dc_step[1]];
                    st.m += 1;
                    st.n += 1;
                }
            }
            let z = orbit.z[st.m];
            let (x, y) = (z[0] + d[0], z[1] + d[1]);
            let norm = x * x + y * y;
            if !(norm <= self.r2) {
                return Exit::Done(self.escaped(st.n, norm));
            }
            let d_inf = d[0].abs().max(d[1].abs());
            if x.abs().max(y.abs()) < d_inf {
                // Rebase: the pixel is nearer the critical point than the reference.
                *d = [x, y];
                st.m = 0;
                st.which = CRITICAL;
            } else if deep && d_inf < TO_EXP_BELOW {
                return Exit::Switch;
            }
        }
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
