//! What the jobs are doing and what they did: the running job with its elapsed time and
//! *Cancel*, *Status* beside it, the last outcome or error, and the progress log. Apart
//! from the actions so each outcome's wording is found in one place.

use egui::{RichText, Ui};

use super::DeployPanel;
use crate::cloud::jobs::Outcome;
use crate::cloud::progress;
use crate::cloud::run::Verb;

impl DeployPanel {
    /// The running job: what it does, for how long, and *Cancel*.
    pub(super) fn running_ui(&mut self, ui: &mut Ui) {
        let timeouts = self.config.timeouts;
        let Some(r) = &mut self.running else { return };
        ui.horizontal(|ui| {
            ui.spinner();
            let phase = if r.phase.is_empty() { String::new() } else { format!(": {}", r.phase) };
            ui.label(format!("{}…{phase}", r.verb.doing()));
        });
        // The button first: the text beside it grows, and a button pushed out of the
        // window could not be clicked.
        ui.horizontal(|ui| {
            if r.verb == Verb::Down {
                ui.label(
                    RichText::new("A tear-down runs to its end: stopped half-way it would leave more behind.").small(),
                );
            } else if r.cancelling {
                let what = if matches!(r.verb, Verb::Up | Verb::Scale) {
                    "Cancelling: what this run created is deleted again…"
                } else {
                    "Cancelling…"
                };
                ui.label(RichText::new(what).color(ui.visuals().warn_fg_color));
            } else if ui.button("Cancel").clicked() {
                r.stop();
            }
        });
        let text = progress::elapsed_text(r.started.elapsed(), &r.phase, r.phase_started.elapsed(), &timeouts);
        ui.label(RichText::new(text).small());
    }

    /// *Status* beside a job, the last outcome or error, and the progress log.
    pub(super) fn result_ui(&self, ui: &mut Ui) {
        if self.side.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Verb::Status.doing());
            });
        }
        match &self.side_result {
            Some(Ok(Outcome::Status { text, .. })) if self.running.is_some() => {
                ui.label(RichText::new(text).monospace());
            }
            Some(Err(e)) if self.running.is_some() => {
                ui.label(RichText::new(format!("Status failed: {e}")).color(ui.visuals().error_fg_color));
            }
            _ => {}
        }
        match &self.result {
            Some((verb, Err(e))) => {
                let text = format!("{} failed: {e}", verb.doing());
                ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
            }
            Some((_, Ok(outcome))) => match outcome {
                Outcome::Plan { text, quota_ok } => {
                    ui.label(RichText::new(text).monospace());
                    if !quota_ok {
                        ui.label(
                            RichText::new("Not enough quota: Deploy would stop before creating anything.")
                                .color(ui.visuals().warn_fg_color),
                        );
                    }
                }
                Outcome::Up { url, servers, created, private_key } => {
                    match url {
                        Some(url) => {
                            ui.horizontal(|ui| {
                                ui.label("Deployed:");
                                ui.hyperlink(url);
                            });
                        }
                        None => {
                            ui.label("Deployed (no floating IP).");
                        }
                    }
                    ui.label(format!("{servers} server(s); {created} resource(s) created by this run"));
                    if let Some(key) = private_key {
                        ui.label(format!("SSH private key: {}", key.display()));
                    }
                }
                Outcome::Scaled { workers, added, removed } => {
                    ui.label(format!("Scaled: {workers} worker(s) now ({added} added, {removed} removed)."));
                }
                Outcome::Status { text, .. } => {
                    ui.label(RichText::new(text).monospace());
                }
                Outcome::Down { removed } => {
                    ui.label(format!("Torn down: {removed} resource(s) removed."));
                }
                Outcome::Offer(_) => {
                    ui.label("Choices loaded: pick the image, flavor and networks above.");
                }
                Outcome::Autoscaler(_) => {
                    ui.label("Autoscaler read: see the Autoscaling section below.");
                }
            },
            None => {}
        }
        if !self.log.lines().is_empty() {
            egui::CollapsingHeader::new("Progress").default_open(true).show(ui, |ui| {
                egui::ScrollArea::vertical().max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
                    for line in self.log.lines() {
                        ui.label(RichText::new(line).small());
                    }
                });
            });
        }
    }
}
