//! `faafo-explorer --bench-cluster`: the Cluster window's frame time with many fractals
//! listed and a poster streaming in, against a real local cluster.
//!
//! 1. Starts a local cluster (`faafo-api`, and workers when RabbitMQ answers) from the
//!    programs beside the explorer (or `--programs DIR`), in a scratch folder.
//! 2. Creates `--rows` tiny fractals (default 10,000) through the client library.
//! 3. Starts a poster of `--tiles`² tiles (default 8 × 8 = 64) of the current view.
//! 4. **table**: the Fractals tab with every row listed, scrolled by the wheel each frame
//!    while the poster streams in (rows are laid out only when on screen; thumbnails are
//!    made lazily).
//! 5. **mosaic**: the Poster tab, its mosaic filling in, until the poster is saved.
//!
//! Each frame is the real app's frame (`ExplorerApp::contents` — the main view renders
//! behind the window too) plus tessellation, driven at 60 frames per second through a
//! bare `egui::Context`, as in `--bench-zoom`; GPU upload and presenting are not
//! included.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use egui::{Event, Modifiers, MouseWheelSource, MouseWheelUnit, Pos2, Rect, TouchPhase};
use faafo_backend::client::{Client, NewFractalRequest};
use faafo_engine::FractalKind;

use crate::app::ExplorerApp;
use crate::cloud::cluster::window::Tab;

/// Window size of the simulated display.
const SCREEN: [f32; 2] = [1920.0, 1080.0];
/// Give up on a phase after this long.
const PATIENCE: Duration = Duration::from_secs(600);

/// Command-line options.
#[derive(Debug, Clone)]
pub struct ClusterBenchOptions {
    /// Fractals listed.
    pub rows: usize,
    /// Poster tiles across and down.
    pub tiles: u32,
    /// Poster side in pixels.
    pub poster_side: u32,
    /// Frames of the table phase.
    pub frames: usize,
    /// Where `faafo-api` (and `faafo-worker`) are.
    pub programs: Option<PathBuf>,
}

impl ClusterBenchOptions {
    /// Parses `--rows N`, `--tiles N`, `--poster-side PX`, `--frames N`, `--programs DIR`.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self { rows: 10_000, tiles: 8, poster_side: 4096, frames: 600, programs: None };
        let mut it = args.iter();
        let number = |flag: &str, v: Option<&String>| -> anyhow::Result<u64> {
            v.and_then(|v| v.parse().ok())
                .filter(|n| *n >= 1)
                .with_context(|| format!("{flag} needs a number of at least 1"))
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--rows" => o.rows = number(a, it.next())? as usize,
                "--tiles" => o.tiles = number(a, it.next())?.min(64) as u32,
                "--poster-side" => o.poster_side = number(a, it.next())?.clamp(64, 65_536) as u32,
                "--frames" => o.frames = number(a, it.next())? as usize,
                "--programs" => o.programs = Some(it.next().context("--programs needs a folder")?.into()),
                other => bail!(
                    "unknown --bench-cluster option '{other}' (expected --rows N, --tiles N, --poster-side PX, \
                     --frames N, --programs DIR)"
                ),
            }
        }
        Ok(o)
    }
}

/// The app driven through a bare context, each frame timed.
struct Frames {
    ctx: egui::Context,
    app: ExplorerApp,
    started: Instant,
    next: Instant,
}

impl Frames {
    /// Runs one frame with `events`, paced to 60 Hz; answers its wall time.
    fn frame(&mut self, events: Vec<Event>) -> Duration {
        super::pace(&mut self.next);
        let screen = Rect::from_min_size(Pos2::ZERO, egui::vec2(SCREEN[0], SCREEN[1]));
        super::run_frame(&self.ctx, &mut self.app, screen, self.started.elapsed().as_secs_f64(), events)
    }

    /// Frames until `done` holds.
    fn until(&mut self, what: &str, done: impl Fn(&ExplorerApp) -> bool) -> anyhow::Result<Vec<Duration>> {
        let started = Instant::now();
        let mut times = Vec::new();
        while !done(&self.app) {
            if started.elapsed() > PATIENCE {
                bail!("{what}: not within {PATIENCE:?}; {:?}", self.app.cluster_panel());
            }
            times.push(self.frame(Vec::new()));
        }
        Ok(times)
    }

    /// A wheel turn over the lower part of the Cluster window (where the table is).
    fn wheel(&self) -> Vec<Event> {
        let window = self.ctx.memory(|m| m.area_rect(egui::Id::unique("Cluster")));
        let at = window.map_or(Pos2::new(400.0, 600.0), |r| Pos2::new(r.center().x, r.max.y - 120.0));
        vec![
            Event::PointerMoved(at),
            Event::MouseWheel {
                unit: MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -60.0),
                phase: TouchPhase::Move,
                source: MouseWheelSource::Wheel,
                modifiers: Modifiers::NONE,
            },
        ]
    }
}

/// Median, p99 and max of `times`, in ms.
fn summary(times: &[Duration]) -> String {
    if times.is_empty() {
        return "no frames".to_owned();
    }
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n={})",
        at(0.5),
        at(0.95),
        at(0.99),
        ms[ms.len() - 1],
        ms.len()
    )
}

