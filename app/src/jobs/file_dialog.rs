//! Native file dialogs (rfd) on a background thread, with the typed path field as the
//! fallback.
//!
//! rfd's xdg-portal backend talks D-Bus, and when no portal is reachable it tries
//! `zenity`; either may block for as long as the person looks at the dialog, so it never
//! runs on the UI thread. When neither is available rfd answers `None` at once, the same
//! as "cancelled", and the app says to type the path instead.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

/// Why no dialog opened.
#[derive(Debug, thiserror::Error)]
pub enum DialogError {
    /// One dialog at a time.
    #[error("a file dialog is already open")]
    AlreadyOpen,
    /// Its thread could not start.
    #[error("cannot open a file dialog: {0}")]
    Thread(std::io::Error),
}

/// What a dialog is for; decides its title, filter and what happens with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Destination of "Save image…".
    SaveImage,
    /// A parameter file to open.
    OpenParams,
    /// Where to save a parameter file.
    SaveParams,
    /// A palette file to load.
    OpenPalette,
    /// Where to write the palette in use.
    SavePalette,
}

impl DialogPurpose {
    fn title(self) -> &'static str {
        match self {
            Self::SaveImage => "Save image",
            Self::OpenParams => "Open parameter file",
            Self::SaveParams => "Save parameter file",
            Self::OpenPalette => "Load palette file",
            Self::SavePalette => "Save palette file",
        }
    }

    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::SaveImage => ("Image", &["png", "jpg", "jpeg"]),
            Self::OpenParams => ("faafo parameters", &["toml", "json"]),
            Self::SaveParams => ("faafo parameters", &["toml"]),
            Self::OpenPalette | Self::SavePalette => ("faafo palette", &["toml"]),
        }
    }

    fn saves(self) -> bool {
        matches!(self, Self::SaveImage | Self::SaveParams | Self::SavePalette)
    }
}

/// At most one dialog at a time; answers arrive through [`FileDialogs::poll`].
#[derive(Debug)]
pub struct FileDialogs {
    tx: Sender<(DialogPurpose, Option<PathBuf>)>,
    rx: Receiver<(DialogPurpose, Option<PathBuf>)>,
    open: Option<DialogPurpose>,
}

impl Default for FileDialogs {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self { tx, rx, open: None }
    }
}

impl FileDialogs {
    /// Whether a dialog is showing (or being tried).
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Opens a dialog for `purpose`, starting at `current` (a typed path, may be empty).
    pub fn open(&mut self, purpose: DialogPurpose, current: &str, ctx: &egui::Context) -> Result<(), DialogError> {
        if self.open.is_some() {
            return Err(DialogError::AlreadyOpen);
        }
        let current = PathBuf::from(current);
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name("faafo-file-dialog".to_owned())
            .spawn(move || {
                let (name, extensions) = purpose.filter();
                let mut dialog = rfd::FileDialog::new().set_title(purpose.title()).add_filter(name, extensions);
                if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                    dialog = dialog.set_directory(dir);
                }
                if let Some(file) = current.file_name() {
                    dialog = dialog.set_file_name(file.to_string_lossy());
                }
                let picked = if purpose.saves() { dialog.save_file() } else { dialog.pick_file() };
                tx.send((purpose, picked)).ok();
                ctx.request_repaint();
            })
            .map_err(DialogError::Thread)?;
        self.open = Some(purpose);
        Ok(())
    }

    /// The answer of the open dialog, once there is one: `None` means cancelled or no
    /// dialog available.
    pub fn poll(&mut self) -> Option<(DialogPurpose, Option<PathBuf>)> {
        let answer = self.rx.try_recv().ok()?;
        self.open = None;
        Some(answer)
    }
}
