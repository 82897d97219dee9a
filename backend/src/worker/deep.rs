//! Deep tasks: an image whose exact location is past what doubles can tell apart,
//! rendered with perturbation around one reference orbit (`faafo_engine::deep`).
//!
//! One function for the worker, the API's embedded renderer and `faafo render`, so a
//! deep image is the same pixels wherever it is made: the reference is computed from the
//! location alone and the per-pixel work is deterministic.

use std::io::Write;
use std::time::Instant;

use faafo_engine::deep::{ReferenceOrbit, render_deep_window};
use faafo_engine::location::Location;
use faafo_engine::{BitDepth, Control, EscapeBuffer, KernelPath, Params, PngSummary, RenderError, Window, sha256_hex};

/// Renders `params`' image (its size, kind, iterations and colours) at the exact
/// `location`, or only the `window` of it: a tile costs its own pixels and is the whole
/// image's pixels there, value for value.
pub fn render(
    params: &Params,
    location: &Location,
    window: Option<Window>,
    control: &Control,
) -> Result<EscapeBuffer, RenderError> {
    let orbit = ReferenceOrbit::compute(&params.fractal, location, params.max_iterations, control)?;
    let window = window.unwrap_or(Window::full(params.width, params.height));
    render_deep_window(&orbit, location, params.width, params.height, window, params.max_iterations, control)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use faafo_engine::Fractal;
    use faafo_engine::location::{Center, Scale};

    use super::*;

    #[test]
    fn a_deep_tile_is_the_whole_images_pixels_there() {
        let re = format!("0.{}123", "0".repeat(100));
        let location = Location::new(Center::parse(&re, "1.0").unwrap(), Scale::parse("3.25e-100").unwrap());
        let (width, height) = (30, 20);
        let params = Params {
            fractal: Fractal::Mandelbrot,
            width,
            height,
            max_iterations: 2000,
            region: location.region(width, height),
            colouring: faafo_engine::Colouring::default(),
        };
        let control = Control::new();
        let whole = render(&params, &location, None, &control).unwrap();
        let w = Window { x: 13, y: 7, width: 17, height: 9 };
        let tile = render(&params, &location, Some(w), &control).unwrap();
        assert_eq!((tile.width(), tile.height()), (17, 9));
        for row in 0..w.height {
            let from = ((w.y + row) * width + w.x) as usize;
            let to = (row * w.width) as usize;
            let n = w.width as usize;
            assert_eq!(tile.counts()[to..to + n], whole.counts()[from..from + n], "row {row}");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&tile.norms()[to..to + n]), bits(&whole.norms()[from..from + n]), "row {row}");
        }
        let distinct: std::collections::BTreeSet<u32> = tile.counts().iter().copied().collect();
        assert!(distinct.len() > 3, "a picture, not a flat field: {distinct:?}");
    }
}
