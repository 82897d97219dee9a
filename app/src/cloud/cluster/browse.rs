//! The Browse section: the cluster's fractals in a paged table (newest first), each row
//! with *Open* (the explorer goes there), *Download* (checksum verified) and *Delete*.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use faafo_backend::client::{Fractal, Page};

use super::convert::{self, human_seconds};
use super::errors::{ClusterError, InputError};
use super::tasks::{self, Reply};
use super::ui_connect::note_ui;
use super::window::{ClusterPanel, Feedback, Note};
use crate::command::Command;
use crate::ui::side_panel::labelled_text;

/// The table's page and what is running on its rows.
#[derive(Debug)]
pub struct Browse {
    /// From 1.
    pub page: u64,
    pub per_page: u64,
    pub rows: Vec<Fractal>,
    pub total_pages: u64,
    pub num_results: u64,
    /// A download is running.
    downloading: Option<String>,
    /// A delete is running.
    deleting: Option<String>,
    /// Where the last download went.
    pub last_download: Option<PathBuf>,
}

impl Default for Browse {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 10,
            rows: Vec::new(),
            total_pages: 0,
            num_results: 0,
            downloading: None,
            deleting: None,
            last_download: None,
        }
    }
}

impl Browse {
    pub fn is_busy(&self) -> bool {
        self.downloading.is_some() || self.deleting.is_some()
    }

    pub(super) fn take_page(&mut self, page: Result<Page, ClusterError>) {
        if let Ok(p) = page {
            self.rows = p.objects;
            self.total_pages = p.total_pages;
            self.num_results = p.num_results;
            if self.page > p.total_pages.max(1) {
                self.page = p.total_pages.max(1);
            }
        }
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
                Note::info(format!("Deleted {uuid}."))
            }
            Err(e) => Note::error(&e),
        };
    }
}

/// What a row's button asks for.
enum RowAction {
    Open(usize),
    Download(usize),
    Delete(usize),
}

impl ClusterPanel {
    /// Goes to the fractal of row `i` in the explorer.
    pub fn open_row(&mut self, i: usize) {
        let Some(f) = self.browse.rows.get(i) else { return };
        match convert::location_of(f) {
            Ok((location, palette)) => {
                self.commands.push(Command::GoTo { location, colouring: None });
                if let Some(p) = palette {
                    self.commands.push(Command::SetPalette(p));
                }
                self.feedback.browse = Note::info(format!("Opened {}.", f.uuid));
            }
            Err(e) => self.feedback.browse = Note::error(&e.into()),
        }
    }

    /// Downloads row `i`'s PNG into the download folder.
    pub fn download_row(&mut self, i: usize) {
        let Some(uuid) = self.browse.rows.get(i).map(|f| f.uuid.clone()) else { return };
        let dir = self.settings.download_dir.trim();
        let started = match (self.connected(), dir.is_empty()) {
            (Err(e), _) => Err(ClusterError::from(e)),
            (_, true) => Err(InputError::NoPath("download folder").into()),
            (Ok(c), false) => {
                let (client, dir, id) = (c.client.clone(), PathBuf::from(dir), uuid.clone());
                self.net.spawn(async move { Reply::Downloaded(tasks::download(client, id, dir).await) })
            }
        };
        match started {
            Ok(_) => self.browse.downloading = Some(uuid),
            Err(e) => self.feedback.browse = Note::error(&e),
        }
    }

    /// Deletes row `i`'s fractal on the cluster.
    pub fn delete_row(&mut self, i: usize) {
        let Some(uuid) = self.browse.rows.get(i).map(|f| f.uuid.clone()) else { return };
        let started = match self.connected() {
            Err(e) => Err(ClusterError::from(e)),
            Ok(c) => {
                let (client, id) = (c.client.clone(), uuid.clone());
                self.net.spawn(async move { Reply::Deleted(tasks::delete(client, id).await) })
            }
        };
        match started {
            Ok(_) => self.browse.deleting = Some(uuid),
            Err(e) => self.feedback.browse = Note::error(&e),
        }
    }

