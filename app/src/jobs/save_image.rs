//! "Save image…": the current location at any size up to 16384 × 16384, in the format the
//! file's extension names — `.png` (8 or 16 bits per channel), `.jpg`/`.jpeg` (a quality
//! setting); any other extension is refused with a message. Written on a background
//! thread with progress and cancel; a PNG in bands of rows so memory stays bounded (about
//! 14 MiB), a JPEG (whose encoder needs the whole picture) from 3 bytes a pixel.
//!
//! With an engine palette this is the engine's writer ([`write_image`]), so the file is
//! byte for byte what `faafo render` writes for the same numbers. A gradient from a
//! palette file is the explorer's own, so those images are coloured here, band by band,
//! with the same antialiasing samples, colouring mode and rounding as the engine's
//! writer, and go through the same encoders.
//!
//! The file is written next to its destination as `NAME.part` and renamed when complete:
//! a cancelled or failed save leaves nothing behind.
//!
//! The job (request, thread, part file) is here; why a save fails is in `error`, and
//! the explorer's own rendering in bands, colouring and encoding in `bands`, so the
//! file a person opens first shows what a save is without the encoder details.

mod bands;
mod error;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use faafo_engine::{BitDepth, Control, ImageFormat, Params, RenderOptions, write_image};

use bands::{write_banded, write_deep_png};
pub use error::SaveError;

use crate::model::colour::Look;
use crate::model::location::Location;
use crate::model::view::Frame;

/// Largest width or height.
pub const MAX_SIDE: u32 = 16384;

/// What to save.
#[derive(Debug, Clone)]
pub struct SaveRequest {
    /// Where and how deep; the image shows the same centre and x extent as the window.
    pub location: Location,
    pub look: Look,
    /// In pixels, 2..=[`MAX_SIDE`].
    pub width: u32,
    /// In pixels, 2..=[`MAX_SIDE`].
    pub height: u32,
    /// Destination (`.png` is appended when there is no extension); its extension picks
    /// the format.
    pub path: PathBuf,
    /// Bits per channel of a PNG.
    pub depth: BitDepth,
    /// Quality of a JPEG, 1..=100.
    pub jpeg_quality: u8,
}

impl SaveRequest {
    /// Checks size and destination before any work, with messages a person can act on.
    pub fn validate(&mut self) -> Result<(), SaveError> {
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if !(2..=MAX_SIDE).contains(&value) {
                return Err(SaveError::Size { name, value });
            }
        }
        if self.path.as_os_str().is_empty() {
            return Err(SaveError::NoPath);
        }
        if self.path.is_dir() {
            return Err(SaveError::IsFolder(self.path.clone()));
        }
        if self.path.extension().is_none() {
            self.path.set_extension("png");
        }
        self.format()?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(SaveError::NoFolder(dir));
        }
        let frame = Frame::new(self.location.view.clone(), self.width, self.height);
        Ok(frame.of_kind(self.location.fractal.kind()).validate(&self.location.fractal)?)
    }

    /// The file format the extension names, with this request's settings.
    pub fn format(&self) -> Result<ImageFormat, SaveError> {
        ImageFormat::from_path(&self.path, self.depth, self.jpeg_quality).map_err(SaveError::Image)
    }

    fn params(&self) -> Params {
        let frame =
            Frame::new(self.location.view.clone(), self.width, self.height).of_kind(self.location.fractal.kind());
        Params {
            fractal: self.location.fractal,
            region: frame.region(),
            width: self.width,
            height: self.height,
            max_iterations: self.location.max_iterations(),
            colouring: self.look.colouring,
        }
    }
}

/// What a finished save reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveSummary {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Width × height.
    pub size: [u32; 2],
    /// Wall time.
    pub took: Duration,
}

/// A save running on its own thread.
#[derive(Debug)]
pub struct SaveJob {
    path: PathBuf,
    size: [u32; 2],
    control: Arc<Control>,
    /// Rows finished on the palette-file path (the engine's path reports via `control`).
    rows_done: Option<Arc<AtomicU64>>,
    rx: Receiver<Result<SaveSummary, SaveError>>,
}

impl SaveJob {
    /// Validates `request` and starts writing; `ctx` is woken on progress and at the end.
    pub fn start(mut request: SaveRequest, ctx: egui::Context) -> Result<Self, SaveError> {
        request.validate()?;
        let control = Arc::new(Control::new());
        let rows_done = request.look.custom.is_some().then(|| Arc::new(AtomicU64::new(0)));
        let (tx, rx) = mpsc::channel();
        let path = request.path.clone();
        let size = [request.width, request.height];
        let (thread_control, thread_rows) = (Arc::clone(&control), rows_done.clone());
        std::thread::Builder::new()
            .name("faafo-save-image".to_owned())
            .spawn(move || {
                let result = save(&request, &thread_control, thread_rows.as_deref(), &ctx);
                tx.send(result).ok();
                ctx.request_repaint();
            })
            .map_err(SaveError::Thread)?;
        Ok(Self { path, size, control, rows_done, rx })
    }

    /// Destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Width × height being written.
    pub fn size(&self) -> [u32; 2] {
        self.size
    }

    /// Fraction done, 0..=1.
    pub fn progress(&self) -> f32 {
        match &self.rows_done {
            Some(rows) => (rows.load(Ordering::Relaxed) as f64 / f64::from(self.size[1])).min(1.0) as f32,
            None => self.control.progress(),
        }
    }

    /// Stops the save; [`SaveJob::poll`] then reports it cancelled and no file remains.
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// The outcome once the thread is done.
    pub fn poll(&self) -> Option<Result<SaveSummary, SaveError>> {
        self.rx.try_recv().ok()
    }
}

/// Writes the image to `NAME.part`, then renames it; removes the part file on failure.
fn save(
    request: &SaveRequest,
    control: &Control,
    rows_done: Option<&AtomicU64>,
    ctx: &egui::Context,
) -> Result<SaveSummary, SaveError> {
    let started = Instant::now();
    let path = &request.path;
    let mut part_name = path.file_name().unwrap_or_default().to_os_string();
    part_name.push(".part");
    let part = path.with_file_name(part_name);
    let file = File::create(&part).map_err(SaveError::write(path))?;
    let mut out = BufWriter::new(file);
    let deep = Frame::new(request.location.view.clone(), request.width, request.height)
        .of_kind(request.location.fractal.kind())
        .renders_deep(&request.location.fractal);
    let written = request.format().and_then(|format| match (rows_done, format) {
        // Past doubles, an engine palette: the engine's own PNG of the escape values, the
        // very bytes a cluster's worker makes of this location.
        (None, ImageFormat::Png(depth)) if deep => write_deep_png(request, depth, control, &mut out),
        (None, _) if deep => write_banded(request, format, control, &AtomicU64::new(0), ctx, &mut out),
        (None, _) => write_image(&request.params(), &RenderOptions::default(), control, format, &mut out)
            .map_err(SaveError::image(path)),
        (Some(rows), _) => write_banded(request, format, control, rows, ctx, &mut out),
    });
    let finished = written.and_then(|()| {
        let file = out.into_inner().map_err(|e| SaveError::write(path)(e.into_error()))?;
        file.sync_all().map_err(SaveError::write(path))
    });
    if let Err(e) = finished {
        std::fs::remove_file(&part).ok();
        return Err(e);
    }
    std::fs::rename(&part, path).map_err(|e| {
        std::fs::remove_file(&part).ok();
        SaveError::write(path)(e)
    })?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(SaveSummary { path: path.clone(), bytes, size: [request.width, request.height], took: started.elapsed() })
}
