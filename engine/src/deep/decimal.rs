//! Exact decimal numbers for locations: `±digits × 10^exp` with any number of digits.
//!
//! Centres are kept as the decimal text a person typed or a program wrote, so that a
//! location survives every copy, file and database without drifting. Moving a centre
//! (pan, zoom about a pixel) is an exact decimal addition followed by rounding to the
//! digits the depth needs; nothing here goes through binary floating point except the
//! offsets, which are small and only need to be as precise as a pixel.

use std::cmp::Ordering;

/// Longest significand accepted from text: one million digits is far past any useful
/// depth and keeps parsing of hostile input bounded.
const MAX_DIGITS: usize = 1_000_000;
/// Largest decimal exponent accepted from text.
const MAX_EXPONENT: i64 = 1_000_000_000;

/// `±digits × 10^exp`; `digits` most significant first, no leading or trailing zeros
/// (zero is the empty list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

/// Why a text is not a decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Not of the form `[-+]digits[.digits][e[-+]digits]`.
    Syntax,
    /// More digits or a larger exponent than accepted.
    TooLong,
}

impl Decimal {
    /// Zero.
    pub(crate) fn zero() -> Self {
        Self { negative: false, digits: Vec::new(), exp: 0 }
    }

    /// Parses `[-+]digits[.digits][(e|E)[-+]digits]` (at least one digit in the significand).
    pub(crate) fn parse(text: &str) -> Result<Self, DecimalError> {
        let t = text.trim();
        let (negative, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let exp10: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(DecimalError::Syntax);
                }
                if digits.len() > 12 {
                    return Err(DecimalError::TooLong);
                }
                e.parse().map_err(|_| DecimalError::Syntax)?
            }
        };
        if exp10.abs() > MAX_EXPONENT {
            return Err(DecimalError::TooLong);
        }
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(DecimalError::Syntax);
        }
        if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(DecimalError::Syntax);
        }
        if int_part.len() + frac_part.len() > MAX_DIGITS {
            return Err(DecimalError::TooLong);
        }
        let digits = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
        Ok(Self { negative, digits, exp: exp10 - frac_part.len() as i64 }.normalised())
    }

    /// The shortest decimal that reads back as `v` (finite), exactly as Rust prints it.
    pub(crate) fn from_f64(v: f64) -> Self {
        if !v.is_finite() || v == 0.0 {
            return Self::zero();
        }
        // `{:e}` is the shortest round-trip form, e.g. "-1.2345e-7".
        Self::parse(&format!("{v:e}")).unwrap_or_else(|_| Self::zero())
    }

    /// `self × 10^k`.
    pub(crate) fn shifted(mut self, k: i64) -> Self {
        if !self.digits.is_empty() {
            self.exp += k;
        }
        self
    }

    /// Whether this is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether this is below zero.
    pub(crate) fn is_negative(&self) -> bool {
        self.negative && !self.digits.is_empty()
    }

    /// The significant digits, most significant first.
    pub(crate) fn digits(&self) -> &[u8] {
        &self.digits
    }

    /// The power of ten of the last significant digit.
    pub(crate) fn exponent(&self) -> i64 {
        self.exp
    }

    /// Power of ten of the leading digit (`None` for zero).
    pub(crate) fn leading_power(&self) -> Option<i64> {
        (!self.digits.is_empty()).then(|| self.exp + self.digits.len() as i64 - 1)
    }

    /// The nearest double (Rust's parser rounds correctly); ±0 or ±inf out of range.
    pub(crate) fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        if let Some(p) = self.leading_power() {
            if p < -400 {
                return if self.negative { -0.0 } else { 0.0 };
            }
            if p > 400 {
                return if self.negative { f64::NEG_INFINITY } else { f64::INFINITY };
            }
        }
        // At most 40 digits matter for the nearest double once the rest are only used
        // to break ties; 800 keeps it exact in every practical case and bounded.
        let keep = self.digits.len().min(800);
        let text: String = self.digits[..keep].iter().map(|d| char::from(b'0' + d)).collect();
        let exp = self.exp + (self.digits.len() - keep) as i64;
        let v: f64 = format!("{text}e{exp}").parse().unwrap_or(0.0);
        if self.negative { -v } else { v }
    }

    /// Exact sum.
    pub(crate) fn add(&self, other: &Self) -> Self {
        if self.digits.is_empty() {
            return other.clone();
        }
        if other.digits.is_empty() {
            return self.clone();
        }
        let exp = self.exp.min(other.exp);
        let a = self.aligned(exp);
        let b = other.aligned(exp);
        if self.negative == other.negative {
            return Self { negative: self.negative, digits: add_mag(&a, &b), exp }.normalised();
        }
        match cmp_mag(&a, &b) {
            Ordering::Equal => Self::zero(),
            Ordering::Greater => Self { negative: self.negative, digits: sub_mag(&a, &b), exp }.normalised(),
            Ordering::Less => Self { negative: other.negative, digits: sub_mag(&b, &a), exp }.normalised(),
        }
    }

    /// `-self`.
    pub(crate) fn neg(&self) -> Self {
        Self { negative: !self.negative && !self.digits.is_empty(), ..self.clone() }
    }

    /// Rounded to a multiple of `10^exp` (half away from zero).
    pub(crate) fn rounded_at(&self, exp: i64) -> Self {
        if self.exp >= exp || self.digits.is_empty() {
            return self.clone();
        }
        let drop = (exp - self.exp) as usize;
        if drop > self.digits.len() {
            return Self::zero();
        }
        let keep = self.digits.len() - drop;
        let round_up = self.digits[keep] >= 5;
        let mut digits = self.digits[..keep].to_vec();
        if round_up {
            digits = add_mag(&digits, &[1]);
        }
        Self { negative: self.negative, digits, exp }.normalised()
    }

    /// The normal text: positional for leading powers in −6..21, scientific otherwise.
    pub(crate) fn to_text(&self) -> String {
        let Some(lead) = self.leading_power() else {
            return "0".to_owned();
        };
        let sign = if self.negative { "-" } else { "" };
        let ds: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        if !(-6..21).contains(&lead) {
            let (first, rest) = ds.split_at(1);
            let dot = if rest.is_empty() { "" } else { "." };
            return format!("{sign}{first}{dot}{rest}e{lead}");
        }
        if self.exp >= 0 {
            return format!("{sign}{ds}{}", "0".repeat(self.exp as usize));
        }
        let frac = (-self.exp) as usize;
        if frac >= ds.len() {
            format!("{sign}0.{}{ds}", "0".repeat(frac - ds.len()))
        } else {
            let (int, f) = ds.split_at(ds.len() - frac);
            format!("{sign}{int}.{f}")
        }
    }

    /// Magnitude digits padded with zeros down to `10^exp` (`exp <= self.exp`).
    fn aligned(&self, exp: i64) -> Vec<u8> {
        let mut v = self.digits.clone();
        v.resize(v.len() + (self.exp - exp) as usize, 0);
        v
    }

    fn normalised(mut self) -> Self {
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            return Self::zero();
        }
        self
    }
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |x: &[u8]| x.iter().position(|d| *d != 0).map_or(0, |i| x.len() - i);
    strip(a).cmp(&strip(b)).then_with(|| a[a.len() - strip(a)..].cmp(&b[b.len() - strip(b)..]))
}

