//! `faafo poster` against real services: the tiles put together are the image `faafo
//! render` makes of the same options, pixel for pixel — with the embedded renderer, with
//! RabbitMQ and two `faafo-worker`s, and across an API killed and restarted mid-poster.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::procs::{self, Api, BROKER, Scratch, Vhost, worker};

fn faafo(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_faafo"));
    c.args(args).env("FAAFO_CONFIG_FILE", "/dev/null").env_remove("FAAFO_CLIENT_TOKEN");
    c
}

fn ok(out: Output) -> String {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "exit {:?}\n{stdout}\n{stderr}", out.status.code());
    format!("{stdout}{stderr}")
}

/// Decoded RGB pixels and size.
fn pixels(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    (info.width, info.height, buf)
}

/// Renders `view` locally and as a poster through `base`; asserts the same pixels.
fn poster_equals_render(base: &str, dir: &Path, view: &[&str], tiles: &str) {
    let local = dir.join("local.png");
    let poster = dir.join("poster.png");
    let mut render = vec!["render", "-o", local.to_str().unwrap()];
    render.extend(view);
    ok(faafo(&render).output().unwrap());
    let mut args = vec!["--endpoint-url", base, "poster", "--tiles", tiles, "-o", poster.to_str().unwrap()];
    args.extend(view);
    let said = ok(faafo(&args).output().unwrap());
    assert!(said.contains("tiles done"), "{said}");
    let (a, b) = (pixels(&local), pixels(&poster));
    assert_eq!((a.0, a.1), (b.0, b.1));
    let differing = a.2.chunks(3).zip(b.2.chunks(3)).filter(|(x, y)| x != y).count();
    assert_eq!(differing, 0, "{view:?}: {differing} pixels differ");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".tiles") || n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "the downloaded tiles are cleaned up: {leftovers:?}");
}

#[test]
fn a_4_tile_poster_is_the_local_render_pixel_for_pixel() {
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("p.db").display()), None, 0);
    // Odd sizes, so tiles differ in size and edges fall between pixel centres. The last
    // is deep (1e-100 wide, next to the Misiurewicz point i): its tiles are rendered alone
    // by perturbation and must still be the whole image's pixels.
    let deep_center = format!("0.{}123,1", "0".repeat(100));
    let views: [&[&str]; 4] = [
        &["--kind", "mandelbrot", "--width", "301", "--height", "203", "--center", "-0.745,0.113", "--scale", "0.02"],
        &["--kind", "julia", "--width", "160", "--height", "121", "--iterations", "500", "--palette", "fire"],
        &["--kind", "classic", "--width", "120", "--height", "90", "--seed", "42"],
        &[
            "--kind",
            "mandelbrot",
            "--width",
            "61",
            "--height",
            "41",
            "--iterations",
            "2000",
            "--center",
            &deep_center,
            "--scale",
            "3.25e-100",
        ],
    ];
    for view in views {
        poster_equals_render(&api.base, &dir.0, view, "2");
    }
    // Each poster made exactly its 4 tiles.
    let rows = tokio_rows(&api.base);
    assert_eq!(rows.len(), 16, "{rows:?}");
}

#[test]
fn a_lit_antialiased_poster_is_the_local_render_pixel_for_pixel() {
    // The colouring flags are render's own (one shared set), sent with every tile: the
    // tiles' supersampling, slopes and distance bands must match the whole picture's.
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("c.db").display()), None, 0);
    let lit: &[&str] = &[
        "--width",
        "151",
        "--height",
        "101",
        "--center",
        "-0.745,0.113",
        "--scale",
        "0.02",
        "--colouring",
        "lighting",
        "--light-angle",
        "-30",
        "--light-elevation",
        "0.7",
        "--light-strength",
        "0.9",
        "--antialias",
        "2",
    ];
    let distance: &[&str] =
        &["--kind", "julia", "--width", "120", "--height", "81", "--colouring", "distance", "--boundary-width", "3.5"];
    for view in [lit, distance] {
        poster_equals_render(&api.base, &dir.0, view, "2");
    }
    // The tiles were asked for with the fields (not rendered plain and matched by luck).
    let rows = tokio_rows(&api.base);
    assert_eq!(rows.len(), 8, "{rows:?}");
    let lit_rows = rows.iter().filter(|r| r["colouring"] == "lighting").count();
    assert_eq!(lit_rows, 4, "{rows:?}");
    assert!(
        rows.iter().filter(|r| r["colouring"] == "lighting").all(|r| r["antialias"] == 2 && r["light_angle"] == -30.0)
    );
    assert!(rows.iter().any(|r| r["colouring"] == "distance" && r["boundary_width"] == 3.5), "{rows:?}");
    // A deep view refuses them before anything is sent.
    let deep =
        ["poster", "--center", "0,1", "--scale", "1e-100", "--antialias", "2", "--width", "40", "--height", "30"];
    let mut args = vec!["--endpoint-url", api.base.as_str()];
    args.extend(deep);
    let out = faafo(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deeper than doubles"), "{out:?}");
    assert_eq!(tokio_rows(&api.base).len(), 8);
}

