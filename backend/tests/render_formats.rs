//! `faafo render -o NAME`: the extension picks the format (engine's encoders): .png as
//! before, .jpg/.jpeg a JPEG of the same picture, anything else refused.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Command, Output};

fn faafo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faafo")).args(args).output().expect("run faafo")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faafo-render-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn field<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout.lines().find_map(|l| l.strip_prefix(key)).map(str::trim).unwrap_or_else(|| panic!("no {key} in {stdout}"))
}

const VIEW: [&str; 8] = ["--width", "120", "--height", "80", "--iterations", "200", "--scale", "3"];

#[test]
fn a_jpg_name_gets_a_jpeg_of_the_same_picture() {
    let (png, jpg) = (tmp("a.png"), tmp("a.JPG"));
    let run = |out: &PathBuf, extra: &[&str]| {
        let mut args = vec!["render"];
        args.extend(VIEW);
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
        args.extend(VIEW);
        args.extend(extra);
        args.extend(["-o", out.to_str().unwrap()]);
        let o = faafo(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(!out.exists(), "{name} was written");
    }
}
