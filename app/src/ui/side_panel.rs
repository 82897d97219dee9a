//! The side panel: fractal, readouts, navigation, colours, bookmarks and files. It only
//! reads state and returns [`Command`]s; typed text lives in [`PanelState`] until it is
//! applied, so a bad entry never reaches the view.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::{RichText, TextEdit, Ui};
use faafo_engine::{Colouring, Fractal, FractalKind, KernelPath, Palette};

use crate::command::Command;
use crate::jobs::file_dialog::DialogPurpose;
use crate::model::bookmarks::Bookmark;
use crate::model::colour::Look;
use crate::model::location::{Iterations, Location};
use crate::model::persist::Settings;
use crate::render::worker::{Pass, PassStats};
use crate::ui::canvas;
use crate::ui::readout;

/// Typed text and open/closed flags of the panel's widgets.
#[derive(Debug, Default)]
pub struct PanelState {
    /// Iteration limit field (mirrors the limit in use while not being edited).
    pub iterations_text: String,
    /// Location text field (mirrors the location while not being edited).
    pub location_text: String,
    /// The iterations field had focus last frame.
    iterations_editing: bool,
    /// The location field had focus last frame.
    location_editing: bool,
    /// Name for the next bookmark.
    pub bookmark_name: String,
    pub params_path: String,
    pub palette_path: String,
    /// Whether the "Save image" window is open.
    pub save_open: bool,
    /// The save window's fields, checked when "Save" is pressed.
    pub save_width: String,
    pub save_height: String,
    pub save_path: String,
    /// A `.png` with 16 bits per channel instead of 8.
    pub save_sixteen_bit: bool,
    /// Quality of a `.jpg`, 1..=100.
    pub save_jpeg_quality: u8,
}

impl PanelState {
    /// Fields pre-filled from the persisted settings.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            params_path: settings.params_path.clone(),
            palette_path: settings.palette_path.clone(),
            save_width: settings.save_size[0].to_string(),
            save_height: settings.save_size[1].to_string(),
            save_path: settings.save_path.clone(),
            save_jpeg_quality: faafo_engine::DEFAULT_JPEG_QUALITY,
            ..Self::default()
        }
    }

    /// The path field a file dialog for `purpose` starts from and fills in.
    pub fn path_for(&self, purpose: DialogPurpose) -> &str {
        match purpose {
            DialogPurpose::SaveImage => &self.save_path,
            DialogPurpose::OpenParams | DialogPurpose::SaveParams => &self.params_path,
            DialogPurpose::OpenPalette | DialogPurpose::SavePalette => &self.palette_path,
        }
    }

    /// The path field for `purpose`, to fill in.
    pub fn path_for_mut(&mut self, purpose: DialogPurpose) -> &mut String {
        match purpose {
            DialogPurpose::SaveImage => &mut self.save_path,
            DialogPurpose::OpenParams | DialogPurpose::SaveParams => &mut self.params_path,
            DialogPurpose::OpenPalette | DialogPurpose::SavePalette => &mut self.palette_path,
        }
    }
}

/// What the readouts show.
#[derive(Debug, Clone, Default)]
pub struct Readouts {
    /// The limit in use (auto's current value too).
    pub max_iterations: u32,
    /// The newest picture on screen: pass, figures, size.
    pub last: Option<(Pass, PassStats, [usize; 2])>,
    /// Milliseconds from the input to the full-resolution picture of the current view.
    pub full_after_input_ms: Option<f64>,
    /// The kernel path this CPU uses.
    pub kernel: Option<KernelPath>,
}

/// Width of the side panel in points. Fixed: a long readout (a Julia `c` with all its
/// digits) is cut short with its full text on hover instead of widening the panel, so the
/// picture keeps its size.
pub const PANEL_WIDTH: f32 = 340.0;

/// Everything the side panel reads.
pub struct PanelData<'a> {
    pub location: &'a Location,
    /// Hold-to-fly speed, magnification per second.
    pub fly_zoom_per_s: f64,
    /// Messages in the log (the Messages button shows the count).
    pub messages: usize,
    pub look: &'a Look,
    pub cycling: bool,
    pub cycles_per_minute: f32,
    pub can_go_back: bool,
    pub can_go_forward: bool,
    pub bookmarks: &'a [Bookmark],
    /// Thumbnails by [`Bookmark::thumbnail_key`].
    pub thumbnails: &'a HashMap<String, egui::TextureHandle>,
    /// A strip per engine palette.
    pub palette_previews: &'a [(Palette, egui::TextureHandle)],
    pub readouts: Readouts,
}

// By hand: `TextureHandle` has no `Debug`.
impl std::fmt::Debug for PanelData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelData").field("location", self.location).finish_non_exhaustive()
    }
}

