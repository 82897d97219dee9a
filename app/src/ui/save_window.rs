//! The "Save image" window: size and file fields, progress and cancel while a save runs.

use std::path::PathBuf;

use faafo_engine::{BitDepth, IMAGE_EXTENSIONS};

use crate::command::Command;
use crate::jobs::file_dialog::DialogPurpose;
use crate::jobs::save_image::{MAX_SIDE, SaveJob};
use crate::ui::side_panel::{PanelState, labelled_text};

/// Opens or closes the window; opening starts from the canvas' shape (`canvas_px`) at
/// the width last saved (`last_size`).
pub fn show(state: &mut PanelState, open: bool, last_size: [u32; 2], canvas_px: Option<[u32; 2]>) {
    state.save_open = open;
    if open && let Some([w, h]) = canvas_px {
        let width = last_size[0];
        let height = ((f64::from(width) * f64::from(h) / f64::from(w)).round() as u32).max(2);
        state.save_width = width.to_string();
        state.save_height = height.to_string();
    }
}

/// The "Save image" window.
pub fn save_window_ui(ctx: &egui::Context, state: &mut PanelState, job: Option<&SaveJob>) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut open = state.save_open;
    egui::Window::new("Save image").open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
        ui.label(format!("Up to {MAX_SIDE} × {MAX_SIDE}; same centre and width of view as the window."));
        ui.label(format!("The file's extension picks the format: {IMAGE_EXTENSIONS}."));
        labelled_text(ui, "Width", &mut state.save_width, 70.0);
        labelled_text(ui, "Height", &mut state.save_height, 70.0);
        labelled_text(ui, "File", &mut state.save_path, 260.0);
        ui.horizontal(|ui| {
            ui.label("PNG");
            ui.radio_value(&mut state.save_sixteen_bit, false, "8-bit");
            ui.radio_value(&mut state.save_sixteen_bit, true, "16-bit");
        });
        ui.horizontal(|ui| {
            let l = ui.label("JPEG quality");
            ui.add(egui::Slider::new(&mut state.save_jpeg_quality, 1..=100)).labelled_by(l.id);
        });
        if let Some(job) = job {
            ui.add(egui::ProgressBar::new(job.progress()).show_percentage());
            ui.label(format!("Saving {}…", job.path().display()));
            if ui.button("Cancel save").clicked() {
                cmds.push(Command::CancelSave);
            }
        } else {
            ui.horizontal(|ui| {
                if ui.button("Choose file…").clicked() {
                    cmds.push(Command::Browse(DialogPurpose::SaveImage));
                }
                if ui.button("Save").clicked() {
                    let parse = |name: &str, text: &str| {
                        text.trim().parse::<u32>().map_err(|_| {
                            format!(
                                "image {name} must be a whole number between 2 and {MAX_SIDE}, got '{}'",
                                text.trim()
                            )
                        })
                    };
                    match (parse("width", &state.save_width), parse("height", &state.save_height)) {
                        (Ok(width), Ok(height)) => cmds.push(Command::StartSave {
                            width,
                            height,
                            path: PathBuf::from(state.save_path.trim()),
                            depth: if state.save_sixteen_bit { BitDepth::Sixteen } else { BitDepth::Eight },
                            jpeg_quality: state.save_jpeg_quality,
                        }),
                        (Err(e), _) | (_, Err(e)) => cmds.push(Command::Error(e)),
                    }
                }
            });
        }
    });
    if !open {
        state.save_open = false;
        if job.is_some() {
            cmds.push(Command::CancelSave);
        }
    }
    cmds
}
