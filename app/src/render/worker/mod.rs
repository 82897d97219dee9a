//! Background rendering: one named thread per worker, fed by a channel, answering with
//! coloured pictures over another channel and waking the UI with `request_repaint`.
//!
//! # Why it is shaped like this
//!
//! * **Generations.** Every request gets a number one higher than the last. Pictures carry
//!   the number of the request they answer, so the UI always knows how current a picture
//!   is; it shows older ones reprojected to the current view until newer ones arrive.
//! * **Passes.** A request runs as stages: a quick low-resolution *preview* sized to
//!   finish within the frame budget, then the *full* picture. When the previous picture
//!   has the same scale and the view moved by whole pixels (a pan), the single stage is a
//!   *shift*: old pixels are copied and only the newly exposed strips are computed.
//!   Cheap views skip the preview.
//! * **Cancellation.** When a newer request arrives, a stage expected to exceed the budget
//!   (the full pass of anything non-trivial) is cancelled through the engine's
//!   [`Control`] at once, and stages not started yet are dropped. A stage within the
//!   budget is allowed to finish: its picture still shows, reprojected, until the next
//!   one lands, and cancelling it would leave a fast zoom with no fresh pictures at all.
//! * **Recolouring.** The last preview and full picture keep their escape counts and
//!   smooth values, so a palette change is a recolour on this thread, never a recompute.
//!
//! The UI side ([`RenderWorker`]) never blocks: sending is non-blocking, results are
//! polled with `try_recv`, and the in-flight slot's mutex is only held for a copy.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use faafo_engine::{
    Colouring, Control, EscapeBuffer, Fractal, FractalKind, KernelPath, Params, RenderError, RenderOptions,
    SmoothScale, render_into,
};

use crate::colour::Look;
use crate::view::{Frame, Grid};

/// What to render: the fractal, the frame (view + size in physical pixels) and the
/// iteration limit. Colours are not part of it: they never require a recompute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderKey {
    /// Kind and constants.
    pub fractal: Fractal,
    /// View and size.
    pub frame: Frame,
    /// Iteration limit.
    pub max_iterations: u32,
}

impl RenderKey {
    fn params(&self, grid: &Grid) -> Params {
        Params {
            fractal: self.fractal,
            region: grid.region,
            width: grid.width,
            height: grid.height,
            max_iterations: self.max_iterations,
            colouring: Colouring::default(),
        }
    }
}

/// Which stage produced a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Low resolution: 1/`divisor` of each side.
    Preview {
        /// Side divisor (2..=16).
        divisor: u32,
    },
    /// Every pixel computed.
    Full,
    /// Full resolution from the previous picture moved by whole pixels; only the newly
    /// exposed strips computed.
    Shift {
        /// Pixels moved, x.
        dx: i64,
        /// Pixels moved, y.
        dy: i64,
    },
}

impl Pass {
    /// Whether this is a full-resolution picture of its request.
    pub fn is_full_resolution(self) -> bool {
        !matches!(self, Self::Preview { .. })
    }

    /// Short name for readouts and the benchmark.
    pub fn label(self) -> String {
        match self {
            Self::Preview { divisor } => format!("preview 1/{divisor}"),
            Self::Full => "full".to_owned(),
            Self::Shift { .. } => "shift+strips".to_owned(),
        }
    }
}

/// Figures about one stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassStats {
    /// z updates performed (strips only, for a shift).
    pub iterations: u64,
    /// Pixels computed.
    pub pixels_computed: u64,
    /// Time computing escape values.
    pub compute: Duration,
    /// Time computing and colouring (the whole stage).
    pub total: Duration,
    /// Kernel path used.
    pub kernel: KernelPath,
}

/// A coloured picture from the worker.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The request it answers.
    pub generation: u64,
    /// What was asked for.
    pub key: RenderKey,
    /// Its own pixel grid (smaller than the frame for a preview).
    pub grid: Grid,
    /// The stage.
    pub pass: Pass,
    /// The pixels, shared with the worker's copy (no duplicate 8 MiB per frame).
    pub image: Arc<egui::ColorImage>,
    /// Figures of the stage that computed it.
    pub stats: PassStats,
    /// True when this is an existing picture in new colours.
    pub recoloured: bool,
}

