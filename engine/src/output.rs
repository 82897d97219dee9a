//! PNG output with its SHA-256, from memory or band by band with bounded memory.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::buffer::{EscapeBuffer, colour_rgb8, colour_rgb16_be};
use crate::control::Control;
use crate::error::RenderError;
use crate::kernel::KernelPath;
use crate::palette::Colouring;
use crate::params::Params;
use crate::render::{Prepared, RenderOptions, Window};

/// Bits per channel of the PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BitDepth {
    /// 8-bit RGB, what faafo has always produced.
    #[default]
    Eight,
    /// 16-bit RGB, for smooth gradients that will be edited further.
    Sixteen,
}

impl BitDepth {
    pub(crate) fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Eight => 3,
            Self::Sixteen => 6,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct PngSummary {
    /// Lowercase hex SHA-256 of the PNG bytes (faafo's `checksum`).
    pub sha256: String,
    /// Length of the PNG in bytes (faafo's `size`).
    pub bytes: u64,
    /// z updates performed.
    pub iterations: u64,
    /// Kernel path used.
    pub kernel: KernelPath,
    /// Time spent computing escape values (faafo's `duration` is this, not encoding).
    pub compute: Duration,
    /// Total time including colouring and encoding.
    pub total: Duration,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Forwards writes while hashing and counting them.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn encoder<W: Write>(w: W, width: u32, height: u32, depth: BitDepth) -> png::Encoder<'static, W> {
    let mut enc = png::Encoder::new(w, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(match depth {
        BitDepth::Eight => png::BitDepth::Eight,
        BitDepth::Sixteen => png::BitDepth::Sixteen,
    });
    // fdeflate-based: several times faster than zlib level 6 at a similar size for
    // these images, which keeps encoding from dominating small renders.
    enc.set_compression(png::Compression::Fast);
    enc
}

/// Writes a `width` × `height` PNG to `out` a band of `band_rows` rows at a time (the
/// last band may be shorter): `fill(first_row, rows, bytes)` puts those rows' RGB at
/// `depth` into `bytes`. Answers the file's SHA-256 (hex) and length: one streaming
/// writer for every renderer, so memory stays bounded by a band.
pub(crate) fn stream_png<W: Write>(
    out: W,
    [width, height]: [u32; 2],
    depth: BitDepth,
    band_rows: usize,
    mut fill: impl FnMut(usize, usize, &mut [u8]) -> Result<(), RenderError>,
) -> Result<(String, u64), RenderError> {
    let row_bytes = width as usize * depth.bytes_per_pixel();
    let mut bytes = vec![0u8; band_rows * row_bytes];
    let mut sink = HashingWriter { inner: out, hasher: Sha256::new(), bytes: 0 };
    {
        let mut writer = encoder(&mut sink, width, height, depth).write_header()?;
        let mut stream = writer.stream_writer_with_size(band_rows * row_bytes)?;
        let mut row = 0;
        while row < height as usize {
            let rows = band_rows.min(height as usize - row);
            let band = &mut bytes[..rows * row_bytes];
            fill(row, rows, band)?;
            stream.write_all(band)?;
            row += rows;
        }
        stream.finish()?;
    }
    sink.flush()?;
    Ok((hex(&sink.hasher.finalize()), sink.bytes))
}

/// Encodes a rendered buffer as PNG bytes.
pub fn encode_png(buffer: &EscapeBuffer, colouring: &Colouring, depth: BitDepth) -> Result<Vec<u8>, RenderError> {
    let mut data = vec![0u8; buffer.counts().len() * depth.bytes_per_pixel()];
    // Through the buffer's values, so a derivative the render kept is coloured too.
    match depth {
        BitDepth::Eight => buffer.values(colouring.mode).rgb8(colouring, &mut data),
        BitDepth::Sixteen => buffer.values(colouring.mode).rgb16_be(colouring, &mut data),
    }
    let mut out = Vec::with_capacity(data.len() / 2);
    {
        let mut writer = encoder(&mut out, buffer.width(), buffer.height(), depth).write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Pixels computed per chunk when streaming: bounds memory at about 14 bytes × this
/// (escape values + colour bytes), whatever the image size.
const STREAM_CHUNK_PIXELS: usize = 1 << 20;

/// Renders `params` and writes it as PNG to `out` one chunk of rows at a time, so memory
/// stays near 14 MiB even for a 16384 × 16384 image.
pub fn write_png<W: Write>(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    depth: BitDepth,
    out: W,
) -> Result<PngSummary, RenderError> {
    if needs_samples(params) {
        return crate::antialias::write_png_antialiased(
            params,
            None,
            params.colouring.antialias,
            options,
            control,
            depth,
            out,
        );
    }
    let started = Instant::now();
    write_prepared(&Prepared::new(params, options)?, started, control, depth, out)
}

/// [`write_png`] of `window` of the image `params` describes (a poster's tile): the same
/// pixels as that part of the whole image's PNG.
pub fn write_png_window<W: Write>(
    params: &Params,
    window: Window,
    options: &RenderOptions,
    control: &Control,
    depth: BitDepth,
    out: W,
) -> Result<PngSummary, RenderError> {
    if needs_samples(params) {
        let n = params.colouring.antialias;
        return crate::antialias::write_png_antialiased(params, Some(window), n, options, control, depth, out);
    }
    let started = Instant::now();
    write_prepared(&Prepared::window(params, window, options)?, started, control, depth, out)
}

/// Whether `params` are written through [`crate::antialias`]: supersampled, or coloured
/// with the derivative.
pub(crate) fn needs_samples(params: &Params) -> bool {
    params.colouring.antialias > 1 || params.colouring.mode.needs_derivative()
}

fn write_prepared<W: Write>(
    prepared: &Prepared,
    started: Instant,
    control: &Control,
    depth: BitDepth,
    out: W,
) -> Result<PngSummary, RenderError> {
    let params = &prepared.params;
    control.start(params.pixels());
    let width = params.width as usize;
    let height = params.height as usize;
    let chunk_rows = (STREAM_CHUNK_PIXELS / width).clamp(1, height);
    let mut counts = vec![0u32; chunk_rows * width];
    let mut norms = vec![0f32; chunk_rows * width];
    let scale = prepared.setup.smooth_scale();

    let mut iterations = 0u64;
    let mut compute = Duration::ZERO;
    let (sha256, bytes) = stream_png(out, [params.width, params.height], depth, chunk_rows, |row, rows, bytes| {
        let n = rows * width;
        let t = Instant::now();
        iterations += prepared.compute_rows(row..row + rows, &mut counts[..n], &mut norms[..n], control)?;
        compute += t.elapsed();
        match depth {
            BitDepth::Eight => colour_rgb8(&counts[..n], &norms[..n], scale, &params.colouring, bytes),
            BitDepth::Sixteen => colour_rgb16_be(&counts[..n], &norms[..n], scale, &params.colouring, bytes),
        }
        Ok(())
    })?;
    Ok(PngSummary { sha256, bytes, iterations, kernel: prepared.path, compute, total: started.elapsed() })
}
