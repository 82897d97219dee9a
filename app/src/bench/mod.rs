//! `faafo-explorer --bench-zoom`: plays a fixed script of input against the real app at
//! 1920×1080 and prints per-frame figures and a summary.
//!
//! The app runs exactly as in the window (same `ExplorerApp::contents`, same render
//! worker, same rayon pool), driven through a bare `egui::Context` at a steady 60 frames
//! per second, the way a display would drive it. Each frame's cost includes egui's layout
//! and tessellation; uploading textures to a GPU and presenting are not included (there
//! is no GPU here), which on a desktop adds well under a millisecond for a 1920×1080 RGBA
//! upload.
//!
//! # Script
//! 1. **standard** — from a deep view, press R to go back to the standard view (whole
//!    Mandelbrot set, 1 000 iterations), several times: time to the full picture.
//! 2. **zoom** — a continuous wheel zoom (×1.1 per frame, a fast hand) from the home view
//!    into Seahorse Valley down to the f64 limit at this width (about 4e-13), with
//!    automatic iterations: fresh pictures per second by depth decade.
//! 3. **stop** — the hand stops at the deepest point: time to the full picture.
//! 4. **pan** — a one-second drag at scale 1e-6: pictures per second and the cost of the
//!    strips computed.
//! 5. **fly** — XaoS-style hold-to-fly: the middle button held for 5 s over Seahorse
//!    Valley, from the whole set to about 1e-10 (automatic iterations): fresh pictures
//!    per second and input → picture latency. Then **fly-stop**: short flies that let go
//!    at 1e-2, 1e-4 … 1e-10, each timed from letting go to the full picture (the issue's
//!    targets on 2 cores: ≥ 30 fresh pictures/s, full pictures within 150 ms).
//!    `--fly-only` runs just this phase.
//! 6. **deep** — wheel steps at a 1e-100 view (perturbation), each waited out: the
//!    reprojected frame, the quick pass (target: within 100 ms) and the full picture.
//!    `--deep-only` runs just this phase.
//!
//! Figures: *input → picture on screen* is the frame that carries the input (the old
//! picture reprojected); *input → first computed picture* and *→ full picture* are the
//! times from the frame that sent the request until the worker's picture is taken in.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use faafo_engine::{Complex64, KernelPath};

pub mod cluster;
mod deep;
mod driver;
mod fly;
mod script;

/// Canvas size the benchmark renders at.
pub const SIZE: [u32; 2] = [1920, 1080];
/// The point zoomed into: deep in Seahorse Valley (the engine's `seahorse` scene).
pub const SEAHORSE: Complex64 = Complex64::new(-0.743643887037151, 0.131825904205330);
/// Zoom per frame during the continuous zoom (×100 per second at 60 frames per second).
const ZOOM_PER_FRAME: f64 = 1.1;
/// Frame period of the simulated display.
const FRAME: Duration = Duration::from_nanos(16_666_667);
/// Give up waiting for a picture after this long.
const PATIENCE: Duration = Duration::from_secs(60);

/// Waits for the next tick of the simulated display's 60 Hz clock (`next`) and moves the
/// clock on by a frame; a frame that ran late does not make the next ones hurry.
fn pace(next: &mut std::time::Instant) {
    let now = std::time::Instant::now();
    if *next > now {
        std::thread::sleep(*next - now);
    }
    *next = (*next).max(std::time::Instant::now() - FRAME) + FRAME;
}

/// One frame of the real app (`ExplorerApp::contents`) on `screen` at egui time `time`
/// with `events`, tessellated as a display would; no GPU, so the textures' deltas are
/// dropped (they share the pictures' pixels: no copy). Answers the frame's wall time.
fn run_frame(
    ctx: &egui::Context,
    app: &mut crate::app::ExplorerApp,
    screen: egui::Rect,
    time: f64,
    events: Vec<egui::Event>,
) -> Duration {
    let mut raw = egui::RawInput {
        screen_rect: Some(screen),
        max_texture_side: Some(16384),
        time: Some(time),
        predicted_dt: FRAME.as_secs_f32(),
        events,
        ..egui::RawInput::default()
    };
    raw.viewports.entry(egui::ViewportId::ROOT).or_default().native_pixels_per_point = Some(1.0);
    let t0 = std::time::Instant::now();
    let mut output = ctx.run_ui(raw, |ui| app.contents(ui));
    let _meshes = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
    output.textures_delta.clear();
    t0.elapsed()
}

