//! The Deploy window's pickers: image, flavor, network and external network, filled
//! from the cloud ([`Offer`]), with what `up` would take by itself as the *automatic*
//! entry, and the picks applied to the deployment's [`Options`].

use egui::{RichText, Ui};
use faafo_backend::deploy::{Offer, Options};

use super::credentials::Picks;

/// When the cloud's offer arrives: a project without a network of its own gets its
/// only usable network picked (the automatic choice would fail there).
pub(super) fn adopt(picks: &mut Picks, offer: &Offer) {
    if picks.network.is_none()
        && offer.network.is_none()
        && let [only] = offer.choices.networks.as_slice()
    {
        picks.network = Some(only.name.clone());
    }
}

/// The picks in `opts` (an automatic pick leaves the default).
pub(super) fn apply(picks: &Picks, opts: &mut Options) {
    if let Some(image) = &picks.image {
        opts.image.clone_from(image);
    }
    if let Some(flavor) = &picks.flavor {
        opts.flavor.clone_from(flavor);
    }
    opts.network.clone_from(&picks.network);
    opts.external_network.clone_from(&picks.external_network);
}

/// One picker: *automatic (what)* then every name the cloud listed (and the current pick,
/// so a remembered one shows before the list is loaded).
fn picker(ui: &mut Ui, label: &str, pick: &mut Option<String>, automatic: Option<&str>, names: &[String]) {
    let auto_text = match automatic {
        Some(a) => format!("automatic ({a})"),
        None => "automatic".to_owned(),
    };
    let selected = pick.clone().unwrap_or_else(|| auto_text.clone());
    ui.horizontal(|ui| {
        let l = ui.label(label);
        egui::ComboBox::from_id_salt(("deploy-pick", label))
            .selected_text(super::jobs::shorten(&selected, 40))
            .width(260.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(pick, None, auto_text);
                let mut listed: Vec<String> = names.to_vec();
                if let Some(p) = pick.clone().filter(|p| !names.contains(p)) {
                    listed.push(p);
                }
                for n in listed {
                    let text = super::jobs::shorten(&n, 60);
                    ui.selectable_value(pick, Some(n), text);
                }
            })
            .response
            .labelled_by(l.id);
    });
}

/// The four pickers; `offer` is `None` until the choices were loaded.
pub(super) fn ui(ui: &mut Ui, picks: &mut Picks, offer: Option<&Offer>) {
    let names = |f: fn(&Offer) -> Vec<String>| offer.map(f).unwrap_or_default();
    let auto = |f: fn(&Offer) -> Option<&String>| offer.and_then(f).map(String::as_str);
    picker(ui, "Image", &mut picks.image, auto(|o| o.image.as_ref()), &names(|o| names_of(&o.choices.images)));
    let flavors = names(|o| o.choices.flavors.iter().map(|f| f.name.clone()).collect());
    picker(ui, "Flavor", &mut picks.flavor, auto(|o| o.flavor.as_ref()), &flavors);
    picker(ui, "Network", &mut picks.network, auto(|o| o.network.as_ref()), &names(|o| names_of(&o.choices.networks)));
    picker(
        ui,
        "External network",
        &mut picks.external_network,
        auto(|o| o.external_network.as_ref()),
        &names(|o| names_of(&o.choices.external_networks)),
    );
    if let Some(note) = offer.and_then(|o| o.network_note.as_ref())
        && picks.network.is_none()
    {
        ui.label(
            RichText::new(format!("Automatic network: {note}. Pick one above.")).color(ui.visuals().warn_fg_color),
        );
    }
}

fn names_of(list: &[faafo_backend::deploy::cloud::Named]) -> Vec<String> {
    list.iter().map(|n| n.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use faafo_backend::deploy::cloud::{Choices, Named};
    use faafo_backend::deploy::{BinarySource, Options};

    use super::*;

    fn named(n: &str) -> Named {
        Named { id: format!("id-{n}"), name: n.to_owned() }
    }

    #[test]
    fn a_project_without_its_own_network_gets_its_only_usable_one() {
        let offer = Offer {
            choices: Choices { networks: vec![named("shared")], ..Choices::default() },
            network_note: Some("the project has no network of its own".into()),
            ..Offer::default()
        };
        let mut picks = Picks::default();
        adopt(&mut picks, &offer);
        assert_eq!(picks.network.as_deref(), Some("shared"));
        // A project with its own network keeps the automatic choice.
        let offer = Offer { network: Some("private".into()), ..offer };
        let mut picks = Picks::default();
        adopt(&mut picks, &offer);
        assert_eq!(picks.network, None);
    }

    #[test]
    fn picks_go_into_the_options_and_automatic_keeps_the_defaults() {
        let mut opts = Options::new(BinarySource::Recorded);
        apply(&Picks { flavor: Some("m1.large".into()), ..Picks::default() }, &mut opts);
        assert_eq!((opts.flavor.as_str(), opts.image.as_str()), ("m1.large", "ubuntu-24.04"));
        assert_eq!(opts.network, None);
        apply(&Picks { network: Some("shared".into()), ..Picks::default() }, &mut opts);
        assert_eq!(opts.network.as_deref(), Some("shared"));
    }
}
