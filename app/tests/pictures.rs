#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Pictures that are right (issue 16): automatic iterations rise where a limit too low
//! shows false interior. The real `eframe::App` driven headlessly with egui_kittest,
//! pictures from the real worker, checked on the rendered window's pixels.

mod common;

use std::time::{Duration, Instant};

use egui::vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_engine::{Colouring, Control, Fractal, Params, RenderOptions, render};
use faafo_engine::{ColouringMode, Light};
use faafo_explorer::ExplorerApp;
use faafo_explorer::command::Command;
use faafo_explorer::model::colour::Look;
use faafo_explorer::model::location::{Iterations, Location};
use faafo_explorer::model::view::View;

use common::run_until;

/// Generous for debug-build renders on 2 busy cores.
const TIMEOUT: Duration = Duration::from_secs(90);

/// The automatic limit at Seahorse Valley, scale 1e-6 (what the issue saw).
const AUTO_AT_SEAHORSE: u32 = 2761;

fn harness() -> Harness<'static, ExplorerApp> {
    harness_of(vec2(640.0, 420.0))
}

/// A window of `size` points (tall enough for the whole side panel when clicking in it).
fn harness_of(size: egui::Vec2) -> Harness<'static, ExplorerApp> {
    Harness::builder()
        .with_size(size)
        .with_pixels_per_point(1.0)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(|cc| ExplorerApp::with_store(&cc.egui_ctx, None))
}

fn seahorse(iterations: Iterations) -> Location {
    let view = View::new(-0.743643887037151, 0.13182590420533, 1e-6);
    Location { fractal: Fractal::Mandelbrot, view, iterations }
}

/// The limit of the full picture on screen.
fn shown_limit(app: &ExplorerApp) -> Option<u32> {
    app.shown_full().map(|(key, _)| key.max_iterations)
}

/// Canvas pixels (column, row) with the colour they should show.
type Coloured = Vec<(usize, usize, egui::Color32)>;

/// Pixels of the canvas (column, row) that are false interior at the automatic limit —
/// they escape after more than it and well before the first raise — with the colour they
/// have in the default look, and pixels that are true interior (bounded for 100,000
/// steps), all with their 4-neighbours of the same sort, so that a texture's filtering
/// cannot blur them.
fn known_pixels(app: &ExplorerApp) -> (Coloured, Vec<(usize, usize)>) {
    let grid = app.current_frame().unwrap().grid();
    let params = Params {
        fractal: Fractal::Mandelbrot,
        region: grid.region,
        width: grid.width,
        height: grid.height,
        max_iterations: 100_000,
        colouring: Colouring::default(),
    };
    let deep = render(&params, &RenderOptions::default(), &Control::new()).unwrap().buffer;
    let (w, h) = (grid.width as usize, grid.height as usize);
    let count = |x: usize, y: usize| (deep.norms()[y * w + x] >= 0.0).then_some(deep.counts()[y * w + x]);
    let painter = Look::default().painter();
    let (mut blobs, mut interior) = (Vec::new(), Vec::new());
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let around = [(x, y), (x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)].map(|(x, y)| count(x, y));
            if around.iter().all(|c| c.is_some_and(|c| c > AUTO_AT_SEAHORSE + 50 && c < 4 * AUTO_AT_SEAHORSE)) {
                let colour = painter.colour(deep.counts()[y * w + x], deep.smooth_at(y * w + x));
                // Clearly not the interior's black.
                if u32::from(colour.r()) + u32::from(colour.g()) + u32::from(colour.b()) > 90 {
                    blobs.push((x, y, colour));
                }
            } else if around.iter().all(Option::is_none) {
                interior.push((x, y));
            }
        }
    }
    (blobs, interior)
}

/// The window as drawn, and a reader of its pixel at canvas pixel (x, y).
fn screenshot(h: &mut Harness<'_, ExplorerApp>) -> impl Fn(usize, usize) -> [u8; 3] + use<> {
    let min = h.state().canvas_rect().unwrap().min;
    let image = h.render().unwrap();
    move |x, y| {
        let p = image.get_pixel(min.x.round() as u32 + x as u32, min.y.round() as u32 + y as u32);
        [p[0], p[1], p[2]]
    }
}

fn close(a: [u8; 3], b: egui::Color32) -> bool {
    [b.r(), b.g(), b.b()].iter().zip(a).all(|(x, y)| x.abs_diff(y) <= 10)
}