/// What comes back from the worker.
#[derive(Debug)]
pub enum WorkerEvent {
    /// A picture for some request.
    Picture(Picture),
    /// A request the engine refused (bad parameters) or that failed.
    Failed {
        /// The request.
        generation: u64,
        /// Why, as the engine phrased it.
        message: String,
    },
}

/// Tuning of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Time a stage may take and still not be cancelled when superseded; previews are
    /// sized to fit it.
    pub budget: Duration,
    /// Largest preview divisor (coarsest preview).
    pub max_divisor: u32,
    /// Whether to use preview passes at all (the small Julia inset does not need them).
    pub previews: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self { budget: Duration::from_millis(15), max_divisor: 16, previews: true }
    }
}

enum Msg {
    Render { generation: u64, key: RenderKey, look: Look },
    Look(Look),
}

/// The stage running on the worker, so the UI can cancel it or show its progress.
#[derive(Debug, Clone)]
struct InFlight {
    generation: u64,
    /// How long the stage may run before a newer request cancels it: zero for stages
    /// expected to be expensive, a few budgets for cheap ones (in case the estimate was
    /// wrong), `None` for one that must finish.
    cancel_after: Option<Duration>,
    started: Instant,
    full_resolution: bool,
    control: Arc<Control>,
}

#[derive(Debug, Default)]
struct Shared {
    in_flight: Mutex<Option<InFlight>>,
    stopped: AtomicBool,
}

