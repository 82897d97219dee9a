//! The explorer app: persisted [`Settings`] on one side, runtime handles (render threads,
//! textures, jobs, dialogs) on the other, and [`ExplorerApp::apply`] as the one place
//! where commands from the panel and the canvas change state.
//!
//! Each frame: take in what background threads finished, draw the panel and status bar,
//! read canvas input and apply it, ask for a render if the view changed, then paint the
//! pictures reprojected to the current view. Nothing here waits for a render.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, Pos2, Rect, TextureOptions};
use faafo_engine::{Colouring, Complex64, Fractal, FractalKind, KernelPath, Palette};

use crate::cloud::deploy_window::DeployPanel;
use crate::cloud::jobs::DeployConfig;
use crate::command::Command;
use crate::jobs::file_dialog::{DialogPurpose, FileDialogs};
use crate::jobs::save_image::{SaveJob, SaveRequest};
use crate::jobs::screenshot::{ScreenshotJob, ScreenshotOutcome};
use crate::model::bookmarks::{Bookmark, unique_name};
use crate::model::colour::{Gradient, Look};
use crate::model::history::History;
use crate::model::location::Location;
use crate::model::params_file::ParamsFile;
use crate::model::persist::{Settings, Store};
use crate::model::view::{Frame, MAX_SCALE, View};
use crate::render::thumbnails::ThumbnailMaker;
use crate::render::worker::{Pass, PassStats, Picture, RenderKey, RenderWorker, WorkerConfig, WorkerEvent};
use crate::ui::canvas::{self, CanvasState, Layer};
use crate::ui::side_panel::{self, PanelData, PanelState, Readouts};
use crate::ui::{save_window, status_bar};

/// Window title (and the app id the desktop entry matches).
pub const TITLE: &str = "faafo explorer";

/// Seconds between automatic saves of changed settings (they are also saved on exit and
/// whenever a bookmark changes).
const AUTOSAVE_SECS: f64 = 10.0;
/// Size of the Julia preview inset, in points.
const INSET_PT: [f32; 2] = [240.0, 150.0];
/// Iterations for the Julia inset: enough for the shape, cheap enough to follow the mouse.
const INSET_ITERATIONS: u32 = 300;

/// A message in the status bar.
#[derive(Debug, Clone)]
struct Notice {
    text: String,
    error: bool,
    /// egui time it was shown.
    at: f64,
}

/// When a picture arrived, for the benchmark.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// When the UI took it off the channel.
    pub at: Instant,
    /// The request it answers.
    pub generation: u64,
    /// Its stage.
    pub pass: Pass,
    /// Its figures.
    pub stats: PassStats,
    /// What it shows.
    pub key: RenderKey,
    /// A recolouring of an earlier picture.
    pub recoloured: bool,
}

/// The explorer window.
pub struct ExplorerApp {
    // --- persisted ---
    settings: Settings,
    store: Option<Store>,
    settings_dirty: bool,
    last_save_at: f64,

    // --- runtime ---
    ctx: egui::Context,
    look: Look,
    worker: Option<RenderWorker>,
    inset_worker: Option<RenderWorker>,
    thumbs: Option<ThumbnailMaker>,
    full: Option<Layer>,
    preview: Option<Layer>,
    inset: Option<Layer>,
    inset_requested: Option<Complex64>,
    julia_hover: Option<(Complex64, Pos2)>,
    canvas: CanvasState,
    canvas_rect: Option<Rect>,
    canvas_px: Option<[u32; 2]>,
    history: History,
    panel: PanelState,
    notice: Option<Notice>,
    /// The newest request sent to the worker and when.
    requested: Option<(RenderKey, Instant)>,
    full_after_input: Option<Duration>,
    last_picture: Option<(Pass, PassStats, [usize; 2])>,
    /// The newest request failed with this message.
    failed: Option<(u64, String)>,
    save_job: Option<SaveJob>,
    dialogs: FileDialogs,
    thumbnails: HashMap<String, egui::TextureHandle>,
    thumbnails_requested: HashSet<String>,
    palette_previews: Vec<(Palette, egui::TextureHandle)>,
    screenshot: Option<ScreenshotJob>,
    arrivals: Option<Vec<Arrival>>,
    deploy: DeployPanel,
}

