//! Windowed deep renders: a poster's tiles rendered alone must be the whole deep image
//! put back together, value for value, so a deep poster is the image `render_deep`
//! makes whatever its tiling.

#![allow(clippy::unwrap_used)]

use faafo_engine::deep::{ReferenceOrbit, render_deep, render_deep_window};
use faafo_engine::location::{Center, Location, Scale};
use faafo_engine::{Control, EscapeBuffer, Fractal, ParamError, RenderError, Window};

const ITERATIONS: u32 = 2000;

/// A view 3.25e-100 wide near c = i, where the set has structure at every depth.
fn deep_view() -> Location {
    let re = format!("0.{}123", "0".repeat(100));
    Location::new(Center::parse(&re, "1.0").unwrap(), Scale::parse("3.25e-100").unwrap())
}

/// Copies `tile`'s values into `whole` at `w`'s place.
fn paste(whole_counts: &mut [u32], whole_norms: &mut [f32], width: u32, tile: &EscapeBuffer, w: Window) {
    assert_eq!((tile.width(), tile.height()), (w.width, w.height));
    for row in 0..w.height as usize {
        let to = (w.y as usize + row) * width as usize + w.x as usize;
        let from = row * w.width as usize;
        let n = w.width as usize;
        whole_counts[to..to + n].copy_from_slice(&tile.counts()[from..from + n]);
        whole_norms[to..to + n].copy_from_slice(&tile.norms()[from..from + n]);
    }
}

fn assemble(
    orbit: &ReferenceOrbit,
    location: &Location,
    width: u32,
    height: u32,
    columns: u32,
    rows: u32,
) -> (Vec<u32>, Vec<f32>) {
    let control = Control::new();
    let mut counts = vec![u32::MAX; (width * height) as usize];
    let mut norms = vec![f32::NAN; (width * height) as usize];
    for w in Window::grid(width, height, columns, rows) {
        let tile = render_deep_window(orbit, location, width, height, w, ITERATIONS, &control).unwrap();
        paste(&mut counts, &mut norms, width, &tile, w);
    }
    (counts, norms)
}

#[test]
fn tiles_of_a_deep_view_are_the_whole_image() {
    let location = deep_view();
    let (width, height) = (41, 29);
    let control = Control::new();
    let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, ITERATIONS, &control).unwrap();
    let whole = render_deep(&orbit, &location, width, height, ITERATIONS, &control).unwrap();
    // A picture with structure, so misplaced pixels would show.
    let distinct: std::collections::BTreeSet<u32> = whole.counts().iter().copied().collect();
    assert!(distinct.len() > 10, "{distinct:?}");
    // Uneven 2 × 2 tiles, and a single column of 3 (rows offset only).
    for (columns, rows) in [(2, 2), (1, 3)] {
        let (counts, norms) = assemble(&orbit, &location, width, height, columns, rows);
        assert_eq!(counts, whole.counts(), "{columns}x{rows} tiles: escape counts");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&norms), bits(whole.norms()), "{columns}x{rows} tiles: |z|² at escape");
    }
    // A fresh orbit per tile (as each worker computes its own) gives the same pixels.
    let w = Window { x: 20, y: 14, width: 21, height: 15 };
    let fresh = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, ITERATIONS, &control).unwrap();
    let tile = render_deep_window(&fresh, &location, width, height, w, ITERATIONS, &control).unwrap();
    let expected: Vec<u32> = (w.y..w.y + w.height)
        .flat_map(|r| (w.x..w.x + w.width).map(move |c| (r * width + c) as usize))
        .map(|i| whole.counts()[i])
        .collect();
    assert_eq!(tile.counts(), expected.as_slice());
}

#[test]
fn a_window_outside_the_image_is_refused_by_field() {
    let location = deep_view();
    let control = Control::new();
    let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, 50, &control).unwrap();
    let cases = [
        (Window { x: 30, y: 0, width: 20, height: 10 }, "tile_width"),
        (Window { x: 0, y: 0, width: 10, height: 1 }, "tile_height"),
        (Window { x: 39, y: 0, width: 2, height: 2 }, "tile_x"),
    ];
    for (w, field) in cases {
        match render_deep_window(&orbit, &location, 40, 30, w, 50, &control) {
            Err(RenderError::Params(ParamError::OutOfRange { name, .. })) => assert_eq!(name, field, "{w:?}"),
            other => panic!("{w:?}: {other:?}"),
        }
    }
}
