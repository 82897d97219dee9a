#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Drives the real `eframe::App` headlessly with egui_kittest: input goes in as egui
//! events, renders come from the real background worker, and the assertions look at the
//! app's state and at what the window shows (through AccessKit).

mod common;

use std::path::{Path, PathBuf};

use common::{click, enter_text, run_until, run_until_rendered};
use egui::{Event, Key, Modifiers, MouseWheelSource, MouseWheelUnit, Pos2, TouchPhase, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use faafo_engine::{Fractal, FractalKind};
use faafo_explorer::ExplorerApp;
use faafo_explorer::model::location::Iterations;
use faafo_explorer::model::view::View;
use faafo_explorer::render::worker::Pass;

fn harness_with(store: Option<PathBuf>) -> Harness<'static, ExplorerApp> {
    common::harness_sized(vec2(1000.0, 900.0), store)
}

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("explorer", name)
}

fn harness() -> Harness<'static, ExplorerApp> {
    harness_with(None)
}

fn wheel(h: &Harness<'_, ExplorerApp>, pos: Pos2, notches: f32) {
    h.hover_at(pos);
    h.event(Event::MouseWheel {
        unit: MouseWheelUnit::Line,
        delta: vec2(0.0, notches),
        phase: TouchPhase::Move,
        source: MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
}

fn canvas_point(h: &Harness<'_, ExplorerApp>, dx: f32, dy: f32) -> Pos2 {
    h.state().canvas_rect().unwrap().min + vec2(dx, dy)
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    (reader.info().width, reader.info().height)
}

#[test]
fn first_render_fills_the_canvas_and_the_status_line_describes_it() {
    let mut h = harness();
    h.step();
    // Until the full picture is in, the status line says so. (Results are taken in during
    // frames, so the state and the frame's accessibility tree agree; a fast machine may
    // have the picture within the first frame.)
    if !h.state().is_up_to_date() {
        h.get_by_label("rendering…");
    }
    run_until_rendered(&mut h);
    h.step(); // one more frame so the accessibility tree shows the final status

    let app = h.state();
    let [w, h_px] = app.view_size().unwrap();
    assert_eq!(app.texture_size(), Some([w as usize, h_px as usize]));
    let (key, pass) = app.shown_full().unwrap();
    assert_eq!(key.frame.view, app.location().view);
    assert!(pass.is_full_resolution());
    let status = h.get_by_label_contains("kernel");
    let text = status.accesskit_node().value().unwrap_or_default();
    assert!(text.contains(&format!("{w}×{h_px}")) && text.contains(" iterations · "), "status line: {text}");
    // Readouts: centre and scale in full precision.
    h.get_by_label("-0.75");
    h.get_by_label("3.5e0");
}

#[test]
fn wheel_zooms_about_the_point_under_the_cursor_and_renders_it() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let pos = canvas_point(&h, 180.0, 130.0);
    let before = h.state().point_at_screen(pos).unwrap();
    let scale = h.state().location().view.scale_f64();

    wheel(&h, pos, 2.0);
    h.step();
    h.step();
    let app = h.state();
    let after = app.point_at_screen(pos).unwrap();
    let new_scale = app.location().view.scale_f64();
    assert!((new_scale - scale / 1.25f64.powi(2)).abs() < 1e-12, "{scale} → {new_scale}");
    let step = new_scale / f64::from(app.view_size().unwrap()[0] - 1);
    assert!((after - before).norm() < step * 1e-6, "the point under the cursor moved: {before} → {after}");

    run_until_rendered(&mut h);
    assert_eq!(h.state().shown_full().unwrap().0.frame.view, h.state().location().view);

    // Wheel the other way: back out by the same factor, about the same point.
    wheel(&h, pos, -2.0);
    h.step();
    h.step();
    assert!((h.state().location().view.scale_f64() - scale).abs() < 1e-12);
}

#[test]
fn dragging_pans_by_whole_pixels_and_computes_only_the_new_strips() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let view = h.state().location().view;
    let start = canvas_point(&h, 300.0, 300.0);
    h.hover_at(start);
    h.drag_at(start);
    h.step();
    for i in 1..=8 {
        h.hover_at(start + vec2(5.0 * i as f32, -2.5 * i as f32));
        h.step();
    }
    h.drop_at(start + vec2(40.0, -20.0));
    h.step();
    h.step();

    let app = h.state();
    let frame = app.current_frame().unwrap();
    let moved = app.location().view;
    let step = frame.grid().step_x();
    let ppp = h.ctx.pixels_per_point() as f64;
    // The content moved right and up, so the view moved left and down: to smaller real
    // and (the imaginary axis points up) smaller imaginary parts.
    let (view, moved) = (view.center_f64(), moved.center_f64());
    let (dx, dy) = ((view.re - moved.re) / step, (view.im - moved.im) / step);
    assert!((dx - dx.round()).abs() < 1e-6 && (dy - dy.round()).abs() < 1e-6, "not whole pixels: {dx}, {dy}");
    assert!(dx.round() > 0.0 && dy.round() > 0.0 && dx.round() <= 40.0 * ppp, "moved {dx}, {dy}");

    run_until_rendered(&mut h);
    let (_, pass) = h.state().shown_full().unwrap();
    assert!(matches!(pass, Pass::Shift { .. }), "a pan reuses pixels, got {pass:?}");
}

