//! The engine's promises, checked on every kernel path this CPU supports: the classic
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! kind reproduces the original's pixels bit for bit, and the fast paths agree with the
//! reference path.

use faafo_engine::{Colouring, Complex64, Control, Fractal, KernelPath, Params, Region, RenderOptions, render, scenes};
use sha2::{Digest, Sha256};

fn supported_paths() -> Vec<KernelPath> {
    let paths: Vec<_> = KernelPath::ALL.into_iter().filter(|p| p.is_supported()).collect();
    eprintln!("kernel paths under test: {paths:?}");
    paths
}

fn counts(params: &Params, kernel: KernelPath, shortcuts: bool) -> Vec<u32> {
    let options = RenderOptions { kernel: Some(kernel), shortcuts, ..RenderOptions::default() };
    let r = render(params, &options, &Control::new()).expect("render");
    assert_eq!(r.stats.kernel, kernel);
    r.buffer.counts().to_vec()
}

fn classic(c: Complex64, w: u32, h: u32, region: Region, iterations: u32) -> Params {
    Params {
        fractal: Fractal::Classic { c },
        region,
        width: w,
        height: h,
        max_iterations: iterations,
        colouring: Colouring::classic(),
    }
}

#[test]
fn spec_t3_escape_grid_on_every_path() {
    let p = classic(Complex64::new(-0.8, 0.156), 5, 4, Region::new(-1.5, 1.5, -1.0, 1.0), 64);
    let want: [u32; 20] = [1, 1, 2, 2, 1, 2, 6, 63, 9, 2, 2, 9, 63, 6, 2, 1, 2, 2, 1, 1];
    for path in supported_paths() {
        for shortcuts in [true, false] {
            assert_eq!(counts(&p, path, shortcuts), want, "{path} shortcuts={shortcuts}");
        }
        let options = RenderOptions { kernel: Some(path), ..RenderOptions::default() };
        let rgb = render(&p, &options, &Control::new()).unwrap().buffer.to_rgb8(&p.colouring);
        assert_eq!(
            &rgb[15..30],
            &[64, 32, 16, 192, 96, 48, 224, 240, 248, 32, 144, 72, 64, 32, 16],
            "{path} row 1 RGB"
        );
    }
}

#[test]
fn spec_t4_escape_grid_on_every_path() {
    let p = classic(Complex64::new(-0.8, 0.156), 8, 8, Region::new(-2.0, 2.0, -2.0, 2.0), 256);
    #[rustfmt::skip]
    let want: [u32; 64] = [
        0,0,0,0,0,0,0,0,
        0,0,1,1,1,1,0,0,
        0,1,2,3,3,2,1,0,
        0,2,16,152,240,141,3,0,
        0,3,141,240,152,16,2,0,
        0,1,2,3,3,2,1,0,
        0,0,1,1,1,1,0,0,
        0,0,0,0,0,0,0,0,
    ];
    for path in supported_paths() {
        assert_eq!(counts(&p, path, true), want, "{path}");
    }
}

/// The whole tutorial task against the original's loop run in Python
/// (tests/data/classic_reference.py; its output is tests/data/classic_counts.sha256).
#[test]
fn classic_scene_matches_the_original_bit_for_bit() {
    let oracle = include_str!("data/classic_counts.sha256").trim();
    let scene = scenes::find("classic").expect("classic scene");
    for path in supported_paths() {
        let c = counts(&scene.params, path, true);
        let bytes: Vec<u8> = c.iter().flat_map(|v| v.to_le_bytes()).collect();
        let got = hex(&Sha256::digest(&bytes));
        assert_eq!(got, oracle, "{path}");
    }
}

