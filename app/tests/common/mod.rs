//! Helpers shared by the explorer's kittests: drive the real app through egui_kittest.
//! Each test crate uses some of them.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_explorer::ExplorerApp;
use faafo_explorer::model::persist::Store;

/// How long [`run_until`] waits: generous for debug-build renders on 2 busy cores.
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// A fresh scratch folder for one test, `faafo-<suite>-<name>-<pid>` in the temp dir.
pub fn temp_dir(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faafo-{suite}-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The real app in a window of `size` points, its settings in `store` (`None`: kept in
/// memory only), stepped at a display's 60 Hz: a double-click is two clicks within 0.3 s
/// of egui time.
pub fn harness_sized(size: egui::Vec2, store: Option<PathBuf>) -> Harness<'static, ExplorerApp> {
    Harness::builder()
        .with_size(size)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| ExplorerApp::with_store(&cc.egui_ctx, store.map(Store::at)))
}

/// Runs frames until `done` holds, or panics after [`TIMEOUT`] naming `what` and the
/// status line. Frames are needed because results are only taken in when the UI runs.
pub fn run_until(h: &mut Harness<'_, ExplorerApp>, what: &str, done: impl Fn(&ExplorerApp) -> bool) {
    let started = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "{what}: not within {TIMEOUT:?}; status: {}", h.state().status_text());
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs frames until the full picture of the current view is shown.
pub fn run_until_rendered(h: &mut Harness<'_, ExplorerApp>) {
    run_until(h, "full picture of the current view", ExplorerApp::is_up_to_date);
}

/// Runs frames until the deploy job is finished.
pub fn run_until_idle(h: &mut Harness<'_, ExplorerApp>, timeout: Duration) {
    let started = Instant::now();
    loop {
        h.step();
        if !h.state().deploy_panel().is_busy() {
            h.run_steps(2); // let the accessibility tree show the result
            return;
        }
        assert!(started.elapsed() < timeout, "deploy job not done: {:?}", h.state().deploy_panel());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Height of the status bar at the bottom of the window (points, with room to spare).
const STATUS_BAR_PT: f32 = 40.0;

/// Scrolls until the widget labelled `label` is inside the window, above the status bar.
pub fn reveal(h: &mut Harness<'_, ExplorerApp>, label: &str) {
    // The status bar spans the bottom of the window: a widget behind it is not visible.
    let window = h.ctx.content_rect();
    let visible = window.with_max_y(window.max.y - STATUS_BAR_PT);
    if !visible.contains_rect(h.get_by_label(label).rect()) {
        h.get_by_label(label).scroll_to_me();
        // Scrolling is animated: let it finish before aiming at the widget.
        h.run_steps(60);
    }
}

/// Clicks the widget labelled `label`.
pub fn click(h: &mut Harness<'_, ExplorerApp>, label: &str) {
    reveal(h, label);
    h.get_by_label(label).click();
    h.run_steps(2);
}

/// Replaces the text of the field labelled `label` and presses Enter.
pub fn enter_text(h: &mut Harness<'_, ExplorerApp>, label: &str, text: &str) {
    reveal(h, label);
    h.get_by_label(label).focus();
    h.run_steps(1);
    let select_all =
        |pressed| Event::Key { key: Key::A, physical_key: None, pressed, repeat: false, modifiers: Modifiers::COMMAND };
    h.event(select_all(true));
    h.event(select_all(false));
    h.get_by_label(label).type_text(text);
    h.key_press(Key::Enter);
    h.run_steps(2);
}

/// Asserts that some text in the window contains `text` (a multi-line label shows as
/// the label and a run per line, so there may be several matches).
pub fn shown(h: &Harness<'_, ExplorerApp>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).next().is_some(),
        "'{text}' is not shown; {:?}",
        h.state().deploy_panel()
    );
}
