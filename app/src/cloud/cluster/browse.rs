//! The Browse section: the cluster's fractals (the newest [`MAX_ROWS`]) in one table,
//! sorted by any column, filtered by status, kind and text, and virtualised (only the
//! rows on screen are laid out, so 10,000 rows scroll smoothly). Each row has a lazy
//! thumbnail and *Open* (the explorer goes there), *Download* (checksum verified) and
//! *Delete*.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use faafo_backend::client::{Fractal, Status};

use super::convert::{self, age};
use super::errors::{ClusterError, InputError};
use super::tasks::{self, Reply};
use super::thumbs::Thumbs;
use super::ui_connect::note_ui;
use super::window::{ClusterPanel, Feedback, Note};
use crate::command::Command;
use crate::ui::side_panel::labelled_text;

/// Most fractals listed (the newest).
pub const MAX_ROWS: usize = 10_000;
/// Height of a row, in points (room for the thumbnail).
const ROW_HEIGHT: f32 = 34.0;

/// A column the table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Status,
    Kind,
    Size,
    Iterations,
    Duration,
    Worker,
    Age,
}

impl SortColumn {
    /// The sortable columns, in the table's order.
    pub const ALL: [Self; 7] =
        [Self::Status, Self::Kind, Self::Size, Self::Iterations, Self::Duration, Self::Worker, Self::Age];

    /// The header's text.
    pub fn name(self) -> &'static str {
        match self {
            Self::Status => "Status",
            Self::Kind => "Kind",
            Self::Size => "Size",
            Self::Iterations => "Iterations",
            Self::Duration => "Duration",
            Self::Worker => "Worker",
            Self::Age => "Age",
        }
    }

    /// Ascending order of two rows by this column (ties: by uuid, so the order is stable
    /// from one refresh to the next).
    fn compare(self, a: &Fractal, b: &Fractal) -> Ordering {
        let by = match self {
            Self::Status => a.status.as_str().cmp(b.status.as_str()),
            Self::Kind => kind_of(a).cmp(kind_of(b)),
            Self::Size => (a.width * a.height).cmp(&(b.width * b.height)),
            Self::Iterations => a.iterations.cmp(&b.iterations),
            Self::Duration => a.duration.unwrap_or(-1.0).total_cmp(&b.duration.unwrap_or(-1.0)),
            Self::Worker => a.generated_by.cmp(&b.generated_by),
            // Older first: RFC 3339 UTC times sort as text; a larger time is younger.
            Self::Age => b.created_at.cmp(&a.created_at),
        };
        by.then_with(|| a.uuid.cmp(&b.uuid))
    }
}

fn kind_of(f: &Fractal) -> &str {
    &f.kind
}

/// Which rows are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only rows whose uuid, kind or worker contains this (any case).
    pub text: String,
}

impl Filter {
    fn admits(&self, f: &Fractal, text: &str) -> bool {
        self.status.is_none_or(|s| f.status == s)
            && self.kind.as_deref().is_none_or(|k| kind_of(f) == k)
            && (text.is_empty()
                || f.uuid.to_lowercase().contains(text)
                || kind_of(f).contains(text)
                || f.generated_by.as_deref().is_some_and(|w| w.to_lowercase().contains(text)))
    }
}

/// The table's rows, how they are shown, and what is running on them.
#[derive(Debug)]
pub struct Browse {
    /// As listed, newest first.
    pub rows: Vec<Fractal>,
    /// Indices into `rows` of the rows shown, in the order shown.
    shown: Vec<usize>,
    /// `shown` must be worked out again.
    stale: bool,
    /// The column sorted by, and whether descending.
    pub sort: (SortColumn, bool),
    pub filter: Filter,
    /// When the rows were last listed.
    pub listed_at: Option<Instant>,
    /// List the rows again at the next refresh (something changed).
    pub(super) relist: bool,
    /// A download is running.
    downloading: Option<String>,
    /// A delete is running.
    deleting: Option<String>,
    /// Where the last download went.
    pub last_download: Option<PathBuf>,
    pub(super) thumbs: Thumbs,
}

impl Default for Browse {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            shown: Vec::new(),
            stale: false,
            // Newest first.
            sort: (SortColumn::Age, false),
            filter: Filter::default(),
            listed_at: None,
            relist: true,
            downloading: None,
            deleting: None,
            last_download: None,
            thumbs: Thumbs::default(),
        }
    }
}

