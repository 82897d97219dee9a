//! Drives the real `eframe::App` headlessly: the render must arrive from the background
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! thread, land in a texture the size of the view, and be described by the status line.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use faafo_explorer::ExplorerApp;

/// Generous for a debug-build render of a few hundred thousand pixels on 2 cores.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs frames until the picture is up to date with the view (or panics after [`TIMEOUT`]).
/// Frames are needed because the result is only picked up when the UI runs.
fn run_until_rendered(harness: &mut Harness<'_, ExplorerApp>) {
    let started = Instant::now();
    loop {
        harness.step();
        let app = harness.state();
        let view = app.view_size().map(|[w, h]| [w as usize, h as usize]);
        if !app.is_rendering() && app.texture_size().is_some() && app.texture_size() == view {
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "no render within {TIMEOUT:?}; status: {}", app.status_text());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn harness(size: egui::Vec2) -> Harness<'static, ExplorerApp> {
    Harness::builder().with_size(size).build_eframe(|cc| ExplorerApp::new(cc))
}

#[test]
fn first_frame_says_rendering_then_the_render_fills_the_view() {
    let mut harness = harness(egui::vec2(640.0, 400.0));
    harness.step();
    assert!(harness.state().is_rendering(), "first frame starts a render");
    harness.get_by_label("rendering…");

    run_until_rendered(&mut harness);
    harness.step(); // one more frame so the accessibility tree shows the final status

    let app = harness.state();
    let ppp = harness.ctx.pixels_per_point();
    let [w, h] = app.view_size().expect("view laid out");
    // The image has no margin: full window width, everything above the status line.
    assert_eq!(w, (640.0 * ppp).round() as u32);
    assert!((300.0 * ppp) as u32 <= h && h < (400.0 * ppp) as u32, "height {h}");
    assert_eq!(app.texture_size(), Some([w as usize, h as usize]));

    let status = harness.get_by_label_contains("kernel");
    // AccessKit keeps a `Role::Label` node's text in its value.
    let text = status.accesskit_node().value().unwrap_or_default();
    assert!(text.starts_with(&format!("{w}×{h} · ")) && text.contains(" iterations · "), "status line: {text}");
    assert!(harness.query_by_label("rendering…").is_none());
}

#[test]
fn resizing_renders_again_at_the_new_size() {
    let mut harness = harness(egui::vec2(320.0, 240.0));
    run_until_rendered(&mut harness);
    let before = harness.state().texture_size().expect("first render");

    harness.set_size(egui::vec2(500.0, 300.0));
    run_until_rendered(&mut harness);
    let after = harness.state().texture_size().expect("second render");

    assert_ne!(before, after);
    let ppp = harness.ctx.pixels_per_point();
    assert_eq!(after[0], (500.0 * ppp).round() as usize);
}
