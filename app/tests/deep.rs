#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Deep views in the explorer, driven headlessly with egui_kittest: a location past what
//! doubles resolve is pasted, rendered by perturbation, zoomed with the wheel, bookmarked
//! across a restart, kept in a parameter file and saved as an image, every digit intact.

mod common;

use std::path::PathBuf;

use common::{click, enter_text, run_until, run_until_rendered};
use egui::{Event, Modifiers, MouseWheelSource, MouseWheelUnit, TouchPhase, vec2};
use egui_kittest::Harness;
use faafo_explorer::ExplorerApp;
use faafo_explorer::model::location::Location;

fn harness_with(store: Option<PathBuf>) -> Harness<'static, ExplorerApp> {
    common::harness_sized(vec2(900.0, 700.0), store)
}

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("deep", name)
}

/// A view `scale` wide next to the Misiurewicz point i, where the boundary is spirals at
/// every depth; the real part has more digits than any double.
fn deep_text(zeros: usize, scale: &str) -> String {
    format!("mandelbrot center=0.{}123,1 scale={scale} iterations=4000", "0".repeat(zeros))
}

/// The shown full picture is of the current location, rendered by perturbation, and is a
/// picture (many colours), not a flat field.
fn assert_deep_picture(h: &mut Harness<'_, ExplorerApp>) {
    run_until_rendered(h);
    assert!(h.state().render_failure().is_none(), "{:?}", h.state().render_failure());
    let (key, _) = h.state().shown_full().unwrap();
    assert!(key.frame.renders_deep(&key.fractal), "{:?}", key.frame.view);
    assert_eq!(key.frame.view, h.state().location().view);
}

#[test]
fn a_pasted_1e_100_location_renders_and_reads_out_its_depth() {
    let mut h = harness_with(None);
    run_until_rendered(&mut h);
    // Before deep zoom this failed with "xa must be less than xb".
    let text = deep_text(100, "3e-100");
    enter_text(&mut h, "Location", &text);
    assert!(!h.state().notice_is_error(), "{:?}", h.state().notice());
    let loc = h.state().location();
    assert_eq!(loc, Location::parse_text(&text).unwrap());
    assert_eq!(loc.view.center.re(), "1.23e-101", "every digit, in the engine's normal form");
    assert_deep_picture(&mut h);
    // The readouts: the depth as a power of ten, the centre in full.
    common::shown(&h, "10^100.07");
    common::shown(&h, "1.23e-101");
}

#[test]
fn the_wheel_zooms_on_past_doubles_and_reprojects() {
    let mut h = harness_with(None);
    run_until_rendered(&mut h);
    enter_text(&mut h, "Location", &deep_text(300, "3e-300"));
    assert_deep_picture(&mut h);
    let before = h.state().location();
    let pointer = h.state().canvas_rect().unwrap().min + vec2(200.0, 150.0);
    h.hover_at(pointer);
    for _ in 0..5 {
        h.event(Event::MouseWheel {
            unit: MouseWheelUnit::Line,
            delta: vec2(0.0, 1.0),
            phase: TouchPhase::Move,
            source: MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        });
        h.step();
    }
    let after = h.state().location();
    assert!(!h.state().notice_is_error(), "no depth limit: {:?}", h.state().notice());
    assert!(after.view.scale.log10() < before.view.scale.log10() - 0.2, "{} → {}", before.view.scale, after.view.scale);
    assert!(after.max_iterations() >= before.max_iterations(), "automatic iterations grow with depth");
    assert_deep_picture(&mut h);
}

#[test]
fn a_deep_bookmark_and_parameter_file_keep_every_digit_across_a_restart() {
    let dir = temp_dir("bookmark");
    let settings = dir.join("explorer.toml");
    let params = dir.join("deep.toml");
    let text = deep_text(300, "4.5e-300");
    {
        let mut h = harness_with(Some(settings.clone()));
        run_until_rendered(&mut h);
        enter_text(&mut h, "Location", &text);
        enter_text(&mut h, "Bookmark name", "Deep spiral");
        click(&mut h, "Add bookmark");
        enter_text(&mut h, "Parameter file", &params.display().to_string());
        click(&mut h, "Save as");
        assert!(!h.state().notice_is_error(), "{:?}", h.state().notice());
    }
    let file = std::fs::read_to_string(&params).unwrap();
    assert!(file.contains("\"1.23e-301\"") && file.contains("scale = \"4.5e-300\""), "{file}");
    let mut h = harness_with(Some(settings));
    h.step();
    let want = Location::parse_text(&text).unwrap();
    assert_eq!(h.state().location(), want, "the last view persists exactly");
    h.key_press(egui::Key::R);
    h.step();
    assert_ne!(h.state().location(), want);
    click(&mut h, "Deep spiral");
    assert_eq!(h.state().location(), want, "the bookmark comes back exactly");
    h.key_press(egui::Key::R);
    h.step();
    enter_text(&mut h, "Parameter file", &params.display().to_string());
    click(&mut h, "Open");
    assert_eq!(h.state().location(), want, "the parameter file comes back exactly");
    assert_deep_picture(&mut h);
}

#[test]
fn an_image_of_a_deep_view_is_saved() {
    let dir = temp_dir("save");
    let path = dir.join("deep.png");
    let mut h = harness_with(None);
    run_until_rendered(&mut h);
    enter_text(&mut h, "Location", &deep_text(300, "3e-300"));
    click(&mut h, "Save image…");
    enter_text(&mut h, "Width", "160");
    enter_text(&mut h, "Height", "120");
    enter_text(&mut h, "File", &path.display().to_string());
    click(&mut h, "Save");
    run_until(&mut h, "image saved", |app| !app.is_saving());
    assert!(!h.state().notice_is_error(), "{:?}", h.state().notice());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (160, 120));
    let step = info.color_type.samples();
    let colours: std::collections::BTreeSet<&[u8]> = pixels[..info.buffer_size()].chunks(step).collect();
    assert!(colours.len() > 20, "{} colours: a flat picture", colours.len());

    // The very bytes a cluster's worker makes of the task the Cluster window sends.
    let location = h.state().location();
    let mut request =
        faafo_backend::client::NewFractalRequest::at(160, 120, location.max_iterations(), location.view.location());
    request.kind = Some(location.fractal.kind());
    request.palette = Some(h.state().look().colouring.palette);
    let new = faafo_backend::wire::fractal::parse_new(&request.body("deep"), &faafo_engine::Limits::default()).unwrap();
    let row = faafo_backend::wire::fractal::Fractal::from_new("deep".into(), &new, None, None, String::new());
    // What faafo-worker does with that row (backend worker::deep, which the explorer does
    // not link): the row's parameters at its exact location, through the engine.
    let location = row.deep_location().unwrap().expect("a deep task");
    let params = row.params().unwrap();
    let control = faafo_engine::Control::new();
    let buffer =
        faafo_engine::deep::render_location(&params.fractal, &location, 160, 120, params.max_iterations, &control)
            .unwrap();
    let worker_png = faafo_engine::encode_png(&buffer, &params.colouring, faafo_engine::BitDepth::Eight).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), worker_png, "the local save and the worker differ");
}
