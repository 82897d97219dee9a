//! Deep tasks: an image whose exact location is past what doubles can tell apart,
//! rendered with perturbation around one reference orbit (`faafo_engine::deep`).
//!
//! One function for the worker, the API's embedded renderer and `faafo render`, so a
//! deep image is the same pixels wherever it is made: the reference is computed from the
//! location alone and the per-pixel work is deterministic.

use std::io::Write;
use std::time::Instant;

use faafo_engine::deep::{ReferenceOrbit, render_deep};
use faafo_engine::location::Location;
use faafo_engine::{BitDepth, Control, EscapeBuffer, KernelPath, Params, PngSummary, RenderError, Window, sha256_hex};

/// Renders `params`' image (its size, kind, iterations and colours) at the exact
/// `location`, or the `window` of it, to escape values.
pub fn render(
    params: &Params,
    location: &Location,
    window: Option<Window>,
    control: &Control,
) -> Result<EscapeBuffer, RenderError> {
    let orbit = ReferenceOrbit::compute(&params.fractal, location, params.max_iterations, control)?;
    let whole = render_deep(&orbit, location, params.width, params.height, params.max_iterations, control)?;
    Ok(match window {
        None => whole,
        Some(w) => crop(&whole, w),
    })
}

/// Renders as [`render`] does and writes the PNG to `out`, with what it cost.
pub fn write_png<W: Write>(
    params: &Params,
    location: &Location,
    window: Option<Window>,
    depth: BitDepth,
    control: &Control,
    mut out: W,
) -> Result<PngSummary, RenderError> {
    let started = Instant::now();
    let buffer = render(params, location, window, control)?;
    let compute = started.elapsed();
    let png = faafo_engine::encode_png(&buffer, &params.colouring, depth)?;
    out.write_all(&png)?;
    Ok(PngSummary {
        sha256: sha256_hex(&png),
        bytes: png.len() as u64,
        iterations: 0,
        kernel: KernelPath::detect(),
        compute,
        total: started.elapsed(),
    })
}

/// The `window` of a whole image's escape values.
fn crop(whole: &EscapeBuffer, w: Window) -> EscapeBuffer {
    let mut tile = EscapeBuffer::new(w.width, w.height, whole.smooth_scale());
    let stride = whole.width() as usize;
    let (counts, norms) = tile.planes_mut();
    for row in 0..w.height as usize {
        let from = (w.y as usize + row) * stride + w.x as usize;
        let to = row * w.width as usize;
        counts[to..to + w.width as usize].copy_from_slice(&whole.counts()[from..from + w.width as usize]);
        norms[to..to + w.width as usize].copy_from_slice(&whole.norms()[from..from + w.width as usize]);
    }
    tile
}