/// Whether a text field's edit just ended (it had focus last frame and not now). A
/// single-line field gives focus up in the frame Enter is pressed, but egui reports
/// `lost_focus` only a frame later, after the field would already show the old value.
fn edit_ended(response: &egui::Response, editing: &mut bool) -> bool {
    if response.has_focus() {
        *editing = true;
        false
    } else {
        std::mem::replace(editing, false)
    }
}

pub(crate) fn labelled_text(ui: &mut Ui, label: &str, text: &mut String, width: f32) -> egui::Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(TextEdit::singleline(text).desired_width(width)).labelled_by(l.id)
    })
    .inner
}

/// Draws the side panel's contents.
pub fn side_panel_ui(ui: &mut Ui, data: &PanelData<'_>, state: &mut PanelState) -> Vec<Command> {
    let mut cmds = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        fractal_ui(ui, data, state, &mut cmds);
        ui.separator();
        readouts_ui(ui, data);
        ui.separator();
        navigate_ui(ui, data, state, &mut cmds);
        ui.separator();
        colours_ui(ui, data, state, &mut cmds);
        ui.separator();
        bookmarks_ui(ui, data, state, &mut cmds);
        ui.separator();
        files_ui(ui, state, &mut cmds);
        ui.separator();
        if ui.button(format!("Messages ({})…", data.messages)).on_hover_text("Every notice and error in full").clicked()
        {
            cmds.push(Command::ShowMessages(true));
        }
        ui.separator();
        ui.heading("Cluster");
        ui.horizontal_wrapped(|ui| {
            if ui.button("Cluster…").clicked() {
                cmds.push(Command::ShowCluster(true));
            }
            if ui.button("Deploy to OpenStack…").clicked() {
                cmds.push(Command::ShowDeploy(true));
            }
        });
    });
    cmds
}

fn fractal_ui(ui: &mut Ui, data: &PanelData<'_>, state: &mut PanelState, cmds: &mut Vec<Command>) {
    ui.heading("Fractal");
    let current = data.location.fractal.kind();
    ui.horizontal_wrapped(|ui| {
        for (kind, name) in [
            (FractalKind::Mandelbrot, "Mandelbrot"),
            (FractalKind::Julia, "Julia"),
            (FractalKind::BurningShip, "Burning Ship"),
            (FractalKind::Multibrot, "Multibrot"),
            (FractalKind::Classic, "Classic faafo"),
        ] {
            if ui.radio(current == kind, name).clicked() && current != kind {
                cmds.push(Command::SetKind(kind));
            }
        }
    });
    match data.location.fractal {
        Fractal::Julia { c } | Fractal::Classic { c } => {
            let (mut re, mut im) = (c.re, c.im);
            ui.horizontal(|ui| {
                let l = ui.label("c real");
                let a = ui.add(egui::DragValue::new(&mut re).speed(0.0005).max_decimals(15)).labelled_by(l.id);
                let l = ui.label("imaginary");
                let b = ui.add(egui::DragValue::new(&mut im).speed(0.0005).max_decimals(15)).labelled_by(l.id);
                if a.changed() || b.changed() {
                    let c = faafo_engine::Complex64::new(re, im);
                    let f = match data.location.fractal {
                        Fractal::Classic { .. } => Fractal::Classic { c },
                        _ => Fractal::Julia { c },
                    };
                    cmds.push(Command::SetFractal(f));
                }
            });
            if current == FractalKind::Julia {
                ui.label(
                    RichText::new("Tip: on a Mandelbrot view, hold Ctrl to preview, Ctrl-click to pick c.").small(),
                );
            }
        }
        Fractal::Multibrot { power } => {
            let mut p = power;
            ui.horizontal(|ui| {
                let l = ui.label("Power");
                if ui
                    .add(egui::Slider::new(&mut p, 2..=faafo_engine::fractal::MAX_MULTIBROT_POWER))
                    .labelled_by(l.id)
                    .changed()
                {
                    cmds.push(Command::SetFractal(Fractal::Multibrot { power: p }));
                }
            });
        }
        Fractal::Mandelbrot | Fractal::BurningShip => {}
    }

    let auto = data.location.iterations == Iterations::Auto;
    let mut auto_box = auto;
    if ui.checkbox(&mut auto_box, "Automatic iterations (grow with zoom)").changed() {
        cmds.push(Command::SetIterations(if auto_box {
            Iterations::Auto
        } else {
            Iterations::Fixed(data.readouts.max_iterations)
        }));
    }
    let response = labelled_text(ui, "Max iterations", &mut state.iterations_text, 110.0);
    if edit_ended(&response, &mut state.iterations_editing) {
        match state.iterations_text.parse::<Iterations>() {
            Ok(Iterations::Fixed(n))
                if data.location.iterations == Iterations::Auto && n == data.readouts.max_iterations =>
            {
                // Unchanged text: leaving the field does not turn "auto" off.
            }
            Ok(it) if it == data.location.iterations => {}
            Ok(it) => cmds.push(Command::SetIterations(it)),
            Err(e) => cmds.push(Command::Error(e.to_string())),
        }
    }
    if !state.iterations_editing {
        // Shows the limit in use (auto's current value too); typing a number fixes it.
        state.iterations_text = data.readouts.max_iterations.to_string();
    }
}