#[test]
fn a_panel_change_triggers_a_render_with_the_new_parameters() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let generation = h.state().generation();

    enter_text(&mut h, "Max iterations", "500");
    assert_eq!(h.state().location().iterations, Iterations::Fixed(500));
    run_until_rendered(&mut h);
    assert!(h.state().generation() > generation);
    assert_eq!(h.state().shown_full().unwrap().0.max_iterations, 500);

    click(&mut h, "Julia");
    assert_eq!(h.state().location().fractal.kind(), FractalKind::Julia);
    run_until_rendered(&mut h);
    assert!(matches!(h.state().shown_full().unwrap().0.fractal, Fractal::Julia { .. }));
}

#[test]
fn history_back_restores_the_view_and_forward_returns() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let home = h.state().location();
    wheel(&h, canvas_point(&h, 250.0, 200.0), 3.0);
    h.step();
    let zoomed = h.state().location();
    assert_ne!(zoomed, home);

    click(&mut h, "Back");
    assert_eq!(h.state().location(), home);
    run_until_rendered(&mut h);
    click(&mut h, "Forward");
    assert_eq!(h.state().location(), zoomed);

    // Keyboard: + zooms, Backspace goes back.
    h.key_press(Key::Plus);
    h.step();
    assert_ne!(h.state().location(), zoomed);
    h.key_press(Key::Backspace);
    h.step();
    assert_eq!(h.state().location(), zoomed);
    h.key_press(Key::R);
    h.step();
    assert_eq!(h.state().location().view, home.view);
}

#[test]
fn bookmarks_persist_across_restarts() {
    let dir = temp_dir("bookmarks");
    let settings = dir.join("explorer.toml");
    let zoomed;
    {
        let mut h = harness_with(Some(settings.clone()));
        run_until_rendered(&mut h);
        wheel(&h, canvas_point(&h, 220.0, 160.0), 4.0);
        h.step();
        zoomed = h.state().location();
        enter_text(&mut h, "Bookmark name", "Seahorse corner");
        click(&mut h, "Add bookmark");
        assert_eq!(h.state().settings().bookmarks.len(), 1);
        h.get_by_label("Seahorse corner");
        let text = std::fs::read_to_string(&settings).unwrap();
        assert!(text.contains("Seahorse corner"), "{text}");
        // Go elsewhere, then quit: the last view persists too.
        h.key_press(Key::R);
        h.step();
        assert_eq!(h.state().location().view, View::home(FractalKind::Mandelbrot));
    }
    let mut h = harness_with(Some(settings));
    h.step();
    assert_eq!(h.state().location().view, View::home(FractalKind::Mandelbrot), "the last view persists");
    assert_eq!(h.state().settings().bookmarks[0].name, "Seahorse corner");
    run_until(&mut h, "thumbnail", |_| true);
    click(&mut h, "Seahorse corner");
    assert_eq!(h.state().location(), zoomed);
}

#[test]
fn save_image_writes_a_png_of_the_requested_size() {
    let dir = temp_dir("save");
    let path = dir.join("shot.png");
    let mut h = harness();
    run_until_rendered(&mut h);
    click(&mut h, "Save image…");
    enter_text(&mut h, "Width", "320");
    enter_text(&mut h, "Height", "200");
    enter_text(&mut h, "File", &path.display().to_string());
    click(&mut h, "Save");
    run_until(&mut h, "image saved", |app| !app.is_saving());
    assert!(!h.state().notice_is_error(), "{:?}", h.state().notice());
    assert!(h.state().notice().unwrap().contains("saved 320×200"), "{:?}", h.state().notice());
    assert_eq!(png_size(&path), (320, 200));
}

