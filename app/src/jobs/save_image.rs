//! "Save image…": the current location at any size up to 16384 × 16384, in the format the
//! file's extension names — `.png` (8 or 16 bits per channel), `.jpg`/`.jpeg` (a quality
//! setting); any other extension is refused with a message. Written on a background
//! thread with progress and cancel; a PNG in bands of rows so memory stays bounded (about
//! 14 MiB), a JPEG (whose encoder needs the whole picture) from 3 bytes a pixel.
//!
//! With an engine palette this is the engine's writer ([`write_image`]), so the file is
//! byte for byte what `faafo render` writes for the same numbers. A gradient from a
//! palette file is the explorer's own, so those images are coloured here, band by band,
//! and go through the same encoders (its 8-bit colours widened for a 16-bit PNG).
//!
//! The file is written next to its destination as `NAME.part` and renamed when complete:
//! a cancelled or failed save leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use faafo_engine::{
    BitDepth, Colouring, Control, EscapeBuffer, ImageError, ImageFormat, Params, RenderError, RenderOptions,
    SmoothScale, encode_jpeg, render_into, write_image,
};

use crate::model::colour::Look;
use crate::model::location::Location;
use crate::model::view::{Frame, Grid};

/// Largest width or height.
pub const MAX_SIDE: u32 = 16384;

/// Pixels per band on the palette-file path (the engine's path has its own, equal bound).
const BAND_PIXELS: usize = 1 << 20;

/// Why an image was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A side outside 2..=[`MAX_SIDE`].
    #[error("image {name} must be between 2 and {MAX_SIDE} pixels, got {value}")]
    Size {
        /// "width" or "height".
        name: &'static str,
        value: u32,
    },
    /// Another image is being saved.
    #[error("an image is already being saved")]
    Busy,
    /// No file name typed.
    #[error("type a file name to save the image to")]
    NoPath,
    /// The path names a folder.
    #[error("{} is a folder; add a file name", .0.display())]
    IsFolder(PathBuf),
    /// The file's folder is missing.
    #[error("folder {} does not exist", .0.display())]
    NoFolder(PathBuf),
    /// The view cannot be rendered at this size (too deep for its pixels).
    #[error(transparent)]
    Frame(#[from] faafo_engine::ParamError),
    /// The save's thread could not start.
    #[error("cannot start the save thread: {0}")]
    Thread(std::io::Error),
    /// Cancelled; no file is left.
    #[error("save cancelled")]
    Cancelled,
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// The PNG encoder failed.
    #[error("cannot write {}: {source}", path.display())]
    Encode { path: PathBuf, source: png::EncodingError },
    /// The engine could not render the image.
    #[error("cannot save {}: {source}", path.display())]
    Render { path: PathBuf, source: RenderError },
    /// An extension with no encoder, a bad JPEG quality, or the JPEG encoder failed.
    #[error(transparent)]
    Image(ImageError),
}

impl SaveError {
    fn write(path: &Path) -> impl Fn(std::io::Error) -> Self + Copy + '_ {
        |source| Self::Write { path: path.to_path_buf(), source }
    }

    fn encode(path: &Path) -> impl Fn(png::EncodingError) -> Self + Copy + '_ {
        |source| Self::Encode { path: path.to_path_buf(), source }
    }

    fn render(path: &Path) -> impl Fn(RenderError) -> Self + Copy + '_ {
        |e| match e {
            RenderError::Cancelled => Self::Cancelled,
            RenderError::Io(source) => Self::Write { path: path.to_path_buf(), source },
            source => Self::Render { path: path.to_path_buf(), source },
        }
    }

    fn image(path: &Path) -> impl Fn(ImageError) -> Self + Copy + '_ {
        |e| match e {
            ImageError::Render(e) => Self::render(path)(e),
            ImageError::Jpeg(image::ImageError::IoError(source)) => Self::Write { path: path.to_path_buf(), source },
            e => Self::Image(e),
        }
    }
}

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