/// Command-line options.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Runs of the whole script.
    pub repeat: u32,
    /// Only summaries, no per-frame lines.
    pub quiet: bool,
    /// Only the fly phases.
    pub fly_only: bool,
    /// Only the deep phase.
    pub deep_only: bool,
}

impl BenchOptions {
    /// Parses `--repeat N` and `--quiet`.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self { repeat: 1, quiet: false, fly_only: false, deep_only: false };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--repeat" => {
                    let n = it.next().context("--repeat needs a number")?;
                    o.repeat = n.parse().ok().filter(|n| *n >= 1).context("--repeat needs a number of at least 1")?;
                }
                "--quiet" => o.quiet = true,
                "--fly-only" => o.fly_only = true,
                "--deep-only" => o.deep_only = true,
                other => bail!(
                    "unknown --bench-zoom option '{other}' (expected --repeat N, --quiet, --fly-only, --deep-only)"
                ),
            }
        }
        Ok(o)
    }
}

/// Per-frame record.
/// Results of one run of the script.
#[derive(Debug, Default, Clone)]
struct RunSummary {
    load_before: String,
    load_after: String,
    standard_full_ms: Vec<f64>,
    /// CPU time (all threads) from the key press to the full picture.
    standard_full_cpu_ms: Vec<f64>,
    input_frame_ms: Vec<f64>,
    first_picture_ms: Vec<f64>,
    /// Per depth decade (floor(log10(scale))): (seconds of zoom, fresh pictures, UI frames).
    zoom_by_decade: BTreeMap<i32, (f64, u32, u32)>,
    zoom_pictures_per_s: f64,
    zoom_ui_fps: f64,
    zoom_cpu_cores: Option<f64>,
    deepest_scale: f64,
    stop_full_ms: f64,
    pan_pictures_per_s: f64,
    pan_strip_ms: Vec<f64>,
    pan_full_ms: f64,
    /// Only the fly phases ran.
    fly_only: bool,
    fly: fly::FlySummary,
    /// Only the deep phase ran.
    deep_only: bool,
    deep: deep::DeepSummary,
}

