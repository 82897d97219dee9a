//! The Submit section: *This view* at a size (presets or custom) as one task, or a
//! *Random batch* as `faafo create` makes them, each with a preview of the work and a
//! time estimate before it is sent, and the last batch followed until it is done.

use egui::{RichText, Ui};
use faafo_backend::client::random::Ranges;

use super::convert::{self, parse_number};
use super::settings::SizePreset;
use super::ui_connect::note_ui;
use super::window::{ClusterPanel, MAX_BATCH};
use crate::model::bookmarks::Bookmark;
use crate::model::colour::Look;
use crate::model::location::Location;
use crate::ui::side_panel::labelled_text;

impl ClusterPanel {
    pub(super) fn submit_ui(&mut self, ui: &mut Ui, location: &Location, look: &Look, bookmarks: &[Bookmark]) {
        let ours = self.connection.as_ref().is_some_and(|c| c.is_ours());
        let status = self.connection.as_ref().and_then(|c| c.last_status.clone());
        ui.add_enabled_ui(ours && !self.submitting, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label("Size:");
                for preset in SizePreset::ALL {
                    ui.radio_value(&mut self.settings.preset, preset, preset.label());
                }
            });
            if self.settings.preset == SizePreset::Custom {
                ui.horizontal(|ui| {
                    labelled_text(ui, "Width", &mut self.settings.width, 70.0);
                    labelled_text(ui, "Height", &mut self.settings.height, 70.0);
                });
            }
            let planned = self.view_size().and_then(|(w, h)| convert::view_request(location, look, w, h));
            match &planned {
                Ok(r) => {
                    let what = format!(
                        "{} at {}×{}, {} iterations",
                        location.fractal.kind().name(),
                        r.width,
                        r.height,
                        r.iterations
                    );
                    ui.label(format!(
                        "{what}. {}",
                        convert::preview(convert::work(std::slice::from_ref(r)), status.as_ref())
                    ));
                }
                Err(e) => {
                    ui.label(RichText::new(e.to_string()).color(ui.visuals().warn_fg_color));
                }
            }
            if let Some(note) = convert::colour_note(look) {
                ui.label(RichText::new(note).small().color(ui.visuals().warn_fg_color));
            }
            if ui.button("Submit this view").clicked() {
                self.submit_view(location, look);
            }
            ui.separator();
            self.bookmarks_ui(ui, bookmarks, status.as_ref());
        });
        ui.separator();
        ui.add_enabled_ui(!self.submitting, |ui| {
            ui.horizontal(|ui| {
                labelled_text(ui, "Random fractals", &mut self.settings.batch, 50.0);
                if ui.button("Submit random batch").clicked() {
                    self.submit_batch();
                }
            });
            let r = Ranges::default();
            let text = match parse_number("the number of fractals", &self.settings.batch, 1, MAX_BATCH) {
                Ok(n) => {
                    // The ranges' mean, as the work to expect.
                    let mean = |(a, b): (u32, u32)| u64::from(a + b) / 2;
                    let work = u64::from(n) * mean(r.width) * mean(r.height) * mean(r.iterations);
                    format!("About: {}", convert::preview(work, status.as_ref()))
                }
                Err(e) => e.to_string(),
            };
            ui.label(RichText::new(text).small());
        });
        if self.submitting {
            ui.spinner();
        }
        note_ui(ui, self.feedback.submit.as_ref());
        if let Some((done, failed, pending)) = self.tracked_counts {
            let total = self.tracked.len();
            ui.label(format!("Last batch: {done} of {total} done, {failed} failed, {pending} pending"));
        }
    }
}

impl ClusterPanel {
    /// The bookmarks with a tick each, and *Submit selected bookmarks* (one task each at
    /// the chosen size, each with its own colours' palette).
    fn bookmarks_ui(
        &mut self,
        ui: &mut Ui,
        bookmarks: &[Bookmark],
        status: Option<&faafo_backend::client::status::ClusterStatus>,
    ) {
        if bookmarks.is_empty() {
            ui.label(RichText::new("No bookmarks yet: bookmark views in the side panel to send them here.").small());
            return;
        }
        ui.label("Bookmarks:");
        ui.horizontal_wrapped(|ui| {
            for b in bookmarks {
                let mut ticked = self.selected_bookmarks.contains(&b.name);
                let response = ui.checkbox(&mut ticked, &b.name);
                // Named apart from the side panel's button of the same bookmark.
                let name = format!("Tick bookmark {}", b.name);
                response.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, ticked, name.clone()));
                if response.changed() {
                    self.select_bookmark(&b.name, ticked);
                }
            }
        });
        let planned = self.bookmark_requests(bookmarks);
        let n = planned.as_ref().map_or(0, Vec::len);
        match &planned {
            Ok(r) if !r.is_empty() => {
                ui.label(RichText::new(convert::preview(convert::work(r), status)).small());
            }
            Ok(_) => {}
            Err(e) => {
                ui.label(RichText::new(e.to_string()).color(ui.visuals().warn_fg_color));
            }
        }
        if ui.add_enabled(n > 0, egui::Button::new(format!("Submit {n} selected bookmarks"))).clicked() {
            self.submit_bookmarks(bookmarks);
        }
    }
}