impl Browse {
    pub fn is_busy(&self) -> bool {
        self.downloading.is_some() || self.deleting.is_some()
    }

    /// Thumbnails made and kept.
    pub fn thumbnails_ready(&self) -> usize {
        self.thumbs.ready()
    }

    /// Sorts by `column`; the same column again turns the order round.
    pub fn sort_by(&mut self, column: SortColumn) {
        self.sort = if self.sort.0 == column { (column, !self.sort.1) } else { (column, false) };
        self.stale = true;
    }

    /// Shows only the rows `filter` admits.
    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = filter;
        self.stale = true;
    }

    /// The rows shown, in order.
    pub fn shown(&mut self) -> impl Iterator<Item = &Fractal> {
        self.refresh_order();
        self.shown.iter().map(|i| &self.rows[*i])
    }

    /// The kinds among the rows, for the kind filter.
    fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.rows.iter().map(|f| kind_of(f).to_owned()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Works out the rows shown, if anything changed.
    fn refresh_order(&mut self) {
        if !self.stale {
            return;
        }
        let text = self.filter.text.trim().to_lowercase();
        let mut shown: Vec<usize> =
            (0..self.rows.len()).filter(|i| self.filter.admits(&self.rows[*i], &text)).collect();
        let (column, descending) = self.sort;
        shown.sort_by(|a, b| {
            let o = column.compare(&self.rows[*a], &self.rows[*b]);
            if descending { o.reverse() } else { o }
        });
        self.shown = shown;
        self.stale = false;
    }

    /// Takes in a fresh listing.
    pub fn take_rows(&mut self, rows: Vec<Fractal>) {
        self.rows = rows;
        self.listed_at = Some(Instant::now());
        self.stale = true;
    }

    pub(super) fn take_download(&mut self, result: Result<PathBuf, ClusterError>, feedback: &mut Feedback) {
        self.downloading = None;
        feedback.browse = match result {
            Ok(path) => {
                let note = Note::info(format!("Downloaded {} (checksum verified).", path.display()));
                self.last_download = Some(path);
                note
            }
            Err(e) => Note::error(&e),
        };
    }

    pub(super) fn take_delete(&mut self, result: Result<String, ClusterError>, feedback: &mut Feedback) {
        self.deleting = None;
        feedback.browse = match result {
            Ok(uuid) => {
                self.rows.retain(|f| f.uuid != uuid);
                self.stale = true;
                Note::info(format!("Deleted {uuid}."))
            }
            Err(e) => Note::error(&e),
        };
    }
}

/// What a row's button asks for (by the row's uuid).
enum RowAction {
    Open(String),
    Download(String),
    Delete(String),
}

impl ClusterPanel {
    fn row(&self, uuid: &str) -> Option<&Fractal> {
        self.browse.rows.iter().find(|f| f.uuid == uuid)
    }

    /// Goes to the fractal `uuid` in the explorer.
    pub fn open_row(&mut self, uuid: &str) {
        let Some(f) = self.row(uuid) else { return };
        match convert::location_of(f) {
            Ok((location, palette)) => {
                self.commands.push(Command::GoTo { location, colouring: None });
                if let Some(p) = palette {
                    self.commands.push(Command::SetPalette(p));
                }
                self.feedback.browse = Note::info(format!("Opened {uuid}."));
            }
            Err(e) => self.feedback.browse = Note::error(&e.into()),
        }
    }

    /// Downloads `uuid`'s PNG into the download folder.
    pub fn download_row(&mut self, uuid: &str) {
        let dir = self.settings.download_dir.trim();
        let started = match (self.connected(), dir.is_empty()) {
            (Err(e), _) => Err(ClusterError::from(e)),
            (_, true) => Err(InputError::NoPath("download folder").into()),
            (Ok(c), false) => {
                let (client, dir, id) = (c.client.clone(), PathBuf::from(dir), uuid.to_owned());
                self.net.spawn(async move { Reply::Downloaded(tasks::download(client, id, dir).await) })
            }
        };
        match started {
            Ok(_) => self.browse.downloading = Some(uuid.to_owned()),
            Err(e) => self.feedback.browse = Note::error(&e),
        }
    }