fn colours_ui(ui: &mut Ui, data: &PanelData<'_>, state: &mut PanelState, cmds: &mut Vec<Command>) {
    ui.heading("Colours");
    let look = data.look;
    for (palette, texture) in data.palette_previews {
        ui.horizontal(|ui| {
            ui.image((texture.id(), egui::vec2(96.0, 12.0)));
            let selected = look.custom.is_none() && look.colouring.palette == *palette;
            if ui.selectable_label(selected, palette.name()).clicked() && !selected {
                cmds.push(Command::SetPalette(*palette));
            }
        });
    }
    if let Some(g) = &look.custom {
        ui.horizontal(|ui| {
            let _ = ui.selectable_label(true, format!("{} (file)", g.name()));
            if ui.button("Forget palette file").clicked() {
                cmds.push(Command::SetPalette(look.colouring.palette));
            }
        });
    }
    let mut c: Colouring = look.colouring;
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label("Offset");
        changed |= ui.add(egui::Slider::new(&mut c.offset, 0.0..=1.0)).labelled_by(l.id).changed();
    });
    ui.horizontal(|ui| {
        let l = ui.label("Cycle length");
        changed |= ui
            .add(egui::Slider::new(&mut c.cycle_iterations, 2.0..=4096.0).logarithmic(true).suffix(" it"))
            .labelled_by(l.id)
            .changed();
    });
    ui.horizontal(|ui| {
        let l = ui.label("Interior colour");
        changed |= ui.color_edit_button_srgb(&mut c.interior).labelled_by(l.id).changed();
    });
    changed |= super::colouring_modes::modes_ui(ui, &mut c);
    if changed {
        cmds.push(Command::SetColouring(c));
    }
    let (mut on, mut speed) = (data.cycling, data.cycles_per_minute);
    ui.horizontal(|ui| {
        let a = ui.checkbox(&mut on, "Cycle colours");
        let l = ui.label("speed");
        let b = ui.add(egui::Slider::new(&mut speed, 0.5..=120.0).logarithmic(true).suffix("/min")).labelled_by(l.id);
        if a.changed() || b.changed() {
            cmds.push(Command::SetCycling { on, cycles_per_minute: speed });
        }
    });
    labelled_text(ui, "Palette file", &mut state.palette_path, 150.0);
    ui.horizontal(|ui| {
        if ui.button("Load palette").clicked() {
            cmds.push(Command::LoadPalette(PathBuf::from(state.palette_path.trim())));
        }
        if ui.button("Browse palettes…").clicked() {
            cmds.push(Command::Browse(DialogPurpose::OpenPalette));
        }
    });
    // Writing needs a gradient: the engine's palettes are built in, not files.
    let why = "Writes the loaded palette file's gradient with the colouring mode, light and band in use";
    let why_not = "Load a palette file first: the built-in palettes are not files";
    ui.add_enabled_ui(look.custom.is_some(), |ui| {
        ui.horizontal(|ui| {
            if ui.button("Save palette as").on_hover_text(why).on_disabled_hover_text(why_not).clicked() {
                cmds.push(Command::SavePalette(PathBuf::from(state.palette_path.trim())));
            }
            if ui.button("Browse to save palette…").on_hover_text(why).on_disabled_hover_text(why_not).clicked() {
                cmds.push(Command::Browse(DialogPurpose::SavePalette));
            }
        });
    });
}

fn navigate_ui(ui: &mut Ui, data: &PanelData<'_>, state: &mut PanelState, cmds: &mut Vec<Command>) {
    ui.heading("Navigate");
    ui.horizontal(|ui| {
        if ui.add_enabled(data.can_go_back, egui::Button::new("Back")).clicked() {
            cmds.push(Command::Back);
        }
        if ui.add_enabled(data.can_go_forward, egui::Button::new("Forward")).clicked() {
            cmds.push(Command::Forward);
        }
        if ui.button("Reset view").clicked() {
            cmds.push(Command::Reset);
        }
    });
    let response = labelled_text(ui, "Location", &mut state.location_text, f32::INFINITY);
    let enter = edit_ended(&response, &mut state.location_editing) && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        if ui.button("Copy location").clicked() {
            cmds.push(Command::CopyLocation);
        }
        if ui.button("Go").clicked() || enter {
            cmds.push(Command::PasteLocation(state.location_text.clone()));
        }
    });
    if !state.location_editing && !enter {
        state.location_text = data.location.to_text();
    }
    let mut speed = data.fly_zoom_per_s;
    ui.horizontal(|ui| {
        let l = ui.label("Fly speed");
        let (lo, hi) = (*canvas::FLY_ZOOM_PER_S_RANGE.start(), *canvas::FLY_ZOOM_PER_S_RANGE.end());
        let slider = egui::Slider::new(&mut speed, lo..=hi).logarithmic(true).prefix("×").suffix("/s").max_decimals(2);
        if ui.add(slider).labelled_by(l.id).on_hover_text(FLY_HELP).changed() {
            cmds.push(Command::SetFlySpeed(speed));
        }
    });
}