impl ExplorerApp {
    /// Called by eframe once the window exists: settings from the user's file.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        Self::with_store(&cc.egui_ctx, Store::default_location())
    }

    /// An app whose settings live in `store` (`None`: start from defaults, save nothing).
    /// Needs no window or GPU: tests and the benchmark drive it through a bare
    /// `egui::Context`.
    pub fn with_store(ctx: &egui::Context, mut store: Option<Store>) -> Self {
        let (settings, load_message) = match store.as_mut() {
            Some(s) => s.load(),
            None => (Settings::default(), None),
        };
        let mut problems = Vec::new();
        problems.extend(load_message);
        let mut settings = settings;
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
        let worker = RenderWorker::spawn("faafo-render", ctx.clone(), WorkerConfig::default())
            .map_err(|e| problems.push(format!("cannot start the render thread: {e}")))
            .ok();
        let inset_config = WorkerConfig { previews: false, ..WorkerConfig::default() };
        let inset_worker = RenderWorker::spawn("faafo-julia-inset", ctx.clone(), inset_config).ok();
        let thumbs = ThumbnailMaker::spawn(ctx.clone()).ok();
        let panel = PanelState::from_settings(&settings);
        let deploy_settings = settings.deploy.clone();
        let notice = (!problems.is_empty()).then(|| Notice { text: problems.join("; "), error: true, at: 0.0 });
        Self {
            settings,
            store,
            settings_dirty: false,
            last_save_at: 0.0,
            ctx: ctx.clone(),
            look,
            worker,
            inset_worker,
            thumbs,
            full: None,
            preview: None,
            inset: None,
            inset_requested: None,
            julia_hover: None,
            canvas: CanvasState::default(),
            canvas_rect: None,
            canvas_px: None,
            history: History::default(),
            panel,
            notice,
            requested: None,
            full_after_input: None,
            last_picture: None,
            failed: None,
            save_job: None,
            dialogs: FileDialogs::default(),
            thumbnails: HashMap::new(),
            thumbnails_requested: HashSet::new(),
            palette_previews: Vec::new(),
            screenshot: None,
            arrivals: None,
            deploy: DeployPanel::new(DeployConfig::openstack()).with_settings(deploy_settings),
        }
    }

    /// Deploys where and how `config` says (tests: an in-memory cloud).
    #[must_use]
    pub fn with_deploy_config(mut self, config: DeployConfig) -> Self {
        self.deploy = DeployPanel::new(config).with_settings(self.settings.deploy.clone());
        self
    }

    /// The "Deploy to OpenStack" window's state.
    pub fn deploy_panel(&self) -> &DeployPanel {
        &self.deploy
    }

    /// Once the full picture is on screen, save a screenshot of the window to `path` and
    /// close it; `outcome` is filled in either way so the caller can report failure.
    #[must_use]
    pub fn screenshot_then_close(mut self, path: impl Into<PathBuf>, outcome: ScreenshotOutcome) -> Self {
        self.screenshot = Some(ScreenshotJob::new(path.into(), outcome));
        self
    }

    // ----- read access (tests, benchmark, screenshot) -----

    /// Where the explorer is.
    pub fn location(&self) -> Location {
        self.settings.location
    }

    /// The persisted settings as they are now.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The colours in use.
    pub fn look(&self) -> &Look {
        &self.look
    }

    /// The canvas' frame (view at its size in physical pixels), once laid out.
    pub fn current_frame(&self) -> Option<Frame> {
        self.canvas_px.map(|[w, h]| Frame::new(self.settings.location.view, w, h))
    }

    /// The canvas rectangle in points, as laid out in the last frame.
    pub fn canvas_rect(&self) -> Option<Rect> {
        self.canvas_rect
    }

    /// The complex number under screen position `pos` (points).
    pub fn point_at_screen(&self, pos: Pos2) -> Option<Complex64> {
        let frame = self.current_frame()?;
        let rect = self.canvas_rect?;
        Some(frame.point_at(canvas::to_px(rect, self.ctx.pixels_per_point(), pos)))
    }

    /// Size of the canvas in physical pixels, as laid out in the last frame.
    pub fn view_size(&self) -> Option<[u32; 2]> {
        self.canvas_px
    }

    /// Size of the full-resolution picture on screen, if any.
    pub fn texture_size(&self) -> Option<[usize; 2]> {
        self.full.as_ref().map(|l| l.texture.size())
    }

    /// What the newest full-resolution picture on screen shows.
    pub fn shown_full(&self) -> Option<(RenderKey, Pass)> {
        self.full.as_ref().map(|l| (l.key, l.pass))
    }

    /// Whether the full-resolution picture of exactly the current view is on screen.
    pub fn is_up_to_date(&self) -> bool {
        let (Some(full), Some((key, _)), Some(frame)) = (&self.full, &self.requested, self.current_frame()) else {
            return false;
        };
        let newest = self.worker.as_ref().map_or(0, RenderWorker::generation);
        full.generation == newest && key.frame == frame && full.key == *key
    }

    /// Whether the newest request is still being answered.
    pub fn is_rendering(&self) -> bool {
        !self.is_up_to_date() && self.failed.is_none()
    }

    /// The status bar's main text.
    pub fn status_text(&self) -> String {
        if let Some((_, message)) = &self.failed {
            return format!("render failed: {message}");
        }
        match (&self.last_picture, self.is_up_to_date()) {
            (Some((pass, stats, size)), true) => format!(
                "{} {}×{} · {} iterations · {:.1} ms · kernel {}",
                pass.label(),
                size[0],
                size[1],
                stats.iterations,
                stats.total.as_secs_f64() * 1e3,
                stats.kernel
            ),
            _ => "rendering…".to_owned(),
        }
    }

    /// Why the newest request could not be rendered, if it could not.
    pub fn render_failure(&self) -> Option<&str> {
        self.failed.as_ref().map(|(_, m)| m.as_str())
    }

    /// The message in the status bar, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|n| n.text.as_str())
    }

    /// Whether the notice is an error.
    pub fn notice_is_error(&self) -> bool {
        self.notice.as_ref().is_some_and(|n| n.error)
    }

    /// The Julia constant under the pointer while Ctrl is held over a Mandelbrot view,
    /// and whether its preview inset has a picture yet.
    pub fn julia_inset(&self) -> Option<(Complex64, bool)> {
        self.julia_hover.map(|(c, _)| (c, self.inset.is_some()))
    }

    /// Whether an image is being saved.
    pub fn is_saving(&self) -> bool {
        self.save_job.is_some()
    }

    /// Goes to `location` as if chosen from a bookmark (the benchmark uses this).
    pub fn go_to(&mut self, location: Location) {
        self.apply(Command::GoTo { location, colouring: None });
    }

    /// Starts recording picture arrivals (see [`ExplorerApp::take_arrivals`]).
    pub fn record_arrivals(&mut self) {
        self.arrivals = Some(Vec::new());
    }

    /// The pictures that arrived since the last call.
    pub fn take_arrivals(&mut self) -> Vec<Arrival> {
        self.arrivals.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The newest request's generation.
    pub fn generation(&self) -> u64 {
        self.worker.as_ref().map_or(0, RenderWorker::generation)
    }

    /// Writes the settings file now (if there is one).
    pub fn save_settings(&mut self) -> Result<(), String> {
        self.settings_dirty = false;
        match &mut self.store {
            Some(store) => store.save(&self.settings),
            None => Ok(()),
        }
    }

    // ----- the frame -----

    /// Draws the whole window into `ui` (what [`eframe::App::ui`] calls).
    pub fn contents(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.ctx = ctx.clone();
        self.init_palette_previews(&ctx);
        self.poll_background(&ctx);
        self.animate(&ctx);

        let readouts = self.readouts();
        let data = PanelData {
            location: &self.settings.location,
            look: &self.look,
            cycling: self.settings.cycling,
            cycles_per_minute: self.settings.cycles_per_minute,
            can_go_back: self.history.can_go_back(),
            can_go_forward: self.history.can_go_forward(),
            bookmarks: &self.settings.bookmarks,
            thumbnails: &self.thumbnails,
            palette_previews: &self.palette_previews,
            readouts,
        };
        let panel_state = &mut self.panel;
        let commands = egui::Panel::right("controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| side_panel::side_panel_ui(ui, &data, panel_state))
            .inner;
        for c in commands {
            self.apply(c);
        }

        let status = self.status_text();
        let notice = self.notice.as_ref().map(|n| (n.text.as_str(), n.error));
        let progress = self.worker.as_ref().and_then(RenderWorker::progress);
        egui::Panel::bottom("status").show(ui, |ui| status_bar::status_bar_ui(ui, &status, notice, progress));

        let commands = save_window::save_window_ui(&ctx, &mut self.panel, self.save_job.as_ref());
        for c in commands {
            self.apply(c);
        }

        self.deploy.ui(&ctx);
        if self.deploy.settings() != &self.settings.deploy {
            self.settings.deploy = self.deploy.settings().clone();
            self.settings_dirty = true;
        }

        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| self.canvas_ui(ui));

        if let Some(job) = &mut self.screenshot {
            let done = self.full.is_some() && {
                let newest = self.worker.as_ref().map_or(0, RenderWorker::generation);
                self.full.as_ref().is_some_and(|f| f.generation == newest)
            };
            job.drive(&ctx, done);
        }
        self.autosave(&ctx);
    }

    fn canvas_ui(&mut self, ui: &mut egui::Ui) {
        let (rect, response) = canvas::allocate(ui);
        let ctx = ui.ctx().clone();
        let ppp = ctx.pixels_per_point();
        let max_side = ctx.input(|i| i.max_texture_side) as f32;
        let px = [rect.width(), rect.height()].map(|s| (s * ppp).round().clamp(0.0, max_side) as u32);
        self.canvas_rect = Some(rect);
        self.canvas_px = (px[0] >= 2 && px[1] >= 2).then_some(px);
        let Some(frame) = self.current_frame() else {
            return; // minimised or not laid out yet
        };
        let mandelbrot = self.settings.location.fractal == Fractal::Mandelbrot;
        let out = canvas::canvas_input(ui, &response, rect, &mut self.canvas, &frame, mandelbrot);
        for c in out.commands {
            self.apply(c);
        }
        self.julia_hover = out.julia_hover;
        self.ensure_render();

        let Some(current) = self.current_frame() else { return };
        let mut layers: Vec<&Layer> = self.full.iter().collect();
        if let Some(p) = &self.preview
            && self.full.as_ref().is_none_or(|f| p.generation > f.generation)
        {
            layers.push(p);
        }
        canvas::paint(ui, rect, &current.grid(), &layers, &self.canvas);
        self.inset_ui(ui, rect);
    }

    /// The live Julia preview while Ctrl is held over a Mandelbrot view.
    fn inset_ui(&mut self, ui: &egui::Ui, rect: Rect) {
        let Some((c, _)) = self.julia_hover else {
            return;
        };
        let ppp = ui.ctx().pixels_per_point();
        if self.inset_requested != Some(c)
            && let Some(worker) = &mut self.inset_worker
        {
            let size = INSET_PT.map(|s| (s * ppp).round() as u32);
            let fractal = Fractal::Julia { c };
            let key = RenderKey {
                fractal,
                frame: Frame::new(View::home(FractalKind::Julia), size[0], size[1]),
                max_iterations: INSET_ITERATIONS,
            };
            worker.submit(key, self.look.clone());
            self.inset_requested = Some(c);
        }
        let inset_rect = Rect::from_min_size(
            Pos2::new(rect.max.x - INSET_PT[0] - 10.0, rect.min.y + 10.0),
            egui::vec2(INSET_PT[0], INSET_PT[1]),
        );
        let painter = ui.painter_at(rect);
        painter.rect_filled(inset_rect.expand(2.0), 2.0, Color32::from_gray(30));
        if let Some(layer) = &self.inset {
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            painter.image(layer.texture.id(), inset_rect, uv, Color32::WHITE);
        }
        painter.text(
            inset_rect.left_bottom() + egui::vec2(4.0, -4.0),
            egui::Align2::LEFT_BOTTOM,
            format!("Julia c = {:.6}{:+.6}i · Ctrl-click to open", c.re, c.im),
            egui::FontId::proportional(11.0),
            Color32::WHITE,
        );
    }

    fn readouts(&self) -> Readouts {
        Readouts {
            max_iterations: self.settings.location.max_iterations(),
            last: self.last_picture,
            full_after_input_ms: self.full_after_input.map(|d| d.as_secs_f64() * 1e3),
            kernel: Some(KernelPath::detect()),
        }
    }

    fn init_palette_previews(&mut self, ctx: &egui::Context) {
        if !self.palette_previews.is_empty() {
            return;
        }
        for palette in Palette::ALL {
            let look = Look { colouring: Colouring { palette, ..Colouring::default() }, custom: None };
            let image = look.preview_strip(128, 8);
            let texture = ctx.load_texture(format!("palette-{palette}"), image, TextureOptions::LINEAR);
            self.palette_previews.push((palette, texture));
        }
    }

    /// Takes in everything background threads finished since the last frame.
    fn poll_background(&mut self, ctx: &egui::Context) {
        let mut events = Vec::new();
        if let Some(w) = &self.worker {
            while let Some(e) = w.try_recv() {
                events.push(e);
            }
        }
        for event in events {
            match event {
                WorkerEvent::Picture(p) => self.on_picture(ctx, p),
                WorkerEvent::Failed { generation, error } => {
                    if generation == self.generation() {
                        self.failed = Some((generation, error.to_string()));
                    }
                }
            }
        }
        if let Some(w) = &self.inset_worker {
            while let Some(e) = w.try_recv() {
                if let WorkerEvent::Picture(p) = e {
                    set_layer(&mut self.inset, ctx, "julia-inset", &p);
                }
            }
        }
        while let Some((key, result)) = self.thumbs.as_ref().and_then(ThumbnailMaker::try_recv) {
            if let Ok(image) = result {
                let texture = ctx.load_texture(format!("thumb-{key}"), image, TextureOptions::LINEAR);
                self.thumbnails.insert(key, texture);
            }
        }
        for b in &self.settings.bookmarks {
            let key = b.thumbnail_key();
            if !self.thumbnails.contains_key(&key)
                && self.thumbnails_requested.insert(key.clone())
                && let Some(t) = &self.thumbs
            {
                let look = Look { colouring: b.colouring, custom: None };
                t.request(key, b.location, look);
            }
        }
        if let Some(job) = &self.save_job
            && let Some(result) = job.poll()
        {
            self.save_job = None;
            match result {
                Ok(s) => self.info(format!(
                    "saved {}×{} to {} ({} KiB in {:.1} s)",
                    s.size[0],
                    s.size[1],
                    s.path.display(),
                    s.bytes / 1024,
                    s.took.as_secs_f64()
                )),
                Err(e) => self.error(e),
            }
        }
        if let Some((purpose, picked)) = self.dialogs.poll() {
            self.on_dialog(purpose, picked);
        }
        if let Some(n) = &self.notice {
            let ttl = if n.error { 30.0 } else { 8.0 };
            let now = ctx.input(|i| i.time);
            if n.at > 0.0 && now - n.at > ttl {
                self.notice = None;
            }
        }
    }

    fn on_picture(&mut self, ctx: &egui::Context, p: Picture) {
        if let Some(arrivals) = &mut self.arrivals {
            arrivals.push(Arrival {
                at: Instant::now(),
                generation: p.generation,
                pass: p.pass,
                stats: p.stats,
                key: p.key,
                recoloured: p.recoloured,
            });
        }
        let newest = self.generation();
        if p.pass.is_full_resolution() {
            if self.full.as_ref().is_some_and(|l| l.generation > p.generation) {
                return;
            }
            set_layer(&mut self.full, ctx, "fractal", &p);
            if self.preview.as_ref().is_some_and(|l| l.generation <= p.generation) {
                self.preview = None;
            }
            if p.generation == newest
                && !p.recoloured
                && let Some((_, at)) = self.requested
            {
                self.full_after_input = Some(at.elapsed());
            }
        } else {
            if self.full.as_ref().is_some_and(|l| l.generation >= p.generation)
                || self.preview.as_ref().is_some_and(|l| l.generation > p.generation)
            {
                return;
            }
            set_layer(&mut self.preview, ctx, "fractal-preview", &p);
        }
        if !p.recoloured {
            self.last_picture = Some((p.pass, p.stats, p.image.size));
        }
        if p.generation == newest {
            self.failed = None;
        }
    }

    /// Sends a request when the view, size, kind or iterations differ from the last one.
    fn ensure_render(&mut self) {
        let Some(frame) = self.current_frame() else { return };
        let loc = self.settings.location;
        let key = RenderKey { fractal: loc.fractal, frame, max_iterations: loc.max_iterations() };
        if self.requested.is_some_and(|(k, _)| k == key) {
            return;
        }
        if let Some(worker) = &mut self.worker {
            let generation = worker.submit(key, self.look.clone());
            self.requested = Some((key, Instant::now()));
            self.full_after_input = None;
            if self.failed.as_ref().is_some_and(|(g, _)| *g < generation) {
                self.failed = None;
            }
        }
    }

    /// Colour cycling: move the palette offset with time and recolour.
    fn animate(&mut self, ctx: &egui::Context) {
        if !self.settings.cycling {
            return;
        }
        let dt = ctx.input(|i| i.stable_dt).min(0.1);
        let c = &mut self.look.colouring;
        c.offset = (c.offset + dt * self.settings.cycles_per_minute / 60.0).rem_euclid(1.0);
        self.settings.colouring = *c;
        if let Some(w) = &self.worker {
            w.set_look(self.look.clone());
        }
        ctx.request_repaint();
    }

    fn autosave(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if self.settings_dirty && now - self.last_save_at > AUTOSAVE_SECS {
            self.last_save_at = now;
            if let Err(e) = self.save_settings() {
                self.error(e);
            }
        }
    }

    fn now(&self) -> f64 {
        self.ctx.input(|i| i.time)
    }

    fn info(&mut self, text: String) {
        self.notice = Some(Notice { text, error: false, at: self.now() });
    }

    fn error(&mut self, text: String) {
        self.notice = Some(Notice { text, error: true, at: self.now() });
    }

    /// Moves to `location`, recording history; refuses what the engine could not render
    /// at the canvas size, keeping the current view.
    fn set_location(&mut self, location: Location, continuous_at: Option<f64>) -> bool {
        if let Err(e) = location.validate() {
            self.error(e);
            return false;
        }
        if let Some([w, h]) = self.canvas_px
            && let Err(e) = Frame::new(location.view, w, h).validate()
        {
            self.error(format!("{e}; staying at the current view"));
            return false;
        }
        if location != self.settings.location {
            self.history.record(self.settings.location, continuous_at);
            self.settings.location = location;
            self.settings_dirty = true;
        }
        true
    }

    fn set_look(&mut self, look: Look) {
        self.settings.colouring = look.colouring;
        self.settings.custom_palette = look.custom.as_ref().map(|g| g.spec().clone());
        self.look = look;
        self.settings_dirty = true;
        if let Some(w) = &self.worker {
            w.set_look(self.look.clone());
        }
    }

    /// Applies one command: the only place where state changes.
    pub fn apply(&mut self, command: Command) {
        let loc = self.settings.location;
        match command {
            Command::SetView { mut view, continuous_at } => {
                if !view.is_finite() {
                    return;
                }
                view.scale = view.scale.min(MAX_SCALE);
                if let Some([w, h]) = self.canvas_px
                    && Frame::new(view, w, h).validate().is_err()
                {
                    self.error(
                        "deepest zoom reached: 64-bit floats cannot tell neighbouring pixels apart beyond this scale"
                            .to_owned(),
                    );
                    return;
                }
                self.set_location(Location { view, ..loc }, continuous_at);
            }
            Command::GoTo { location, colouring } => {
                if self.set_location(location, None)
                    && let Some(c) = colouring
                {
                    self.set_look(Look { colouring: c, custom: None });
                }
            }
            Command::SetKind(kind) => {
                let fractal = match kind {
                    FractalKind::Mandelbrot => Fractal::Mandelbrot,
                    FractalKind::BurningShip => Fractal::BurningShip,
                    FractalKind::Multibrot => Fractal::Multibrot { power: 3 },
                    FractalKind::Julia => Fractal::Julia { c: loc.fractal.c().unwrap_or(Complex64::new(-0.8, 0.156)) },
                    FractalKind::Classic => {
                        Fractal::Classic { c: loc.fractal.c().unwrap_or(Complex64::new(0.285, 0.01)) }
                    }
                };
                self.set_location(Location { iterations: loc.iterations, ..Location::home(fractal) }, None);
            }
            Command::SetFractal(fractal) => {
                let now = self.now();
                self.set_location(Location { fractal, ..loc }, Some(now));
            }
            Command::SetIterations(iterations) => {
                self.set_location(Location { iterations, ..loc }, None);
            }
            Command::SetColouring(colouring) => {
                let look = Look { colouring, custom: self.look.custom.clone() };
                self.set_look(look);
            }
            Command::SetPalette(palette) => {
                let look = self.look.with_palette(palette);
                self.set_look(look);
            }
            Command::LoadPalette(path) => {
                if path.as_os_str().is_empty() {
                    self.error("type the path of a palette file, or use Browse palettes…".to_owned());
                    return;
                }
                self.settings.palette_path = path.display().to_string();
                match Gradient::load(&path) {
                    Ok(g) => {
                        let name = g.name().to_owned();
                        let look = Look { colouring: self.look.colouring, custom: Some(Arc::new(g)) };
                        self.set_look(look);
                        self.info(format!("palette '{name}' loaded from {}", path.display()));
                    }
                    Err(e) => self.error(e),
                }
            }
            Command::SetCycling { on, cycles_per_minute } => {
                self.settings.cycling = on;
                self.settings.cycles_per_minute = cycles_per_minute;
                self.settings_dirty = true;
            }
            Command::PickJulia(c) => {
                let location = Location { iterations: loc.iterations, ..Location::home(Fractal::Julia { c }) };
                self.julia_hover = None;
                self.set_location(location, None);
            }
            Command::Back => {
                if let Some(previous) = self.history.back(loc) {
                    self.settings.location = previous;
                    self.settings_dirty = true;
                }
            }
            Command::Forward => {
                if let Some(next) = self.history.forward(loc) {
                    self.settings.location = next;
                    self.settings_dirty = true;
                }
            }
            Command::Reset => {
                self.set_location(Location { view: View::home(loc.fractal.kind()), ..loc }, None);
            }
            Command::AddBookmark(name) => {
                let name = unique_name(&self.settings.bookmarks, &name);
                self.settings.bookmarks.push(Bookmark {
                    name: name.clone(),
                    location: loc,
                    colouring: self.look.colouring,
                });
                match self.save_settings() {
                    Ok(()) => self.info(format!("bookmarked '{name}'")),
                    Err(e) => self.error(format!("bookmarked '{name}', but {e}")),
                }
            }
            Command::OpenBookmark(i) => {
                if let Some(b) = self.settings.bookmarks.get(i).cloned() {
                    self.apply(Command::GoTo { location: b.location, colouring: Some(b.colouring) });
                }
            }
            Command::DeleteBookmark(i) => {
                if i < self.settings.bookmarks.len() {
                    let b = self.settings.bookmarks.remove(i);
                    match self.save_settings() {
                        Ok(()) => self.info(format!("deleted bookmark '{}'", b.name)),
                        Err(e) => self.error(e),
                    }
                }
            }
            Command::CopyLocation => {
                self.ctx.copy_text(loc.to_text());
                self.info("location copied to the clipboard".to_owned());
            }
            Command::PasteLocation(text) => self.paste(&text),
            Command::OpenParams(path) => {
                if path.as_os_str().is_empty() {
                    self.error("type the path of a parameter file, or use Browse to open…".to_owned());
                    return;
                }
                self.settings.params_path = path.display().to_string();
                match ParamsFile::load(&path) {
                    Ok(file) => self.open_params(file, &path.display().to_string()),
                    Err(e) => self.error(e),
                }
            }
            Command::SaveParams(mut path) => {
                if path.as_os_str().is_empty() {
                    self.error("type the path to save the parameters to, or use Browse to save…".to_owned());
                    return;
                }
                if path.extension().is_none() {
                    path.set_extension("toml");
                }
                self.settings.params_path = path.display().to_string();
                self.panel.params_path = self.settings.params_path.clone();
                let spec = self.look.custom.as_ref().map(|g| g.spec().clone());
                match ParamsFile::new(&loc, self.look.colouring, spec).save(&path) {
                    Ok(()) => self.info(format!("parameters saved to {}", path.display())),
                    Err(e) => self.error(e),
                }
            }
            Command::Browse(purpose) => {
                let current = match purpose {
                    DialogPurpose::SaveImage => self.panel.save_path.clone(),
                    DialogPurpose::OpenParams | DialogPurpose::SaveParams => self.panel.params_path.clone(),
                    DialogPurpose::OpenPalette => self.panel.palette_path.clone(),
                };
                if let Err(e) = self.dialogs.open(purpose, &current, &self.ctx.clone()) {
                    self.error(e);
                }
            }
            Command::ShowSaveImage(open) => {
                self.panel.save_open = open;
                if open && let Some([w, h]) = self.canvas_px {
                    // Start from the window's shape at the last size used.
                    let width = self.settings.save_size[0];
                    let height = ((f64::from(width) * f64::from(h) / f64::from(w)).round() as u32).max(2);
                    self.panel.save_width = width.to_string();
                    self.panel.save_height = height.to_string();
                }
            }
            Command::StartSave { width, height, path } => {
                if self.save_job.is_some() {
                    self.error("an image is already being saved".to_owned());
                    return;
                }
                let request = SaveRequest { location: loc, look: self.look.clone(), width, height, path: path.clone() };
                match SaveJob::start(request, self.ctx.clone()) {
                    Ok(job) => {
                        self.settings.save_size = [width, height];
                        self.settings.save_path = job.path().display().to_string();
                        self.settings_dirty = true;
                        self.save_job = Some(job);
                    }
                    Err(e) => self.error(e),
                }
            }
            Command::CancelSave => {
                if let Some(job) = &self.save_job {
                    job.cancel();
                }
            }
            Command::ShowDeploy(open) => self.deploy.set_open(open),
            Command::Error(e) => self.error(e),
        }
    }

    fn paste(&mut self, text: &str) {
        let t = text.trim();
        let looks_like_file =
            t.contains('\n') || t.starts_with('[') || t.starts_with('{') || t.starts_with("iterations");
        if looks_like_file {
            match ParamsFile::parse(t) {
                Ok(file) => self.open_params(file, "the pasted parameters"),
                Err(e) => self.error(format!("cannot use the pasted parameters: {e}")),
            }
        } else {
            match Location::parse_text(t) {
                Ok(location) => {
                    if self.set_location(location, None) {
                        self.info("went to the pasted location".to_owned());
                    }
                }
                Err(e) => self.error(format!("cannot use the pasted location: {e}")),
            }
        }
    }

    fn open_params(&mut self, file: ParamsFile, source: &str) {
        let custom = match file.palette.clone().map(Gradient::new) {
            Some(Ok(g)) => Some(Arc::new(g)),
            Some(Err(e)) => {
                self.error(format!("{source}: palette: {e}"));
                return;
            }
            None => None,
        };
        if self.set_location(file.location(), None) {
            self.set_look(Look { colouring: file.colouring, custom });
            self.info(format!("opened {source}"));
        }
    }

    fn on_dialog(&mut self, purpose: DialogPurpose, picked: Option<PathBuf>) {
        let Some(path) = picked else {
            self.info(
                "no file chosen (or no file dialog on this system): type the path in the field instead".to_owned(),
            );
            return;
        };
        let text = path.display().to_string();
        match purpose {
            DialogPurpose::SaveImage => self.panel.save_path = text,
            DialogPurpose::OpenParams => {
                self.panel.params_path = text;
                self.apply(Command::OpenParams(path));
            }
            DialogPurpose::SaveParams => {
                self.panel.params_path = text;
                self.apply(Command::SaveParams(path));
            }
            DialogPurpose::OpenPalette => {
                self.panel.palette_path = text;
                self.apply(Command::LoadPalette(path));
            }
        }
    }
}

