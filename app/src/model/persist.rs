//! Settings that survive a restart: the last location, colours, bookmarks and the paths
//! and sizes last used in dialogs. Runtime handles (threads, textures, jobs) live in the
//! app, never here.
//!
//! The file is TOML (`$XDG_CONFIG_HOME/faafo/explorer.toml`, else
//! `~/.config/faafo/explorer.toml`; `FAAFO_EXPLORER_CONFIG` names another file), written
//! atomically (temporary file + rename). A file that does not parse is never overwritten:
//! it is moved aside to `explorer.toml.bad` before the first save, and the app says so.

use std::path::{Path, PathBuf};

use faafo_engine::Colouring;
use serde::{Deserialize, Serialize};

use crate::cloud::cluster::ClusterSettings;
use crate::cloud::credentials::DeploySettings;
use crate::model::bookmarks::Bookmark;
use crate::model::colour::GradientSpec;
use crate::model::location::Location;
use crate::model::toml_file::{WriteError, toml_error, write_atomically};

/// Environment variable naming the settings file to use instead of the default.
pub const CONFIG_ENV: &str = "FAAFO_EXPLORER_CONFIG";

/// Why the settings could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// They do not fit in TOML (not expected: every field does).
    #[error("cannot encode settings: {0}")]
    Encode(#[from] toml::ser::Error),
    /// The settings folder could not be made.
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir { dir: PathBuf, source: std::io::Error },
    /// The unreadable file could not be moved aside.
    #[error("cannot move the unreadable settings aside to {}: {source}", backup.display())]
    Backup { backup: PathBuf, source: std::io::Error },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Everything persisted. Every field has a default, so older or hand-trimmed files load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Whether the colours cycle (animated palette offset).
    pub cycling: bool,
    /// Palette cycles per minute while cycling.
    pub cycles_per_minute: f32,
    /// Side of the last saved image, in pixels.
    pub save_size: [u32; 2],
    /// Last image path typed or picked.
    pub save_path: String,
    /// Last parameter file path typed or picked.
    pub params_path: String,
    /// Last palette file path typed or picked.
    pub palette_path: String,
    /// Where the explorer was when it closed.
    pub location: Location,
    /// Palette, offset, cycle length, interior colour.
    pub colouring: Colouring,
    /// A gradient loaded from a palette file, replacing the palette.
    pub custom_palette: Option<GradientSpec>,
    pub bookmarks: Vec<Bookmark>,
    /// The Deploy window's cloud, form and deployment fields (never a secret).
    pub deploy: DeploySettings,
    /// The Cluster window's recent endpoints, sizes and paths (never a token).
    pub cluster: ClusterSettings,
    /// Hold-to-fly speed: magnification per second.
    pub fly_zoom_per_s: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            cycling: false,
            cycles_per_minute: 6.0,
            save_size: [3840, 2160],
            save_path: default_image_path().display().to_string(),
            params_path: String::new(),
            palette_path: String::new(),
            location: Location::default(),
            colouring: Colouring::default(),
            custom_palette: None,
            bookmarks: Vec::new(),
            deploy: DeploySettings::default(),
            cluster: ClusterSettings::default(),
            fly_zoom_per_s: crate::ui::canvas::DEFAULT_FLY_ZOOM_PER_S,
        }
    }
}

/// Where settings are read from and written to.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    /// The file existed but did not parse: move it aside before writing over it.
    back_up_first: bool,
}

impl Store {
    /// The user's settings file (see the module docs), if a home can be found.
    pub fn default_location() -> Option<Self> {
        let path = match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => {
                let base = std::env::var_os("XDG_CONFIG_HOME")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
                base.join("faafo").join("explorer.toml")
            }
        };
        Some(Self::at(path))
    }

    /// Settings in the file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), back_up_first: false }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the settings: defaults when there is no file yet; defaults and a message
    /// when the file is unreadable.
    pub fn load(&mut self) -> (Settings, Option<String>) {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), None),
            Err(e) => {
                return (Settings::default(), Some(format!("cannot read settings {}: {e}", self.path.display())));
            }
        };
        match toml::from_str::<Settings>(&text) {
            Ok(settings) => (settings, None),
            Err(e) => {
                self.back_up_first = true;
                let message = format!(
                    "settings {} do not parse ({}); starting with defaults, the file will be kept as {}",
                    self.path.display(),
                    toml_error(&text, &e),
                    self.backup_path().display()
                );
                (Settings::default(), Some(message))
            }
        }
    }

    fn backup_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".bad");
        self.path.with_file_name(name)
    }

    /// Writes `settings` (creating the folder), atomically.
    pub fn save(&mut self, settings: &Settings) -> Result<(), SettingsError> {
        let text = toml::to_string_pretty(settings)?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| SettingsError::CreateDir { dir: dir.to_path_buf(), source })?;
        }
        if self.back_up_first {
            let backup = self.backup_path();
            std::fs::rename(&self.path, &backup).map_err(|source| SettingsError::Backup { backup, source })?;
            self.back_up_first = false;
        }
        Ok(write_atomically(&self.path, text.as_bytes())?)
    }
}

/// `~/Pictures/faafo.png` if there is such a folder, else `faafo.png` in the home (or
/// current) folder.
pub fn default_image_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let pictures = home.join("Pictures");
    if pictures.is_dir() { pictures.join("faafo.png") } else { home.join("faafo.png") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::model::view::View;
    use faafo_engine::{Complex64, Fractal};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faafo-persist-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn settings_round_trip_with_full_precision() {
        let dir = temp_dir("round-trip");
        let mut store = Store::at(dir.join("sub/explorer.toml"));
        let location = Location {
            fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
            view: View::new(-0.743643887037151, 0.131825904205330, 1.234567890123e-12),
            iterations: crate::model::location::Iterations::Fixed(777),
        };
        let mut s = Settings { location, ..Settings::default() };
        s.bookmarks.push(Bookmark {
            name: "Seahorse".into(),
            location: s.location.clone(),
            colouring: Colouring::default(),
        });
        store.save(&s).unwrap();
        let (back, message) = store.load();
        assert_eq!(message, None);
        assert_eq!(back, s);
    }

    #[test]
    fn a_broken_file_is_reported_and_kept() {
        let dir = temp_dir("broken");
        let path = dir.join("explorer.toml");
        std::fs::write(&path, "location = [[[").unwrap();
        let mut store = Store::at(&path);
        let (settings, message) = store.load();
        assert_eq!(settings, Settings::default());
        let message = message.unwrap();
        assert!(message.contains("do not parse") && message.contains("line 1"), "{message}");
        store.save(&settings).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("explorer.toml.bad")).unwrap(), "location = [[[");
        assert_eq!(store.load().1, None);
    }

    #[test]
    fn missing_file_means_defaults_silently() {
        let dir = temp_dir("missing");
        let (s, m) = Store::at(dir.join("none.toml")).load();
        assert_eq!((s, m), (Settings::default(), None));
    }
}
