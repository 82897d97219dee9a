//! Deep zoom against independent arithmetic: sampled pixels of perturbed renders must
//! escape at the same iteration as the same point iterated directly in arbitrary
//! precision, the direct and perturbed paths must agree where both work (no seam), and
//! a published deep location must render without glitches.

#![allow(clippy::unwrap_used)]

use astro_float_num::{BigFloat, Consts, Radix, RoundingMode};
use faafo_engine::deep::{ReferenceOrbit, pixel_delta, render_deep, render_location};
use faafo_engine::location::{Center, Location, Scale};
use faafo_engine::{Complex64, Control, EscapeBuffer, Fractal, Params, RenderOptions, render};

const RM: RoundingMode = RoundingMode::ToEven;

fn location(re: &str, im: &str, scale: &str) -> Location {
    Location::new(Center::parse(re, im).unwrap(), Scale::parse(scale).unwrap())
}

fn big(text: &str, bits: usize) -> BigFloat {
    let mut cc = Consts::new().unwrap();
    BigFloat::parse(text, Radix::Dec, bits, RM, &mut cc)
}

fn to_f64(x: &BigFloat) -> f64 {
    match x.as_raw_parts() {
        Some((m, _, s, e, _)) => {
            let v = m.last().copied().unwrap_or(0) as f64 * 2f64.powi((e - 64).max(-1070));
            if s.is_negative() { -v } else { v }
        }
        None => 0.0,
    }
}

/// faafo's escape index of pixel (`col`, `row`) iterated directly at `bits`: the point is
/// the centre plus the pixel's offset exactly as the renderer holds it
/// ([`pixel_delta`]; doubles place a pixel within 1e-16 of its ideal offset, and near
/// the boundary some orbits are that sensitive), states z_0 = point (Mandelbrot c =
/// point), escape when |z|² > r².
fn direct(fractal: &Fractal, loc: &Location, w: u32, h: u32, px: (u32, u32), limit: u32, bits: usize) -> u32 {
    let (dx, dy, e) = pixel_delta(loc, w, h, [px.0, px.1]);
    let two_e = BigFloat::from_f64(2.0, bits).powi(e.unsigned_abs() as usize, bits, RM);
    let scaled = |v: f64| {
        let v = BigFloat::from_f64(v, bits);
        if e >= 0 { v.mul(&two_e, bits, RM) } else { v.div(&two_e, bits, RM) }
    };
    let pr = big(loc.center.re(), bits).add(&scaled(dx), bits, RM);
    let pi = big(loc.center.im(), bits).add(&scaled(dy), bits, RM);
    let (cr, ci, r2) = match fractal {
        Fractal::Julia { c } => {
            (BigFloat::from_f64(c.re, bits), BigFloat::from_f64(c.im, bits), (2.0 * c.norm()).max(16.0).powi(2))
        }
        _ => (pr.clone(), pi.clone(), 256.0),
    };
    let (mut zr, mut zi) = (pr, pi);
    for j in 0..limit {
        let (x, y) = (to_f64(&zr), to_f64(&zi));
        if x * x + y * y > r2 {
            return j;
        }
        let rr = zr.mul(&zr, bits, RM);
        let ii = zi.mul(&zi, bits, RM);
        let ri = zr.mul(&zi, bits, RM);
        zr = rr.sub(&ii, bits, RM).add(&cr, bits, RM);
        zi = ri.add(&ri, bits, RM).add(&ci, bits, RM);
    }
    limit - 1
}

/// Compares `samples` pixels spread over the image (a fixed stride, so every run checks
/// the same ones) with [`direct`]; returns (exact, off by one, worse).
fn check(fractal: Fractal, loc: &Location, (w, h): (u32, u32), limit: u32, samples: u32) -> (u32, u32, u32) {
    let buffer = render_location(&fractal, loc, w, h, limit, &Control::new()).unwrap();
    let bits = ((-loc.scale.log10()).max(0.0) * 3.33) as usize + 128;
    let (mut exact, mut one, mut worse) = (0, 0, 0);
    let total = w * h;
    for k in 0..samples {
        let i = ((u64::from(k) * u64::from(total) / u64::from(samples) + u64::from(k) * 7) % u64::from(total)) as u32;
        let (col, row) = (i % w, i / w);
        let want = direct(&fractal, loc, w, h, (col, row), limit, bits);
        let got = buffer.counts()[i as usize];
        match want.abs_diff(got) {
            0 => exact += 1,
            1 => one += 1,
            _ => {
                worse += 1;
                eprintln!("pixel ({col}, {row}): perturbed {got}, direct {want}");
            }
        }
    }
    (exact, one, worse)
}

