//! The fly phases of `--bench-zoom`: XaoS-style hold-to-fly into Seahorse Valley, the
//! middle button held for [`FLY_SECONDS`] at 1920×1080 with automatic iterations, then
//! short flies that stop at depths down to [`STOP_DEPTHS`]' last, timing the full picture
//! after each stop.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context as _, bail};
use egui::{Event, Modifiers, PointerButton};
use faafo_engine::{Fractal, FractalKind};

use super::driver::{Driver, FrameRecord, cpu_seconds};
use super::{RunSummary, SEAHORSE};
use crate::command::Command;
use crate::model::location::{Iterations, Location};
use crate::model::view::View;

/// How long the button is held in the long fly.
pub(super) const FLY_SECONDS: f64 = 5.0;
/// Where the long fly ends: the deepest scale of the target.
const FLY_TARGET_SCALE: f64 = 1e-10;
/// Scales at which a short fly stops (the hand lets go) and the full picture is timed.
pub(super) const STOP_DEPTHS: [f64; 5] = [1e-2, 1e-4, 1e-6, 1e-8, 1e-10];
/// Each short fly starts this much wider than where it stops.
const STOP_RUN_UP: f64 = 8.0;

/// What the fly phases measured.
#[derive(Debug, Default, Clone)]
pub(super) struct FlySummary {
    /// Fresh (computed, not recoloured) pictures per second while flying, any pass.
    pub(super) pictures_per_s: f64,
    /// Of those, full-resolution pictures per second.
    pub(super) full_pictures_per_s: f64,
    /// UI frames per second while flying.
    pub(super) ui_fps: f64,
    /// CPU cores kept busy while flying.
    pub(super) cpu_cores: Option<f64>,
    /// Scale reached when the button was released.
    pub(super) deepest_scale: f64,
    /// Per request while flying: its first computed picture after the frame that asked.
    pub(super) first_picture_ms: Vec<f64>,
    /// The frame carrying the input (the old picture reprojected on screen).
    pub(super) input_frame_ms: Vec<f64>,
    /// Per depth decade: (seconds, fresh pictures).
    pub(super) by_decade: BTreeMap<i32, (f64, u32)>,
    /// (scale stopped at, ms from letting go to the full picture).
    pub(super) stop_full_ms: Vec<(f64, f64)>,
}

fn button(d: &Driver, pressed: bool) -> Vec<Event> {
    let pos = d.pointer;
    vec![
        Event::PointerMoved(pos),
        Event::PointerButton { pos, button: PointerButton::Middle, pressed, modifiers: Modifiers::NONE },
    ]
}

/// Puts the pointer over `SEAHORSE` in the current view.
fn point_at_seahorse(d: &mut Driver) -> anyhow::Result<()> {
    let frame = d.app.current_frame().context("no canvas")?;
    let rect = d.app.canvas_rect().context("no canvas")?;
    let [x, y] = frame.position_of(SEAHORSE);
    d.pointer = egui::Pos2::new(rect.min.x + x as f32, rect.min.y + y as f32);
    Ok(())
}

fn seahorse_at(scale: f64) -> Location {
    let view = if scale >= View::home(FractalKind::Mandelbrot).scale_f64() {
        View::home(FractalKind::Mandelbrot)
    } else {
        View::new(SEAHORSE.re, SEAHORSE.im, scale)
    };
    Location { fractal: Fractal::Mandelbrot, view, iterations: Iterations::Auto }
}

/// Runs both fly phases into `sum.fly`.
pub(super) fn fly(d: &mut Driver, sum: &mut RunSummary) -> anyhow::Result<()> {
    let home = View::home(FractalKind::Mandelbrot).scale_f64();
    let speed = (home / FLY_TARGET_SCALE).powf(1.0 / FLY_SECONDS);
    d.app.apply(Command::SetFlySpeed(speed));
    long_fly(d, sum)?;
    for depth in STOP_DEPTHS {
        d.app.go_to(seahorse_at(depth * STOP_RUN_UP));
        d.settle()?;
        point_at_seahorse(d)?;
        d.begin("fly-stop");
        d.frame(button(d, true));
        let started = Instant::now();
        while d.app.location().view.scale_f64() > depth {
            d.frame(Vec::new());
            if started.elapsed().as_secs_f64() > FLY_SECONDS * 4.0 {
                bail!("the fly toward scale {depth:e} did not get there (at {})", d.app.location().view.scale);
            }
        }
        let release = button(d, false);
        d.frame(release);
        let full = d.settle()?;
        sum.fly.stop_full_ms.push((d.app.location().view.scale_f64(), full.as_secs_f64() * 1e3));
    }
    Ok(())
}

/// The long fly from the whole set to about 1e-10.
fn long_fly(d: &mut Driver, sum: &mut RunSummary) -> anyhow::Result<()> {
    d.app.go_to(seahorse_at(f64::INFINITY));
    d.settle()?;
    point_at_seahorse(d)?;
    d.begin("fly");
    let start = d.records.len();
    let cpu0 = cpu_seconds();
    let wall0 = Instant::now();
    d.frame(button(d, true));
    while wall0.elapsed().as_secs_f64() < FLY_SECONDS {
        d.frame(Vec::new());
    }
    d.frame(button(d, false));
    let wall = wall0.elapsed().as_secs_f64();
    let s = &mut sum.fly;
    s.cpu_cores = cpu0.zip(cpu_seconds()).map(|(a, b)| (b - a) / wall);
    s.deepest_scale = d.app.location().view.scale_f64();
    let records: &[FrameRecord] = &d.records[start..];
    let fresh = records.iter().map(|r| r.arrivals.len()).sum::<usize>();
    let full = records.iter().flat_map(|r| &r.arrivals).filter(|(a, _)| a.pass.is_full_resolution()).count();
    s.pictures_per_s = fresh as f64 / wall;
    s.full_pictures_per_s = full as f64 / wall;
    s.ui_fps = records.len() as f64 / wall;
    let mut first: BTreeMap<u64, f64> = BTreeMap::new();
    for r in records {
        // Every frame of a fly carries input: the held button moves the view.
        s.input_frame_ms.push(r.ui.as_secs_f64() * 1e3);
        let e = s.by_decade.entry(r.scale.log10().floor() as i32).or_default();
        e.0 += super::FRAME.as_secs_f64().max(r.ui.as_secs_f64());
        e.1 += r.arrivals.len() as u32;
        for (a, latency) in &r.arrivals {
            first.entry(a.generation).or_insert(latency.as_secs_f64() * 1e3);
        }
    }
    s.first_picture_ms = first.into_values().collect();
    // Let the last request finish so the next phase starts from a settled view.
    d.settle()?;
    Ok(())
}
