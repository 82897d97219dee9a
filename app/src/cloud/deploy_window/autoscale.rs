//! The Autoscaling section (below the result, folded at first): at deploy time, whether the controller runs the autoscaler
//! and its range; once deployed, the policy the controller follows, its last decisions
//! ("12:04:05 queue 180 → 4 workers (+2)") and the means to change the range or pause
//! it. What the controller shares is read and written by jobs
//! ([`Verb::Autoscaler`], [`Verb::Policy`]), never on the UI thread.

use egui::{DragValue, RichText, Ui};
use faafo_backend::deploy::shared::SharedPolicy;

use super::DeployPanel;
use crate::cloud::jobs::MAX_WORKERS;
use crate::cloud::run::Verb;

impl DeployPanel {
    /// The section, below the actions.
    pub(super) fn autoscale_ui(&mut self, ui: &mut Ui) {
        egui::CollapsingHeader::new("Autoscaling").default_open(false).show(ui, |ui| {
            let busy = self.is_busy();
            ui.add_enabled_ui(!busy, |ui| self.deploy_time_ui(ui));
            let ctx = ui.ctx().clone();
            if ui.add_enabled(!busy, egui::Button::new("Show autoscaler")).clicked() {
                self.start(Verb::Autoscaler, &ctx);
            }
            if self.autoscaler.is_some() {
                ui.add_enabled_ui(!busy, |ui| self.running_autoscaler_ui(ui));
            }
        });
    }

    /// Whether *Deploy* installs the autoscaler, and its range.
    fn deploy_time_ui(&mut self, ui: &mut Ui) {
        let a = &mut self.settings.autoscale;
        ui.checkbox(&mut a.enabled, "Deploy with the autoscaler: workers follow the queue");
        ui.add_enabled_ui(a.enabled, |ui| {
            ui.horizontal(|ui| {
                let l = ui.label("Autoscale from");
                ui.add(DragValue::new(&mut a.min).range(0..=MAX_WORKERS)).labelled_by(l.id);
                let l = ui.label("to");
                ui.add(DragValue::new(&mut a.max).range(0..=MAX_WORKERS)).labelled_by(l.id);
                ui.label(RichText::new(format!("workers (0 to {MAX_WORKERS})")).small());
            });
            ui.horizontal(|ui| {
                let l = ui.label("Tasks per worker");
                ui.add(DragValue::new(&mut a.tasks_per_worker).range(1..=100_000)).labelled_by(l.id);
                let l = ui.label("Cool-down (s)");
                ui.add(DragValue::new(&mut a.cooldown_seconds).range(0..=86_400)).labelled_by(l.id);
            });
            if a.min > a.max {
                let warning = format!("From {} to {}: the lower end is above the upper one.", a.min, a.max);
                ui.label(RichText::new(warning).color(ui.visuals().warn_fg_color));
            }
        });
    }

    /// The controller's autoscaler as last read: policy, decisions, and changes to them.
    fn running_autoscaler_ui(&mut self, ui: &mut Ui) {
        let Some(view) = &self.autoscaler else { return };
        let ctx = ui.ctx().clone();
        match view.policy {
            Some(p) => {
                let state = if p.paused { "paused" } else { "running" };
                let q = p.policy;
                ui.label(format!(
                    "Autoscaler {state}: {} to {} workers, {} queued tasks per worker, cool-down {} s; {} worker(s) now.",
                    q.min, q.max, q.tasks_per_worker, q.cooldown_seconds, view.workers
                ));
            }
            None => {
                ui.label("The autoscaler has no policy yet (the deployment is still going up).");
            }
        }
        let decisions = view.autoscale.as_ref().map(|a| a.decisions.as_slice()).unwrap_or_default();
        if decisions.is_empty() {
            ui.label(RichText::new("No decisions yet: the controller decides every 30 s once it is up.").small());
        }
        for d in decisions.iter().rev().take(8) {
            ui.label(RichText::new(d.line()).monospace());
        }
        let Some(edit) = &mut self.policy_edit else { return };
        let mut send = None;
        ui.horizontal(|ui| {
            let l = ui.label("Range from");
            ui.add(DragValue::new(&mut edit.policy.min).range(0..=MAX_WORKERS)).labelled_by(l.id);
            let l = ui.label("up to");
            ui.add(DragValue::new(&mut edit.policy.max).range(0..=MAX_WORKERS)).labelled_by(l.id);
            if ui.button("Apply range").clicked() {
                send = Some(*edit);
            }
            let (text, paused) = if edit.paused { ("Resume", false) } else { ("Pause", true) };
            if ui.button(text).clicked() {
                send = Some(SharedPolicy { paused, ..*edit });
            }
        });
        if let Some(p) = send {
            // A range that cannot work is the job's error, in the window's words.
            self.policy_edit = Some(p);
            self.start(Verb::Policy, &ctx);
        }
    }
}
