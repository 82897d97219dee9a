//! Doubles with a separate exponent, for deltas and approximation coefficients beyond
//! the range of `f64` (views deeper than about 1e-300).
//!
//! A complex value shares one exponent between its two parts: one normalisation per
//! operation instead of two, and the parts of a delta are of similar size anyway.

/// Exponent given to zero: far below any real value, so aligning to it drops it.
const ZERO_EXP: i64 = -(1 << 50);

/// `m × 2^e` for any `e`, flushing below the smallest subnormal and saturating above.
#[inline]
pub(crate) fn ldexp(m: f64, e: i64) -> f64 {
    if m == 0.0 || e < -1200 {
        return m * 0.0;
    }
    if e > 1100 {
        return m * f64::INFINITY;
    }
    // Two steps so that neither factor leaves the normal range.
    let half = e / 2;
    m * pow2(half as i32) * pow2((e - half) as i32)
}

/// 2^k for k in −1022..=1023, built from its bits.
#[inline(always)]
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// The binary exponent of a normal, nonzero double (`x = m × 2^exponent`, m in [1, 2)).
#[inline(always)]
fn exponent_of(x: f64) -> i64 {
    ((x.to_bits() >> 52) & 0x7ff) as i64 - 1023
}

/// A real number `m × 2^e`, `m` in [1, 2) or zero: radii and magnitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RealExp {
    m: f64,
    e: i64,
}

impl RealExp {
    pub(crate) const ZERO: Self = Self { m: 0.0, e: ZERO_EXP };

    /// From a double (finite; infinities and NaN become zero so that a radius built from
    /// an overflow is never trusted).
    pub(crate) fn from_f64(x: f64) -> Self {
        Self::new(x, 0)
    }

    /// `m × 2^e`, normalised.
    #[inline]
    pub(crate) fn new(m: f64, e: i64) -> Self {
        if m == 0.0 || !m.is_finite() {
            return Self::ZERO;
        }
        if !m.is_normal() {
            return Self::new(m * pow2(600), e - 600);
        }
        let k = exponent_of(m);
        if k > 1000 {
            return Self::new(m * pow2(-600), e + 600);
        }
        Self { m: m * pow2(-k as i32), e: e + k }
    }

    pub(crate) fn mul(self, o: Self) -> Self {
        Self::new(self.m * o.m, self.e + o.e)
    }

    pub(crate) fn add(self, o: Self) -> Self {
        let (big, small) = if self.e >= o.e { (self, o) } else { (o, self) };
        if big.m == 0.0 {
            return small;
        }
        Self::new(big.m + ldexp(small.m, small.e - big.e), big.e)
    }

    pub(crate) fn sub(self, o: Self) -> Self {
        self.add(Self { m: -o.m, e: o.e })
    }

    /// `self / o` (o nonzero; zero otherwise).
    pub(crate) fn div(self, o: Self) -> Self {
        if o.m == 0.0 {
            return Self::ZERO;
        }
        Self::new(self.m / o.m, self.e - o.e)
    }

    pub(crate) fn min(self, o: Self) -> Self {
        if self.lt(o) { self } else { o }
    }

    /// max(self, 0).
    pub(crate) fn max0(self) -> Self {
        if self.m > 0.0 { self } else { Self::ZERO }
    }

    /// `self < o`.
    #[inline]
    pub(crate) fn lt(self, o: Self) -> bool {
        match (self.m > 0.0, o.m > 0.0) {
            (true, true) => self.e < o.e || (self.e == o.e && self.m < o.m),
            (false, true) => true,
            (_, false) => {
                if self.m < 0.0 && o.m < 0.0 {
                    self.e > o.e || (self.e == o.e && self.m < o.m)
                } else {
                    self.m < o.m
                }
            }
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        ldexp(self.m, self.e)
    }

    /// `(m, e)`: the value is `m × 2^e`.
    pub(crate) fn to_parts(self) -> (f64, i64) {
        (self.m, self.e)
    }

    /// log2 of the value (−inf for zero).
    pub(crate) fn log2(self) -> f64 {
        if self.m <= 0.0 { f64::NEG_INFINITY } else { self.m.log2() + self.e as f64 }
    }
}

/// A complex number `(re + i·im) × 2^e` with max(|re|, |im|) in [1, 2), or zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ComplexExp {
    pub(crate) re: f64,
    pub(crate) im: f64,
    pub(crate) e: i64,
}