#[test]
fn bad_input_gets_a_message_and_keeps_the_view() {
    let dir = temp_dir("bad-input");
    let mut h = harness();
    run_until_rendered(&mut h);
    let before = h.state().location();

    for typed in ["0", "1000000000000", "lots"] {
        enter_text(&mut h, "Max iterations", typed);
        assert!(h.state().notice_is_error(), "{typed}: {:?}", h.state().notice());
        let notice = h.state().notice().unwrap().to_owned();
        assert!(notice.contains("between 1 and 10000000"), "{notice}");
        h.get_by_label_contains("iterations must be");
        assert_eq!(h.state().location(), before, "typed {typed}");
    }

    let bad_params = dir.join("bad.toml");
    std::fs::write(&bad_params, "iterations = \"auto\"\n[fractal]\nkind = \"newton\"\n").unwrap();
    enter_text(&mut h, "Parameter file", &bad_params.display().to_string());
    click(&mut h, "Open");
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("does not parse") && notice.contains("newton"), "{notice}");
    assert_eq!(h.state().location(), before);

    let bad_palette = dir.join("palette.toml");
    std::fs::write(&bad_palette, "name = \"x\"\n[[stop]]\nat = 0.0\n").unwrap();
    enter_text(&mut h, "Palette file", &bad_palette.display().to_string());
    click(&mut h, "Load palette");
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("does not parse") && notice.contains("colour"), "{notice}");
    assert!(h.state().look().custom.is_none());

    // A folder the app may not write into (/sys refuses even root).
    click(&mut h, "Save image…");
    enter_text(&mut h, "Width", "64");
    enter_text(&mut h, "Height", "64");
    enter_text(&mut h, "File", "/sys/faafo-explorer-test.png");
    click(&mut h, "Save");
    run_until(&mut h, "save refused", |app| !app.is_saving());
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("cannot write /sys/faafo-explorer-test.png"), "{notice}");

    enter_text(&mut h, "Location", "mandelbrot scale=zero");
    assert!(h.state().notice().unwrap().contains("scale must be"), "{:?}", h.state().notice());
    assert_eq!(h.state().location(), before);
    run_until_rendered(&mut h);
}

#[test]
fn a_pasted_location_and_a_saved_parameter_file_round_trip() {
    let dir = temp_dir("params");
    let mut h = harness();
    run_until_rendered(&mut h);
    let text = "julia c=-0.8,0.156 center=0.1,-0.2 scale=1.5e-3 iterations=700";
    enter_text(&mut h, "Location", text);
    let loc = h.state().location();
    assert_eq!(loc.to_text(), "julia c=-0.8,0.156 center=0.1,-0.2 scale=1.5e-3 iterations=700");
    run_until_rendered(&mut h);

    let file = dir.join("view.toml");
    enter_text(&mut h, "Parameter file", &file.display().to_string());
    click(&mut h, "Save as");
    assert!(std::fs::read_to_string(&file).unwrap().contains("kind = \"julia\""));
    h.key_press(Key::R);
    h.step();
    assert_ne!(h.state().location(), loc);
    click(&mut h, "Open");
    assert_eq!(h.state().location(), loc);
}

#[test]
fn box_drag_zooms_into_the_box_and_double_click_recentres() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let frame = h.state().current_frame().unwrap();
    let ppp = f64::from(h.ctx.pixels_per_point());
    let (a, b) = (canvas_point(&h, 100.0, 100.0), canvas_point(&h, 260.0, 190.0));
    let centre = h.state().point_at_screen(Pos2::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0)).unwrap();

    h.event(Event::ModifiersChanged(Modifiers::SHIFT));
    h.hover_at(a);
    h.drag_at(a);
    for i in 1..=10 {
        h.hover_at(a + (b - a) * (i as f32 / 10.0));
    }
    h.drop_at(b);
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
    let view = h.state().location().view;
    let ratio = (160.0 * ppp / f64::from(frame.width)).max(90.0 * ppp / f64::from(frame.height));
    let (scale, frame_scale) = (view.scale_f64(), frame.view.scale_f64());
    assert!((scale / frame_scale - ratio).abs() < 1e-9, "scale {scale} of {frame_scale}");
    assert!((view.center_f64() - centre).norm() < scale * 1e-9, "centre {} vs {centre}", view.center);

    // Double-click: the point clicked becomes the centre, at the same scale.
    run_until_rendered(&mut h);
    let pos = canvas_point(&h, 120.0, 300.0);
    let target = h.state().point_at_screen(pos).unwrap();
    h.hover_at(pos);
    for _ in 0..2 {
        for pressed in [true, false] {
            h.event(Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            });
        }
    }
    h.step();
    let v = h.state().location().view;
    assert_eq!(v.scale, view.scale);
    assert!((v.center_f64() - target).norm() < v.scale_f64() * 1e-9, "{} vs {target}", v.center);
}

