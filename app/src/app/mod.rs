//! The explorer app: a frame loop over one struct per area, and [`ExplorerApp::apply`],
//! which hands each [`Command`] from the panel and the canvas to its area's handler.
//!
//! The areas: the `persisted` settings (location, history, colours, bookmarks,
//! parameter files), the main view and the Julia inset ([`crate::render`]), textures,
//! `notices`, background [`crate::jobs`], the side panel's typed text and the Deploy
//! window ([`crate::cloud`]).
//!
//! Each frame: take in what background threads finished, draw the panel and status bar,
//! read canvas input and apply it, ask for a render if the view changed, then paint the
//! pictures reprojected to the current view. Nothing here waits for a render.

#[cfg(unix)]
pub mod exit_signals;
mod inspect;
pub mod notices;
pub(crate) mod persisted;
#[cfg(target_os = "linux")]
mod x11_focus;

use std::path::PathBuf;

use faafo_engine::KernelPath;

use crate::cloud::cluster::ClusterPanel;
use crate::cloud::credentials::SecretStore;
use crate::cloud::deploy_window::DeployPanel;
use crate::cloud::jobs::DeployConfig;
use crate::command::Command;
use crate::jobs::Jobs;
use crate::jobs::file_dialog::DialogPurpose;
use crate::jobs::save_image::{SaveRequest, SaveSummary};
use crate::jobs::screenshot::{ScreenshotJob, ScreenshotOutcome};
use crate::model::persist::Store;
use crate::render::inset::JuliaInset;
use crate::render::main_view::MainView;
use crate::render::textures::Textures;
use crate::ui::side_panel::{self, PANEL_WIDTH, PanelData, PanelState, Readouts};
use crate::ui::{message_log, save_window, status_bar};
use notices::Notices;
use persisted::{Cx, Persisted};

/// Window title (and the app id the desktop entry matches).
pub const TITLE: &str = "faafo explorer";

/// The explorer window.
pub struct ExplorerApp {
    ctx: egui::Context,
    persisted: Persisted,
    view: MainView,
    inset: JuliaInset,
    textures: Textures,
    notices: Notices,
    jobs: Jobs,
    /// The side panel's and the save window's typed text.
    panel: PanelState,
    deploy: DeployPanel,
    cluster: ClusterPanel,
    /// Whether the Messages window is open.
    messages_open: bool,
    /// The canvas asked for the window's keyboard focus this frame.
    want_window_focus: bool,
    /// Sets the X keyboard focus when no window manager does (`None`: not probed yet).
    #[cfg(target_os = "linux")]
    x11_focus: Option<Option<x11_focus::X11Focus>>,
}

