//! The Posters section: the current view at a size too heavy for this machine (up to
//! 65536 a side), cut into tiles the cluster renders, put together on disk a row at a
//! time ([`poster::make`] streams), with a progress bar, an ETA and a live mosaic of the
//! tiles as they arrive.
//!
//! A poster started is kept in the settings ([`PendingPoster`]) until it is saved or
//! discarded, so after a restart (or a failure, or *Stop*) *Resume poster* plans the
//! same tiles again and continues from those already on the cluster and on disk.

use std::path::PathBuf;
use std::time::Instant;

use egui::{RichText, Ui};
use faafo_backend::client::poster::{self, Poster, PosterProgress};
use faafo_engine::Colouring;
use tokio::task::JoinHandle;

use super::convert::{self, human_seconds, parse_number};
use super::errors::{ClusterError, InputError};
use super::mosaic::Mosaic;
use super::settings::PendingPoster;
use super::tasks::{self, PosterNews};
use super::window::{ClusterPanel, Note};
use crate::jobs::file_dialog::DialogPurpose;
use crate::model::colour::Look;
use crate::model::location::Location;
use crate::ui::side_panel::labelled_text;

/// Most tiles across (and down) a poster can be cut into.
pub const MAX_TILES_ACROSS: u32 = 256;

/// A poster being made.
#[derive(Debug)]
pub struct PosterRun {
    pub(super) handle: JoinHandle<()>,
    poster: Poster,
    output: PathBuf,
    started: Instant,
    progress: PosterProgress,
    /// The API is away: the error, while the poster waits for it.
    waiting: Option<String>,
}

impl PosterRun {
    fn new(handle: JoinHandle<()>, poster: Poster, output: PathBuf) -> Self {
        let progress = PosterProgress { total: poster.tiles.len(), ..PosterProgress::default() };
        Self { handle, poster, output, started: Instant::now(), progress, waiting: None }
    }

    /// Seconds left, from the pace so far.
    fn eta(&self) -> Option<f64> {
        let p = self.progress;
        (p.done > 0).then(|| self.started.elapsed().as_secs_f64() / p.done as f64 * (p.total - p.done) as f64)
    }
}

/// The tiles and the output file of `pending` (a pure function of it: the same pending
/// poster always gives the same tiles).
pub fn plan_of(pending: &PendingPoster) -> Result<(Poster, PathBuf), ClusterError> {
    let look = Look { colouring: Colouring { palette: pending.palette, ..Colouring::default() }, custom: None };
    let mut whole = convert::view_request(&pending.location, &look, pending.width, pending.height)?;
    whole.uuid = None;
    let poster = Poster::plan(&pending.id, whole, pending.columns, pending.rows)?;
    let mut output = PathBuf::from(&pending.output);
    if output.extension().is_none() {
        output.set_extension("png");
    }
    Ok((poster, output))
}

impl ClusterPanel {
    /// Makes the current view a poster at the typed size, cut into tiles.
    pub fn start_poster(&mut self, location: &Location, look: &Look) {
        match self.new_pending(location, look) {
            Ok(pending) => self.run_poster(pending),
            Err(e) => self.feedback.poster = Note::error(&e),
        }
    }

    /// Continues the poster kept in the settings (started before a restart, stopped or
    /// failed) on the cluster connected to: tiles already there or on disk are not made
    /// again. Another endpoint is allowed (a local cluster listens on a new port each
    /// time, over the same database); tiles it lacks are made there.
    pub fn resume_poster(&mut self) {
        let Some(mut pending) = self.settings.pending_poster.clone() else {
            self.feedback.poster = Note::info("There is no unfinished poster.");
            return;
        };
        let endpoint = match self.connected() {
            Ok(c) => c.endpoint(),
            Err(e) => {
                self.feedback.poster = Note::error(&e.into());
                return;
            }
        };
        let moved = (endpoint != pending.endpoint)
            .then(|| format!("Poster {} was started on {}; resuming it on {endpoint}.", pending.id, pending.endpoint));
        pending.endpoint = endpoint;
        self.run_poster(pending);
        if let Some(text) = moved
            && self.poster.is_some()
        {
            self.feedback.poster = Note::info(text);
        }
    }