#[test]
fn ctrl_hover_previews_julia_and_ctrl_click_picks_c() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let pos = canvas_point(&h, 200.0, 220.0);
    let c = h.state().point_at_screen(pos).unwrap();
    h.event(Event::ModifiersChanged(Modifiers::COMMAND));
    h.hover_at(pos);
    run_until(&mut h, "julia inset", |app| app.julia_inset().is_some_and(|(_, shown)| shown));
    let (inset_c, _) = h.state().julia_inset().unwrap();
    assert!((inset_c - c).norm() < 1e-12);

    h.event(Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::COMMAND,
    });
    h.event(Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::COMMAND,
    });
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
    let loc = h.state().location();
    match loc.fractal {
        Fractal::Julia { c: picked } => assert!((picked - c).norm() < 1e-12, "{picked} vs {c}"),
        other => panic!("expected a Julia set, got {other:?}"),
    }
    assert!(h.state().julia_inset().is_none());
    run_until_rendered(&mut h);
}

#[test]
fn a_palette_change_recolours_without_a_new_render() {
    let mut h = harness();
    run_until_rendered(&mut h);
    let generation = h.state().generation();
    click(&mut h, "fire");
    assert_eq!(h.state().look().colouring.palette, faafo_engine::Palette::Fire);
    h.run_steps(5);
    run_until_rendered(&mut h);
    assert_eq!(h.state().generation(), generation, "recolouring must not ask for a render");
}

/// The reprojection that gives instant feedback, as pixels: a picture of the home view
/// drawn for a view zoomed 2× about a point shows that point's neighbourhood magnified,
/// before anything is recomputed.
#[test]
fn snapshot_reprojected_picture_after_a_zoom() {
    use faafo_explorer::model::view::{Frame, View};
    use faafo_explorer::render::layer::Layer;
    use faafo_explorer::render::worker::RenderKey;
    use faafo_explorer::ui::canvas::{self, CanvasState};

    let size = [320u32, 200];
    let picture = Frame::new(View::home(FractalKind::Mandelbrot), size[0], size[1]);
    let zoomed = Frame { view: picture.zoom_at([80.0, 50.0], 2.0), ..picture };
    let location = faafo_explorer::model::location::Location::default();
    let image =
        faafo_explorer::render::thumbnails::thumbnail(&location, &faafo_explorer::model::colour::Look::default())
            .unwrap();
    assert_eq!(image.size, [96, 60]);
    // The same view at the canvas size, rendered by the engine and coloured as on screen.
    let params = faafo_engine::Params {
        fractal: Fractal::Mandelbrot,
        region: picture.region(),
        width: size[0],
        height: size[1],
        max_iterations: 250,
        colouring: faafo_engine::Colouring::default(),
    };
    let r =
        faafo_engine::render(&params, &faafo_engine::RenderOptions::default(), &faafo_engine::Control::new()).unwrap();
    let smooth: Vec<f32> = (0..r.buffer.counts().len()).map(|i| r.buffer.smooth_at(i)).collect();
    let mut pixels = vec![egui::Color32::BLACK; smooth.len()];
    faafo_explorer::model::colour::Look::default().paint(r.buffer.counts(), &smooth, &mut pixels);
    let image = egui::ColorImage::new([size[0] as usize, size[1] as usize], pixels);

    let mut layer: Option<Layer> = None;
    let mut h = Harness::builder().with_size(vec2(size[0] as f32, size[1] as f32)).with_pixels_per_point(1.0).build_ui(
        move |ui| {
            let layer = layer.get_or_insert_with(|| Layer {
                generation: 1,
                grid: picture.grid(),
                pass: Pass::Full,
                key: RenderKey { fractal: Fractal::Mandelbrot, frame: picture.clone(), max_iterations: 250 },
                texture: ui.ctx().load_texture("picture", image.clone(), egui::TextureOptions::LINEAR),
            });
            let rect = ui.max_rect();
            canvas::paint(ui, rect, &zoomed.grid(), &[layer], &CanvasState::default());
        },
    );
    h.run();
    h.snapshot("reprojected_zoom_2x");
}

/// The whole window at the home view once the full picture is in (timings and the
/// CPU's kernel path masked).
#[test]
fn snapshot_window_at_the_home_view() {
    let mut h = Harness::builder()
        .with_size(vec2(900.0, 640.0))
        .with_pixels_per_point(1.0)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(|cc| ExplorerApp::with_store(&cc.egui_ctx, None));
    run_until_rendered(&mut h);
    h.run_steps(3);
    // Times differ from run to run: hide them, out to the window's edge (their width
    // varies with the digits too).
    let right = h.ctx.content_rect().max.x;
    let masks: Vec<egui::Rect> = h
        .query_all_by_label_contains(" ms")
        .map(|n| n.rect())
        .chain(h.query_all_by_label_contains(" it, ").map(|n| n.rect()))
        // The kernel path is this CPU's (avx512, avx2+fma, …).
        .chain(h.query_all_by_label(faafo_engine::KernelPath::detect().name()).map(|n| n.rect()))
        .map(|r| r.with_max_x(right))
        .collect();
    assert!(!masks.is_empty());
    for rect in masks {
        h.mask(rect);
    }
    h.snapshot("window_home");
}
