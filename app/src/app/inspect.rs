//! What tests, the benchmark and the screenshot read of the app, and the few things
//! they drive directly.

use egui::{Pos2, Rect};
use faafo_engine::{Complex64, RenderError};

use super::ExplorerApp;
use crate::cloud::cluster::ClusterPanel;
use crate::cloud::deploy_window::DeployPanel;
use crate::command::Command;
use crate::model::colour::Look;
use crate::model::location::Location;
use crate::model::persist::{Settings, SettingsError};
use crate::model::view::Frame;
use crate::render::main_view::Arrival;
use crate::render::worker::{Pass, RenderKey};

impl ExplorerApp {
    /// The "Deploy to OpenStack" window's state.
    pub fn deploy_panel(&self) -> &DeployPanel {
        &self.deploy
    }

    /// The Cluster window's state.
    pub fn cluster_panel(&self) -> &ClusterPanel {
        &self.cluster
    }

    /// The Cluster window, to drive what has no button of its own in a test (a local
    /// cluster from the build's binaries).
    pub fn cluster_panel_mut(&mut self) -> &mut ClusterPanel {
        &mut self.cluster
    }

    /// Where the explorer is.
    pub fn location(&self) -> Location {
        self.persisted.location()
    }

    /// The persisted settings as they are now.
    pub fn settings(&self) -> &Settings {
        self.persisted.settings()
    }

    /// The colours in use.
    pub fn look(&self) -> &Look {
        self.persisted.look()
    }

    /// The canvas' frame (view at its size in physical pixels), once laid out.
    pub fn current_frame(&self) -> Option<Frame> {
        self.view.frame(&self.persisted.location())
    }

    /// The canvas rectangle in points, as laid out in the last frame.
    pub fn canvas_rect(&self) -> Option<Rect> {
        self.view.canvas_rect()
    }

    /// The complex number under screen position `pos` (points).
    pub fn point_at_screen(&self, pos: Pos2) -> Option<Complex64> {
        self.view.point_at_screen(&self.persisted.location(), self.ctx.pixels_per_point(), pos)
    }

    /// Size of the canvas in physical pixels, as laid out in the last frame.
    pub fn view_size(&self) -> Option<[u32; 2]> {
        self.view.canvas_px()
    }

    /// Size of the full-resolution picture on screen, if any.
    pub fn texture_size(&self) -> Option<[usize; 2]> {
        self.view.full().map(|l| l.texture.size())
    }

    /// What the newest full-resolution picture on screen shows.
    pub fn shown_full(&self) -> Option<(RenderKey, Pass)> {
        self.view.full().map(|l| (l.key.clone(), l.pass))
    }

    /// Whether the full-resolution picture of exactly the current view is on screen.
    pub fn is_up_to_date(&self) -> bool {
        self.view.is_up_to_date(&self.persisted.location())
    }

    /// Whether the newest request is still being answered.
    pub fn is_rendering(&self) -> bool {
        !self.is_up_to_date() && self.view.failure().is_none()
    }

    /// The status bar's main text.
    pub fn status_text(&self) -> String {
        self.view.status_text(&self.persisted.location())
    }

    /// Why the newest request could not be rendered, if it could not.
    pub fn render_failure(&self) -> Option<&RenderError> {
        self.view.failure()
    }

    /// The message in the status bar, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notices.current().map(|(text, _)| text)
    }

    /// Every message of this session (the Messages window's log), oldest first.
    pub fn messages(&self) -> &[super::notices::Message] {
        self.notices.log()
    }

    /// Whether the Messages window is open.
    pub fn messages_open(&self) -> bool {
        self.messages_open
    }

    /// Whether the notice is an error.
    pub fn notice_is_error(&self) -> bool {
        self.notices.current().is_some_and(|(_, error)| error)
    }

    /// The Julia constant under the pointer while Ctrl is held over a Mandelbrot view,
    /// and whether its preview inset has a picture yet.
    pub fn julia_inset(&self) -> Option<(Complex64, bool)> {
        self.inset.shown()
    }

    /// Whether an image is being saved.
    pub fn is_saving(&self) -> bool {
        self.jobs.save_job().is_some()
    }

    /// Goes to `location` as if chosen from a bookmark (the benchmark uses this).
    pub fn go_to(&mut self, location: Location) {
        self.apply(Command::GoTo { location, colouring: None });
    }

    /// Starts recording picture arrivals (see [`ExplorerApp::take_arrivals`]).
    pub fn record_arrivals(&mut self) {
        self.view.record_arrivals();
    }

    /// The pictures that arrived since the last call.
    pub fn take_arrivals(&mut self) -> Vec<Arrival> {
        self.view.take_arrivals()
    }

    /// The newest request's generation.
    pub fn generation(&self) -> u64 {
        self.view.generation()
    }

    /// Writes the settings file now (if there is one).
    pub fn save_settings(&mut self) -> Result<(), SettingsError> {
        self.persisted.save()
    }
}
