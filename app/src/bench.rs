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
//!
//! Figures: *input → picture on screen* is the frame that carries the input (the old
//! picture reprojected); *input → first computed picture* and *→ full picture* are the
//! times from the frame that sent the request until the worker's picture is taken in.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use egui::{Event, Key, Modifiers, MouseWheelSource, MouseWheelUnit, PointerButton, Pos2, RawInput, Rect, TouchPhase};
use faafo_engine::{Complex64, Fractal, KernelPath};

use crate::app::ExplorerApp;
use crate::model::location::{Iterations, Location};
use crate::model::view::View;
use crate::render::main_view::Arrival;

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

/// Command-line options.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Runs of the whole script.
    pub repeat: u32,
    /// Only summaries, no per-frame lines.
    pub quiet: bool,
}

impl BenchOptions {
    /// Parses `--repeat N` and `--quiet`.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self { repeat: 1, quiet: false };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--repeat" => {
                    let n = it.next().context("--repeat needs a number")?;
                    o.repeat = n.parse().ok().filter(|n| *n >= 1).context("--repeat needs a number of at least 1")?;
                }
                "--quiet" => o.quiet = true,
                other => bail!("unknown --bench-zoom option '{other}' (expected --repeat N, --quiet)"),
            }
        }
        Ok(o)
    }
}

/// Per-frame record.
#[derive(Debug, Clone)]
struct FrameRecord {
    phase: &'static str,
    /// Since the phase started.
    t: Duration,
    scale: f64,
    max_iterations: u32,
    /// Wall time of the frame (input, layout, commands, request, paint list, tessellation).
    ui: Duration,
    had_input: bool,
    /// Pictures taken in this frame.
    arrivals: Vec<(Arrival, Duration)>,
}

/// Drives the app through a bare context.
struct Driver {
    ctx: egui::Context,
    app: ExplorerApp,
    started: Instant,
    next_frame: Instant,
    screen: Rect,
    pointer: Pos2,
    /// When each generation was requested (the end of the frame that sent it).
    submitted: BTreeMap<u64, Instant>,
    records: Vec<FrameRecord>,
    phase: &'static str,
    phase_started: Instant,
    quiet: bool,
}

impl Driver {
    fn new(quiet: bool) -> anyhow::Result<Self> {
        let ctx = egui::Context::default();
        let mut app = ExplorerApp::with_store(&ctx, None);
        app.record_arrivals();
        let now = Instant::now();
        let mut d = Self {
            ctx,
            app,
            started: now,
            next_frame: now,
            screen: Rect::from_min_size(Pos2::ZERO, egui::vec2(SIZE[0] as f32, SIZE[1] as f32)),
            pointer: Pos2::new(500.0, 500.0),
            submitted: BTreeMap::new(),
            records: Vec::new(),
            phase: "setup",
            phase_started: now,
            quiet,
        };
        // Grow the window until the canvas (window minus panel and status bar) is exactly
        // the benchmark size.
        for _ in 0..5 {
            d.frame(Vec::new());
            let Some([w, h]) = d.app.view_size() else { continue };
            if [w, h] == SIZE {
                return Ok(d);
            }
            let grow = egui::vec2(SIZE[0] as f32 - w as f32, SIZE[1] as f32 - h as f32);
            d.screen = Rect::from_min_size(Pos2::ZERO, d.screen.size() + grow);
        }
        bail!("could not lay the canvas out at {}x{} (got {:?})", SIZE[0], SIZE[1], d.app.view_size())
    }

    fn begin(&mut self, phase: &'static str) {
        self.phase = phase;
        self.phase_started = Instant::now();
    }

    /// Runs one frame with `events`, paced to the 60 Hz clock.
    fn frame(&mut self, events: Vec<Event>) -> FrameRecord {
        let now = Instant::now();
        if self.next_frame > now {
            std::thread::sleep(self.next_frame - now);
        }
        self.next_frame = self.next_frame.max(Instant::now() - FRAME) + FRAME;
        let had_input = !events.is_empty();
        let mut raw = RawInput {
            screen_rect: Some(self.screen),
            max_texture_side: Some(16384),
            time: Some(self.started.elapsed().as_secs_f64()),
            predicted_dt: FRAME.as_secs_f32(),
            events,
            ..RawInput::default()
        };
        raw.viewports.entry(egui::ViewportId::ROOT).or_default().native_pixels_per_point = Some(1.0);
        let t0 = Instant::now();
        let before = self.app.generation();
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(raw, |ui| app.contents(ui));
        let _meshes = self.ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
        // No GPU to upload to; the deltas just share the pictures' pixels (no copy).
        output.textures_delta.clear();
        let ui = t0.elapsed();
        let end = Instant::now();
        if self.app.generation() != before {
            self.submitted.insert(self.app.generation(), end);
        }
        let arrivals = self
            .app
            .take_arrivals()
            .into_iter()
            .filter(|a| !a.recoloured)
            .map(|a| {
                let latency =
                    self.submitted.get(&a.generation).map_or(Duration::ZERO, |s| a.at.saturating_duration_since(*s));
                (a, latency)
            })
            .collect();
        let loc = self.app.location();
        let record = FrameRecord {
            phase: self.phase,
            t: self.phase_started.elapsed(),
            scale: loc.view.scale,
            max_iterations: loc.max_iterations(),
            ui,
            had_input,
            arrivals,
        };
        if !self.quiet && self.phase != "setup" {
            println!("{}", format_record(&record));
        }
        self.records.push(record.clone());
        record
    }