impl ExplorerApp {
    /// Called by eframe once the window exists: settings from the user's file.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        Self::with_store(&cc.egui_ctx, Store::default_location())
    }

    /// An app whose settings live in `store` (`None`: start from defaults, save nothing).
    /// Needs no window or GPU: tests and the benchmark drive it through a bare
    /// `egui::Context`.
    pub fn with_store(ctx: &egui::Context, store: Option<Store>) -> Self {
        let mut problems = Vec::new();
        let persisted = Persisted::load(store, &mut problems);
        let view = MainView::new(ctx, &mut problems);
        let mut notices = Notices::new(ctx);
        notices.at_start(&problems);
        let settings = persisted.settings();
        Self {
            ctx: ctx.clone(),
            panel: PanelState::from_settings(settings),
            deploy: DeployPanel::new(DeployConfig::openstack()).with_settings(settings.deploy.clone()),
            cluster: ClusterPanel::new(ctx, settings.cluster.clone()),
            persisted,
            view,
            inset: JuliaInset::new(ctx),
            textures: Textures::new(ctx),
            notices,
            jobs: Jobs::default(),
            messages_open: false,
            want_window_focus: false,
            #[cfg(target_os = "linux")]
            x11_focus: None,
        }
    }

    /// Deploys where and how `config` says (tests: an in-memory cloud).
    #[must_use]
    pub fn with_deploy_config(mut self, config: DeployConfig) -> Self {
        self.deploy = DeployPanel::new(config).with_settings(self.persisted.settings().deploy.clone());
        self
    }

    /// Keeps cluster tokens in `secrets` (tests: a keyring service of their own).
    #[must_use]
    pub fn with_cluster_secrets(mut self, secrets: std::sync::Arc<dyn SecretStore>) -> Self {
        self.cluster = ClusterPanel::with_secrets(&self.ctx, self.persisted.settings().cluster.clone(), secrets);
        self
    }

    /// Once the full picture is on screen, save a screenshot of the window to `path` and
    /// close it; `outcome` is filled in either way so the caller can report failure.
    #[must_use]
    pub fn screenshot_then_close(mut self, path: impl Into<PathBuf>, outcome: ScreenshotOutcome) -> Self {
        self.jobs.set_screenshot(ScreenshotJob::new(path.into(), outcome));
        self
    }

    // ----- the frame -----

    /// Draws the whole window into `ui` (what [`eframe::App::ui`] calls).
    pub fn contents(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.ctx = ctx.clone();
        self.textures.init_palette_previews(&ctx);
        self.poll_background(&ctx);
        self.persisted.animate(&ctx);
        self.sync_look();
        self.view.set_fly_speed(self.persisted.settings().fly_zoom_per_s);

        // The status bar first, so it spans the whole window, side panel included.
        let status = self.status_text();
        let progress = self.view.progress();
        let notice = self.notices.current();
        let show_log =
            egui::Panel::bottom("status").show(ui, |ui| status_bar::status_bar_ui(ui, &status, notice, progress)).inner;
        if show_log {
            self.messages_open = true;
        }

        let commands = self.side_panel_ui(ui);
        self.apply_all(commands);

        if message_log::message_log_ui(&ctx, &mut self.messages_open, self.notices.log()).clear {
            self.notices.clear_log();
        }

        let commands = save_window::save_window_ui(&ctx, &mut self.panel, self.jobs.save_job());
        self.apply_all(commands);

        self.deploy.ui(&ctx);
        self.persisted.sync_deploy(self.deploy.settings());
        if let Some((url, token)) = self.deploy.take_use_cluster() {
            self.cluster.connect_to(&url, token.as_deref());
        }

        let look = self.persisted.look().clone();
        let bookmarks = &self.persisted.settings().bookmarks;
        let commands = self.cluster.ui(&ctx, &self.persisted.location(), &look, bookmarks);
        self.apply_all(commands);
        self.persisted.sync_cluster(self.cluster.settings());

        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| self.canvas_ui(ui));

        self.jobs.drive_screenshot(&ctx, self.view.newest_is_shown());
        self.persisted.autosave(&ctx, &mut self.notices);
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let settings = self.persisted.settings();
        let location = self.persisted.location();
        let readouts = Readouts {
            max_iterations: location.max_iterations(),
            last: self.view.last_picture(),
            full_after_input_ms: self.view.full_after_input().map(|d| d.as_secs_f64() * 1e3),
            kernel: Some(KernelPath::detect()),
        };
        let data = PanelData {
            location: &settings.location,
            fly_zoom_per_s: settings.fly_zoom_per_s,
            messages: self.notices.log().len(),
            look: self.persisted.look(),
            cycling: settings.cycling,
            cycles_per_minute: settings.cycles_per_minute,
            can_go_back: self.persisted.history().can_go_back(),
            can_go_forward: self.persisted.history().can_go_forward(),
            bookmarks: &settings.bookmarks,
            thumbnails: self.textures.thumbnails(),
            palette_previews: self.textures.palette_previews(),
            readouts,
        };
        let panel_state = &mut self.panel;
        egui::Panel::right("controls")
            .resizable(false)
            .exact_size(PANEL_WIDTH)
            .show(ui, |ui| side_panel::side_panel_ui(ui, &data, panel_state))
            .inner
    }

    fn canvas_ui(&mut self, ui: &mut egui::Ui) {
        let Some((rect, out)) = self.view.layout_and_input(ui, &self.persisted.location()) else {
            return; // minimised or not laid out yet
        };
        self.want_window_focus |= out.window_focus;
        self.apply_all(out.commands);
        self.inset.set_hover(out.julia_hover);
        let location = self.persisted.location();
        self.view.ensure_render(&location, self.persisted.look());
        self.view.paint(ui, rect, &location);
        self.inset.ui(ui, rect, self.persisted.look());
    }

    /// Takes in everything background threads finished since the last frame.
    fn poll_background(&mut self, ctx: &egui::Context) {
        self.view.poll(ctx);
        self.inset.poll(ctx);
        self.textures.poll(ctx, &self.persisted.settings().bookmarks);
        let finished = self.jobs.poll();
        match finished.save {
            Some(Ok(s)) => self.notices.info(saved_text(&s)),
            Some(Err(e)) => self.notices.error(e),
            None => {}
        }
        if let Some((purpose, picked)) = finished.dialog {
            self.on_dialog(purpose, picked);
        }
        self.notices.expire();
    }

    /// Tells the main view's worker when the colours changed.
    fn sync_look(&mut self) {
        if self.persisted.take_look_changed() {
            self.view.set_look(self.persisted.look());
        }
    }

    fn apply_all(&mut self, commands: Vec<Command>) {
        for c in commands {
            self.apply(c);
        }
    }

    // ----- commands -----

    /// Applies one command: the only place where state changes, each command in the area
    /// it is about.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Browse(purpose) => {
                let current = self.panel.path_for(purpose).to_owned();
                if let Err(e) = self.jobs.browse(purpose, &current, &self.ctx) {
                    self.notices.error(e);
                }
            }
            Command::StartSave { width, height, path, depth, jpeg_quality } => {
                let location = self.persisted.location();
                let look = self.persisted.look().clone();
                let request = SaveRequest { location, look, width, height, path, depth, jpeg_quality };
                match self.jobs.start_save(request, &self.ctx) {
                    Ok(path) => self.persisted.remember_save([width, height], &path),
                    Err(e) => self.notices.error(e),
                }
            }
            Command::CancelSave => self.jobs.cancel_save(),
            Command::ShowSaveImage(open) => {
                let size = self.persisted.settings().save_size;
                save_window::show(&mut self.panel, open, size, self.view.canvas_px());
            }
            Command::ShowDeploy(open) => self.deploy.set_open(open),
            Command::ShowCluster(open) => self.cluster.set_open(open),
            Command::Error(e) => self.notices.error(e),
            Command::ShowMessages(open) => self.messages_open = open,
            command => {
                match &command {
                    Command::PickJulia(_) => self.inset.set_hover(None),
                    Command::SaveParams(path) if !path.as_os_str().is_empty() => {
                        self.panel.params_path = persisted::params_path(path.clone()).display().to_string();
                    }
                    Command::SavePalette(path) if !path.as_os_str().is_empty() => {
                        self.panel.palette_path = persisted::params_path(path.clone()).display().to_string();
                    }
                    _ => {}
                }
                let mut cx = Cx { ctx: &self.ctx, notices: &mut self.notices, canvas_px: self.view.canvas_px() };
                self.persisted.apply(command, &mut cx);
                self.sync_look();
            }
        }
    }

    fn on_dialog(&mut self, purpose: DialogPurpose, picked: Option<PathBuf>) {
        let Some(path) = picked else {
            self.notices.info("no file chosen (or no file dialog on this system): type the path in the field instead");
            return;
        };
        *self.panel.path_for_mut(purpose) = path.display().to_string();
        match purpose {
            DialogPurpose::SaveImage => {}
            DialogPurpose::OpenParams => self.apply(Command::OpenParams(path)),
            DialogPurpose::SaveParams => self.apply(Command::SaveParams(path)),
            DialogPurpose::OpenPalette => self.apply(Command::LoadPalette(path)),
            DialogPurpose::SavePalette => self.apply(Command::SavePalette(path)),
        }
    }
}

/// The notice for a finished image save.
fn saved_text(s: &SaveSummary) -> String {
    format!(
        "saved {}×{} to {} ({} KiB in {:.1} s)",
        s.size[0],
        s.size[1],
        s.path.display(),
        s.bytes / 1024,
        s.took.as_secs_f64()
    )
}

// By hand because textures and channels have no useful `Debug`.
impl std::fmt::Debug for ExplorerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplorerApp")
            .field("location", &self.persisted.location())
            .field("view", &self.view)
            .field("notices", &self.notices)
            .finish_non_exhaustive()
    }
}

impl Drop for ExplorerApp {
    /// Saves changed settings (a running image save is stopped by `Jobs`' own drop).
    fn drop(&mut self) {
        self.persisted.save_on_exit();
    }
}

impl eframe::App for ExplorerApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.contents(ui);
        let want_focus = std::mem::take(&mut self.want_window_focus);
        #[cfg(target_os = "linux")]
        if want_focus
            && let Some(focus) =
                self.x11_focus.get_or_insert_with(|| x11_focus::X11Focus::without_window_manager(frame))
        {
            focus.focus();
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (want_focus, frame);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Err(e) = self.persisted.save() {
            eprintln!("faafo-explorer: {e}");
        }
    }
}
