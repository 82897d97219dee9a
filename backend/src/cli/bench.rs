//! `faafo bench`: fixed scenes, timed in CPU and wall time, with a checksum of the result
//! so a speed-up cannot silently change pixels.

use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use faafo_engine::{
    Control, EscapeBuffer, KernelPath, RenderOptions, SmoothScale, peak_lane_iterations, render_into, scenes,
    sha256_hex,
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
    /// Worker threads (default: one per core).
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
    /// Measure only the machine's peak (see below) and print it.
    #[arg(long)]
    peak: bool,
}

/// The machine's limit for the Mandelbrot step on one thread, in G lane-iterations per
/// CPU-second: independent chains of `z ← z² + c` on the widest vector unit, no escape
/// test, no memory traffic (the engine's `peak_lane_iterations`). The best of five runs
/// of about 0.2 s, so a neighbour's load lowers it as little as possible.
fn peak(path: KernelPath) -> f64 {
    const STEPS: u64 = 2_000_000;
    (0..5)
        .map(|_| {
            let cpu0 = thread_cpu_time();
            let lanes = peak_lane_iterations(path, STEPS);
            lanes as f64 / ((thread_cpu_time() - cpu0).as_secs_f64().max(1e-9) * 1e9)
        })
        .fold(0.0, f64::max)
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
    /// [`peak`] on the same path.
    peak_giga_lane_iterations_per_cpu_second: f64,
    /// The scene's rate as a share of it, in percent.
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
    let all = scenes::all();
    let chosen: Vec<_> = if args.scenes.is_empty() {
        all
    } else {
        args.scenes
            .iter()
            .map(|name| {
                scenes::find(name).ok_or_else(|| {
                    let names: Vec<_> = all.iter().map(|s| s.name).collect();
                    CliError::Usage(format!("unknown scene '{name}'; allowed: {}", names.join(", ")))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let threads = pool.current_num_threads();
    let path = args.kernel.unwrap_or_else(KernelPath::detect);
    let peak = peak(path);
    if args.json && args.peak {
        let line = serde_json::json!({ "kernel": path.to_string(), "peak_giga_lane_iterations_per_cpu_second": peak });
        println!("{line}");
    } else if !args.json {
        println!(
            "peak: {peak:.2} G lane-iterations per CPU-second ({path}, one thread, z <- z^2 + c without escape tests)"
        );
    }
    if args.peak {
        return Ok(());
    }
    if !args.json {
        println!(
            "{:<9} {:<9} {:>3} {:>5} {:>5} {:>6} {:>13} {:>8} {:>8} {:>9} {:>6}  checksum",
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
            "%peak"
        );
    }
    for scene in chosen {
        let options = RenderOptions { kernel: args.kernel, shortcuts: scene.shortcuts, ..RenderOptions::default() };
        let mut runs = Vec::with_capacity(args.repeat);
        let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
        let mut last = None;
        for i in 0..=args.repeat {
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
        let stats = last.context("no run")?;
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (cpu_ms, _) = runs[runs.len() / 2];
        let mut walls: Vec<f64> = runs.iter().map(|r| r.1).collect();
        walls.sort_by(f64::total_cmp);
        let wall_ms = walls[walls.len() / 2];
        let bytes: Vec<u8> = buffer.counts().iter().flat_map(|c| c.to_le_bytes()).collect();
        let row = Row {
            scene: scene.name,
            kernel: stats.kernel.to_string(),
            threads,
            width: scene.params.width,
            height: scene.params.height,
            max_iterations: scene.params.max_iterations,
            iterations: stats.iterations,
            cpu_ms,
            wall_ms,
            giga_iterations_per_cpu_second: stats.iterations as f64 / (cpu_ms * 1e6),
            peak_giga_lane_iterations_per_cpu_second: peak,
            percent_of_peak: 100.0 * stats.iterations as f64 / (cpu_ms * 1e6) / peak,
            checksum: sha256_hex(&bytes)[..16].to_owned(),
        };
        if args.json {
            println!("{}", serde_json::to_string(&row)?);
        } else {
            println!(
                "{:<9} {:<9} {:>3} {:>5} {:>5} {:>6} {:>13} {:>8.2} {:>8.2} {:>9.2} {:>5.1}%  {}",
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
                row.percent_of_peak,
                row.checksum
            );
        }
    }
    Ok(())
}
