//! The benchmark's script (see the module docs of [`super`]), one phase a function.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context as _, bail};
use egui::{Event, Key, Modifiers, PointerButton, Pos2};
use faafo_engine::Fractal;

use super::driver::{Driver, cpu_seconds, load_average};
use super::{BenchOptions, FRAME, RunSummary, SEAHORSE, ZOOM_PER_FRAME};
use crate::model::location::{Iterations, Location};
use crate::model::view::View;
use crate::render::worker::Pass;

pub(super) fn run_once(options: &BenchOptions) -> anyhow::Result<RunSummary> {
    let mut d = Driver::new(options.quiet)?;
    let (fly_only, deep_only) = (options.fly_only, options.deep_only);
    let mut sum = RunSummary { load_before: load_average(), fly_only, deep_only, ..RunSummary::default() };
    if fly_only || deep_only {
        if fly_only {
            super::fly::fly(&mut d, &mut sum)?;
        }
        if deep_only {
            super::deep::deep(&mut d, &mut sum.deep)?;
        }
        sum.load_after = load_average();
        return Ok(sum);
    }
    let standard = Location {
        fractal: Fractal::Mandelbrot,
        view: View::home(faafo_engine::FractalKind::Mandelbrot),
        iterations: Iterations::Fixed(1000),
    };
    standard_view(&mut d, &mut sum, standard.clone())?;
    zoom(&mut d, &mut sum, standard)?;
    // 3. The hand stops at the deepest point.
    d.begin("stop");
    sum.stop_full_ms = d.settle()?.as_secs_f64() * 1e3;
    pan(&mut d, &mut sum)?;
    super::fly::fly(&mut d, &mut sum)?;
    super::deep::deep(&mut d, &mut sum.deep)?;
    sum.load_after = load_average();
    Ok(sum)
}

/// Where the wheel zoom of the benchmark stops: about where doubles end, as before deep
/// zoom (the zoom figures stay comparable).
const DIRECT_LIMIT_SCALE: f64 = 1e-13;
/// 1. The standard view after the hand stops (R from a deep view).
fn standard_view(d: &mut Driver, sum: &mut RunSummary, standard: Location) -> anyhow::Result<()> {
    d.begin("standard");
    d.app.go_to(standard.clone());
    d.settle()?;
    for _ in 0..6 {
        d.app.go_to(Location { view: View::new(SEAHORSE.re, SEAHORSE.im, 1e-4), ..standard.clone() });
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
    Ok(())
}

/// 2. Continuous zoom into Seahorse Valley with automatic iterations.
fn zoom(d: &mut Driver, sum: &mut RunSummary, standard: Location) -> anyhow::Result<()> {
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
        let before = d.app.location().view.scale_f64();
        let events = d.wheel(notches);
        d.frame(events);
        let now = d.app.location().view.scale_f64();
        // The app refused to go deeper, or the zoom reached where doubles end (deeper is
        // perturbation, measured on its own).
        if now >= before || now < DIRECT_LIMIT_SCALE {
            stuck += 1;
        }
    }
    let zoom_wall = wall0.elapsed().as_secs_f64();
    sum.zoom_cpu_cores = cpu0.zip(cpu_seconds()).map(|(a, b)| (b - a) / zoom_wall);
    sum.deepest_scale = d.app.location().view.scale_f64();
    let zoom_records = &d.records[zoom_start..];
    let fresh: u32 = zoom_records.iter().map(|r| r.arrivals.len() as u32).sum();
    sum.zoom_pictures_per_s = f64::from(fresh) / zoom_wall;
    sum.zoom_ui_fps = zoom_records.len() as f64 / zoom_wall;
    for r in zoom_records {
        let decade = r.scale.log10().floor() as i32;
        let e = sum.zoom_by_decade.entry(decade).or_default();
        e.0 += FRAME.as_secs_f64().max(r.ui.as_secs_f64());
        e.1 += r.arrivals.len() as u32;
        e.2 += 1;
    }
    for r in zoom_records {
        if r.had_input {
            sum.input_frame_ms.push(r.ui.as_secs_f64() * 1e3);
        }
    }
    // First computed picture per request (any pass), for requests that got one.
    let mut first: BTreeMap<u64, f64> = BTreeMap::new();
    for r in zoom_records {
        for (a, latency) in &r.arrivals {
            first.entry(a.generation).or_insert(latency.as_secs_f64() * 1e3);
        }
    }
    sum.first_picture_ms = first.into_values().collect();
    Ok(())
}

/// 4. A one-second drag at scale 1e-6.
fn pan(d: &mut Driver, sum: &mut RunSummary) -> anyhow::Result<()> {
    d.app.go_to(Location {
        view: View::new(SEAHORSE.re, SEAHORSE.im, 1e-6),
        iterations: Iterations::Auto,
        fractal: Fractal::Mandelbrot,
    });
    d.settle()?;
    d.begin("pan");
    let pan_start = d.records.len();
    let centre = d.app.canvas_rect().context("no canvas")?.center();
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
        .filter(|(a, _)| matches!(a.pass, Pass::Shift { .. }))
        .map(|(a, _)| a.stats.total.as_secs_f64() * 1e3)
        .collect();
    for r in pan_records {
        if r.had_input {
            sum.input_frame_ms.push(r.ui.as_secs_f64() * 1e3);
        }
    }
    Ok(())
}
