//! Saves end to end on a thread: sizes, formats by extension, refusals with reasons, and
//! cancel leaving no file.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use faafo_engine::BitDepth;

use super::{SaveError, SaveJob, SaveRequest, SaveSummary};
use crate::model::colour::{Gradient, Look};
use crate::model::location::Location;

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
        let e = SaveJob::start(request(path, w, h, Look::default()), egui::Context::default()).unwrap_err().to_string();
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
    let job = SaveJob::start(request(path.clone(), 16384, 16384, Look::default()), egui::Context::default()).unwrap();
    job.cancel();
    assert_eq!(wait(&job).unwrap_err().to_string(), "save cancelled");
    assert!(!path.exists() && !dir.join("big.png.part").exists());
}

/// The RGB samples of a PNG, widened to 16 bits per channel (8-bit c as c·257).
fn png_samples(path: &Path) -> (png::BitDepth, Vec<u16>) {
    let mut reader = png::Decoder::new(std::io::BufReader::new(File::open(path).unwrap())).read_info().unwrap();
    let mut data = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut data).unwrap();
    data.truncate(info.buffer_size());
    let samples = match info.bit_depth {
        png::BitDepth::Sixteen => data.chunks_exact(2).map(|b| u16::from_be_bytes([b[0], b[1]])).collect(),
        _ => data.iter().map(|&b| u16::from(b) * 257).collect(),
    };
    (info.bit_depth, samples)
}

#[test]
fn a_palette_file_save_keeps_the_colouring_mode_and_antialiasing() {
    use faafo_engine::{Colouring, ColouringMode};
    let dir = temp_dir("palette-modes");
    let gradient = Arc::new(
        Gradient::parse(
            "name = \"bw\"\n[[stop]]\nat = 0.0\ncolour = \"#000000\"\n[[stop]]\nat = 0.5\ncolour = \"#ffffff\"",
        )
        .unwrap(),
    );
    let look = |mode, antialias| Look {
        colouring: Colouring { mode, antialias, cycle_iterations: 16.0, ..Colouring::default() },
        custom: Some(Arc::clone(&gradient)),
    };
    let save = |name: &str, look: Look, depth| {
        let mut r = request(dir.join(name), 96, 64, look);
        r.depth = depth;
        wait(&SaveJob::start(r, egui::Context::default()).unwrap()).unwrap();
        png_samples(&dir.join(name))
    };
    let (_, plain) = save("plain.png", look(ColouringMode::Escape, 1), BitDepth::Eight);
    let (_, lit) = save("lit.png", look(ColouringMode::Lighting, 1), BitDepth::Eight);
    let (_, smooth) = save("aa.png", look(ColouringMode::Escape, 3), BitDepth::Eight);
    let (depth, deep) = save("sixteen.png", look(ColouringMode::Escape, 3), BitDepth::Sixteen);

    let differing = |a: &[u16], b: &[u16]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    // Lighting shades the exterior: many samples change; the black interior does not.
    assert!(differing(&plain, &lit) > plain.len() / 10, "lighting was ignored");
    let black_pixels = |s: &[u16]| s.chunks_exact(3).filter(|p| p.iter().all(|&v| v == 0)).count();
    assert!(black_pixels(&lit) >= black_pixels(&plain), "the interior stays the interior colour");
    // Antialiasing averages 3×3 samples: the picture changes, its mean brightness hardly.
    assert!(differing(&plain, &smooth) > plain.len() / 10, "antialiasing was ignored");
    let mean = |s: &[u16]| s.iter().map(|&v| f64::from(v)).sum::<f64>() / s.len() as f64;
    assert!((mean(&plain) - mean(&smooth)).abs() < 0.1 * 65535.0, "{} vs {}", mean(&plain), mean(&smooth));
    // A 16-bit file keeps the averages' precision rather than widening 8-bit colours.
    assert_eq!(depth, png::BitDepth::Sixteen);
    assert!(deep.iter().any(|v| v % 257 != 0), "16-bit samples are only widened 8-bit colours");
    let rounded: Vec<u16> = deep.iter().map(|&v| ((f64::from(v) / 257.0).round() as u16) * 257).collect();
    assert!(differing(&rounded, &smooth) < smooth.len() / 100, "8- and 16-bit files show the same picture");
}