fn assert_agrees(name: &str, (exact, one, worse): (u32, u32, u32), samples: u32) {
    eprintln!("{name}: {exact} exact, {one} off by one, {worse} worse of {samples}");
    assert_eq!(worse, 0, "{name}");
    // At least 999 of 1000 exact: with fewer samples, every one.
    assert!(u64::from(one) * 1000 <= u64::from(samples), "{name}: {one} off by one of {samples}");
}

/// Counts of a Mandelbrot render span a range: the view has structure worth checking.
fn spread(b: &EscapeBuffer) -> u32 {
    let (min, max) = (b.counts().iter().min().copied(), b.counts().iter().max().copied());
    max.unwrap_or(0) - min.unwrap_or(0)
}

#[test]
fn perturbed_pixels_match_direct_iteration_at_1e_30_and_1e_100() {
    // 1e-30: near the embedded Julia set of Fractalshades' example 10 (its centre).
    let loc = location("-1.768667862837488812627419470", "0.001645580546820209430325900", "1e-27");
    assert_agrees("1e-27", check(Fractal::Mandelbrot, &loc, (160, 90), 20_000, 1000), 1000);
    let loc = location("-1.768667862837488812627419470", "0.001645580546820209430325900", "1e-30");
    assert_agrees("1e-30", check(Fractal::Mandelbrot, &loc, (160, 90), 20_000, 1000), 1000);
    // 1e-100: the centre of Fractalshades' test_M2_E213, zoomed out.
    let loc = location(
        "0.3457038944654144866833131210461589365345969127365583349605956350254682999604514724727132714356570564538690262564",
        "-0.6458140479592750190183389181286286597972793149378090740398286460693614106550001619785992809936955641620645925337",
        "1e-100",
    );
    assert_agrees("1e-100", check(Fractal::Mandelbrot, &loc, (160, 90), 20_000, 300), 300);
}

#[test]
fn perturbed_pixels_match_direct_iteration_at_1e_300_and_1e_1000() {
    // Near the Misiurewicz point c = i (exact in decimal), off-centre by a fraction of
    // the view so the reference is not the special point itself.
    let im = format!("1.{}21", "0".repeat(300));
    let loc = location("0.37e-300", &im, "1e-300");
    assert_agrees("1e-300", check(Fractal::Mandelbrot, &loc, (96, 54), 5_000, 200), 200);
    let im = format!("1.{}21", "0".repeat(1000));
    let loc = location("0.37e-1000", &im, "1e-1000");
    assert_agrees("1e-1000", check(Fractal::Mandelbrot, &loc, (96, 54), 10_000, 60), 60);
}

#[test]
fn rescaled_pixels_on_the_real_axis_match_direct_iteration() {
    // Between 1e-271 and 1e-301 δ is rescaled (δ = w·2^s). Near the tip c = −2 the
    // reference's imaginary parts and those of the skips' coefficients are tiny, the
    // products that would be subnormal in plain doubles. Pixels on both sides of −2.
    let re = format!("-1.{}63", "9".repeat(290));
    let loc = location(&re, "0", "1e-290");
    assert_agrees("real axis 1e-290", check(Fractal::Mandelbrot, &loc, (96, 54), 5_000, 300), 300);
}

#[test]
fn julia_at_depth_matches_direct_iteration() {
    // c = i: the critical value i is on the Julia set (a dendrite), so a view around it
    // has structure at every depth.
    let fractal = Fractal::Julia { c: Complex64::new(0.0, 1.0) };
    let loc = location("0.31e-25", "1.0000000000000000000000000017", "1e-25");
    let b = render_location(&fractal, &loc, 96, 54, 5000, &Control::new()).unwrap();
    assert!(spread(&b) > 0);
    assert_agrees("julia 1e-25", check(fractal, &loc, (96, 54), 5000, 300), 300);
}

/// Renders `loc` on the direct path (the exact reference kernel, no shortcuts).
fn shallow(fractal: Fractal, loc: &Location, w: u32, h: u32, limit: u32) -> EscapeBuffer {
    let params = Params {
        fractal,
        region: loc.region(w, h),
        width: w,
        height: h,
        max_iterations: limit,
        colouring: Default::default(),
    };
    let options = RenderOptions { kernel: Some(faafo_engine::KernelPath::Reference), ..Default::default() };
    render(&params, &options, &Control::new()).unwrap().buffer
}

