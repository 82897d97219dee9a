//! The centre (nucleus) of a minibrot near a deep view, by Newton's method.
//!
//! A reference at a nucleus of period p returns to exactly zero after p iterations, so
//! its orbit need only be one period long ([`super::orbit::Orbit::compute`]): near a
//! minibrot that is thousands of iterations of arbitrary precision instead of the whole
//! iteration limit, and approximation tables of a few megabytes that stay in cache
//! instead of hundreds read at random. Fractalshades and Kalles Fraktaler do the same.

use super::bigfloat::BigFloat;
use super::floatexp::{ComplexExp, RealExp};
use super::orbit::read;
use crate::control::Control;
use crate::error::RenderError;

/// Newton steps tried before giving up (each gains at least the 53 bits of the doubles
/// its step is computed in, so a few dozen cover any precision used).
const MAX_STEPS: usize = 64;

/// Iterations between cancellation checks.
const CHECK_EVERY: usize = 1024;

/// The root of `Z_period(c) = 0` that Newton's method reaches from `c`, if it converges
/// to `bits` of precision within `within` of `c` (on each axis).
pub(crate) fn find(
    c: (&BigFloat, &BigFloat),
    period: usize,
    bits: usize,
    within: RealExp,
    control: &Control,
) -> Result<Option<(BigFloat, BigFloat)>, RenderError> {
    let (mut re, mut im) = (c.0.clone(), c.1.clone());
    // Converged once a step is below |c|·2^-(bits − 8) (|c| ≤ 2 for any nucleus).
    let tiny = RealExp::new(1.0, 9 - bits as i64);
    let mut moved = ComplexExp::ZERO;
    for _ in 0..MAX_STEPS {
        let (z, dz) = orbit_and_derivative((&re, &im), period, bits, control)?;
        let step = divide(z, dz);
        let (sr, si) = (to_big(step.re, step.e, bits), to_big(step.im, step.e, bits));
        re = re.sub(&sr);
        im = im.sub(&si);
        moved = moved.add(ComplexExp::new(-step.re, -step.im, step.e));
        if !moved.norm_inf().lt(within) || !step.re.is_finite() || !step.im.is_finite() {
            return Ok(None);
        }
        if step.norm_inf().lt(tiny) {
            return Ok(Some((re, im)));
        }
    }
    Ok(None)
}

/// `Z_period(c)` (arbitrary precision, read as a double with exponent) and its
/// derivative in c (doubles with exponent suffice for a Newton step).
fn orbit_and_derivative(
    c: (&BigFloat, &BigFloat),
    period: usize,
    bits: usize,
    control: &Control,
) -> Result<(ComplexExp, ComplexExp), RenderError> {
    let (mut re, mut im) = (BigFloat::from_f64(0.0, bits), BigFloat::from_f64(0.0, bits));
    let mut dz = ComplexExp::ZERO;
    let one = ComplexExp::from_f64(1.0, 0.0);
    for i in 0..period {
        let z = read(&re, &im);
        dz = ComplexExp::new(2.0 * z.re, 2.0 * z.im, z.e).mul(dz).add(one);
        let (rr, ii, ri) = (re.mul(&re), im.mul(&im), re.mul(&im));
        (re, im) = (rr.sub(&ii).add(c.0), ri.add(&ri).add(c.1));
        if i % CHECK_EVERY == 0 && control.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
    }
    Ok((read(&re, &im), dz))
}

/// `a / b` (zero when b is zero: no step).
fn divide(a: ComplexExp, b: ComplexExp) -> ComplexExp {
    let d = b.re * b.re + b.im * b.im;
    if d == 0.0 {
        return ComplexExp::ZERO;
    }
    let (re, im) = ((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
    ComplexExp::new(re, im, a.e - b.e)
}

/// `m × 2^e` exactly.
fn to_big(m: f64, e: i64, bits: usize) -> BigFloat {
    BigFloat::from_f64(m, bits).scaled(e)
}
