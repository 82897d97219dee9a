//! The persisted settings as the app uses them: the settings file, where the explorer
//! is and has been, its colours, bookmarks and parameter files, and the commands that
//! change them. Saved on a timer when changed, whenever a bookmark changes, and on exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use faafo_engine::{Complex64, Fractal, FractalKind};

use crate::app::notices::Notices;
use crate::command::Command;
use crate::model::bookmarks::{Bookmark, unique_name};
use crate::model::colour::{Gradient, Look};
use crate::model::history::History;
use crate::model::location::Location;
use crate::model::params_file::ParamsFile;
use crate::model::persist::{Settings, SettingsError, Store};
use crate::model::view::{Frame, View};
use crate::ui::canvas::FLY_ZOOM_PER_S_RANGE;

/// Seconds between automatic saves of changed settings.
const AUTOSAVE_SECS: f64 = 10.0;

/// What a command handler may use besides its own area.
pub(crate) struct Cx<'a> {
    pub(crate) ctx: &'a egui::Context,
    pub(crate) notices: &'a mut Notices,
    /// The canvas' size in physical pixels, once laid out: views too deep for it are refused.
    pub(crate) canvas_px: Option<[u32; 2]>,
}

/// The settings, the file they live in, and what is derived from them.
#[derive(Debug)]
pub(crate) struct Persisted {
    settings: Settings,
    store: Option<Store>,
    /// Changed since the last save.
    dirty: bool,
    /// egui time of the last automatic save.
    last_save_at: f64,
    /// The settings' colours, with a palette file's gradient built.
    look: Look,
    /// `look` changed since [`Persisted::take_look_changed`] was last called.
    look_changed: bool,
    history: History,
}

