//! Colouring beyond escape time and antialiasing: distance estimates against measured
//! distances, lighting that is deterministic and recolours for free, supersampling
//! that leaves flat regions alone and is reproducible.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use faafo_engine::antialias::{render_antialiased, sample_offsets, write_png_antialiased};
use faafo_engine::shading::distance_px;
use faafo_engine::{
    BitDepth, Colouring, ColouringMode, Complex64, Control, EscapeBuffer, Fractal, KernelPath, Light, Orientation,
    Params, RenderOptions, SmoothScale, render, render_values_into, write_png,
};

fn mandelbrot(center: Complex64, scale: f64, w: u32, h: u32, iterations: u32, mode: ColouringMode) -> Params {
    let mut p = Params::from_center_scale(Fractal::Mandelbrot, center, scale, w, h, iterations);
    p.colouring.mode = mode;
    p
}

fn values(p: &Params) -> EscapeBuffer {
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    render_values_into(p, &RenderOptions::default(), &Control::new(), &mut buffer).unwrap();
    buffer
}

/// Whether `c` stays bounded for `limit` steps (taken as "in the set" for measuring).
fn bounded(c: Complex64, limit: u32) -> bool {
    let mut z = Complex64::new(0.0, 0.0);
    for _ in 0..limit {
        z = z * z + c;
        if z.norm_sqr() > 4.0 {
            return false;
        }
    }
    true
}

/// The distance from `c` to the set measured the slow way: the smallest circle around
/// `c` (radii 1 % apart, from `from` up) with a point of 2048 on it that stays bounded.
fn measured_distance(c: Complex64, from: f64) -> f64 {
    let mut r = from;
    loop {
        let hit = (0..2048).any(|k| {
            let a = k as f64 / 2048.0 * std::f64::consts::TAU;
            bounded(c + Complex64::from_polar(r, a), 3000)
        });
        if hit {
            return r;
        }
        r *= 1.01;
        assert!(r < 4.0, "nothing of the set found around {c}");
    }
}

#[test]
fn distance_estimate_is_within_koebe_bounds_of_the_measured_distance() {
    let points = [
        Complex64::new(0.3, 0.0),
        Complex64::new(-2.1, 0.0),
        Complex64::new(-0.75, 0.15),
        Complex64::new(0.0, 1.1),
        Complex64::new(0.42, 0.25),
    ];
    for c in points {
        // A 3 × 3 image around c: its centre pixel is c itself.
        let scale = 1e-6;
        let p = mandelbrot(c, scale, 3, 3, 5000, ColouringMode::Distance);
        let b = values(&p);
        let u = b.derivatives().unwrap()[4];
        let estimate = f64::from(distance_px(b.norms()[4], u)) * p.region.pixel_step_x(3);
        // Searching from a fifth of the estimate: a set point closer than that would be
        // found at once and fail the bound below.
        let measured = measured_distance(c, estimate / 5.0);
        let ratio = measured / estimate;
        // Koebe: the true distance is between half and twice the estimate; the measured
        // one errs by the 1 % radius steps and points just outside that stay bounded.
        assert!((0.45..=2.2).contains(&ratio), "{c}: estimate {estimate:e}, measured {measured:e}, ratio {ratio}");
    }
}

#[test]
fn the_derivative_kernel_keeps_the_reference_escape_values() {
    let p = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 160, 120, 2000, ColouringMode::Distance);
    let shaded = values(&p);
    let escape = Params { colouring: Colouring::default(), ..p };
    let reference_path = RenderOptions { kernel: Some(KernelPath::Reference), ..RenderOptions::default() };
    let reference = render(&escape, &reference_path, &Control::new()).unwrap().buffer;
    let same = (0..shaded.counts().len())
        .filter(|&i| {
            shaded.counts()[i] == reference.counts()[i] && shaded.norms()[i].to_bits() == reference.norms()[i].to_bits()
        })
        .count();
    // Periodicity checking may settle an interior pixel the reference iterates to the
    // limit; nothing else may differ.
    assert!(same * 1000 >= shaded.counts().len() * 999, "{same} of {} agree", shaded.counts().len());
    assert!(reference.derivatives().is_none(), "an escape render keeps no derivative");
}

