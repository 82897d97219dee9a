//! The explorer's own pictures: a palette-file gradient (or a deep view in any format but
//! an engine-palette PNG) rendered in bands of rows, coloured here and fed to the PNG or
//! JPEG encoder, and a deep view's engine-palette PNG as the engine encodes it. Apart
//! from the job so the band and encoder bookkeeping does not hide what a save does.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use faafo_engine::{
    BitDepth, Colouring, Control, EscapeBuffer, ImageFormat, Params, RenderOptions, SmoothScale, encode_jpeg,
    render_into,
};

use super::{SaveError, SaveRequest};
use crate::model::view::{Frame, Grid};

/// Pixels per band on the palette-file path (the engine's path has its own, equal bound).
const BAND_PIXELS: usize = 1 << 20;

/// The palette-file path: bands of rows rendered, coloured by the explorer and written
/// in `format`.
pub(super) fn write_banded(
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
pub(super) fn write_deep_png(
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
