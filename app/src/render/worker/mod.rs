//! Background rendering: one named thread per worker, fed by a channel, answering with
//! coloured pictures over another channel and waking the UI with `request_repaint`.
//!
//! # Why it is shaped like this
//!
//! * **Generations.** Every request gets a number one higher than the last. Pictures carry
//!   the number of the request they answer, so the UI always knows how current a picture
//!   is; it shows older ones reprojected to the current view until newer ones arrive.
//! * **Passes.** A request runs in passes: a quick low-resolution *preview* sized to
//!   finish within the frame budget, then the *full* picture. When the previous picture
//!   has the same scale and the view moved by whole pixels (a pan), the single pass is a
//!   *shift*: old pixels are copied and only the newly exposed strips are computed.
//!   Cheap views skip the preview.
//! * **Cancellation.** When a newer request arrives, a pass expected to exceed the budget
//!   (the full pass of anything non-trivial) is cancelled through the engine's
//!   [`Control`] at once, and passes not started yet are dropped. A pass within the
//!   budget is allowed to finish: its picture still shows, reprojected, until the next
//!   one lands, and cancelling it would leave a fast zoom with no fresh pictures at all.
//! * **Letting go.** When the hand stops after moving ([`RenderWorker::still`]), the
//!   newest request skips its preview (the last ones are on screen, reprojected) and a
//!   running preview is cancelled: the full picture starts at once.
//! * **Recolouring.** The last preview and full picture keep their escape counts and
//!   smooth values, so a palette change is a recolour on this thread, never a recompute.
//!
//! The files: this one is the UI's handle and the types that cross the channels;
//! `thread` is the loop on the render thread, `schedule` the pure planning and cost
//! model, `shift` the pan that copies pixels and computes only the exposed strips.
//!
//! The UI side ([`RenderWorker`]) never blocks: sending is non-blocking, results are
//! polled with `try_recv`, and the in-flight slot's mutex is only held for a copy.

mod deep;
mod deepen;
mod schedule;
mod shift;
mod supersample;
mod thread;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use faafo_engine::{Colouring, Control, Fractal, KernelPath, Params, RenderError};

use crate::model::colour::Look;
use crate::model::view::{Frame, Grid};
pub use deepen::Raised;
use thread::WorkerThread;

/// What to render: the fractal, the frame (view + size in physical pixels) and the
/// iteration limit. Colours are not part of it: they never require a recompute.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderKey {
    pub fractal: Fractal,
    pub frame: Frame,
    pub max_iterations: u32,
}

impl RenderKey {
    fn params(&self, grid: &Grid) -> Params {
        debug_assert_eq!(
            grid.orientation,
            faafo_engine::Orientation::of(self.fractal.kind()),
            "frame not oriented as the engine renders its kind"
        );
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

/// Which pass of a request produced a picture (a request runs as one or more passes).
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
        /// Physical pixels: new pixel (i, j) is old pixel (i + dx, j + dy).
        dx: i64,
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

/// Figures about one pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassStats {
    /// z updates performed (strips only, for a shift).
    pub iterations: u64,
    /// Pixels iterated (not copied).
    pub pixels_computed: u64,
    /// Time computing escape values.
    pub compute: Duration,
    /// Time computing and colouring (the whole pass).
    pub total: Duration,
    pub kernel: KernelPath,
}

/// A coloured picture from the worker.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The request it answers.
    pub generation: u64,
    pub key: RenderKey,
    /// Its own pixel grid (smaller than the frame for a preview).
    pub grid: Grid,
    pub pass: Pass,
    /// The pixels, shared with the worker's copy (no duplicate 8 MiB per frame).
    pub image: Arc<egui::ColorImage>,
    /// Figures of the pass that computed it.
    pub stats: PassStats,
    /// True when this is an existing picture in new colours.
    pub recoloured: bool,
    /// Set when automatic iterations raised the limit for this picture (its key has the
    /// raised limit).
    pub raised: Option<Raised>,
    /// Samples per pixel averaged into it: 1, or while the view is antialiased the
    /// jittered samples done so far.
    pub samples: u32,
}