#[test]
fn lighting_is_deterministic_and_recolours_for_free() {
    let p = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 120, 90, 1000, ColouringMode::Lighting);
    let a = values(&p);
    let b = values(&p);
    assert_eq!(a, b, "two renders of the same parameters");
    let lit = a.to_rgb8(&p.colouring);
    assert_eq!(lit, b.to_rgb8(&p.colouring));

    // Another light from the same buffer is another picture, and the same as rendering
    // with that light from scratch.
    let west = Colouring { light: Light { angle_degrees: 200.0, ..Light::default() }, ..p.colouring };
    let relit = a.to_rgb8(&west);
    assert_ne!(relit, lit);
    let fresh = values(&Params { colouring: west, ..p });
    assert_eq!(fresh.to_rgb8(&west), relit);

    // No strength: exactly the escape colours; escape mode ignores the derivative.
    let flat = Colouring { light: Light { strength: 0.0, ..Light::default() }, ..p.colouring };
    let escape = Colouring { mode: ColouringMode::Escape, ..p.colouring };
    assert_eq!(a.to_rgb8(&flat), a.to_rgb8(&escape));
    let plain = render(&Params { colouring: escape, ..p }, &RenderOptions::default(), &Control::new()).unwrap();
    let differing = lit.iter().zip(plain.buffer.to_rgb8(&escape)).filter(|(x, y)| *x != y).count();
    assert!(differing > lit.len() / 4, "lighting changed only {differing} of {} bytes", lit.len());
}

#[test]
fn distance_mode_darkens_towards_the_boundary() {
    let p = mandelbrot(Complex64::new(-0.75, 0.0), 3.0, 200, 150, 500, ColouringMode::Distance);
    let b = values(&p);
    let rgb = b.to_rgb8(&p.colouring);
    let d = b.derivatives().unwrap();
    let brightness = |i: usize| u32::from(rgb[3 * i]) + u32::from(rgb[3 * i + 1]) + u32::from(rgb[3 * i + 2]);
    // Exterior pixels within 1/50 of a pixel of the set (a tenth of the way out of a 2-pixel
    // boundary band) are (nearly) the interior colour.
    let near: Vec<usize> =
        (0..d.len()).filter(|&i| b.norms()[i] >= 0.0 && distance_px(b.norms()[i], d[i]) < 0.02).collect();
    assert!(!near.is_empty());
    assert!(near.iter().all(|&i| brightness(i) <= 3 * 40), "near-boundary pixels should be dark");
}

#[test]
fn antialiasing_leaves_a_flat_region_alone() {
    // Wholly inside the main cardioid: every sample is interior.
    for mode in [ColouringMode::Escape, ColouringMode::Lighting] {
        let mut p = mandelbrot(Complex64::new(-0.1, 0.05), 0.05, 64, 48, 300, mode);
        p.colouring.interior = [12, 200, 77];
        let plain = values(&p).to_rgb8(&p.colouring);
        assert!(plain.chunks(3).all(|c| c == [12, 200, 77]));
        for n in [2, 3, 4] {
            let aa = render_antialiased(&p, n, &RenderOptions::default(), &Control::new()).unwrap();
            assert_eq!(aa.colours.samples(), n * n);
            assert_eq!(aa.colours.to_rgb8(), plain, "{n}x{n}, {mode}");
        }
    }
}