    /// Frames without input until the full picture of the current view is on screen;
    /// returns the time from the request of that view to the full picture.
    fn settle(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            let r = self.frame(Vec::new());
            let newest = self.app.generation();
            if let Some((a, latency)) =
                r.arrivals.iter().rev().find(|(a, _)| a.generation == newest && a.pass.is_full_resolution())
            {
                let _ = a;
                return Ok(*latency);
            }
            if self.app.is_up_to_date() {
                return Ok(Duration::ZERO); // answered before this call (e.g. nothing changed)
            }
            if let Some(message) = self.app.render_failure() {
                bail!("the render failed: {message}");
            }
            if started.elapsed() > PATIENCE {
                bail!("no full picture within {PATIENCE:?} at scale {:e}", self.app.location().view.scale);
            }
        }
    }

    fn wheel(&self, notches: f64) -> Vec<Event> {
        vec![
            Event::PointerMoved(self.pointer),
            Event::MouseWheel {
                unit: MouseWheelUnit::Point,
                delta: egui::vec2(0.0, (notches * 50.0) as f32),
                phase: TouchPhase::Move,
                source: MouseWheelSource::Wheel,
                modifiers: Modifiers::NONE,
            },
        ]
    }

    fn key(key: Key, pressed: bool) -> Event {
        Event::Key { key, physical_key: Some(key), pressed, repeat: false, modifiers: Modifiers::NONE }
    }
}

fn format_record(r: &FrameRecord) -> String {
    let mut s = format!(
        "{:<8} {:>8.1} ms  scale {:>9.3e}  iter {:>5}  frame {:>5.2} ms{}",
        r.phase,
        r.t.as_secs_f64() * 1e3,
        r.scale,
        r.max_iterations,
        r.ui.as_secs_f64() * 1e3,
        if r.had_input { " input" } else { "      " }
    );
    for (a, latency) in &r.arrivals {
        let _ = write!(
            s,
            "  | {} g{} computed {} px in {:.1} ms (+colour {:.1}) {:.1} ms after request",
            a.pass.label(),
            a.generation,
            a.stats.pixels_computed,
            a.stats.compute.as_secs_f64() * 1e3,
            (a.stats.total - a.stats.compute).as_secs_f64() * 1e3,
            latency.as_secs_f64() * 1e3
        );
    }
    s
}

/// CPU time this process has used, summed over its threads (`/proc/self/task/*/schedstat`,
/// nanosecond resolution), in seconds.
fn cpu_seconds() -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

/// The 1-minute load average: how busy the (shared) machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}

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
}

