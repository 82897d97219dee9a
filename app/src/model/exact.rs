//! Exact decimal differences, for placing one deep picture on another.
//!
//! Two views 1e-500 wide a few pixels apart differ in their 500th digit: their centres'
//! doubles are equal, so reprojection and pan detection need the difference of the exact
//! decimal texts. It is computed digit by digit here (a few thousand digits at most, once
//! per frame and picture) and only then turned into a double, relative to a scale.

/// A decimal number: `±digits × 10^exp`, digits most significant first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Reads `[-+]digits[.digits][e[-+]digits]`; `None` for anything else.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut digits = Vec::with_capacity(int.len() + frac.len());
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            digits.push(b - b'0');
        }
        let exp = exponent.checked_sub(i64::try_from(frac.len()).ok()?)?;
        Some(Self { negative, digits, exp }.trimmed())
    }

    /// Without leading zeros (and zero as no digits).
    fn trimmed(mut self) -> Self {
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        if self.digits.is_empty() {
            self.negative = false;
        }
        self
    }

    /// The digits at exponent `exp` (≤ self.exp): zeros appended.
    fn digits_at(&self, exp: i64) -> Vec<u8> {
        let mut d = self.digits.clone();
        d.resize(d.len() + usize::try_from(self.exp - exp).unwrap_or(0), 0);
        d
    }

    /// `self − other`, exactly.
    fn minus(&self, other: &Self) -> Self {
        let exp = self.exp.min(other.exp);
        let (a, b) = (self.digits_at(exp), other.digits_at(exp));
        let b_negative = !other.negative;
        if self.negative == b_negative {
            return Self { negative: self.negative, digits: add(&a, &b), exp }.trimmed();
        }
        // Opposite signs: the larger magnitude's sign, the difference of magnitudes.
        if compare(&a, &b).is_ge() {
            Self { negative: self.negative, digits: subtract(&a, &b), exp }.trimmed()
        } else {
            Self { negative: b_negative, digits: subtract(&b, &a), exp }.trimmed()
        }
    }

    /// Nearest-enough double of `self × 10^shift` (17 significant digits, then the
    /// exponent), saturating to ±infinity or 0.
    fn to_f64_shifted(&self, shift: i64) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let kept = self.digits.len().min(17);
        let mut mantissa = 0.0f64;
        for d in &self.digits[..kept] {
            mantissa = mantissa * 10.0 + f64::from(*d);
        }
        let exp = self.exp + (self.digits.len() - kept) as i64 + shift;
        let exp = exp.clamp(-1000, 1000) as i32;
        // Two steps so that neither power overflows while the product is in range.
        let value = mantissa * 10f64.powi(exp / 2) * 10f64.powi(exp - exp / 2);
        if self.negative { -value } else { value }
    }
}

fn compare(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let strip = |d: &[u8]| d.iter().position(|x| *x != 0).map_or(0, |i| d.len() - i);
    strip(a).cmp(&strip(b)).then_with(|| {
        let (a, b) = (&a[a.len() - strip(a)..], &b[b.len() - strip(b)..]);
        a.cmp(b)
    })
}

/// Sum of two digit strings aligned at their last digit.
fn add(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let mut out = vec![0u8; n + 1];
    let mut carry = 0u8;
    for i in 0..n {
        let x = if i < a.len() { a[a.len() - 1 - i] } else { 0 };
        let y = if i < b.len() { b[b.len() - 1 - i] } else { 0 };
        let s = x + y + carry;
        out[n - i] = s % 10;
        carry = s / 10;
    }
    out[0] = carry;
    out
}

/// `a − b` for `a ≥ b`, aligned at their last digit.
fn subtract(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut borrow = 0i8;
    for i in 0..a.len() {
        let x = a[a.len() - 1 - i] as i8;
        let y = if i < b.len() { b[b.len() - 1 - i] as i8 } else { 0 };
        let mut d = x - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out[a.len() - 1 - i] = d as u8;
    }
    out
}

/// `(a − b) / unit` as a double, from their decimal texts (`unit` > 0, e.g. a view's
/// scale as text): the distance between two deep centres in units of a view's width.
/// `None` when a text is not a decimal number.
pub fn difference_in_units(a: &str, b: &str, unit: &str) -> Option<f64> {
    let (a, b, unit) = (Decimal::parse(a)?, Decimal::parse(b)?, Decimal::parse(unit)?);
    if unit.digits.is_empty() || unit.negative {
        return None;
    }
    let difference = a.minus(&b);
    // unit = m × 10^e with m read to 17 digits; the difference shifted by −e, then ÷ m.
    let unit_exp = unit.exp + unit.digits.len() as i64 - 1;
    let unit_mantissa = unit.to_f64_shifted(-unit_exp);
    Some(difference.to_f64_shifted(-unit_exp) / unit_mantissa)
}

/// `a / b` for two positive decimal texts, as a double (a ratio of scales).
pub fn ratio(a: &str, b: &str) -> Option<f64> {
    difference_in_units(a, "0", b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn differences_of_deep_centres_are_exact() {
        let zeros = "0".repeat(600);
        let a = format!("-0.7{zeros}35");
        let b = format!("-0.7{zeros}12");
        // The last digits are 1e-603 apart: −23 of them.
        let got = difference_in_units(&a, &b, "1e-603").unwrap();
        assert!((got + 23.0).abs() < 1e-12, "{got}");
        let got = difference_in_units(&b, &a, "2.3e-601").unwrap();
        assert!((got - 0.1).abs() < 1e-15, "{got}");
        assert!((difference_in_units("1.5", "-2.25", "0.5").unwrap() - 7.5).abs() < 1e-15);
        assert_eq!(difference_in_units("3", "3.000", "1e-900").unwrap(), 0.0);
        assert!((ratio("5e-433", "2.5e-434").unwrap() - 20.0).abs() < 1e-12);
        assert!((ratio("1", "4").unwrap() - 0.25).abs() < 1e-16);
        assert_eq!(difference_in_units("1.2.3", "0", "1"), None);
        assert_eq!(difference_in_units("1", "0", "0"), None);
    }
}