/// Puts a picture into a layer, reusing its texture (updated in place, not reallocated).
fn set_layer(slot: &mut Option<Layer>, ctx: &egui::Context, name: &str, p: &Picture) {
    let image = egui::ImageData::Color(Arc::clone(&p.image));
    let options = TextureOptions::LINEAR;
    match slot {
        Some(layer) => {
            layer.texture.set(image, options);
            layer.generation = p.generation;
            layer.grid = p.grid;
            layer.pass = p.pass;
            layer.key = p.key;
        }
        None => {
            let texture = ctx.load_texture(name, image, options);
            *slot = Some(Layer { generation: p.generation, grid: p.grid, pass: p.pass, key: p.key, texture });
        }
    }
}

// By hand because textures and channels have no useful `Debug`.
impl std::fmt::Debug for ExplorerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplorerApp")
            .field("location", &self.settings.location)
            .field("generation", &self.generation())
            .field("full", &self.full.as_ref().map(|l| (l.generation, l.pass)))
            .field("preview", &self.preview.as_ref().map(|l| (l.generation, l.pass)))
            .field("canvas_px", &self.canvas_px)
            .field("notice", &self.notice)
            .finish_non_exhaustive()
    }
}

impl Drop for ExplorerApp {
    /// Saves changed settings and stops a save nobody will see finish.
    fn drop(&mut self) {
        if let Some(job) = &self.save_job {
            job.cancel();
        }
        if self.settings_dirty {
            // Nowhere left to show an error; stderr is the last resort.
            if let Err(e) = self.save_settings() {
                eprintln!("faafo-explorer: {e}");
            }
        }
    }
}

impl eframe::App for ExplorerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.contents(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Err(e) = self.save_settings() {
            eprintln!("faafo-explorer: {e}");
        }
    }
}
