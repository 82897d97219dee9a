//! The Connect section: endpoint (typed or recent), the token in a masked field (kept in
//! the OS keyring, never in explorer.toml), Connect/Disconnect, and what the cluster says
//! about itself.

use egui::{RichText, TextEdit, Ui};
use faafo_backend::client::status::ClusterStatus;

use super::connection::Link;
use super::convert::{human_count, human_seconds};
use super::window::{ClusterPanel, Note};

/// Shows `note` (red when an error).
pub(super) fn note_ui(ui: &mut Ui, note: Option<&Note>) {
    if let Some(n) = note {
        let colour = if n.error { ui.visuals().error_fg_color } else { ui.visuals().text_color() };
        ui.label(RichText::new(&n.text).color(colour));
    }
}

impl ClusterPanel {
    pub(super) fn connect_ui(&mut self, ui: &mut Ui) {
        ui.add_enabled_ui(!self.connecting, |ui| self.fields_ui(ui));
        ui.horizontal(|ui| {
            if ui.add_enabled(!self.connecting, egui::Button::new("Connect")).clicked() {
                self.connect();
            }
            if self.connection.is_some() && ui.button("Disconnect").clicked() {
                self.disconnect();
            }
            if self.connecting {
                ui.spinner();
            }
        });
        note_ui(ui, self.feedback.connect.as_ref());
        self.local_ui(ui);
        if let Some(conn) = &self.connection {
            ui.separator();
            link_ui(ui, &conn.endpoint(), &conn.link, conn.last_status.as_ref());
        }
    }

    fn fields_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("Endpoint");
            ui.add(TextEdit::singleline(&mut self.endpoint).hint_text("http://127.0.0.1:8080").desired_width(280.0))
                .labelled_by(l.id);
            if !self.settings.recent.is_empty() {
                egui::ComboBox::from_id_salt("cluster-recent").selected_text("Recent").show_ui(ui, |ui| {
                    for e in &self.settings.recent {
                        if ui.selectable_label(*e == self.endpoint, e).clicked() {
                            self.endpoint.clone_from(e);
                        }
                    }
                });
            }
        });
        let mut forget = false;
        ui.horizontal(|ui| {
            let l = ui.label("Client token");
            ui.add(TextEdit::singleline(&mut self.token).password(true).desired_width(220.0)).labelled_by(l.id);
            ui.checkbox(&mut self.settings.remember_token, "Keep in the OS keyring");
            forget = ui.button("Forget kept token").clicked();
        });
        if forget {
            self.forget_token();
        }
        let hint = self.feedback.keyring.as_deref().unwrap_or(
            "Leave empty for a cluster without tokens, or to use the one kept in the OS keyring; never saved in a settings file.",
        );
        ui.label(RichText::new(hint).small());
    }
}

/// Whether the cluster answers, and what it says.
fn link_ui(ui: &mut Ui, endpoint: &str, link: &Link, last: Option<&ClusterStatus>) {
    match link {
        Link::Up(status) => {
            ui.label(format!("{endpoint} is reachable: faafo-api {}", status.version));
            status_ui(ui, status);
        }
        Link::Original => {
            ui.label(format!("{endpoint} is reachable: the original faafo API."));
            ui.label(
                RichText::new(
                    "Off with the original API: the status summary and estimates, fractal kinds other than \
                     classic, palettes, This view and posters (it takes only random batches), newest-first listing.",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        Link::Down { error, refused, retry_in } => {
            let what = if *refused { "refuses this client" } else { "is not answering" };
            let text =
                format!("{endpoint} {what}: {error}. Trying again in {}.", human_seconds(retry_in.as_secs_f64()));
            ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
            if let Some(s) = last {
                ui.label(RichText::new("Last known:").small());
                status_ui(ui, s);
            }
        }
    }
}

fn status_ui(ui: &mut Ui, s: &ClusterStatus) {
    let auth = match (s.auth.client, s.auth.worker) {
        (false, false) => "off (anyone on the network can create and delete)",
        (true, false) => "on for clients",
        (false, true) => "on for workers",
        (true, true) => "on for clients and workers",
    };
    ui.label(format!("Auth: {auth}"));
    let f = s.fractals;
    ui.label(format!(
        "Fractals: {} pending, {} rendering, {} done, {} failed",
        f.pending, f.rendering, f.done, f.failed
    ));
    let q = &s.queue;
    let depth = q.depth.map_or_else(|| "unknown".to_owned(), |d| d.to_string());
    let consumers = q.consumers.map_or_else(|| "unknown".to_owned(), |c| c.to_string());
    let up = if q.up { "up" } else { "DOWN" };
    ui.label(format!("Queue ({}, {up}): depth {depth}, consumers {consumers}; outbox {}", q.transport, s.outbox_tasks));
    let r = &s.recent;
    ui.label(format!(
        "Last {}: {} done, {} pixel-iterations/s",
        human_seconds(r.window_seconds as f64),
        r.done,
        human_count(r.pixel_iterations_per_second as u64)
    ));
}