#[test]
fn direct_and_perturbed_paths_agree_where_both_work() {
    let fractal = Fractal::Mandelbrot;
    let (w, h) = (240, 135);
    let n = (w * h) as usize;
    // Seahorse valley at 1e-3 and 2e-7: the same picture, the same way up, from both
    // paths. They differ only where an orbit is so sensitive that rounding decides (0.3%
    // of the pixels at 1e-3, 3% at 2e-7: a shift of 1e-20 changes some of these counts by
    // hundreds); there the perturbed count agrees with arbitrary precision at least as
    // often as the direct one.
    for (re, im, scale, limit, min_same) in
        [("-0.7436", "0.1318", "1e-3", 1000, 995), ("-0.743643887037151", "0.13182590420533", "2e-7", 3000, 950)]
    {
        let loc = location(re, im, scale);
        let direct_path = shallow(fractal, &loc, w, h, limit);
        let deep = render_location(&fractal, &loc, w, h, limit, &Control::new()).unwrap();
        assert!(spread(&deep) > 100);
        let same = direct_path.counts().iter().zip(deep.counts()).filter(|(a, b)| a == b).count();
        assert!(same * 1000 >= n * min_same, "{scale}: {same} of {n}");
        let differing: Vec<usize> =
            (0..n).filter(|&i| direct_path.counts()[i] != deep.counts()[i]).step_by(7).take(20).collect();
        let (mut perturbed_right, mut direct_right) = (0, 0);
        for &i in &differing {
            let want = direct(&fractal, &loc, w, h, (i as u32 % w, i as u32 / w), limit, 200);
            perturbed_right += usize::from(want.abs_diff(deep.counts()[i]) <= 1);
            direct_right += usize::from(want.abs_diff(direct_path.counts()[i]) <= 1);
        }
        assert!(perturbed_right >= direct_right, "{scale}: {perturbed_right} vs {direct_right}");
        eprintln!(
            "{scale}: {same} of {n} equal; of {} others, perturbed right {perturbed_right}, direct {direct_right}",
            differing.len()
        );
    }
}

#[test]
fn orbit_is_reused_near_its_point_and_renders_are_deterministic() {
    let loc = location("-1.768667862837488812627419470", "0.001645580546820209430325900", "1e-24");
    let control = Control::new();
    let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &loc, 5000, &control).unwrap();
    assert!(orbit.covers(&loc, 160, 90, 5000));
    let panned = loc.panned(40.0, -20.0, 160, 90);
    assert!(orbit.covers(&panned, 160, 90, 5000));
    assert!(orbit.covers(&loc.zoom_at([100.0, 30.0], 1.5, 160, 90), 160, 90, 5000));
    assert!(!orbit.covers(&loc.panned(5000.0, 0.0, 160, 90), 160, 90, 5000));
    assert!(!orbit.covers(&loc.zoom_at([80.0, 45.0], 1e30, 160, 90), 160, 90, 5000));
    // A render around a reused orbit equals one around its own.
    let reused = render_deep(&orbit, &panned, 160, 90, 5000, &control).unwrap();
    let fresh = render_location(&Fractal::Mandelbrot, &panned, 160, 90, 5000, &control).unwrap();
    let same = reused.counts().iter().zip(fresh.counts()).filter(|(a, b)| a == b).count();
    assert!(same * 1000 >= 160 * 90 * 999, "{same}");
    // The same orbit and view give the same pixels every time.
    assert_eq!(render_deep(&orbit, &panned, 160, 90, 5000, &control).unwrap(), reused);
}

#[test]
fn kinds_without_a_deep_path_are_refused_by_name() {
    let loc = location("-1.75", "0.03", "1e-40");
    for fractal in [Fractal::BurningShip, Fractal::Multibrot { power: 3 }] {
        let e = ReferenceOrbit::compute(&fractal, &loc, 100, &Control::new()).unwrap_err().to_string();
        assert!(e.contains(fractal.kind().name()) && e.contains("mandelbrot, julia"), "{e}");
    }
    // A reference inside the set: its orbit never ends, so the limit is binding.
    let loc = location("-0.1", "0.1", "1e-40");
    let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &loc, 100, &Control::new()).unwrap();
    let e = render_deep(&orbit, &loc, 1, 10, 100, &Control::new()).unwrap_err().to_string();
    assert!(e.contains("width"), "{e}");
    let e = render_deep(&orbit, &loc, 10, 10, 1_000_000, &Control::new()).unwrap_err().to_string();
    assert!(e.contains("iterations"), "{e}");
    let cancelled = Control::new();
    cancelled.cancel();
    assert!(render_deep(&orbit, &loc, 64, 64, 100, &cancelled).is_err());
}