    /// Forgets the unfinished poster (its tiles stay on the cluster).
    pub fn discard_poster(&mut self) {
        if self.poster.is_none() && self.settings.pending_poster.take().is_some() {
            self.feedback.poster = Note::info("Unfinished poster discarded.");
        }
    }

    /// The poster kept for resuming, if any.
    pub fn pending_poster(&self) -> Option<&PendingPoster> {
        self.settings.pending_poster.as_ref()
    }

    /// The mosaic of the running (or last) poster.
    pub fn mosaic(&self) -> Option<&Mosaic> {
        self.mosaic.as_ref()
    }

    /// The poster for the fields as typed.
    fn new_pending(&self, location: &Location, look: &Look) -> Result<PendingPoster, ClusterError> {
        let endpoint = self.connected()?.endpoint();
        let s = &self.settings;
        let width = parse_number("the poster width", &s.poster_width, 2, poster::MAX_SIDE)?;
        let height = parse_number("the poster height", &s.poster_height, 2, poster::MAX_SIDE)?;
        let output = s.poster_path.trim();
        if output.is_empty() {
            return Err(InputError::NoPath("poster file").into());
        }
        let (columns, rows) = match s.poster_tiles.trim() {
            "" | "auto" => poster::grid_for(width, height),
            typed => {
                let n = parse_number("the tiles across", typed, 1, MAX_TILES_ACROSS)?;
                (n, n)
            }
        };
        let pending = PendingPoster {
            id: poster::new_id(),
            endpoint,
            location: location.to_owned(),
            palette: look.colouring.palette,
            width,
            height,
            columns,
            rows,
            output: output.to_owned(),
        };
        plan_of(&pending)?; // said now rather than when it runs
        Ok(pending)
    }

    fn run_poster(&mut self, pending: PendingPoster) {
        if self.poster.is_some() {
            self.feedback.poster = Note::error(&InputError::Busy("a poster").into());
            return;
        }
        let started = self.connected().map_err(ClusterError::from).and_then(|c| {
            let (poster, output) = plan_of(&pending)?;
            Ok((c.client.clone(), poster, output))
        });
        let (client, poster, output) = match started {
            Ok(v) => v,
            Err(e) => {
                self.feedback.poster = Note::error(&e);
                return;
            }
        };
        let task = tasks::make_poster(client, poster.clone(), output.clone(), self.net.replier());
        match self.net.spawn(task) {
            Ok(handle) => {
                // The preview is only a backdrop: if it cannot start, the mosaic has none.
                let _ = self.net.spawn(tasks::poster_preview(poster.clone()));
                self.mosaic = Some(Mosaic::new(&poster));
                self.poster = Some(PosterRun::new(handle, poster, output));
                self.settings.pending_poster = Some(pending);
                self.feedback.poster = None;
            }
            Err(e) => self.feedback.poster = Note::error(&e),
        }
    }

    /// Stops the poster; it stays resumable (tiles already made stay on the cluster and
    /// on disk).
    pub fn cancel_poster(&mut self) {
        if let Some(run) = self.poster.take() {
            run.handle.abort();
            self.feedback.poster = Note::info("Poster stopped; Resume poster continues it.");
        }
    }

    pub(super) fn take_poster(&mut self, id: &str, news: PosterNews) {
        let ctx = self.net.ctx().clone();
        if let Some(m) = self.mosaic.as_mut().filter(|m| m.poster_id == id) {
            match news {
                PosterNews::Tile(index, image) => return m.set_tile(&ctx, index, image),
                PosterNews::Preview(Some(image)) => return m.set_preview(&ctx, image),
                PosterNews::Preview(None) => return,
                _ => {}
            }
        }
        let Some(run) = self.poster.as_mut().filter(|r| r.poster.id == id) else { return };
        match news {
            PosterNews::Progress(p) => {
                run.progress = p;
                run.waiting = None;
            }
            PosterNews::Waiting(e) => run.waiting = Some(e),
            PosterNews::Done(result) => {
                let took = run.started.elapsed().as_secs_f64();
                self.poster = None;
                self.feedback.poster = match result {
                    Ok(path) => {
                        self.settings.pending_poster = None;
                        Note::info(format!("Poster saved to {} in {}.", path.display(), human_seconds(took)))
                    }
                    Err(e) => {
                        let text = format!("{}; Resume poster continues it.", super::errors::describe(&e));
                        Some(Note { text, error: true })
                    }
                };
                self.refresh_soon();
            }
            PosterNews::Tile(..) | PosterNews::Preview(_) => {}
        }
    }

