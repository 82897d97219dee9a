//! The main view: its render worker, the pictures on screen (full and preview layers),
//! what arrives from the worker, the canvas' size and input, and the status text.

use std::time::{Duration, Instant};

use egui::{Pos2, Rect};
use faafo_engine::{ColouringMode, Complex64, Fractal, RenderError};

use crate::model::colour::Look;
use crate::model::location::{Iterations, Location};
use crate::model::view::Frame;
use crate::render::layer::{Layer, set_layer};
use crate::render::worker::{Pass, PassStats, Picture, Raised, RenderKey, RenderWorker, WorkerConfig, WorkerEvent};
use crate::ui::canvas::{self, CanvasOutput, CanvasState};

/// Highest limit automatic iterations raise to: beyond it one deeper pass over a
/// picture's interior takes seconds on two cores.
pub const AUTO_ITERATIONS_CAP: u32 = 1_000_000;

/// How far out (scale factor) a raised limit still holds: zooming out by more drops it.
const RAISE_KEPT_ZOOMING_OUT: f64 = 8.0;

/// A limit automatic iterations raised, and where: it holds for the same fractal at
/// this scale or deeper (the deeper, the more steps pixels need), and a little shallower.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RaisedLimit {
    fractal: Fractal,
    /// log10 of the view's scale (any depth).
    scale_log10: f64,
    raised: Raised,
}

impl RaisedLimit {
    fn holds_at(&self, location: &Location) -> bool {
        location.iterations == Iterations::Auto
            && location.fractal == self.fractal
            && location.view.scale.log10() <= self.scale_log10 + RAISE_KEPT_ZOOMING_OUT.log10()
    }
}

/// When a picture arrived, for the benchmark.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// When the UI took it off the channel.
    pub at: Instant,
    /// The request it answers.
    pub generation: u64,
    pub pass: Pass,
    pub stats: PassStats,
    /// What it shows.
    pub key: RenderKey,
    /// A recolouring of an earlier picture.
    pub recoloured: bool,
}

/// The main view's state.
pub(crate) struct MainView {
    worker: Option<RenderWorker>,
    full: Option<Layer>,
    /// Shown over `full` while it is newer.
    preview: Option<Layer>,
    /// The newest request sent to the worker and when.
    requested: Option<(RenderKey, Instant)>,
    /// Whether the newest request's iterations were automatic (may be raised).
    requested_auto: bool,
    /// What the newest request's look needed beside the escape values: `None`, or the
    /// orbit kernel's pair (`Some(true)` for stripe averages, `Some(false)` for `u`).
    requested_derivative: Option<bool>,
    /// The look of the newest request.
    requested_look: Look,
    /// Samples per pixel of the full picture on screen (more than 1 when antialiased).
    samples: u32,
    /// From the newest request to its full-resolution picture.
    full_after_input: Option<Duration>,
    /// The newest picture computed (not recoloured): pass, figures, size in pixels.
    last_picture: Option<(Pass, PassStats, [usize; 2])>,
    /// The newest request failed: its generation and why.
    failed: Option<(u64, RenderError)>,
    /// `Some` while the benchmark records arrivals.
    arrivals: Option<Vec<Arrival>>,
    canvas: CanvasState,
    /// In points, as laid out in the last frame.
    canvas_rect: Option<Rect>,
    /// In physical pixels; `None` while smaller than 2 × 2 (minimised).
    canvas_px: Option<[u32; 2]>,
    /// The newest raise of automatic iterations.
    raised: Option<RaisedLimit>,
    /// Frames in a row that sent a request: the hand is moving (see [`MOVING_FRAMES`]).
    moving_frames: u32,
}

/// Frames in a row with a new view that make a motion (a fly, a wheel spin, a drag):
/// when it stops, the worker skips the last view's preview. A single step (a click, a
/// jump to a bookmark) keeps its preview: nothing useful is on screen there yet.
const MOVING_FRAMES: u32 = 2;

