//! The one-line status bar at the bottom of the window.

use egui::{RichText, Ui};

/// The one-line status bar: what is on screen, or the latest message (cut to the line;
/// the whole text is on hover and in the message log). Returns whether the person asked
/// for the message log.
pub fn status_bar_ui(ui: &mut Ui, status: &str, notice: Option<(&str, bool)>, progress: Option<f32>) -> bool {
    let mut show_log = false;
    ui.horizontal(|ui| {
        if let Some(p) = progress {
            ui.add(egui::ProgressBar::new(p).desired_width(120.0).show_percentage());
        }
        ui.label(status);
        if let Some((text, error)) = notice {
            ui.separator();
            let t = if error { RichText::new(text).color(ui.visuals().error_fg_color) } else { RichText::new(text) };
            let response = ui.add(egui::Label::new(t).truncate().sense(egui::Sense::click()));
            show_log = response.on_hover_text(format!("{text}\n\n(click for the message log)")).clicked();
        }
    });
    show_log
}
