//! Rendering plumbing: PNG output, streaming with bounded memory, cancellation,
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! progress, progressive previews, recolouring without recomputing.

use std::io::Cursor;

use faafo_engine::{
    BitDepth, Colouring, Complex64, Control, Fractal, Palette, Params, RenderError, RenderOptions, encode_png, render,
    render_progressive, sha256_hex, write_png,
};

fn view(w: u32, h: u32) -> Params {
    Params::from_center_scale(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, w, h, 200)
}

fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    buf.truncate(info.buffer_size());
    (info, buf)
}

#[test]
fn streamed_png_has_the_same_pixels_as_the_in_memory_render() {
    // 300 rows over several chunks and bands; odd width to exercise partial vectors.
    let p = view(1001, 300);
    let r = render(&p, &RenderOptions::default(), &Control::new()).unwrap();
    let in_memory = encode_png(&r.buffer, &p.colouring, BitDepth::Eight).unwrap();
    let mut streamed = Vec::new();
    let summary = write_png(&p, &RenderOptions::default(), &Control::new(), BitDepth::Eight, &mut streamed).unwrap();
    assert_eq!(summary.sha256, sha256_hex(&streamed));
    assert_eq!(summary.bytes, streamed.len() as u64);
    assert_eq!(summary.iterations, r.stats.iterations);
    let (a_info, a) = decode(&in_memory);
    let (b_info, b) = decode(&streamed);
    assert_eq!((a_info.width, a_info.height), (1001, 300));
    assert_eq!((b_info.width, b_info.height), (1001, 300));
    assert_eq!(a, b);
    assert_eq!(a, r.buffer.to_rgb8(&p.colouring));
}

#[test]
fn sixteen_bit_png() {
    let p = view(64, 48);
    let mut out = Vec::new();
    write_png(&p, &RenderOptions::default(), &Control::new(), BitDepth::Sixteen, &mut out).unwrap();
    let (info, data) = decode(&out);
    assert_eq!(info.bit_depth, png::BitDepth::Sixteen);
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(data.len(), 64 * 48 * 6);
    // The high bytes are the 8-bit image's values (give or take rounding).
    let eight = render(&p, &RenderOptions::default(), &Control::new()).unwrap().buffer.to_rgb8(&p.colouring);
    let close = data.chunks(2).zip(&eight).filter(|(hi, lo)| (i32::from(hi[0]) - i32::from(**lo)).abs() <= 1).count();
    assert_eq!(close, eight.len());
}

#[test]
fn cancelled_render_stops_with_cancelled() {
    let control = Control::new();
    control.cancel();
    let err = render(&view(640, 480), &RenderOptions::default(), &control).unwrap_err();
    assert!(matches!(err, RenderError::Cancelled), "{err}");
    let err = write_png(&view(640, 480), &RenderOptions::default(), &control, BitDepth::Eight, std::io::sink());
    assert!(matches!(err, Err(RenderError::Cancelled)));
}

#[test]
fn progress_reaches_one() {
    let control = Control::new();
    render(&view(320, 200), &RenderOptions::default(), &control).unwrap();
    assert_eq!(control.progress(), 1.0);
    assert_eq!(control.done_pixels(), 320 * 200);
}

#[test]
fn progressive_gives_a_preview_then_the_full_image() {
    let mut stages = Vec::new();
    let full = render_progressive(&view(400, 300), &RenderOptions::default(), &Control::new(), |r, last| {
        stages.push((r.buffer.width(), r.buffer.height(), last));
    })
    .unwrap();
    assert_eq!(stages, [(100, 75, false), (400, 300, true)]);
    assert_eq!(full.buffer.width(), 400);
}

#[test]
fn recolouring_needs_no_recompute_and_changes_pixels() {
    let p = view(120, 90);
    let r = render(&p, &RenderOptions::default(), &Control::new()).unwrap();
    let ultra = r.buffer.to_rgb8(&Colouring::default());
    let fire = r.buffer.to_rgb8(&Colouring { palette: Palette::Fire, ..Colouring::default() });
    assert_ne!(ultra, fire);
    let interior_white = r.buffer.to_rgb8(&Colouring { interior: [255, 255, 255], ..Colouring::default() });
    // The centre of the main cardioid is interior.
    let centre = r.buffer.width() as usize * 45 + 71;
    assert!(r.buffer.is_interior(71, 45));
    assert_eq!(&interior_white[centre * 3..centre * 3 + 3], &[255, 255, 255]);
    assert_eq!(&ultra[centre * 3..centre * 3 + 3], &[0, 0, 0]);
    // Smooth values grow with the escape count and stay within one band of it.
    for i in 0..r.buffer.counts().len() {
        let s = r.buffer.smooth_at(i);
        if s >= 0.0 {
            let c = r.buffer.counts()[i] as f32;
            assert!(s >= c - 1.0 && s <= c + 1.0, "pixel {i}: smooth {s} count {c}");
        }
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// An 8192 × 8192 image would need 512 MiB of escape values plus 192 MiB of colours at
/// once; streamed, the peak grows by far less.
#[cfg(target_os = "linux")]
#[test]
fn large_png_streams_in_bounded_memory() {
    let p = Params {
        // Far outside the set: every pixel escapes at once, so the test measures the
        // plumbing, not the kernels.
        region: faafo_engine::Region::new(10.0, 11.0, 10.0, 11.0),
        ..view(8192, 8192)
    };
    let before = peak_rss_kib();
    let summary = write_png(&p, &RenderOptions::default(), &Control::new(), BitDepth::Eight, std::io::sink()).unwrap();
    let grown_mib = (peak_rss_kib() - before) / 1024;
    assert!(summary.bytes > 0);
    assert!(grown_mib < 64, "peak memory grew by {grown_mib} MiB");
}

#[test]
fn bad_parameters_are_rejected_before_work() {
    let cases = [
        (Params { width: 0, ..view(10, 10) }, "width"),
        (Params { max_iterations: 0, ..view(10, 10) }, "iterations"),
        (Params { fractal: Fractal::Multibrot { power: 99 }, ..view(10, 10) }, "power"),
        (Params { fractal: Fractal::Julia { c: Complex64::new(f64::INFINITY, 0.0) }, ..view(10, 10) }, "c.re"),
    ];
    for (p, name) in cases {
        let e = render(&p, &RenderOptions::default(), &Control::new()).unwrap_err().to_string();
        assert!(e.contains(name), "{e:?} should name {name}");
    }
}

/// The example parameter files in assets/ parse and render.
#[cfg(feature = "serde")]
#[test]
fn example_parameter_files_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let p: Params = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        p.validate(&faafo_engine::Limits::default()).unwrap();
        let small = p.with_size(64, 48);
        render(&small, &RenderOptions::default(), &Control::new()).unwrap();
        seen += 1;
    }
    assert!(seen >= 2, "found {seen} example files in {}", dir.display());
}

/// A reused buffer gives the same pixels as a fresh one, across size changes.
#[test]
fn render_into_reuses_a_buffer_across_sizes() {
    let mut buffer = faafo_engine::EscapeBuffer::new(0, 0, faafo_engine::SmoothScale::default());
    for (w, h) in [(300, 200), (64, 48), (301, 199)] {
        let p = view(w, h);
        let stats = faafo_engine::render_into(&p, &RenderOptions::default(), &Control::new(), &mut buffer).unwrap();
        let fresh = render(&p, &RenderOptions::default(), &Control::new()).unwrap();
        assert_eq!((buffer.width(), buffer.height()), (w, h));
        assert_eq!(buffer, fresh.buffer);
        assert_eq!(stats.iterations, fresh.stats.iterations);
    }
}