impl MainView {
    /// Starts the render thread; `problems` gets why it could not start.
    pub(crate) fn new(ctx: &egui::Context, problems: &mut Vec<String>) -> Self {
        let worker = RenderWorker::spawn("faafo-render", ctx.clone(), WorkerConfig::default())
            .map_err(|e| problems.push(format!("cannot start the render thread: {e}")))
            .ok();
        Self {
            worker,
            full: None,
            preview: None,
            requested: None,
            requested_auto: false,
            requested_derivative: None,
            requested_look: Look::default(),
            samples: 1,
            full_after_input: None,
            last_picture: None,
            failed: None,
            arrivals: None,
            canvas: CanvasState::default(),
            canvas_rect: None,
            canvas_px: None,
            raised: None,
            moving_frames: 0,
        }
    }

    /// Lays the canvas out over the rest of `ui` and reads its input; `None` while it is
    /// too small to render (the commands are to be applied before [`MainView::paint`]).
    pub(crate) fn layout_and_input(&mut self, ui: &mut egui::Ui, location: &Location) -> Option<(Rect, CanvasOutput)> {
        let (rect, response) = canvas::allocate(ui);
        let ctx = ui.ctx().clone();
        let ppp = ctx.pixels_per_point();
        let max_side = ctx.input(|i| i.max_texture_side) as f32;
        let px = [rect.width(), rect.height()].map(|s| (s * ppp).round().clamp(0.0, max_side) as u32);
        self.canvas_rect = Some(rect);
        self.canvas_px = (px[0] >= 2 && px[1] >= 2).then_some(px);
        let frame = self.frame(location)?;
        let mandelbrot = location.fractal == Fractal::Mandelbrot;
        Some((rect, canvas::canvas_input(ui, &response, rect, &mut self.canvas, &frame, mandelbrot)))
    }

    /// Sets the hold-to-fly speed (magnification per second).
    pub(crate) fn set_fly_speed(&mut self, zoom_per_s: f64) {
        self.canvas.fly_zoom_per_s = zoom_per_s;
    }

    /// Paints the layers reprojected to `location`'s view.
    pub(crate) fn paint(&self, ui: &egui::Ui, rect: Rect, location: &Location) {
        let Some(current) = self.frame(location) else { return };
        let mut layers: Vec<&Layer> = self.full.iter().collect();
        if let Some(p) = &self.preview
            && self.full.as_ref().is_none_or(|f| p.generation > f.generation)
        {
            layers.push(p);
        }
        canvas::paint(ui, rect, &current.grid(), &layers, &self.canvas);
    }

    /// Sends a request when the view, size, kind or iterations (or whether they are
    /// automatic, or whether the colouring needs the derivative) differ from the last one.
    pub(crate) fn ensure_render(&mut self, location: &Location, look: &Look) {
        let Some(frame) = self.frame(location) else { return };
        let key = RenderKey { fractal: location.fractal, frame, max_iterations: self.max_iterations(location) };
        let auto = location.iterations == Iterations::Auto;
        // Distance and lighting need the derivative, stripes the stripe average, which
        // pictures in other colourings lack.
        let derivative = look.needs_derivative().then_some(look.colouring.mode == ColouringMode::Stripes);
        // An antialiased picture is coloured as it is sampled: a new look samples again.
        let look_matters = look.colouring.antialias > 1 || self.requested_look.colouring.antialias > 1;
        if self.requested.as_ref().is_some_and(|(k, _)| *k == key)
            && self.requested_auto == auto
            && self.requested_derivative == derivative
            && (!look_matters || self.requested_look == *look)
        {
            if self.moving_frames >= MOVING_FRAMES
                && let Some(worker) = &self.worker
            {
                worker.still();
            }
            self.moving_frames = 0;
            return;
        }
        self.moving_frames += 1;
        if let Some(worker) = &mut self.worker {
            // Before the request, so that it applies to it.
            worker.set_auto_iterations(auto.then_some(AUTO_ITERATIONS_CAP));
            self.requested_auto = auto;
            self.requested_derivative = derivative;
            self.requested_look = look.clone();
            let generation = worker.submit(key.clone(), look.clone());
            self.requested = Some((key, Instant::now()));
            self.full_after_input = None;
            if self.failed.as_ref().is_some_and(|(g, _)| *g < generation) {
                self.failed = None;
            }
        }
    }