/// How to fly, for the speed slider's hover text.
const FLY_HELP: &str = "Hold the middle mouse button (or Z) to fly toward the pointer; \
Shift+middle (or X) flies out.";

fn bookmarks_ui(ui: &mut Ui, data: &PanelData<'_>, state: &mut PanelState, cmds: &mut Vec<Command>) {
    ui.heading("Bookmarks");
    labelled_text(ui, "Bookmark name", &mut state.bookmark_name, 120.0);
    if ui.button("Add bookmark").clicked() {
        cmds.push(Command::AddBookmark(std::mem::take(&mut state.bookmark_name)));
    }
    for (i, b) in data.bookmarks.iter().enumerate() {
        ui.horizontal(|ui| {
            match data.thumbnails.get(&b.thumbnail_key()) {
                Some(t) => {
                    ui.image((t.id(), egui::vec2(48.0, 30.0)));
                }
                None => {
                    ui.add_sized([48.0, 30.0], egui::Spinner::new());
                }
            }
            if ui.button(&b.name).on_hover_text(b.location.to_text()).clicked() {
                cmds.push(Command::OpenBookmark(i));
            }
            if ui.small_button("Delete").on_hover_text("Delete this bookmark").clicked() {
                cmds.push(Command::DeleteBookmark(i));
            }
        });
    }
}

fn files_ui(ui: &mut Ui, state: &mut PanelState, cmds: &mut Vec<Command>) {
    ui.heading("Files");
    labelled_text(ui, "Parameter file", &mut state.params_path, 150.0);
    ui.horizontal(|ui| {
        if ui.button("Open").clicked() {
            cmds.push(Command::OpenParams(PathBuf::from(state.params_path.trim())));
        }
        if ui.button("Save as").clicked() {
            cmds.push(Command::SaveParams(PathBuf::from(state.params_path.trim())));
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Browse to open…").clicked() {
            cmds.push(Command::Browse(DialogPurpose::OpenParams));
        }
        if ui.button("Browse to save…").clicked() {
            cmds.push(Command::Browse(DialogPurpose::SaveParams));
        }
    });
    if ui.button("Save image…").clicked() {
        cmds.push(Command::ShowSaveImage(true));
    }
}

fn readouts_ui(ui: &mut Ui, data: &PanelData<'_>) {
    ui.heading("Readouts");
    let loc = data.location;
    let r = &data.readouts;
    let none = || "—".to_owned();
    // Always the same rows, so the controls below never jump while pictures arrive.
    egui::Grid::new("readouts").num_columns(2).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(name);
            // Cut short rather than widen the panel; the whole value shows on hover.
            ui.add(egui::Label::new(RichText::new(&value).monospace()).truncate()).on_hover_text(value);
            ui.end_row();
        };
        let [re, im] = readout::exact_centre(&loc.view);
        row("Centre re", re);
        row("Centre im", im);
        row("Scale", readout::exact_scale(loc.view.scale));
        row("Zoom", readout::depth(loc.decades()));
        let auto = if loc.iterations == Iterations::Auto { " (auto)" } else { "" };
        row("Iterations", format!("{}{auto}", r.max_iterations));
        row("c", loc.fractal.c().map_or_else(none, |c| readout::complex(c, readout::C_DIGITS)));
        let last = r.last.as_ref();
        row("Picture", last.map_or_else(none, |(pass, _, size)| format!("{} {}×{}", pass.label(), size[0], size[1])));
        row(
            "Computed",
            last.map_or_else(none, |(_, stats, _)| format!("{} it, {} px", stats.iterations, stats.pixels_computed)),
        );
        row(
            "Render time",
            last.map_or_else(none, |(_, stats, _)| format!("{:.1} ms", stats.total.as_secs_f64() * 1e3)),
        );
        row("Full picture", r.full_after_input_ms.map_or_else(none, |ms| format!("{ms:.0} ms after input")));
        let kernel = last.map(|(_, stats, _)| stats.kernel).or(r.kernel);
        row("Kernel", kernel.map_or_else(none, |k| k.name().to_owned()));
    });
}
