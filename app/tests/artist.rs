#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The explorer an artist keeps open (issue 16): hold-to-fly, saving by extension, the
//! message log, a side panel that keeps its width, depth-limit words for a pasted
//! location, readouts without float noise. The real `eframe::App` driven headlessly with
//! egui_kittest, renders from the real worker.

mod common;

use std::path::PathBuf;

use common::{click, enter_text, run_until, run_until_rendered};
use egui::{Event, Key, Modifiers, PointerButton, Pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use faafo_engine::{Complex64, Fractal};
use faafo_explorer::ExplorerApp;
use faafo_explorer::app::notices::Level;
use faafo_explorer::command::Command;
use faafo_explorer::model::location::{Iterations, Location};
use faafo_explorer::model::view::View;

fn harness() -> Harness<'static, ExplorerApp> {
    common::harness_sized(vec2(1000.0, 900.0), None)
}

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("artist", name)
}

fn canvas_point(h: &Harness<'_, ExplorerApp>, dx: f32, dy: f32) -> Pos2 {
    h.state().canvas_rect().unwrap().min + vec2(dx, dy)
}

fn middle(h: &Harness<'_, ExplorerApp>, pos: Pos2, pressed: bool, modifiers: Modifiers) {
    h.event(Event::PointerButton { pos, button: PointerButton::Middle, pressed, modifiers });
}

/// Distance between two complex numbers in units of the view's width.
fn apart(a: Complex64, b: Complex64, scale: f64) -> f64 {
    (a - b).norm() / scale
}

#[test]
fn holding_the_middle_button_flies_toward_the_pointer_and_shift_flies_out() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let pointer = canvas_point(&h, 120.0, 90.0);
    h.hover_at(pointer);
    h.step();
    let target = h.state().point_at_screen(pointer).unwrap();
    let start = h.state().location().view;

    middle(&h, pointer, true, Modifiers::NONE);
    let mut scales = vec![start.scale_f64()];
    for _ in 0..30 {
        h.step();
        scales.push(h.state().location().view.scale_f64());
    }
    middle(&h, pointer, false, Modifiers::NONE);
    h.step();
    let flown = h.state().location().view;
    // Deeper on every frame the button was held, toward the pointer: the point under it
    // stays under it while the centre closes in on it.
    assert!(scales.windows(2).skip(1).all(|w| w[1] < w[0]), "scale not falling every frame: {scales:?}");
    let (flown_scale, start_scale) = (flown.scale_f64(), start.scale_f64());
    assert!(flown_scale < start_scale / 1.5, "half a second at the default speed: {start_scale} → {flown_scale}");
    let under = h.state().point_at_screen(pointer).unwrap();
    assert!(apart(under, target, flown_scale) < 0.01, "the point under the pointer drifted: {target} → {under}");
    assert!(
        (flown.center_f64() - target).norm() < (start.center_f64() - target).norm() * 0.8,
        "the centre did not close in on the pointer's point"
    );
    // Letting go stops the flight.
    h.run_steps(5);
    assert_eq!(h.state().location().view.scale, flown.scale);
    run_until_rendered(&mut h);

    // Shift + middle flies out.
    h.event(Event::ModifiersChanged(Modifiers::SHIFT));
    middle(&h, pointer, true, Modifiers::SHIFT);
    h.run_steps(20);
    middle(&h, pointer, false, Modifiers::SHIFT);
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
    assert!(h.state().location().view.scale_f64() > flown.scale_f64() * 1.2, "Shift+middle did not fly out");
}

#[test]
fn holding_z_flies_in_and_the_speed_setting_sets_how_fast() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let pointer = canvas_point(&h, 400.0, 300.0);
    h.hover_at(pointer);
    h.step();
    let fly = |h: &mut Harness<'_, ExplorerApp>| {
        let before = h.state().location().view.scale_f64();
        h.event(Event::Key {
            key: Key::Z,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::NONE,
        });
        h.run_steps(30);
        h.event(Event::Key {
            key: Key::Z,
            physical_key: None,
            pressed: false,
            repeat: false,
            modifiers: Modifiers::NONE,
        });
        h.step();
        before / h.state().location().view.scale_f64()
    };
    let slow = fly(&mut h);
    h.state_mut().apply(Command::SetFlySpeed(50.0));
    let fast = fly(&mut h);
    assert!(slow > 1.1, "Z did not fly in: ×{slow}");
    assert!(fast > slow * 3.0, "a faster setting did not fly faster: ×{slow} then ×{fast}");
    assert_eq!(h.state().settings().fly_zoom_per_s, 50.0, "the speed is a setting");
}

fn save_as(h: &mut Harness<'_, ExplorerApp>, path: &std::path::Path) {
    click(h, "Save image…");
    enter_text(h, "Width", "160");
    enter_text(h, "Height", "100");
    enter_text(h, "File", &path.display().to_string());
    click(h, "Save");
    run_until(h, "save finished", |app| !app.is_saving());
}

#[test]
fn a_jpg_is_saved_as_a_jpeg_and_an_unknown_extension_is_refused() {
    let dir = temp_dir("save");
    let mut h = harness();
    run_until_rendered(&mut h);

    let jpg = dir.join("small.jpg");
    save_as(&mut h, &jpg);
    assert!(!h.state().notice_is_error(), "{:?}", h.state().notice());
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "not JPEG bytes");
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 100));

    let gif = dir.join("small.gif");
    save_as(&mut h, &gif);
    assert!(h.state().notice_is_error());
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("unknown image type '.gif'") && notice.contains(".png, .jpg or .jpeg"), "{notice}");
    assert!(!gif.exists() && !dir.join("small.gif.part").exists());
}