/// Sum of two digit strings aligned at their last digit.
fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let mut out = vec![0u8; n + 1];
    let mut carry = 0u8;
    for i in 0..n {
        let da = if i < a.len() { a[a.len() - 1 - i] } else { 0 };
        let db = if i < b.len() { b[b.len() - 1 - i] } else { 0 };
        let s = da + db + carry;
        out[n - i] = s % 10;
        carry = s / 10;
    }
    out[0] = carry;
    out
}

/// `a - b` for `a >= b`, aligned at their last digit.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut borrow = 0i8;
    for i in 0..a.len() {
        let db = if i < b.len() { b[b.len() - 1 - i] as i8 } else { 0 };
        let j = a.len() - 1 - i;
        let mut d = a[j] as i8 - db - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out[j] = d as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_normal_forms() {
        assert_eq!(d("-0.7500").to_text(), "-0.75");
        assert_eq!(d("+12.5e3").to_text(), "12500");
        assert_eq!(
            d("7.54605431570315771754553123674989535657416e-16").to_text(),
            "7.54605431570315771754553123674989535657416e-16"
        );
        assert_eq!(d("0.000001").to_text(), "0.000001");
        assert_eq!(d("1e300").to_text(), "1e300");
        assert_eq!(d("000").to_text(), "0");
        assert_eq!(d(".5").to_text(), "0.5");
        for bad in ["", "-", ".", "1.2.3", "1e", "abc", "1e+-3", "nan", "inf", "1,5"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adds_exactly_and_rounds() {
        assert_eq!(d("0.1").add(&d("0.2")).to_text(), "0.3");
        assert_eq!(d("1").add(&d("-1e-40")).to_text(), "0.9999999999999999999999999999999999999999");
        assert_eq!(d("-5").add(&d("2")).to_text(), "-3");
        assert_eq!(d("2").add(&d("-2")).to_text(), "0");
        assert_eq!(d("0.123456").rounded_at(-3).to_text(), "0.123");
        assert_eq!(d("-0.9996").rounded_at(-3).to_text(), "-1");
        assert_eq!(d("0.0004").rounded_at(-3).to_text(), "0");
    }

    #[test]
    fn doubles_round_trip() {
        for v in [-0.75, 0.1, 1e-300, 5e-324, 1.7976931348623157e308, -1.2345678901234567e-8] {
            assert_eq!(Decimal::from_f64(v).to_f64(), v);
        }
    }
}
