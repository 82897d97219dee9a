//! Drives the app through a bare `egui::Context` at the simulated display's pace, and
//! records each frame.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::bail;
use egui::{Event, Key, Modifiers, MouseWheelSource, MouseWheelUnit, Pos2, Rect, TouchPhase};

use super::{PATIENCE, SIZE};
use crate::app::ExplorerApp;
use crate::render::main_view::Arrival;

#[derive(Debug, Clone)]
pub(super) struct FrameRecord {
    pub(super) phase: &'static str,
    /// Since the phase started.
    pub(super) t: Duration,
    pub(super) scale: f64,
    pub(super) max_iterations: u32,
    /// Wall time of the frame (input, layout, commands, request, paint list, tessellation).
    pub(super) ui: Duration,
    pub(super) had_input: bool,
    /// Pictures taken in this frame.
    pub(super) arrivals: Vec<(Arrival, Duration)>,
}

/// Drives the app through a bare context.
pub(super) struct Driver {
    pub(super) ctx: egui::Context,
    pub(super) app: ExplorerApp,
    pub(super) started: Instant,
    pub(super) next_frame: Instant,
    pub(super) screen: Rect,
    pub(super) pointer: Pos2,
    /// When each generation was requested (the end of the frame that sent it).
    pub(super) submitted: BTreeMap<u64, Instant>,
    pub(super) records: Vec<FrameRecord>,
    pub(super) phase: &'static str,
    pub(super) phase_started: Instant,
    pub(super) quiet: bool,
}

impl Driver {
    pub(super) fn new(quiet: bool) -> anyhow::Result<Self> {
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

    pub(super) fn begin(&mut self, phase: &'static str) {
        self.phase = phase;
        self.phase_started = Instant::now();
    }

    /// Runs one frame with `events`, paced to the 60 Hz clock.
    pub(super) fn frame(&mut self, events: Vec<Event>) -> FrameRecord {
        super::pace(&mut self.next_frame);
        let had_input = !events.is_empty();
        let before = self.app.generation();
        let time = self.started.elapsed().as_secs_f64();
        let ui = super::run_frame(&self.ctx, &mut self.app, self.screen, time, events);
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
            scale: loc.view.scale_f64(),
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
    pub(super) fn settle(&mut self) -> anyhow::Result<Duration> {
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
                bail!("no full picture within {PATIENCE:?} at scale {}", self.app.location().view.scale);
            }
        }
    }

    pub(super) fn wheel(&self, notches: f64) -> Vec<Event> {
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

    pub(super) fn key(key: Key, pressed: bool) -> Event {
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
            "  | {} g{} limit {} computed {} px in {:.1} ms (+colour {:.1}) {:.1} ms after request",
            a.pass.label(),
            a.generation,
            a.key.max_iterations,
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
pub(super) fn cpu_seconds() -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

/// The 1-minute load average: how busy the (shared) machine was.
pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}
