//! Numbers for people: readouts with the digits that mean something, not f64 noise like
//! `3.758096383999999e-1`. The full-precision values stay in the location text (Copy
//! location), files and history; these are only for reading.

use faafo_engine::Complex64;

/// Significant digits of the scale readout.
pub const SCALE_DIGITS: usize = 6;
/// Decimal places of a Julia constant's parts.
pub const C_DIGITS: usize = 10;
/// Decimal places of the centre beyond those of the scale: a ten-thousandth of the
/// view's width, under a pixel on any screen.
const CENTRE_EXTRA_DECIMALS: i32 = 4;

/// `x` in scientific notation with `digits` significant digits, trailing zeros dropped
/// (`3.758096383999999e-1` → `3.7581e-1`).
pub fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.*e}", digits.saturating_sub(1), x);
    match s.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        _ => s,
    }
}

/// A coordinate at a view `scale` wide: decimals down to a ten-thousandth of the view,
/// trailing zeros dropped, at most 17 significant (all an f64 has).
pub fn coordinate(x: f64, scale: f64) -> String {
    if !x.is_finite() || !scale.is_finite() || scale <= 0.0 {
        return x.to_string();
    }
    let decimals = (-scale.log10().floor() as i32 + CENTRE_EXTRA_DECIMALS).max(1);
    // Beyond f64's 17 significant digits the digits are noise too.
    let magnitude = if x == 0.0 { 0 } else { x.abs().log10().floor() as i32 };
    let decimals = decimals.min(16 - magnitude).max(1) as usize;
    let s = format!("{x:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

/// The centre's real and imaginary parts at `scale`.
pub fn centre(c: Complex64, scale: f64) -> [String; 2] {
    [coordinate(c.re, scale), coordinate(c.im, scale)]
}

/// The centre of `view`: [`centre`]'s digits while doubles hold the view; past them every
/// exact digit (hover shows the whole text; it is what the location line copies).
pub fn exact_centre(view: &crate::model::view::View) -> [String; 2] {
    let scale = view.scale_f64();
    if scale.is_normal() && scale > 1e-12 {
        centre(view.center_f64(), scale)
    } else {
        [view.center.re().to_owned(), view.center.im().to_owned()]
    }
}

/// The scale with [`SCALE_DIGITS`] significant digits, at any depth (`5.06722e-433`).
pub fn exact_scale(scale: faafo_engine::location::Scale) -> String {
    let (mantissa, exponent) = scale.parts();
    let m = significant(mantissa, SCALE_DIGITS);
    format!("{}e{exponent}", m.trim_end_matches("e0"))
}

/// The depth as a power of ten, and as a factor while it is a readable number
/// (`×1.000e6 (10^6.00)`, `10^1000.46`).
pub fn depth(decades: f64) -> String {
    if decades.abs() < 100.0 {
        format!("×{:.3e} (10^{decades:.2})", 10f64.powf(decades))
    } else {
        format!("10^{decades:.2}")
    }
}

/// `re+imi` with `decimals` decimal places in each part, trailing zeros dropped.
pub fn complex(c: Complex64, decimals: usize) -> String {
    let part = |x: f64| {
        let s = format!("{x:.decimals$}");
        let s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
        if s == "-0" { "0".to_owned() } else { s }
    };
    let im = part(c.im);
    let sign = if im.starts_with('-') { "" } else { "+" };
    format!("{}{sign}{im}i", part(c.re))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_noise_is_not_shown() {
        assert_eq!(significant(3.758096383999999e-1, SCALE_DIGITS), "3.7581e-1");
        assert_eq!(significant(3.5, SCALE_DIGITS), "3.5e0");
        assert_eq!(significant(1e-10, SCALE_DIGITS), "1e-10");
        assert_eq!(significant(1.234567891e-7, SCALE_DIGITS), "1.23457e-7");
    }

    #[test]
    fn centre_has_digits_down_to_a_fraction_of_the_view() {
        // At scale 3.5 four decimals; at 1e-6 ten.
        assert_eq!(coordinate(-0.75, 3.5), "-0.75");
        assert_eq!(coordinate(0.1 + 0.2, 3.5), "0.3");
        assert_eq!(coordinate(-0.743643887037151, 1e-6), "-0.743643887");
        assert_eq!(coordinate(0.131825904205330, 1e-6), "0.1318259042");
        assert_eq!(coordinate(-0.0, 1.0), "0");
        // Never more digits than an f64 holds.
        let deep = coordinate(-0.743_643_887_037_151, 1e-14);
        assert!(deep.trim_start_matches('-').len() <= 19, "{deep}");
    }

    #[test]
    fn julia_constant() {
        assert_eq!(complex(Complex64::new(-0.8, 0.156), C_DIGITS), "-0.8+0.156i");
        assert_eq!(complex(Complex64::new(0.285, -0.01), C_DIGITS), "0.285-0.01i");
        let long = complex(Complex64::new(-0.743643887037151, 0.131825904205330), C_DIGITS);
        assert_eq!(long, "-0.743643887+0.1318259042i");
    }
}