/// The palette-file path: bands of rows rendered, coloured by the explorer and written
/// in `format`.
fn write_banded(
    request: &SaveRequest,
    format: ImageFormat,
    control: &Control,
    rows_done: &AtomicU64,
    ctx: &egui::Context,
    out: &mut impl std::io::Write,
) -> Result<(), SaveError> {
    let path = &request.path;
    let io = SaveError::write(path);
    let png_err = SaveError::encode(path);
    let (w, h) = (request.width as usize, request.height as usize);
    match format {
        ImageFormat::Png(depth) => {
            let sixteen = depth == BitDepth::Sixteen;
            let mut encoder = png::Encoder::new(out, request.width, request.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(if sixteen { png::BitDepth::Sixteen } else { png::BitDepth::Eight });
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header().map_err(png_err)?;
            let band_bytes = (BAND_PIXELS / w).clamp(2, h) * w * if sixteen { 6 } else { 3 };
            let mut stream = writer.stream_writer_with_size(band_bytes).map_err(png_err)?;
            let mut wide = Vec::new();
            colour_bands(request, control, rows_done, ctx, |bytes| {
                if sixteen {
                    // 8-bit colour c is 16-bit c·257: both bytes c, big-endian.
                    wide.clear();
                    wide.extend(bytes.iter().flat_map(|&b| [b, b]));
                    stream.write_all(&wide).map_err(io)
                } else {
                    stream.write_all(bytes).map_err(io)
                }
            })?;
            stream.finish().map_err(png_err)?;
            writer.finish().map_err(png_err)
        }
        ImageFormat::Jpeg { quality } => {
            let mut rgb = Vec::with_capacity(w * h * 3);
            colour_bands(request, control, rows_done, ctx, |bytes| {
                rgb.extend_from_slice(bytes);
                Ok(())
            })?;
            encode_jpeg(&rgb, request.width, request.height, quality, out).map_err(SaveError::image(path))
        }
    }
}

/// Renders the request in bands of rows and hands each band's 8-bit RGB, top to bottom,
/// to `emit`; moves the progress bar.
fn colour_bands(
    request: &SaveRequest,
    control: &Control,
    rows_done: &AtomicU64,
    ctx: &egui::Context,
    mut emit: impl FnMut(&[u8]) -> Result<(), SaveError>,
) -> Result<(), SaveError> {
    let path = &request.path;
    let (w, h) = (request.width as usize, request.height as usize);
    let frame = Frame::new(request.location.view.clone(), request.width, request.height)
        .of_kind(request.location.fractal.kind());
    if frame.renders_deep(&request.location.fractal) {
        return colour_deep(request, &frame, control, rows_done, emit);
    }
    let grid = frame.grid();
    let band_rows = (BAND_PIXELS / w).clamp(2, h);
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let mut bytes = Vec::with_capacity(band_rows * w * 3);
    let mut row = 0;
    let mut last_wake = Instant::now();
    while row < h {
        let rows = band_rows.min(h - row);
        // The engine's smallest image is 2 rows: a last single row is rendered with the
        // row above it, and only its own row is kept.
        let (r0, skip) = if rows == 1 { (row - 1, 1) } else { (row, 0) };
        let sub: Grid = grid.sub_grid(0, request.width, r0 as u32, (row + rows) as u32);
        let params = Params {
            fractal: request.location.fractal,
            region: sub.region,
            width: sub.width,
            height: sub.height,
            max_iterations: request.location.max_iterations(),
            colouring: Colouring::default(),
        };
        render_into(&params, &RenderOptions::default(), control, &mut buffer).map_err(SaveError::render(path))?;
        bytes.clear();
        let start = skip * w;
        for i in start..buffer.counts().len() {
            bytes.extend_from_slice(&request.look.rgb(buffer.counts()[i], buffer.smooth_at(i)));
        }
        emit(&bytes)?;
        row += rows;
        rows_done.store(row as u64, Ordering::Relaxed);
        if last_wake.elapsed() > Duration::from_millis(100) {
            ctx.request_repaint(); // move the progress bar
            last_wake = Instant::now();
        }
    }
    Ok(())
}

/// A deep view's PNG in an engine palette, as the engine encodes it.
fn write_deep_png(
    request: &SaveRequest,
    depth: BitDepth,
    control: &Control,
    out: &mut impl std::io::Write,
) -> Result<(), SaveError> {
    let path = &request.path;
    let location = request.location.view.location();
    let l = &request.location;
    let buffer = faafo_engine::deep::render_location(
        &l.fractal,
        &location,
        request.width,
        request.height,
        l.max_iterations(),
        control,
    )
    .map_err(SaveError::render(path))?;
    let png = faafo_engine::encode_png(&buffer, &request.look.colouring, depth).map_err(SaveError::render(path))?;
    out.write_all(&png).map_err(SaveError::write(path))
}

/// [`colour_bands`] for a view past doubles: the whole image by perturbation around one
/// reference orbit (the same pixels a worker makes of the location), then its rows.
fn colour_deep(
    request: &SaveRequest,
    frame: &Frame,
    control: &Control,
    rows_done: &AtomicU64,
    mut emit: impl FnMut(&[u8]) -> Result<(), SaveError>,
) -> Result<(), SaveError> {
    let location = frame.view.location();
    let buffer = faafo_engine::deep::render_location(
        &request.location.fractal,
        &location,
        request.width,
        request.height,
        request.location.max_iterations(),
        control,
    )
    .map_err(SaveError::render(&request.path))?;
    let w = request.width as usize;
    let mut bytes = Vec::with_capacity(BAND_PIXELS * 3);
    for (band, first) in
        buffer.counts().chunks(BAND_PIXELS.max(w) / w * w).zip((0..).step_by(BAND_PIXELS.max(w) / w * w))
    {
        bytes.clear();
        for (i, count) in band.iter().enumerate() {
            bytes.extend_from_slice(&request.look.rgb(*count, buffer.smooth_at(first + i)));
        }
        emit(&bytes)?;
        rows_done.fetch_add((band.len() / w) as u64, Ordering::Relaxed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::model::colour::Gradient;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faafo-save-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn wait(job: &SaveJob) -> Result<SaveSummary, SaveError> {
        let started = Instant::now();
        loop {
            if let Some(r) = job.poll() {
                return r;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "save did not finish");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn png_size(path: &Path) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::BufReader::new(File::open(path).unwrap()));
        let reader = decoder.read_info().unwrap();
        (reader.info().width, reader.info().height)
    }

    fn request(path: PathBuf, width: u32, height: u32, look: Look) -> SaveRequest {
        SaveRequest {
            location: Location::default(),
            look,
            width,
            height,
            path,
            depth: BitDepth::Eight,
            jpeg_quality: faafo_engine::DEFAULT_JPEG_QUALITY,
        }
    }

    #[test]
    fn writes_pngs_of_the_requested_size_on_both_paths() {
        let dir = temp_dir("sizes");
        let custom = Look {
            custom: Some(Arc::new(
                Gradient::parse(
                    "name = \"bw\"\n[[stop]]\nat = 0.0\ncolour = \"#000000\"\n[[stop]]\nat = 0.5\ncolour = \"#ffffff\"",
                )
                .unwrap(),
            )),
            ..Look::default()
        };
        for (name, w, h, look) in [("engine", 300, 200, Look::default()), ("custom", 1024, 2 * 1024 + 1, custom)] {
            let path = dir.join(name);
            let job = SaveJob::start(request(path.clone(), w, h, look), egui::Context::default()).unwrap();
            let summary = wait(&job).unwrap();
            assert_eq!(summary.path, path.with_extension("png"));
            assert_eq!(png_size(&summary.path), (w, h));
            assert!(!dir.join(format!("{name}.png.part")).exists());
        }
    }

    #[test]
    fn the_extension_picks_the_format_on_both_paths() {
        let dir = temp_dir("formats");
        let custom = Look {
            custom: Some(Arc::new(
                Gradient::parse(
                    "name = \"g\"\n[[stop]]\nat = 0.0\ncolour = \"#102030\"\n[[stop]]\nat = 0.5\ncolour = \"#f0e0d0\"",
                )
                .unwrap(),
            )),
            ..Look::default()
        };
        for (name, look) in [("engine", Look::default()), ("custom", custom)] {
            let jpg = dir.join(format!("{name}.JPG"));
            let job = SaveJob::start(request(jpg.clone(), 120, 81, look.clone()), egui::Context::default()).unwrap();
            wait(&job).unwrap();
            let bytes = std::fs::read(&jpg).unwrap();
            assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "{name}: not a JPEG");
            let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (120, 81), "{name}");

            let png16 = dir.join(format!("{name}16.png"));
            let mut r = request(png16.clone(), 64, 33, look.clone());
            r.depth = BitDepth::Sixteen;
            wait(&SaveJob::start(r, egui::Context::default()).unwrap()).unwrap();
            let reader = png::Decoder::new(std::io::BufReader::new(File::open(&png16).unwrap())).read_info().unwrap();
            assert_eq!(reader.info().bit_depth, png::BitDepth::Sixteen, "{name}");
            assert_eq!((reader.info().width, reader.info().height), (64, 33));

            let gif = dir.join(format!("{name}.gif"));
            let e = SaveJob::start(request(gif.clone(), 64, 33, look), egui::Context::default()).unwrap_err();
            assert!(e.to_string().contains("unknown image type '.gif'"), "{e}");
            assert!(!gif.exists());
        }
    }

    #[test]
    fn bad_requests_are_refused_with_reasons() {
        let dir = temp_dir("bad");
        for (w, h, path, want) in [
            (0, 100, dir.join("a.png"), "width must be between 2 and 16384"),
            (100, 20000, dir.join("a.png"), "height must be between 2 and 16384"),
            (100, 100, PathBuf::new(), "type a file name"),
            (100, 100, dir.join("missing/a.png"), "does not exist"),
            (100, 100, dir.clone(), "is a folder"),
        ] {
            let e =
                SaveJob::start(request(path, w, h, Look::default()), egui::Context::default()).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        // A folder nobody may write into: /sys refuses even root.
        let job =
            SaveJob::start(request(PathBuf::from("/sys/faafo.png"), 10, 10, Look::default()), egui::Context::default());
        let e = match job {
            Ok(job) => wait(&job).unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("cannot write /sys/faafo.png"), "{e}");
    }

    #[test]
    fn cancel_leaves_no_file() {
        let dir = temp_dir("cancel");
        let path = dir.join("big.png");
        let job =
            SaveJob::start(request(path.clone(), 16384, 16384, Look::default()), egui::Context::default()).unwrap();
        job.cancel();
        assert_eq!(wait(&job).unwrap_err().to_string(), "save cancelled");
        assert!(!path.exists() && !dir.join("big.png.part").exists());
    }
}
