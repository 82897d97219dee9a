//! The view maths against the engine's mapping: pixel centres, zoom and pan anchoring at
//! every depth, reprojection, and how views read and write in files.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use faafo_engine::location::{Center, Scale};
use faafo_engine::{Complex64, Fractal, FractalKind, Orientation};

use super::{Frame, Grid, View};

fn frame() -> Frame {
    Frame::new(View::new(-0.75, 0.1, 3.5), 640, 480)
}

fn close(a: Complex64, b: Complex64, tol: f64) -> bool {
    (a - b).norm() <= tol
}

#[test]
fn pixel_centres_match_the_engine_mapping() {
    let f = frame();
    let r = f.region();
    // Imaginary axis up: the centre of pixel (0, 0) is (xa, yb); of the last, (xb, ya).
    assert!(close(f.point_at([0.5, 0.5]), Complex64::new(r.xa, r.yb), 1e-15));
    assert!(close(f.point_at([639.5, 479.5]), Complex64::new(r.xb, r.ya), 1e-14));
    for o in [Orientation::Up, Orientation::Down] {
        let f = Frame { orientation: o, ..f.clone() };
        let z = r.pixel_to_complex(100.0, 50.0, 640, 480, o);
        assert!(close(f.point_at([100.5, 50.5]), z, 1e-15), "{o:?}");
        let p = f.position_of(z);
        assert!((p[0] - 100.5).abs() < 1e-9 && (p[1] - 50.5).abs() < 1e-9, "{o:?}");
        // The middle of the canvas is the view's centre.
        assert!(close(f.point_at([320.0, 240.0]), f.view.center_f64(), 1e-12));
    }
    // Classic keeps the original's row 0 at ya.
    let classic = f.of_kind(FractalKind::Classic);
    assert!(close(classic.point_at([0.5, 0.5]), Complex64::new(r.xa, r.ya), 1e-15));
}

#[test]
fn zoom_keeps_the_point_under_the_cursor() {
    for (f, (px, factor)) in [frame(), frame().of_kind(FractalKind::Classic)]
        .into_iter()
        .flat_map(|f| [([10.0, 20.0], 1.25), ([600.3, 470.9], 0.8), ([320.0, 240.0], 1e3)].map(|z| (f.clone(), z)))
    {
        let before = f.point_at(px);
        let zoomed = Frame { view: f.zoom_at(px, factor), ..f };
        let after = zoomed.point_at(px);
        let step = zoomed.grid().step_x();
        assert!(close(before, after, step * 1e-6), "{px:?} × {factor}: {before} → {after}");
        assert!((zoomed.view.scale_f64() - f.view.scale_f64() / factor).abs() < 1e-15);
    }
}

#[test]
fn deep_zoom_stays_anchored_in_pixels() {
    // From the whole set through where doubles end and on to 1e-30, each wheel step
    // keeps the point under the cursor within a hundredth of a pixel: doubles while
    // they resolve the view, exact decimals past them (no seam at the switch).
    let mut f = Frame::new(View::new(-0.743643887037151, 0.131825904205330, 3.5), 1920, 1080);
    let px = [700.0, 400.0];
    let mut was_deep = false;
    while f.view.scale.log10() > -30.0 {
        let anchor = f.exact_point_at(px);
        f.view = f.zoom_at(px, 1.25);
        let here = f.exact_point_at(px);
        let (dx, dy) = here.offset_in_units(&anchor, f.view.scale.pixel_step(f.width));
        for drift in [dx.abs(), dy.abs()] {
            assert!(drift < 0.01, "drifted {drift} px at {}", f.view.scale);
        }
        was_deep |= f.is_deep();
    }
    assert!(was_deep);
    let f = Frame { view: View::new(-0.743643887037151, 0.131825904205330, 1e-12), ..f };
    assert!(f.validate(&Fractal::BurningShip).is_ok(), "1e-12 over 1920 px is still within f64");
    let too_deep = Frame { view: View { scale: Scale::parse("1e-15").unwrap(), ..f.view.clone() }, ..f };
    let e = too_deep.validate(&Fractal::BurningShip).unwrap_err().to_string();
    assert!(e.contains("burning-ship") && e.contains("mandelbrot"), "{e}");
    assert!(too_deep.validate(&Fractal::Mandelbrot).is_ok(), "perturbation goes on");
}

#[test]
fn pan_moves_content_by_whole_pixels_and_is_detected() {
    for f in [frame(), frame().of_kind(FractalKind::Classic)] {
        let moved = Frame { view: f.panned(7.0, -3.0), ..f };
        // The point that was under (100, 100) is now under (107, 97).
        let z = f.point_at([100.5, 100.5]);
        let p = moved.position_of(z);
        assert!((p[0] - 107.5).abs() < 1e-6 && (p[1] - 97.5).abs() < 1e-6, "{p:?}");
        assert_eq!(f.pixel_offset_to(&moved), Some((-7, 3)));
        assert_eq!(moved.pixel_offset_to(&f), Some((7, -3)));
    }
    // Content dragged up (dy < 0) with the imaginary axis up shows smaller imaginary parts.
    let f = frame();
    assert!(f.panned(0.0, -3.0).center_f64().im < f.view.center_f64().im);
    let half = Frame { view: f.panned(0.5, 0.0), ..f };
    assert_eq!(f.pixel_offset_to(&half), None);
    let other_scale = Frame { view: View { scale: Scale::parse("3").unwrap(), ..f.view.clone() }, ..f.clone() };
    assert_eq!(f.pixel_offset_to(&other_scale), None);
}

