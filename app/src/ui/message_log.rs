//! The Messages window: every notice and error of this session with its time and level,
//! in full, selectable and copyable (the status bar shows only the last one, cut to a
//! line).

use egui::{RichText, Ui};

use crate::app::notices::{Level, Message};

/// What the window asks for besides being closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogActions {
    /// Empty the log.
    pub clear: bool,
}

/// The Messages window while `open`; closing it clears `open`.
pub fn message_log_ui(ctx: &egui::Context, open: &mut bool, messages: &[Message]) -> LogActions {
    let mut actions = LogActions::default();
    egui::Window::new("Messages").open(open).default_size([520.0, 260.0]).resizable(true).show(ctx, |ui| {
        ui.horizontal(|ui| {
            ui.label(format!("{} message(s), newest last; times in UTC. Also written to stderr.", messages.len()));
            if ui.button("Copy all").clicked() {
                let all: Vec<String> = messages.iter().map(Message::line).collect();
                ui.ctx().copy_text(all.join("\n"));
            }
            if ui.button("Clear").clicked() {
                actions.clear = true;
            }
        });
        ui.separator();
        egui::ScrollArea::vertical().stick_to_bottom(true).auto_shrink([false, false]).show(ui, |ui| {
            for m in messages {
                message_row(ui, m);
            }
        });
    });
    actions
}

fn message_row(ui: &mut Ui, m: &Message) {
    ui.horizontal_top(|ui| {
        ui.label(RichText::new(&m.time).monospace().weak());
        let level = RichText::new(m.level.name()).monospace();
        ui.label(if m.level == Level::Error { level.color(ui.visuals().error_fg_color) } else { level });
        // Wrapped, never truncated; selectable so any part can be copied.
        ui.add(egui::Label::new(&m.text).wrap().selectable(true));
        if ui.small_button("Copy").on_hover_text("Copy this message").clicked() {
            ui.ctx().copy_text(m.line());
        }
    });
}