    /// Recolours what is on screen (the worker sends the pictures again).
    pub(crate) fn set_look(&self, look: &Look) {
        if let Some(w) = &self.worker {
            w.set_look(look.clone());
        }
    }

    /// Takes in what the worker finished since the last frame.
    pub(crate) fn poll(&mut self, ctx: &egui::Context) {
        let mut events = Vec::new();
        if let Some(w) = &self.worker {
            while let Some(e) = w.try_recv() {
                events.push(e);
            }
        }
        for event in events {
            match event {
                WorkerEvent::Picture(p) => self.on_picture(ctx, p),
                WorkerEvent::Failed { generation, error } => {
                    if generation == self.generation() {
                        self.failed = Some((generation, error));
                    }
                }
            }
        }
    }

    fn on_picture(&mut self, ctx: &egui::Context, p: Picture) {
        if let Some(arrivals) = &mut self.arrivals {
            arrivals.push(Arrival {
                at: Instant::now(),
                generation: p.generation,
                pass: p.pass,
                stats: p.stats,
                key: p.key.clone(),
                recoloured: p.recoloured,
            });
        }
        let newest = self.generation();
        if p.pass.is_full_resolution() {
            if self.full.as_ref().is_some_and(|l| l.generation > p.generation) {
                return;
            }
            set_layer(&mut self.full, ctx, "fractal", &p);
            self.samples = p.samples;
            if self.preview.as_ref().is_some_and(|l| l.generation <= p.generation) {
                self.preview = None;
            }
            if p.generation == newest
                && !p.recoloured
                && let Some((_, at)) = self.requested
            {
                self.full_after_input = Some(at.elapsed());
            }
        } else {
            if self.full.as_ref().is_some_and(|l| l.generation >= p.generation)
                || self.preview.as_ref().is_some_and(|l| l.generation > p.generation)
            {
                return;
            }
            set_layer(&mut self.preview, ctx, "fractal-preview", &p);
        }
        if !p.recoloured {
            self.last_picture = Some((p.pass, p.stats, p.image.size));
        }
        if let Some(raised) = p.raised
            && p.generation == newest
        {
            // A raise that continues the last one (the view asked for its limit, and the
            // worker went on) is reported from where the first began.
            let raised = match self.raised {
                Some(prev) if prev.fractal == p.key.fractal && prev.raised.to == raised.from => Raised {
                    from: prev.raised.from,
                    false_interior: prev.raised.false_interior + raised.false_interior,
                    ..raised
                },
                _ => raised,
            };
            let scale_log10 = p.key.frame.view.scale.log10();
            self.raised = Some(RaisedLimit { fractal: p.key.fractal, scale_log10, raised });
        }
        if p.generation == newest {
            self.failed = None;
        }
    }

    // ----- what the rest of the app and the tests read -----

    /// The canvas' frame for `location` (its view at the canvas size), once laid out.
    pub(crate) fn frame(&self, location: &Location) -> Option<Frame> {
        self.canvas_px.map(|[w, h]| Frame::new(location.view.clone(), w, h).of_kind(location.fractal.kind()))
    }

    pub(crate) fn canvas_rect(&self) -> Option<Rect> {
        self.canvas_rect
    }

    pub(crate) fn canvas_px(&self) -> Option<[u32; 2]> {
        self.canvas_px
    }

    /// The complex number under screen position `pos` (points) at `location`.
    pub(crate) fn point_at_screen(&self, location: &Location, ppp: f32, pos: Pos2) -> Option<Complex64> {
        let frame = self.frame(location)?;
        let rect = self.canvas_rect?;
        Some(frame.point_at(canvas::to_px(rect, ppp, pos)))
    }