/// Classic with a c found by the seeded search, deep iterations, several views: every
/// path equals the reference exactly (the classic arithmetic never fuses).
#[test]
fn classic_fast_paths_equal_reference() {
    let views = [
        (Complex64::new(-0.8, 0.156), Region::new(-1.5, 1.5, -1.0, 1.0), 1000),
        (Complex64::new(-0.4, 0.6), Region::new(-0.3, 0.1, -0.2, 0.2), 500),
        (Complex64::new(0.3, 0.0), Region::new(-2.0, 2.0, -2.0, 2.0), 12),
        // Limits below the early pass's four states (kernel/early.rs).
        (Complex64::new(0.285, 0.01), Region::new(-2.0, 2.0, -1.5, 1.5), 3),
        (Complex64::new(0.285, 0.01), Region::new(-2.0, 2.0, -1.5, 1.5), 1),
        (Complex64::new(1.995, 0.0), Region::new(-2.0, 2.0, -2.0, 2.0), 50), // |c| >= 1.99: reference path
    ];
    for (c, region, it) in views {
        let p = classic(c, 203, 157, region, it);
        let want = counts(&p, KernelPath::Reference, false);
        for path in supported_paths() {
            let options = RenderOptions { kernel: Some(path), ..RenderOptions::default() };
            let r = render(&p, &options, &Control::new()).unwrap();
            assert_eq!(r.buffer.counts(), &want[..], "{path} c={c}");
        }
    }
}

fn non_classic_views() -> Vec<(&'static str, Params)> {
    let mk =
        |fractal, center: Complex64, scale: f64, it| Params::from_center_scale(fractal, center, scale, 241, 173, it);
    vec![
        ("mandelbrot whole", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, 500)),
        (
            "mandelbrot seahorse",
            mk(Fractal::Mandelbrot, Complex64::new(-0.743643887037151, 0.131825904205330), 1e-6, 3000),
        ),
        (
            // From a limit of 8000 the second stage tests every 32 steps (kernel/grouped.rs).
            "mandelbrot seahorse, long blocks",
            mk(Fractal::Mandelbrot, Complex64::new(-0.743643887037151, 0.131825904205330), 1e-6, 9000),
        ),
        ("mandelbrot limit 1", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, 1)),
        ("mandelbrot limit 9", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, 9)),
        ("julia", mk(Fractal::Julia { c: Complex64::new(-0.8, 0.156) }, Complex64::new(0.0, 0.0), 3.2, 800)),
        ("julia big c", mk(Fractal::Julia { c: Complex64::new(3.0, -1.0) }, Complex64::new(0.0, 0.0), 8.0, 100)),
        ("burning ship", mk(Fractal::BurningShip, Complex64::new(-1.76, -0.03), 0.15, 600)),
        ("multibrot 3", mk(Fractal::Multibrot { power: 3 }, Complex64::new(0.0, 0.0), 3.0, 400)),
        ("multibrot 7", mk(Fractal::Multibrot { power: 7 }, Complex64::new(0.0, 0.0), 3.0, 300)),
    ]
}

/// The portable scalar path does the reference's arithmetic: identical counts, also
/// with the shortcuts (cardioid, periodicity) switched on.
#[test]
fn scalar_path_equals_reference() {
    for (name, p) in non_classic_views() {
        let want = counts(&p, KernelPath::Reference, false);
        for shortcuts in [false, true] {
            let got = counts(&p, KernelPath::Scalar, shortcuts);
            let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
            if shortcuts {
                // Periodicity may call a point interior a hair before the reference
                // would have run out of iterations: never more than 1 pixel in 2000.
                assert!(differ * 2000 <= want.len(), "{name}: {differ} pixels differ with shortcuts");
            } else {
                assert_eq!(differ, 0, "{name}: {differ} pixels differ");
            }
        }
    }
}

