//! A poster's tiles, rendered one window at a time, are the whole image cut up: pixel for
//! pixel, on every kind and kernel path this CPU has.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use faafo_engine::{
    BitDepth, Complex64, Control, Fractal, KernelPath, Limits, Params, RenderOptions, Window, render, render_window,
    write_png, write_png_window,
};

fn params(fractal: Fractal, width: u32, height: u32) -> Params {
    Params::from_center_scale(fractal, Complex64::new(-0.74, 0.12), 0.05, width, height, 400)
}

fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn tiles_are_the_whole_image_cut_up() {
    let fractals = [
        Fractal::Mandelbrot,
        Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
        Fractal::BurningShip,
        Fractal::Multibrot { power: 3 },
        Fractal::Classic { c: Complex64::new(0.285, 0.01) },
    ];
    let paths = [Some(KernelPath::Scalar), None];
    for fractal in fractals {
        for kernel in paths {
            let p = params(fractal, 203, 157);
            let options = RenderOptions { kernel, ..RenderOptions::default() };
            let whole = render(&p, &options, &Control::new()).unwrap().buffer;
            for tile in Window::grid(203, 157, 3, 2) {
                let part = render_window(&p, tile, &options, &Control::new()).unwrap().buffer;
                assert_eq!((part.width(), part.height()), (tile.width, tile.height));
                for y in 0..tile.height {
                    for x in 0..tile.width {
                        let i = (y * tile.width + x) as usize;
                        let j = ((tile.y + y) * 203 + tile.x + x) as usize;
                        assert_eq!(
                            (part.counts()[i], part.norms()[i].to_bits()),
                            (whole.counts()[j], whole.norms()[j].to_bits()),
                            "{fractal:?} {kernel:?} {tile:?} at ({x}, {y})"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn tile_pngs_decode_to_the_whole_pngs_pixels() {
    let p = params(Fractal::Mandelbrot, 160, 90);
    let options = RenderOptions::default();
    let mut whole = Vec::new();
    write_png(&p, &options, &Control::new(), BitDepth::Eight, &mut whole).unwrap();
    let (_, _, whole) = decode(&whole);
    for tile in Window::grid(160, 90, 4, 4) {
        let mut png = Vec::new();
        write_png_window(&p, tile, &options, &Control::new(), BitDepth::Eight, &mut png).unwrap();
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), (tile.width, tile.height));
        for y in 0..h as usize {
            let start = ((tile.y as usize + y) * 160 + tile.x as usize) * 3;
            assert_eq!(&rgb[y * w as usize * 3..(y + 1) * w as usize * 3], &whole[start..start + w as usize * 3]);
        }
    }
}

#[test]
fn a_poster_larger_than_the_pixel_cap_renders_by_the_window() {
    let p = params(Fractal::Mandelbrot, 65_536, 36_864);
    assert!(p.validate(&Limits::default()).is_err(), "too many pixels for one render");
    let tile = Window { x: 30_000, y: 20_000, width: 64, height: 48 };
    let part = render_window(&p, tile, &RenderOptions::default(), &Control::new()).unwrap();
    assert_eq!(part.buffer.width(), 64);
    // Outside the image, or empty: named errors.
    for (bad, field) in [
        (Window { x: 65_535, ..tile }, "tile_x"),
        (Window { width: 1, ..tile }, "tile_width"),
        (Window { height: 20_000, ..tile }, "tile_height"),
    ] {
        let e = render_window(&p, bad, &RenderOptions::default(), &Control::new()).unwrap_err();
        assert!(e.to_string().contains(field), "{bad:?}: {e}");
    }
    let huge = params(Fractal::Mandelbrot, 70_000, 100);
    let e = render_window(&huge, Window::full(64, 64), &RenderOptions::default(), &Control::new()).unwrap_err();
    assert!(e.to_string().contains("width"), "{e}");
}

#[test]
fn grids_cover_the_image_exactly() {
    let tiles = Window::grid(1001, 7, 4, 3);
    assert_eq!(tiles.len(), 12);
    assert_eq!(tiles.iter().map(Window::pixels).sum::<u64>(), 1001 * 7);
    assert_eq!(tiles[3], Window { x: 750, y: 0, width: 251, height: 2 });
    assert_eq!(tiles[11].y + tiles[11].height, 7);
}