/// What comes back from the worker.
// A few pictures a frame cross the channel; boxing them would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum WorkerEvent {
    /// A picture for some request.
    Picture(Picture),
    /// A request the engine refused (bad parameters) or that failed.
    Failed { generation: u64, error: RenderError },
}

/// Tuning of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Time a pass may take and still not be cancelled when superseded; previews are
    /// sized to fit it.
    pub budget: Duration,
    /// Largest preview divisor (coarsest preview): 2 or more.
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
    Render {
        generation: u64,
        key: RenderKey,
        look: Look,
    },
    Look(Look),
    /// Raise the limit of the following requests' full pictures when it shows false
    /// interior, up to this cap (`None`: the limit is fixed).
    AutoIterations(Option<u32>),
    /// The hand stopped on this request's view after moving: its previews are dropped.
    Still(u64),
}

/// The pass running on the worker, so the UI can cancel it or show its progress.
#[derive(Debug, Clone)]
struct InFlight {
    generation: u64,
    /// How long the pass may run before a newer request cancels it: zero for passes
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
    /// pass if it is an expensive one for an older request.
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

    /// Says the hand stopped on the newest request's view after moving over several
    /// frames (a fly, a wheel spin, a drag let go): a preview of it would show nothing the
    /// previous previews, reprojected on screen, do not, so the worker goes straight to
    /// the full picture. A preview running now (of it or an older request) is cancelled.
    pub fn still(&self) {
        self.tx.send(Msg::Still(self.generation)).ok();
        if let Some(f) = self.shared.in_flight()
            && !f.full_resolution
        {
            f.control.cancel();
        }
    }

    /// Lets the worker raise the iteration limit of the following requests' full
    /// pictures (up to `cap`) where pixels hit it next to late escapes; `None` keeps the
    /// limit as requested. See [`Raised`].
    pub fn set_auto_iterations(&self, cap: Option<u32>) {
        self.tx.send(Msg::AutoIterations(cap)).ok();
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

    /// Progress (0..=1) of a full-resolution pass for the newest request, if one runs.
    pub fn progress(&self) -> Option<f32> {
        self.shared
            .in_flight()
            .filter(|f| f.generation == self.generation && f.full_resolution)
            .map(|f| f.control.progress())
    }
}

impl Drop for RenderWorker {
    /// Stops the thread without waiting for it: a cancelled pass ends within one band.
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
        if let Some(f) = self.shared.in_flight() {
            f.control.cancel();
        }
        // Dropping `tx` ends the thread's `recv`.
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::model::view::View;
    use faafo_engine::RenderOptions;

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
                    WorkerEvent::Failed { error, .. } => panic!("render failed: {error}"),
                }
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no picture for generation {generation}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_pan_reuses_pixels_and_matches_a_fresh_render() {
        let ctx = egui::Context::default();
        let mut worker = RenderWorker::spawn("test-render", ctx, WorkerConfig::default()).unwrap();
        let first = key(View::new(-0.7, 0.2, 1.2));
        let g = worker.submit(first.clone(), Look::default());
        wait_for(&worker, g, true);

        for (dx, dy) in [(13.0, -7.0), (-1.0, 0.0), (0.0, 1.0), (-50.0, 30.0)] {
            let frame = Frame { view: first.frame.panned(dx, dy), ..first.frame.clone() };
            let moved = RenderKey { frame, ..first.clone() };
            let g = worker.submit(moved.clone(), Look::default());
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
            let g = worker.submit(first.clone(), Look::default());
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
        assert_eq!(p.key.frame.view.scale_f64(), 3.5 / (1.1f64).powi(19));

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
        // Burning Ship has no deep path: past doubles it is refused, in words.
        let too_deep = RenderKey { fractal: Fractal::BurningShip, ..key(View::new(-0.75, 0.1, 1e-14)) };
        let g = worker.submit(too_deep, Look::default());
        let started = Instant::now();
        loop {
            if let Some(WorkerEvent::Failed { generation, error }) = worker.try_recv() {
                assert_eq!(generation, g);
                let message = error.to_string();
                assert!(message.contains("cannot be rendered this deep"), "{message}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}
