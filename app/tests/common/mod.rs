//! Helpers shared by the explorer's kittests: drive the real app through egui_kittest.
//! Each test crate uses some of them.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_explorer::ExplorerApp;

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