/// min / median / p95 / max of `v` in one string.
fn spread(v: &[f64]) -> String {
    if v.is_empty() {
        return "n/a".to_owned();
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    format!("min {:.1} / median {:.1} / p95 {:.1} / max {:.1} (n={})", s[0], at(0.5), at(0.95), s[s.len() - 1], s.len())
}

fn print_fly_summary(f: &fly::FlySummary) {
    println!(
        "fly ({} s held, middle button): {:.1} fresh pictures/s ({:.1} full-resolution), {:.1} UI frames/s, CPU {} cores busy; reached scale {:.3e}",
        fly::FLY_SECONDS,
        f.pictures_per_s,
        f.full_pictures_per_s,
        f.ui_fps,
        f.cpu_cores.map_or("n/a".to_owned(), |c| format!("{c:.2}")),
        f.deepest_scale
    );
    println!("  input -> picture on screen (ms):      {}", spread(&f.input_frame_ms));
    println!("  input -> first computed picture (ms): {}", spread(&f.first_picture_ms));
    for (decade, (secs, pictures)) in &f.by_decade {
        println!("  scale 1e{decade:<4} {:>5.1} fresh pictures/s", f64::from(*pictures) / secs.max(1e-9));
    }
    for (scale, ms) in &f.stop_full_ms {
        println!("  let go at scale {scale:.2e}: full picture {ms:.0} ms later");
    }
}

fn print_deep_summary(s: &deep::DeepSummary) {
    println!("deep: wheel steps at 1e-100 (perturbation), to scale {:.3e}", s.scale);
    println!("  input -> picture on screen (ms):      {}", spread(&s.input_frame_ms));
    println!("  input -> first computed picture (ms): {}", spread(&s.first_picture_ms));
    println!("  input -> full picture (ms):           {}", spread(&s.full_picture_ms));
}

fn print_summary(i: u32, s: &RunSummary) {
    println!("\n== run {i} summary (load average {} before, {} after) ==", s.load_before, s.load_after);
    if s.fly_only {
        print_fly_summary(&s.fly);
        return;
    }
    if s.deep_only {
        print_deep_summary(&s.deep);
        return;
    }
    println!("input -> picture on screen (frame carrying the input, ms): {}", spread(&s.input_frame_ms));
    println!("input -> first computed picture while zooming (ms):       {}", spread(&s.first_picture_ms));
    println!(
        "continuous zoom: {:.1} fresh pictures/s, {:.1} UI frames/s, CPU {} cores busy; deepest scale {:.3e}",
        s.zoom_pictures_per_s,
        s.zoom_ui_fps,
        s.zoom_cpu_cores.map_or("n/a".to_owned(), |c| format!("{c:.2}")),
        s.deepest_scale
    );
    for (decade, (secs, pictures, frames)) in &s.zoom_by_decade {
        println!(
            "  scale 1e{decade:<4} {:>5.1} fresh pictures/s over {frames} frames",
            f64::from(*pictures) / secs.max(1e-9)
        );
    }
    println!("standard view, full picture after the hand stops (ms):   {}", spread(&s.standard_full_ms));
    println!("  … CPU time it took, all threads (ms):                   {}", spread(&s.standard_full_cpu_ms));
    println!("deepest view, full picture after the hand stops (ms):    {:.0}", s.stop_full_ms);
    println!(
        "pan at 1e-6: {:.1} pictures/s; shift+strips {} ms; full after release {:.0} ms (0: already on screen)",
        s.pan_pictures_per_s,
        spread(&s.pan_strip_ms),
        s.pan_full_ms
    );
    print_fly_summary(&s.fly);
    print_deep_summary(&s.deep);
}

/// Runs the benchmark and prints its figures.
pub fn run(options: &BenchOptions) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; build with --release for meaningful figures");
    }
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!(
        "faafo-explorer --bench-zoom: {}x{}, kernel {}, {cores} threads, {} run(s)",
        SIZE[0],
        SIZE[1],
        KernelPath::detect(),
        options.repeat
    );
    let mut runs = Vec::new();
    for i in 1..=options.repeat {
        let s = script::run_once(options)?;
        print_summary(i, &s);
        runs.push(s);
    }
    if runs.len() > 1 {
        let collect = |f: &dyn Fn(&RunSummary) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        println!("\n== across {} runs ==", runs.len());
        let all =
            |f: &dyn Fn(&RunSummary) -> &Vec<f64>| runs.iter().flat_map(|s| f(s).iter().copied()).collect::<Vec<_>>();
        if !options.fly_only {
            println!("zoom fresh pictures/s:          {}", spread(&collect(&|s| s.zoom_pictures_per_s)));
            println!("zoom UI frames/s:               {}", spread(&collect(&|s| s.zoom_ui_fps)));
            println!("input -> picture on screen ms:  {}", spread(&all(&|s| &s.input_frame_ms)));
            println!("input -> first computed ms:     {}", spread(&all(&|s| &s.first_picture_ms)));
            println!("standard full after stop ms:    {}", spread(&all(&|s| &s.standard_full_ms)));
            println!("  … CPU ms, all threads:        {}", spread(&all(&|s| &s.standard_full_cpu_ms)));
            println!("deepest full after stop ms:     {}", spread(&collect(&|s| s.stop_full_ms)));
            println!("pan pictures/s:                 {}", spread(&collect(&|s| s.pan_pictures_per_s)));
        }
        println!("fly fresh pictures/s:           {}", spread(&collect(&|s| s.fly.pictures_per_s)));
        println!("fly input -> first computed ms: {}", spread(&all(&|s| &s.fly.first_picture_ms)));
        let stops: Vec<f64> = runs.iter().flat_map(|s| s.fly.stop_full_ms.iter().map(|(_, ms)| *ms)).collect();
        println!("fly full picture after letting go ms: {}", spread(&stops));
        println!("deep wheel -> first computed ms: {}", spread(&all(&|s| &s.deep.first_picture_ms)));
    }
    Ok(())
}
