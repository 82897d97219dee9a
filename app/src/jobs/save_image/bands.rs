//! The explorer's own pictures: a palette-file gradient (or a deep view in any format but
//! an engine-palette PNG) rendered in bands of rows, coloured here and fed to the PNG or
//! JPEG encoder, and a deep view's engine-palette PNG as the engine encodes it. Apart
//! from the job so the band and encoder bookkeeping does not hide what a save does.

use std::io::Write as _;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use faafo_engine::antialias::{ColourSum, sample_offsets};
use faafo_engine::{
    BitDepth, Control, EscapeBuffer, ImageFormat, Params, RenderOptions, SmoothScale, encode_jpeg, render_sample_into,
};
use rayon::prelude::*;

use super::{SaveError, SaveRequest};
use crate::model::colour::Look;
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
            colour_bands(request, depth, control, rows_done, ctx, |bytes| stream.write_all(bytes).map_err(io))?;
            stream.finish().map_err(png_err)?;
            writer.finish().map_err(png_err)
        }
        ImageFormat::Jpeg { quality } => {
            let mut rgb = Vec::with_capacity(w * h * 3);
            colour_bands(request, BitDepth::Eight, control, rows_done, ctx, |bytes| {
                rgb.extend_from_slice(bytes);
                Ok(())
            })?;
            encode_jpeg(&rgb, request.width, request.height, quality, out).map_err(SaveError::image(path))
        }
    }
}

/// Renders the request in bands of rows and hands each band's RGB, top to bottom, to
/// `emit`: 3 bytes a pixel, or 6 (16-bit big-endian) for `depth` sixteen. Each band is
/// the average colour of the look's antialiasing samples (the engine's jitter, so the
/// file matches `faafo render --antialias`), shaded by its colouring mode; one sample in
/// escape mode is the plain escape colour. Moves the progress bar.
fn colour_bands(
    request: &SaveRequest,
    depth: BitDepth,
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
        return colour_deep(request, &frame, depth, control, rows_done, emit);
    }
    let grid = frame.grid();
    let look = &request.look;
    let offsets = sample_offsets(look.colouring.antialias.max(1));
    let band_rows = (BAND_PIXELS / w).clamp(2, h);
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let mut channels = Vec::with_capacity(band_rows * w);
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
            colouring: look.colouring,
        };
        let mut sum = ColourSum::new(rows * w);
        for &offset in &offsets {
            render_sample_into(&params, offset, &RenderOptions::default(), control, &mut buffer)
                .map_err(SaveError::render(path))?;
            sample_channels(look, &buffer, skip * w..buffer.counts().len(), &mut channels);
            sum.add(&channels);
        }
        emit(&sum.to_bytes(depth))?;
        row += rows;
        rows_done.store(row as u64, Ordering::Relaxed);
        if last_wake.elapsed() > Duration::from_millis(100) {
            ctx.request_repaint(); // move the progress bar
            last_wake = Instant::now();
        }
    }
    Ok(())
}

/// The colour channels of `buffer`'s pixels `range`, in `look`, into `out`.
fn sample_channels(look: &Look, buffer: &EscapeBuffer, range: Range<usize>, out: &mut Vec<[f32; 3]>) {
    const CHUNK: usize = 8192;
    let (counts, norms) = (&buffer.counts()[range.clone()], &buffer.norms()[range.clone()]);
    let derivatives = buffer.pair_for(look.colouring.mode).map(|d| &d[range]);
    let scale = buffer.smooth_scale();
    out.resize(counts.len(), [0.0; 3]);
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(k, o)| {
        for (i, px) in o.iter_mut().enumerate() {
            let j = k * CHUNK + i;
            let (count, norm) = (counts[j], norms[j]);
            *px = look.channels_at(count, scale.smooth(count, norm), norm, derivatives.map(|d| d[j]));
        }
    });
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
    depth: BitDepth,
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
    let band = BAND_PIXELS.max(w) / w * w;
    let mut channels = Vec::with_capacity(band);
    for first in (0..buffer.counts().len()).step_by(band) {
        let pixels = band.min(buffer.counts().len() - first);
        sample_channels(&request.look, &buffer, first..first + pixels, &mut channels);
        let mut sum = ColourSum::new(pixels);
        sum.add(&channels);
        emit(&sum.to_bytes(depth))?;
        rows_done.fetch_add((pixels / w) as u64, Ordering::Relaxed);
    }
    Ok(())
}