/// Size of the largest 4-connected patch of escaped pixels sharing one count.
fn largest_flat_patch(b: &EscapeBuffer) -> usize {
    let (w, h) = (b.width() as usize, b.height() as usize);
    let mut seen = vec![false; w * h];
    let mut largest = 0;
    for start in 0..w * h {
        if seen[start] || b.norms()[start] < 0.0 {
            continue;
        }
        let count = b.counts()[start];
        let (mut stack, mut size) = (vec![start], 0);
        seen[start] = true;
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = (i % w, i / w);
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for j in neighbours.into_iter().flatten() {
                if !seen[j] && b.norms()[j] >= 0.0 && b.counts()[j] == count {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        largest = largest.max(size);
    }
    largest
}

#[test]
fn published_deep_locations_render_without_glitches() {
    // Fractalshades' test_M2_E213 centre at 1e-100 and its test_deep_interior_detect
    // minibrot at 3.66e-32 (fewer iterations than there, to stay quick).
    let cases = [
        (
            "0.3457038944654144866833131210461589365345969127365583349605956350254682999604514724727132714356570564538690262564",
            "-0.6458140479592750190183389181286286597972793149378090740398286460693614106550001619785992809936955641620645925337",
            "1e-100",
            50_000,
        ),
        (
            "-1.9072475829123560219806014933444037282313",
            "7.54605431570315771754553123674989535657416e-16",
            "3.660343578223062e-31",
            200_000,
        ),
    ];
    for (re, im, scale, limit) in cases {
        let loc = location(re, im, scale);
        let (w, h) = (192u32, 108u32);
        let b = render_location(&Fractal::Mandelbrot, &loc, w, h, limit, &Control::new()).unwrap();
        // Glitches show as flat blobs (a patch of pixels stuck at one count)…
        let flat = largest_flat_patch(&b);
        assert!(flat * 100 < (w * h) as usize, "{scale}: a flat patch of {flat} pixels");
        // Glitches depend on the reference; the picture does not: the same view around
        // a reference 30 pixels away must give the same counts.
        let moved = loc.panned(30.0, -20.0, w, h);
        let other = ReferenceOrbit::compute(&Fractal::Mandelbrot, &moved, limit, &Control::new()).unwrap();
        assert!(other.covers(&loc, w, h, limit));
        let b2 = render_deep(&other, &loc, w, h, limit, &Control::new()).unwrap();
        let same = b.counts().iter().zip(b2.counts()).filter(|(x, y)| x.abs_diff(**y) <= 1).count();
        eprintln!("{scale}: largest flat patch {flat} px; {same} of {} pixels agree with another reference", w * h);
        assert!(same * 1000 >= (w * h) as usize * 995, "{scale}: {same}");
    }
}

#[test]
fn a_reference_near_a_minibrot_moves_to_its_nucleus_and_ends_after_one_period() {
    // Fractalshades' test_deep_interior_detect: a minibrot of period 14,292 in view, its
    // nucleus about 5e-33 from the centre.
    let loc = location(
        "-1.9072475829123560219806014933444037282313",
        "7.54605431570315771754553123674989535657416e-16",
        "3.660343578223062e-32",
    );
    let control = Control::new();
    let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &loc, 1_000_000, &control).unwrap();
    // Z_0 … Z_14292 = 0: one period, which serves any iteration limit.
    assert_eq!(orbit.len(), 14_293);
    assert!(orbit.covers(&loc, 160, 90, 1_000_000));
    assert!(orbit.covers(&loc, 160, 90, 10_000_000));
    // With precision for views 1000 times narrower (the explorer's headroom) it is still
    // found within this view's width, and serves zooms into it.
    let roomy = ReferenceOrbit::compute_with_headroom(&Fractal::Mandelbrot, &loc, 1e-3, 1_000_000, &control).unwrap();
    assert_eq!(roomy.len(), 14_293);
    assert!(roomy.bits() > orbit.bits());
    assert!(roomy.covers(&loc.zoom_at([80.0, 45.0], 100.0, 160, 90), 160, 90, 1_000_000));
    // Pixels around the nucleus are those of direct iteration of each point.
    assert_agrees("minibrot", check(Fractal::Mandelbrot, &loc, (160, 90), 50_000, 100), 100);
}