    pub(crate) fn full(&self) -> Option<&Layer> {
        self.full.as_ref()
    }

    /// The newest request's generation.
    pub(crate) fn generation(&self) -> u64 {
        self.worker.as_ref().map_or(0, RenderWorker::generation)
    }

    /// Progress (0..=1) of the newest request's full-resolution pass, while it runs.
    pub(crate) fn progress(&self) -> Option<f32> {
        self.worker.as_ref().and_then(RenderWorker::progress)
    }

    /// Whether the full-resolution picture of exactly `location`'s view is on screen.
    pub(crate) fn is_up_to_date(&self, location: &Location) -> bool {
        let (Some(full), Some((key, _)), Some(frame)) = (&self.full, &self.requested, self.frame(location)) else {
            return false;
        };
        full.generation == self.generation() && key.frame == frame && full.key == *key
    }

    /// Whether the newest request's full-resolution picture is on screen (whatever the
    /// view is now).
    pub(crate) fn newest_is_shown(&self) -> bool {
        self.full.as_ref().is_some_and(|f| f.generation == self.generation())
    }

    pub(crate) fn failure(&self) -> Option<&RenderError> {
        self.failed.as_ref().map(|(_, e)| e)
    }

    /// The status bar's main text.
    pub(crate) fn status_text(&self, location: &Location) -> String {
        if let Some((_, error)) = &self.failed {
            return format!("render failed: {error}");
        }
        match (&self.last_picture, self.is_up_to_date(location)) {
            (Some((pass, stats, size)), true) => {
                let mut text = format!(
                    "{} {}×{} · {} iterations · {:.1} ms · kernel {}",
                    pass.label(),
                    size[0],
                    size[1],
                    stats.iterations,
                    stats.total.as_secs_f64() * 1e3,
                    stats.kernel
                );
                if let Some(note) = self.iterations_note(location) {
                    text += &format!(" · limit {note}");
                }
                if self.samples > 1 {
                    text += &format!(" · antialiased, {} samples", self.samples);
                }
                text
            }
            _ => "rendering…".to_owned(),
        }
    }

    /// The iteration limit the view renders with: the location's, or for automatic
    /// iterations the limit they were raised to here (never lower than the location's).
    pub(crate) fn max_iterations(&self, location: &Location) -> u32 {
        let base = location.max_iterations();
        match &self.raised {
            Some(r) if r.holds_at(location) => base.max(r.raised.to),
            _ => base,
        }
    }

    /// Why the limit is higher than the automatic choice, for the readouts:
    /// "raised to 44,176 from 2,761: 2.8 % of pixels hit the limit".
    pub(crate) fn iterations_note(&self, location: &Location) -> Option<String> {
        self.raised
            .filter(|r| r.holds_at(location) && r.raised.to > location.max_iterations())
            .map(|r| r.raised.describe())
    }

    /// The newest picture computed: pass, figures, size in pixels.
    pub(crate) fn last_picture(&self) -> Option<(Pass, PassStats, [usize; 2])> {
        self.last_picture
    }

    /// From the newest request to its full-resolution picture.
    pub(crate) fn full_after_input(&self) -> Option<Duration> {
        self.full_after_input
    }

    /// Starts recording picture arrivals.
    pub(crate) fn record_arrivals(&mut self) {
        self.arrivals = Some(Vec::new());
    }

    /// The pictures that arrived since the last call.
    pub(crate) fn take_arrivals(&mut self) -> Vec<Arrival> {
        self.arrivals.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

// By hand: textures and channels have no useful `Debug`.
impl std::fmt::Debug for MainView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MainView")
            .field("generation", &self.generation())
            .field("full", &self.full.as_ref().map(|l| (l.generation, l.pass)))
            .field("preview", &self.preview.as_ref().map(|l| (l.generation, l.pass)))
            .field("canvas_px", &self.canvas_px)
            .finish_non_exhaustive()
    }
}