    /// Deletes `uuid` on the cluster.
    pub fn delete_row(&mut self, uuid: &str) {
        let started = match self.connected() {
            Err(e) => Err(ClusterError::from(e)),
            Ok(c) => {
                let (client, id) = (c.client.clone(), uuid.to_owned());
                self.net.spawn(async move { Reply::Deleted(tasks::delete(client, id).await) })
            }
        };
        match started {
            Ok(_) => self.browse.deleting = Some(uuid.to_owned()),
            Err(e) => self.feedback.browse = Note::error(&e),
        }
    }

    pub(super) fn browse_ui(&mut self, ui: &mut Ui) {
        labelled_text(ui, "Download folder", &mut self.settings.download_dir, 320.0);
        self.browse.thumbs.poll(ui.ctx());
        filters_ui(ui, &mut self.browse);
        let b = &mut self.browse;
        b.refresh_order();
        ui.horizontal(|ui| {
            let listed = b.rows.len();
            let capped = if listed >= MAX_ROWS { format!(" (the newest {MAX_ROWS})") } else { String::new() };
            ui.label(format!("{} of {listed} fractals shown{capped}", b.shown.len()));
            if b.is_busy() {
                ui.spinner();
            }
        });
        let action = fractals_table(ui, b);
        self.download_thumbnails();
        match &action {
            Some(RowAction::Open(uuid)) => self.open_row(uuid),
            Some(RowAction::Download(uuid)) => self.download_row(uuid),
            Some(RowAction::Delete(uuid)) => self.delete_row(uuid),
            None => {}
        }
        if action.is_some() {
            self.refresh_soon();
        }
        note_ui(ui, self.feedback.browse.as_ref());
    }
}

/// A selectable label named `name` for screen readers (and tests); whether clicked.
fn named_toggle(ui: &mut Ui, selected: bool, text: &str, name: String) -> bool {
    let response = ui.selectable_label(selected, text);
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, name.clone()));
    response.clicked()
}

/// The status and kind filters and the text search.
fn filters_ui(ui: &mut Ui, b: &mut Browse) {
    let mut filter = b.filter.clone();
    ui.horizontal_wrapped(|ui| {
        ui.label("Status:");
        let statuses = [None, Some(Status::Pending), Some(Status::Rendering), Some(Status::Done), Some(Status::Failed)];
        for s in statuses {
            let text = s.map_or("all", Status::as_str);
            if named_toggle(ui, filter.status == s, text, format!("Status filter: {text}")) {
                filter.status = s;
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Kind:");
        let kinds = b.kinds();
        for k in std::iter::once(None).chain(kinds.iter().map(|k| Some(k.as_str()))) {
            let text = k.unwrap_or("all");
            if named_toggle(ui, filter.kind.as_deref() == k, text, format!("Kind filter: {text}")) {
                filter.kind = k.map(str::to_owned);
            }
        }
    });
    labelled_text(ui, "Find", &mut filter.text, 200.0).on_hover_text("uuid, kind or worker");
    if filter != b.filter {
        b.set_filter(filter);
    }
}

/// The table, only the rows on screen laid out; returns the button pressed.
fn fractals_table(ui: &mut Ui, b: &mut Browse) -> Option<RowAction> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let busy = b.is_busy();
    let mut action = None;
    let mut sort_by = None;
    let (sorted, descending) = b.sort;
    let Browse { rows, shown, thumbs, .. } = b;
    TableBuilder::new(ui)
        .id_salt("cluster-fractals")
        .striped(true)
        .vscroll(true)
        .max_scroll_height(420.0)
        .column(Column::exact(56.0))
        .columns(Column::auto().at_least(40.0), SortColumn::ALL.len())
        .column(Column::remainder().at_least(150.0))
        .header(22.0, |mut header| {
            header.col(|ui| {
                ui.strong("Preview");
            });
            for column in SortColumn::ALL {
                header.col(|ui| {
                    let response = ui.add(egui::Button::new(RichText::new(column.name()).strong()).frame(false));
                    if column == sorted {
                        sort_mark(ui, descending);
                    }
                    let name = format!("Sort by {}", column.name());
                    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, name.clone()));
                    if response.clicked() {
                        sort_by = Some(column);
                    }
                });
            }
            header.col(|ui| {
                ui.strong("Actions");
            });
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, shown.len(), |mut row| {
                let f = &rows[shown[row.index()]];
                row.col(|ui| thumbs.ui(ui, f));
                let cells = [
                    f.status.as_str().to_owned(),
                    kind_of(f).to_owned(),
                    format!("{}×{}", f.width, f.height),
                    f.iterations.to_string(),
                    f.duration.map_or_else(String::new, |d| format!("{d:.2} s")),
                    f.generated_by.clone().unwrap_or_default(),
                    age(&f.created_at, now).unwrap_or_default(),
                ];
                for text in cells {
                    row.col(|ui| {
                        ui.label(text);
                    });
                }
                row.col(|ui| {
                    let done = f.status == Status::Done;
                    if row_button(ui, "Open", &f.uuid, true) {
                        action = Some(RowAction::Open(f.uuid.clone()));
                    }
                    if row_button(ui, "Download", &f.uuid, done && !busy) {
                        action = Some(RowAction::Download(f.uuid.clone()));
                    }
                    if row_button(ui, "Delete", &f.uuid, !busy) {
                        action = Some(RowAction::Delete(f.uuid.clone()));
                    }
                });
            });
        });
    if shown.is_empty() {
        ui.label(RichText::new("No fractals to show.").small());
    }
    if let Some(column) = sort_by {
        b.sort_by(column);
    }
    action
}