#[test]
fn placement_is_identity_for_the_same_frame_and_follows_zoom() {
    let f = frame();
    let g = f.grid();
    let p = g.placement_in(&g);
    for (got, want) in p.iter().zip([0.0, 0.0, 640.0, 480.0]) {
        assert!((got - want).abs() < 1e-9, "{p:?}");
    }
    // Zoom 2× about the centre: the old picture covers twice the window, centred.
    let z = Frame { view: f.zoom_at([320.0, 240.0], 2.0), ..f };
    let p = g.placement_in(&z.grid());
    let want = [-320.0, -240.0, 960.0, 720.0];
    for (got, want) in p.iter().zip(want) {
        assert!((got - want).abs() < 0.01, "{p:?}");
    }
    // A quarter-size preview of the same region covers the same window (up to half
    // of its larger pixel at each edge, as the engine's with_size defines it).
    let preview = Grid { width: 160, height: 120, ..g.clone() };
    let p = preview.placement_in(&g);
    assert!(p[0] < 0.0 && p[0] > -2.0 && p[2] > 640.0 && p[2] < 642.0, "{p:?}");
}

#[test]
fn fit_box_centres_and_scales() {
    let f = frame();
    let v = f.fit_box([100.0, 100.0], [260.0, 220.0]).unwrap();
    assert!((v.scale_f64() - f.view.scale_f64() * 0.25).abs() < 1e-12);
    assert!(close(v.center_f64(), f.point_at([180.0, 160.0]), 1e-12));
    assert!(f.fit_box([10.0, 10.0], [12.0, 11.0]).is_none());
}

#[test]
fn sub_grid_pixels_coincide() {
    for g in [frame().grid(), frame().of_kind(FractalKind::Classic).grid()] {
        let s = g.sub_grid(600, 640, 10, 12);
        assert_eq!((s.width, s.height), (40, 2));
        let a = g.point_at([600.5, 11.5]);
        let b = s.point_at([0.5, 1.5]);
        assert!(close(a, b, 1e-14));
        let a = g.point_at([639.5, 10.5]);
        let b = s.point_at([39.5, 0.5]);
        assert!(close(a, b, 1e-14));
    }
}

/// A view 1e-300 wide (far below doubles) next to the Misiurewicz point i.
fn deep_frame(orientation: Orientation) -> Frame {
    let center = Center::parse(&format!("0.{}7", "0".repeat(299)), "1").unwrap();
    let view = View { center, scale: Scale::parse("3.5e-300").unwrap() };
    Frame { orientation, ..Frame::new(view, 640, 480) }
}

#[test]
fn deep_zoom_and_pan_are_exact_and_reproject() {
    for o in [Orientation::Up, Orientation::Down] {
        let f = deep_frame(o);
        assert!(f.is_deep() && f.renders_deep(&Fractal::Mandelbrot), "{o:?}");
        // The point under the cursor stays under it, exactly enough for a thousandth
        // of a pixel.
        let px = [100.5, 400.5];
        let before = f.exact_point_at(px);
        let zoomed = Frame { view: f.zoom_at(px, 1.25), ..f.clone() };
        let after = zoomed.exact_point_at(px);
        let step = zoomed.view.scale.pixel_step(zoomed.width);
        let (dx, dy) = before.offset_in_units(&after, step);
        for drift in [dx, dy] {
            assert!(drift.abs() < 1e-3, "{o:?}: drifted {drift} px");
        }
        // The old picture lands where the zoom about px puts it: px stays fixed.
        let [l, t, r, b] = f.grid().placement_in(&zoomed.grid());
        let fx = (px[0] - l) / (r - l) * 640.0;
        let fy = (px[1] - t) / (b - t) * 480.0;
        assert!((fx - px[0]).abs() < 1e-6 && (fy - px[1]).abs() < 1e-6, "{o:?}: {fx}, {fy}");
        assert!(((r - l) / 640.0 - 1.25).abs() < 1e-9, "{o:?}");
        // A drag moves the picture by exactly the dragged pixels.
        let moved = Frame { view: f.panned(7.0, -3.0), ..f.clone() };
        let [l, t, r, b] = f.grid().placement_in(&moved.grid());
        for (got, want) in [(l, 7.0), (t, -3.0), (r, 647.0), (b, 477.0)] {
            assert!((got - want).abs() < 1e-6, "{o:?}: {:?}", [l, t, r, b]);
        }
        let (z, was) = (moved.exact_point_at([107.5, 97.5]), f.exact_point_at([100.5, 100.5]));
        let (dx, dy) = z.offset_in_units(&was, step);
        for off in [dx, dy] {
            assert!(off.abs() < 1e-3, "{o:?}: the dragged point is {off} px from the cursor");
        }
        assert_eq!(f.pixel_offset_to(&moved), None, "deep pixels are not shifted");
    }
}

#[test]
fn views_keep_every_digit_in_files_and_shallow_ones_stay_numbers() {
    let deep = deep_frame(Orientation::Up).view;
    let text = toml::to_string(&deep).unwrap();
    assert!(text.contains("center = [\"7e-300\", \"1\"]") && text.contains("scale = \"3.5e-300\""), "{text}");
    assert_eq!(toml::from_str::<View>(&text).unwrap(), deep);
    let shallow = View::new(-0.743643887037151, 0.131825904205330, 1.234567890123e-12);
    let text = toml::to_string(&shallow).unwrap();
    assert!(text.contains("center = [-0.743643887037151, 0.13182590420533]"), "{text}");
    assert_eq!(toml::from_str::<View>(&text).unwrap(), shallow);
    let e = toml::from_str::<View>("center = [0.0, 0.0]\nscale = -1.0").unwrap_err().to_string();
    assert!(e.contains("scale"), "{e}");
}
