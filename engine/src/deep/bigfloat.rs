//! The arbitrary-precision numbers of reference orbits, behind a small wrapper so the
//! library can be swapped.
//!
//! Today: `astro-float-num` (pure Rust, MIT), chosen by measuring the orbit step
//! `z ← z² + c` at 500, 2,000 and 8,000 bits (`cargo bench -p faafo-engine --bench
//! deep_orbit`; figures and the comparison in the README). Only what an orbit needs is
//! here: parse a decimal, add, subtract, multiply, and read the value back as a double
//! with a separate exponent.

use astro_float_num::{BigFloat as Astro, Consts, Radix, RoundingMode};

use super::decimal::Decimal;

/// Rounding of every operation (round to nearest, ties to even: as IEEE doubles).
const RM: RoundingMode = RoundingMode::ToEven;

/// A binary floating-point number with `bits` of precision, chosen per orbit.
#[derive(Debug, Clone)]
pub(crate) struct BigFloat {
    value: Astro,
    bits: usize,
}

impl BigFloat {
    /// `v` exactly (any double fits in 64 bits).
    pub(crate) fn from_f64(v: f64, bits: usize) -> Self {
        Self { value: Astro::from_f64(v, bits.max(64)), bits: bits.max(64) }
    }

    /// The decimal `d`, rounded to `bits`.
    pub(crate) fn from_decimal(d: &Decimal, bits: usize) -> Self {
        let bits = bits.max(64);
        if d.is_zero() {
            return Self::from_f64(0.0, bits);
        }
        let digits: String = d.digits().iter().map(|x| char::from(b'0' + x)).collect();
        let sign = if d.is_negative() { "-" } else { "" };
        let text = format!("{sign}{digits}e{}", d.exponent());
        // Consts caches constants for conversions; building one is cheap (lazy).
        let value = match Consts::new() {
            Ok(mut cc) => Astro::parse(&text, Radix::Dec, bits, RM, &mut cc),
            Err(_) => Astro::from_f64(d.to_f64(), bits),
        };
        Self { value, bits }
    }

    pub(crate) fn add(&self, o: &Self) -> Self {
        Self { value: self.value.add(&o.value, self.bits, RM), bits: self.bits }
    }

    pub(crate) fn sub(&self, o: &Self) -> Self {
        Self { value: self.value.sub(&o.value, self.bits, RM), bits: self.bits }
    }

    pub(crate) fn mul(&self, o: &Self) -> Self {
        Self { value: self.value.mul(&o.value, self.bits, RM), bits: self.bits }
    }

    /// The value × 2^`e`, exactly (an exponent change; saturates far beyond any orbit's
    /// range).
    pub(crate) fn scaled(mut self, e: i64) -> Self {
        if let Some(own) = self.value.exponent() {
            let e = (i64::from(own) + e).clamp(i64::from(i32::MIN / 2), i64::from(i32::MAX / 2));
            self.value.set_exponent(e as i32);
        }
        self
    }

    /// `(m, e)` with value ≈ `m × 2^e`, `m` in [0.5, 1) (or 0): the leading 64 bits of the
    /// mantissa rounded to a double. NaN and infinities (an orbit that overflowed) read as
    /// `(inf, 0)`.
    pub(crate) fn to_mantissa_exp(&self) -> (f64, i64) {
        if self.value.is_zero() {
            return (0.0, 0);
        }
        match self.value.as_raw_parts() {
            Some((words, _, sign, exp, _)) => {
                let top = words.last().copied().unwrap_or(0);
                let m = top as f64 * (1.0 / 18_446_744_073_709_551_616.0);
                (if sign.is_negative() { -m } else { m }, i64::from(exp))
            }
            None => (f64::INFINITY, 0),
        }
    }

    /// The nearest double (0 below the smallest, ±inf above the largest).
    #[cfg(test)]
    pub(crate) fn to_f64(&self) -> f64 {
        let (m, e) = self.to_mantissa_exp();
        super::floatexp::ldexp(m, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_in_doubles_out() {
        for text in ["-0.75", "1e-300", "0.3457038944654144866833131210461589365345969127", "123456789.5"] {
            let d = Decimal::parse(text).unwrap();
            let b = BigFloat::from_decimal(&d, 256);
            assert_eq!(b.to_f64(), d.to_f64(), "{text}");
        }
        // Far below doubles: 1e-1000 keeps its exponent.
        let tiny = BigFloat::from_decimal(&Decimal::parse("1e-1000").unwrap(), 128);
        let (m, e) = tiny.to_mantissa_exp();
        assert!(((m.log2() + e as f64) * std::f64::consts::LOG10_2 + 1000.0).abs() < 1e-9);
    }

    #[test]
    fn arithmetic_keeps_the_bits() {
        // (1 + 2^-200)² - 1 = 2^-199 + 2^-400: visible at 512 bits, lost in doubles.
        let one = BigFloat::from_f64(1.0, 512);
        let x = one.add(&BigFloat::from_f64(2f64.powi(-200), 512));
        let (m, e) = x.mul(&x).sub(&one).to_mantissa_exp();
        assert_eq!((m, e), (0.5, -198));
    }
}
