//! The side panel's colouring modes (issue 16): escape time, distance estimation,
//! lighting with its light, and stripe average colouring. They change the [`Colouring`]
//! like the palette controls do, so switching between lights or widths recolours;
//! switching to distance or lighting renders once more with the derivative kept, and to
//! stripes with the stripe average kept.

use egui::Ui;
use faafo_engine::{Colouring, ColouringMode};

/// The label of a mode's button.
pub fn mode_label(mode: ColouringMode) -> &'static str {
    match mode {
        ColouringMode::Escape => "Escape time",
        ColouringMode::Distance => "Distance",
        ColouringMode::Lighting => "Lighting",
        ColouringMode::Stripes => "Stripes",
    }
}

/// The mode buttons and the chosen mode's settings; true when `c` changed.
pub(crate) fn modes_ui(ui: &mut Ui, c: &mut Colouring) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        for mode in ColouringMode::ALL {
            changed |= ui.selectable_value(&mut c.mode, mode, mode_label(mode)).changed();
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Antialias");
        let s = egui::Slider::new(&mut c.antialias, 1..=faafo_engine::antialias::MAX_ANTIALIAS)
            .custom_formatter(|n, _| if n < 1.5 { "off".to_owned() } else { format!("{n}×{n}") });
        changed |= ui
            .add(s)
            .labelled_by(l.id)
            .on_hover_text("Samples per pixel side, while the view is still and in saved images")
            .changed();
    });
    let mut slider = |ui: &mut Ui, label: &str, value: &mut f32, range, suffix: &str, log: bool| {
        ui.horizontal(|ui| {
            let l = ui.label(label);
            let s = egui::Slider::new(value, range).suffix(suffix).logarithmic(log);
            changed |= ui.add(s).labelled_by(l.id).changed();
        });
    };
    match c.mode {
        ColouringMode::Escape | ColouringMode::Stripes => {}
        ColouringMode::Distance => {
            slider(ui, "Boundary width", &mut c.boundary_width_px, 0.25..=16.0, " px", true);
        }
        ColouringMode::Lighting => {
            slider(ui, "Light angle", &mut c.light.angle_degrees, 0.0..=360.0, "°", false);
            slider(ui, "Light height", &mut c.light.elevation, 0.0..=4.0, "", false);
            slider(ui, "Light strength", &mut c.light.strength, 0.0..=1.0, "", false);
        }
    }
    changed
}
