//! The glue between the window and [`crate::cloud::pickers`]: the login the picks are
//! remembered under, the picks for the chosen cloud, filling them from an offer, and the
//! *Load choices from the cloud* row.

use egui::{RichText, Ui};
use faafo_backend::deploy::Offer;

use super::DeployPanel;
use crate::cloud::credentials::Picks;
use crate::cloud::pickers;
use crate::cloud::run::Verb;

impl DeployPanel {
    /// The login the pickers belong to: the cloud's or the form's keyring account.
    pub(super) fn login(&self) -> Option<String> {
        self.target().ok().map(|t| t.keyring_account())
    }

    /// The picks for the chosen cloud.
    pub(super) fn picks(&self) -> Picks {
        self.login().and_then(|l| self.settings.picks.get(&l).cloned()).unwrap_or_default()
    }

    /// Fills the pickers, preselecting what a project without its own network needs.
    pub(super) fn take_offer(&mut self, offer: &Offer) {
        let Some(login) = self.login() else { return };
        let picks = self.settings.picks.entry(login.clone()).or_default();
        pickers::adopt(picks, offer);
        self.offer = Some((login, offer.clone()));
    }

    /// The image, flavor and networks, and the button that fills them from the cloud.
    pub(super) fn pickers_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let login = self.login();
        let offer = self.offer.as_ref().filter(|(l, _)| Some(l) == login.as_ref()).map(|(_, o)| o.clone());
        ui.horizontal(|ui| {
            ui.label("Servers");
            if ui.button("Load choices from the cloud").clicked() {
                self.start(Verb::Offer, &ctx);
            }
            if let Some(o) = &offer {
                let c = &o.choices;
                let text = format!(
                    "{} images, {} flavors, {} networks, {} external",
                    c.images.len(),
                    c.flavors.len(),
                    c.networks.len(),
                    c.external_networks.len()
                );
                ui.label(RichText::new(text).small());
            }
        });
        let Some(login) = login else {
            return;
        };
        let picks = self.settings.picks.entry(login).or_default();
        pickers::ui(ui, picks, offer.as_ref());
    }
}
