//! `faafo bench`: fixed scenes, timed in CPU and wall time, with a checksum of the result
//! so a speed-up cannot silently change pixels.

use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use faafo_engine::{
    Control, EscapeBuffer, KernelPath, RenderOptions, SmoothScale, peak_rate, render_into, scenes, sha256_hex,
};
use serde::Serialize;

use super::CliError;
use crate::cputime::{process_cpu_time, thread_cpu_time};

/// Options of `faafo bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scene to run (repeatable): standard, seahorse, classic, dense. Default: all.
    #[arg(long = "scene")]
    scenes: Vec<String>,
    /// Worker threads (default: one per core). On one thread a peak run precedes each timed
    /// run; on more, the peak runs follow the scene's timed runs.
    #[arg(long)]
    threads: Option<usize>,
    /// Kernel path to force: avx512, avx2+fma, scalar, reference.
    #[arg(long)]
    kernel: Option<KernelPath>,
    /// Timed runs per scene (after one warm-up run); the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Print one JSON object per scene instead of a table.
    #[arg(long)]
    json: bool,
    /// Allocate a fresh buffer for every run (a one-shot render's cost, page faults
    /// included) instead of reusing one as an explorer or a worker does.
    #[arg(long)]
    fresh_buffers: bool,
    /// Compute rows that are the exact mirror image of another across the real axis
    /// instead of copying them (on the `standard` view 315 of its 1080 rows are copies).
    #[arg(long)]
    no_mirror: bool,
    /// Measure only the machine's peak (median and best of `--repeat` runs, each the best shape of
    /// the peak loop, about 0.1 s per shape) and print it.
    #[arg(long)]
    peak: bool,
}

/// One measurement of the machine's limit for the Mandelbrot step on one thread, in G
/// lane-iterations per CPU-second: independent chains of `z ← z² + c` on the widest
/// vector unit, no escape test, no memory traffic (the engine's `peak_rate`), a billion
/// lane-iterations (about 0.1 s) for each of the loop's shapes, the best of them.
fn peak_once(path: KernelPath) -> f64 {
    const LANE_ITERATIONS: u64 = 1_000_000_000;
    peak_rate(path, LANE_ITERATIONS, || u64::try_from(thread_cpu_time().as_nanos()).ok()).unwrap_or(f64::NAN)
}

/// Peak measurements, taken the way the scenes are: one before each timed run, so a
/// turbo burst or a neighbour's load falls on both alike, and summarised by the median
/// as the scenes are. The best is kept to show the spread, not to judge by: a best of
/// several short runs catches the highest clock, which the scenes' medians do not.
#[derive(Debug, Default)]
struct Peak {
    samples: Vec<f64>,
}

impl Peak {
    fn sample(&mut self, path: KernelPath) {
        self.samples.push(peak_once(path));
    }

    fn median(&self) -> f64 {
        median(self.samples.clone())
    }

    fn best(&self) -> f64 {
        self.samples.iter().copied().fold(f64::NAN, f64::max)
    }
}

/// One scene's figures.
#[derive(Debug, Serialize)]
struct Row {
    scene: &'static str,
    kernel: String,
    threads: usize,
    width: u32,
    height: u32,
    max_iterations: u32,
    iterations: u64,
    cpu_ms: f64,
    wall_ms: f64,
    giga_iterations_per_cpu_second: f64,
    /// The median of the [`Peak`] runs interleaved with this scene's timed runs, on the
    /// same path (on more than one thread, taken after them).
    peak_giga_lane_iterations_per_cpu_second: f64,
    /// The best of those peak runs (the spread; not used for the share).
    peak_best_giga_lane_iterations_per_cpu_second: f64,
    /// The scene's rate as a share of the median peak, in percent.
    percent_of_peak: f64,
    checksum: String,
}

/// Runs `faafo bench`.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.repeat == 0 {
        return Err(CliError::Usage("--repeat must be at least 1".into()).into());
    }
    if args.threads == Some(0) {
        return Err(CliError::Usage("--threads must be at least 1".into()).into());
    }
    let chosen = chosen_scenes(&args.scenes)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let path = args.kernel.unwrap_or_else(KernelPath::detect);
    if args.peak {
        print_peak_only(args, path);
        return Ok(());
    }
    let mut all_peaks = Peak::default();
    if !args.json {
        println!(
            "{:<9} {:<9} {:>3} {:>5} {:>5} {:>6} {:>13} {:>8} {:>8} {:>9} {:>6} {:>6}  checksum",
            "scene",
            "kernel",
            "thr",
            "width",
            "height",
            "maxit",
            "iterations",
            "cpu ms",
            "wall ms",
            "Giter/cpu-s",
            "peak",
            "%peak"
        );
    }
    for scene in chosen {
        let (row, peak) = measure_scene(args, &pool, path, &scene)?;
        all_peaks.samples.extend(&peak.samples);
        print_row(args.json, &row)?;
    }
    if !args.json {
        println!(
            "peak: median {:.2}, best {:.2} G lane-iterations per CPU-second over {} runs (about 0.1 s for each shape of \
             the loop, the best shape), one before each timed run on one thread, after a scene's timed runs on \
             more ({path}, one thread, z <- z^2 + c without escape tests); each scene's %peak is against the \
             median of the runs taken with it",
            all_peaks.median(),
            all_peaks.best(),
            all_peaks.samples.len()
        );
    }
    Ok(())
}

