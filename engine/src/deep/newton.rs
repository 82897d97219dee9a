//! Interior pixels proven by Newton's method on their attracting cycle.
//!
//! Inside a minibrot the pixel's orbit converges to an attracting cycle, but slowly
//! (|multiplier| near 1: 0.96 a period inside the bench's period-14,292 minibrot), so
//! its doubles seldom settle into the exact repetition [`super::cycle`] waits for, and
//! thresholds on the derivative mislead (at depth the orbit passes near zero and the
//! derivative dips for exterior pixels too). Its rebases tell the period, though: they
//! come at multiples of it. Newton's method on g(z) = f_c^p(z) − z from the pixel's
//! current z then finds the cycle's point z* in a handful of evaluations, and the
//! multiplier λ = (f_c^p)'(z*) says whether that cycle attracts. A quadratic polynomial
//! with an attracting cycle has c in the Mandelbrot set's interior (the critical orbit
//! is attracted to it), so the pixel never escapes: it ends with the interior outcome,
//! the count it would reach at the limit. When Newton does not converge, or the cycle it
//! finds does not attract with a margin, nothing changes: the pixel runs on as before.
//!
//! f_c^p and its derivative are evaluated as the pixel loop computes its own orbit: by
//! perturbation along the critical orbit from index 0 (where a rebased δ is the pixel's
//! z), with the same approximation tables and rebases, the derivative following each
//! step (d ← 2(Z_m + δ)·d) and each skip (d ← A·d).
//!
//! Only Mandelbrot pixels on plain doubles try it: a Julia cycle's existence does not
//! prove that one point is attracted to it, and the rescaled paths are left as they are.

use super::pixel::{CRITICAL, Context};

/// Rebases before the first attempt: enough for the last intervals to show the period.
/// With a reference of one period (a minibrot's nucleus) every pixel rebases once per
/// period, so exterior pixels would pay for early attempts: on Fractalshades' minibrot
/// view (1M iterations) 16 took 6.35 CPU-s, 8 7.20, 12 6.41, 24 6.45, 32 6.69.
const FIRST_TRY: u32 = 16;
/// Intervals whose greatest common divisor is the candidate period.
const INTERVALS: usize = 4;
/// Newton iterations at most per attempt (it converges in a few or not at all).
const MAX_NEWTON: u32 = 12;
/// Converged when the step is below this fraction of |z|.
const STEP_REL: f64 = 1e-9;
/// Near enough to judge the cycle by the derivative at z.
const NEAR_REL: f64 = 1e-3;
/// |λ| must be below 1 by this margin: far above the tables' error (2^-24 a skip).
const MARGIN: f64 = 1e-3;

/// The iteration counts of a pixel's last rebases, for its candidate period.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rebases {
    /// `n` at the last [`INTERVALS`] + 1 rebases, oldest first once full.
    at: [u32; INTERVALS + 1],
    /// Rebases so far.
    count: u32,
    /// The rebase count of the next attempt.
    next_try: u32,
}