    /// Takes in the file dialog's answer for the poster file.
    pub(super) fn poll_dialog(&mut self) {
        if let Some((_, picked)) = self.dialogs.poll() {
            match picked {
                Some(path) => self.settings.poster_path = path.display().to_string(),
                None => {
                    self.feedback.poster = Note::info("No file chosen (if no dialog appeared, type the path).");
                }
            }
        }
    }

    fn poster_fields_ui(&mut self, ui: &mut Ui) {
        let idle = self.poster.is_none();
        let ctx = ui.ctx().clone();
        let mut browse = false;
        ui.add_enabled_ui(idle, |ui| {
            let s = &mut self.settings;
            ui.horizontal(|ui| {
                labelled_text(ui, "Poster width", &mut s.poster_width, 70.0);
                labelled_text(ui, "Poster height", &mut s.poster_height, 70.0);
                labelled_text(ui, "Tiles across", &mut s.poster_tiles, 40.0)
                    .on_hover_text("Tiles across and down; empty: enough that no tile is over 4 Mpx");
            });
            ui.horizontal(|ui| {
                labelled_text(ui, "Poster file", &mut s.poster_path, 320.0);
                browse = ui.add_enabled(!self.dialogs.is_open(), egui::Button::new("Choose…")).clicked();
            });
        });
        if browse && let Err(e) = self.dialogs.open(DialogPurpose::SaveImage, &self.settings.poster_path, &ctx) {
            self.feedback.poster = Some(Note { text: e.to_string(), error: true });
        }
    }

    fn pending_ui(&mut self, ui: &mut Ui) {
        let Some(p) = &self.settings.pending_poster else { return };
        let text = format!(
            "Unfinished poster {}: {}×{} in {}×{} tiles to {}, on {}.",
            p.id, p.width, p.height, p.columns, p.rows, p.output, p.endpoint
        );
        ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
        ui.horizontal(|ui| {
            if ui.button("Resume poster").clicked() {
                self.resume_poster();
            }
            if ui.button("Discard poster").clicked() {
                self.discard_poster();
            }
        });
    }

    pub(super) fn poster_ui(&mut self, ui: &mut Ui, location: &Location, look: &Look) {
        ui.label(format!("The current view cut into tiles, up to {} pixels a side.", poster::MAX_SIDE));
        self.poster_fields_ui(ui);
        if let Some(note) = convert::colour_note(look) {
            ui.label(RichText::new(note).small().color(ui.visuals().warn_fg_color));
        }
        if let Ok((poster, _)) = self.new_pending(location, look).and_then(|p| plan_of(&p)) {
            let status = self.connection.as_ref().and_then(|c| c.last_status.as_ref());
            let first = poster.tiles[0].window;
            let tiles = format!("{}×{} tiles of {}×{} pixels", poster.columns, poster.rows, first.width, first.height);
            ui.label(format!("{tiles}. {}", convert::preview(poster.work(), status)));
        }
        match &self.poster {
            None => {
                if ui.button("Make poster").clicked() {
                    self.start_poster(location, look);
                }
                self.pending_ui(ui);
            }
            Some(run) => {
                let p = run.progress;
                let fraction = if p.total == 0 { 0.0 } else { p.done as f32 / p.total as f32 };
                let eta = run.eta().map_or_else(String::new, |s| format!(", about {} left", human_seconds(s)));
                let text = format!("{} of {} tiles{eta}", p.done, p.total);
                ui.add(egui::ProgressBar::new(fraction).text(text));
                ui.label(format!("Making {} ({})…", run.output.display(), run.poster.id));
                if let Some(w) = &run.waiting {
                    ui.label(RichText::new(format!("Waiting for the cluster: {w}")).color(ui.visuals().warn_fg_color));
                }
                if ui.button("Stop poster").clicked() {
                    self.cancel_poster();
                }
            }
        }
        super::ui_connect::note_ui(ui, self.feedback.poster.as_ref());
        if let Some(m) = &self.mosaic {
            ui.label(format!("Tiles arrived: {} of {}", m.arrived(), m.total()));
            m.ui(ui, ui.available_width().min(600.0));
        }
    }
}