/// FMA paths round differently from the reference (one rounding per multiply-add), and
/// orbits near the boundary are chaotic, so single pixels may escape at another step.
/// Documented tolerance: at most 2% of pixels differ (measured: 0% on shallow Mandelbrot
/// views, 0.06% Julia, 0.8% Seahorse Valley at width 1e-6, 1.3% Burning Ship) and the
/// mean escape count stays within 1%. AVX2 and AVX-512 do the same fused arithmetic, so
/// they must agree with each other exactly.
#[test]
fn fma_paths_within_tolerance_of_reference() {
    let fma: Vec<_> =
        supported_paths().into_iter().filter(|p| matches!(p, KernelPath::Avx2Fma | KernelPath::Avx512)).collect();
    let mean = |v: &[u32]| v.iter().map(|&c| f64::from(c)).sum::<f64>() / v.len() as f64;
    for (name, p) in non_classic_views() {
        let want = counts(&p, KernelPath::Reference, false);
        let mut first: Option<Vec<u32>> = None;
        for &path in &fma {
            for shortcuts in [false, true] {
                let got = counts(&p, path, shortcuts);
                let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
                eprintln!("{name} {path} shortcuts={shortcuts}: {differ}/{} differ", want.len());
                assert!(differ * 50 <= want.len(), "{name} {path}: {differ} pixels differ");
                let (m_got, m_want) = (mean(&got), mean(&want));
                assert!((m_got - m_want).abs() <= 0.01 * m_want.max(1.0), "{name} {path}: mean {m_got} vs {m_want}");
                if !shortcuts {
                    match &first {
                        Some(f) => {
                            assert_eq!(f, &got, "{name}: {path} differs from the other FMA path")
                        }
                        None => first = Some(got),
                    }
                }
            }
        }
    }
}

#[test]
fn iterations_counted_are_the_work_done() {
    // Without shortcuts every pixel costs exactly its escape index, or limit - 1 when it
    // never escapes; the reference and the blocked kernels must both report that.
    for (name, p) in non_classic_views() {
        let options = |k| RenderOptions { kernel: Some(k), shortcuts: false, ..RenderOptions::default() };
        let r = render(&p, &options(KernelPath::Reference), &Control::new()).unwrap();
        let expected: u64 = r.buffer.counts().iter().map(|&c| u64::from(c)).sum();
        assert_eq!(r.stats.iterations, expected, "{name} reference");
        let s = render(&p, &options(KernelPath::Scalar), &Control::new()).unwrap();
        assert_eq!(s.stats.iterations, expected, "{name} scalar");
        // With shortcuts, less work is done, never more.
        let fast = render(&p, &RenderOptions::default(), &Control::new()).unwrap();
        assert!(fast.stats.iterations <= expected + expected / 100, "{name}: {} > {expected}", fast.stats.iterations);
    }
}