impl Rebases {
    /// Records a rebase at iteration `n`: a candidate period when it is time to try
    /// (at [`FIRST_TRY`] rebases, then at each doubling, so that exterior pixels with
    /// many rebases pay for a few attempts only).
    #[inline]
    pub(crate) fn record(&mut self, n: u32) -> Option<u32> {
        self.at.copy_within(1.., 0);
        self.at[INTERVALS] = n;
        self.count += 1;
        if self.count < self.next_try.max(FIRST_TRY) {
            return None;
        }
        self.next_try = self.count * 2;
        let period = self.at.windows(2).map(|w| w[1] - w[0]).fold(0, gcd);
        (period > 0).then_some(period)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Context<'_> {
    /// Whether the Mandelbrot pixel at `dc` (on plain doubles, just rebased to z = `z`)
    /// has an attracting cycle of period dividing `period`, found by Newton's method
    /// from `z` — then it is interior.
    #[cold]
    #[inline(never)]
    pub(crate) fn attracting_cycle(&self, z: [f64; 2], dc: [f64; 2], period: u32) -> bool {
        let mut z = z;
        for _ in 0..MAX_NEWTON {
            let Some((fz, d)) = self.cycle_map(z, dc, period) else { return false };
            let g = [fz[0] - z[0], fz[1] - z[1]];
            let dg = [d[0] - 1.0, d[1]];
            let den = dg[0] * dg[0] + dg[1] * dg[1];
            if !(den > 0.0 && den.is_finite()) {
                return false;
            }
            // step = g / (d − 1)
            let step = [(g[0] * dg[0] + g[1] * dg[1]) / den, (g[1] * dg[0] - g[0] * dg[1]) / den];
            z = [z[0] - step[0], z[1] - step[1]];
            let (s2, z2) = (step[0] * step[0] + step[1] * step[1], z[0] * z[0] + z[1] * z[1]);
            if !(s2.is_finite() && z2.is_finite()) {
                return false;
            }
            if s2 <= NEAR_REL * NEAR_REL * z2 && d[0] * d[0] + d[1] * d[1] >= 1.0 {
                // Near a cycle that repels (exterior pixels near the minibrot's edge).
                return false;
            }
            if s2 <= STEP_REL * STEP_REL * z2 {
                // The multiplier at the converged point.
                let Some((_, d)) = self.cycle_map(z, dc, period) else { return false };
                let limit = 1.0 - MARGIN;
                return d[0] * d[0] + d[1] * d[1] < limit * limit;
            }
        }
        false
    }

    /// f_c^`period`(z) and its z-derivative, by perturbation along the critical orbit
    /// from index 0 (Z_0 = 0, so δ starts as z); `None` when the orbit escapes.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn cycle_map(&self, z: [f64; 2], dc: [f64; 2], period: u32) -> Option<([f64; 2], [f64; 2])> {
        let orbit = self.orbits[CRITICAL];
        let bla = self.blas[CRITICAL];
        let (mut m, mut n) = (0usize, 0u32);
        let mut delta = z;
        let mut der = [1.0f64, 0.0];
        let mul = |a: [f64; 2], b: [f64; 2]| [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
        while n < period {
            if m + 1 >= orbit.len() {
                // The reference ended: continue from its start, as the pixel loop does.
                let zm = orbit.z[m];
                delta = [zm[0] + delta[0], zm[1] + delta[1]];
                m = 0;
                continue;
            }
            let d1 = delta[0].abs() + delta[1].abs();
            if let Some((s, l)) = bla.lookup64(m, d1, period - n) {
                let (ad, bc) = (mul(s.a, delta), mul(s.b, dc));
                delta = [ad[0] + bc[0], ad[1] + bc[1]];
                der = mul(s.a, der);
                m += l as usize;
                n += l;
            } else {
                let zm = bla.node(m).z;
                let full = [zm[0] + delta[0], zm[1] + delta[1]];
                der = mul([2.0 * full[0], 2.0 * full[1]], der);
                let t = mul([2.0 * zm[0] + delta[0], 2.0 * zm[1] + delta[1]], delta);
                delta = [t[0] + dc[0], t[1] + dc[1]];
                m += 1;
                n += 1;
            }
            let zm = bla.node(m).z;
            let (x, y) = (zm[0] + delta[0], zm[1] + delta[1]);
            if !(x * x + y * y <= self.r2) {
                return None;
            }
            if x.abs().max(y.abs()) < delta[0].abs().max(delta[1].abs()) {
                delta = [x, y];
                m = 0;
            }
        }
        let zm = bla.node(m).z;
        Some(([zm[0] + delta[0], zm[1] + delta[1]], der))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::pixel::Isa;
    use super::super::{ReferenceOrbit, Variant, render_window};
    use super::*;
    use crate::control::Control;
    use crate::fractal::Fractal;
    use crate::location::{Center, Location, Scale};
    use crate::render::Window;

    /// Near the period-14,292 minibrot of scripts/bench-deep.sh's view b, whose interior
    /// pixels converge too slowly for [`super::super::cycle`]: Newton ends most of them,
    /// and every pixel keeps the count and value of the full computation.
    #[test]
    fn interior_pixels_proven_by_newton_are_those_of_the_full_computation() {
        let center = Center::parse(
            "-1.9072475829123560219806014933444037282313",
            "7.54605431570315771754553123674989535657416e-16",
        )
        .unwrap();
        let location = Location::new(center, Scale::parse("3.660343578223062e-32").unwrap());
        let (w, h, limit) = (32, 18, 1_000_000);
        let control = Control::new();
        let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, limit, &control).unwrap();
        let proven = AtomicU64::new(0);
        let render = |newton| {
            let variant = Variant { cycles: false, newton, isa: Isa::Baseline, proven: Some(&proven) };
            render_window(&orbit, &location, (w, h), Window::full(w, h), limit, &control, variant).unwrap()
        };
        let full = render(false);
        assert_eq!(proven.load(Ordering::Relaxed), 0);
        let early = render(true);
        assert_eq!(full.counts(), early.counts());
        assert_eq!(full.norms(), early.norms());
        let interior = full.norms().iter().filter(|n| **n < 0.0).count() as u64;
        let proven = proven.load(Ordering::Relaxed);
        assert!(interior > 0 && interior < u64::from(w * h), "{interior} interior pixels");
        assert!(proven * 2 > interior && proven <= interior, "{proven} of {interior} proven by Newton");
    }

    #[test]
    fn the_period_is_the_gcd_of_the_last_intervals_tried_at_doubling_counts() {
        let mut r = Rebases::default();
        // Intervals 200, 300, 200, 500, …: any four have the gcd 100.
        let intervals = [200, 300, 200, 500];
        let mut n = 0;
        let mut tries = Vec::new();
        for k in 0..2 * FIRST_TRY + 1 {
            if let Some(p) = r.record(n) {
                tries.push((k + 1, p));
            }
            n += intervals[k as usize % 4];
        }
        // At FIRST_TRY rebases, then at twice as many.
        assert_eq!(tries, vec![(FIRST_TRY, 100), (2 * FIRST_TRY, 100)]);
    }
}
