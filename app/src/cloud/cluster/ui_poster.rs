//! The Posters section: the current view at a size too heavy for this machine (up to
//! 65536 a side), cut into tiles the cluster renders, put together on disk a row at a
//! time ([`poster::make`] streams), with a progress bar and an ETA.

use std::path::PathBuf;
use std::time::Instant;

use egui::{RichText, Ui};
use faafo_backend::client::Client;
use faafo_backend::client::poster::{self, Poster, PosterProgress};
use tokio::task::JoinHandle;

use super::convert::{self, human_seconds, parse_number};
use super::errors::{ClusterError, InputError};
use super::tasks::{self, Reply};
use super::window::{ClusterPanel, Note};
use crate::model::colour::Look;
use crate::model::location::Location;
use crate::ui::side_panel::labelled_text;

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
    pub(super) fn new(handle: JoinHandle<()>, poster: Poster, output: PathBuf) -> Self {
        let progress = PosterProgress { total: poster.tiles.len(), ..PosterProgress::default() };
        Self { handle, poster, output, started: Instant::now(), progress, waiting: None }
    }

    /// Seconds left, from the pace so far.
    fn eta(&self) -> Option<f64> {
        let p = self.progress;
        (p.done > 0).then(|| self.started.elapsed().as_secs_f64() / p.done as f64 * (p.total - p.done) as f64)
    }
}

impl ClusterPanel {
    /// Makes the current view a poster at the typed size, cut into tiles.
    pub fn start_poster(&mut self, location: &Location, look: &Look) {
        if self.poster.is_some() {
            self.feedback.poster = Note::error(&InputError::Busy("a poster").into());
            return;
        }
        match self.plan_poster(location, look) {
            Ok((client, poster, output)) => {
                let task = tasks::make_poster(client, poster.clone(), output.clone(), self.net.replier());
                match self.net.spawn(task) {
                    Ok(handle) => {
                        self.poster = Some(PosterRun::new(handle, poster, output));
                        self.feedback.poster = None;
                    }
                    Err(e) => self.feedback.poster = Note::error(&e),
                }
            }
            Err(e) => self.feedback.poster = Note::error(&e),
        }
    }

    fn plan_poster(&self, location: &Location, look: &Look) -> Result<(Client, Poster, PathBuf), ClusterError> {
        let client = self.connected()?.client.clone();
        let s = &self.settings;
        let width = parse_number("the poster width", &s.poster_width, 2, poster::MAX_SIDE)?;
        let height = parse_number("the poster height", &s.poster_height, 2, poster::MAX_SIDE)?;
        let path = s.poster_path.trim();
        if path.is_empty() {
            return Err(InputError::NoPath("poster file").into());
        }
        let mut output = PathBuf::from(path);
        if output.extension().is_none() {
            output.set_extension("png");
        }
        let mut whole = convert::view_request(location, look, width, height)?;
        whole.uuid = None;
        let (columns, rows) = poster::grid_for(width, height);
        let poster = Poster::plan(&poster::new_id(), whole, columns, rows)?;
        Ok((client, poster, output))
    }

    /// Stops the poster (tiles already made stay on the cluster).
    pub fn cancel_poster(&mut self) {
        if let Some(run) = self.poster.take() {
            run.handle.abort();
            self.feedback.poster = Note::info("Poster cancelled.");
        }
    }

    pub(super) fn take_poster(&mut self, reply: Reply) {
        let Some(run) = &mut self.poster else { return };
        match reply {
            Reply::PosterProgress(p) => {
                run.progress = p;
                run.waiting = None;
            }
            Reply::PosterWaiting(e) => run.waiting = Some(e),
            Reply::PosterDone(result) => {
                let took = run.started.elapsed().as_secs_f64();
                self.poster = None;
                self.feedback.poster = match result {
                    Ok(path) => Note::info(format!("Poster saved to {} in {}.", path.display(), human_seconds(took))),
                    Err(e) => Note::error(&e),
                };
                self.refresh_soon();
            }
            _ => {}
        }
    }

    pub(super) fn poster_ui(&mut self, ui: &mut Ui, location: &Location, look: &Look) {
        ui.label(format!("The current view cut into tiles, up to {} pixels a side.", poster::MAX_SIDE));
        let idle = self.poster.is_none();
        ui.add_enabled_ui(idle, |ui| {
            let s = &mut self.settings;
            ui.horizontal(|ui| {
                labelled_text(ui, "Poster width", &mut s.poster_width, 70.0);
                labelled_text(ui, "Poster height", &mut s.poster_height, 70.0);
            });
            labelled_text(ui, "Poster file", &mut s.poster_path, 320.0);
        });
        if let Some(note) = convert::colour_note(look) {
            ui.label(RichText::new(note).small().color(ui.visuals().warn_fg_color));
        }
        let planned = self.plan_poster(location, look);
        if let Ok((_, poster, _)) = &planned {
            let status = self.connection.as_ref().and_then(|c| c.last_status.as_ref());
            let tiles =
                format!("{}×{} tiles of at most {} pixels", poster.columns, poster.rows, poster::MAX_TILE_PIXELS);
            ui.label(format!("{tiles}. {}", convert::preview(poster.work(), status)));
        }
        match &self.poster {
            None => {
                if ui.button("Make poster").clicked() {
                    self.start_poster(location, look);
                }
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
                if ui.button("Cancel poster").clicked() {
                    self.cancel_poster();
                }
            }
        }
        super::ui_connect::note_ui(ui, self.feedback.poster.as_ref());
    }
}
