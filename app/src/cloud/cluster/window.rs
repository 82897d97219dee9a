//! The Cluster window's state and what happens when its buttons are pressed: connect,
//! refresh, submit, posters, downloads and deletes, each a task on the window's runtime
//! whose [`Reply`] is taken in by [`ClusterPanel::poll`]. The sections are drawn by
//! `ui_connect`, `ui_submit`, `ui_poster` and `browse`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use faafo_backend::client::random::random_batch;
use faafo_backend::client::{Endpoint, NewFractalRequest};

use super::browse::Browse;
use super::connection::Connection;
use super::convert::{self, MAX_TASK_SIDE, parse_number};
use super::errors::{ClusterError, InputError, describe};
use super::mosaic::Mosaic;
use super::runtime::Net;
use super::settings::{ClusterSettings, keyring_account};
use super::tasks::{self, Reply};
use super::ui_poster::PosterRun;
use crate::cloud::credentials::{OsKeyring, SecretStore};
use crate::command::Command;
use crate::jobs::file_dialog::FileDialogs;
use crate::model::bookmarks::Bookmark;
use crate::model::colour::Look;
use crate::model::location::Location;

/// Most fractals in one random batch.
pub const MAX_BATCH: u32 = 100;

/// A line for the person: what happened, and whether it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub error: bool,
}

impl Note {
    pub fn info(text: impl Into<String>) -> Option<Self> {
        Some(Self { text: text.into(), error: false })
    }

    pub fn error(e: &ClusterError) -> Option<Self> {
        Some(Self { text: describe(e), error: true })
    }
}

/// The lines each section shows.
#[derive(Debug, Default)]
pub struct Feedback {
    pub connect: Option<Note>,
    pub keyring: Option<String>,
    pub submit: Option<Note>,
    pub browse: Option<Note>,
    pub poster: Option<Note>,
}

/// The window's sections below the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tab {
    /// This view or a random batch.
    #[default]
    Submit,
    /// A poster of the current view.
    Poster,
    /// The cluster's fractals.
    Fractals,
}

/// The Cluster window.
pub struct ClusterPanel {
    pub(super) net: Net<Reply>,
    pub(super) secrets: Arc<dyn SecretStore>,
    pub(super) open: bool,
    pub(super) settings: ClusterSettings,
    /// The endpoint field.
    pub(super) endpoint: String,
    /// The token field (memory only).
    pub(super) token: String,
    pub(super) generation: u64,
    /// A connection attempt is running.
    pub(super) connecting: bool,
    pub(super) connection: Option<Connection>,
    pub(super) feedback: Feedback,
    pub(super) submitting: bool,
    /// The last batch submitted, followed until it is finished.
    pub(super) tracked: Vec<String>,
    /// Its counts: done, failed (or gone), pending.
    pub(super) tracked_counts: Option<(usize, usize, usize)>,
    pub(super) browse: Browse,
    pub(super) poster: Option<PosterRun>,
    /// The tiles of the running (or last) poster over its preview.
    pub(super) mosaic: Option<Mosaic>,
    /// The poster file's dialog.
    pub(super) dialogs: FileDialogs,
    /// Names of the bookmarks ticked for submitting.
    pub(super) selected_bookmarks: BTreeSet<String>,
    /// Commands for the app (open a fractal), given out by [`ClusterPanel::ui`].
    pub(super) commands: Vec<Command>,
    pub(super) tab: Tab,
    /// The local cluster this window started, if any (stopped when dropped).
    pub(super) local: Option<super::local::LocalCluster>,
}

impl std::fmt::Debug for ClusterPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterPanel")
            .field("open", &self.open)
            .field("endpoint", &self.endpoint)
            .field("connecting", &self.connecting)
            .field("link", &self.connection.as_ref().map(|c| &c.link))
            .field("feedback", &self.feedback)
            .field("tracked_counts", &self.tracked_counts)
            .finish_non_exhaustive()
    }
}

impl ClusterPanel {
    /// A closed window with `settings`, keeping tokens in the OS keyring.
    pub fn new(ctx: &egui::Context, settings: ClusterSettings) -> Self {
        Self::with_secrets(ctx, settings, Arc::new(OsKeyring::default()))
    }