/// `rows` tiny fractals of varied kinds and iterations, created 8 at a time.
fn populate(endpoint: &str, token: &str, rows: usize) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let client = Client::new(endpoint, Some(token.to_owned()))?;
    runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let lanes = 8;
        for lane in 0..lanes {
            let client = client.clone();
            set.spawn(async move {
                for i in (lane..rows).step_by(lanes) {
                    let kinds = [FractalKind::Mandelbrot, FractalKind::Julia, FractalKind::Classic];
                    let iterations = 20 + (i % 97) as u32;
                    let mut r = NewFractalRequest::new(16, 12, iterations, (-2.0, 1.0, -1.0, 1.0));
                    r.kind = Some(kinds[i % kinds.len()]);
                    r.seed = Some(i as i64);
                    client.create(&r).await?;
                }
                anyhow::Ok(())
            });
        }
        while let Some(done) = set.join_next().await {
            done??;
        }
        anyhow::Ok(())
    })
}

/// Runs the benchmark and prints its figures.
pub fn run(o: &ClusterBenchOptions) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; build with --release for meaningful figures");
    }
    let programs = o
        .programs
        .clone()
        .or_else(crate::cloud::cluster::local::find_programs)
        .context("faafo-api is not beside the explorer nor on PATH: give --programs DIR")?;
    let dir = std::env::temp_dir().join(format!("faafo-bench-cluster-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let ctx = egui::Context::default();
    let app = ExplorerApp::with_store(&ctx, None);
    let now = Instant::now();
    let mut f = Frames { ctx, app, started: now, next: now };
    f.frame(Vec::new());
    f.app.cluster_panel_mut().start_local_with(&programs, &dir.join("cluster"));
    f.until("connected to the local cluster", |a| a.cluster_panel().connection().is_some_and(|c| c.is_up()))?;
    let (endpoint, token) = f
        .app
        .cluster_panel()
        .local_cluster()
        .map(|c| (c.endpoint.clone(), c.token.clone()))
        .context("no local cluster")?;
    let workers = f.app.cluster_panel().local_cluster().map_or(0, |c| c.workers);
    println!(
        "faafo-explorer --bench-cluster: {} rows, a {}² poster in {}×{} tiles, local cluster at {endpoint} with {} \
         (kernel {}, {} threads)",
        o.rows,
        o.poster_side,
        o.tiles,
        o.tiles,
        if workers == 0 { "the API's own renderer".to_owned() } else { format!("{workers} worker(s)") },
        faafo_engine::KernelPath::detect(),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
    );
    let t = Instant::now();
    populate(&endpoint, &token, o.rows)?;
    println!("created {} fractals in {:.1} s", o.rows, t.elapsed().as_secs_f64());

    let panel = f.app.cluster_panel_mut();
    panel.show_tab(Tab::Fractals);
    let listing = Instant::now();
    let rows = o.rows;
    f.until("every row listed", |a| a.cluster_panel().browse().rows.len() >= rows)?;
    println!("listed {} rows in {:.1} s", rows, listing.elapsed().as_secs_f64());

    let settings = f.app.cluster_panel_mut().settings_mut();
    settings.poster_width = o.poster_side.to_string();
    settings.poster_height = o.poster_side.to_string();
    settings.poster_tiles = o.tiles.to_string();
    settings.poster_path = dir.join("poster.png").display().to_string();
    let (location, look) = (f.app.location(), f.app.look().clone());
    let poster_started = Instant::now();
    f.app.cluster_panel_mut().start_poster(&location, &look);
    if f.app.cluster_panel().mosaic().is_none() {
        bail!("the poster did not start: {:?}", f.app.cluster_panel().feedback().poster);
    }

    let mut table = Vec::with_capacity(o.frames);
    for _ in 0..o.frames {
        let events = f.wheel();
        table.push(f.frame(events));
    }
    let arrived_in_table = f.app.cluster_panel().mosaic().map_or(0, |m| m.arrived());
    let thumbs = f.app.cluster_panel().browse().thumbnails_ready();

    f.app.cluster_panel_mut().show_tab(Tab::Poster);
    let mosaic = f.until("the poster saved", |a| !a.cluster_panel().is_busy())?;
    let poster_secs = poster_started.elapsed().as_secs_f64();
    let saved = f.app.cluster_panel().feedback().poster.clone();

    println!("\n== table: {rows} rows listed, wheel-scrolled every frame, poster streaming ==");
    println!("frame time: {}", summary(&table));
    println!("poster tiles arrived meanwhile: {arrived_in_table}; thumbnails made: {thumbs}");
    println!("\n== mosaic: the Poster tab until the poster is saved ==");
    println!("frame time: {}", summary(&mosaic));
    println!("poster: {:.1} s from start to saved; {:?}", poster_secs, saved.map(|n| n.text));
    let all: Vec<Duration> = table.iter().chain(&mosaic).copied().collect();
    println!("\n== all frames ==\nframe time: {}", summary(&all));
    drop(f);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