/// The scenes named on the command line (all of them when none is named).
fn chosen_scenes(names: &[String]) -> Result<Vec<scenes::Scene>, CliError> {
    let all = scenes::all();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            scenes::find(name).ok_or_else(|| {
                let names: Vec<_> = all.iter().map(|s| s.name).collect();
                CliError::Usage(format!("unknown scene '{name}'; allowed: {}", names.join(", ")))
            })
        })
        .collect()
}

/// `faafo bench --peak`: the machine's limit alone, median and best of `--repeat` runs.
fn print_peak_only(args: &BenchArgs, path: KernelPath) {
    let mut peak = Peak::default();
    for _ in 0..args.repeat {
        peak.sample(path);
    }
    let (median, best) = (peak.median(), peak.best());
    if args.json {
        let line = serde_json::json!({
            "kernel": path.to_string(),
            "peak_giga_lane_iterations_per_cpu_second": median,
            "peak_best_giga_lane_iterations_per_cpu_second": best,
            "runs": args.repeat,
        });
        println!("{line}");
    } else {
        println!(
            "peak: {median:.2} G lane-iterations per CPU-second, median of {} runs (about 0.1 s for each shape of the \
             loop, the best shape; best run {best:.2}) \
             ({path}, one thread, z <- z^2 + c without escape tests)",
            args.repeat
        );
    }
}

/// One warm-up and `--repeat` timed renders of `scene`, each timed run preceded by a
/// peak run; the medians and the checksum of the last picture's escape counts.
fn measure_scene(
    args: &BenchArgs,
    pool: &rayon::ThreadPool,
    path: KernelPath,
    scene: &scenes::Scene,
) -> anyhow::Result<(Row, Peak)> {
    let options = RenderOptions {
        kernel: args.kernel,
        shortcuts: scene.shortcuts,
        mirror: !args.no_mirror,
        ..RenderOptions::default()
    };
    let mut runs = Vec::with_capacity(args.repeat);
    let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
    let mut last = None;
    let mut peak = Peak::default();
    // On one thread a peak run precedes each timed run. On more, the peak runs follow the
    // timed runs instead: a peak run before each frame leaves the other threads asleep
    // through it, and the frame pays their wake-up (`standard` on 2 threads took 14.1–15.7
    // ms of CPU a frame that way and 11.4–12.4 ms with its frames back to back, as an
    // explorer or a worker renders them; Zen 4 VM). The share is of CPU time either way.
    let interleave = pool.current_num_threads() == 1;
    for i in 0..=args.repeat {
        if i > 0 && interleave {
            // On a pool thread, as the render that follows: run on the main thread, it
            // left the render to a thread that had slept through the peak run (measured on
            // a Zen 4 VM: `classic` 4.1–4.7 ms a frame that way, 3.4–3.5 ms this way,
            // against 3.5–3.7 in the engine's own bench, which always did this).
            pool.install(|| peak.sample(path));
        }
        if args.fresh_buffers {
            buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
        }
        let (cpu0, wall0) = (process_cpu_time(), Instant::now());
        let stats = pool.install(|| render_into(&scene.params, &options, &Control::new(), &mut buffer))?;
        let (cpu, wall) = (process_cpu_time() - cpu0, wall0.elapsed());
        if i > 0 {
            runs.push((cpu.as_secs_f64() * 1e3, wall.as_secs_f64() * 1e3));
        }
        last = Some(stats);
    }
    if !interleave {
        for _ in 0..args.repeat {
            pool.install(|| peak.sample(path));
        }
    }
    let stats = last.context("no run")?;
    let peak_median = peak.median();
    let cpu_ms = median(runs.iter().map(|r| r.0).collect());
    let wall_ms = median(runs.iter().map(|r| r.1).collect());
    let bytes: Vec<u8> = buffer.counts().iter().flat_map(|c| c.to_le_bytes()).collect();
    let row = Row {
        scene: scene.name,
        kernel: stats.kernel.to_string(),
        threads: pool.current_num_threads(),
        width: scene.params.width,
        height: scene.params.height,
        max_iterations: scene.params.max_iterations,
        iterations: stats.iterations,
        cpu_ms,
        wall_ms,
        giga_iterations_per_cpu_second: stats.iterations as f64 / (cpu_ms * 1e6),
        peak_giga_lane_iterations_per_cpu_second: peak_median,
        peak_best_giga_lane_iterations_per_cpu_second: peak.best(),
        percent_of_peak: 100.0 * stats.iterations as f64 / (cpu_ms * 1e6) / peak_median,
        checksum: sha256_hex(&bytes)[..16].to_owned(),
    };
    Ok((row, peak))
}

/// The middle value (the upper one of an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One scene as a JSON line or a table row.
fn print_row(json: bool, row: &Row) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(row)?);
    } else {
        println!(
            "{:<9} {:<9} {:>3} {:>5} {:>5} {:>6} {:>13} {:>8.2} {:>8.2} {:>9.2} {:>6.2} {:>5.1}%  {}",
            row.scene,
            row.kernel,
            row.threads,
            row.width,
            row.height,
            row.max_iterations,
            row.iterations,
            row.cpu_ms,
            row.wall_ms,
            row.giga_iterations_per_cpu_second,
            row.peak_giga_lane_iterations_per_cpu_second,
            row.percent_of_peak,
            row.checksum
        );
    }
    Ok(())
}