/// The vector paths are tested wherever the CPU has them: detection must offer exactly the
/// paths the CPU supports (a detection that silently failed would leave AVX-512 untested
/// on the machines that have it), and each path the CPU has is run on the bench's views
/// against the reference — the AVX-512 and AVX2 paths also against each other, exactly,
/// with the shortcuts on as the bench runs them.
#[cfg(target_arch = "x86_64")]
#[test]
fn every_vector_path_the_cpu_has_is_run_against_the_reference() {
    let avx512 = std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("fma");
    let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    assert_eq!(KernelPath::Avx512.is_supported(), avx512, "AVX-512 detection");
    assert_eq!(KernelPath::Avx2Fma.is_supported(), avx2, "AVX2+FMA detection");
    let fastest = if avx512 {
        KernelPath::Avx512
    } else if avx2 {
        KernelPath::Avx2Fma
    } else {
        KernelPath::Scalar
    };
    assert_eq!(KernelPath::detect(), fastest);
    let paths: Vec<_> = [KernelPath::Avx512, KernelPath::Avx2Fma].into_iter().filter(|p| p.is_supported()).collect();
    eprintln!("vector paths this CPU has: {paths:?}");
    // The bench's views, smaller: both kernel stages, cardioid and periodicity shortcuts.
    let mk =
        |center: Complex64, scale: f64, it| Params::from_center_scale(Fractal::Mandelbrot, center, scale, 480, 270, it);
    let views = [
        ("standard", mk(Complex64::new(-0.75, 0.0), 3.5, 1000)),
        ("seahorse", mk(Complex64::new(-0.743643887037151, 0.131825904205330), 1e-6, 2000)),
        (
            "dense",
            Params {
                fractal: Fractal::Mandelbrot,
                region: Region::new(-1.5, 0.5, -1.0, 1.0),
                width: 400,
                height: 400,
                max_iterations: 50,
                colouring: Colouring::default(),
            },
        ),
    ];
    for (name, p) in views {
        let want = counts(&p, KernelPath::Reference, false);
        let mut first: Option<(KernelPath, Vec<u32>)> = None;
        for &path in &paths {
            let got = counts(&p, path, true);
            let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
            eprintln!("{name} {path}: {differ}/{} differ from the reference", want.len());
            assert!(differ * 50 <= want.len(), "{name} {path}: {differ} pixels differ from the reference");
            match &first {
                Some((other, f)) => assert_eq!(f, &got, "{name}: {path} differs from {other}"),
                None => first = Some((path, got)),
            }
        }
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Renders `p` as a grid of `tiles` (columns, rows) with `options` and checks each tile's
/// counts against the same rectangle of `whole`.
fn assert_tiles_match(
    p: &Params,
    (columns, rows): (u32, u32),
    options: &RenderOptions,
    whole: &faafo_engine::EscapeBuffer,
    what: &str,
) {
    for tile in faafo_engine::Window::grid(p.width, p.height, columns, rows) {
        let part = faafo_engine::render_window(p, tile, options, &Control::new()).unwrap().buffer;
        for y in 0..tile.height {
            let (i, j) = ((y * tile.width) as usize, ((tile.y + y) * p.width + tile.x) as usize);
            let n = tile.width as usize;
            assert_eq!(&part.counts()[i..i + n], &whole.counts()[j..j + n], "{what} {tile:?}");
        }
    }
}

/// The interior fill changes no pixel: renders with it equal renders that compute every
/// pixel, counts and |z|² bit for bit, on every path the CPU has and on views with
/// interior of every size (the bench's standard and Seahorse views, smaller; a Julia set;
/// a Multibrot), and on tiles of a poster. Where there is interior it skips work.
#[test]
fn the_interior_fill_changes_no_pixel() {
    let mk =
        |fractal, center: Complex64, scale: f64, it| Params::from_center_scale(fractal, center, scale, 480, 270, it);
    let seahorse = Complex64::new(-0.743643887037151, 0.131825904205330);
    // Limits of 2000 and more: the fill is used from there (see `kernel::fill`).
    let views = [
        ("standard", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, 2500)),
        ("seahorse", mk(Fractal::Mandelbrot, seahorse, 1e-6, 3000)),
        ("near seahorse", mk(Fractal::Mandelbrot, Complex64::new(-0.74, 0.12), 0.05, 2000)),
        ("julia", mk(Fractal::Julia { c: Complex64::new(-0.8, 0.156) }, Complex64::new(0.0, 0.0), 3.2, 2000)),
        ("multibrot 3", mk(Fractal::Multibrot { power: 3 }, Complex64::new(0.0, 0.0), 3.0, 2000)),
    ];
    let paths: Vec<_> = supported_paths().into_iter().filter(|&p| p != KernelPath::Reference).collect();
    for path in paths {
        for (name, p) in &views {
            // Mirrored rows are computed, not copied, so that the work compares.
            let options = |fill| RenderOptions { kernel: Some(path), fill, mirror: false, ..RenderOptions::default() };
            let filled = render(p, &options(true), &Control::new()).unwrap();
            let plain = render(p, &options(false), &Control::new()).unwrap();
            assert_eq!(filled.buffer.counts(), plain.buffer.counts(), "{name} {path}: counts");
            let bits = |b: &faafo_engine::EscapeBuffer| b.norms().iter().map(|n| n.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&filled.buffer), bits(&plain.buffer), "{name} {path}: norms");
            let (a, b) = (filled.stats.iterations, plain.stats.iterations);
            eprintln!("{name} {path}: {a} iterations filled, {b} without");
            assert!(a <= b, "{name} {path}: the fill did more work");
            if *name == "standard" || *name == "seahorse" {
                assert!(a < b, "{name} {path}: the fill skipped nothing");
            }
            // Tiles cut the fill's rectangles elsewhere: still the same pixels.
            assert_tiles_match(p, (3, 2), &options(true), &plain.buffer, &format!("{name} {path}"));
        }
    }
}

