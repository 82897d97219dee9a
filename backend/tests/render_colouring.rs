//! `faafo render --antialias N --colouring escape|distance|lighting`: the engine's
//! supersampling and colourings from the command line, byte for byte what the engine
//! makes, and the old images unchanged without the flags.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Command, Output};

use faafo_engine::antialias::write_png_antialiased;
use faafo_engine::{BitDepth, Colouring, ColouringMode, Complex64, Control, Fractal, Light, Params, RenderOptions};

fn faafo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faafo")).args(args).output().expect("run faafo")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faafo-render-colouring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const VIEW: [&str; 10] =
    ["--width", "120", "--height", "90", "--center", "-0.745,0.11", "--scale", "0.02", "--iterations", "800"];

fn render(name: &str, extra: &[&str]) -> (Output, Vec<u8>) {
    let out = tmp(name);
    let mut args = vec!["render"];
    args.extend(VIEW);
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
    let (o, plain) = render("plain.png", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(plain, engine(Colouring::default(), 1), "no flags: the image as before");

    let (o, lit) = render(
        "lit.png",
        &["--antialias", "3", "--colouring", "lighting", "--light-angle", "-30", "--light-strength", "0.5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let light = Light { angle_degrees: -30.0, strength: 0.5, ..Light::default() };
    assert_eq!(lit, engine(Colouring { mode: ColouringMode::Lighting, light, ..Colouring::default() }, 3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("colouring:  lighting · antialias 3×3"));

    let (o, smooth) = render("aa.png", &["--antialias", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(smooth, engine(Colouring::default(), 2));
    assert_ne!(smooth, plain);

    let (o, de) = render("de.png", &["--colouring", "distance", "--boundary-width", "4"]);
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
        (&["--colouring", "lighting", "--light-strength", "2"][..], "light strength"),
        (&["--colouring", "distance", "--boundary-width", "0"][..], "boundary width"),
    ] {
        let (o, _) = render("bad.png", flags);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(says), "{flags:?}: {stderr}");
    }
}