    pub(super) fn browse_ui(&mut self, ui: &mut Ui) {
        labelled_text(ui, "Download folder", &mut self.settings.download_dir, 320.0);
        let b = &mut self.browse;
        ui.horizontal(|ui| {
            if ui.add_enabled(b.page > 1, egui::Button::new("< Newer")).clicked() {
                b.page -= 1;
            }
            ui.label(format!("Page {} of {} ({} fractals)", b.page, b.total_pages.max(1), b.num_results));
            if ui.add_enabled(b.page < b.total_pages, egui::Button::new("Older >")).clicked() {
                b.page += 1;
            }
            if b.is_busy() {
                ui.spinner();
            }
        });
        let busy = b.is_busy();
        let action = fractals_table(ui, &b.rows, busy);
        match action {
            Some(RowAction::Open(i)) => self.open_row(i),
            Some(RowAction::Download(i)) => self.download_row(i),
            Some(RowAction::Delete(i)) => self.delete_row(i),
            None => {}
        }
        if action.is_some() || self.browse.rows.is_empty() {
            self.refresh_soon();
        }
        note_ui(ui, self.feedback.browse.as_ref());
    }
}

/// The table; returns the button pressed.
fn fractals_table(ui: &mut Ui, rows: &[Fractal], busy: bool) -> Option<RowAction> {
    const HEADERS: [&str; 8] = ["Status", "Kind", "Size", "Iterations", "Duration", "Worker", "Age", ""];
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let mut action = None;
    TableBuilder::new(ui)
        .id_salt("cluster-fractals")
        .striped(true)
        .vscroll(false)
        .columns(Column::auto().at_least(40.0), HEADERS.len())
        .header(20.0, |mut header| {
            for h in HEADERS {
                header.col(|ui| {
                    ui.strong(h);
                });
            }
        })
        .body(|mut body| {
            for (i, f) in rows.iter().enumerate() {
                body.row(22.0, |mut row| {
                    let cells = [
                        f.status.as_str().to_owned(),
                        f.kind.clone().unwrap_or_else(|| "classic".into()),
                        format!("{}×{}", f.width, f.height),
                        f.iterations.to_string(),
                        f.duration.map_or_else(String::new, |d| format!("{d:.2} s")),
                        f.generated_by.clone().unwrap_or_default(),
                        f.created_at.as_deref().and_then(|t| age(t, now)).unwrap_or_default(),
                    ];
                    for text in cells {
                        row.col(|ui| {
                            ui.label(text);
                        });
                    }
                    row.col(|ui| {
                        let done = f.status == faafo_backend::client::Status::Done;
                        if row_button(ui, "Open", &f.uuid, true) {
                            action = Some(RowAction::Open(i));
                        }
                        if row_button(ui, "Download", &f.uuid, done && !busy) {
                            action = Some(RowAction::Download(i));
                        }
                        if row_button(ui, "Delete", &f.uuid, !busy) {
                            action = Some(RowAction::Delete(i));
                        }
                    });
                });
            }
        });
    if rows.is_empty() {
        ui.label(RichText::new("No fractals on this page.").small());
    }
    action
}

/// A row's button showing `text`, named `<text> <uuid>` for screen readers (and tests),
/// since every row has one; whether it was clicked.
fn row_button(ui: &mut Ui, text: &str, uuid: &str, enabled: bool) -> bool {
    let response = ui.add_enabled(enabled, egui::Button::new(text).small()).on_hover_text(uuid);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, format!("{text} {uuid}")));
    response.clicked()
}

/// How long ago an RFC 3339 UTC time was (`2025-01-02T03:04:05Z`, fractions and a `Z`
/// or `+00:00` allowed), as `5 min`.
pub fn age(rfc3339: &str, now_unix: i64) -> Option<String> {
    let t = rfc3339.get(..19)?;
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let then = days * 86_400 + hh * 3600 + mm * 60 + ss;
    let secs = (now_unix - then).max(0);
    Some(if secs < 86_400 { human_seconds(secs as f64) } else { format!("{} d", secs / 86_400) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_rfc3339() {
        // 2024-03-01T00:00:00Z is 1709251200.
        assert_eq!(age("2024-03-01T00:00:00Z", 1_709_251_200 + 125).as_deref(), Some("2 min 5 s"));
        assert_eq!(age("2024-03-01T00:00:00.123456+00:00", 1_709_251_200 + 3 * 86_400).as_deref(), Some("3 d"));
        assert_eq!(age("yesterday", 0), None);
    }
}