fn tokio_rows(base: &str) -> Vec<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { procs::all(&reqwest::Client::new(), base).await })
}

#[test]
fn bad_posters_are_refused_with_a_reason() {
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("b.db").display()), None, 0);
    for (args, needle) in [
        (&["--width", "70000", "--height", "100"][..], "65536"),
        (&["--width", "20000", "--height", "20000", "--tiles", "1"][..], "too large"),
        (&["--kind", "multibrot", "--power", "5"][..], "power 3"),
    ] {
        let mut all = vec!["--endpoint-url", api.base.as_str(), "poster"];
        all.extend(args);
        let out = faafo(&all).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poster_through_rabbitmq_and_two_workers() {
    let _shared = BROKER.read().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("q.db").display()), Some(&vhost.url()), 0);
    let w1 = worker(&dir.0, &api.base, &vhost.url(), "tiles-a", &[]);
    let w2 = worker(&dir.0, &api.base, &vhost.url(), "tiles-b", &[]);
    let (base, path) = (api.base.clone(), dir.0.clone());
    tokio::task::spawn_blocking(move || {
        let view = ["--kind", "mandelbrot", "--width", "640", "--height", "480", "--iterations", "2000"];
        poster_equals_render(&base, &path, &view, "3");
    })
    .await
    .unwrap();
    let by: HashSet<_> = procs::all(&reqwest::Client::new(), &api.base)
        .await
        .iter()
        .map(|f| f["generated_by"].as_str().unwrap().to_owned())
        .collect();
    assert!(by.is_subset(&HashSet::from(["tiles-a".to_owned(), "tiles-b".to_owned()])), "{by:?}");
    drop((w1, w2));
}

#[test]
fn the_api_killed_during_a_poster_and_restarted_loses_and_repeats_nothing() {
    let dir = Scratch::new();
    let db = format!("sqlite://{}", dir.0.join("k.db").display());
    let mut api = Api::start(&dir.0, &db, None, 0);
    let port = api.port;
    let out = dir.0.join("killed.png");
    // 36 tiles of real work for the embedded renderer, so the kill lands mid-poster.
    let view = ["--kind", "mandelbrot", "--width", "1800", "--height", "1200", "--iterations", "4000"];
    let mut args = vec!["--endpoint-url", api.base.as_str(), "poster", "--tiles", "6", "-o", out.to_str().unwrap()];
    args.extend(view);
    let log = std::fs::File::create(dir.0.join("poster.log")).unwrap();
    let mut child = faafo(&args).stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let started = Instant::now();
    while tokio_rows(&api.base).iter().filter(|f| f["status"] == "done").count() < 3 {
        assert!(started.elapsed() < Duration::from_secs(120), "no tile finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    api.proc.signal(libc::SIGKILL);
    api.proc.wait(Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    let api = Api::start(&dir.0, &db, None, port);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "the poster did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    let said = std::fs::read_to_string(dir.0.join("poster.log")).unwrap();
    assert!(status.success(), "{said}");
    assert!(said.contains("trying again"), "the outage was noticed: {said}");
    let rows = tokio_rows(&api.base);
    assert_eq!(rows.len(), 36, "every tile created once");
    let local = dir.0.join("local.png");
    let mut render = vec!["render", "-o", local.to_str().unwrap()];
    render.extend(view);
    ok(faafo(&render).output().unwrap());
    assert_eq!(pixels(&local), pixels(&out), "the poster equals the local render");
}