/// A small triangle after the sorted column's name: point up for ascending, down for
/// descending (drawn, since the default fonts have no arrow glyphs).
fn sort_mark(ui: &mut Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    let (c, r) = (rect.center(), 4.0);
    let points = if descending {
        vec![egui::pos2(c.x - r, c.y - r / 2.0), egui::pos2(c.x + r, c.y - r / 2.0), egui::pos2(c.x, c.y + r)]
    } else {
        vec![egui::pos2(c.x - r, c.y + r / 2.0), egui::pos2(c.x + r, c.y + r / 2.0), egui::pos2(c.x, c.y - r)]
    };
    let colour = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(points, colour, egui::Stroke::NONE));
}

/// A row's button showing `text`, named `<text> <uuid>` for screen readers (and tests),
/// since every row has one; whether it was clicked.
fn row_button(ui: &mut Ui, text: &str, uuid: &str, enabled: bool) -> bool {
    let response = ui.add_enabled(enabled, egui::Button::new(text).small()).on_hover_text(uuid);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, format!("{text} {uuid}")));
    response.clicked()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(uuid: &str, iterations: i64, status: Status, kind: &str) -> Fractal {
        faafo_backend::client::fractal_from(serde_json::json!({
            "uuid": uuid, "width": 10, "height": 10, "iterations": iterations, "xa": -2.0, "xb": 1.0,
            "ya": -1.0, "yb": 1.0, "status": status.as_str(), "kind": kind,
            "created_at": format!("2024-03-01T00:00:0{}Z", uuid.len() % 10),
        }))
        .unwrap()
    }

    #[test]
    fn rows_sort_by_any_column_and_filter() {
        let mut b = Browse::default();
        b.take_rows(vec![
            row("a", 300, Status::Done, "julia"),
            row("bb", 100, Status::Failed, "classic"),
            row("ccc", 200, Status::Done, "mandelbrot"),
        ]);
        let uuids = |b: &mut Browse| b.shown().map(|f| f.uuid.clone()).collect::<Vec<_>>();
        assert_eq!(uuids(&mut b), ["ccc", "bb", "a"], "newest first");
        b.sort_by(SortColumn::Iterations);
        assert_eq!(uuids(&mut b), ["bb", "ccc", "a"]);
        b.sort_by(SortColumn::Iterations);
        assert_eq!(uuids(&mut b), ["a", "ccc", "bb"]);
        b.set_filter(Filter { status: Some(Status::Done), ..Filter::default() });
        assert_eq!(uuids(&mut b), ["a", "ccc"]);
        b.set_filter(Filter { kind: Some("julia".into()), ..Filter::default() });
        assert_eq!(uuids(&mut b), ["a"]);
        b.set_filter(Filter { text: "CC".into(), ..Filter::default() });
        assert_eq!(uuids(&mut b), ["ccc"]);
    }
}