impl Persisted {
    /// The settings from `store` (`None`: defaults, never saved); what was unusable in
    /// them is replaced by defaults and reported in `problems`.
    pub(crate) fn load(mut store: Option<Store>, problems: &mut Vec<String>) -> Self {
        let (mut settings, load_message) = match store.as_mut() {
            Some(s) => s.load(),
            None => (Settings::default(), None),
        };
        problems.extend(load_message);
        if let Err(e) = settings.location.validate() {
            problems.push(format!("the saved location is unusable ({e}); starting at the home view"));
            settings.location = Location::default();
        }
        let custom = match settings.custom_palette.clone().map(Gradient::new) {
            Some(Ok(g)) => Some(Arc::new(g)),
            Some(Err(e)) => {
                problems.push(format!("the saved palette file's gradient is unusable: {e}"));
                None
            }
            None => None,
        };
        let look = Look { colouring: settings.colouring, custom };
        Self {
            settings,
            store,
            dirty: false,
            last_save_at: 0.0,
            look,
            look_changed: false,
            history: History::default(),
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn location(&self) -> Location {
        self.settings.location.clone()
    }

    pub(crate) fn look(&self) -> &Look {
        &self.look
    }

    pub(crate) fn history(&self) -> &History {
        &self.history
    }

    /// Whether the colours changed since the last call (the worker then recolours).
    pub(crate) fn take_look_changed(&mut self) -> bool {
        std::mem::take(&mut self.look_changed)
    }

    /// Writes the settings file now (if there is one).
    pub(crate) fn save(&mut self) -> Result<(), SettingsError> {
        self.dirty = false;
        match &mut self.store {
            Some(store) => store.save(&self.settings),
            None => Ok(()),
        }
    }

    /// Saves if changed, at most every [`AUTOSAVE_SECS`].
    pub(crate) fn autosave(&mut self, ctx: &egui::Context, notices: &mut Notices) {
        let now = ctx.input(|i| i.time);
        if self.dirty && now - self.last_save_at > AUTOSAVE_SECS {
            self.last_save_at = now;
            if let Err(e) = self.save() {
                notices.error(e);
            }
        }
    }

    /// Saves on exit if changed; nowhere is left to show an error but stderr.
    pub(crate) fn save_on_exit(&mut self) {
        if self.dirty
            && let Err(e) = self.save()
        {
            eprintln!("faafo-explorer: {e}");
        }
    }

    /// Colour cycling: moves the palette offset with time.
    pub(crate) fn animate(&mut self, ctx: &egui::Context) {
        if !self.settings.cycling {
            return;
        }
        let dt = ctx.input(|i| i.stable_dt).min(0.1);
        let c = &mut self.look.colouring;
        c.offset = (c.offset + dt * self.settings.cycles_per_minute / 60.0).rem_euclid(1.0);
        self.settings.colouring = *c;
        self.look_changed = true;
        ctx.request_repaint();
    }

    /// Remembers the size and path of an image save that started.
    pub(crate) fn remember_save(&mut self, size: [u32; 2], path: &Path) {
        self.settings.save_size = size;
        self.settings.save_path = path.display().to_string();
        self.dirty = true;
    }

    /// Keeps the Deploy window's fields if they changed.
    pub(crate) fn sync_deploy(&mut self, deploy: &crate::cloud::credentials::DeploySettings) {
        if deploy != &self.settings.deploy {
            self.settings.deploy = deploy.clone();
            self.dirty = true;
        }
    }

    /// Keeps the Cluster window's fields if they changed.
    pub(crate) fn sync_cluster(&mut self, cluster: &crate::cloud::cluster::ClusterSettings) {
        if cluster != &self.settings.cluster {
            self.settings.cluster = cluster.clone();
            self.dirty = true;
        }
    }

    /// Applies a command about the location, colours, bookmarks or parameter files.
    pub(crate) fn apply(&mut self, command: Command, cx: &mut Cx<'_>) {
        let loc = self.settings.location.clone();
        match command {
            Command::SetView { view, continuous_at } => self.set_view(view, continuous_at, cx),
            Command::GoTo { location, colouring } => {
                if self.set_location(location, None, cx)
                    && let Some(c) = colouring
                {
                    self.set_look(Look { colouring: c, custom: None });
                }
            }
            Command::SetKind(kind) => {
                let fractal = kind_home(kind, loc.fractal.c());
                self.set_location(Location { iterations: loc.iterations, ..Location::home(fractal) }, None, cx);
            }
            Command::SetFractal(fractal) => {
                let now = cx.ctx.input(|i| i.time);
                self.set_location(Location { fractal, ..loc }, Some(now), cx);
            }
            Command::SetIterations(iterations) => {
                self.set_location(Location { iterations, ..loc }, None, cx);
            }
            Command::PickJulia(c) => {
                let location = Location { iterations: loc.iterations, ..Location::home(Fractal::Julia { c }) };
                self.set_location(location, None, cx);
            }
            Command::Back | Command::Forward => {
                let to = if command == Command::Back { self.history.back(loc) } else { self.history.forward(loc) };
                if let Some(to) = to {
                    self.settings.location = to;
                    self.dirty = true;
                }
            }
            Command::Reset => {
                self.set_location(Location { view: View::home(loc.fractal.kind()), ..loc }, None, cx);
            }
            Command::CopyLocation => {
                cx.ctx.copy_text(loc.to_text());
                cx.notices.info("location copied to the clipboard");
            }
            Command::PasteLocation(text) => self.paste(&text, cx),
            Command::SetColouring(_)
            | Command::SetPalette(_)
            | Command::LoadPalette(_)
            | Command::SavePalette(_)
            | Command::SetCycling { .. } => {
                self.colour_command(command, cx.notices);
            }
            Command::AddBookmark(_) | Command::OpenBookmark(_) | Command::DeleteBookmark(_) => {
                self.bookmark_command(command, cx);
            }
            Command::OpenParams(path) => self.open_params_file(&path, cx),
            Command::SaveParams(path) => self.save_params_file(path, cx.notices),
            // Other areas' commands.
            Command::Browse(_)
            | Command::ShowSaveImage(_)
            | Command::StartSave { .. }
            | Command::CancelSave
            | Command::ShowDeploy(_)
            | Command::ShowCluster(_)
            | Command::ShowMessages(_)
            | Command::Error(_) => {}
            Command::SetFlySpeed(speed) => {
                let (lo, hi) = (*FLY_ZOOM_PER_S_RANGE.start(), *FLY_ZOOM_PER_S_RANGE.end());
                if speed.is_finite() {
                    self.settings.fly_zoom_per_s = speed.clamp(lo, hi);
                    self.dirty = true;
                }
            }
        }
    }

    fn set_view(&mut self, view: View, continuous_at: Option<f64>, cx: &mut Cx<'_>) {
        let view = view.clamped();
        let fractal = self.settings.location.fractal;
        if let Some(why) = cx.canvas_px.and_then(|px| refusal(&view, &fractal, px)) {
            cx.notices.error(why);
            return;
        }
        self.set_location(Location { view, ..self.settings.location.clone() }, continuous_at, cx);
    }

    /// Moves to `location`, recording history; refuses what the engine could not render
    /// at the canvas size, keeping the current view.
    fn set_location(&mut self, location: Location, continuous_at: Option<f64>, cx: &mut Cx<'_>) -> bool {
        if let Err(e) = location.validate() {
            cx.notices.error(e);
            return false;
        }
        if let Some(why) = cx.canvas_px.and_then(|px| refusal(&location.view, &location.fractal, px)) {
            cx.notices.error(format!("{why}; staying at the current view"));
            return false;
        }
        if location != self.settings.location {
            self.history.record(self.settings.location.clone(), continuous_at);
            self.settings.location = location;
            self.dirty = true;
        }
        true
    }

    fn set_look(&mut self, look: Look) {
        self.settings.colouring = look.colouring;
        self.settings.custom_palette = look.palette_file();
        self.look = look;
        self.dirty = true;
        self.look_changed = true;
    }

    fn colour_command(&mut self, command: Command, notices: &mut Notices) {
        match command {
            Command::SetColouring(colouring) => self.set_look(Look { colouring, custom: self.look.custom.clone() }),
            Command::SetPalette(palette) => self.set_look(self.look.with_palette(palette)),
            Command::LoadPalette(path) => {
                if path.as_os_str().is_empty() {
                    notices.error("type the path of a palette file, or use Browse palettes…");
                    return;
                }
                self.settings.palette_path = path.display().to_string();
                match Gradient::load(&path) {
                    Ok(g) => {
                        let name = g.name().to_owned();
                        self.set_look(self.look.with_gradient(g));
                        notices.info(format!("palette '{name}' loaded from {}", path.display()));
                    }
                    Err(e) => notices.error(e),
                }
            }
            Command::SavePalette(path) => self.save_palette_file(path, notices),
            Command::SetCycling { on, cycles_per_minute } => {
                self.settings.cycling = on;
                self.settings.cycles_per_minute = cycles_per_minute;
                self.dirty = true;
            }
            _ => {}
        }
    }

    fn bookmark_command(&mut self, command: Command, cx: &mut Cx<'_>) {
        match command {
            Command::AddBookmark(name) => {
                let name = unique_name(&self.settings.bookmarks, &name);
                let (location, colouring) = (self.settings.location.clone(), self.look.colouring);
                self.settings.bookmarks.push(Bookmark { name: name.clone(), location, colouring });
                match self.save() {
                    Ok(()) => cx.notices.info(format!("bookmarked '{name}'")),
                    Err(e) => cx.notices.error(format!("bookmarked '{name}', but {e}")),
                }
            }
            Command::OpenBookmark(i) => {
                if let Some(b) = self.settings.bookmarks.get(i).cloned() {
                    self.apply(Command::GoTo { location: b.location, colouring: Some(b.colouring) }, cx);
                }
            }
            Command::DeleteBookmark(i) if i < self.settings.bookmarks.len() => {
                let b = self.settings.bookmarks.remove(i);
                match self.save() {
                    Ok(()) => cx.notices.info(format!("deleted bookmark '{}'", b.name)),
                    Err(e) => cx.notices.error(e),
                }
            }
            _ => {}
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Cx<'_>) {
        let t = text.trim();
        let looks_like_file =
            t.contains('\n') || t.starts_with('[') || t.starts_with('{') || t.starts_with("iterations");
        if looks_like_file {
            match ParamsFile::parse(t) {
                Ok(file) => self.open_params(file, "the pasted parameters", cx),
                Err(e) => cx.notices.error(format!("cannot use the pasted parameters: {e}")),
            }
        } else {
            match Location::parse_text(t) {
                Ok(location) => {
                    if self.set_location(location, None, cx) {
                        cx.notices.info("went to the pasted location");
                    }
                }
                Err(e) => cx.notices.error(format!("cannot use the pasted location: {e}")),
            }
        }
    }

    fn open_params_file(&mut self, path: &Path, cx: &mut Cx<'_>) {
        if path.as_os_str().is_empty() {
            cx.notices.error("type the path of a parameter file, or use Browse to open…");
            return;
        }
        self.settings.params_path = path.display().to_string();
        match ParamsFile::load(path) {
            Ok(file) => self.open_params(file, &path.display().to_string(), cx),
            Err(e) => cx.notices.error(e),
        }
    }

    fn open_params(&mut self, file: ParamsFile, source: &str, cx: &mut Cx<'_>) {
        let custom = match file.palette.clone().map(Gradient::new) {
            Some(Ok(g)) => Some(Arc::new(g)),
            Some(Err(e)) => {
                cx.notices.error(format!("{source}: palette: {e}"));
                return;
            }
            None => None,
        };
        if self.set_location(file.location(), None, cx) {
            self.set_look(Look { colouring: file.colouring, custom });
            cx.notices.info(format!("opened {source}"));
        }
    }

    fn save_params_file(&mut self, path: PathBuf, notices: &mut Notices) {
        if path.as_os_str().is_empty() {
            notices.error("type the path to save the parameters to, or use Browse to save…");
            return;
        }
        let path = params_path(path);
        self.settings.params_path = path.display().to_string();
        let spec = self.look.palette_file();
        match ParamsFile::new(&self.settings.location, self.look.colouring, spec).save(&path) {
            Ok(()) => notices.info(format!("parameters saved to {}", path.display())),
            Err(e) => notices.error(e),
        }
    }
}

impl Persisted {
    /// Writes the loaded gradient with the colouring in use as a palette file at `path`
    /// (`.toml` added when it has no extension), so what was tuned here opens the same.
    fn save_palette_file(&mut self, path: PathBuf, notices: &mut Notices) {
        if path.as_os_str().is_empty() {
            notices.error("type the path to save the palette to, or use Browse to save palette…");
            return;
        }
        let Some(spec) = self.look.palette_file() else {
            notices.error(
                "only a palette loaded from a file can be saved: load one first (the built-in palettes are not files)",
            );
            return;
        };
        let path = params_path(path);
        self.settings.palette_path = path.display().to_string();
        self.dirty = true;
        let written = spec.to_toml().map_err(|e| e.to_string()).and_then(|text| {
            std::fs::write(&path, text).map_err(|e| format!("cannot write palette file {}: {e}", path.display()))
        });
        match written {
            Ok(()) => notices.info(format!("palette '{}' saved to {}", spec.name, path.display())),
            Err(e) => notices.error(e),
        }
    }
}

/// Where "Save as" writes a parameter file typed as `path`: `.toml` is added when it
/// has no extension.
pub(crate) fn params_path(mut path: PathBuf) -> PathBuf {
    if path.extension().is_none() {
        path.set_extension("toml");
    }
    path
}

/// The home of `kind`, keeping the constant `c` of the current kind where the new one has
/// one too.
fn kind_home(kind: FractalKind, c: Option<Complex64>) -> Fractal {
    Fractal::from_kind(kind, c, 3, || faafo_engine::classic::FALLBACK_C)
}

/// What the wheel, a fly and a pasted location all say when a view is deeper than the
/// engine renders at this size (for the kinds without a deep path: the others go on with
/// perturbation).
pub(crate) const DEPTH_LIMIT: &str =
    "deepest zoom reached: 64-bit floats cannot tell neighbouring pixels apart beyond this scale";

/// Why the engine cannot render `view` on a canvas of `[w, h]` physical pixels, in words
/// a person can act on; `None` when it can. A finite view with a positive scale that the
/// engine still refuses is too deep (whatever the engine's check that caught it: edges
/// that collapsed into each other or pixels closer than the numbers resolve), so it gets
/// the depth-limit words rather than "xa must be less than xb".
pub(crate) fn refusal(view: &View, fractal: &Fractal, [w, h]: [u32; 2]) -> Option<String> {
    let e = Frame::new(view.clone(), w, h).of_kind(fractal.kind()).validate(fractal).err()?;
    Some(match e {
        faafo_engine::ParamError::DeepUnsupported { supported, .. } => {
            format!("{DEPTH_LIMIT} for {}; perturbation goes deeper for {supported}", fractal.kind().name())
        }
        _ => DEPTH_LIMIT.to_owned(),
    })
}