#[test]
fn automatic_iterations_rise_where_false_interior_appeared() {
    let mut h = harness();
    h.step();
    // A fixed limit at the automatic value: the false blobs stay black.
    h.state_mut().go_to(seahorse(Iterations::Fixed(AUTO_AT_SEAHORSE)));
    run_until(&mut h, "the picture at the fixed limit", ExplorerApp::is_up_to_date);
    let (blobs, interior) = known_pixels(h.state());
    assert!(blobs.len() >= 20 && interior.len() >= 20, "{} blob and {} interior pixels", blobs.len(), interior.len());
    let sample: Vec<_> = blobs.iter().step_by(blobs.len() / 10).take(10).copied().collect();
    h.run_steps(2);
    let pixel = screenshot(&mut h);
    for &(x, y, _) in &sample {
        assert_eq!(pixel(x, y), [0, 0, 0], "({x}, {y}) is black at {AUTO_AT_SEAHORSE}");
    }
    assert_eq!(shown_limit(h.state()), Some(AUTO_AT_SEAHORSE));

    // Automatic: the limit rises, only while it changes the picture, and the readout
    // says by how much and why.
    h.state_mut().go_to(seahorse(Iterations::Auto));
    run_until(&mut h, "a raised limit", |app| {
        app.is_up_to_date() && shown_limit(app).is_some_and(|l| l > AUTO_AT_SEAHORSE)
    });
    // Let further raises (if any) arrive.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    run_until(&mut h, "the settled picture", ExplorerApp::is_up_to_date);
    let limit = shown_limit(h.state()).unwrap();
    assert!((4 * AUTO_AT_SEAHORSE..=1_000_000).contains(&limit), "raised to {limit}");
    let status = h.state().status_text();
    assert!(status.contains(&format!("from {}", "2,761")) && status.contains("% of pixels hit the limit"), "{status}");

    h.run_steps(2);
    let pixel = screenshot(&mut h);
    for &(x, y, colour) in &sample {
        let got = pixel(x, y);
        assert!(close(got, colour), "({x}, {y}) shows {got:?}, the escape colour is {colour:?}");
    }
    for &(x, y) in interior.iter().step_by(interior.len() / 10).take(10) {
        assert_eq!(pixel(x, y), [0, 0, 0], "({x}, {y}) is true interior");
    }
}

/// The canvas as drawn (the window's pixels under it).
fn canvas_image(h: &mut Harness<'_, ExplorerApp>) -> image::RgbaImage {
    let rect = h.state().canvas_rect().unwrap();
    let image = h.render().unwrap();
    let (x, y) = (rect.min.x.round() as u32, rect.min.y.round() as u32);
    let (w, hgt) = (rect.width().floor() as u32, rect.height().floor() as u32);
    image::imageops::crop_imm(&image, x, y, w.min(image.width() - x), hgt.min(image.height() - y)).to_image()
}

/// The canvas' top square (what the snapshots keep: small files, all the modes show).
fn top_square(image: &image::RgbaImage) -> image::RgbaImage {
    let side = image.width().min(image.height());
    image::imageops::crop_imm(image, 0, 0, side, side).to_image()
}

