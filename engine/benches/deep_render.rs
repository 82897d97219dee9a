//! One deep frame, timed: the engine's side of `scripts/bench-deep.sh` (and a way to
//! reproduce the README's deep-zoom figures without the CLI).
//!
//! ```text
//! cargo bench -p faafo-engine --bench deep_render -- \
//!     --center RE,IM --scale S [--width 1280] [--height 720] [--iterations N] [--kind mandelbrot] [--runs 2]
//! ```
//!
//! Prints, per run, the reference orbit's time, the pixels' time and the process's CPU
//! time so far (user + system, from /proc/self/stat on Linux), then a summary line that
//! the script parses: `deep_render: orbit_s=… pixels_s=… wall_s=… cpu_s=…` for the last run.

use std::time::Instant;

use faafo_engine::deep::{ReferenceOrbit, render_deep};
use faafo_engine::location::{Center, Location, Scale};
use faafo_engine::{Control, Fractal};

/// User + system CPU seconds of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let center = get("--center").ok_or("--center RE,IM is required")?;
    let (re, im) = center.split_once(',').ok_or("--center must be RE,IM")?;
    let scale = Scale::parse(&get("--scale").ok_or("--scale is required")?).map_err(|e| e.to_string())?;
    let location = Location::new(Center::parse(re, im).map_err(|e| e.to_string())?, scale);
    let num = |name: &str, default: u32| {
        get(name).map_or(Ok(default), |v| v.parse::<u32>().map_err(|e| format!("{name}: {e}")))
    };
    let (width, height, iterations, runs) =
        (num("--width", 1280)?, num("--height", 720)?, num("--iterations", 50_000)?, num("--runs", 2)?);
    let fractal = match get("--kind").as_deref() {
        None | Some("mandelbrot") => Fractal::Mandelbrot,
        Some(other) => return Err(format!("--kind {other}: this bench renders mandelbrot")),
    };
    let control = Control::new();
    let mut summary = String::new();
    for run in 1..=runs.max(1) {
        let cpu0 = cpu_seconds();
        let started = Instant::now();
        let orbit = ReferenceOrbit::compute(&fractal, &location, iterations, &control).map_err(|e| e.to_string())?;
        let orbit_s = started.elapsed().as_secs_f64();
        let buffer = render_deep(&orbit, &location, width, height, iterations, &control).map_err(|e| e.to_string())?;
        let wall_s = started.elapsed().as_secs_f64();
        let cpu_s = cpu_seconds() - cpu0;
        let interior = buffer.norms().iter().filter(|n| **n < 0.0).count();
        let max = buffer.counts().iter().max().copied().unwrap_or(0);
        // FNV-1a of the counts: equal results compare equal across builds.
        let hash = buffer
            .counts()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, c| (h ^ u64::from(*c)).wrapping_mul(0x100_0000_01b3));
        println!(
            "run {run}: {width}x{height}, {iterations} iterations, {} bits, reference {} long: orbit {orbit_s:.3} s, pixels {:.3} s, wall {wall_s:.3} s, CPU {cpu_s:.2} s; {interior} interior pixels, largest count {max}, counts {hash:016x}",
            orbit.bits(),
            orbit.len(),
            wall_s - orbit_s,
        );
        summary = format!(
            "deep_render: orbit_s={orbit_s:.3} pixels_s={:.3} wall_s={wall_s:.3} cpu_s={cpu_s:.2}",
            wall_s - orbit_s
        );
    }
    println!("{summary}");
    Ok(())
}
