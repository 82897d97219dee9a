//! The `faafo` binary's local verbs, run as a user would run them: render (its kinds,
//! seeds, bad input, depth, output formats by extension, antialiasing and colourings,
//! byte for byte what the engine makes) and bench.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Command, Output};

use faafo_engine::antialias::write_png_antialiased;
use faafo_engine::{BitDepth, Colouring, ColouringMode, Complex64, Control, Fractal, Light, Params, RenderOptions};

fn faafo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faafo")).args(args).output().expect("run faafo")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faafo-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn field<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout.lines().find_map(|l| l.strip_prefix(key)).map(str::trim).unwrap_or_else(|| panic!("no {key} in {stdout}"))
}

#[test]
fn render_classic_writes_png_and_prints_its_checksum() {
    let out = tmp("classic.png");
    let o = faafo(&[
        "render",
        "--kind",
        "classic",
        "--width",
        "649",
        "--height",
        "869",
        "--iterations",
        "362",
        "--xa",
        "-1.77488588389",
        "--xb",
        "3.08249829401",
        "--ya",
        "-1.31213919301",
        "--yb",
        "1.95281690897",
        "--c",
        "0.285,0.01",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(field(&stdout, "checksum:"), faafo_engine::sha256_hex(&bytes));
    assert_eq!(field(&stdout, "size:"), format!("{} bytes", bytes.len()));
    assert_eq!(field(&stdout, "c:"), "0.285,0.01");
}

#[test]
fn classic_seed_reproduces_c_and_image() {
    let (a, b) = (tmp("seed-a.png"), tmp("seed-b.png"));
    let run = |p: &PathBuf| {
        let o = faafo(&[
            "render",
            "--kind",
            "classic",
            "--width",
            "120",
            "--height",
            "90",
            "--seed",
            "1234",
            "-o",
            p.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (sa, sb) = (run(&a), run(&b));
    assert_eq!(field(&sa, "c:"), field(&sb, "c:"));
    assert_eq!(field(&sa, "checksum:"), field(&sb, "checksum:"));
    assert!(field(&sa, "seed:").starts_with("1234 "));
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn every_kind_renders_by_centre_and_scale() {
    for kind in ["mandelbrot", "julia", "burning-ship", "multibrot", "classic"] {
        let out = tmp(&format!("{kind}.png"));
        let o = faafo(&[
            "render",
            "--kind",
            kind,
            "--width",
            "64",
            "--height",
            "48",
            "--center",
            "-0.5,0.1",
            "--scale",
            "3",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::metadata(&out).unwrap().len() > 100);
    }
}

#[test]
fn bad_input_is_one_clear_line_and_exit_code_2() {
    let out = tmp("bad.png");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["render", "--width", "0", "-o", out], "width must be between 2"),
        (&["render", "--iterations", "0", "-o", out], "iterations must be between 1"),
        (&["render", "--xa", "1", "--xb", "-1", "--ya", "0", "--yb", "1", "-o", out], "xa must be less than xb"),
        (&["render", "--xa", "NaN", "--xb", "1", "--ya", "0", "--yb", "1", "-o", out], "xa must be a finite number"),
        (&["render", "--width", "100000", "--height", "100000", "-o", out], "over the cap"),
        (&["render", "--kind", "newton", "-o", out], "unknown kind 'newton'"),
        (&["render", "--palette", "plasma", "-o", out], "unknown palette 'plasma'"),
    ];
    for (args, want) in cases {
        let o = faafo(args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr:?} should contain {want:?}");
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
    }
    assert!(!std::path::Path::new(out).exists(), "no file is left behind on bad input");
}

#[test]
fn bench_prints_the_figures_as_json() {
    let o = faafo(&["bench", "--scene", "classic", "--repeat", "1", "--json", "--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let row: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    for key in ["kernel", "threads", "width", "height", "max_iterations", "iterations", "cpu_ms", "wall_ms", "checksum"]
    {
        assert!(row.get(key).is_some(), "missing {key} in {row}");
    }
    assert_eq!(row["width"], 649);
    let rate = row["giga_iterations_per_cpu_second"].as_f64().unwrap();
    let peak = row["peak_giga_lane_iterations_per_cpu_second"].as_f64().unwrap();
    assert!(rate > 0.0 && peak > rate, "the scene runs below the machine's peak: {row}");
    assert!((row["percent_of_peak"].as_f64().unwrap() - 100.0 * rate / peak).abs() < 0.01);
    // On more threads the peak runs follow the timed runs; the share is still given.
    let o = faafo(&["bench", "--scene", "classic", "--repeat", "1", "--json", "--threads", "2"]);
    let two: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(two["threads"], 2);
    let rate = two["giga_iterations_per_cpu_second"].as_f64().unwrap();
    let peak = two["peak_giga_lane_iterations_per_cpu_second"].as_f64().unwrap();
    assert!((two["percent_of_peak"].as_f64().unwrap() - 100.0 * rate / peak).abs() < 0.01, "{two}");
    assert_eq!(two["checksum"], row["checksum"]);
    let o = faafo(&["bench", "--peak", "--json", "--kernel", "scalar"]);
    let peak: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(peak["kernel"], "scalar");
    assert!(peak["peak_giga_lane_iterations_per_cpu_second"].as_f64().unwrap() > 0.0);
    // The classic scene's escape counts are the original's: the checksum is the prefix of
    // the Python oracle's hash (engine/tests/data/classic_counts.sha256).
    let oracle = include_str!("../../engine/tests/data/classic_counts.sha256");
    assert!(oracle.starts_with(row["checksum"].as_str().unwrap()));
    let o = faafo(&["bench", "--scene", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown scene 'nope'; allowed: standard"));
}

/// A view 2.5e-1000 wide next to the Misiurewicz point i (spirals at every depth), given
/// exactly on the command line: rendered with perturbation, a picture and not a flat field.
#[test]
fn render_reaches_1e_1000_from_the_command_line() {
    let out = tmp("deep-1e-1000.png");
    let center = format!("0.{}123,1", "0".repeat(1000));
    let o = faafo(&[
        "render",
        "--kind",
        "mandelbrot",
        "--width",
        "48",
        "--height",
        "32",
        "--iterations",
        "6000",
        "--center",
        &center,
        "--scale",
        "2.5e-1000",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    let location = field(&stdout, "location:");
    let (re, im) = center.split_once(',').unwrap();
    let exact = faafo_engine::location::Center::parse(re, im).unwrap();
    assert!(location.contains("scale=2.5e-1000") && location.contains(&exact.to_string()), "{location}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(field(&stdout, "checksum:"), faafo_engine::sha256_hex(&bytes));
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let colours: std::collections::BTreeSet<&[u8]> = pixels[..info.buffer_size()].chunks(3).collect();
    assert!(colours.len() > 10, "{} colours: a flat picture", colours.len());

    // Kinds without a deep path render their doubles as far as those go, then say so.
    let o = faafo(&[
        "render",
        "--kind",
        "burning-ship",
        "--width",
        "64",
        "--height",
        "48",
        "--center",
        "-1.7,0.02",
        "--scale",
        "1e-11",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = faafo(&[
        "render",
        "--kind",
        "burning-ship",
        "--center",
        "-1.7,0.02",
        "--scale",
        "1e-300",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("burning-ship cannot be rendered this deep") && stderr.contains("mandelbrot"), "{stderr}");

    // A bad exact number is one clear line.
    let o = faafo(&["render", "--center", "0.1.2,1", "--scale", "1e-500", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--center"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = faafo(&["render", "--center", "0,1", "--scale", "tiny", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--scale"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `faafo render -o NAME`: the extension picks the format.
const FORMATS_VIEW: [&str; 8] = ["--width", "120", "--height", "80", "--iterations", "200", "--scale", "3"];

#[test]
fn a_jpg_name_gets_a_jpeg_of_the_same_picture() {
    let (png, jpg) = (tmp("a.png"), tmp("a.JPG"));
    let run = |out: &PathBuf, extra: &[&str]| {
        let mut args = vec!["render"];
        args.extend(FORMATS_VIEW);
        args.extend(extra);
        args.extend(["-o", out.to_str().unwrap()]);
        let o = faafo(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    run(&png, &[]);
    let stdout = run(&jpg, &["--jpeg-quality", "95"]);
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "not a JPEG");
    assert_eq!(field(&stdout, "checksum:"), faafo_engine::sha256_hex(&bytes), "the checksum is the file's");
    assert_eq!(field(&stdout, "size:"), format!("{} bytes", bytes.len()));
    // The same picture as the PNG, up to JPEG's loss.
    let jpeg = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap().to_rgb8();
    let mut reader = png::Decoder::new(std::io::Cursor::new(std::fs::read(&png).unwrap())).read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut rgb).unwrap();
    assert_eq!(jpeg.dimensions(), (120, 80));
    let mean = jpeg.as_raw().iter().zip(&rgb).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>() / rgb.len() as f64;
    assert!(mean < 10.0, "mean difference {mean}");
}

#[test]
fn unknown_extensions_and_16_bit_jpegs_are_refused() {
    for (name, extra, want) in [
        ("a.gif", &[][..], "unknown image type '.gif' (use .png, .jpg or .jpeg)"),
        ("a.jpg", &["--depth", "16"][..], "a JPEG has 8 bits per channel"),
        ("b.jpg", &["--jpeg-quality", "0"][..], "jpeg-quality"),
    ] {
        let out = tmp(name);
        let mut args = vec!["render"];
        args.extend(FORMATS_VIEW);
        args.extend(extra);
        args.extend(["-o", out.to_str().unwrap()]);
        let o = faafo(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(!out.exists(), "{name} was written");
    }
}

/// `faafo render --antialias N --colouring …`: a small Seahorse view the tests below
/// render from the command line and through the engine.
const COLOURING_VIEW: [&str; 10] =
    ["--width", "120", "--height", "90", "--center", "-0.745,0.11", "--scale", "0.02", "--iterations", "800"];

fn render_with(name: &str, extra: &[&str]) -> (Output, Vec<u8>) {
    let out = tmp(name);
    let mut args = vec!["render"];
    args.extend(COLOURING_VIEW);
    args.extend(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    let o = faafo(&args);
    let bytes = std::fs::read(&out).unwrap_or_default();
    (o, bytes)
}

fn engine(colouring: Colouring, antialias: u32) -> Vec<u8> {
    let p = Params {
        colouring,
        ..Params::from_center_scale(Fractal::Mandelbrot, Complex64::new(-0.745, 0.11), 0.02, 120, 90, 800)
    };
    let mut out = Vec::new();
    write_png_antialiased(&p, None, antialias, &RenderOptions::default(), &Control::new(), BitDepth::Eight, &mut out)
        .unwrap();
    out
}

#[test]
fn antialias_and_colouring_flags_make_the_engines_images() {
    let (o, plain) = render_with("plain.png", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(plain, engine(Colouring::default(), 1), "no flags: the image as before");

    let (o, lit) = render_with(
        "lit.png",
        &["--antialias", "3", "--colouring", "lighting", "--light-angle", "-30", "--light-strength", "0.5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let light = Light { angle_degrees: -30.0, strength: 0.5, ..Light::default() };
    assert_eq!(lit, engine(Colouring { mode: ColouringMode::Lighting, light, ..Colouring::default() }, 3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("colouring:  lighting · antialias 3×3"));

    let (o, smooth) = render_with("aa.png", &["--antialias", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(smooth, engine(Colouring::default(), 2));
    assert_ne!(smooth, plain);

    let (o, de) = render_with("de.png", &["--colouring", "distance", "--boundary-width", "4"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let distance = Colouring { mode: ColouringMode::Distance, boundary_width_px: 4.0, ..Colouring::default() };
    assert_eq!(de, engine(distance, 1));
    assert_ne!(de, plain);
}

#[test]
fn bad_values_are_named() {
    for (flags, says) in [
        (&["--antialias", "5"][..], "5 is not in 1..=4"),
        (&["--antialias", "0"][..], "0 is not in 1..=4"),
        (&["--colouring", "bump"][..], "unknown colouring 'bump'; allowed: escape, distance, lighting"),
        (&["--colouring", "lighting", "--light-strength", "2"][..], "--light-strength: must be from 0 to 1"),
        (&["--colouring", "distance", "--boundary-width", "0"][..], "--boundary-width: must be a finite number"),
        (&["--light-elevation", "-1"][..], "--light-elevation: must be a finite number >= 0"),
    ] {
        let (o, _) = render_with("bad-colouring.png", flags);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(says), "{flags:?}: {stderr}");
    }
}
