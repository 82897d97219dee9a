//! The action buttons (plan, deploy, scale, status, tear down after a confirmation,
//! use this cluster): what each click starts or asks for, apart from the fields and the
//! report.

use egui::{RichText, Ui};

use super::DeployPanel;
use crate::cloud::run::Verb;

impl DeployPanel {
    /// The buttons, the tear-down confirmation and the running job.
    pub(super) fn actions_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let busy = self.is_busy();
        ui.horizontal(|ui| {
            for (verb, text) in [(Verb::Plan, "Plan"), (Verb::Up, "Deploy"), (Verb::Scale, "Scale workers")] {
                if ui.add_enabled(!busy, egui::Button::new(text)).clicked() {
                    self.start(verb, &ctx);
                }
            }
            // Status only reads: it may run beside another job.
            if ui.add_enabled(self.side.is_none(), egui::Button::new("Status")).clicked() {
                self.start(Verb::Status, &ctx);
            }
            if ui.add_enabled(!busy && !self.confirm_down, egui::Button::new("Tear down")).clicked() {
                self.confirm_down = true;
            }
            if ui.add_enabled(!busy, egui::Button::new("Use this cluster")).clicked() {
                match self.cluster_of() {
                    Ok(found) => {
                        self.use_cluster = Some(found);
                        self.use_note = None;
                    }
                    Err(e) => self.use_note = Some(e),
                }
            }
        });
        if let Some(note) = &self.use_note {
            ui.label(RichText::new(note).color(ui.visuals().error_fg_color));
        }
        if self.confirm_down {
            ui.horizontal(|ui| {
                ui.label(format!("Delete every resource of deployment '{}'?", self.settings.name.trim()));
                if ui.button("Yes, tear down").clicked() {
                    self.start(Verb::Down, &ctx);
                }
                if ui.button("Cancel").clicked() {
                    self.confirm_down = false;
                }
            });
        }
        self.running_ui(ui);
    }

    /// The deployment's API URL and client token, from its state file.
    fn cluster_of(&self) -> Result<(String, Option<String>), String> {
        let name = self.settings.name.trim();
        let store = faafo_backend::deploy::StateStore::new(self.config.state_dir.clone());
        let state = store.load(name).map_err(|e| e.to_string())?;
        let state = state.ok_or_else(|| format!("no deployment '{name}' is recorded here; deploy it first"))?;
        let url = state.url().ok_or_else(|| format!("deployment '{name}' has no floating IP (no API URL) yet"))?;
        let token = Some(state.secrets.client_token.clone()).filter(|t| !t.is_empty());
        Ok((url, token))
    }
}
