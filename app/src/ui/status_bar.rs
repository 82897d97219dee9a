//! The one-line status bar at the bottom of the window.

use egui::{RichText, Ui};

/// The one-line status bar: what is on screen, or the latest message.
pub fn status_bar_ui(ui: &mut Ui, status: &str, notice: Option<(&str, bool)>, progress: Option<f32>) {
    ui.horizontal(|ui| {
        if let Some(p) = progress {
            ui.add(egui::ProgressBar::new(p).desired_width(120.0).show_percentage());
        }
        ui.label(status);
        if let Some((text, error)) = notice {
            ui.separator();
            let t = if error { RichText::new(text).color(ui.visuals().error_fg_color) } else { RichText::new(text) };
            ui.label(t);
        }
    });
}
