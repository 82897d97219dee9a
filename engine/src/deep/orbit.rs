//! Reference orbits: one point iterated in arbitrary precision, stored as doubles (and
//! doubles with exponents, for values below the range of `f64`).

use super::bigfloat::BigFloat;
use super::floatexp::ComplexExp;
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
}

impl Orbit {
    /// Iterates `z ← z^power + c` from `z0` at `bits` of precision, keeping up to `len`
    /// values, stopping after the first value with |z|² > `r2`.
    // `!(norm <= r2)` on purpose: an overflowed (NaN) orbit counts as escaped.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(crate) fn compute(
        z0: (&BigFloat, &BigFloat),
        c: (&BigFloat, &BigFloat),
        power: u32,
        len: usize,
        r2: f64,
        control: &Control,
    ) -> Result<Self, RenderError> {
        let mut z = Vec::with_capacity(len.min(1 << 24));
        let mut zx = Vec::with_capacity(len.min(1 << 24));
        let (mut re, mut im) = (z0.0.clone(), z0.1.clone());
        let mut escaped = false;
        for i in 0..len {
            let (mr, er) = re.to_mantissa_exp();
            let (mi, ei) = im.to_mantissa_exp();
            let e = er.max(ei);
            let x = ComplexExp::new(super::floatexp::ldexp(mr, er - e), super::floatexp::ldexp(mi, ei - e), e);
            let (fr, fi) = x.to_f64();
            z.push([fr, fi]);
            zx.push(x);
            let norm = fr * fr + fi * fi;
            if !(norm <= r2) {
                escaped = true;
                break;
            }
            if i + 1 == len {
                break;
            }
            (re, im) = step(&re, &im, c, power);
            if i % CHECK_EVERY == 0 && control.is_cancelled() {
                return Err(RenderError::Cancelled);
            }
        }
        Ok(Self { z, zx, escaped })
    }

    /// Number of stored values.
    pub(crate) fn len(&self) -> usize {
        self.z.len()
    }
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
