//! Self-screenshot for CI: prove the window really draws the fractal without needing a
//! window manager or an external capture tool that might grab a half-drawn frame.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Seconds after start-up before the screenshot: the first frames on a software GL stack
/// can come out incomplete, so wait until the window has settled.
const SETTLE_SECONDS: f64 = 1.0;

/// Why the screenshot was not saved.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    /// Its folder could not be made.
    #[error("creating {}: {source}", dir.display())]
    CreateDir { dir: PathBuf, source: std::io::Error },
    /// The window is larger than a PNG can be.
    #[error(transparent)]
    Size(#[from] std::num::TryFromIntError),
    /// The integration handed over a picture of the wrong size.
    #[error("screenshot has the wrong number of bytes")]
    Bytes,
    /// The PNG could not be written.
    #[error("writing {}: {source}", path.display())]
    Write { path: PathBuf, source: image::ImageError },
}

/// Where the app reports how its screenshot went; shared with the caller of `run_native`,
/// which outlives the app and turns a failure into a non-zero exit.
#[derive(Debug, Clone, Default)]
pub struct ScreenshotOutcome(Arc<OnceLock<Result<PathBuf, ScreenshotError>>>);

impl ScreenshotOutcome {
    /// `None` while no screenshot was taken (e.g. the window closed first), else the saved
    /// path or why saving failed.
    pub fn get(&self) -> Option<&Result<PathBuf, ScreenshotError>> {
        self.0.get()
    }

    fn set(&self, outcome: Result<PathBuf, ScreenshotError>) {
        // Only the first outcome counts; the job finishes once.
        let _ = self.0.set(outcome);
    }
}

#[derive(Debug)]
enum Stage {
    /// Waiting for the picture and the settling time.
    Waiting,
    /// Asked the integration for the pixels; they arrive after a frame is painted.
    Requested(Receiver<Arc<egui::ColorImage>>),
    /// Saved (or failed) and asked the window to close.
    Finished,
}

/// One pending screenshot, advanced once per frame by [`ScreenshotJob::drive`].
#[derive(Debug)]
pub(crate) struct ScreenshotJob {
    path: PathBuf,
    outcome: ScreenshotOutcome,
    stage: Stage,
}

impl ScreenshotJob {
    pub(crate) fn new(path: PathBuf, outcome: ScreenshotOutcome) -> Self {
        Self { path, outcome, stage: Stage::Waiting }
    }

    /// Requests the screenshot once `picture_on_screen` holds and the window has settled,
    /// saves it when it arrives, then closes the window.
    pub(crate) fn drive(&mut self, ctx: &egui::Context, picture_on_screen: bool) {
        match &self.stage {
            Stage::Waiting => {
                if !picture_on_screen {
                    return; // the render thread's repaint request brings the next frame
                }
                let elapsed = ctx.input(|i| i.time);
                if elapsed < SETTLE_SECONDS {
                    // egui only repaints on input; ask for a frame when the wait is over.
                    ctx.request_repaint_after(Duration::from_secs_f64(SETTLE_SECONDS - elapsed));
                    return;
                }
                let (tx, rx) = mpsc::channel();
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = tx.send(image);
                    // The callback comes after painting and does not by itself wake egui.
                    waker.request_repaint();
                });
                self.stage = Stage::Requested(rx);
            }
            Stage::Requested(rx) => {
                let Ok(image) = rx.try_recv() else {
                    return;
                };
                // Encoding on the UI thread is fine: the window closes right after.
                self.outcome.set(save_png(&self.path, &image).map(|()| self.path.clone()));
                self.stage = Stage::Finished;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Stage::Finished => {}
        }
    }
}

/// Writes `image` as an 8-bit RGBA PNG, creating the parent directory if needed.
fn save_png(path: &Path, image: &egui::ColorImage) -> Result<(), ScreenshotError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ScreenshotError::CreateDir { dir: dir.to_path_buf(), source })?;
    }
    let [w, h] = image.size;
    let (w, h) = (u32::try_from(w)?, u32::try_from(h)?);
    // Screen pixels are opaque, so egui's premultiplied RGBA is plain RGBA here.
    let buffer = image::RgbaImage::from_raw(w, h, image.as_raw().to_vec()).ok_or(ScreenshotError::Bytes)?;
    buffer
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| ScreenshotError::Write { path: path.to_path_buf(), source })
}
