//! `cargo bench -p faafo-engine --bench scenes`: the fixed scenes of `faafo bench`, timed
//! in the engine alone (no backend build needed).
//!
//! CPU time is taken from `/proc/self/stat` (utime + stime) where it exists, so runs on
//! a shared machine are not charged for other processes; wall time is printed too. Each
//! scene runs on a 1-thread pool (wall ≈ CPU) and a 2-thread pool, after a warm-up run,
//! and the median of the timed runs is reported with a checksum of the escape counts and
//! norms, so a speed-up cannot silently change pixels. On one thread a run of the peak loop
//! precedes each timed run, and the scene's rate is printed as a share of their median.
//!
//! Arguments (after `--`): scene names to run (default: all), `--repeat N` (default 7),
//! `--threads N` (repeatable; default 1 and 2), `--kernel PATH`, `--no-peak` (no peak runs: for profiling).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use faafo_engine::{
    Control, EscapeBuffer, KernelPath, RenderOptions, SmoothScale, peak_rate, render_into, scenes, sha256_hex,
};

/// Process CPU time (user + system) from `/proc/self/stat`, in clock ticks of 10 ms
/// resolution, or `None` where that file does not exist. Coarse, so it is summed over
/// all timed runs rather than read per run.
fn process_cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Per-thread CPU time of the calling thread from `/proc/thread-self/schedstat`
/// (nanoseconds on CPU), precise; `None` where unavailable.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// One run of the machine's peak loop (about 0.1 s for each of its shapes, the best
/// shape kept: the schedstat clock can lag by a scheduler tick, so shorter runs are
/// noisy) on this thread, in G lane-iterations per CPU-second, as `faafo bench` measures
/// it; `None` without a thread CPU clock.
fn peak_once(path: KernelPath) -> Option<f64> {
    peak_rate(path, 1_000_000_000, thread_cpu_ns)
}

fn main() {
    let mut names = Vec::new();
    let mut repeat = 7usize;
    let mut threads = Vec::new();
    let mut kernel = None;
    let mut with_peak = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--repeat" => repeat = args.next().and_then(|v| v.parse().ok()).expect("--repeat N"),
            "--threads" => threads.push(args.next().and_then(|v| v.parse().ok()).expect("--threads N")),
            "--kernel" => kernel = Some(args.next().and_then(|v| v.parse::<KernelPath>().ok()).expect("--kernel PATH")),
            // For profiling: the peak runs would dominate the samples.
            "--no-peak" => with_peak = false,
            "--bench" => {}
            other if other.starts_with("--") => {}
            other => names.push(other.to_owned()),
        }
    }
    if threads.is_empty() {
        threads = vec![1, 2];
    }
    let repeat = repeat.max(1);
    let chosen: Vec<_> =
        scenes::all().into_iter().filter(|s| names.is_empty() || names.iter().any(|n| n == s.name)).collect();
    println!(
        "{:<9} {:<9} {:>3} {:>13} {:>9} {:>9} {:>9} {:>11} {:>6} {:>6}  checksum(counts+norms)",
        "scene", "kernel", "thr", "iterations", "cpu ms", "wall ms", "min ms", "Giter/cpu-s", "peak", "%peak"
    );
    for t in threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        for scene in &chosen {
            let options = RenderOptions { kernel, shortcuts: scene.shortcuts, ..RenderOptions::default() };
            let mut buffer = EscapeBuffer::new(0, 0, SmoothScale::default());
            let mut walls = Vec::with_capacity(repeat);
            let mut cpu_ns = Vec::with_capacity(repeat);
            let mut stats = None;
            let mut ticks = 0;
            let mut peaks = Vec::with_capacity(repeat);
            for i in 0..=repeat {
                if i > 0 && t == 1 && with_peak {
                    // A peak run before each timed run on the same thread, as `faafo bench`.
                    let path = kernel.unwrap_or_else(KernelPath::detect);
                    peaks.extend(pool.install(|| peak_once(path)));
                }
                // With one worker the pool thread does all the work: its own schedstat
                // is an exact CPU time. With more, fall back to process ticks.
                let (c0, p0, w0) = (pool.install(thread_cpu_ns), process_cpu_ticks(), Instant::now());
                let st = pool.install(|| render_into(&scene.params, &options, &Control::new(), &mut buffer)).unwrap();
                let wall = w0.elapsed();
                let (c1, p1) = (pool.install(thread_cpu_ns), process_cpu_ticks());
                if i > 0 {
                    walls.push(wall);
                    if t == 1
                        && let (Some(a), Some(b)) = (c0, c1)
                    {
                        cpu_ns.push(b - a);
                    }
                    if let (Some(a), Some(b)) = (p0, p1) {
                        ticks += b - a;
                    }
                }
                stats = Some(st);
            }
            let stats = stats.unwrap();
            walls.sort();
            cpu_ns.sort();
            let wall = walls[walls.len() / 2];
            let cpu = if cpu_ns.is_empty() {
                // 100 ticks a second on Linux; averaged over the runs.
                Duration::from_secs_f64(ticks as f64 / 100.0 / repeat as f64)
            } else {
                Duration::from_nanos(cpu_ns[cpu_ns.len() / 2])
            };
            let min = if cpu_ns.is_empty() { walls[0] } else { Duration::from_nanos(cpu_ns[0]) };
            let mut bytes: Vec<u8> = buffer.counts().iter().flat_map(|c| c.to_le_bytes()).collect();
            bytes.extend(buffer.norms().iter().flat_map(|n| n.to_le_bytes()));
            let counts: Vec<u8> = buffer.counts().iter().flat_map(|c| c.to_le_bytes()).collect();
            let ms = cpu.as_secs_f64() * 1e3;
            peaks.sort_by(f64::total_cmp);
            let peak = peaks.get(peaks.len() / 2).copied().unwrap_or(f64::NAN);
            let rate = stats.iterations as f64 / (ms * 1e6);
            println!(
                "{:<9} {:<9} {:>3} {:>13} {:>9.2} {:>9.2} {:>9.2} {:>11.2} {:>6.2} {:>5.1}%  {} counts {}",
                scene.name,
                stats.kernel.name(),
                t,
                stats.iterations,
                ms,
                wall.as_secs_f64() * 1e3,
                min.as_secs_f64() * 1e3,
                rate,
                peak,
                100.0 * rate / peak,
                &sha256_hex(&bytes)[..16],
                &sha256_hex(&counts)[..16],
            );
        }
    }
}