    /// …keeping tokens in `secrets` (tests: a keyring service of their own).
    pub fn with_secrets(ctx: &egui::Context, settings: ClusterSettings, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            net: Net::new(ctx),
            secrets,
            open: false,
            endpoint: settings.recent.first().cloned().unwrap_or_default(),
            settings,
            token: String::new(),
            generation: 0,
            connecting: false,
            connection: None,
            feedback: Feedback::default(),
            submitting: false,
            tracked: Vec::new(),
            tracked_counts: None,
            browse: Browse::default(),
            poster: None,
            mosaic: None,
            dialogs: FileDialogs::default(),
            selected_bookmarks: BTreeSet::new(),
            commands: Vec::new(),
            tab: Tab::default(),
            local: None,
        }
    }

    /// The fields to save with the explorer's settings.
    pub fn settings(&self) -> &ClusterSettings {
        &self.settings
    }

    /// The fields, to fill in from code (the bench, tests).
    pub fn settings_mut(&mut self) -> &mut ClusterSettings {
        &mut self.settings
    }

    /// Shows section `tab` (as clicking it does).
    pub fn show_tab(&mut self, tab: Tab) {
        if self.tab != tab {
            self.tab = tab;
            self.refresh_soon();
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn set_open(&mut self, open: bool) {
        self.open = open;
        if let Some(c) = &mut self.connection {
            c.refresh_soon();
        }
    }

    /// The endpoint field as it is.
    pub fn endpoint_field(&self) -> &str {
        &self.endpoint
    }

    /// The connection, if connected.
    pub fn connection(&self) -> Option<&Connection> {
        self.connection.as_ref()
    }

    /// The lines the sections show.
    pub fn feedback(&self) -> &Feedback {
        &self.feedback
    }

    /// Done, failed and pending fractals of the last batch, once refreshed.
    pub fn tracked_counts(&self) -> Option<(usize, usize, usize)> {
        self.tracked_counts
    }

    /// The table's rows.
    pub fn browse(&self) -> &Browse {
        &self.browse
    }

    /// The table, to sort or filter from code.
    pub fn browse_mut(&mut self) -> &mut Browse {
        &mut self.browse
    }

    /// Whether anything is running (connecting, submitting, a download, a delete, a poster).
    pub fn is_busy(&self) -> bool {
        self.connecting || self.submitting || self.browse.is_busy() || self.poster.is_some()
    }

    /// Connects to `endpoint` with `token` (what *Use this cluster* does).
    pub fn connect_to(&mut self, endpoint: &str, token: Option<&str>) {
        self.open = true;
        self.endpoint = endpoint.to_owned();
        self.token = token.unwrap_or_default().to_owned();
        self.connect();
    }

    /// Connects with the fields as typed; a bad field is said at once.
    pub fn connect(&mut self) {
        let typed = self.endpoint.trim();
        if typed.is_empty() {
            self.feedback.connect = Note::error(&InputError::NoEndpoint.into());
            return;
        }
        let endpoint = match Endpoint::parse(typed) {
            Ok(e) => e.to_string(),
            Err(e) => {
                self.feedback.connect = Note::error(&ClusterError::Client(e.into()));
                return;
            }
        };
        self.generation += 1;
        let generation = self.generation;
        let token = Some(self.token.trim().to_owned()).filter(|t| !t.is_empty());
        let task = tasks::connect(endpoint.clone(), token, self.settings.remember_token, Arc::clone(&self.secrets));
        match self.net.spawn(async move { Reply::Connected { generation, outcome: task.await } }) {
            Ok(_) => {
                self.connecting = true;
                self.feedback.connect = Note::info(format!("Connecting to {endpoint}…"));
            }
            Err(e) => self.feedback.connect = Note::error(&e),
        }
    }

    /// Forgets the connection (answers still on their way are dropped).
    pub fn disconnect(&mut self) {
        self.generation += 1;
        self.connection = None;
        self.connecting = false;
        self.browse = Browse::default();
        self.feedback.connect = Note::info("Disconnected.");
    }

    /// Deletes the token kept for the endpoint typed.
    pub fn forget_token(&mut self) {
        let endpoint = Endpoint::parse(self.endpoint.trim()).map_or_else(|_| self.endpoint.clone(), |e| e.to_string());
        self.feedback.keyring = Some(match self.secrets.delete(&keyring_account(&endpoint)) {
            Ok(()) => format!("The OS keyring holds no token for {endpoint} now."),
            Err(e) => e.to_string(),
        });
    }

    pub(super) fn connected(&self) -> Result<&Connection, InputError> {
        self.connection.as_ref().ok_or(InputError::NotConnected)
    }

    /// The size chosen for one view.
    pub(super) fn view_size(&self) -> Result<(u32, u32), InputError> {
        match self.settings.preset.size() {
            Some(size) => Ok(size),
            None => Ok((
                parse_number("width", &self.settings.width, 2, MAX_TASK_SIDE)?,
                parse_number("height", &self.settings.height, 2, MAX_TASK_SIDE)?,
            )),
        }
    }

    /// Submits the current view at the chosen size, as one task.
    pub fn submit_view(&mut self, location: &Location, look: &Look) {
        let planned = self.view_size().and_then(|(w, h)| convert::view_request(location, look, w, h));
        self.submit(planned.map(|r| vec![r]));
    }

    /// Submits a random batch as `faafo create` makes them.
    pub fn submit_batch(&mut self) {
        let count = parse_number("the number of fractals", &self.settings.batch, 1, MAX_BATCH);
        self.submit(count.map(|n| random_batch(n as usize)));
    }

    /// Ticks (or unticks) the bookmark called `name` for submitting.
    pub fn select_bookmark(&mut self, name: &str, selected: bool) {
        if selected {
            self.selected_bookmarks.insert(name.to_owned());
        } else {
            self.selected_bookmarks.remove(name);
        }
    }

    /// The requests for the ticked bookmarks, in the bookmarks' order, at the chosen size,
    /// each with its own palette.
    pub(super) fn bookmark_requests(&self, bookmarks: &[Bookmark]) -> Result<Vec<NewFractalRequest>, InputError> {
        let (w, h) = self.view_size()?;
        bookmarks
            .iter()
            .filter(|b| self.selected_bookmarks.contains(&b.name))
            .map(|b| {
                let look = Look { colouring: b.colouring, custom: None };
                convert::view_request(&b.location, &look, w, h)
                    .map_err(|e| InputError::View(format!("bookmark '{}': {e}", b.name)))
            })
            .collect()
    }

    /// Submits every ticked bookmark, one task each.
    pub fn submit_bookmarks(&mut self, bookmarks: &[Bookmark]) {
        let planned = self
            .bookmark_requests(bookmarks)
            .and_then(|r| if r.is_empty() { Err(InputError::View("no bookmark is ticked".into())) } else { Ok(r) });
        self.submit(planned);
    }

    fn submit(&mut self, planned: Result<Vec<NewFractalRequest>, InputError>) {
        if self.submitting {
            self.feedback.submit = Note::error(&InputError::Busy("a submission").into());
            return;
        }
        let started = self.connected().map(|c| c.client.clone()).and_then(|client| Ok((client, planned?)));
        let (client, requests) = match started {
            Ok(v) => v,
            Err(e) => {
                self.feedback.submit = Note::error(&e.into());
                return;
            }
        };
        let count = requests.len();
        match self.net.spawn(async move { Reply::Submitted(tasks::submit(client, requests).await) }) {
            Ok(_) => {
                self.submitting = true;
                self.tracked.clear();
                self.tracked_counts = None;
                self.feedback.submit = Note::info(format!("Submitting {count} fractal(s)…"));
            }
            Err(e) => self.feedback.submit = Note::error(&e),
        }
    }

    pub(super) fn refresh_soon(&mut self) {
        self.browse.relist = true;
        if let Some(c) = &mut self.connection {
            c.refresh_soon();
        }
    }

    /// Whether this refresh lists the table's rows: while the table is shown, after a
    /// change, else every 2 s, or one second per thousand rows when there are many.
    fn rows_due(&self) -> bool {
        let every = std::time::Duration::from_millis(2000.max(self.browse.rows.len() as u64));
        self.tab == Tab::Fractals && (self.browse.relist || self.browse.listed_at.is_none_or(|t| t.elapsed() >= every))
    }

    /// Starts a refresh when one is due (while the window is open) and wakes the UI for
    /// the next.
    pub(super) fn tick(&mut self, ctx: &egui::Context) {
        if !self.open {
            return;
        }
        let rows_due = self.rows_due();
        let Some(conn) = &mut self.connection else { return };
        let now = Instant::now();
        if conn.refresh_due(now) {
            let (client, generation) = (conn.client.clone(), conn.generation);
            let rows = rows_due.then_some(super::browse::MAX_ROWS);
            if rows_due {
                self.browse.relist = false;
            }
            let tracked = if self.tracked_counts.is_some_and(|(_, _, pending)| pending == 0) {
                Vec::new()
            } else {
                self.tracked.clone()
            };
            let task =
                async move { Reply::Refreshed { generation, refreshed: tasks::refresh(client, rows, tracked).await } };
            if let Err(e) = self.net.spawn(task) {
                conn.take_status(Err(e));
            }
        }
        ctx.request_repaint_after(conn.until_refresh(now).max(std::time::Duration::from_millis(50)));
    }

    /// Takes in answers, refreshes when due and draws the window (if open); returns what
    /// the explorer should do (open a fractal).
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        location: &Location,
        look: &Look,
        bookmarks: &[Bookmark],
    ) -> Vec<Command> {
        self.poll();
        self.tick(ctx);
        if self.open {
            let mut open = self.open;
            egui::Window::new("Cluster").open(&mut open).default_width(640.0).default_height(700.0).show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.contents_ui(ui, location, look, bookmarks));
            });
            self.open = open;
        }
        std::mem::take(&mut self.commands)
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui, location: &Location, look: &Look, bookmarks: &[Bookmark]) {
        self.connect_ui(ui);
        if self.connection.is_none() {
            return;
        }
        ui.separator();
        let before = self.tab;
        ui.horizontal(|ui| {
            for (tab, name) in [(Tab::Submit, "Submit"), (Tab::Poster, "Poster"), (Tab::Fractals, "Fractals")] {
                ui.selectable_value(&mut self.tab, tab, name);
            }
        });
        if self.tab != before {
            self.refresh_soon();
        }
        ui.separator();
        match self.tab {
            Tab::Submit => self.submit_ui(ui, location, look, bookmarks),
            Tab::Poster => self.poster_ui(ui, location, look),
            Tab::Fractals => self.browse_ui(ui),
        }
    }
}