#[test]
fn one_sample_is_the_plain_render_and_more_are_reproducible() {
    let p = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 97, 61, 800, ColouringMode::Escape);
    let plain = values(&p).to_rgb8(&p.colouring);
    let one = render_antialiased(&p, 1, &RenderOptions::default(), &Control::new()).unwrap();
    assert_eq!(one.colours.to_rgb8(), plain);

    let a = render_antialiased(&p, 3, &RenderOptions::default(), &Control::new()).unwrap().colours.to_rgb8();
    let b = render_antialiased(&p, 3, &RenderOptions::default(), &Control::new()).unwrap().colours.to_rgb8();
    assert_eq!(a, b, "the jitter is fixed");
    assert_ne!(a, plain, "nine samples of a busy region differ from its centres");

    // Offsets: one per cell of the grid, inside the pixel, none repeated.
    for n in 1..=4u32 {
        let o = sample_offsets(n);
        assert_eq!(o.len(), (n * n) as usize);
        assert!(o.iter().all(|(x, y)| x.abs() < 0.5 && y.abs() < 0.5));
        let mut cells: Vec<(i64, i64)> =
            o.iter().map(|(x, y)| (((x + 0.5) * f64::from(n)) as i64, ((y + 0.5) * f64::from(n)) as i64)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), (n * n) as usize, "{n}: {o:?}");
    }
}

#[test]
fn streamed_supersampled_png_matches_the_in_memory_one() {
    let decode = |bytes: &[u8]| {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        buf
    };
    let opts = RenderOptions::default();
    let mut p = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 301, 77, 600, ColouringMode::Escape);
    for mode in [ColouringMode::Escape, ColouringMode::Lighting] {
        p.colouring.mode = mode;
        let mut out = Vec::new();
        let summary = write_png_antialiased(&p, None, 2, &opts, &Control::new(), BitDepth::Eight, &mut out).unwrap();
        assert_eq!(summary.bytes, out.len() as u64);
        let in_memory = render_antialiased(&p, 2, &opts, &Control::new()).unwrap();
        assert_eq!(decode(&out), in_memory.colours.to_rgb8(), "{mode}");
    }

    // One sample in escape mode: write_png's bytes exactly.
    let e = Params { colouring: Colouring::default(), ..p };
    let mut one = Vec::new();
    write_png_antialiased(&e, None, 1, &opts, &Control::new(), BitDepth::Eight, &mut one).unwrap();
    let mut plain = Vec::new();
    write_png(&e, &opts, &Control::new(), BitDepth::Eight, &mut plain).unwrap();
    assert_eq!(one, plain);

    let e = write_png_antialiased(&p, None, 5, &opts, &Control::new(), BitDepth::Eight, Vec::new()).unwrap_err();
    assert!(e.to_string().contains("antialias must be between 1 and 4, got 5"), "{e}");
}

#[test]
fn every_writer_honours_the_colouring_antialias_and_mode() {
    let opts = RenderOptions::default();
    let base = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 90, 60, 600, ColouringMode::Lighting);
    // The plain entry points take distance and lighting into account...
    let mut b = EscapeBuffer::new(0, 0, SmoothScale::default());
    faafo_engine::render_into(&base, &opts, &Control::new(), &mut b).unwrap();
    assert!(b.derivatives().is_some());
    let window = faafo_engine::Window { x: 10, y: 5, width: 40, height: 30 };
    let part = faafo_engine::render_window(&base, window, &opts, &Control::new()).unwrap().buffer;
    let rgb = b.to_rgb8(&base.colouring);
    let part_rgb = part.to_rgb8(&base.colouring);
    for row in 0..30 {
        let whole = &rgb[3 * ((row + 5) * 90 + 10)..3 * ((row + 5) * 90 + 50)];
        assert_eq!(&part_rgb[3 * row * 40..3 * (row + 1) * 40], whole, "row {row}");
    }
    // ...and write_png the antialiasing the colouring asks for.
    for n in [1, 3] {
        let p = Params { colouring: Colouring { antialias: n, ..base.colouring }, ..base };
        let mut a = Vec::new();
        write_png(&p, &opts, &Control::new(), BitDepth::Eight, &mut a).unwrap();
        let mut want = Vec::new();
        write_png_antialiased(&p, None, n, &opts, &Control::new(), BitDepth::Eight, &mut want).unwrap();
        assert_eq!(a, want, "antialias {n}");
    }
    let bad = Params { colouring: Colouring { antialias: 9, ..base.colouring }, ..base };
    let e = write_png(&bad, &opts, &Control::new(), BitDepth::Eight, Vec::new()).unwrap_err().to_string();
    assert!(e.contains("antialias must be between 1 and 4, got 9"), "{e}");
}

