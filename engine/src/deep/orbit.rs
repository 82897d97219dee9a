//! Reference orbits: one point iterated in arbitrary precision, stored as doubles (and
//! doubles with exponents, for values below the range of `f64`).

use super::bigfloat::BigFloat;
use super::floatexp::{ComplexExp, RealExp};
use crate::control::Control;
use crate::error::RenderError;

/// Iterations between cancellation checks while computing an orbit.
const CHECK_EVERY: usize = 1024;

/// The iterates `Z_0, Z_1, …` of one point, rounded from arbitrary precision.
#[derive(Debug, Clone)]
pub(crate) struct Orbit {
    /// As doubles: what the per-pixel loop reads while values are in range.
    pub(crate) z: Vec<[f64; 2]>,
    /// The same values with a separate exponent: exact even where `z` underflows (a
    /// reference that passes within 1e-400 of zero).
    pub(crate) zx: Vec<ComplexExp>,
    /// Whether the orbit stopped because it escaped (it is then complete for any limit).
    pub(crate) escaped: bool,
    /// Where it stopped at a return to (nearly) zero ([`Orbit::compute`]): |Z_n| ÷
    /// |dZ_n/dc|, which must stay below the pixel spacing of the views it serves. Pixels
    /// that reach its end continue from its start, so it too serves any limit.
    pub(crate) returned: Option<RealExp>,
    /// The period of a minibrot whose nucleus seems within [`Ends::nucleus_within`]: the
    /// orbit stopped there, unfinished, for the caller to look for it.
    pub(crate) candidate: Option<usize>,
}

/// Where a Mandelbrot orbit from 0 (power 2) may end before the limit, besides escaping.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ends {
    /// End after the first `Z_n` (n ≥ 1) below |dZ_n/dc| × this: a return to zero.
    pub(crate) return_below: Option<RealExp>,
    /// Stop, as a candidate, at the first n where |Z_n| ÷ |dZ_n/dc| (about the distance
    /// to a nucleus of period n) is below this.
    pub(crate) nucleus_within: Option<RealExp>,
}

impl Orbit {
    /// Iterates `z ← z^power + c` from `z0` at `bits` of precision, keeping up to `len`
    /// values, stopping after the first value with |z|² > `r2`.
    ///
    /// With [`Ends::return_below`] (Mandelbrot orbits from 0, power 2), it also stops after the
    /// first `Z_n` (n ≥ 1) smaller than |dZ_n/dc| × `return_below`: near a minibrot of
    /// period p, `Z_p` is nearly 0 again. Pixels reaching the end of an orbit continue
    /// from its start with δ ← Z_n + δ (a rebase, exact); rounding Z_n + δ costs no more
    /// than a rebase's own rounding when |Z_n| is below the pixels' δ, about
    /// |dZ_n/dc|·|δc| — hence the bound, with `return_below` at most the pixel spacing.
    /// One period instead of the whole limit: milliseconds instead of seconds of
    /// arbitrary precision, and approximation tables that stay in cache (Fractalshades
    /// does the same).
    // `!(norm <= r2)` on purpose: an overflowed (NaN) orbit counts as escaped.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(crate) fn compute(
        z0: (&BigFloat, &BigFloat),
        c: (&BigFloat, &BigFloat),
        power: u32,
        len: usize,
        r2: f64,
        ends: Ends,
        control: &Control,
    ) -> Result<Self, RenderError> {
        let mut z = Vec::with_capacity(len.min(1 << 24));
        let mut zx = Vec::with_capacity(len.min(1 << 24));
        let (mut re, mut im) = (z0.0.clone(), z0.1.clone());
        let mut escaped = false;
        let mut returned = None;
        let mut candidate = None;
        // dZ/dc, with an exponent (it grows like the inverse of the depth).
        let mut dz_dc = ComplexExp::ZERO;
        let one = ComplexExp::from_f64(1.0, 0.0);
        for i in 0..len {
            let x = read(&re, &im);
            let (fr, fi) = x.to_f64();
            z.push([fr, fi]);
            zx.push(x);
            let norm = fr * fr + fi * fi;
            if !(norm <= r2) {
                escaped = true;
                break;
            }
            if ends.return_below.is_some() || ends.nucleus_within.is_some() {
                let size = x.norm_inf().div(dz_dc.norm_inf());
                if i > 0 && ends.return_below.is_some_and(|below| size.lt(below)) {
                    returned = Some(size);
                    break;
                }
                if i > 0 && ends.nucleus_within.is_some_and(|within| size.lt(within)) {
                    candidate = Some(i);
                    break;
                }
                dz_dc = ComplexExp::new(2.0 * x.re, 2.0 * x.im, x.e).mul(dz_dc).add(one);
            }
            if i + 1 == len {
                break;
            }
            (re, im) = step(&re, &im, c, power);
            if i % CHECK_EVERY == 0 && control.is_cancelled() {
                return Err(RenderError::Cancelled);
            }
        }
        Ok(Self { z, zx, escaped, returned, candidate })
    }

    /// Number of stored values.
    pub(crate) fn len(&self) -> usize {
        self.z.len()
    }
}

/// A complex arbitrary-precision value as a double with exponent.
pub(crate) fn read(re: &BigFloat, im: &BigFloat) -> ComplexExp {
    let (mr, er) = re.to_mantissa_exp();
    let (mi, ei) = im.to_mantissa_exp();
    let e = er.max(ei);
    ComplexExp::new(super::floatexp::ldexp(mr, er - e), super::floatexp::ldexp(mi, ei - e), e)
}

/// `z^power + c` in arbitrary precision.
fn step(re: &BigFloat, im: &BigFloat, c: (&BigFloat, &BigFloat), power: u32) -> (BigFloat, BigFloat) {
    if power == 2 {
        let rr = re.mul(re);
        let ii = im.mul(im);
        let ri = re.mul(im);
        return (rr.sub(&ii).add(c.0), ri.add(&ri).add(c.1));
    }
    let (mut wr, mut wi) = (re.clone(), im.clone());
    for _ in 1..power {
        let nr = wr.mul(re).sub(&wi.mul(im));
        let ni = wr.mul(im).add(&wi.mul(re));
        (wr, wi) = (nr, ni);
    }
    (wr.add(c.0), wi.add(c.1))
}
