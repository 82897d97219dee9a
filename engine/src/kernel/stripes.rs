//! Stripe average colouring (Härkönen, "On smooth fractal coloring techniques", 2007):
//! the average over the orbit of `t(z) = ½ + ½ sin(5 arg z)`, which draws smooth
//! stripes that follow the set's filaments. Per pixel the kernel keeps one value in
//! 0..=1, already blended between the averages up to the last two states by the smooth
//! escape value's fraction, so it is continuous where the escape count steps.
//!
//! It runs on the scalar orbit kernel beside the derivative (see [`super::derivative`]),
//! for the same reason: the fast escape kernels keep their speed and exact results. The
//! z update is the formulas' own, so escape counts and |z|² equal the derivative
//! kernel's.

use super::derivative::Cycle;
use super::formula::{Formula, Setup};
use super::simd::{Scalar, Simd};

/// `t(z) = ½ + ½ sin(5 arg z)`, as `½ + ½ Im(z⁵) / |z|⁵` (no trigonometry per step);
/// ½ at 0 or when the powers overflow.
#[inline(always)]
fn stripe(x: f64, y: f64, norm: f64) -> f64 {
    let (x2, y2) = (x * x - y * y, 2.0 * x * y);
    let (x4, y4) = (x2 * x2 - y2 * y2, 2.0 * x2 * y2);
    let im5 = x4 * y + y4 * x;
    let t = 0.5 + 0.5 * im5 / (norm * norm * norm.sqrt());
    if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 }
}

/// The stripe value of a pixel that escaped at state `n` ≥ 1 with |z|² = `norm`, from
/// the sum of `t` over states 1..=n and the last term: the averages over states 1..=n
/// and 1..n blended by the smooth value's fraction (1 − log_p(ln|z| / ln R)).
#[inline]
fn blend(setup: &Setup, sum: f64, last: f64, n: u32, norm: f64) -> f64 {
    let a_n = sum / f64::from(n);
    let a_before = if n > 1 { (sum - last) / f64::from(n - 1) } else { a_n };
    let d = 1.0 - (0.5 * norm.ln() / setup.ln_r).ln() / setup.ln_power;
    let d = if d.is_finite() { d.clamp(0.0, 1.0) } else { 1.0 };
    a_before + (a_n - a_before) * d
}

/// One pixel: (count, |z|² or −1, `[stripe value, 0]`, updates performed).
#[inline(always)]
pub(super) fn pixel<F: Formula>(f: F, setup: &Setup, px: f64, py: f64) -> (u32, f32, [f32; 2], u64) {
    let s = Scalar;
    let interior = setup.interior();
    let (mut x, mut y, cx, cy) = setup.start(px, py);
    if setup.known_interior(cx, cy) {
        return (interior.count, interior.norm, [0.0; 2], 0);
    }
    let norm = x * x + y * y;
    if setup.escaped(x, y, norm) {
        return (0, norm as f32, [stripe(x, y, norm) as f32, 0.0], 0);
    }
    let mut cycle = Cycle::new(x, y);
    let mut sum = 0.0;
    for j in 1..setup.limit {
        (x, y) = f.step(s, x, y, cx, cy);
        let norm = s.mul_add(x, x, s.mul(y, y));
        let t = stripe(x, y, norm);
        sum += t;
        if setup.escaped(x, y, norm) {
            return (j, norm as f32, [blend(setup, sum, t, j, norm) as f32, 0.0], u64::from(j));
        }
        if cycle.repeats(setup, j, x, y) {
            return (interior.count, interior.norm, [0.0; 2], u64::from(j));
        }
    }
    (interior.count, interior.norm, [0.0; 2], u64::from(setup.limit - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stripe_term_is_half_plus_half_the_sine_of_five_times_the_argument() {
        for angle in [0.0_f64, 0.3, 1.0, 2.5, -1.2, 3.0] {
            let r = 7.0;
            let (x, y) = (r * angle.cos(), r * angle.sin());
            let want = 0.5 + 0.5 * (5.0 * angle).sin();
            assert!((stripe(x, y, x * x + y * y) - want).abs() < 1e-12, "angle {angle}");
        }
        assert_eq!(stripe(0.0, 0.0, 0.0), 0.5);
    }
}