/// Rows copied from their mirror image across the real axis (see `mirror.rs`) hold what
/// computing them gives, counts and |z|² bit for bit, on every path the CPU has: views
/// centred on the axis (with and without a row on it, with shortcuts off too), the
/// Multibrot of power 2, a view the axis crosses off-centre, and tiles of a poster.
/// Where rows pair up exactly, work is skipped; where none do, and without shortcuts
/// (every pixel computed, as the `dense` bench scene measures the kernels), nothing changes.
#[test]
fn mirrored_rows_change_no_pixel() {
    let mk =
        |fractal, center: Complex64, scale: f64, w, h, it| Params::from_center_scale(fractal, center, scale, w, h, it);
    let axis = Complex64::new(-0.75, 0.0);
    let views = [
        ("standard", mk(Fractal::Mandelbrot, axis, 3.5, 480, 270, 1000), true),
        ("odd rows", mk(Fractal::Mandelbrot, axis, 3.5, 241, 173, 300), true),
        ("multibrot 2", mk(Fractal::Multibrot { power: 2 }, axis, 3.5, 320, 200, 500), true),
        ("off-centre", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 0.3), 3.5, 320, 200, 500), false),
        ("above the axis", mk(Fractal::Mandelbrot, Complex64::new(-0.75, 1.0), 0.5, 320, 200, 500), false),
    ];
    let paths: Vec<_> = supported_paths().into_iter().filter(|&p| p != KernelPath::Reference).collect();
    let bits = |b: &faafo_engine::EscapeBuffer| b.norms().iter().map(|n| n.to_bits()).collect::<Vec<_>>();
    for path in paths {
        for (name, p, symmetric) in &views {
            for shortcuts in [true, false] {
                let options =
                    |mirror| RenderOptions { kernel: Some(path), shortcuts, mirror, ..RenderOptions::default() };
                let mirrored = render(p, &options(true), &Control::new()).unwrap();
                let plain = render(p, &options(false), &Control::new()).unwrap();
                let what = format!("{name} {path} shortcuts {shortcuts}");
                assert_eq!(mirrored.buffer.counts(), plain.buffer.counts(), "{what}: counts");
                assert_eq!(bits(&mirrored.buffer), bits(&plain.buffer), "{what}: norms");
                let (a, b) = (mirrored.stats.iterations, plain.stats.iterations);
                if *symmetric && shortcuts {
                    assert!(a < b, "{what}: nothing was copied ({a} iterations, {b} without)");
                } else {
                    assert_eq!(a, b, "{what}: rows without a mirror changed the work");
                }
                // A tile mirrors only within itself: still the same pixels.
                assert_tiles_match(p, (2, 3), &options(true), &plain.buffer, &what);
            }
        }
    }
}

/// The bench's standard and Seahorse scenes keep their escape counts (the checksums
/// `faafo bench` prints) with the interior fill, on the fused paths the CPU has.
#[test]
fn bench_scenes_keep_their_counts_with_the_fill() {
    let paths: Vec<_> =
        supported_paths().into_iter().filter(|p| matches!(p, KernelPath::Avx512 | KernelPath::Avx2Fma)).collect();
    for (name, want) in [("standard", "e6f2ebe42e486fbb"), ("seahorse", "24188eb8a03b6ae4")] {
        let scene = scenes::find(name).unwrap();
        for &path in &paths {
            let c = counts(&scene.params, path, scene.shortcuts);
            let bytes: Vec<u8> = c.iter().flat_map(|v| v.to_le_bytes()).collect();
            assert_eq!(&hex(&Sha256::digest(&bytes))[..16], want, "{name} {path}");
        }
    }
}
