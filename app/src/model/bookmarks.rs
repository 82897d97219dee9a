//! Named bookmarks with thumbnails.
//!
//! Bookmarks persist with the settings (name, location, colours). Thumbnails are derived
//! data: they are rendered again on a background thread after start-up rather than stored,
//! which keeps the settings file small, readable and editable by hand.

use std::sync::mpsc::{self, Receiver, Sender};

use faafo_engine::{Colouring, Control, Params, RenderOptions, render};
use serde::{Deserialize, Serialize};

use crate::colour::Look;
use crate::location::Location;
use crate::view::Frame;

/// Thumbnail size in pixels (16:10, like the default window).
pub const THUMBNAIL_PX: [u32; 2] = [96, 60];

/// A named location with its colours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    /// Shown in the list; unique among bookmarks.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// The colours it was saved with (a palette file's gradient is not kept).
    #[serde(default)]
    pub colouring: Colouring,
}

impl Bookmark {
    /// Key for its thumbnail: the same location and colours share one.
    pub fn thumbnail_key(&self) -> String {
        format!("{} {:?}", self.location.to_text(), self.colouring)
    }
}

/// A name not yet used in `existing`: `wanted` (trimmed, or "Bookmark" if empty), with
/// " (2)", " (3)"… appended as needed.
pub fn unique_name(existing: &[Bookmark], wanted: &str) -> String {
    let base = if wanted.trim().is_empty() { "Bookmark" } else { wanted.trim() };
    let taken = |n: &str| existing.iter().any(|b| b.name == n);
    if !taken(base) {
        return base.to_owned();
    }
    (2..).map(|i| format!("{base} ({i})")).find(|n| !taken(n)).unwrap_or_else(|| base.to_owned())
}

/// Renders thumbnails on its own thread, one at a time, in request order.
#[derive(Debug)]
pub struct ThumbnailMaker {
    tx: Sender<(String, Location, Look)>,
    rx: Receiver<(String, Result<egui::ColorImage, String>)>,
}

impl ThumbnailMaker {
    /// Starts the thread; `ctx` is woken when a thumbnail is ready.
    pub fn spawn(ctx: egui::Context) -> std::io::Result<Self> {
        let (tx, job_rx) = mpsc::channel::<(String, Location, Look)>();
        let (done_tx, rx) = mpsc::channel();
        std::thread::Builder::new().name("faafo-thumbnails".to_owned()).spawn(move || {
            for (key, location, look) in job_rx {
                let result = thumbnail(&location, &look);
                if done_tx.send((key, result)).is_err() {
                    return;
                }
                ctx.request_repaint();
            }
        })?;
        Ok(Self { tx, rx })
    }

    /// Queues a thumbnail for `key`.
    pub fn request(&self, key: String, location: Location, look: Look) {
        // Only fails if the thread died; the bookmark then just shows no picture.
        self.tx.send((key, location, look)).ok();
    }

    /// A finished thumbnail, if any.
    pub fn try_recv(&self) -> Option<(String, Result<egui::ColorImage, String>)> {
        self.rx.try_recv().ok()
    }
}

/// Renders one thumbnail on the calling thread.
pub fn thumbnail(location: &Location, look: &Look) -> Result<egui::ColorImage, String> {
    let [w, h] = THUMBNAIL_PX;
    let frame = Frame::new(location.view, w, h);
    let params = Params {
        fractal: location.fractal,
        region: frame.region(),
        width: w,
        height: h,
        max_iterations: location.max_iterations(),
        colouring: Colouring::default(),
    };
    let r = render(&params, &RenderOptions::default(), &Control::new()).map_err(|e| e.to_string())?;
    let smooth: Vec<f32> = (0..r.buffer.counts().len()).map(|i| r.buffer.smooth_at(i)).collect();
    let mut pixels = vec![egui::Color32::BLACK; smooth.len()];
    look.paint(r.buffer.counts(), &smooth, &mut pixels);
    Ok(egui::ColorImage::new([w as usize, h as usize], pixels))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn names_are_made_unique() {
        let b = |name: &str| Bookmark {
            name: name.to_owned(),
            location: Location::default(),
            colouring: Colouring::default(),
        };
        let existing = vec![b("Seahorse"), b("Seahorse (2)")];
        assert_eq!(unique_name(&existing, " Seahorse "), "Seahorse (3)");
        assert_eq!(unique_name(&existing, "Elephant"), "Elephant");
        assert_eq!(unique_name(&[], "  "), "Bookmark");
    }

    #[test]
    fn thumbnails_render() {
        let img = thumbnail(&Location::default(), &Look::default()).unwrap();
        assert_eq!(img.size, [96, 60]);
        assert!(img.pixels.iter().any(|p| *p != img.pixels[0]), "not a flat picture");
    }
}