/// Frames until the canvas differs from `before`; the new canvas.
fn until_changed(h: &mut Harness<'_, ExplorerApp>, before: &image::RgbaImage) -> image::RgbaImage {
    let started = Instant::now();
    loop {
        h.step();
        let now = canvas_image(h);
        if differing_pixels(&now, before) > 0 {
            return now;
        }
        assert!(started.elapsed() < TIMEOUT, "the canvas never changed");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn differing_pixels(a: &image::RgbaImage, b: &image::RgbaImage) -> usize {
    a.pixels().zip(b.pixels()).filter(|(p, q)| p != q).count()
}

/// Distance and lighting from the side panel: one render with the derivative when
/// switched on from escape time; between the modes and lights only recolouring.
/// Snapshots of both modes.
#[test]
fn colouring_modes_render_once_and_then_recolour() {
    let mut h = harness_of(vec2(640.0, 1000.0));
    let home = Location { view: View::new(-0.745, 0.11, 0.02), ..Location::home(Fractal::Mandelbrot) };
    h.state_mut().go_to(Location { iterations: Iterations::Fixed(800), ..home });
    run_until(&mut h, "the escape-time picture", ExplorerApp::is_up_to_date);
    h.run_steps(2);
    let escape = canvas_image(&mut h);

    // Lighting: one render with the derivative kept.
    let before = h.state().generation();
    h.get_by_label("Lighting").click();
    h.run_steps(3);
    assert_eq!(h.state().look().colouring.mode, ColouringMode::Lighting);
    run_until(&mut h, "the lit picture", |app| app.generation() > before && app.is_up_to_date());
    h.run_steps(2);
    let lit = canvas_image(&mut h);
    let changed = differing_pixels(&lit, &escape);
    assert!(changed * 4 > (lit.width() * lit.height()) as usize, "lighting changed only {changed} pixels");
    egui_kittest::image_snapshot(&top_square(&lit), "colouring_lighting");

    // Distance, then another light: the kept derivative is recoloured, nothing renders.
    let generation = h.state().generation();
    h.get_by_label("Distance").click();
    h.run_steps(3);
    assert_eq!(h.state().look().colouring.mode, ColouringMode::Distance);
    let distance = until_changed(&mut h, &lit);
    egui_kittest::image_snapshot(&top_square(&distance), "colouring_distance");

    let mut colouring = h.state().look().colouring;
    colouring.mode = ColouringMode::Lighting;
    colouring.light = Light { angle_degrees: 225.0, ..colouring.light };
    h.state_mut().apply(Command::SetColouring(colouring));
    let relit = until_changed(&mut h, &distance);
    assert!(differing_pixels(&relit, &lit) > 0, "another light, another picture");
    assert_eq!(h.state().generation(), generation, "a change of light is a recolour, not a render");

    // Stripes keep the stripe average instead of the derivative: one render, a picture
    // of its own; back to lighting renders the derivative again.
    let modes = [("Stripes", ColouringMode::Stripes), ("Lighting", ColouringMode::Lighting)];
    for (label, mode) in modes.into_iter().chain([("Stripes", ColouringMode::Stripes)]) {
        let before = h.state().generation();
        h.get_by_label(label).click();
        h.run_steps(3);
        assert_eq!(h.state().look().colouring.mode, mode);
        run_until(&mut h, label, |app| app.generation() > before && app.is_up_to_date());
    }
    h.run_steps(2);
    let striped = canvas_image(&mut h);
    let changed = differing_pixels(&striped, &escape);
    assert!(changed * 4 > (striped.width() * striped.height()) as usize, "stripes changed only {changed} pixels");
    egui_kittest::image_snapshot(&top_square(&striped), "colouring_stripes");
}

/// Antialiasing while the view is still: the jittered samples arrive one by one and end
/// as the engine's supersampled picture (within the explorer's colour table's rounding).
#[test]
fn a_still_view_is_antialiased_progressively() {
    let mut h = harness();
    let view =
        Location { view: View::new(-0.745, 0.11, 0.02), iterations: Iterations::Fixed(800), ..Location::default() };
    h.state_mut().go_to(view);
    run_until(&mut h, "the picture", ExplorerApp::is_up_to_date);
    h.run_steps(2);
    let plain = canvas_image(&mut h);

    let mut colouring = h.state().look().colouring;
    colouring.antialias = 2;
    h.state_mut().apply(Command::SetColouring(colouring));
    run_until(&mut h, "four samples", |app| app.status_text().contains("antialiased, 4 samples"));
    h.run_steps(2);
    let smooth = canvas_image(&mut h);
    assert!(differing_pixels(&smooth, &plain) * 10 > (plain.width() * plain.height()) as usize);

    let grid = h.state().current_frame().unwrap().grid();
    let params = Params {
        fractal: Fractal::Mandelbrot,
        region: grid.region,
        width: grid.width,
        height: grid.height,
        max_iterations: 800,
        colouring,
    };
    let engine = faafo_engine::antialias::render_antialiased(&params, 2, &RenderOptions::default(), &Control::new())
        .unwrap()
        .colours
        .to_rgb8();
    let (w, hgt) = (smooth.width().min(grid.width), smooth.height().min(grid.height));
    let mut far = 0;
    for y in 0..hgt {
        for x in 0..w {
            let p = smooth.get_pixel(x, y);
            let i = 3 * (y * grid.width + x) as usize;
            far += usize::from((0..3).any(|k| p[k].abs_diff(engine[i + k]) > 6));
        }
    }
    assert!(far * 100 <= (w * hgt) as usize, "{far} of {} pixels differ from the engine's by more than 6", w * hgt);
}

/// The colouring modes, the light and antialiasing travel in parameter files; a file
/// written before them opens in escape time without antialiasing.
#[test]
fn parameter_files_keep_the_colouring_modes() {
    use faafo_explorer::model::params_file::ParamsFile;
    let colouring = Colouring {
        mode: ColouringMode::Lighting,
        light: Light { angle_degrees: 200.0, elevation: 0.5, strength: 0.3 },
        antialias: 3,
        ..Colouring::default()
    };
    let file = ParamsFile::new(&seahorse(Iterations::Auto), colouring, None);
    let text = file.to_toml().unwrap();
    assert!(text.contains("mode = \"lighting\"") && text.contains("antialias = 3"), "{text}");
    assert_eq!(ParamsFile::parse(&text).unwrap().colouring, colouring);

    let old = "iterations = \"auto\"\n[fractal]\nkind = \"mandelbrot\"\n[view]\ncenter = [-0.75, 0.0]\nscale = 3.5\n[colouring]\npalette = \"fire\"\n";
    let read = ParamsFile::parse(old).unwrap().colouring;
    assert_eq!((read.mode, read.antialias), (ColouringMode::Escape, 1));

    let bad = text.replace("antialias = 3", "antialias = 7");
    let e = ParamsFile::parse(&bad).unwrap_err().to_string();
    assert!(e.contains("antialias must be between 1 and 4, got 7"), "{e}");
}