impl ComplexExp {
    pub(crate) const ZERO: Self = Self { re: 0.0, im: 0.0, e: ZERO_EXP };

    /// `(re + i·im) × 2^e`, normalised.
    #[inline]
    pub(crate) fn new(re: f64, im: f64, e: i64) -> Self {
        let big = re.abs().max(im.abs());
        if big == 0.0 || !big.is_finite() {
            return if big == 0.0 { Self::ZERO } else { Self { re: f64::INFINITY, im: 0.0, e: 0 } };
        }
        if !big.is_normal() {
            return Self::new(re * pow2(600), im * pow2(600), e - 600);
        }
        let k = exponent_of(big);
        if k > 1000 {
            return Self::new(re * pow2(-600), im * pow2(-600), e + 600);
        }
        let s = pow2((-k) as i32);
        Self { re: re * s, im: im * s, e: e + k }
    }

    pub(crate) fn from_f64(re: f64, im: f64) -> Self {
        Self::new(re, im, 0)
    }

    #[inline]
    pub(crate) fn add(self, o: Self) -> Self {
        let (big, small) = if self.e >= o.e { (self, o) } else { (o, self) };
        let d = small.e - big.e;
        if d < -80 {
            return big;
        }
        let s = pow2(d as i32);
        Self::new(big.re + small.re * s, big.im + small.im * s, big.e)
    }

    #[inline]
    pub(crate) fn mul(self, o: Self) -> Self {
        Self::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re, self.e + o.e)
    }

    /// |re| + |im| (≥ the modulus, ≤ √2 × it), as a real with exponent.
    #[inline]
    pub(crate) fn norm1(self) -> RealExp {
        RealExp::new(self.re.abs() + self.im.abs(), self.e)
    }

    /// max(|re|, |im|) as log2-comparable real.
    #[inline]
    pub(crate) fn norm_inf(self) -> RealExp {
        RealExp::new(self.re.abs().max(self.im.abs()), self.e)
    }

    /// The modulus.
    pub(crate) fn abs(self) -> RealExp {
        RealExp::new(self.re.hypot(self.im), self.e)
    }

    /// The nearest doubles (0 below, inf above their range).
    #[inline]
    pub(crate) fn to_f64(self) -> (f64, f64) {
        (ldexp(self.re, self.e), ldexp(self.im, self.e))
    }

    /// The binary exponent of the larger part (very negative for zero).
    #[inline]
    pub(crate) fn exponent(self) -> i64 {
        self.e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_beyond_doubles() {
        let tiny = ComplexExp::new(1.5, -0.5, -4000);
        let p = tiny.mul(tiny);
        assert_eq!(p.e, -8000 + 1);
        assert_eq!((p.re, p.im), (1.0, -0.75));
        let s = tiny.add(ComplexExp::new(0.5, 0.5, -4000));
        assert_eq!((s.re, s.im, s.e), (1.0, 0.0, -3999));
        assert_eq!(tiny.add(ComplexExp::ZERO), tiny);
        assert_eq!(ComplexExp::from_f64(3.0, 4.0).to_f64(), (3.0, 4.0));
        assert_eq!(ComplexExp::from_f64(5e-324, 0.0).to_f64(), (5e-324, 0.0));
        assert_eq!(ldexp(1.0, -1074), 5e-324);
        assert_eq!(ldexp(1.5, 1023), 1.5 * 2f64.powi(1023));
        let r = RealExp::new(3.0, -5000);
        assert!(RealExp::new(1.0, -5000).lt(r) && r.lt(RealExp::new(1.0, -4998)));
        assert!(RealExp::ZERO.lt(r) && !r.lt(RealExp::ZERO));
        assert!((r.div(RealExp::new(1.5, -5001)).to_f64() - 4.0).abs() < 1e-15);
        assert!((r.sub(r.mul(RealExp::from_f64(0.5))).log2() - (1.5f64.log2() - 5000.0)).abs() < 1e-12);
        assert_eq!(RealExp::from_f64(f64::INFINITY), RealExp::ZERO);
    }
}