fn run_once(quiet: bool) -> anyhow::Result<RunSummary> {
    let mut d = Driver::new(quiet)?;
    let mut sum = RunSummary { load_before: load_average(), ..RunSummary::default() };
    let standard = Location {
        fractal: Fractal::Mandelbrot,
        view: View::home(faafo_engine::FractalKind::Mandelbrot),
        iterations: Iterations::Fixed(1000),
    };

    // 1. The standard view after the hand stops (R from a deep view).
    d.begin("standard");
    d.app.go_to(standard);
    d.settle()?;
    for _ in 0..6 {
        d.app.go_to(Location { view: View { center: SEAHORSE, scale: 1e-4 }, ..standard });
        d.settle()?;
        let cpu0 = cpu_seconds();
        d.frame(vec![Driver::key(Key::R, true)]);
        d.frame(vec![Driver::key(Key::R, false)]);
        let full = d.settle()?;
        if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
            sum.standard_full_cpu_ms.push((b - a) * 1e3);
        }
        if d.app.location().view != standard.view {
            bail!("R did not go back to the standard view");
        }
        sum.standard_full_ms.push(full.as_secs_f64() * 1e3);
    }

    // 2. Continuous zoom into Seahorse Valley with automatic iterations.
    d.app.go_to(Location { iterations: Iterations::Auto, ..standard });
    d.settle()?;
    let frame = d.app.current_frame().context("no canvas")?;
    let rect = d.app.canvas_rect().context("no canvas")?;
    let [x, y] = frame.position_of(SEAHORSE);
    d.pointer = Pos2::new(rect.min.x + x as f32, rect.min.y + y as f32);
    d.begin("zoom");
    let zoom_start = d.records.len();
    let cpu0 = cpu_seconds();
    let wall0 = Instant::now();
    let notches = ZOOM_PER_FRAME.ln() / crate::ui::canvas::ZOOM_PER_NOTCH.ln();
    let mut stuck = 0;
    while stuck < 3 {
        let before = d.app.location().view.scale;
        let events = d.wheel(notches);
        d.frame(events);
        if d.app.location().view.scale >= before {
            stuck += 1; // the app refused to go deeper: the f64 limit
        }
    }
    let zoom_wall = wall0.elapsed().as_secs_f64();
    sum.zoom_cpu_cores = cpu0.zip(cpu_seconds()).map(|(a, b)| (b - a) / zoom_wall);
    sum.deepest_scale = d.app.location().view.scale;
    let zoom_records = d.records[zoom_start..].to_vec();
    let fresh: u32 = zoom_records.iter().map(|r| r.arrivals.len() as u32).sum();
    sum.zoom_pictures_per_s = f64::from(fresh) / zoom_wall;
    sum.zoom_ui_fps = zoom_records.len() as f64 / zoom_wall;
    for r in &zoom_records {
        let decade = r.scale.log10().floor() as i32;
        let e = sum.zoom_by_decade.entry(decade).or_default();
        e.0 += FRAME.as_secs_f64().max(r.ui.as_secs_f64());
        e.1 += r.arrivals.len() as u32;
        e.2 += 1;
    }
    for r in &zoom_records {
        if r.had_input {
            sum.input_frame_ms.push(r.ui.as_secs_f64() * 1e3);
        }
    }
    // First computed picture per request (any pass), for requests that got one.
    let mut first: BTreeMap<u64, f64> = BTreeMap::new();
    for r in &zoom_records {
        for (a, latency) in &r.arrivals {
            first.entry(a.generation).or_insert(latency.as_secs_f64() * 1e3);
        }
    }
    sum.first_picture_ms = first.into_values().collect();

    // 3. The hand stops at the deepest point.
    d.begin("stop");
    sum.stop_full_ms = d.settle()?.as_secs_f64() * 1e3;

    // 4. A one-second drag at scale 1e-6.
    d.app.go_to(Location {
        view: View { center: SEAHORSE, scale: 1e-6 },
        iterations: Iterations::Auto,
        fractal: Fractal::Mandelbrot,
    });
    d.settle()?;
    d.begin("pan");
    let pan_start = d.records.len();
    let centre = rect.center();
    let mut pos = centre;
    d.frame(vec![
        Event::PointerMoved(pos),
        Event::PointerButton { pos, button: PointerButton::Primary, pressed: true, modifiers: Modifiers::NONE },
    ]);
    let wall0 = Instant::now();
    for _ in 0..60 {
        pos += egui::vec2(-9.0, -5.0);
        d.frame(vec![Event::PointerMoved(pos)]);
    }
    d.frame(vec![Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    }]);
    let pan_wall = wall0.elapsed().as_secs_f64();
    let full = d.settle()?;
    sum.pan_full_ms = full.as_secs_f64() * 1e3;
    let pan_records = &d.records[pan_start..];
    let pictures: usize = pan_records.iter().map(|r| r.arrivals.len()).sum();
    sum.pan_pictures_per_s = pictures as f64 / pan_wall;
    sum.pan_strip_ms = pan_records
        .iter()
        .flat_map(|r| &r.arrivals)
        .filter(|(a, _)| matches!(a.pass, crate::render::worker::Pass::Shift { .. }))
        .map(|(a, _)| a.stats.total.as_secs_f64() * 1e3)
        .collect();
    sum.load_after = load_average();
    for r in pan_records {
        if r.had_input {
            sum.input_frame_ms.push(r.ui.as_secs_f64() * 1e3);
        }
    }
    Ok(sum)
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

fn print_summary(i: u32, s: &RunSummary) {
    println!("\n== run {i} summary (load average {} before, {} after) ==", s.load_before, s.load_after);
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
        let s = run_once(options.quiet)?;
        print_summary(i, &s);
        runs.push(s);
    }
    if runs.len() > 1 {
        let collect = |f: &dyn Fn(&RunSummary) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        println!("\n== across {} runs ==", runs.len());
        println!("zoom fresh pictures/s:          {}", spread(&collect(&|s| s.zoom_pictures_per_s)));
        println!("zoom UI frames/s:               {}", spread(&collect(&|s| s.zoom_ui_fps)));
        let all =
            |f: &dyn Fn(&RunSummary) -> &Vec<f64>| runs.iter().flat_map(|s| f(s).iter().copied()).collect::<Vec<_>>();
        println!("input -> picture on screen ms:  {}", spread(&all(&|s| &s.input_frame_ms)));
        println!("input -> first computed ms:     {}", spread(&all(&|s| &s.first_picture_ms)));
        println!("standard full after stop ms:    {}", spread(&all(&|s| &s.standard_full_ms)));
        println!("  … CPU ms, all threads:        {}", spread(&all(&|s| &s.standard_full_cpu_ms)));
        println!("deepest full after stop ms:     {}", spread(&collect(&|s| s.stop_full_ms)));
        println!("pan pictures/s:                 {}", spread(&collect(&|s| s.pan_pictures_per_s)));
    }
    Ok(())
}