/// The stripe value of `c` computed directly: `t = ½ + ½ sin(5 arg z)` by `atan2` and
/// `sin` over states 1..=n, the averages over 1..=n and 1..n blended by the smooth
/// value's fraction (escape radius 16, power 2). The orbit is rounded as the kernels'
/// unfused step rounds it (`x² + (cx − y²)`, `2x·y + cy`): near the set a last-bit
/// difference grows over thousands of steps.
fn direct_stripe(c: Complex64, limit: u32) -> Option<(u32, f64)> {
    let (mut z, mut sum) = (c, 0.0);
    for n in 1..limit {
        z = Complex64::new(z.re * z.re + (c.re - z.im * z.im), (z.re + z.re) * z.im + c.im);
        let last = 0.5 + 0.5 * (5.0 * z.im.atan2(z.re)).sin();
        sum += last;
        if z.norm_sqr() > 256.0 {
            let a_n = sum / f64::from(n);
            let a_before = if n > 1 { (sum - last) / f64::from(n - 1) } else { a_n };
            let d = (1.0 - (z.norm().ln() / 16f64.ln()).log2()).clamp(0.0, 1.0);
            return Some((n, a_before + (a_n - a_before) * d));
        }
    }
    None
}

#[test]
fn stripes_are_the_orbits_stripe_average_next_to_unchanged_escape_values() {
    let p = mandelbrot(Complex64::new(-0.745, 0.11), 0.02, 160, 120, 2000, ColouringMode::Stripes);
    let striped = values(&p);
    assert!(striped.holds_stripes());
    let distance = values(&Params { colouring: Colouring { mode: ColouringMode::Distance, ..p.colouring }, ..p });
    assert!(!distance.holds_stripes());
    assert_eq!((striped.counts(), striped.norms()), (distance.counts(), distance.norms()), "the same orbits");

    // Every 7th pixel against the direct computation.
    let (mut checked, mut exterior, mut settled) = (0, 0, 0);
    for k in (0..striped.counts().len()).step_by(7) {
        let (i, j) = ((k % 160) as u32, (k / 160) as u32);
        let c = p.region.pixel_to_complex(f64::from(i), f64::from(j), p.width, p.height, Orientation::Up);
        let kept = striped.derivatives().unwrap()[k][0];
        match direct_stripe(c, 2000) {
            // Periodicity checking may settle a pixel that escapes very late as interior
            // (as in the other kernels); few may.
            Some(_) if striped.norms()[k] < 0.0 => settled += 1,
            Some((n, v)) => {
                assert_eq!(striped.counts()[k], n, "pixel {i},{j}");
                assert!((f64::from(kept) - v).abs() < 1e-4, "pixel {i},{j}: kept {kept}, direct {v}");
                exterior += 1;
            }
            None => assert!(striped.norms()[k] < 0.0, "pixel {i},{j} is interior"),
        }
        checked += 1;
    }
    assert!(exterior * 2 > checked, "{exterior} of {checked} exterior: the view shows too little of the outside");
    assert!(settled * 100 <= checked, "{settled} of {checked} escaping pixels settled as interior");

    // Colours: the palette along the stripes, not the escape colours; a plane of the
    // other kind is never read as its own (lighting over stripes is the escape colours).
    let escape = Colouring { mode: ColouringMode::Escape, ..p.colouring };
    let lighting = Colouring { mode: ColouringMode::Lighting, ..p.colouring };
    let stripes = striped.to_rgb8(&p.colouring);
    let differing = stripes.iter().zip(striped.to_rgb8(&escape)).filter(|(a, b)| **a != *b).count();
    assert!(differing > stripes.len() / 4, "stripes changed only {differing} of {} bytes", stripes.len());
    assert_eq!(striped.to_rgb8(&lighting), striped.to_rgb8(&escape));
    assert_eq!(distance.to_rgb8(&p.colouring), distance.to_rgb8(&escape));
}
