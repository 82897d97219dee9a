//! Reference-orbit cost: `z ← z² + c` in arbitrary precision at 500, 2,000 and 8,000 bits,
//! the sequential floor of every deep frame. Measures the library faafo uses
//! (astro-float) and, with `--features orbit-candidates`, the other pure-Rust candidates
//! (dashu-float, malachite-float) the README compares it with:
//!
//! ```text
//! cargo bench -p faafo-engine --bench deep_orbit [--features orbit-candidates]
//! ```
//!
//! Each step is three multiplications, three additions and the read-back of both parts
//! as doubles, as the engine's orbit does. The point is inside the period-3 bulb, so the
//! orbit never escapes.

use std::time::Instant;

const C: (f64, f64) = (-0.1226, 0.7449);

/// µs per iteration with astro-float (the engine's choice).
fn astro(bits: usize, n: u32) -> f64 {
    use astro_float_num::{BigFloat, RoundingMode::ToEven as RM};
    let (cr, ci) = (BigFloat::from_f64(C.0, bits), BigFloat::from_f64(C.1, bits));
    let (mut zr, mut zi) = (cr.clone(), ci.clone());
    let to_f64 = |x: &BigFloat| match x.as_raw_parts() {
        Some((m, _, s, e, _)) => {
            let v = m.last().copied().unwrap_or(0) as f64 * 2f64.powi(e - 64);
            if s.is_negative() { -v } else { v }
        }
        None => 0.0,
    };
    let mut check = 0.0;
    for _ in 0..n {
        let rr = zr.mul(&zr, bits, RM);
        let ii = zi.mul(&zi, bits, RM);
        let ri = zr.mul(&zi, bits, RM);
        zr = rr.sub(&ii, bits, RM).add(&cr, bits, RM);
        zi = ri.add(&ri, bits, RM).add(&ci, bits, RM);
        check += to_f64(&zr) + to_f64(&zi);
    }
    check
}

#[cfg(feature = "orbit-candidates")]
fn dashu(bits: usize, n: u32) -> f64 {
    use dashu_float::{FBig, round::mode::HalfEven};
    type F = FBig<HalfEven, 2>;
    let at = |v: f64| F::try_from(v).map(|x| x.with_precision(bits).value()).unwrap_or_default();
    let (cr, ci) = (at(C.0), at(C.1));
    let (mut zr, mut zi) = (cr.clone(), ci.clone());
    let mut check = 0.0;
    for _ in 0..n {
        let rr = &zr * &zr;
        let ii = &zi * &zi;
        let ri = &zr * &zi;
        zr = rr - ii + &cr;
        zi = (&ri + &ri) + &ci;
        check += zr.to_f64().value() + zi.to_f64().value();
    }
    check
}

#[cfg(feature = "orbit-candidates")]
fn malachite(bits: usize, n: u32) -> f64 {
    use malachite_base::num::conversion::traits::RoundingFrom;
    use malachite_base::rounding_modes::RoundingMode::Nearest;
    use malachite_float::Float;
    let p = bits as u64;
    let (cr, ci) = (Float::from_primitive_float_prec(C.0, p).0, Float::from_primitive_float_prec(C.1, p).0);
    let (mut zr, mut zi) = (cr.clone(), ci.clone());
    let mut check = 0.0;
    for _ in 0..n {
        let rr = zr.square_prec_ref(p).0;
        let ii = zi.square_prec_ref(p).0;
        let ri = zr.mul_prec_ref_ref(&zi, p).0;
        zr = rr.sub_prec_ref_ref(&ii, p).0.add_prec_ref_ref(&cr, p).0;
        zi = ri.add_prec_ref_ref(&ri, p).0.add_prec_ref_ref(&ci, p).0;
        check += f64::rounding_from(&zr, Nearest).0 + f64::rounding_from(&zi, Nearest).0;
    }
    check
}

type Candidate = (&'static str, fn(usize, u32) -> f64);

fn main() {
    #[allow(unused_mut)]
    let mut candidates: Vec<Candidate> = vec![("astro-float 0.9 (used)", astro)];
    #[cfg(feature = "orbit-candidates")]
    candidates.extend([("dashu-float 0.4", dashu as fn(usize, u32) -> f64), ("malachite-float 0.9 (LGPL)", malachite)]);
    println!("{:<28} {:>10} {:>12}", "library", "bits", "µs/iteration");
    for bits in [500usize, 2000, 8000] {
        let n = (100_000 / (bits / 500).max(1)) as u32;
        for (name, f) in &candidates {
            let started = Instant::now();
            let check = f(bits, n);
            let us = started.elapsed().as_secs_f64() / f64::from(n) * 1e6;
            assert!(check.is_finite(), "{name} diverged");
            println!("{name:<28} {bits:>10} {us:>12.3}");
        }
    }
}