impl Shared {
    fn in_flight(&self) -> Option<InFlight> {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_in_flight(&self, value: Option<InFlight>) {
        *self.in_flight.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

/// The UI's handle on a render thread.
#[derive(Debug)]
pub struct RenderWorker {
    tx: Sender<Msg>,
    rx: Receiver<WorkerEvent>,
    shared: Arc<Shared>,
    generation: u64,
}

impl RenderWorker {
    /// Starts the thread. `ctx` is woken whenever a picture is ready.
    pub fn spawn(name: &str, ctx: egui::Context, config: WorkerConfig) -> std::io::Result<Self> {
        let (tx, thread_rx) = mpsc::channel();
        let (thread_tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let mut state = WorkerThread::new(thread_rx, thread_tx, ctx, Arc::clone(&shared), config);
        std::thread::Builder::new().name(name.to_owned()).spawn(move || state.run())?;
        Ok(Self { tx, rx, shared, generation: 0 })
    }

    /// Asks for `key` in `look`; returns the request's generation. Cancels the running
    /// stage if it is an expensive one for an older request.
    pub fn submit(&mut self, key: RenderKey, look: Look) -> u64 {
        self.generation += 1;
        let generation = self.generation;
        // The thread only ends when this handle is dropped, so sending cannot fail here;
        // if it did, no picture would come and the status line would keep "rendering".
        self.tx.send(Msg::Render { generation, key, look }).ok();
        if let Some(f) = self.shared.in_flight()
            && f.generation < generation
            && f.cancel_after.is_some_and(|d| f.started.elapsed() >= d)
        {
            f.control.cancel();
        }
        generation
    }

    /// Changes colours: the worker recolours its last pictures and sends them again.
    pub fn set_look(&self, look: Look) {
        self.tx.send(Msg::Look(look)).ok();
    }

    /// The newest request's generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Next event, if any (never blocks).
    pub fn try_recv(&self) -> Option<WorkerEvent> {
        self.rx.try_recv().ok()
    }

    /// Progress (0..=1) of a full-resolution stage for the newest request, if one runs.
    pub fn progress(&self) -> Option<f32> {
        self.shared
            .in_flight()
            .filter(|f| f.generation == self.generation && f.full_resolution)
            .map(|f| f.control.progress())
    }
}

impl Drop for RenderWorker {
    /// Stops the thread without waiting for it: a cancelled stage ends within one band.
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
        if let Some(f) = self.shared.in_flight() {
            f.control.cancel();
        }
        // Dropping `tx` ends the thread's `recv`.
    }
}

/// A picture the worker keeps for pans (pixel reuse) and recolouring.
struct Retained {
    generation: u64,
    key: RenderKey,
    grid: Grid,
    pass: Pass,
    stats: PassStats,
    buffer: EscapeBuffer,
    smooth: Vec<f32>,
    image: Arc<egui::ColorImage>,
}

impl Retained {
    fn picture(&self, recoloured: bool) -> Picture {
        Picture {
            generation: self.generation,
            key: self.key,
            grid: self.grid,
            pass: self.pass,
            image: Arc::clone(&self.image),
            stats: self.stats,
            recoloured,
        }
    }
}

/// Cost model: wall time per pixel of the last stage, with what it was measured on.
#[derive(Debug, Clone, Copy)]
struct Cost {
    kind: FractalKind,
    max_iterations: u32,
    ns_per_px: f64,
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    Shift { dx: i64, dy: i64 },
    Preview { divisor: u32 },
    Full,
}

struct WorkerThread {
    rx: Receiver<Msg>,
    tx: Sender<WorkerEvent>,
    ctx: egui::Context,
    shared: Arc<Shared>,
    config: WorkerConfig,
    options: RenderOptions,
    look: Look,
    /// The look changed since the retained pictures were coloured.
    look_dirty: bool,
    pending: Option<(u64, RenderKey)>,
    full: Option<Retained>,
    preview: Option<Retained>,
    /// Buffers kept between stages so each frame does not pay fresh page faults.
    spare: Option<(EscapeBuffer, Vec<f32>)>,
    preview_spare: Option<(EscapeBuffer, Vec<f32>)>,
    strip: EscapeBuffer,
    /// Column and row of the grid where `strip` starts.
    strip_origin: (usize, usize),
    cost: Option<Cost>,
    /// The last shift was cancelled (see `render`).
    shift_cancelled: bool,
}

impl WorkerThread {
    fn new(
        rx: Receiver<Msg>,
        tx: Sender<WorkerEvent>,
        ctx: egui::Context,
        shared: Arc<Shared>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            rx,
            tx,
            ctx,
            shared,
            config,
            options: RenderOptions::default(),
            look: Look::default(),
            look_dirty: false,
            pending: None,
            full: None,
            preview: None,
            spare: None,
            preview_spare: None,
            strip: EscapeBuffer::new(0, 0, SmoothScale::default()),
            strip_origin: (0, 0),
            cost: None,
            shift_cancelled: false,
        }
    }

    fn run(&mut self) {
        loop {
            let next = match self.pending.take() {
                Some(p) => Some(p),
                None => match self.rx.recv() {
                    Ok(msg) => self.accept(msg),
                    Err(_) => return, // the UI handle is gone
                },
            };
            if self.shared.stopped.load(Ordering::Relaxed) {
                return;
            }
            if let Some((generation, key)) = next {
                self.render(generation, key);
            }
            self.absorb();
            if self.look_dirty && self.pending.is_none() {
                self.recolour_retained();
            }
        }
    }

    /// Takes a message in; returns a render request if it is one.
    fn accept(&mut self, msg: Msg) -> Option<(u64, RenderKey)> {
        match msg {
            Msg::Render { generation, key, look } => {
                if look != self.look {
                    self.look = look;
                    self.look_dirty = true;
                }
                Some((generation, key))
            }
            Msg::Look(look) => {
                if look != self.look {
                    self.look = look;
                    self.look_dirty = true;
                }
                None
            }
        }
    }

    /// Reads everything queued without blocking; returns whether a newer render waits.
    fn absorb(&mut self) -> bool {
        while let Ok(msg) = self.rx.try_recv() {
            if let Some(req) = self.accept(msg) {
                self.pending = Some(req);
            }
        }
        self.pending.is_some() || self.shared.stopped.load(Ordering::Relaxed)
    }

    fn send(&self, event: WorkerEvent) {
        // The UI may have gone away (window closed); nobody wants the picture then.
        if self.tx.send(event).is_ok() {
            self.ctx.request_repaint();
        }
    }

    fn render(&mut self, generation: u64, key: RenderKey) {
        if let Err(e) = key.frame.validate() {
            self.send(WorkerEvent::Failed { generation, message: e.to_string() });
            return;
        }
        for stage in self.plan(&key) {
            if self.absorb() {
                return; // superseded: the newer request is in `pending`
            }
            let pixels = self.stage_pixels(&key, stage);
            let estimate = self.stage_estimate(&key, stage);
            let budget = self.config.budget;
            let over = |limit: f64| estimate.is_none_or(|t| t > limit * budget.as_secs_f64());
            // Cheap stages finish even when superseded (their pictures still show,
            // reprojected), unless they overrun their estimate by far.
            let overrun = Some(budget * 3);
            let cancel_after = match stage {
                // A preview is what keeps pictures coming while the view moves: only one
                // far over budget is worth abandoning at once.
                Stage::Preview { .. } if estimate.is_some_and(|t| t > 4.0 * budget.as_secs_f64()) => {
                    Some(Duration::ZERO)
                }
                Stage::Preview { .. } => overrun,
                Stage::Full if over(1.0) => Some(Duration::ZERO),
                Stage::Full => overrun,
                // Each shift builds on the last one that finished; cancelling shift after
                // shift during a drag would grow the strips until none ever finished, so
                // after one cancelled shift the next always completes.
                Stage::Shift { .. } if self.shift_cancelled => None,
                Stage::Shift { .. } if over(1.0) => Some(Duration::ZERO),
                Stage::Shift { .. } => overrun,
            };
            let control = Arc::new(Control::new());
            let started = Instant::now();
            self.shared.set_in_flight(Some(InFlight {
                generation,
                cancel_after,
                started,
                full_resolution: !matches!(stage, Stage::Preview { .. }),
                control: Arc::clone(&control),
            }));
            let result = self.run_stage(generation, &key, stage, &control);
            self.shared.set_in_flight(None);
            if matches!(stage, Stage::Shift { .. }) {
                self.shift_cancelled = matches!(result, Err(RenderError::Cancelled));
            }
            match result {
                Ok(picture) => {
                    if !matches!(stage, Stage::Shift { .. }) {
                        self.learn_cost(&key, picture.stats.total, pixels);
                    }
                    self.send(WorkerEvent::Picture(picture));
                }
                Err(RenderError::Cancelled) => {
                    // What was done before the cancel still says what pixels cost here;
                    // without it an optimistic estimate would be cancelled again and again.
                    if !matches!(stage, Stage::Shift { .. }) {
                        self.learn_cost(&key, started.elapsed(), control.done_pixels());
                    }
                    return;
                }
                Err(e) => {
                    self.send(WorkerEvent::Failed { generation, message: e.to_string() });
                    return;
                }
            }
        }
    }

    /// The stages for `key`, given what is retained and what renders have cost lately.
    fn plan(&self, key: &RenderKey) -> Vec<Stage> {
        let (w, h) = (i64::from(key.frame.width), i64::from(key.frame.height));
        if let Some(full) = &self.full
            && full.key.fractal == key.fractal
            && full.key.max_iterations == key.max_iterations
            && let Some((dx, dy)) = full.key.frame.pixel_offset_to(&key.frame)
        {
            let kept = (w - dx.abs()).max(0) * (h - dy.abs()).max(0);
            // Worth it while at least half of the picture is kept.
            if kept * 2 >= w * h {
                return vec![Stage::Shift { dx, dy }];
            }
        }
        let pixels = key.frame.width as f64 * key.frame.height as f64;
        let budget = self.config.budget.as_secs_f64();
        if !self.config.previews {
            return vec![Stage::Full];
        }
        match self.estimate(key, pixels as u64) {
            Some(t) if t <= budget => vec![Stage::Full],
            Some(t) => {
                let divisor = (t / budget).sqrt().ceil().clamp(2.0, f64::from(self.config.max_divisor)) as u32;
                vec![Stage::Preview { divisor }, Stage::Full]
            }
            None => vec![Stage::Preview { divisor: 4 }, Stage::Full],
        }
    }

    /// Pixels a stage computes.
    fn stage_pixels(&self, key: &RenderKey, stage: Stage) -> u64 {
        let (w, h) = (u64::from(key.frame.width), u64::from(key.frame.height));
        match stage {
            Stage::Full => w * h,
            Stage::Preview { divisor } => (w / u64::from(divisor)).max(2) * (h / u64::from(divisor)).max(2),
            Stage::Shift { dx, dy } => w * h - kept_pixels(w, h, dx, dy),
        }
    }

    /// Expected seconds for a stage: computed pixels at the learnt rate, plus copying the
    /// kept ones for a shift (a few nanoseconds each: four planes moved, no colouring).
    fn stage_estimate(&self, key: &RenderKey, stage: Stage) -> Option<f64> {
        let computed = self.estimate(key, self.stage_pixels(key, stage))?;
        let copied = match stage {
            Stage::Shift { dx, dy } => {
                kept_pixels(u64::from(key.frame.width), u64::from(key.frame.height), dx, dy) as f64 * COPY_SECS_PER_PX
            }
            Stage::Full | Stage::Preview { .. } => 0.0,
        };
        Some(computed + copied)
    }

    /// Expected seconds for `pixels` of `key`, from the last measured stage. Cost is
    /// taken to grow linearly with the iteration limit (pessimistic: interior pixels
    /// settled by periodicity checks do not grow), and a different kind means no idea.
    fn estimate(&self, key: &RenderKey, pixels: u64) -> Option<f64> {
        let cost = self.cost?;
        if cost.kind != key.fractal.kind() {
            return None;
        }
        let ratio = (f64::from(key.max_iterations) / f64::from(cost.max_iterations)).max(1.0);
        Some(cost.ns_per_px * 1e-9 * pixels as f64 * ratio)
    }

    /// Folds a measurement into the cost model: half the new sample, half the old
    /// estimate (brought to this iteration limit), so one noisy stage (another process
    /// taking the CPU for a moment) does not swing the preview size from frame to frame.
    fn learn_cost(&mut self, key: &RenderKey, took: Duration, pixels: u64) {
        if pixels < 1024 {
            return; // too small to say anything about a full frame
        }
        let sample = took.as_secs_f64() * 1e9 / pixels as f64;
        let ns_per_px = match self.cost {
            Some(old) if old.kind == key.fractal.kind() => {
                let ratio = (f64::from(key.max_iterations) / f64::from(old.max_iterations)).max(1.0);
                0.5 * old.ns_per_px * ratio + 0.5 * sample
            }
            _ => sample,
        };
        self.cost = Some(Cost { kind: key.fractal.kind(), max_iterations: key.max_iterations, ns_per_px });
    }

    fn run_stage(
        &mut self,
        generation: u64,
        key: &RenderKey,
        stage: Stage,
        control: &Control,
    ) -> Result<Picture, RenderError> {
        match stage {
            Stage::Full | Stage::Preview { .. } => {
                let full_grid = key.frame.grid();
                let (grid, pass) = match stage {
                    Stage::Preview { divisor } => {
                        let w = (key.frame.width / divisor).max(2);
                        let h = (key.frame.height / divisor).max(2);
                        (Grid { width: w, height: h, ..full_grid }, Pass::Preview { divisor })
                    }
                    _ => (full_grid, Pass::Full),
                };
                let slot = if pass == Pass::Full { &mut self.spare } else { &mut self.preview_spare };
                let (mut buffer, mut smooth) =
                    slot.take().unwrap_or_else(|| (EscapeBuffer::new(0, 0, SmoothScale::default()), Vec::new()));
                let started = Instant::now();
                let stats = match render_into(&key.params(&grid), &self.options, control, &mut buffer) {
                    Ok(stats) => stats,
                    Err(e) => {
                        *slot = Some((buffer, smooth));
                        return Err(e);
                    }
                };
                let compute = started.elapsed();
                let image = smooth_and_colour(&buffer, &self.look, &mut smooth);
                let stats = PassStats {
                    iterations: stats.iterations,
                    pixels_computed: u64::from(grid.width) * u64::from(grid.height),
                    compute,
                    total: started.elapsed(),
                    kernel: stats.kernel,
                };
                let retained = Retained { generation, key: *key, grid, pass, stats, buffer, smooth, image };
                let picture = retained.picture(false);
                if pass == Pass::Full {
                    if let Some(old) = self.full.replace(retained) {
                        self.spare = Some((old.buffer, old.smooth));
                    }
                } else if let Some(old) = self.preview.replace(retained) {
                    self.preview_spare = Some((old.buffer, old.smooth));
                }
                Ok(picture)
            }
            Stage::Shift { dx, dy } => self.shift(generation, key, dx, dy, control),
        }
    }

    /// Builds the full picture of `key` from the retained one moved by (`dx`, `dy`)
    /// pixels: new pixel (i, j) is old pixel (i + dx, j + dy); the rest is computed.
    fn shift(
        &mut self,
        generation: u64,
        key: &RenderKey,
        dx: i64,
        dy: i64,
        control: &Control,
    ) -> Result<Picture, RenderError> {
        let started = Instant::now();
        let grid = key.frame.grid();
        let (w, h) = (grid.width as usize, grid.height as usize);
        let Some(old) = self.full.take() else {
            return Err(RenderError::Cancelled); // planned only with a retained picture
        };
        let (mut buffer, mut smooth) = match self.spare.take() {
            Some((b, s)) if b.width() == grid.width && b.height() == grid.height => (b, s),
            _ => (EscapeBuffer::new(grid.width, grid.height, old.buffer.smooth_scale()), Vec::new()),
        };
        smooth.resize(w * h, -1.0);
        let mut pixels = vec![egui::Color32::BLACK; w * h];

        // Copy what stays in view, row by row.
        let cols = exposed_range(w, dx);
        let rows = exposed_range(h, dy);
        let keep_cols = complement(w, &cols);
        {
            let (counts, norms) = buffer.planes_mut();
            for j in 0..h {
                let src_j = j as i64 + dy;
                if src_j < 0 || src_j >= h as i64 {
                    continue;
                }
                let (d0, d1) = (j * w + keep_cols.start, j * w + keep_cols.end);
                let s0 = (src_j as usize) * w + (keep_cols.start as i64 + dx) as usize;
                let s1 = s0 + keep_cols.len();
                counts[d0..d1].copy_from_slice(&old.buffer.counts()[s0..s1]);
                norms[d0..d1].copy_from_slice(&old.buffer.norms()[s0..s1]);
                smooth[d0..d1].copy_from_slice(&old.smooth[s0..s1]);
                pixels[d0..d1].copy_from_slice(&old.image.pixels[s0..s1]);
            }
        }
        let recolour_all = self.look_dirty;

        // Compute the exposed strips: whole columns, then the rows between them.
        let mut iterations = 0;
        let mut computed = 0u64;
        let mut compute = Duration::ZERO;
        let mut kernel = old.stats.kernel;
        let strips = [(cols.clone(), 0..h), (keep_cols.clone(), rows.clone())];
        for (cr, rr) in strips {
            if cr.is_empty() || rr.is_empty() {
                continue;
            }
            let t = Instant::now();
            let stats = match self.render_rect(key, &grid, cr.clone(), rr.clone(), control) {
                Ok(stats) => stats,
                Err(e) => {
                    self.full = Some(old);
                    self.spare = Some((buffer, smooth));
                    return Err(e);
                }
            };
            compute += t.elapsed();
            iterations += stats.iterations;
            kernel = stats.kernel;
            computed += (cr.len() * rr.len()) as u64;
            // Copy the strip's pixels into place (the strip may be one wider than asked).
            let (sx0, sy0, sw) = (self.strip_origin.0, self.strip_origin.1, self.strip.width() as usize);
            let scale = self.strip.smooth_scale();
            let painter = self.look.painter();
            let (counts, norms) = buffer.planes_mut();
            for j in rr.clone() {
                for i in cr.clone() {
                    let s = (j - sy0) * sw + (i - sx0);
                    let d = j * w + i;
                    let (c, n) = (self.strip.counts()[s], self.strip.norms()[s]);
                    counts[d] = c;
                    norms[d] = n;
                    smooth[d] = scale.smooth(c, n);
                    pixels[d] = painter.colour(c, smooth[d]);
                }
            }
        }
        if recolour_all {
            self.look.paint(buffer.counts(), &smooth, &mut pixels);
        }
        let image = Arc::new(egui::ColorImage::new([w, h], pixels));
        let stats = PassStats { iterations, pixels_computed: computed, compute, total: started.elapsed(), kernel };
        let pass = Pass::Shift { dx, dy };
        let retained = Retained { generation, key: *key, grid, pass, stats, buffer, smooth, image };
        let picture = retained.picture(false);
        self.full = Some(retained);
        self.spare = Some((old.buffer, old.smooth));
        if recolour_all {
            // The kept pixels were in the old colours; everything is now in the new ones.
            self.look_dirty = false;
            self.preview = None;
        }
        Ok(picture)
    }

    /// Renders columns `cols` × rows `rows` of `grid` into `self.strip`, widened to at
    /// least 2 × 2 (the engine's smallest image) inside the grid; `self.strip_origin`
    /// records where the strip starts.
    fn render_rect(
        &mut self,
        key: &RenderKey,
        grid: &Grid,
        cols: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
        control: &Control,
    ) -> Result<faafo_engine::RenderStats, RenderError> {
        let widen = |r: std::ops::Range<usize>, n: usize| {
            if r.len() >= 2 {
                r
            } else if r.end < n {
                r.start..r.end + 1
            } else {
                r.start - 1..r.end
            }
        };
        let (c, r) = (widen(cols, grid.width as usize), widen(rows, grid.height as usize));
        let sub = grid.sub_grid(c.start as u32, c.end as u32, r.start as u32, r.end as u32);
        self.strip_origin = (c.start, r.start);
        render_into(&key.params(&sub), &self.options, control, &mut self.strip)
    }

    /// Recolours the retained pictures in the current look and sends them again.
    fn recolour_retained(&mut self) {
        self.look_dirty = false;
        let full_generation = self.full.as_ref().map_or(0, |f| f.generation);
        let mut out = Vec::new();
        for r in [&mut self.full, &mut self.preview].into_iter().flatten() {
            let mut pixels = vec![egui::Color32::BLACK; r.smooth.len()];
            self.look.paint(r.buffer.counts(), &r.smooth, &mut pixels);
            r.image = Arc::new(egui::ColorImage::new([r.grid.width as usize, r.grid.height as usize], pixels));
            out.push(r.picture(true));
        }
        for picture in out {
            // A preview older than the full picture is hidden anyway.
            if picture.pass.is_full_resolution() || picture.generation > full_generation {
                self.send(WorkerEvent::Picture(picture));
            }
        }
    }
}

/// Time to copy one kept pixel in a shift (counts, norms, smooth values, colour).
const COPY_SECS_PER_PX: f64 = 3e-9;

/// Pixels of a `w` × `h` picture still in view after a move by (`dx`, `dy`).
fn kept_pixels(w: u64, h: u64, dx: i64, dy: i64) -> u64 {
    w.saturating_sub(dx.unsigned_abs()) * h.saturating_sub(dy.unsigned_abs())
}

/// Smooth escape values and colours of a whole buffer, in one parallel pass (each pixel's
/// count and |z|² are read once and both outputs written while they are in cache).
fn smooth_and_colour(buffer: &EscapeBuffer, look: &Look, smooth: &mut Vec<f32>) -> Arc<egui::ColorImage> {
    use rayon::prelude::*;
    const CHUNK: usize = 8192;
    let scale = buffer.smooth_scale();
    let n = buffer.counts().len();
    smooth.resize(n, -1.0);
    let mut pixels = vec![egui::Color32::BLACK; n];
    let painter = look.painter();
    pixels
        .par_chunks_mut(CHUNK)
        .zip(smooth.par_chunks_mut(CHUNK))
        .zip(buffer.counts().par_chunks(CHUNK).zip(buffer.norms().par_chunks(CHUNK)))
        .for_each(|((px, sm), (c, nm))| {
            for (((p, s), &count), &norm) in px.iter_mut().zip(sm.iter_mut()).zip(c).zip(nm) {
                *s = scale.smooth(count, norm);
                *p = painter.colour(count, *s);
            }
        });
    let (w, h) = (buffer.width() as usize, buffer.height() as usize);
    Arc::new(egui::ColorImage::new([w, h], pixels))
}

/// Indices along an axis of `n` pixels that a move by `d` exposes (new pixel `i` is old
/// pixel `i + d`, which is outside `0..n` exactly for these).
fn exposed_range(n: usize, d: i64) -> std::ops::Range<usize> {
    let n_i = n as i64;
    if d > 0 {
        (n_i - d).max(0) as usize..n
    } else if d < 0 {
        0..(-d).min(n_i) as usize
    } else {
        0..0
    }
}

/// The indices of `0..n` outside `r`, which is at one end (or empty).
fn complement(n: usize, r: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    if r.is_empty() {
        0..n
    } else if r.start == 0 {
        r.end..n
    } else {
        0..r.start
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::view::View;

    fn key(view: View) -> RenderKey {
        RenderKey { fractal: Fractal::Mandelbrot, frame: Frame::new(view, 240, 160), max_iterations: 300 }
    }

    fn wait_for(worker: &RenderWorker, generation: u64, full: bool) -> Picture {
        let started = Instant::now();
        loop {
            while let Some(event) = worker.try_recv() {
                match event {
                    WorkerEvent::Picture(p) if p.generation == generation && (!full || p.pass.is_full_resolution()) => {
                        return p;
                    }
                    WorkerEvent::Picture(_) => {}
                    WorkerEvent::Failed { message, .. } => panic!("render failed: {message}"),
                }
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no picture for generation {generation}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn ranges_of_exposed_pixels() {
        assert_eq!(exposed_range(10, 3), 7..10);
        assert_eq!(exposed_range(10, -3), 0..3);
        assert_eq!(exposed_range(10, 0), 0..0);
        assert_eq!(exposed_range(10, 15), 0..10);
        assert_eq!(complement(10, &(7..10)), 0..7);
        assert_eq!(complement(10, &(0..3)), 3..10);
        assert_eq!(complement(10, &(0..0)), 0..10);
    }

    #[test]
    fn a_pan_reuses_pixels_and_matches_a_fresh_render() {
        let ctx = egui::Context::default();
        let mut worker = RenderWorker::spawn("test-render", ctx, WorkerConfig::default()).unwrap();
        let first = key(View::new(-0.7, 0.2, 1.2));
        let g = worker.submit(first, Look::default());
        wait_for(&worker, g, true);

        for (dx, dy) in [(13.0, -7.0), (-1.0, 0.0), (0.0, 1.0), (-50.0, 30.0)] {
            let moved = RenderKey { frame: Frame { view: first.frame.panned(dx, dy), ..first.frame }, ..first };
            let g = worker.submit(moved, Look::default());
            let shifted = wait_for(&worker, g, true);
            assert!(matches!(shifted.pass, Pass::Shift { .. }), "{:?}", shifted.pass);
            let exposed = (dx.abs() * 160.0 + dy.abs() * 240.0) as u64;
            assert!(shifted.stats.pixels_computed <= exposed, "{} > {exposed}", shifted.stats.pixels_computed);

            // The same view rendered from scratch.
            let params = moved.params(&moved.frame.grid());
            let fresh = faafo_engine::render(&params, &RenderOptions::default(), &Control::new()).unwrap();
            let painter = Look::default().painter();
            let same = shifted
                .image
                .pixels
                .iter()
                .enumerate()
                .filter(|(i, p)| **p == painter.colour(fresh.buffer.counts()[*i], fresh.buffer.smooth_at(*i)))
                .count();
            let total = shifted.image.pixels.len();
            assert!(same * 1000 >= total * 999, "only {same} of {total} pixels agree after a pan of {dx},{dy}");
            // Back to where we were for the next case.
            let g = worker.submit(first, Look::default());
            wait_for(&worker, g, true);
        }
    }

    #[test]
    fn newer_requests_supersede_older_ones_and_recolour_needs_no_render() {
        let ctx = egui::Context::default();
        let mut worker = RenderWorker::spawn("test-render", ctx, WorkerConfig::default()).unwrap();
        // A burst of requests: the last one must be answered in full.
        let mut last = 0;
        for i in 0..20 {
            let v = View::new(-0.75, 0.0, 3.5 / (1.1f64).powi(i));
            last = worker.submit(key(v), Look::default());
        }
        let p = wait_for(&worker, last, true);
        assert_eq!(p.key.frame.view.scale, 3.5 / (1.1f64).powi(19));

        let fire = Look::default().with_palette(faafo_engine::Palette::Fire);
        worker.set_look(fire);
        let recoloured = wait_for(&worker, last, true);
        assert!(recoloured.recoloured);
        assert_ne!(recoloured.image.pixels, p.image.pixels);
    }

    #[test]
    fn bad_frames_are_reported_not_panicked_on() {
        let ctx = egui::Context::default();
        let mut worker = RenderWorker::spawn("test-render", ctx, WorkerConfig::default()).unwrap();
        let too_deep = key(View::new(-0.75, 0.1, 1e-14));
        let g = worker.submit(too_deep, Look::default());
        let started = Instant::now();
        loop {
            if let Some(WorkerEvent::Failed { generation, message }) = worker.try_recv() {
                assert_eq!(generation, g);
                assert!(message.contains("too deep"), "{message}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}
