//! The Cluster window's fields that survive a restart (in explorer.toml): recent
//! endpoints, sizes, batch size and where files go. Never the token: that is in the OS
//! keyring, an account per endpoint ([`keyring_account`]).

use faafo_engine::Palette;
use serde::{Deserialize, Serialize};

use crate::model::location::Location;

/// Recent endpoints kept.
pub const RECENT: usize = 8;

/// What one submitted view's size is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizePreset {
    /// 3840 × 2160.
    #[default]
    Uhd4k,
    /// 7680 × 4320.
    Uhd8k,
    /// A3 at 300 dpi, landscape: 4961 × 3508.
    A3,
    /// The width and height fields.
    Custom,
}

impl SizePreset {
    /// Every preset, in the window's order.
    pub const ALL: [Self; 4] = [Self::Uhd4k, Self::Uhd8k, Self::A3, Self::Custom];

    /// Width and height, `None` for [`SizePreset::Custom`].
    pub fn size(self) -> Option<(u32, u32)> {
        match self {
            Self::Uhd4k => Some((3840, 2160)),
            Self::Uhd8k => Some((7680, 4320)),
            Self::A3 => Some((4961, 3508)),
            Self::Custom => None,
        }
    }

    /// The radio button's text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Uhd4k => "4K 3840×2160",
            Self::Uhd8k => "8K 7680×4320",
            Self::A3 => "A3 print 4961×3508",
            Self::Custom => "Custom",
        }
    }
}

/// A poster started and not finished: everything needed to plan the same tiles again
/// after a restart (the plan is a pure function of these), so it resumes from the tiles
/// already on the cluster and on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingPoster {
    /// Names its tiles (`<id>-t<index>`).
    pub id: String,
    /// The cluster its tiles are on.
    pub endpoint: String,
    /// The view it is of.
    pub location: Location,
    /// The only colouring the wire carries.
    pub palette: Palette,
    /// Poster size in pixels.
    pub width: u32,
    pub height: u32,
    /// Tiles across and down.
    pub columns: u32,
    pub rows: u32,
    /// The PNG it is written to.
    pub output: String,
}

/// The persisted fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterSettings {
    /// Endpoints connected to, newest first.
    pub recent: Vec<String>,
    /// Keep a typed token in the OS keyring once the cluster took it.
    pub remember_token: bool,
    /// Size of a submitted view.
    pub preset: SizePreset,
    /// Custom width, as typed.
    pub width: String,
    /// Custom height, as typed.
    pub height: String,
    /// Fractals in a random batch, as typed.
    pub batch: String,
    /// Where downloads go.
    pub download_dir: String,
    /// Poster width, as typed.
    pub poster_width: String,
    /// Poster height, as typed.
    pub poster_height: String,
    /// The poster's file.
    pub poster_path: String,
    /// Tiles across and down, as typed; empty: as many as keep each tile at most
    /// [`faafo_backend::client::poster::MAX_TILE_PIXELS`].
    pub poster_tiles: String,
    /// The poster being made (or stopped before it was done), to resume after a restart.
    pub pending_poster: Option<PendingPoster>,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        let pictures = crate::model::persist::default_image_path();
        let dir = pictures.parent().map(|p| p.display().to_string()).unwrap_or_default();
        Self {
            recent: Vec::new(),
            remember_token: true,
            preset: SizePreset::default(),
            width: "1920".into(),
            height: "1080".into(),
            batch: "3".into(),
            poster_path: pictures.with_file_name("faafo-poster.png").display().to_string(),
            download_dir: dir,
            poster_width: "16384".into(),
            poster_height: "9216".into(),
            poster_tiles: String::new(),
            pending_poster: None,
        }
    }
}

impl ClusterSettings {
    /// Puts `endpoint` first in the recent list.
    pub fn remember(&mut self, endpoint: &str) {
        self.recent.retain(|e| e != endpoint);
        self.recent.insert(0, endpoint.to_owned());
        self.recent.truncate(RECENT);
    }
}

/// The keyring account of `endpoint`'s client token.
pub fn keyring_account(endpoint: &str) -> String {
    format!("faafo cluster {endpoint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_endpoints_are_unique_newest_first_and_bounded() {
        let mut s = ClusterSettings::default();
        for i in 0..10 {
            s.remember(&format!("http://h{i}:8080"));
        }
        s.remember("http://h5:8080");
        assert_eq!(s.recent.len(), RECENT);
        assert_eq!(s.recent[0], "http://h5:8080");
        assert_eq!(s.recent.iter().filter(|e| *e == "http://h5:8080").count(), 1);
    }
}