#[test]
fn the_message_log_keeps_the_full_text_of_an_error() {
    let mut h = harness();
    run_until_rendered(&mut h);
    // An error longer than any status bar: a parameter file in a long, missing folder.
    let long = format!("/nonexistent/{}/params.toml", "a-very-long-folder-name".repeat(12));
    enter_text(&mut h, "Parameter file", &long);
    click(&mut h, "Open");
    let last = h.state().messages().last().unwrap().clone();
    assert_eq!(last.level, Level::Error);
    assert!(last.text.contains(&long), "the log cut the text: {}", last.text);
    assert_eq!(Some(last.text.as_str()), h.state().notice(), "the status bar shows the last message");
    let shown = |h: &Harness<'_, ExplorerApp>| h.query_all_by_label(&last.text).count();
    assert_eq!(shown(&h), 1, "the status bar's line");

    let button = format!("Messages ({})…", h.state().messages().len());
    click(&mut h, &button);
    assert!(h.state().messages_open());
    // The window shows it whole too (a selectable label with the full text).
    assert_eq!(shown(&h), 2, "the message log does not show the whole text");
}

#[test]
fn the_side_panel_keeps_its_width_after_a_julia_pick() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let before = h.state().canvas_rect().unwrap();
    // A constant with every digit an f64 has: the longest readout there is.
    h.state_mut().apply(Command::PickJulia(Complex64::new(-0.743_643_887_037_151, 0.131_825_904_205_330_1)));
    run_until_rendered(&mut h);
    h.run_steps(3);
    assert_eq!(h.state().location().fractal.kind(), faafo_engine::FractalKind::Julia);
    assert_eq!(h.state().canvas_rect().unwrap(), before, "the picture changed size");
}

#[test]
fn a_pasted_location_too_deep_says_so_in_the_wheels_words() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let before = h.state().location();
    // A kind without a deep path (Mandelbrot goes on by perturbation: see deep.rs).
    let deep = Location {
        fractal: Fractal::BurningShip,
        view: View::new(-0.743_643_887_037_151, 0.131_825_904_205_33, 1e-17),
        iterations: Iterations::Auto,
    };
    h.state_mut().apply(Command::PasteLocation(deep.to_text()));
    h.step();
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.starts_with("deepest zoom reached"), "{notice}");
    assert!(!notice.contains("must be less than"), "{notice}");
    assert_eq!(h.state().location(), before);
}

#[test]
fn readouts_show_the_digits_that_mean_something() {
    let mut h = harness();
    run_until_rendered(&mut h);
    // Scale 3.5 × 0.8^k is float noise in full (3.5 · 0.8 = 2.8000000000000003).
    let noisy = View::new(-0.75, 0.1, 3.5 * 0.8);
    assert_eq!(format!("{}", noisy.scale_f64()), "2.8000000000000003");
    let location = Location { view: noisy, ..h.state().location() };
    h.state_mut().go_to(location);
    h.run_steps(2);
    h.get_by_label("2.8e0");
    h.get_by_label("-0.75");
    assert!(h.query_by_label_contains("2.8000000000000003").is_none());
}

#[test]
fn a_palette_tuned_here_is_saved_as_a_file_and_opens_the_same() {
    let dir = temp_dir("palette-save");
    let mut h = harness();
    run_until_rendered(&mut h);
    // Nothing to write with a built-in palette: the buttons are off.
    let save = h.get_by_label("Save palette as");
    assert!(save.accesskit_node().is_disabled(), "Save palette as is enabled without a palette file");

    let original = dir.join("sunset.toml");
    std::fs::write(
        &original,
        "name = \"sunset\"\n[[stop]]\nat = 0.0\ncolour = \"#1a0533\"\n[[stop]]\nat = 0.5\ncolour = \"#ff8c00\"\n",
    )
    .unwrap();
    enter_text(&mut h, "Palette file", &original.display().to_string());
    click(&mut h, "Load palette");
    assert!(h.state().look().custom.is_some(), "{:?}", h.state().notice());
    click(&mut h, "Lighting");
    assert_eq!(h.state().look().colouring.mode, faafo_engine::ColouringMode::Lighting);

    let written = dir.join("sunset-lit");
    enter_text(&mut h, "Palette file", &written.display().to_string());
    click(&mut h, "Save palette as");
    let written = written.with_extension("toml");
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("palette 'sunset' saved to") && notice.contains("sunset-lit.toml"), "{notice}");
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.contains("#ff8c00") && text.contains("mode = \"lighting\""), "{text}");

    // Back to a built-in palette in escape time, then the written file: lit again.
    click(&mut h, "Forget palette file");
    click(&mut h, "Escape time");
    assert!(h.state().look().custom.is_none());
    click(&mut h, "Load palette");
    let look = h.state().look();
    assert_eq!(look.custom.as_ref().map(|g| g.name().to_owned()).as_deref(), Some("sunset"));
    assert_eq!(look.colouring.mode, faafo_engine::ColouringMode::Lighting);

    // A folder nobody may write into is refused with the reason, and nothing changes.
    enter_text(&mut h, "Palette file", "/sys/faafo-palette.toml");
    click(&mut h, "Save palette as");
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("cannot write palette file /sys/faafo-palette.toml"), "{notice}");
}
